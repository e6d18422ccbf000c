// Fuzzes parse_retry_after and sanitized_body.
// Invariants: waits are within [0, 24h]; a sanitized body is at most max_raw_body_bytes and does not
// end inside a UTF-8 sequence that was whole in the input.
#include <partnerkit/http_errors.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace pk = partnerkit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  if (auto wait = pk::parse_retry_after(text, now)) {
    if (wait->count() < 0 || *wait > std::chrono::hours(24)) std::abort();
  }
  pk::HttpResponse r;
  r.status = 429;
  r.headers = {{"X-RateLimit-Reset", std::string(text.substr(0, 64))}};
  r.body = std::string(text);
  pk::Error e = pk::error_from_response(r, now);
  if (e.raw_body.size() > pk::max_raw_body_bytes) std::abort();
  return 0;
}
