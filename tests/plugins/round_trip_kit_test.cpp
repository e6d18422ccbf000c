// Proof that the author's kit's round trip fails an adapter that silently drops a field it declares: the
// Dub adapter, wrapped so that encode removes one member from the body (still declaring the field
// carried, and without a warning), run against the sandbox's Dub simulator. Run as
//   pk_round_trip_kit --drop tenantId   -> round_trip_create must FAIL (ctest matches the failure)
//   pk_round_trip_kit                   -> the adapter as it is passes every round-trip check
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/sandbox/vendors.hpp>
#include <partnerkit/testing/adapter_conformance.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstring>

namespace pk = partnerkit;

namespace {

std::string dropped_member;  // the body member the broken adapter leaves out ("" : none)

class DroppingAdapter final : public pk::Adapter {
 public:
  std::string_view name() const noexcept override { return inner_.name(); }
  pk::Result<pk::EncodedRequest> encode(const pk::PartnerSpec& spec,
                                        const pk::VendorConfig& config) const override {
    auto r = inner_.encode(spec, config);
    if (!r || dropped_member.empty()) return r;
    boost::json::value body = boost::json::parse(r->request.body);
    body.as_object().erase(dropped_member);
    r->request.body = boost::json::serialize(body);
    return r;
  }
  pk::Result<pk::Partner> decode(const pk::HttpResponse& r, const pk::DecodeContext& c) const override {
    return inner_.decode(r, c);
  }
  pk::Capabilities capabilities() const override { return inner_.capabilities(); }
  std::vector<pk::FieldIssue> validate(const pk::PartnerSpec& spec) const override {
    return inner_.validate(spec);
  }
  pk::Result<pk::EncodedRequest> encode_find(const pk::FindQuery& q,
                                             const pk::VendorConfig& c) const override {
    return inner_.encode_find(q, c);
  }
  pk::Result<std::vector<pk::Partner>> decode_find(const pk::HttpResponse& r,
                                                   const pk::DecodeContext& c) const override {
    return inner_.decode_find(r, c);
  }
  pk::Result<pk::EncodedRequest> encode_get(std::string_view id, const pk::VendorConfig& c) const override {
    return inner_.encode_get(id, c);
  }
  pk::Result<pk::Partner> decode_get(const pk::HttpResponse& r, const pk::DecodeContext& c) const override {
    return inner_.decode_get(r, c);
  }
  pk::Result<pk::EncodedRequest> encode_deactivate(std::string_view id, const pk::DeactivateOptions& o,
                                                   const pk::VendorConfig& c) const override {
    return inner_.encode_deactivate(id, o, c);
  }
  pk::Result<pk::Partner> decode_deactivate(const pk::HttpResponse& r,
                                            const pk::DecodeContext& c) const override {
    return inner_.decode_deactivate(r, c);
  }

 private:
  pk::DubAdapter inner_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--drop") == 0) dropped_member = argv[i + 1];
  pk::testing::ConformanceSuite s;
  s.vendor = "dub";
  s.make_adapter = [] { return std::make_shared<const DroppingAdapter>(); };
  s.config.base_url = "https://api.dub.co";
  s.sample.email = "ana@example.com";
  pk::testing::RoundTrip rt;
  rt.make_simulator =
      pk::testing::simulator_exchange<pk::sandbox::VendorSimulator>([](const pk::SimulatorParams& p) {
        return std::make_unique<pk::sandbox::DubSimulator>(pk::sandbox::DubOptions{}, p.clock, p.seed);
      });
  rt.config.api_key = "sk_test_dub";
  rt.not_echoed = {"tags"};  // as in builtin_conformance_test.cpp: Dub's answers do not list tags
  s.round_trip = rt;
  pk::testing::register_conformance_tests(s);
  return RUN_ALL_TESTS();
}
