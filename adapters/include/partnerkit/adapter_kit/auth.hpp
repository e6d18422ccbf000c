// Credentials and headers: checking the configured key, and the three ways vendors take it (a Bearer
// token, HTTP Basic, a header of their own).
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_kit/base64.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace partnerkit::adapter_kit {

namespace auth_detail {

// Whether every byte is printable ASCII without space (0x21-0x7E). Eight bytes at a time (a create
// checks its key on every request): a word has a bad byte iff some high bit is set in w (>= 0x80),
// in w + 0x01.. (0x7F; only a 0xFF, itself bad, carries on) or in (w - 0x21..) & ~w (< 0x21; only
// such a byte borrows).
inline bool printable(std::string_view s) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  const auto bad = [](std::uint64_t w) { return (w | (w + ones) | ((w - ones * 0x21) & ~w)) & highs; };
  std::size_t i = 0;
  std::uint64_t any = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    any |= bad(w);
  }
  if (i < s.size() && s.size() >= 8) {
    std::uint64_t w;  // the tail as the last eight bytes (those before i were checked)
    std::memcpy(&w, s.data() + s.size() - 8, 8);
    any |= bad(w);
    i = s.size();
  }
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    any |= (c <= 0x20 || c >= 0x7F) ? 1u : 0u;
  }
  return any == 0;
}

}  // namespace auth_detail

// Error when the key is missing (unauthenticated, field "api_key") or could break the header (control
// characters, spaces, non-ASCII): nothing is sent in either case. The key is never echoed.
inline std::optional<Error> check_api_key(std::string_view vendor, std::string_view api_key) {
  if (api_key.empty())
    return Error::make(errc::unauthenticated, "no API key configured for " + std::string(vendor), "api_key");
  if (!auth_detail::printable(api_key))
    return Error::make(errc::unauthenticated,
                       "the API key configured for " + std::string(vendor) +
                           " contains spaces, control or non-ASCII characters",
                       "api_key");
  return std::nullopt;
}

// The one header that carries the credential. Keep it the only place the key goes: never the URL, the
// body or a message (the author's kit checks it).
struct Credential {
  std::string header;
  std::string value;
};

// Authorization: Bearer <token>
inline Credential bearer_auth(std::string_view token) {
  std::string v;
  v.reserve(7 + token.size());
  v.append("Bearer ").append(token);
  return {"Authorization", std::move(v)};
}

// Authorization: Basic base64(<user>:<password>) (RFC 7617). Vendors that take the API key as the user
// name pass an empty password, or the key as the password, as their docs say.
inline Credential basic_auth(std::string_view user, std::string_view password) {
  std::string pair;
  pair.reserve(user.size() + 1 + password.size());
  pair.append(user).append(":").append(password);
  return {"Authorization", "Basic " + base64_encode(pair)};
}

// <header>: <key>, for vendors with a header of their own (e.g. "X-Api-Key").
inline Credential header_key(std::string_view header, std::string_view key) {
  return {std::string(header), std::string(key)};
}

inline constexpr std::string_view json_media_type = "application/json";
inline constexpr std::string_view form_media_type = "application/x-www-form-urlencoded";

// The credential header, Content-Type when there is a body (content_type not empty), and Accept.
inline HttpHeaders request_headers(Credential credential, std::string_view content_type = {},
                                   std::string_view accept = json_media_type) {
  HttpHeaders h;
  h.reserve(3);
  h.emplace_back(std::move(credential.header), std::move(credential.value));
  if (!content_type.empty()) h.emplace_back("Content-Type", std::string(content_type));
  if (!accept.empty()) h.emplace_back("Accept", std::string(accept));
  return h;
}

// Authorization: Bearer <key>, Content-Type and Accept application/json: a JSON request.
// The same headers as request_headers(bearer_auth(api_key), json_media_type), built in place (every create
// sends them: no Credential, no temporaries to move).
inline HttpHeaders json_headers(std::string_view api_key) {
  HttpHeaders h;
  h.reserve(3);
  std::string& bearer = h.emplace_back("Authorization", std::string()).second;
  bearer.reserve(7 + api_key.size());
  bearer.append("Bearer ", 7).append(api_key);
  h.emplace_back("Content-Type", json_media_type);
  h.emplace_back("Accept", json_media_type);
  return h;
}

// A bodiless request (GET, DELETE) with a Bearer key: Authorization and Accept only.
inline HttpHeaders accept_headers(std::string_view api_key) { return request_headers(bearer_auth(api_key)); }

// A request without a body (a GET, a DELETE, a POST that needs none): the credential and Accept.
inline EncodedRequest bodiless_request(std::string method, std::string url, Credential credential) {
  EncodedRequest out;
  out.request.method = std::move(method);
  out.request.url = std::move(url);
  out.request.headers = request_headers(std::move(credential));
  return out;
}

}  // namespace partnerkit::adapter_kit
