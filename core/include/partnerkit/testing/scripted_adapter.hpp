// An Adapter whose answers a test scripts, for your tests and ours (google-cloud-cpp ships its mock
// connections the same way). Part of the header-only partnerkit::testing target. With
// testing::FakeTransport it drives a Client through any path (retries, reconciliation, lifecycle
// operations) without a vendor:
//
//   auto adapter = std::make_shared<ScriptedAdapter>("acme");
//   adapter->answer(Operation::create, Error::make(errc::timeout, "lost"));  // the first create
//   registry->add(adapter);                                                  // then the default
//
// Requests (plain values; the API key as a Bearer token, so scrubbing can be tested):
//   create      POST   {base}/partners                   {"email": ..., "password": ...}
//   find        GET    {base}/partners?{external_id|email|vendor_id}={value}
//   get         GET    {base}/partners/{id}
//   update      PATCH  {base}/partners/{id}
//   deactivate  POST   {base}/partners/{id}/deactivate
// Answers: each operation's scripted answers in order, whatever the response was; then the default:
// a 2xx is success_answer() (the partner the call named: id "p_<email>" on a create, the given id
// otherwise) or found() (no partner) for a find, anything else error_answer() (error_from_response()).
// A subclass that reads bodies overrides those three, and its encoders' bodies go through request().
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/http_errors.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace partnerkit::testing {

class ScriptedAdapter : public Adapter {
 public:
  explicit ScriptedAdapter(std::string name = "scripted", Capabilities capabilities = {})
      : name_(std::move(name)), capabilities_(std::move(capabilities)) {}

  // What the next decode of `op` answers (create, get, update, deactivate), once.
  void answer(Operation op, Result<Partner> next) {
    std::lock_guard lock(mutex_);
    answers_[index(op)].push_back(std::move(next));
  }
  // What the next find answers, once.
  void answer_find(Result<std::vector<Partner>> next) {
    std::lock_guard lock(mutex_);
    finds_.push_back(std::move(next));
  }
  // The next encode of `op` fails with `e` instead of making a request, once.
  void fail_encode(Operation op, Error e) {
    std::lock_guard lock(mutex_);
    encode_failures_[index(op)].push_back(std::move(e));
  }
  void set_capabilities(Capabilities capabilities) {
    std::lock_guard lock(mutex_);
    capabilities_ = std::move(capabilities);
  }
  // The operations decoded so far, in order.
  std::vector<Operation> decoded() const {
    std::lock_guard lock(mutex_);
    return decoded_;
  }

  std::string_view name() const noexcept override { return name_; }

  Capabilities capabilities() const override {
    std::lock_guard lock(mutex_);
    return capabilities_;
  }

  Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const override {
    boost::json::object body{{"email", spec.email}};
    if (spec.password) body["password"] = *spec.password;
    return request(Operation::create, "POST", config.base_url + "/partners", config,
                   boost::json::serialize(body));
  }
  Result<Partner> decode(const HttpResponse& response, const DecodeContext& context) const override {
    return one(Operation::create, response, context);
  }

  Result<EncodedRequest> encode_find(const FindQuery& q, const VendorConfig& config) const override {
    const char* key = q.key == FindQuery::Key::external_id ? "external_id"
                      : q.key == FindQuery::Key::email     ? "email"
                                                           : "vendor_id";
    return request(Operation::find, "GET", config.base_url + "/partners?" + key + "=" + q.value, config, "");
  }
  Result<std::vector<Partner>> decode_find(const HttpResponse& response,
                                           const DecodeContext& context) const override {
    std::lock_guard lock(mutex_);
    decoded_.push_back(Operation::find);
    if (!finds_.empty()) {
      auto next = std::move(finds_.front());
      finds_.pop_front();
      return next;
    }
    if (response.status / 100 == 2) return found(response, context);
    return error_answer(response, context);
  }

  Result<EncodedRequest> encode_get(std::string_view id, const VendorConfig& config) const override {
    return request(Operation::get, "GET", config.base_url + "/partners/" + std::string(id), config, "");
  }
  Result<Partner> decode_get(const HttpResponse& response, const DecodeContext& context) const override {
    return one(Operation::get, response, context);
  }

  Result<EncodedRequest> encode_update(std::string_view id, const PartnerSpec&,
                                       const VendorConfig& config) const override {
    return request(Operation::update, "PATCH", config.base_url + "/partners/" + std::string(id), config, "");
  }
  Result<Partner> decode_update(const HttpResponse& response, const DecodeContext& context) const override {
    return one(Operation::update, response, context);
  }

  Result<EncodedRequest> encode_deactivate(std::string_view id, const DeactivateOptions&,
                                           const VendorConfig& config) const override {
    return request(Operation::deactivate, "POST",
                   config.base_url + "/partners/" + std::string(id) + "/deactivate", config, "");
  }
  Result<Partner> decode_deactivate(const HttpResponse& response,
                                    const DecodeContext& context) const override {
    return one(Operation::deactivate, response, context);
  }

 protected:
  // The error a non-2xx answer decodes to when nothing is scripted.
  virtual Error error_answer(const HttpResponse& response, const DecodeContext& context) const {
    return error_from_response(response, context.sent_at);
  }
  // What a 2xx answer to `op` (not a find) decodes to when nothing is scripted.
  virtual Result<Partner> success_answer(Operation op, const HttpResponse&,
                                         const DecodeContext& context) const {
    Partner p;
    p.vendor = name_;
    p.email = context.spec ? context.spec->email : "";
    p.id = op == Operation::create ? "p_" + p.email : std::string(context.partner_id);
    p.status = op == Operation::deactivate ? PartnerStatus::deactivated : PartnerStatus::active;
    return p;
  }
  // What a 2xx answer to a find decodes to when nothing is scripted.
  virtual Result<std::vector<Partner>> found(const HttpResponse&, const DecodeContext&) const {
    return std::vector<Partner>{};
  }

  // The request of `op` (or its scripted encode failure): the API key as a Bearer token, and
  // Content-Type application/json when there is a body.
  Result<EncodedRequest> request(Operation op, std::string method, std::string url,
                                 const VendorConfig& config, std::string body) const {
    {
      std::lock_guard lock(mutex_);
      auto& failures = encode_failures_[index(op)];
      if (!failures.empty()) {
        Error e = std::move(failures.front());
        failures.pop_front();
        return e;
      }
    }
    EncodedRequest out;
    out.request.method = std::move(method);
    out.request.url = std::move(url);
    out.request.headers = {{"Authorization", "Bearer " + config.api_key}};
    if (!body.empty()) out.request.headers.emplace_back("Content-Type", "application/json");
    out.request.body = std::move(body);
    return out;
  }

 private:
  static std::size_t index(Operation op) noexcept {
    return static_cast<std::size_t>(op);
  }  // Operation has 5 values

  Result<Partner> one(Operation op, const HttpResponse& response, const DecodeContext& context) const {
    {
      std::lock_guard lock(mutex_);
      decoded_.push_back(op);
      auto& script = answers_[index(op)];
      if (!script.empty()) {
        auto next = std::move(script.front());
        script.pop_front();
        return next;
      }
    }
    if (response.status / 100 != 2) return error_answer(response, context);
    return success_answer(op, response, context);
  }

  std::string name_;
  mutable std::mutex mutex_;  // guards everything below: a Client calls from any thread
  Capabilities capabilities_;
  mutable std::array<std::deque<Result<Partner>>, 5> answers_;
  mutable std::deque<Result<std::vector<Partner>>> finds_;
  mutable std::array<std::deque<Error>, 5> encode_failures_;
  mutable std::vector<Operation> decoded_;
};

}  // namespace partnerkit::testing
