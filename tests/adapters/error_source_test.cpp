// Errors tell their source: Error::message is partnerkit's own words, Error::vendor_message the vendor's
// text verbatim. A vendor body with a message leaves message ours (without the vendor's text) and puts
// that text, unchanged, in vendor_message; a body without one leaves vendor_message empty.
#include <partnerkit/adapter_kit.hpp>
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/adapters/partnero.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/secrets.hpp>
#include <partnerkit/spec_json.hpp>

#include "adapter_test_util.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace partnerkit {
namespace {

using test::context_for;
using test::response;

PartnerSpec sample() {
  PartnerSpec s;
  s.email = "ana@example.com";
  s.name = "Ana Lopez";
  return s;
}

struct Case {
  std::string vendor;
  std::shared_ptr<const Adapter> adapter;
  int status;
  std::string body;
  std::string vendor_text;  // what the vendor said, as it said it
};

std::vector<Case> cases() {
  const std::string text = "Zebra-Quux: this text is the vendor's own";
  return {
      {"dub", std::make_shared<DubAdapter>(), 422,
       R"({"error":{"code":"unprocessable_entity","message":")" + text + R"("}})", text},
      {"dub", std::make_shared<DubAdapter>(), 409,
       R"({"error":{"code":"conflict","message":")" + text + R"("}})", text},
      {"partnero", std::make_shared<PartneroAdapter>(), 422, R"({"message":")" + text + R"("})", text},
      {"partnero", std::make_shared<PartneroAdapter>(), 400, R"({"error":")" + text + R"("})", text},
      {"journeybee", std::make_shared<JourneyBeeAdapter>(), 406, R"({"error":")" + text + R"("})", text},
      {"journeybee", std::make_shared<JourneyBeeAdapter>(), 429,
       R"({"error":{"code":"rate_limited","message":")" + text + R"("}})", text},
  };
}

TEST(ErrorSource, OurMessageAndTheVendorsStayApart) {
  const PartnerSpec spec = sample();
  for (const auto& c : cases()) {
    auto r = c.adapter->decode(response(c.status, c.body), context_for(spec));
    ASSERT_FALSE(r) << c.vendor << " " << c.body;
    const Error& e = r.error();
    EXPECT_EQ(e.vendor_message, c.vendor_text) << c.vendor << " " << c.status;
    EXPECT_EQ(e.message.find("Zebra-Quux"), std::string::npos) << c.vendor << ": " << e.message;
    EXPECT_TRUE(e.message.starts_with("HTTP " + std::to_string(c.status) + ": "))
        << c.vendor << ": " << e.message;
    // JSON carries both, each under its own name.
    const auto j = boost::json::serialize(to_json(e));
    EXPECT_NE(j.find(R"("vendor_message":"Zebra-Quux)"), std::string::npos) << j;
    EXPECT_NE(j.find(R"("message":"HTTP )"), std::string::npos) << j;
  }
}

TEST(ErrorSource, NoVendorTextLeavesVendorMessageEmpty) {
  const PartnerSpec spec = sample();
  const std::shared_ptr<const Adapter> adapters[] = {std::make_shared<DubAdapter>(),
                                                     std::make_shared<PartneroAdapter>(),
                                                     std::make_shared<JourneyBeeAdapter>()};
  for (const auto& a : adapters)
    for (const std::string body : {"", "<html>Bad Gateway</html>", "{}"}) {
      auto r = a->decode(response(502, body), context_for(spec));
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().vendor_message, "") << body;
      EXPECT_EQ(r.error().message, "HTTP 502: the vendor failed to answer") << body;
      EXPECT_EQ(boost::json::serialize(to_json(r.error())).find("vendor_message"), std::string::npos);
    }
}

TEST(ErrorSource, TheKitReadsTheVendorsWordsIntoVendorMessage) {
  Error e = error_from_response(response(422, ""), test::fixed_now());
  const std::string ours = e.message;
  adapter_kit::read_error_members(e, boost::json::object{{"message", "Email taken"}, {"code", "dup"}});
  EXPECT_EQ(e.message, ours);
  EXPECT_EQ(e.vendor_message, "Email taken");
  EXPECT_EQ(e.vendor_code, "dup");
  // An empty vendor message keeps what was there.
  adapter_kit::read_error_members(e, boost::json::object{{"message", ""}});
  EXPECT_EQ(e.vendor_message, "Email taken");
}

TEST(ErrorSource, TheScrubberCoversVendorMessage) {
  Error e = Error::make(errc::rejected, "HTTP 422: the vendor refused the input");
  e.vendor_message = "The password Hunter2Secret9 has appeared in a data leak.";
  scrub(Scrubber(std::vector<std::string>{"Hunter2Secret9"}), e);
  EXPECT_EQ(e.vendor_message, "The password REDACTED has appeared in a data leak.");
}

}  // namespace
}  // namespace partnerkit
