// Proof that the author's kit fails an adapter that leaks: a small adapter whose decode copies the
// vendor's message into vendor_code upper-cased (a "normalized code"). A vendor echoing the
// password then leaks it past the scrubber, in a form no by-value scrubber can know. Run as
//   pk_leaky_kit            -> the kit's leak_corpus check must FAIL (ctest matches the failure)
//   pk_leaky_kit --fixed    -> the same adapter without the upper-casing passes the whole kit
#include <partnerkit/adapter_kit/errors.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/testing/adapter_conformance.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <cstring>
#include <iterator>

namespace pk = partnerkit;

namespace {

bool fixed = false;

class LeakyAdapter final : public pk::Adapter {
 public:
  static constexpr std::string_view carried[] = {"email", "password", "vendor_overrides"};

  std::string_view name() const noexcept override { return "leaky"; }

  pk::Result<pk::EncodedRequest> encode(const pk::PartnerSpec& spec,
                                        const pk::VendorConfig& config) const override {
    // What it does not declare is dropped with a warning, or refused in strict mode (the kit checks it).
    pk::EncodedRequest out;
    pk::adapter_kit::Dropper drop("leaky", config.strict, &out.warnings);
    drop.drop_undeclared(spec, carried);
    if (drop.failed()) return drop.error();
    boost::json::object body{{"email", spec.email}};
    if (spec.password) body["password"] = *spec.password;
    if (auto it = spec.vendor_overrides.find("leaky"); it != spec.vendor_overrides.end())
      for (const auto& kv : it->second) {
        if (kv.value().is_null())
          body.erase(kv.key());  // a null override removes the member (the kit checks it)
        else
          body[kv.key()] = kv.value();
      }
    out.request.method = "POST";
    out.request.url = config.base_url + "/partners";
    out.request.headers = {{"Authorization", "Bearer " + config.api_key},
                           {"Content-Type", "application/json"}};
    out.request.body = boost::json::serialize(body);
    return out;
  }

  pk::Result<pk::Partner> decode(const pk::HttpResponse& response,
                                 const pk::DecodeContext& context) const override {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(response.body, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (response.status >= 200 && response.status < 300) {
      const auto* id = o ? o->if_contains("id") : nullptr;
      const auto* email = o ? o->if_contains("email") : nullptr;
      if (!id || !id->is_string() || !email || !email->is_string())
        return pk::Error::make(pk::errc::protocol, "not a partner");
      pk::Partner p;
      p.vendor = "leaky";
      p.id = std::string(id->get_string());
      p.email = std::string(email->get_string());
      p.raw = v;
      return p;
    }
    pk::Error e = pk::error_from_response(response, context.sent_at);
    if (const auto* m = o ? o->if_contains("message") : nullptr; m && m->is_string()) {
      e.message = std::string(m->get_string()).substr(0, 2000);
      // The leak: a "normalized" code made from the vendor's text.
      std::string code = e.message.substr(0, 200);
      for (auto& c : code)
        c = fixed ? (std::isalnum(static_cast<unsigned char>(c)) ? c : '_')
                  : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      e.vendor_code = fixed ? std::string("vendor_error") : code;
    }
    return e;
  }

  pk::Capabilities capabilities() const override {
    pk::Capabilities c;
    c.fields.assign(std::begin(carried), std::end(carried));
    c.error_shape = R"({"message"})";
    c.default_base_url = "https://api.leaky.example";
    return c;
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--fixed") == 0) fixed = true;
  pk::testing::ConformanceSuite s;
  s.vendor = "leaky";
  s.make_adapter = [] { return std::make_shared<const LeakyAdapter>(); };
  s.config.base_url = "https://api.leaky.example";
  s.sample.email = "ana@example.com";
  s.errors.push_back({"invalid", {422, {}, R"({"message":"The email is invalid."})"}, pk::errc::rejected});
  s.successes.push_back({"created", s.sample, {201, {}, R"({"id":"p_1","email":"ana@example.com"})"}, "p_1"});
  pk::testing::register_conformance_tests(s);
  return RUN_ALL_TESTS();
}
