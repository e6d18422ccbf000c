#include "detail/request_writer.hpp"

#include <partnerkit/text/ascii.hpp>

#include <partnerkit/transport_errors.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace partnerkit::detail {
namespace {

constexpr std::array<bool, 256> token_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = text::is_token_char(static_cast<unsigned char>(c));
  return t;
}();

// Without early exits: a header is valid far more often than not, and the loops stay branch-free
// (the value's vectorizes) — a third of serialize_request's cost went to checking char by char.
bool valid_header(std::string_view name, std::string_view value) noexcept {
  bool token = !name.empty();
  for (unsigned char c : name) token &= token_chars[c];
  bool clean = true;
  for (unsigned char c : value) clean &= (c != '\r') & (c != '\n') & (c != '\0');
  return token && clean;
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
  const auto put = [&p](std::string_view piece) {
    std::memcpy(p, piece.data(), piece.size());
    p += piece.size();
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
