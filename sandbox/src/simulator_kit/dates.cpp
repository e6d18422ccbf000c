#include <partnerkit/sandbox/simulator_kit/dates.hpp>

#include <cstdio>
#include <ctime>

namespace partnerkit::sandbox::kit {

std::string iso8601(std::chrono::system_clock::time_point t, int fraction_digits) {
  using namespace std::chrono;
  const auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  long long secs = us / 1'000'000;
  long long frac = us % 1'000'000;
  if (frac < 0) {  // before 1970: floor, not truncate
    frac += 1'000'000;
    --secs;
  }
  const auto tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (fraction_digits == 6)
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%06lld", frac);
  else if (fraction_digits != 0)
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%03lld", frac / 1000);
  std::string out(buf, static_cast<std::size_t>(n));
  out += 'Z';
  return out;
}

}  // namespace partnerkit::sandbox::kit
