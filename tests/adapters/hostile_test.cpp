// Every prefix and thousands of byte mutations of valid answers, through every adapter's decode:
// a result or an Error, never a crash (run under ASan/UBSan by the sanitizer build).
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/adapters/partnero.hpp>

#include "adapter_test_util.hpp"

#include <gtest/gtest.h>

#include <random>

namespace partnerkit {
namespace {

const std::string dub_body =
    R"({"id":"pn_1","name":"Ana","email":"ana@example.com","createdAt":"2025-06-01T12:00:01.000Z",)"
    R"("status":"approved","tenantId":"crm-1","links":[{"id":"l1","domain":"dub.sh","key":"ana",)"
    R"("shortLink":"https://dub.sh/ana","url":"https://example.com"}],"totalClicks":0})";
const std::string partnero_body =
    R"({"data":{"id":"partner_1","email":"ana@example.com","name":"Ana","surname":"L","status":"active",)"
    R"("referral_link":"https://x.com?aff=1","referral_links":["https://x.com?aff=1"],)"
    R"("created_at":"2025-04-30T16:44:13.000000Z"},"status":1})";
const std::string dub_error =
    R"({"error":{"code":"unprocessable_entity","message":"too_big: linkProps.tagNames.1: x","doc_url":"u"}})";
const std::string partnero_error =
    R"({"message":"Invalid","errors":{"referring_partner.email":["Invalid."],"tags.0":["x"]}})";
const std::string journeybee_body = R"({"status":"created","message":"Partnership created successfully"})";

struct Case {
  const Adapter* adapter;
  std::string body;
  int status;
};

TEST(Hostile, EveryPrefixOfAValidAnswer) {
  DubAdapter dub;
  PartneroAdapter partnero;
  JourneyBeeAdapter jb;
  PartnerSpec spec;
  spec.email = "ana@example.com";
  const Case cases[] = {{&dub, dub_body, 201},
                        {&partnero, partnero_body, 201},
                        {&jb, journeybee_body, 201},
                        {&dub, dub_error, 422},
                        {&partnero, partnero_error, 422}};
  for (const auto& c : cases) {
    ASSERT_TRUE(c.status != 201 ||
                c.adapter->decode(test::response(c.status, c.body), test::context_for(spec)));
    for (std::size_t n = 1; n < c.body.size(); ++n) {
      auto r = c.adapter->decode(test::response(c.status, c.body.substr(0, n)), test::context_for(spec));
      ASSERT_FALSE(r) << c.adapter->name() << " prefix " << n;
      if (c.status == 201)
        EXPECT_EQ(r.error().code, errc::protocol);
      else
        EXPECT_EQ(r.error().code, errc::rejected);
    }
  }
}

TEST(Hostile, RandomMutationsNeverCrash) {
  DubAdapter dub;
  PartneroAdapter partnero;
  JourneyBeeAdapter jb;
  PartnerSpec spec;
  spec.email = "ana@example.com";
  spec.external_id = "crm-1";
  const Case cases[] = {{&dub, dub_body, 201},  {&partnero, partnero_body, 201},  {&jb, journeybee_body, 201},
                        {&dub, dub_error, 422}, {&partnero, partnero_error, 400}, {&dub, dub_error, 429}};
  std::mt19937 rng(20261122);
  const char alphabet[] = "{}[]\":,0123456789.eE-+tfnul\\ \x00\xC3\xA9\xFF";
  int ok = 0, failed = 0;
  for (const auto& c : cases) {
    for (int i = 0; i < 3000; ++i) {
      std::string b = c.body;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !b.empty(); ++e) {
        const std::size_t pos = rng() % b.size();
        switch (rng() % 3) {
          case 0:
            b[pos] = alphabet[rng() % (sizeof alphabet - 1)];
            break;
          case 1:
            b.erase(pos, 1 + rng() % 8);
            break;
          default:
            b.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]);
            break;
        }
      }
      auto r = c.adapter->decode(test::response(c.status, b), test::context_for(spec));
      if (r)
        ++ok;
      else
        ++failed;
      if (!r && c.status != 201) {
        EXPECT_EQ(r.error().http_status, c.status);
      }
    }
  }
  EXPECT_GT(failed, 0);
  EXPECT_GT(ok, 0);  // some mutations are harmless (inside strings)
}

}  // namespace
}  // namespace partnerkit
