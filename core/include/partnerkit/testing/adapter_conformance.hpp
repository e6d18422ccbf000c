// The adapter author's kit: a GoogleTest conformance suite any Adapter (built-in or plugin) runs
// against itself and its golden cases. Header-only; link GTest::gtest and partnerkit (installed
// with partnerkit: find_package(partnerkit) + find_package(GTest)).
//
//   #include <partnerkit/testing/adapter_conformance.hpp>   // link GTest::gtest_main: no main() needed
//   partnerkit::testing::ConformanceSuite acme_suite() {
//     partnerkit::testing::ConformanceSuite s;
//     s.vendor = "acme";
//     s.make_adapter = [] { return std::make_shared<const AcmeAdapter>(); };
//     s.config.base_url = "https://api.acme.example";
//     s.config.settings["program_id"] = "prg_1";
//     s.sample.email = "ana@example.com";
//     s.golden.push_back({"minimal", spec, {}, "POST", "https://api.acme.example/v2/partners", R"({...})"});
//     s.errors.push_back({"duplicate", {409, {}, R"({...})"}, partnerkit::errc::already_exists, "email"});
//     s.successes.push_back({"created", spec, {201, {}, R"({...})"}, "part_1"});
//     s.round_trip = partnerkit::testing::plugin_round_trip<partnerkit::sandbox::VendorSimulator>(
//         registrar.simulators().at(0), "acme_test_key");     // optional: the adapter against its simulator
//     return s;
//   }
//   const partnerkit::testing::ConformanceRegistration registered{acme_suite()};
//
// What it checks (test names "<vendor>_conformance.<check>/<case>"):
//  - Identity: name() is the declared vendor; capabilities() name only PartnerSpec fields, every
//    mapping names a declared field, the error shape is described, the default rate is >= 0.
//  - Encode is deterministic: the same input gives the same bytes, from the same adapter and from
//    a second instance (no hidden state, no clock, no randomness).
//  - Golden requests: method, URL and body byte for byte (and the Authorization header when given).
//  - Declared errors: each response decodes to the declared code (and field when given), with
//    http_status set, a bounded message of our own (not the vendor's words: those go to
//    vendor_message) and a raw_body of at most max_raw_body_bytes.
//  - Declared successes decode (expected id and email), also with unknown extra members added.
//  - Hostile bodies never crash decode: truncated JSON, wrong types, a 2 MB string, 10 000 levels
//    of nesting, an empty body, binary garbage. On a 2xx every non-object body is errc::protocol
//    (an empty 2xx body too unless empty_success_body_ok); on a 4xx/5xx the result is an error
//    carrying the status.
//  - Operations beyond create: every operation (and find key) capabilities().operations declares has a
//    DeclaredOperation case; each case encodes byte for byte, deterministically, without the key in the
//    URL or body, and decodes its answer (expected id / number of matches); hostile answers never crash
//    a declared operation's decoder; an undeclared operation answers errc::unsupported_operation.
//  - Field rules (adapter_conformance/field_rules.hpp): every undeclared PartnerSpec field is dropped
//    with a warning naming it (lenient) or refused with unsupported_field naming it (strict); declared
//    vendor_overrides replace in place, remove on null and append new keys last.
//  - No secret leaks: the API key and the spec's password never appear in a redacted request, in
//    encode warnings, or in any decoded error's message, vendor_message, field, issues, vendor_code or
//    raw_body, even when the vendor's body echoes them in secret-named members.
//  - The leak corpus (leak_corpus/<case>): a hostile vendor echoes the very request the adapter
//    encoded (canary API key, password and secret-named vendor_overrides) back in every shape:
//    JSON message and errors.<field>[], JSON inside a string, an HTML error page, reflected
//    headers, base64 (Basic auth too), URL-encoded, and inside a success body. Each answer is
//    decoded and passed through partnerkit's one scrubber exactly as the Client does
//    (operation_scrubber + scrub); no string of the Error or Partner may then hold a canary in
//    any form the kit can recognise: plain, any letter case, hex, or a form the scrubber knows.
//    An adapter that transforms what it copies (upper-cases a vendor message into vendor_code,
//    hex-dumps a body, splits a secret) leaks past the scrubber and fails here; so does one that
//    keeps a secret of its own without declaring it (Adapter::secret_values).
//  - The round trip (adapter_conformance/round_trip.hpp, when ConformanceSuite::round_trip is set): the
//    adapter's requests handed to its own simulator as plain values and the answers decoded: the create
//    with every declared field coming back, a repeat per CreateSemantics, each declared lookup, get,
//    update and deactivate.
#pragma once

