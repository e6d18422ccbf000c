// The Tolt adapter against partnerkit's author's kit, plus the simulator's own behaviour.
#include <partnerkit/testing/adapter_conformance.hpp>
#include <tolt/tolt_adapter.hpp>
#include <tolt/tolt_simulator.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace pk = partnerkit;

namespace {

pk::HttpResponse json_response(int status, std::string body) {
  return pk::HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

pk::VendorConfig tolt_config() {
  pk::VendorConfig c;
  c.base_url = "https://platform.tolt.com";
  c.settings["program_id"] = "prg_YRsbPDAK";
  return c;
}

pk::testing::ConformanceSuite tolt_suite() {
  pk::testing::ConformanceSuite s;
  s.vendor = "tolt";
  s.make_adapter = [] { return std::make_shared<const tolt::ToltAdapter>(); };
  s.config = tolt_config();
  s.sample.email = "sam@example.com";
  s.sample.name = "Sam Rivera";
  s.sample.referral_key = "sam";
  s.sample.password = "N0t-For-Tolt!";  // Tolt cannot carry it: dropped, never printed

  pk::PartnerSpec minimal;
  minimal.email = "min@example.com";
  s.golden.push_back({"minimal", minimal, std::nullopt, "POST", "https://platform.tolt.com/v2/partners",
                      R"({"email":"min@example.com","program_id":"prg_YRsbPDAK"})", "Bearer <key>"});

  pk::PartnerSpec full;
  full.email = "sam@example.com";
  full.name = "Sam R.";
  full.first_name = "Sam";
  full.last_name = "Rivera";
  full.company = "Acme";
  full.country = "US";
  full.external_id = "user_42";
  full.group = "grp_gold";
  full.referral_key = "sam";
  full.invite = true;
  s.golden.push_back(
      {"every_field", full, std::nullopt, "POST", "https://platform.tolt.com/v2/partners",
       R"({"email":"sam@example.com","program_id":"prg_YRsbPDAK","first_name":"Sam",)"
       R"("last_name":"Rivera","display_name":"Sam R.","company_name":"Acme","country_code":"US",)"
       R"("external_id":"user_42","group_id":"grp_gold","link":{"value":"sam"},"notify_partner":true})",
       "Bearer <key>"});

  pk::PartnerSpec split;
  split.email = "ana@example.com";
  split.name = "Ana Maria Lopez";
  split.vendor_overrides["tolt"] =
      boost::json::object{{"website_url", "https://ana.example"}, {"program_id", "prg_X"}};
  s.golden.push_back({"name_split_and_overrides", split, std::nullopt, "POST",
                      "https://platform.tolt.com/v2/partners",
                      R"({"email":"ana@example.com","program_id":"prg_X","first_name":"Ana",)"
                      R"("last_name":"Maria Lopez","website_url":"https://ana.example"})",
                      "Bearer <key>"});

  s.errors.push_back(
      {"duplicate_email",
       json_response(409,
                     R"({"success":false,"message":"A partner with this email already exists",)"
                     R"("code":"already_exists","doc_url":"https://docs.tolt.com/errors#already_exists",)"
                     R"("errors":[{"field":"email","message":"already exists"}]})"),
       pk::errc::already_exists, std::string("email")});
  s.errors.push_back(
      {"duplicate_link",
       json_response(409, R"({"success":false,"message":"link value taken","code":"already_exists",)"
                          R"("errors":[{"field":"link.value","message":"taken"}]})"),
       pk::errc::already_exists, std::string("referral_key")});
  s.errors.push_back(
      {"validation",
       json_response(400, R"({"success":false,"message":"email: Invalid email address",)"
                          R"("code":"validation_error","errors":[{"field":"email","message":"Invalid"},)"
                          R"({"field":"country_code","message":"Must match"}]})"),
       pk::errc::rejected, std::string("email")});
  s.errors.push_back(
      {"unknown_program",
       json_response(400, R"({"success":false,"message":"program_id: No program","code":"invalid_reference",)"
                          R"("errors":[{"field":"program_id","message":"No program"}]})"),
       pk::errc::not_found, std::string("settings.program_id")});
  s.errors.push_back(
      {"unauthorized",
       json_response(401, R"({"success":false,"message":"Invalid API key","code":"unauthorized"})"),
       pk::errc::unauthenticated});
  s.errors.push_back({"forbidden",
                      json_response(403, R"({"success":false,"message":"Not allowed","code":"forbidden"})"),
                      pk::errc::permission_denied});
  s.errors.push_back(
      {"rate_limited",
       json_response(429, R"({"success":false,"error":{"message":"Too many requests. Please try again.",)"
                          R"("type":"rate_limit_error"}})"),
       pk::errc::rate_limited});
  s.errors.push_back({"server_error", pk::HttpResponse{502, {{"Content-Type", "text/html"}}, "<h1>502</h1>"},
                      pk::errc::vendor_unavailable});

  s.successes.push_back(
      {"created", s.sample,
       json_response(
           201,
           R"({"success":true,"data":{"id":"part_8fKq2LmZ","status":"active","first_name":"Sam",)"
           R"("last_name":"Rivera","email":"sam@example.com","program_id":"prg_YRsbPDAK",)"
           R"("created_at":"2026-01-01T00:00:00.000Z","link":{"id":"lnk_4DwK","param":"ref","value":"sam"}}})"),
       std::string("part_8fKq2LmZ")});
  s.successes.push_back(
      {"v1_array_shape", s.sample,
       json_response(
           201,
           R"({"success":true,"data":[{"id":"part_yP2D","status":"active","email":"sam@example.com"}]})"),
       std::string("part_yP2D")});

  const std::string partner =
      R"({"id":"part_8fKq2LmZ","status":"active","email":"sam@example.com","external_id":"crm-7"})";
  {
    pk::testing::DeclaredOperation o;
    o.name = "by_external_id";
    o.op = pk::Operation::find;
    o.query = {pk::FindQuery::Key::external_id, "crm-7"};
    o.method = "GET";
    o.url = "https://platform.tolt.com/v2/partners?external_id=crm-7";
    o.response = json_response(200, R"({"success":true,"data":[)" + partner + "]}");
    o.id = "part_8fKq2LmZ";
    o.matches = 1;
    s.operations.push_back(o);
    o.name = "by_vendor_id";
    o.query = {pk::FindQuery::Key::vendor_id, "part_8fKq2LmZ"};
    o.url = "https://platform.tolt.com/v2/partners/part_8fKq2LmZ";
    o.response = json_response(200, R"({"success":true,"data":)" + partner + "}");
    s.operations.push_back(o);
    o.name = "one";
    o.op = pk::Operation::get;
    o.partner_id = "part_8fKq2LmZ";
    o.matches.reset();
    s.operations.push_back(o);
    o.name = "suspend";
    o.op = pk::Operation::deactivate;
    o.options.reason = "fraud review";
    o.method = "POST";
    o.url = "https://platform.tolt.com/v2/partners/part_8fKq2LmZ/suspend";
    o.body = R"({"suspension_reason":"fraud review"})";
    o.response = json_response(
        200,
        R"({"success":true,"data":{"id":"part_8fKq2LmZ","status":"suspended","email":"sam@example.com"}})");
    s.operations.push_back(o);
  }
  return s;
}

// Registered before gtest_main's RUN_ALL_TESTS: no main() here.
const pk::testing::ConformanceRegistration registered{tolt_suite()};

// ---- beyond the kit: what the adapter must say, and the simulator ----

TEST(ToltAdapter, MissingProgramIdIsInvalidInput) {
  tolt::ToltAdapter a;
  pk::VendorConfig c;
  c.api_key = "k";
  pk::PartnerSpec s;
  s.email = "a@b.co";
  auto r = a.encode(s, c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, pk::errc::invalid_input);
  EXPECT_EQ(r.error().field, "settings.program_id");
}

TEST(ToltAdapter, StrictRefusesWhatToltCannotCarry) {
  tolt::ToltAdapter a;
  auto c = tolt_config();
  c.api_key = "k";
  pk::PartnerSpec s;
  s.email = "a@b.co";
  s.tags = {"x"};
  auto lenient = a.encode(s, c);
  ASSERT_TRUE(lenient);
  ASSERT_EQ(lenient->warnings.size(), 1u);
  EXPECT_EQ(lenient->warnings[0], "tolt cannot carry tags; dropped");
  c.strict = true;
  auto strict = a.encode(s, c);
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().code, pk::errc::unsupported_field);
  EXPECT_EQ(strict.error().field, "tags");
}

TEST(ToltAdapter, DecodesLinkAndStatus) {
  tolt::ToltAdapter a;
  pk::PartnerSpec s;
  s.email = "sam@example.com";
  pk::DecodeContext ctx;
  ctx.spec = &s;
  auto r = a.decode(json_response(201, R"({"success":true,"data":{"id":"part_1","status":"suspended",)"
                                       R"("email":"sam@example.com","display_name":"Sam R.",)"
                                       R"("link":{"id":"lnk_1","param":"ref","value":"sam"}}})"),
                    ctx);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, pk::PartnerStatus::deactivated);
  EXPECT_EQ(r->status_raw, "suspended");
  EXPECT_EQ(r->name, "Sam R.");
  ASSERT_EQ(r->links.size(), 1u);
  EXPECT_EQ(r->links[0].key, "sam");
  EXPECT_EQ(r->links[0].id, "lnk_1");
}

