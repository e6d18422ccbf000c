// Fuzzes the adapters' ISO 8601 / RFC 3339 parser (Dub's createdAt; <partnerkit/adapter_kit/time.hpp>).
// Invariants: no crash or undefined behaviour (UBSan: no overflow on any digits); a parsed time
// written back canonically ("YYYY-MM-DDTHH:MM:SS.mmmZ") parses to the same time.
#include <partnerkit/adapter_kit/time.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto t = partnerkit::adapter_kit::parse_iso8601(text);
  if (!t) return 0;
  const auto day = floor<days>(*t);
  const year_month_day ymd{day};
  if (!ymd.ok() || int(ymd.year()) < 0 || int(ymd.year()) > 9999) return 0;  // an offset moved it out
  const hh_mm_ss<milliseconds> tod{*t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(tod.hours().count()),
                int(tod.minutes().count()), int(tod.seconds().count()), int(tod.subseconds().count()));
  const auto back = partnerkit::adapter_kit::parse_iso8601(buf);
  if (!back || *back != *t) {
    std::fprintf(stderr, "parse_iso8601: %s does not read back\n", buf);
    std::abort();
  }
  return 0;
}