#include <partnerkit/testing/adapter_conformance/detail.hpp>
#include <partnerkit/testing/adapter_conformance/field_rules.hpp>
#include <partnerkit/testing/adapter_conformance/leak_corpus.hpp>
#include <partnerkit/testing/adapter_conformance/operations.hpp>
#include <partnerkit/testing/adapter_conformance/round_trip.hpp>
#include <partnerkit/testing/adapter_conformance/suite.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

namespace partnerkit::testing {

// Registers every check of the kit for `suite` with GoogleTest (call before RUN_ALL_TESTS).
inline void register_conformance_tests(const ConformanceSuite& suite_in) {
  auto s = std::make_shared<const ConformanceSuite>(suite_in);
  const std::string group = detail::test_name(s->vendor) + "_conformance";

  detail::add_test(group, "identity", [s] {
    ASSERT_TRUE(s->make_adapter) << "make_adapter is empty";
    auto a = s->make_adapter();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->name(), s->vendor);
    Capabilities c = a->capabilities();
    EXPECT_FALSE(c.fields.empty()) << "capabilities().fields names no field";
    EXPECT_NE(std::find(c.fields.begin(), c.fields.end(), "email"), c.fields.end()) << "email is not carried";
    for (const auto& f : c.fields)
      EXPECT_NE(std::find(std::begin(partner_spec_fields), std::end(partner_spec_fields), f),
                std::end(partner_spec_fields))
          << "'" << f << "' is not a PartnerSpec field";
    for (const auto& m : c.mappings) {
      EXPECT_NE(std::find(c.fields.begin(), c.fields.end(), m.field), c.fields.end())
          << "mapping for '" << m.field << "', which fields does not declare";
      EXPECT_FALSE(m.target.empty()) << "empty target for " << m.field;
    }
    EXPECT_FALSE(c.error_shape.empty()) << "capabilities().error_shape is not described";
    EXPECT_GE(c.default_requests_per_second, 0);
    EXPECT_GE(c.rate_limit.count, 0);
    if (c.rate_limit.count > 0) {
      EXPECT_GT(c.rate_limit.window.count(), 0) << "capabilities().rate_limit: a count needs a window";
      EXPECT_GE(c.rate_limit.burst, 1) << "capabilities().rate_limit.burst is below 1";
    }
    EXPECT_EQ(c.default_base_url.rfind("https://", 0), 0u)
        << "capabilities().default_base_url is not an https URL";
  });

  detail::add_test(group, "encode_is_deterministic", [s] {
    auto a = s->make_adapter();
    auto b = s->make_adapter();
    std::vector<std::pair<PartnerSpec, VendorConfig>> inputs{{s->sample, detail::config_with_key(*s)}};
    for (const auto& g : s->golden) inputs.emplace_back(g.spec, detail::config_with_key(*s, g.config));
    for (const auto& [spec, cfg] : inputs) {
      auto r1 = a->encode(spec, cfg);
      auto r2 = a->encode(spec, cfg);
      auto r3 = b->encode(spec, cfg);
      ASSERT_EQ(r1.has_value(), r2.has_value());
      ASSERT_EQ(r1.has_value(), r3.has_value());
      if (!r1) {
        EXPECT_EQ(r1.error().code, r2.error().code);
        EXPECT_EQ(r1.error().message, r2.error().message);
        continue;
      }
      EXPECT_EQ(r1->request, r2->request) << detail::describe(r1->request) << "\n---\n"
                                          << detail::describe(r2->request);
      EXPECT_EQ(r1->request, r3->request) << "a second adapter instance encodes differently";
      EXPECT_EQ(r1->warnings, r2->warnings);
    }
  });