// Found by the author's kit's decode fuzzer (fuzz/tolt_decode_fuzz.cpp): a 2xx describing another
// partner was taken as ours.
TEST(ToltAdapter, RefusesAnAnswerAboutAnotherEmail) {
  tolt::ToltAdapter a;
  pk::PartnerSpec s;
  s.email = "sam@example.com";
  pk::DecodeContext ctx;
  ctx.spec = &s;
  auto other = a.decode(
      json_response(
          200, R"({"success":true,"data":[{"id":"part_yP2D","status":"active","email":"bo@example.com"}]})"),
      ctx);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, pk::errc::protocol);
  EXPECT_EQ(other.error().field, "email");
  auto same = a.decode(
      json_response(201,
                    R"({"success":true,"data":{"id":"part_1","status":"active","email":"Sam@Example.com"}})"),
      ctx);
  ASSERT_TRUE(same) << same.error().message;
}

pk::HttpRequest encoded(const pk::PartnerSpec& s, std::string key = "tolt_test_key") {
  auto c = tolt_config();
  c.settings["program_id"] = "prg_sandbox";
  c.base_url = "https://127.0.0.1:1";
  c.api_key = std::move(key);
  auto r = tolt::ToltAdapter{}.encode(s, c);
  EXPECT_TRUE(r);
  return r->request;
}

