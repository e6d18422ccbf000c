// Dub, operations beyond create: find (by tenantId, email or id), get, deactivate and ban.
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/http_errors.hpp>

#include "dub/partner_json.hpp"

#include <partnerkit/adapter_kit.hpp>

namespace partnerkit {

using namespace adapter_kit;
using dub_detail::partner_from;
using dub_detail::tenant_of;

// ---- operations beyond create ----

Result<EncodedRequest> DubAdapter::encode_find(const FindQuery& query, const VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  if (query.value.empty())
    return Error::make(errc::invalid_input, "dub: find needs a value to look up", "query");
  if (query.key == FindQuery::Key::vendor_id) return encode_get(query.value, config);
  EncodedRequest out;
  out.request.method = "GET";
  // GET /partners?tenantId= takes precedence over email and search; ?email= over search (Dub's
  // getPartnersQuerySchema). pageSize 2: one is the answer, a second would be a contract breach.
  const char* param = query.key == FindQuery::Key::external_id ? "?tenantId=" : "?email=";
  out.request.url = request_url(config, default_base_url, path) + param + url_component(query.value);
  out.request.headers = accept_headers(config.api_key);
  return out;
}

Result<std::vector<Partner>> DubAdapter::decode_find(const HttpResponse& response,
                                                     const DecodeContext& context) const {
  const FindQuery* query = context.query;
  if (query && query->key == FindQuery::Key::vendor_id) return find_through_get(*this, response, context);
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  boost::json::value v;
  if (!parse_json(response.body, v))
    return protocol_error(response,
                          "dub: the partner list is not JSON, or is too large or too deeply nested");
  auto* arr = v.if_array();
  if (!arr) return protocol_error(response, "dub: the partner list is not a JSON array");
  std::vector<Partner> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    auto p = partner_from(std::move((*arr)[i]), response, "partners[" + std::to_string(i) + "]");
    if (!p) return p.error();
    if (query) {
      // Exact on our side: Dub's filter is the database's, and a search could return near matches.
      if (query->key == FindQuery::Key::email && !iequals(p->email, query->value)) continue;
      if (query->key == FindQuery::Key::external_id) {
        const auto* tenant = tenant_of(*p);
        if (!tenant || *tenant != query->value) continue;
      }
    }
    out.push_back(std::move(*p));
  }
  return out;
}

Result<EncodedRequest> DubAdapter::encode_get(std::string_view partner_id, const VendorConfig& config) const {
  if (auto e = check_partner_request(vendor, config, partner_id)) return *e;
  return bodiless_request("GET", resource_url(config, default_base_url, path, partner_id),
                          bearer_auth(config.api_key));
}

Result<Partner> DubAdapter::decode_get(const HttpResponse& response, const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  auto v = success_object(response, vendor);
  if (!v) return v.error();
  auto p = partner_from(std::move(*v), response, "the partner");
  if (!p) return p.error();
  if (auto e = check_addressed_id(response, context, vendor, p->id)) return std::move(*e);
  return p;
}

bool DubAdapter::is_ban_reason(std::string_view reason) noexcept {
  for (auto r : ban_reasons)
    if (r == reason) return true;
  return false;
}

Result<EncodedRequest> DubAdapter::encode_deactivate(std::string_view partner_id,
                                                     const DeactivateOptions& options,
                                                     const VendorConfig& config) const {
  if (auto e = check_partner_request(vendor, config, partner_id)) return *e;
  if (options.permanent && !is_ban_reason(options.reason)) {
    std::string allowed;
    for (auto r : ban_reasons) allowed.append(allowed.empty() ? "" : ", ").append(r);
    return Error::make(errc::invalid_input,
                       "dub: a ban (permanent deactivate) needs a reason, one of " + allowed, "reason");
  }
  std::string body;
  JsonWriter w(body);
  w.begin_object();
  w.key("partnerId");
  w.string(partner_id);
  if (options.permanent) {
    w.key("reason");
    w.string(options.reason);
  }
  w.end_object();
  if (!w.utf8_ok()) return bad_utf8_error(vendor, "partner_id");
  EncodedRequest out;
  out.request.method = "POST";
  out.request.url =
      request_url(config, default_base_url, options.permanent ? "/partners/ban" : "/partners/deactivate");
  out.request.headers = json_headers(config.api_key);
  out.request.body = std::move(body);
  return out;
}

Result<Partner> DubAdapter::decode_deactivate(const HttpResponse& response,
                                              const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  auto v = success_object(response, vendor);
  if (!v) return v.error();
  const auto* id = string_member(v->get_object(), "partnerId");
  if (!id || id->empty())
    return protocol_error(response, "dub: the deactivate answer has no string \"partnerId\"");
  Partner p;
  p.vendor = std::string(vendor);
  p.id = std::string(*id);
  if (auto e = check_addressed_id(response, context, vendor, p.id)) return std::move(*e);
  const bool ban = context.deactivate && context.deactivate->permanent;
  p.status = ban ? PartnerStatus::banned : PartnerStatus::deactivated;
  p.status_raw = ban ? "banned" : "deactivated";
  p.outcome = Outcome::updated;
  p.raw = std::move(*v);
  return p;
}

}  // namespace partnerkit
