#include <partnerkit/sandbox/simulator_kit/auth.hpp>
#include <partnerkit/sandbox/simulator_kit/request.hpp>

#include <partnerkit/text/ascii.hpp>

#include <optional>

namespace partnerkit::sandbox::kit {
namespace {

// RFC 4648 base64 with padding (what RFC 7617 credentials use); nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=' && in[i + 3] == '=') : 0;
    unsigned v = 0;
    for (int k = 0; k < 4 - pad; ++k) {
      const int d = value(in[i + static_cast<std::size_t>(k)]);
      if (d < 0) return std::nullopt;
      v |= static_cast<unsigned>(d) << (18 - 6 * k);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xFF));
  }
  return out;
}

}  // namespace

BearerToken read_bearer(const HttpRequest& request, BearerParsing parsing) {
  BearerToken out;
  const std::string* header = header_ptr(request.headers, "Authorization");
  if (!header) return out;
  out.status = AuthStatus::malformed;
  constexpr std::string_view scheme = "Bearer ";
  std::string_view h = *header;
  if (parsing == BearerParsing::strict) {
    if (!h.starts_with(scheme) || h.size() == scheme.size()) return out;
    h.remove_prefix(scheme.size());
    if (h.find_first_of(" \t") != std::string_view::npos) return out;
  } else {
    h = text::trim(h, text::ows);
    if (h.size() <= scheme.size() || !text::iequals(h.substr(0, scheme.size()), scheme)) return out;
    h = text::trim(h.substr(scheme.size()), text::ows);
  }
  out.status = AuthStatus::ok;
  out.token = std::string(h);
  return out;
}

BasicCredentials read_basic(const HttpRequest& request) {
  BasicCredentials out;
  const std::string* header = header_ptr(request.headers, "Authorization");
  if (!header) return out;
  out.status = AuthStatus::malformed;
  std::string_view h = text::trim(*header, text::ows);
  constexpr std::string_view scheme = "Basic ";
  if (h.size() <= scheme.size() || !text::iequals(h.substr(0, scheme.size()), scheme)) return out;
  const auto decoded = base64_decode(text::trim(h.substr(scheme.size()), text::ows));
  if (!decoded) return out;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return out;
  out.status = AuthStatus::ok;
  out.user = decoded->substr(0, colon);
  out.password = decoded->substr(colon + 1);
  return out;
}

bool secure_equals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace partnerkit::sandbox::kit