TEST(ToltSimulator, CreatesThenAnswers409OnDuplicateEmail) {
  tolt::ToltSimulator sim({}, {}, 1);
  tolt::ToltAdapter a;
  pk::PartnerSpec s;
  s.email = "Sam@Example.com";
  s.name = "Sam Rivera";
  pk::DecodeContext ctx;
  ctx.spec = &s;
  auto first = sim.handle(encoded(s));
  ASSERT_EQ(first.status, 201) << first.body;
  auto p = a.decode(first, ctx);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->links.at(0).key, "sam-rivera");
  EXPECT_EQ(sim.partner_count(), 1u);

  s.email = "sam@example.COM";
  auto second = sim.handle(encoded(s));
  EXPECT_EQ(second.status, 409);
  auto e = a.decode(second, ctx);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, pk::errc::already_exists);
  EXPECT_EQ(e.error().field, "email");
  EXPECT_EQ(sim.partner_count(), 1u);
}

// find, get and suspend, with the adapter's own requests against the simulator.
TEST(ToltSimulator, FindGetAndSuspendWithTheAdaptersRequests) {
  tolt::ToltSimulator sim({}, {}, 1);
  tolt::ToltAdapter a;
  pk::PartnerSpec s;
  s.email = "ops@example.com";
  s.external_id = "crm-7";
  auto created = sim.handle(encoded(s));
  ASSERT_EQ(created.status, 201) << created.body;
  auto other = s;
  other.email = "other@example.com";
  other.external_id = "crm-8";
  ASSERT_EQ(sim.handle(encoded(other)).status, 201);

  auto c = tolt_config();
  c.base_url = "https://127.0.0.1:1";
  c.api_key = "tolt_test_key_readonly";  // reads work with a read-only key
  const pk::PartnerSpec none;
  pk::FindQuery q{pk::FindQuery::Key::external_id, "crm-7"};
  pk::DecodeContext ctx;
  ctx.spec = &none;
  ctx.operation = pk::Operation::find;
  ctx.query = &q;
  auto found = a.decode_find(sim.handle(a.encode_find(q, c)->request), ctx);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  const std::string id = found->front().id.value();
  EXPECT_EQ(found->front().email, "ops@example.com");
  EXPECT_EQ(found->front().outcome, pk::Outcome::existing);

  pk::FindQuery missing{pk::FindQuery::Key::external_id, "crm-404"};
  ctx.query = &missing;
  auto nothing = a.decode_find(sim.handle(a.encode_find(missing, c)->request), ctx);
  ASSERT_TRUE(nothing) << nothing.error().message;
  EXPECT_TRUE(nothing->empty());

  ctx.query = nullptr;
  ctx.operation = pk::Operation::get;
  ctx.partner_id = id;
  auto got = a.decode_get(sim.handle(a.encode_get(id, c)->request), ctx);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, pk::PartnerStatus::active);

  pk::DeactivateOptions off;
  off.reason = "left the program";
  ctx.operation = pk::Operation::deactivate;
  ctx.deactivate = &off;
  EXPECT_EQ(sim.handle(a.encode_deactivate(id, off, c)->request).status, 403);  // read-only key
  c.api_key = "tolt_test_key";
  auto suspended = a.decode_deactivate(sim.handle(a.encode_deactivate(id, off, c)->request), ctx);
  ASSERT_TRUE(suspended) << suspended.error().message;
  EXPECT_EQ(suspended->status, pk::PartnerStatus::deactivated);
  EXPECT_EQ(suspended->outcome, pk::Outcome::updated);

  ctx.operation = pk::Operation::get;
  ctx.deactivate = nullptr;
  auto after = a.decode_get(sim.handle(a.encode_get(id, c)->request), ctx);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->status, pk::PartnerStatus::deactivated);

  ctx.partner_id = "part_nobody";
  auto unknown = a.decode_get(sim.handle(a.encode_get("part_nobody", c)->request), ctx);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, pk::errc::not_found);
  EXPECT_EQ(sim.handle(a.encode_deactivate("part_nobody", off, c)->request).status, 404);
}

