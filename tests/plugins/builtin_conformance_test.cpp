// The built-in adapters pass the same author's kit a plugin runs (adapter_conformance.hpp).
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/adapters/partnero.hpp>
#include <partnerkit/sandbox/vendors.hpp>
#include <partnerkit/testing/adapter_conformance.hpp>

#include <gtest/gtest.h>

namespace pk = partnerkit;
using pk::testing::ConformanceSuite;

namespace {

pk::HttpResponse json_response(int status, std::string body) {
  return pk::HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

// The round trip against the sandbox's simulator of the vendor (the author's kit, round_trip.hpp).
template <class Sim, class Options>
pk::testing::RoundTrip round_trip(std::string key) {
  pk::testing::RoundTrip rt;
  rt.make_simulator = pk::testing::simulator_exchange<pk::sandbox::VendorSimulator>(
      [](const pk::SimulatorParams& p) { return std::make_unique<Sim>(Options{}, p.clock, p.seed); });
  rt.config.api_key = std::move(key);
  return rt;
}

pk::PartnerSpec spec(std::string email) {
  pk::PartnerSpec s;
  s.email = std::move(email);
  return s;
}

ConformanceSuite dub_suite() {
  ConformanceSuite s;
  s.vendor = "dub";
  s.make_adapter = [] { return std::make_shared<const pk::DubAdapter>(); };
  s.config.base_url = "https://api.dub.co";
  s.sample = spec("ana@example.com");
  s.sample.name = "Ana Lopez";
  s.sample.referral_key = "ana";
  s.sample.external_id = "crm-42";
  s.sample.password = "Sup3r-Secret-Pw";  // Dub cannot carry it: dropped, never printed

  pk::PartnerSpec minimal = spec("min@example.com");
  s.golden.push_back({"minimal", minimal, std::nullopt, "POST", "https://api.dub.co/partners",
                      R"({"email":"min@example.com"})", "Bearer <key>"});
  pk::PartnerSpec full = spec("ana@example.com");
  full.first_name = "Ana";
  full.last_name = "Lopez";
  full.referral_key = "ana";
  full.external_id = "crm-42";
  full.country = "ES";
  full.tags = {"vip"};
  s.golden.push_back({"names_key_tenant_country_tags", full, std::nullopt, "POST",
                      "https://api.dub.co/partners",
                      R"({"name":"Ana Lopez","email":"ana@example.com","username":"ana","tenantId":"crm-42",)"
                      R"("country":"ES","linkProps":{"tagNames":["vip"]}})",
                      "Bearer <key>"});

  s.errors.push_back({"unauthorized",
                      json_response(401, R"({"error":{"code":"unauthorized","message":"Missing API key."}})"),
                      pk::errc::unauthenticated});
  s.errors.push_back({"forbidden",
                      json_response(403, R"({"error":{"code":"forbidden","message":"Plan too low."}})"),
                      pk::errc::permission_denied});
  s.errors.push_back(
      {"conflict_tenant",
       json_response(409, R"({"error":{"code":"conflict","message":"tenantId already in use."}})"),
       pk::errc::already_exists});
  s.errors.push_back({"unprocessable",
                      json_response(422, R"({"error":{"code":"unprocessable_entity","message":)"
                                         R"("invalid_string: email: Invalid email"}})"),
                      pk::errc::rejected, std::string("email")});
  s.errors.push_back(
      {"rate_limited",
       json_response(429, R"({"error":{"code":"rate_limit_exceeded","message":"Slow down."}})"),
       pk::errc::rate_limited});
  s.errors.push_back({"internal",
                      json_response(500, R"({"error":{"code":"internal_server_error","message":"x"}})"),
                      pk::errc::vendor_unavailable});

  s.successes.push_back(
      {"created", s.sample,
       json_response(201, R"({"id":"pn_1","name":"Ana Lopez","email":"ana@example.com","status":"approved",)"
                          R"("createdAt":"2099-01-01T00:00:00.000Z","links":[]})"),
       std::string("pn_1")});

  // Operations beyond create.
  const std::string partner =
      R"({"id":"pn_1","name":"Ana Lopez","email":"ana@example.com","status":"approved","tenantId":"crm-42",)"
      R"("createdAt":"2025-01-01T00:00:00.000Z","links":[]})";
  {
    pk::testing::DeclaredOperation o;
    o.name = "by_external_id";
    o.op = pk::Operation::find;
    o.query = {pk::FindQuery::Key::external_id, "crm-42"};
    o.method = "GET";
    o.url = "https://api.dub.co/partners?tenantId=crm-42";
    o.response = json_response(200, "[" + partner + "]");
    o.id = "pn_1";
    o.matches = 1;
    s.operations.push_back(o);
    o.name = "by_email";
    o.query = {pk::FindQuery::Key::email, "ana@example.com"};
    o.url = "https://api.dub.co/partners?email=ana%40example.com";
    s.operations.push_back(o);
    o.name = "by_vendor_id";
    o.query = {pk::FindQuery::Key::vendor_id, "pn_1"};
    o.url = "https://api.dub.co/partners/pn_1";
    o.response = json_response(200, partner);
    s.operations.push_back(o);
    o.name = "one";
    o.op = pk::Operation::get;
    o.partner_id = "pn_1";
    o.matches.reset();
    s.operations.push_back(o);
    o.name = "deactivate";
    o.op = pk::Operation::deactivate;
    o.method = "POST";
    o.url = "https://api.dub.co/partners/deactivate";
    o.body = R"({"partnerId":"pn_1"})";
    o.response = json_response(200, R"({"partnerId":"pn_1"})");
    s.operations.push_back(o);
    o.name = "ban";
    o.options = {true, "fraud"};
    o.url = "https://api.dub.co/partners/ban";
    o.body = R"({"partnerId":"pn_1","reason":"fraud"})";
    s.operations.push_back(o);
  }
  s.round_trip = round_trip<pk::sandbox::DubSimulator, pk::sandbox::DubOptions>("sk_test_dub");
  // Dub puts tags on the partner's link (linkProps.tagNames); neither its partner object nor its links
  // list them (the EnrolledPartner schema of its OpenAPI).
  s.round_trip->not_echoed = {"tags"};
  return s;
}

ConformanceSuite partnero_suite() {
  ConformanceSuite s;
  s.vendor = "partnero";
  s.make_adapter = [] { return std::make_shared<const pk::PartneroAdapter>(); };
  s.config.base_url = "https://api.partnero.com";
  s.sample = spec("ana@example.com");
  s.sample.name = "Ana Maria Lopez";
  s.sample.password = "Sup3r-Secret-Pw";
  s.sample.external_id = "crm-42";

  pk::PartnerSpec minimal = spec("min@example.com");
  s.golden.push_back({"minimal", minimal, std::nullopt, "POST", "https://api.partnero.com/v1/partners",
                      R"({"email":"min@example.com"})", "Bearer <key>"});
  pk::PartnerSpec full = spec("ana@example.com");
  full.name = "Ana Maria Lopez";
  full.external_id = "crm-42";
  full.referral_key = "ana";
  full.tags = {"vip"};
  s.golden.push_back({"name_split_id_key_tags", full, std::nullopt, "POST",
                      "https://api.partnero.com/v1/partners",
                      R"({"email":"ana@example.com","name":"Ana","surname":"Maria Lopez","id":"crm-42",)"
                      R"("key":"ana","tags":["vip"]})",
                      "Bearer <key>"});
  pk::PartnerSpec invite = spec("inv@example.com");
  invite.first_name = "Ana";
  invite.invite = true;
  s.golden.push_back({"invite", invite, std::nullopt, "POST", "https://api.partnero.com/v1/partners:invite",
                      R"({"email":"inv@example.com","name":"Ana"})", "Bearer <key>"});

  s.errors.push_back({"unauthenticated", json_response(401, R"({"message":"Unauthenticated."})"),
                      pk::errc::unauthenticated});
  s.errors.push_back({"duplicate_email",
                      json_response(422, R"({"message":"The email has already been taken.",)"
                                         R"("errors":{"email":["The email has already been taken."]}})"),
                      pk::errc::already_exists, std::string("email")});
  s.errors.push_back(
      {"validation",
       json_response(422, R"({"message":"The email must be a valid email address.",)"
                          R"("errors":{"email":["The email must be a valid email address."]}})"),
       pk::errc::rejected, std::string("email")});
  s.errors.push_back({"referrer_not_found",
                      json_response(400, R"({"message":"Referring partner not found"})"),
                      pk::errc::not_found});
  s.errors.push_back(
      {"rate_limited", json_response(429, R"({"message":"Too Many Attempts."})"), pk::errc::rate_limited});

  s.successes.push_back(
      {"created", s.sample,
       json_response(201, R"({"data":{"id":"crm-42","email":"ana@example.com","name":"Ana",)"
                          R"("surname":"Maria Lopez","status":"active"},"status":1})"),
       std::string("crm-42")});

  const std::string partner = R"({"data":{"id":"crm-42","email":"ana@example.com","name":"Ana",)"
                              R"("surname":"Maria Lopez","status":"active"},"status":1})";
  {
    pk::testing::DeclaredOperation o;
    o.name = "by_external_id";
    o.op = pk::Operation::find;
    o.query = {pk::FindQuery::Key::external_id, "crm-42"};
    o.method = "GET";
    o.url = "https://api.partnero.com/v1/partners/crm-42";
    o.response = json_response(200, partner);
    o.id = "crm-42";
    o.matches = 1;
    s.operations.push_back(o);
    o.name = "by_vendor_id";
    o.query = {pk::FindQuery::Key::vendor_id, "crm-42"};
    s.operations.push_back(o);
    o.name = "one";
    o.op = pk::Operation::get;
    o.partner_id = "crm-42";
    o.matches.reset();
    s.operations.push_back(o);
    o.name = "name_and_tags";
    o.op = pk::Operation::update;
    o.changes.first_name = "Ana";
    o.changes.tags = {"vip"};
    o.method = "PUT";
    o.body = R"({"update":{"name":"Ana","tags":["vip"]}})";
    s.operations.push_back(o);
    o.name = "archive";
    o.op = pk::Operation::deactivate;
    o.method = "POST";
    o.url = "https://api.partnero.com/v1/partners/crm-42/archive";
    o.body = "";
    o.response = json_response(200, R"({"status":1})");
    s.operations.push_back(o);
    o.name = "delete";
    o.options.permanent = true;
    o.method = "DELETE";
    o.url = "https://api.partnero.com/v1/partners/crm-42";
    s.operations.push_back(o);
  }
  s.round_trip = round_trip<pk::sandbox::PartneroSimulator, pk::sandbox::PartneroOptions>("pk_test_partnero");
  return s;
}

ConformanceSuite journeybee_suite() {
  ConformanceSuite s;
  s.vendor = "journeybee";
  s.make_adapter = [] { return std::make_shared<const pk::JourneyBeeAdapter>(); };
  s.config.base_url = "https://app.journeybee.io";
  s.empty_success_body_ok = true;  // 201 with no body is one of JourneyBee's documented answers
  s.sample = spec("ana@acme.example");
  s.sample.company = "Acme";
  s.sample.first_name = "Ana";
  s.sample.password = "Sup3r-Secret-Pw";

  pk::PartnerSpec minimal = spec("min@acme.example");
  s.golden.push_back(
      {"minimal", minimal, std::nullopt, "POST", "https://app.journeybee.io/api/v1/partnerships",
       R"({"name":"acme.example","emails":[{"email":"min@acme.example"}],"partnerType":"referral"})",
       "Bearer <key>"});
  pk::PartnerSpec full = spec("ana@acme.example");
  full.company = "Acme";
  full.first_name = "Ana";
  full.last_name = "Lopez";
  full.partner_type = pk::PartnerType::reseller;
  full.invite = false;
  s.golden.push_back(
      {"company_names_type_inactive", full, std::nullopt, "POST",
       "https://app.journeybee.io/api/v1/partnerships",
       R"({"name":"Acme","emails":[{"email":"ana@acme.example","firstName":"Ana","lastName":"Lopez"}],)"
       R"("partnerType":"reseller","inactive":true})",
       "Bearer <key>"});

  s.errors.push_back({"unauthenticated",
                      json_response(401, R"({"error":"Invalid API key or insufficient permissions"})"),
                      pk::errc::unauthenticated});
  s.errors.push_back({"read_only",
                      json_response(403, R"({"error":"Write access required for this operation"})"),
                      pk::errc::permission_denied});
  s.errors.push_back({"duplicate",
                      json_response(409, R"({"error":"Partnership already exists with this company"})"),
                      pk::errc::already_exists});
  s.errors.push_back(
      {"domains",
       json_response(406, R"({"error":"Invalid email domains or attempting to partner with self"})"),
       pk::errc::rejected});
  s.errors.push_back(
      {"bad_request", json_response(400, R"({"error":"partnerType is required"})"), pk::errc::rejected});

  s.successes.push_back(
      {"created", s.sample,
       json_response(201, R"({"status":"created","message":"Partnership created successfully"})"),
       std::nullopt});
  s.successes.push_back({"created_empty", s.sample, pk::HttpResponse{201, {}, ""}, std::nullopt});
  // JourneyBee's legacy create answers no partnership id and no partner: the round trip checks that the
  // create succeeds and that a repeat is a duplicate; nothing comes back to compare.
  s.round_trip =
      round_trip<pk::sandbox::JourneyBeeSimulator, pk::sandbox::JourneyBeeOptions>("jb_test_journeybee");
  s.round_trip->answers_id = false;
  s.round_trip->not_echoed = pk::JourneyBeeAdapter{}.capabilities().fields;
  return s;
}

// Registered at static-initialization time, before gtest_main's RUN_ALL_TESTS.
const pk::testing::ConformanceRegistration dub{dub_suite()};
const pk::testing::ConformanceRegistration partnero{partnero_suite()};
const pk::testing::ConformanceRegistration journeybee{journeybee_suite()};

}  // namespace
