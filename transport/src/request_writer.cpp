#include "detail/request_writer.hpp"

#include <partnerkit/text/ascii.hpp>

#include <partnerkit/transport_errors.hpp>

#include <algorithm>
#include <array>
#include <charconv>

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

boost::system::error_code serialize_request(const HttpRequest& request, const Target& target,
                                            std::string_view user_agent, Wire& wire) {
  const auto& method = request.method;
  if (method.empty() ||
      !std::all_of(method.begin(), method.end(), [](unsigned char c) { return token_chars[c]; })) {
    return transport_error::request_rejected;
  }
  wire.head = method == "HEAD";
  wire.close = false;
  std::string& out = wire.bytes;
  out.clear();
  out.reserve(128 + target.target.size() + request.body.size() + 64 * request.headers.size());
  out.append(method)
      .append(" ")
      .append(target.target)
      .append(" HTTP/1.1\r\nHost: ")
      .append(target.host_header);
  out.append("\r\n");
  bool has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    if (!valid_header(name, value)) return transport_error::request_rejected;
    if (text::iequals(name, "host") || text::iequals(name, "content-length") ||
        text::iequals(name, "transfer-encoding"))
      continue;
    if (text::iequals(name, "user-agent")) has_user_agent = true;
    if (text::iequals(name, "connection") && has_close_token(value)) wire.close = true;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_user_agent && !user_agent.empty()) out.append("User-Agent: ").append(user_agent).append("\r\n");
  if (!request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, request.body.size());
    (void)ec;
    out.append("Content-Length: ").append(digits, end).append("\r\n");
  }
  out.append("\r\n").append(request.body);
  return {};
}

}  // namespace partnerkit::detail