TEST(ToltSimulator, TakenLinkValueIs409OnLinkValue) {
  tolt::ToltSimulator sim({}, {}, 1);
  pk::PartnerSpec s;
  s.email = "a@example.com";
  s.referral_key = "Promo";
  ASSERT_EQ(sim.handle(encoded(s)).status, 201);
  s.email = "b@example.com";
  auto r = sim.handle(encoded(s));
  ASSERT_EQ(r.status, 409);
  auto e = tolt::ToltAdapter{}.decode(r, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "referral_key");
}

TEST(ToltSimulator, ValidationNamesEveryField) {
  tolt::ToltSimulator sim({}, {}, 1);
  pk::HttpRequest req = encoded([] {
    pk::PartnerSpec s;
    s.email = "x@example.com";
    return s;
  }());
  req.body =
      R"({"email":"not-an-email","program_id":"prg_sandbox","country_code":"USA","notify_partner":"yes"})";
  auto r = sim.handle(req);
  ASSERT_EQ(r.status, 400);
  auto e = tolt::ToltAdapter{}.decode(r, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, pk::errc::rejected);
  EXPECT_EQ(e.error().vendor_code, "validation_error");
  ASSERT_EQ(e.error().issues.size(), 3u);
  EXPECT_EQ(e.error().issues[0].field, "email");
  EXPECT_EQ(e.error().issues[1].field, "country");
  EXPECT_EQ(e.error().issues[2].field, "invite");
}

TEST(ToltSimulator, AuthAndProgram) {
  tolt::ToltSimulator sim({}, {}, 1);
  pk::PartnerSpec s;
  s.email = "a@example.com";
  auto no_key = encoded(s);
  no_key.headers.erase(no_key.headers.begin());  // Authorization
  EXPECT_EQ(sim.handle(no_key).status, 401);
  EXPECT_EQ(sim.handle(encoded(s, "wrong")).status, 401);
  auto ro = sim.handle(encoded(s, "tolt_test_key_readonly"));
  EXPECT_EQ(ro.status, 403);
  EXPECT_EQ(tolt::ToltAdapter{}.decode(ro, {}).error().code, pk::errc::permission_denied);
  auto bad_program = encoded(s);
  bad_program.body = R"({"email":"a@example.com","program_id":"prg_nope"})";
  auto r = sim.handle(bad_program);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(tolt::ToltAdapter{}.decode(r, {}).error().code, pk::errc::not_found);
  EXPECT_EQ(sim.partner_count(), 0u);
}

TEST(ToltSimulator, RateLimitAnswerDecodesAsRateLimited) {
  tolt::ToltSimulator sim({}, {}, 1);
  pk::sandbox::TokenBucket::Decision d;
  d.allowed = false;
  d.retry_after = std::chrono::milliseconds(1500);
  auto r = sim.rate_limited(d, {});
  EXPECT_EQ(r.status, 429);
  auto e = tolt::ToltAdapter{}.decode(r, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, pk::errc::rate_limited);
  ASSERT_TRUE(e.error().retry_after);
  EXPECT_EQ(e.error().retry_after->count(), 2000);
}

}  // namespace
