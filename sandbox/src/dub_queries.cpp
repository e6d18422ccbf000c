// The Dub simulator's lookups (GET /partners, GET /partners/{id}), deactivate and ban, and the
// answers of its faults and limits (dub.co/docs/api-reference).
#include <partnerkit/sandbox/vendors.hpp>

#include <partnerkit/sandbox/simulator_kit.hpp>
#include "dub_state.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>

namespace partnerkit::sandbox {
namespace json = boost::json;
using namespace dub_detail;

namespace dub_detail {

json::object partner_json(const DubOptions& options_, const DubPartner& p) {
  json::object out;
  out["id"] = p.id;
  out["name"] = p.name;
  out["companyName"] = nullptr;
  out["email"] = p.email;
  out["image"] = nullable(p.image);
  out["description"] = nullable(p.description);
  out["country"] = nullable(p.country);
  out["paypalEmail"] = nullptr;
  out["stripeConnectId"] = nullptr;
  out["payoutsEnabledAt"] = nullptr;
  out["trustedAt"] = nullptr;
  out["programId"] = options_.program_id;
  out["groupId"] = nullable(p.group_id);
  out["partnerId"] = p.id;
  out["tenantId"] = nullable(p.tenant_id);
  out["createdAt"] = p.created_at;
  out["status"] = p.status;
  out["links"] = json::array{json::object{{"id", p.link_id},
                                          {"domain", options_.link_domain},
                                          {"key", p.key},
                                          {"shortLink", "https://" + options_.link_domain + "/" + p.key},
                                          {"url", options_.program_url},
                                          {"clicks", 0},
                                          {"leads", 0},
                                          {"conversions", 0},
                                          {"sales", 0},
                                          {"saleAmount", 0}}};
  for (const char* k : {"totalCommissions", "totalClicks", "totalLeads", "totalConversions", "totalSales",
                        "totalSaleAmount", "netRevenue"})
    out[k] = 0;
  return out;
}

}  // namespace dub_detail

namespace {

// The value of `name` in the URL's query, percent-decoded ('+' as a space), or nullopt.
std::optional<std::string> query_param(std::string_view url, std::string_view name) {
  const auto q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(q + 1);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (raw[i] == '%' && i + 2 < raw.size() && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
        out.push_back(static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2])));
        i += 2;
      } else {
        out.push_back(raw[i] == '+' ? ' ' : raw[i]);
      }
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

// GET /partners: tenantId takes precedence over email (Dub's getPartnersQuerySchema); both exact
// (email case-insensitively, as Dub stores it lower-cased). Without either: every partner.
HttpResponse DubSimulator::list(const HttpRequest& request) const {
  const auto tenant = query_param(request.url, "tenantId");
  const auto email = query_param(request.url, "email");
  std::lock_guard lock(impl_->mutex);
  json::array out;
  if (tenant) {
    if (auto t = impl_->by_tenant.find(*tenant); t != impl_->by_tenant.end()) {
      impl_->partners[t->second].found = true;
      out.push_back(partner_json(options_, impl_->partners[t->second]));
    }
  } else if (email) {
    if (auto e = impl_->by_email.find(text::ascii_lower(text::trim(*email))); e != impl_->by_email.end()) {
      impl_->partners[e->second].found = true;
      out.push_back(partner_json(options_, impl_->partners[e->second]));
    }
  } else {
    for (const auto& p : impl_->partners) out.push_back(partner_json(options_, p));
  }
  return kit::json_response(200, out);
}

// GET /partners/{partnerId} (the route Dub serves to API keys although its OpenAPI omits it).
HttpResponse DubSimulator::get(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  for (const auto& p : impl_->partners)
    if (p.id == id) {
      p.found = true;
      return kit::json_response(200, partner_json(options_, p));
    }
  return error(404, "not_found", "Partner not found.");
}

