// A minimal adapter for Client tests: plain values, no vendor.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/http_errors.hpp>

#include <boost/json.hpp>

namespace partnerkit::test {

class TestAdapter : public Adapter {
 public:
  explicit TestAdapter(CreateSemantics create = CreateSemantics::create, std::string name = "fake")
      : create_(create), name_(std::move(name)) {}

  std::string_view name() const noexcept override { return name_; }

  Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const override {
    EncodedRequest out;
    out.request.method = "POST";
    out.request.url = config.base_url + "/partners";
    out.request.headers = {{"Authorization", "Bearer " + config.api_key},
                           {"Content-Type", "application/json"}};
    boost::json::object body{{"email", spec.email}};
    if (spec.password) body["password"] = *spec.password;
    out.request.body = boost::json::serialize(body);
    return out;
  }

  Result<Partner> decode(const HttpResponse& response, const DecodeContext& context) const override {
    if (response.status / 100 == 2) {
      Partner p;
      p.vendor = name_;
      p.email = context.spec ? context.spec->email : "";
      p.id = "p_" + p.email;
      p.status = PartnerStatus::active;
      return p;
    }
    Error e = error_from_response(response, context.sent_at);
    // Millisecond waits so tests need not sleep whole seconds.
    if (auto ms = response.header("X-Test-Retry-After-Ms"); !ms.empty())
      e.retry_after = std::chrono::milliseconds(std::stoi(std::string(ms)));
    if (auto field = response.header("X-Test-Field"); !field.empty()) {
      e.code = errc::already_exists;
      e.retryable = false;
      e.field = std::string(field);
      e.issues.push_back(FieldIssue{e.field, "has already been taken"});
    }
    return e;
  }

  Capabilities capabilities() const override {
    Capabilities c;
    c.create = create_;
    return c;
  }

 private:
  CreateSemantics create_;
  std::string name_;
};

}  // namespace partnerkit::test
