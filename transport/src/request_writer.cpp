#include "detail/request_writer.hpp"

#include "detail/swar.hpp"

#include <partnerkit/text/ascii.hpp>

#include <partnerkit/transport_errors.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace partnerkit::detail {
namespace {

constexpr std::array<bool, 256> token_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = text::is_token_char(static_cast<unsigned char>(c));
  return t;
}();

// Without early exits: a header is valid far more often than not. The value (the longest part: a
// bearer key) eight bytes at a time — byte by byte it was most of serialize_request's cost.
bool clean_value(std::string_view value) noexcept {
  const auto bad = [](std::uint64_t v) {
    return swar::has_byte(v, '\r') | swar::has_byte(v, '\n') | swar::has_byte(v, '\0');
  };
  if (value.size() < 8) {
    bool clean = true;
    for (unsigned char c : value) clean &= (c != '\r') & (c != '\n') & (c != '\0');
    return clean;
  }
  std::uint64_t found = 0;
  std::size_t i = 0;
  for (; i + 8 < value.size(); i += 8) found |= bad(swar::load(value.data() + i));
  found |= bad(swar::load(value.data() + value.size() - 8));  // the last word, overlapping
  return found == 0;
}

bool valid_header(std::string_view name, std::string_view value) noexcept {
  // Two lookups a step, into two results: half the loop's overhead.
  const auto* s = reinterpret_cast<const unsigned char*>(name.data());
  bool even = !name.empty(), odd = true;
  std::size_t i = 0;
  for (; i + 2 <= name.size(); i += 2) {
    even &= token_chars[s[i]];
    odd &= token_chars[s[i + 1]];
  }
  if (i < name.size()) even &= token_chars[s[i]];
  return even && odd && clean_value(value);
}

}  // namespace

bool has_close_token(std::string_view value) noexcept {
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view token = text::trim(value.substr(pos, comma - pos), text::ows);
    if (text::iequals(token, "close")) return true;
    pos = comma + 1;
  }
  return false;
}

namespace {

// Our Host, Content-Length and framing are authoritative: the request's own are dropped.
bool ours(std::string_view name) noexcept {
  return text::iequals(name, "host") || text::iequals(name, "content-length") ||
         text::iequals(name, "transfer-encoding");
}

}  // namespace

// Two passes: the headers are checked and the head's length counted, then one resize and plain
// copies. An append per piece (~30 a request) cost a capacity check and a call each: most of the
// function's ~1.4k instructions a create.
boost::system::error_code serialize_request(const HttpRequest& request, const Target& target,
                                            std::string_view user_agent, Wire& wire) {
  const std::string_view method = request.method;
  if (method.empty() ||
      !std::all_of(method.begin(), method.end(), [](unsigned char c) { return token_chars[c]; })) {
    return transport_error::request_rejected;
  }
  static constexpr std::string_view version_host = " HTTP/1.1\r\nHost: ";
  static constexpr std::string_view crlf = "\r\n";
  static constexpr std::string_view colon = ": ";
  static constexpr std::string_view ua_name = "User-Agent: ";
  static constexpr std::string_view cl_name = "Content-Length: ";
  wire.head = method == "HEAD";
  wire.close = false;
  std::size_t size = method.size() + 1 + target.target.size() + version_host.size() +
                     target.host_header.size() + crlf.size();
  bool has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    if (!valid_header(name, value)) return transport_error::request_rejected;
    if (ours(name)) continue;
    if (text::iequals(name, "user-agent")) has_user_agent = true;
    if (text::iequals(name, "connection") && has_close_token(value)) wire.close = true;
    size += name.size() + colon.size() + value.size() + crlf.size();
  }
  const bool add_user_agent = !has_user_agent && !user_agent.empty();
  if (add_user_agent) size += ua_name.size() + user_agent.size() + crlf.size();
  char digits[24];
  char* digits_end = digits;
  if (!request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    digits_end = std::to_chars(digits, digits + sizeof digits, request.body.size()).ptr;
    size += cl_name.size() + static_cast<std::size_t>(digits_end - digits) + crlf.size();
  }
  size += crlf.size() + request.body.size();

  std::string& out = wire.bytes;
  out.clear();
  out.resize(size);
  char* p = out.data();
  // Most pieces (names, short values, the target, the Host) are 4-16 bytes: two overlapping
  // fixed-size copies each, inline, instead of a call to memcpy.
  const auto put = [&p](std::string_view piece) {
    const std::size_t n = piece.size();
    const char* s = piece.data();
    if (n >= 8 && n <= 16) {
      std::uint64_t a, b;
      std::memcpy(&a, s, 8);
      std::memcpy(&b, s + n - 8, 8);
      std::memcpy(p, &a, 8);
      std::memcpy(p + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
      std::uint32_t a, b;
      std::memcpy(&a, s, 4);
      std::memcpy(&b, s + n - 4, 4);
      std::memcpy(p, &a, 4);
      std::memcpy(p + n - 4, &b, 4);
    } else {
      std::memcpy(p, s, n);
    }
    p += n;
  };
  put(method);
  put(" ");
  put(target.target);
  put(version_host);
  put(target.host_header);
  put(crlf);
  for (const auto& [name, value] : request.headers) {
    if (ours(name)) continue;
    put(name);
    put(colon);
    put(value);
    put(crlf);
  }
  if (add_user_agent) {
    put(ua_name);
    put(user_agent);
    put(crlf);
  }
  if (digits_end != digits) {
    put(cl_name);
    put(std::string_view(digits, static_cast<std::size_t>(digits_end - digits)));
    put(crlf);
  }
  put(crlf);
  put(request.body);
  return {};
}

}  // namespace partnerkit::detail
