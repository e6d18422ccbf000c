// Fuzzes parse_retry_after (delta-seconds, HTTP-date in its three forms, epoch seconds and
// milliseconds), retry_after_from_headers, sanitized_body and error_from_response.
// Invariants: waits are within [0, 24h]; one second later the same value never asks for a longer
// wait, nor for more than one second less (a date is a fixed point in time, a delay is relative);
// a sanitized body is at most max_raw_body_bytes; error_from_response keeps the status.
#include <partnerkit/http_errors.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace pk = partnerkit;
  using std::chrono::milliseconds;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  const auto wait = pk::parse_retry_after(text, now);
  if (wait && (wait->count() < 0 || *wait > std::chrono::hours(24))) std::abort();
  const auto later = pk::parse_retry_after(text, now + std::chrono::seconds(1));
  if (wait.has_value() != later.has_value()) {
    std::fprintf(stderr, "parse_retry_after: parsed at one time and not at another\n");
    std::abort();
  }
  if (wait && (*later > *wait || *wait - *later > milliseconds(1000))) {
    std::fprintf(stderr, "parse_retry_after: %lld ms, one second later %lld ms\n",
                 static_cast<long long>(wait->count()), static_cast<long long>(later->count()));
    std::abort();
  }

  pk::HttpResponse r;
  r.status = 429;
  r.headers = {{"X-RateLimit-Reset", std::string(text.substr(0, 64))}};
  if (text.size() > 64) r.headers.emplace_back("Retry-After", std::string(text.substr(64, 64)));
  r.body = std::string(text);
  if (auto w = pk::retry_after_from_headers(r.headers, now);
      w && (w->count() < 0 || *w > std::chrono::hours(24)))
    std::abort();
  pk::Error e = pk::error_from_response(r, now);
  if (e.raw_body.size() > pk::max_raw_body_bytes) std::abort();
  if (!e.http_status || *e.http_status != 429) std::abort();
  if (pk::sanitized_body(text).size() > pk::max_raw_body_bytes) std::abort();
  return 0;
}
