// A scripted adapter with every operation, for Client tests: the shipped ScriptedAdapter with bodies.
//   create      POST   {base}/partners                     {"email","external_id"}
//   find        GET    {base}/partners?external_id=|email=|vendor_id=
//   get         GET    {base}/partners/{id}
//   update      PATCH  {base}/partners/{id}                the changed fields
//   deactivate  POST   {base}/partners/{id}/deactivate     {"permanent","reason"}
// A partner in a 2xx body is {"id","email","external_id","link","status"}; a find answers an array of
// them. decode_find keeps external-id matches exactly (the adapter's half of the contract) and hands
// every email / id match through as the vendor sent it, so the Client's exact check is what is tested.
// A 2xx without a JSON object is the partner that was sent (id "p_<email>"). An error answer with an
// X-Test-Field header names that field, as a vendor's "has already been taken" does.
#pragma once

#include <partnerkit/testing/scripted_adapter.hpp>

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

inline Capabilities ops_capabilities(OperationSupport ops, CreateSemantics create) {
  Capabilities c;
  c.fields = {"email", "external_id"};
  c.create = create;
  c.operations = std::move(ops);
  return c;
}

class OpsAdapter : public testing::ScriptedAdapter {
 public:
  explicit OpsAdapter(std::string name = "ops", OperationSupport ops = all_operations(),
                      CreateSemantics create = CreateSemantics::create)
      : ScriptedAdapter(std::move(name), ops_capabilities(std::move(ops), create)) {}

  Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const override {
    boost::json::object body{{"email", spec.email}};
    if (spec.external_id) body["external_id"] = *spec.external_id;
    return request(Operation::create, "POST", config.base_url + "/partners", config,
                   boost::json::serialize(body));
  }

  Result<EncodedRequest> encode_update(std::string_view id, const PartnerSpec& changes,
                                       const VendorConfig& config) const override {
    boost::json::object body;
    if (changes.name) body["name"] = *changes.name;
    if (changes.country) body["country"] = *changes.country;
    if (changes.description) body["description"] = *changes.description;
    if (changes.company) body["company"] = *changes.company;  // never updatable: must not arrive here
    return request(Operation::update, "PATCH", config.base_url + "/partners/" + std::string(id), config,
                   boost::json::serialize(body));
  }

  Result<EncodedRequest> encode_deactivate(std::string_view id, const DeactivateOptions& options,
                                           const VendorConfig& config) const override {
    boost::json::object body{{"permanent", options.permanent}, {"reason", options.reason}};
    return request(Operation::deactivate, "POST",
                   config.base_url + "/partners/" + std::string(id) + "/deactivate", config,
                   boost::json::serialize(body));
  }

 protected:
  Error error_answer(const HttpResponse& response, const DecodeContext& context) const override {
    Error e = error_from_response(response, context.sent_at);
    if (auto field = response.header("X-Test-Field"); !field.empty()) {
      e.field = std::string(field);
      e.issues.push_back(FieldIssue{e.field, "has already been taken"});
    }
    return e;
  }

  Result<Partner> success_answer(Operation, const HttpResponse& response,
                                 const DecodeContext& context) const override {
    boost::system::error_code ec;
    auto v = boost::json::parse(response.body, ec);
    if (!ec && v.is_object()) return partner(v.as_object());
    Partner p;  // a bare 2xx: the partner that was sent
    p.vendor = std::string(name());
    p.email = context.spec ? context.spec->email : "";
    p.id = "p_" + p.email;
    return p;
  }

  Result<std::vector<Partner>> found(const HttpResponse& response,
                                     const DecodeContext& context) const override {
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

 private:
  Partner partner(const boost::json::object& o) const {
    Partner p;
    p.vendor = std::string(name());
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
};

}  // namespace partnerkit::test
