// The built-ins register through the public AdapterRegistry::add, and so does a fourth adapter written
// here, outside the library, against the public headers only.
#include <partnerkit/adapter_registry.hpp>
#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/http_errors.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

using namespace partnerkit;

// A minimal Tolt adapter (vendor-docs README: POST /v2/partners, Bearer key, 409 already_exists).
class ToltAdapter final : public Adapter {
 public:
  std::string_view name() const noexcept override { return "tolt"; }
  Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const override {
    EncodedRequest out;
    out.request.url = config.base_url + "/v2/partners";
    out.request.headers = {{"Authorization", "Bearer " + config.api_key},
                           {"Content-Type", "application/json"}};
    out.request.body = R"({"email":")" + spec.email + R"(","program_id":"prog"})";
    return out;
  }
  Result<Partner> decode(const HttpResponse& response, const DecodeContext& context) const override {
    if (response.status != 201) return error_from_response(response, context.sent_at);
    Partner p;
    p.vendor = "tolt";
    p.email = context.spec ? context.spec->email : "";
    return p;
  }
};

TEST(Registry, DefaultHoldsTheThreeBuiltins) {
  auto reg = make_default_registry();
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->names(), (std::vector<std::string>{"dub", "journeybee", "partnero"}));
  for (const char* n : {"dub", "journeybee", "partnero"}) {
    auto a = reg->find(n);
    ASSERT_TRUE(a) << n;
    EXPECT_EQ(a->name(), n);
    EXPECT_GT(declared_rate_limit(a->capabilities()).requests_per_second(), 0) << n;
    EXPECT_FALSE(a->capabilities().fields.empty()) << n;
  }
  EXPECT_FALSE(reg->find("tolt"));
}

TEST(Registry, BuiltinsTwiceIsAProgrammerError) {
  AdapterRegistry reg;
  register_builtin_adapters(reg);
  EXPECT_THROW(register_builtin_adapters(reg), std::invalid_argument);
}

TEST(Registry, FourthAdapterFromOutsideTheLibrary) {
  auto reg = make_default_registry();
  reg->add(std::make_shared<const ToltAdapter>());
  EXPECT_EQ(reg->names(), (std::vector<std::string>{"dub", "journeybee", "partnero", "tolt"}));
  auto tolt = reg->find("tolt");
  ASSERT_TRUE(tolt);
  PartnerSpec spec;
  spec.email = "a@example.com";
  VendorConfig config;
  config.base_url = "https://127.0.0.1:9";
  config.api_key = "k";
  auto enc = tolt->encode(spec, config);
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->request.url, "https://127.0.0.1:9/v2/partners");
  DecodeContext ctx;
  ctx.spec = &spec;
  auto dec = tolt->decode(HttpResponse{409, {}, R"({"success":false})"}, ctx);
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().code, errc::already_exists);
  // The built-ins are untouched, and a second "tolt" is refused.
  EXPECT_EQ(reg->find("dub")->name(), "dub");
  EXPECT_THROW(reg->add(std::make_shared<const ToltAdapter>()), std::invalid_argument);
}

}  // namespace
