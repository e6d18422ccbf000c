// Issue 13: every decoder checks that an answer describes the partner sent (item 1), and every
// decoder is linear in its input (item 5: correctness here; time in bench/adapters).
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/adapters/partnero.hpp>

#include "adapter_test_util.hpp"

#include <gtest/gtest.h>

namespace partnerkit {
namespace {

using test::context_for;
using test::response;

PartnerSpec spec_for(std::string email) {
  PartnerSpec s;
  s.email = std::move(email);
  return s;
}

TEST(DecoderIdentity, PartneroAnswerAboutAnotherPartnerIsProtocol) {
  const PartnerSpec spec = spec_for("a@example.com");
  auto r = PartneroAdapter().decode(response(201, R"({"data":{"id":"p1","email":"b@example.com"}})"),
                                    context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::protocol);
  EXPECT_EQ(r.error().field, "email");
  EXPECT_EQ(r.error().http_status, 201);

  // Case and surrounding blanks are not a difference.
  r = PartneroAdapter().decode(response(201, R"({"data":{"id":"p1","email":"A@Example.COM"}})"),
                               context_for(spec));
  ASSERT_TRUE(r) << r.error().message;

  // The invite endpoint's answer too, when it names someone.
  PartnerSpec invite = spec_for("jane@example.com");
  invite.name = "Jane Smith";
  invite.invite = true;
  r = PartneroAdapter().decode(response(201, R"({"data":{"email":"john@example.com"}})"),
                               context_for(invite));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::protocol);
}

TEST(DecoderIdentity, JourneyBeeAnswerNamingAnotherPartnerIsProtocol) {
  const PartnerSpec spec = spec_for("john@techcorp.com");
  const std::string others[] = {
      R"({"status":"created","email":"mallory@evil.com"})",
      R"({"data":{"emails":[{"email":"mallory@evil.com"}]}})",
      R"({"partnership":{"id":3,"emails":[{"email":"x@y.com"},{"email":"z@y.com"}]}})",
  };
  for (const auto& b : others) {
    auto r = JourneyBeeAdapter().decode(response(201, b), context_for(spec));
    ASSERT_FALSE(r) << b;
    EXPECT_EQ(r.error().code, errc::protocol) << b;
  }
  const std::string ours[] = {
      R"({"status":"created","message":"Partnership created successfully"})",
      R"({"partnership":{"emails":[{"email":"other@techcorp.com"},{"email":"John@TechCorp.com"}]}})",
      R"({"email":"john@techcorp.com"})",
  };
  for (const auto& b : ours) {
    auto r = JourneyBeeAdapter().decode(response(201, b), context_for(spec));
    EXPECT_TRUE(r) << b;
  }
}

TEST(DecoderIdentity, DubAnswerAboutAnotherPartnerIsAnError) {
  const PartnerSpec spec = spec_for("a@example.com");
  auto r = DubAdapter().decode(
      response(
          201,
          R"({"id":"pn_1","name":"B","email":"b@example.com","status":"approved","createdAt":"2025-06-01T12:00:00Z"})"),
      context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::protocol);
}

// ~100,000 distinct links fit under the 1 MiB decode cap. The de-duplication used to compare each
// link with every link kept (O(n²): minutes in an ASan build); it is a hash set now.
TEST(DecoderLinear, PartneroHundredThousandLinks) {
  const PartnerSpec spec = spec_for("a@example.com");
  constexpr std::size_t n = 100000;
  std::string body = R"({"data":{"id":"p1","email":"a@example.com","status":"active","referral_link":"h0",)"
                     R"("referral_links":[)";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) body += ',';
    body += "\"h" + std::to_string(i) + "\"";
  }
  body += R"(,"h5","h99999","",7]}})";  // duplicates, an empty link and a non-string are skipped
  ASSERT_LT(body.size(), 1024u * 1024u);
  auto r = PartneroAdapter().decode(response(201, body), context_for(spec));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->links.size(), n);
  EXPECT_EQ(r->links.front().url, "h0");
  EXPECT_EQ(r->links[12345].url, "h12345");
  EXPECT_EQ(r->links.back().url, "h99999");
}

TEST(DecoderLinear, DubThirtyThousandLinks) {
  const PartnerSpec spec = spec_for("a@example.com");
  constexpr std::size_t n = 30000;
  std::string body = R"({"id":"pn_1","name":"A","email":"a@example.com","status":"approved",)"
                     R"("createdAt":"2025-06-01T12:00:00Z","links":[)";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) body += ',';
    body += R"({"shortLink":"s)" + std::to_string(i) + "\"}";
  }
  body += "]}";
  ASSERT_LT(body.size(), 1024u * 1024u);
  auto r = DubAdapter().decode(response(201, body), context_for(spec));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->links.size(), n);
}

}  // namespace
}  // namespace partnerkit
