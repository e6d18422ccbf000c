// A scripted adapter with every operation, for Client tests: plain values, no vendor.
//   create      POST   {base}/partners                     {"email","external_id"}
//   find        GET    {base}/partners?external_id=|email=|id=
//   get         GET    {base}/partners/{id}
//   update      PATCH  {base}/partners/{id}                the changed fields
//   deactivate  POST   {base}/partners/{id}/deactivate     {"permanent","reason"}
// A partner in a 2xx body is {"id","email","external_id","link","status"}; a find answers an array of
// them. decode_find keeps external-id matches exactly (the adapter's half of the contract) and hands
// every email / id match through as the vendor sent it, so the Client's exact check is what is tested.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/http_errors.hpp>

#include <boost/json.hpp>

namespace partnerkit::test {

inline OperationSupport all_operations() {
  OperationSupport s;
  s.find_by_external_id = s.find_by_email = s.find_by_vendor_id = true;
  s.get = s.update = s.deactivate = true;
  s.updatable_fields = {"name", "country", "description"};
  s.deactivate_semantics = "deactivate (reversible)";
  return s;
}

class OpsAdapter : public Adapter {
 public:
  explicit OpsAdapter(std::string name = "ops", OperationSupport ops = all_operations(),
                      CreateSemantics create = CreateSemantics::create)
      : name_(std::move(name)), ops_(std::move(ops)), create_(create) {}

  std::string_view name() const noexcept override { return name_; }

  Capabilities capabilities() const override {
    Capabilities c;
    c.fields = {"email", "external_id"};
    c.create = create_;
    c.operations = ops_;
    return c;
  }

  Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const override {
    boost::json::object body{{"email", spec.email}};
    if (spec.external_id) body["external_id"] = *spec.external_id;
    return request("POST", config.base_url + "/partners", config, boost::json::serialize(body));
  }
  Result<Partner> decode(const HttpResponse& response, const DecodeContext& context) const override {
    return one(response, context);
  }

  Result<EncodedRequest> encode_find(const FindQuery& q, const VendorConfig& config) const override {
    const char* key = q.key == FindQuery::Key::external_id ? "external_id"
                      : q.key == FindQuery::Key::email     ? "email"
                                                           : "id";
    return request("GET", config.base_url + "/partners?" + key + "=" + q.value, config, "");
  }
  Result<std::vector<Partner>> decode_find(const HttpResponse& response,
                                           const DecodeContext& context) const override {
    if (response.status / 100 != 2) return error(response, context);
    boost::system::error_code ec;
    auto v = boost::json::parse(response.body, ec);
    if (ec || !v.is_array()) return Error::make(errc::protocol, "expected an array");
    std::vector<Partner> out;
    for (const auto& item : v.as_array()) {
      if (!item.is_object()) continue;
      const auto& o = item.as_object();
      if (context.query && context.query->key == FindQuery::Key::external_id) {
        const auto* ext = o.if_contains("external_id");
        if (!ext || !ext->is_string() || ext->get_string() != context.query->value) continue;
      }
      out.push_back(partner(o));
    }
    return out;
  }

  Result<EncodedRequest> encode_get(std::string_view id, const VendorConfig& config) const override {
    return request("GET", config.base_url + "/partners/" + std::string(id), config, "");
  }
  Result<Partner> decode_get(const HttpResponse& response, const DecodeContext& context) const override {
    return one(response, context);
  }

  Result<EncodedRequest> encode_update(std::string_view id, const PartnerSpec& changes,
                                       const VendorConfig& config) const override {
    boost::json::object body;
    if (changes.name) body["name"] = *changes.name;
    if (changes.country) body["country"] = *changes.country;
    if (changes.description) body["description"] = *changes.description;
    if (changes.company) body["company"] = *changes.company;  // never updatable: must not arrive here
    return request("PATCH", config.base_url + "/partners/" + std::string(id), config,
                   boost::json::serialize(body));
  }
  Result<Partner> decode_update(const HttpResponse& response, const DecodeContext& context) const override {
    return one(response, context);
  }

  Result<EncodedRequest> encode_deactivate(std::string_view id, const DeactivateOptions& options,
                                           const VendorConfig& config) const override {
    boost::json::object body{{"permanent", options.permanent}, {"reason", options.reason}};
    return request("POST", config.base_url + "/partners/" + std::string(id) + "/deactivate", config,
                   boost::json::serialize(body));
  }
  Result<Partner> decode_deactivate(const HttpResponse& response,
                                    const DecodeContext& context) const override {
    return one(response, context);
  }

 private:
  static Result<EncodedRequest> request(std::string method, std::string url, const VendorConfig& config,
                                        std::string body) {
    EncodedRequest out;
    out.request.method = std::move(method);
    out.request.url = std::move(url);
    out.request.headers = {{"Authorization", "Bearer " + config.api_key}};
    if (!body.empty()) out.request.headers.emplace_back("Content-Type", "application/json");
    out.request.body = std::move(body);
    return out;
  }

  static Error error(const HttpResponse& response, const DecodeContext& context) {
    Error e = error_from_response(response, context.sent_at);
    if (auto field = response.header("X-Test-Field"); !field.empty()) {
      e.field = std::string(field);
      e.issues.push_back(FieldIssue{e.field, "has already been taken"});
    }
    return e;
  }

  Partner partner(const boost::json::object& o) const {
    Partner p;
    p.vendor = name_;
    auto str = [&](const char* k) -> std::string {
      const auto* v = o.if_contains(k);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    if (auto id = str("id"); !id.empty()) p.id = id;
    p.email = str("email");
    if (auto link = str("link"); !link.empty()) p.links.push_back(ReferralLink{link, "", "", ""});
    p.status = str("status") == "deactivated" ? PartnerStatus::deactivated : PartnerStatus::active;
    p.raw = o;
    return p;
  }

  Result<Partner> one(const HttpResponse& response, const DecodeContext& context) const {
    if (response.status / 100 != 2) return error(response, context);
    boost::system::error_code ec;
    auto v = boost::json::parse(response.body, ec);
    if (ec || !v.is_object()) {
      // A bare 2xx: the partner that was sent.
      Partner p;
      p.vendor = name_;
      p.email = context.spec ? context.spec->email : "";
      p.id = "p_" + p.email;
      return p;
    }
    return partner(v.as_object());
  }

  std::string name_;
  OperationSupport ops_;
  CreateSemantics create_;
};

}  // namespace partnerkit::test