  for (std::size_t i = 0; i < s->golden.size(); ++i) {
    detail::add_test(group, "golden_" + s->golden[i].name, [s, i] {
      const auto& g = s->golden[i];
      auto cfg = detail::config_with_key(*s, g.config);
      auto r = s->make_adapter()->encode(g.spec, cfg);
      ASSERT_TRUE(r) << "encode failed: " << r.error().message;
      EXPECT_EQ(r->request.method, g.method);
      EXPECT_EQ(r->request.url, g.url);
      EXPECT_EQ(r->request.body, g.body) << "the body differs from the golden one byte for byte";
      if (g.authorization) {
        std::string auth = *g.authorization;
        if (auto pos = auth.find("<key>"); pos != std::string::npos) auth.replace(pos, 5, s->api_key);
        EXPECT_EQ(r->request.header("Authorization"), auth);
      }
    });
  }

  for (std::size_t i = 0; i < s->errors.size(); ++i) {
    detail::add_test(group, "error_" + s->errors[i].name, [s, i] {
      const auto& d = s->errors[i];
      auto cfg = detail::config_with_key(*s);
      auto ctx = detail::context_for(s->sample, cfg);
      auto r = s->make_adapter()->decode(d.response, ctx);
      ASSERT_FALSE(r) << "a declared error decoded as a success";
      EXPECT_EQ(to_string(r.error().code), to_string(d.code)) << r.error().message;
      EXPECT_EQ(r.error().http_status, d.response.status);
      EXPECT_FALSE(r.error().message.empty());
      if (!r.error().vendor_message.empty()) {
        EXPECT_NE(r.error().message, r.error().vendor_message) << "message is ours, not the vendor's words";
      }
      if (d.field) {
        EXPECT_EQ(r.error().field, *d.field);
      }
      detail::expect_clean_error(r.error(), detail::secrets(*s));
    });
  }

  for (std::size_t i = 0; i < s->successes.size(); ++i) {
    detail::add_test(group, "success_" + s->successes[i].name, [s, i] {
      const auto& d = s->successes[i];
      auto cfg = detail::config_with_key(*s);
      auto ctx = detail::context_for(d.spec, cfg);
      auto adapter = s->make_adapter();
      auto r = adapter->decode(d.response, ctx);
      ASSERT_TRUE(r) << "decode failed: " << r.error().message;
      EXPECT_EQ(r->vendor, s->vendor);
      if (d.id) {
        EXPECT_EQ(r->id, d.id);
      }
      EXPECT_EQ(r->email, d.email.value_or(d.spec.email));

      // Unknown members are tolerated (vendors add fields; closed decoders break on them).
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(d.response.body, ec);
      if (!ec && v.is_object()) {
        auto add_unknown = [](boost::json::object& o) {
          o["partnerkit_unknown_member"] =
              boost::json::object{{"nested", boost::json::array{1, "two", nullptr}}};
          o["partnerkit_unknown_string"] = "x";
        };
        add_unknown(v.as_object());
        for (auto& [_, member] : v.as_object())
          if (member.is_object()) add_unknown(member.as_object());
        HttpResponse extended = d.response;
        extended.body = boost::json::serialize(v);
        auto r2 = adapter->decode(extended, ctx);
        ASSERT_TRUE(r2) << "unknown members made decode fail: " << r2.error().message;
        EXPECT_EQ(r2->id, r->id);
        EXPECT_EQ(r2->email, r->email);
      }
    });
  }

