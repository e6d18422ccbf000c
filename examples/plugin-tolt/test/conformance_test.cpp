// The Tolt adapter against partnerkit's author's kit: golden requests, errors, successes, operations,
// and the round trip through the simulator the plugin registers. What is Tolt's own follows.
#include <partnerkit/sandbox/vendors.hpp>
#include <partnerkit/testing/adapter_conformance.hpp>
#include <tolt/plugin.hpp>
#include <tolt/tolt_adapter.hpp>

#include <gtest/gtest.h>

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

  // The adapter against the simulator the plugin registers: create, repeat, find, get, suspend.
  pk::PluginRegistrar plugin;
  tolt::register_tolt(plugin);
  s.round_trip = pk::testing::plugin_round_trip<pk::sandbox::VendorSimulator>(plugin.simulators().at(0),
                                                                              "tolt_test_key");
  return s;
}

// Registered before gtest_main's RUN_ALL_TESTS: no main() here.
const pk::testing::ConformanceRegistration registered{tolt_suite()};

// ---- beyond the kit: what is Tolt's own ----

TEST(ToltAdapter, MissingProgramIdIsInvalidInput) {
  pk::VendorConfig c;
  c.api_key = "k";
  pk::PartnerSpec s;
  s.email = "a@b.co";
  auto r = tolt::ToltAdapter{}.encode(s, c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, pk::errc::invalid_input);
  EXPECT_EQ(r.error().field, "settings.program_id");
}

TEST(ToltAdapter, DecodesLinkStatusAndDisplayName) {
  pk::PartnerSpec s;
  s.email = "sam@example.com";
  pk::DecodeContext ctx;
  ctx.spec = &s;
  auto r = tolt::ToltAdapter{}.decode(json_response(201, R"({"success":true,"data":{"id":"part_1",)"
                                                         R"("status":"suspended","email":"sam@example.com",)"
                                                         R"("display_name":"Sam R.","link":{"id":"lnk_1",)"
                                                         R"("param":"ref","value":"sam"}}})"),
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
  pk::PartnerSpec s;
  s.email = "sam@example.com";
  pk::DecodeContext ctx;
  ctx.spec = &s;
  tolt::ToltAdapter a;
  auto other = a.decode(json_response(200, R"({"success":true,"data":[{"id":"part_yP2D","status":"active",)"
                                           R"("email":"bo@example.com"}]})"),
                        ctx);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, pk::errc::protocol);
  EXPECT_EQ(other.error().field, "email");
  auto same = a.decode(json_response(201, R"({"success":true,"data":{"id":"part_1","status":"active",)"
                                          R"("email":"Sam@Example.com"}})"),
                       ctx);
  ASSERT_TRUE(same) << same.error().message;
}

}  // namespace