// POST /partners/deactivate and /partners/ban: {partnerId | tenantId} (ban: and a reason from
// BAN_PARTNER_REASONS); answer {"partnerId"}.
HttpResponse DubSimulator::deactivate(const HttpRequest& request, bool ban) {
  const kit::JsonBody parsed = kit::parse_json_body(request.body);
  if (!parsed.is_object()) return error(400, "bad_request", "Invalid JSON format in request body.");
  const json::object& body = parsed.value.get_object();
  const auto partner_id = string_member(body, "partnerId");
  const auto tenant_id = string_member(body, "tenantId");
  if (!partner_id && !tenant_id)
    return error(400, "bad_request", "You must provide a partnerId or tenantId.");
  if (ban) {
    static constexpr std::string_view reasons[] = {
        "tos_violation", "inappropriate_content", "fake_traffic", "fraud", "spam", "brand_abuse"};
    const auto reason = string_member(body, "reason");
    if (!reason || std::find(std::begin(reasons), std::end(reasons), *reason) == std::end(reasons))
      return error(422, "unprocessable_entity",
                   "invalid_enum_value: reason: Invalid enum value. Expected 'tos_violation' | "
                   "'inappropriate_content' | 'fake_traffic' | 'fraud' | 'spam' | 'brand_abuse'");
  }
  std::lock_guard lock(impl_->mutex);
  Impl::Partner* found = nullptr;
  if (partner_id) {
    for (auto& p : impl_->partners)
      if (p.id == *partner_id) found = &p;
    if (!found) return error(404, "not_found", "Partner not found.");
  } else {
    auto t = impl_->by_tenant.find(*tenant_id);
    if (t == impl_->by_tenant.end())
      return error(404, "not_found",
                   "Partner with tenantId " + tenant_id->substr(0, 64) + " not found in program.");
    found = &impl_->partners[t->second];
  }
  if (ban) {
    found->status = "banned";
  } else {
    if (found->status == "banned") return error(400, "bad_request", "This partner is banned.");
    found->status = "deactivated";
  }
  return kit::json_response(200, json::object{{"partnerId", found->id}});
}

HttpResponse DubSimulator::rate_limited(const TokenBucket::Decision& d, time_point now) const {
  auto r = error(429, "rate_limit_exceeded", "Too many requests.");
  const std::string at = kit::epoch_millis(now + d.retry_after);
  r.headers.emplace_back("Retry-After", at);
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.per_minute()));  // per minute, as Dub
  r.headers.emplace_back("X-RateLimit-Remaining", "0");
  r.headers.emplace_back("X-RateLimit-Reset", at);
  return r;
}

void DubSimulator::add_rate_limit_headers(HttpResponse& r, const TokenBucket::Decision& d,
                                          time_point now) const {
  if (r.status < 400) return;  // a 201 carries no rate-limit headers
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.per_minute()));  // per minute, as Dub
  r.headers.emplace_back("X-RateLimit-Remaining", std::to_string(d.remaining));
  r.headers.emplace_back("X-RateLimit-Reset", kit::epoch_millis(now + d.reset));
}

HttpResponse DubSimulator::server_error(int status) const {
  if (status == 500)
    return error(500, "internal_server_error",
                 "An internal server error occurred. Please contact our support if the problem persists.");
  return kit::edge_page(status, kit::EdgeStyle::plain_text);  // Vercel's edge
}

HttpResponse DubSimulator::payload_too_large(std::size_t) const {
  return kit::text_response(413, "text/plain; charset=utf-8",
                            "Request Entity Too Large\n\nFUNCTION_PAYLOAD_TOO_LARGE\n");
}

json::array DubSimulator::partners() const {
  std::lock_guard lock(impl_->mutex);
  json::array out;
  for (const auto& p : impl_->partners) {
    out.push_back(json::object{{"id", p.id},
                               {"email", p.email},
                               {"name", p.name},
                               {"username", p.key},
                               {"tenantId", nullable(p.tenant_id)},
                               {"groupId", nullable(p.group_id)},
                               {"country", nullable(p.country)},
                               {"image", nullable(p.image)},
                               {"description", nullable(p.description)},
                               {"linkProps", p.link_props},
                               {"createdAt", p.created_at},
                               {"shortLink", "https://" + options_.link_domain + "/" + p.key},
                               {"status", p.status},
                               {"createdBy", p.created_by},
                               {"creates", p.creates},
                               {"createsAfterFound", p.creates_after_found}});
  }
  return out;
}

std::size_t DubSimulator::partner_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->partners.size();
}

void DubSimulator::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->partners.clear();
  impl_->by_email.clear();
  impl_->by_tenant.clear();
  impl_->keys.clear();
}

}  // namespace partnerkit::sandbox