  detail::add_test(group, "hostile_bodies_never_crash", [s] {
    auto adapter = s->make_adapter();
    auto cfg = detail::config_with_key(*s);
    auto ctx = detail::context_for(s->sample, cfg);
    auto secrets = detail::secrets(*s);
    std::vector<int> statuses{200, s->success_status, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503};
    for (const auto& [name, body] : detail::hostile_bodies()) {
      for (int status : statuses) {
        SCOPED_TRACE(name + " with status " + std::to_string(status));
        HttpResponse resp{status, {{"Content-Type", "application/json"}}, body};
        auto r = adapter->decode(resp, ctx);
        if (status >= 200 && status < 300) {
          // Bodies that are not a JSON object cannot be a partner; wrong-typed objects may be
          // accepted only by vendors that read nothing from a success (checked: no crash).
          bool object_like = name.rfind("wrong_types", 0) == 0 || name == "deep_nesting_objects";
          bool empty_ok = name == "empty" && s->empty_success_body_ok;
          if (!object_like && !empty_ok) {
            ASSERT_FALSE(r) << "a hostile 2xx body decoded as a success";
            EXPECT_EQ(to_string(r.error().code), "protocol") << r.error().message;
          }
        } else {
          ASSERT_FALSE(r) << "a " << status << " decoded as a success";
          EXPECT_EQ(r.error().http_status, status);
        }
        if (!r) detail::expect_clean_error(r.error(), secrets);
      }
    }
  });

  detail::add_test(group, "no_secret_in_requests_or_errors", [s] {
    auto adapter = s->make_adapter();
    auto secrets = detail::secrets(*s);
    std::vector<std::pair<PartnerSpec, VendorConfig>> inputs{{s->sample, detail::config_with_key(*s)}};
    for (const auto& g : s->golden) inputs.emplace_back(g.spec, detail::config_with_key(*s, g.config));
    for (auto [spec, cfg] : inputs) {
      for (bool strict : {false, true}) {
        cfg.strict = strict;
        auto r = adapter->encode(spec, cfg);
        if (!r) {
          detail::expect_clean_error(r.error(), secrets);
          continue;
        }
        // The key goes in the Authorization header only, never in the URL or the body.
        EXPECT_EQ(r->request.url.find(s->api_key), std::string::npos) << "API key in the URL";
        EXPECT_EQ(r->request.body.find(s->api_key), std::string::npos) << "API key in the body";
        HttpRequest red = redacted(r->request);
        detail::expect_no_secret("redacted request", detail::describe(red), secrets);
        for (const auto& w : r->warnings) detail::expect_no_secret("encode warning", w, secrets);
      }
    }
    auto cfg = detail::config_with_key(*s);
    auto ctx = detail::context_for(s->sample, cfg);
    for (int status : {400, 401, 403, 409, 422, 500}) {
      HttpResponse echo{status, {{"Content-Type", "application/json"}}, detail::echo_body(*s)};
      auto r = adapter->decode(echo, ctx);
      ASSERT_FALSE(r);
      detail::expect_clean_error(r.error(), secrets);
    }
    for (const auto& d : s->errors) {
      auto r = adapter->decode(d.response, ctx);
      if (!r) detail::expect_clean_error(r.error(), secrets);
    }
  });

  register_operation_tests(s, group);
  register_field_rule_tests(s, group);
  register_leak_corpus_test(s, group);
  if (s->round_trip) register_round_trip_tests(s, group);
}

// Registers a suite's tests when it is constructed. A namespace-scope object registers before
// gtest_main's RUN_ALL_TESTS, so a test file needs no main() of its own:
//   const partnerkit::testing::ConformanceRegistration registered{my_suite()};
struct ConformanceRegistration {
  explicit ConformanceRegistration(const ConformanceSuite& suite) { register_conformance_tests(suite); }
};

}  // namespace partnerkit::testing
