#include <partnerkit/sandbox/simulator_kit/request.hpp>

#include <partnerkit/text/ascii.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>

namespace partnerkit::sandbox::kit {
namespace {

// Decodes every pair of a query or form body; nullopt when the text is not one.
std::optional<FormFields> decode_pairs(std::string_view text) {
  auto parsed = boost::urls::parse_query(text);
  if (!parsed) return std::nullopt;
  const boost::urls::encoding_opts plus_is_space(/*space_as_plus=*/true);
  FormFields out;
  for (const auto& p : *parsed) {
    if (p.key.empty() && !p.has_value) continue;  // "a=1&&b=2"
    out.emplace_back(p.key.decode(plus_is_space),
                     p.has_value ? p.value.decode(plus_is_space) : std::string());
  }
  return out;
}

}  // namespace

const std::string* header_ptr(const HttpHeaders& headers, std::string_view name) noexcept {
  for (const auto& [k, v] : headers)
    if (text::iequals(k, name)) return &v;
  return nullptr;
}

std::optional<std::string> query_value(std::string_view url, std::string_view name) {
  const auto q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  const auto fields = decode_pairs(query);
  if (!fields) return std::nullopt;
  return form_value(*fields, name);
}

JsonBody parse_json_body(std::string_view body, std::size_t max_bytes, std::size_t max_depth) {
  JsonBody out;
  if (body.size() > max_bytes) {
    out.problem = JsonBody::Problem::too_large;
    return out;
  }
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code ec;
  out.value = boost::json::parse(body, ec, {}, options);
  if (ec) {
    out.value = nullptr;
    out.problem = JsonBody::Problem::not_json;
  }
  return out;
}

std::optional<FormFields> parse_form(std::string_view body) { return decode_pairs(body); }

std::optional<std::string> form_value(const FormFields& fields, std::string_view name) {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return std::nullopt;
}

}  // namespace partnerkit::sandbox::kit
