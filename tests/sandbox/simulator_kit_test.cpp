// The simulator kit's own rules, pinned against the vendors' published ones — and where the client
// library's validation reads a rule differently, the disagreement is pinned too: the sandbox is an
// independent check on the client, not a mirror of it.
#include <partnerkit/sandbox/simulator_kit.hpp>
#include <partnerkit/validation.hpp>

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "test_util.hpp"

namespace kit = partnerkit::sandbox::kit;
using boost::json::object;
using partnerkit::HttpRequest;
using sbtest::body_of;
using sbtest::post;

namespace {

HttpRequest with_auth(std::string value) {
  HttpRequest r;
  r.headers.emplace_back("authorization", std::move(value));
  return r;
}

}  // namespace

// The hand-written matcher against the pattern exactly as Dub's OpenAPI publishes it, run by
// std::regex (ECMAScript, like zod's JavaScript) over every string of a small alphabet that matters.
TEST(SimulatorKitEmail, ZodEmailIsTheOpenApiPattern) {
  const std::regex published(
      R"(^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$)");
  const std::string alphabet = "a.@-'_+9Z ";
  std::mt19937 rng(7);
  std::size_t accepted = 0;
  for (int i = 0; i < 200'000; ++i) {
    std::string s;
    const std::size_t n = 1 + rng() % 11;
    for (std::size_t k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    if (i % 3 == 0) s += ".co";  // enough valid ones to matter
    const bool want = std::regex_match(s, published);
    accepted += want;
    ASSERT_EQ(kit::zod_email(s), want) << "'" << s << "'";
  }
  EXPECT_GT(accepted, 500u);
  for (const char* s : {"sam@example.com", "o'neil+tag@mail.example.co.uk", "a_b-c@x-y.io", "a@b-.com"})
    EXPECT_TRUE(kit::zod_email(s)) << s;
  for (const char* s : {"", "@x.co", "a@x", "a@x.c", ".a@x.co", "a..b@x.co", "a.@x.co", "a'@x.co", "a@-x.co",
                        "a@x..co", "a@x.c0", "zoë@x.co", "a@b@x.co", "a b@x.co"})
    EXPECT_FALSE(kit::zod_email(s)) << s;
}

TEST(SimulatorKitEmail, LaravelEmailIsRfcNotDubs) {
  for (const char* s : {"a@localhost", "sam@example.com", "\"john doe\"@x.com", "a!#$%&*/=?^`{|}~@x.com",
                        "a@[127.0.0.1]", "zoë@exämple.de", "a@1.2.3.4"})
    EXPECT_TRUE(kit::laravel_email(s)) << s;
  for (const char* s :
       {"", "bad", "@x.com", "a@", ".a@x.com", "a.@x.com", "a..b@x.com", "a b@x.com", "a@b-.com", "a@-b.com",
        "a@x..com", "a@x.com.", "a@[]", "\"unterminated@x.com", "a@b@c.com"})
    EXPECT_FALSE(kit::laravel_email(s)) << s;
}

TEST(SimulatorKitEmail, PlausibleEmailIsTheSharedShape) {
  for (const char* s : {"sam@example.com", "a@b-.com", "zoë@x.de"}) EXPECT_TRUE(kit::plausible_email(s)) << s;
  for (const char* s :
       {"", "not-an-email", "@x.com", "a@x", "a@.x", "a@x.", "a@b@c.de", "a b@x.de", "a@x.de\n"})
    EXPECT_FALSE(kit::plausible_email(s)) << s;
  EXPECT_FALSE(kit::plausible_email(std::string(250, 'a') + "@x.de"));
  EXPECT_EQ(kit::email_domain("Sam@Example.COM"), "example.com");
  EXPECT_EQ(kit::email_domain("nobody"), "");
}

// The kit's list is ISO's 249; the library's is Dub's enum (ISO plus XK). They differ in XK only,
// and Dub's simulator takes XK as Dub does.
TEST(SimulatorKitFields, IsoCountriesAgainstTheLibrarysList) {
  std::size_t listed = 0;
  std::vector<std::string> disagree;
  for (char a = 'A'; a <= 'Z'; ++a)
    for (char b = 'A'; b <= 'Z'; ++b) {
      const std::string code{a, b};
      listed += kit::iso3166_alpha2(code);
      if (kit::iso3166_alpha2(code) != partnerkit::is_iso_country(code)) disagree.push_back(code);
    }
  EXPECT_EQ(listed, 249u);
  EXPECT_EQ(disagree, std::vector<std::string>{"XK"});
  EXPECT_FALSE(kit::iso3166_alpha2("us"));
  EXPECT_FALSE(kit::iso3166_alpha2("USA"));
  EXPECT_FALSE(kit::iso3166_alpha2("U"));

  sbtest::FakeClock clock;
  partnerkit::sandbox::DubSimulator dub({}, clock.fn(), 1);
  const std::string key = "Bearer sk_test_dub";
  EXPECT_EQ(dub.handle(post("/partners", object{{"email", "k@example.com"}, {"country", "XK"}}, key)).status,
            201);
  auto r = dub.handle(post("/partners", object{{"email", "u@example.com"}, {"country", "us"}}, key));
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(body_of(r).at("error").at("message").as_string().find("invalid_enum_value: country"),
            std::string::npos);
}

TEST(SimulatorKitFields, JsTrimIsStringPrototypeTrim) {
  EXPECT_EQ(kit::js_trim(""), "");
  EXPECT_EQ(kit::js_trim(" \t\n\v\f\r"), "");
  EXPECT_EQ(kit::js_trim(" a b "), "a b");
  // Zs and the other non-ASCII white space JavaScript trims: NBSP, U+1680, U+2000, U+200A, U+202F,
  // U+205F, U+3000, U+FEFF, U+2028, U+2029.
  const std::string ws = "\u00A0\u1680\u2000\u200A\u202F\u205F\u3000\uFEFF\u2028\u2029";
  EXPECT_EQ(kit::js_trim(ws + "Zo\u00E9 A" + ws), "Zo\u00E9 A");
  EXPECT_EQ(kit::js_trim(ws), "");
  // Not white space to JavaScript: NEL (U+0085, a control), U+180E (Cf since Unicode 6.3), U+200B.
  EXPECT_EQ(kit::js_trim("\u0085a\u0085"), "\u0085a\u0085");
  EXPECT_EQ(kit::js_trim("\u180Ea"), "\u180Ea");
  EXPECT_EQ(kit::js_trim("a\u200B"), "a\u200B");
  EXPECT_EQ(kit::js_trim(" \xFF "), "\xFF");  // a bad byte is kept, not white space
}

TEST(SimulatorKitFields, Utf16UnitsCountAsJavaScriptDoes) {
  EXPECT_EQ(kit::utf16_units(""), 0u);
  EXPECT_EQ(kit::utf16_units("abc"), 3u);
  EXPECT_EQ(kit::utf16_units("é"), 1u);                 // U+00E9, 2 bytes
  EXPECT_EQ(kit::utf16_units("€"), 1u);                 // U+20AC, 3 bytes
  EXPECT_EQ(kit::utf16_units("\xF0\x9F\x98\x80"), 2u);  // U+1F600: a surrogate pair
  EXPECT_EQ(kit::utf16_units("\xFF"
                             "a"),
            2u);
  // Dub's name max is 100 units: 50 emoji fit, 51 do not (102 units, 51 code points).
  std::string emoji;
  for (int i = 0; i < 51; ++i) emoji += "\xF0\x9F\x98\x80";
  sbtest::FakeClock clock;
  partnerkit::sandbox::DubSimulator dub({}, clock.fn(), 1);
  auto r = dub.handle(
      post("/partners", object{{"email", "e@example.com"}, {"name", emoji}}, "Bearer sk_test_dub"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(body_of(r).at("error").at("message"),
            "too_big: name: String must contain at most 100 character(s)");
  emoji.resize(emoji.size() - 4);
  EXPECT_EQ(
      dub.handle(post("/partners", object{{"email", "e@example.com"}, {"name", emoji}}, "Bearer sk_test_dub"))
          .status,
      201);
}

TEST(SimulatorKitFields, Slugify) {
  EXPECT_EQ(kit::slugify("Zoé  O'Brien", 90), "zoe-o-brien");
  EXPECT_EQ(kit::slugify("--Ünïcödé--", 90), "unicode");
  EXPECT_EQ(kit::slugify("??", 90), "");
  EXPECT_EQ(kit::slugify("abcdef", 3), "abc");
}

// Where the library and a simulator read a rule differently, the simulator follows the vendor. The
// library adds OpenAPI's `format: email` to Dub's pattern (no host label ends in '-'); zod's
// pattern, Dub's server and so Dub's simulator take "ann@acme-.com", Laravel (Partnero) refuses it,
// JourneyBee (no documented pattern) takes it. "ann@localhost" only Laravel takes.
TEST(SimulatorKitEmail, SimulatorsFollowTheVendorNotTheLibrary) {
  const std::string hyphen = "ann@acme-.com", local = "ann@localhost";
  EXPECT_FALSE(partnerkit::is_valid_email(hyphen));
  EXPECT_FALSE(partnerkit::is_valid_email(local));
  sbtest::FakeClock clock;
  partnerkit::sandbox::DubSimulator dub({}, clock.fn(), 1);
  EXPECT_EQ(dub.handle(post("/partners", object{{"email", hyphen}}, "Bearer sk_test_dub")).status, 201);
  auto r = dub.handle(post("/partners", object{{"email", local}}, "Bearer sk_test_dub"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(body_of(r).at("error").at("message"), "invalid_string: email: Invalid email");

  partnerkit::sandbox::PartneroSimulator partnero({}, clock.fn(), 1);
  r = partnero.handle(post("/v1/partners", object{{"email", hyphen}}, "Bearer pk_test_partnero"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(body_of(r).at("message"), "The email field must be a valid email address.");
  EXPECT_EQ(partnero.handle(post("/v1/partners", object{{"email", local}}, "Bearer pk_test_partnero")).status,
            201);

  partnerkit::sandbox::JourneyBeeSimulator jb({}, clock.fn(), 1);
  object body{{"name", "Acme"},
              {"emails", boost::json::array{object{{"email", hyphen}}}},
              {"partnerType", "referral"}};
  EXPECT_EQ(jb.handle(post("/api/v1/partnerships", body, "Bearer jb_test_journeybee")).status, 201);
}

TEST(SimulatorKitRequest, JsonBodyIsCapped) {
  EXPECT_TRUE(kit::parse_json_body(R"({"a":1})").is_object());
  EXPECT_EQ(kit::parse_json_body("[1]").problem, kit::JsonBody::Problem::none);
  EXPECT_FALSE(kit::parse_json_body("[1]").is_object());
  EXPECT_EQ(kit::parse_json_body("{").problem, kit::JsonBody::Problem::not_json);
  EXPECT_EQ(kit::parse_json_body(R"({"a":"0123456789"})", 10).problem, kit::JsonBody::Problem::too_large);
  EXPECT_EQ(kit::parse_json_body(std::string(40, '[') + std::string(40, ']')).problem,
            kit::JsonBody::Problem::not_json);  // deeper than 32
  EXPECT_TRUE(kit::parse_json_body(std::string(40, '[') + std::string(40, ']'), 1000, 64).ok());
}

TEST(SimulatorKitRequest, FormAndQueryDecoding) {
  auto form = kit::parse_form("email=sam%40example.com&name=Sam+Rivera&tag=a&tag=b&empty=&flag");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->size(), 6u);
  EXPECT_EQ(kit::form_value(*form, "email"), "sam@example.com");
  EXPECT_EQ(kit::form_value(*form, "name"), "Sam Rivera");
  EXPECT_EQ(kit::form_value(*form, "tag"), "a");
  EXPECT_EQ(kit::form_value(*form, "empty"), "");
  EXPECT_EQ(kit::form_value(*form, "flag"), "");
  EXPECT_EQ(kit::form_value(*form, "missing"), std::nullopt);
  EXPECT_FALSE(kit::parse_form("a=%zz"));
  EXPECT_EQ(kit::query_value("https://h/v2/partners?external_id=crm%2D7&x=1#frag", "external_id"), "crm-7");
  EXPECT_EQ(kit::query_value("/v2/partners?x=1#external_id=2", "external_id"), std::nullopt);
  EXPECT_EQ(kit::query_value("/v2/partners", "x"), std::nullopt);
  EXPECT_EQ(kit::query_limit("/p?limit=500", 10, 100), 100u);
  EXPECT_EQ(kit::query_limit("/p?limit=0", 10, 100), 1u);
  EXPECT_EQ(kit::query_limit("/p?limit=ten", 10, 100), 10u);
  EXPECT_EQ(kit::query_limit("/p", 10, 100), 10u);
}

TEST(SimulatorKitAuth, BearerStrictAndLenient) {
  EXPECT_EQ(kit::read_bearer(HttpRequest{}).status, kit::AuthStatus::missing);
  auto ok = kit::read_bearer(with_auth("Bearer k1"));
  EXPECT_EQ(ok.status, kit::AuthStatus::ok);
  EXPECT_EQ(ok.token, "k1");
  for (const char* h : {"", "Bearer ", "bearer k1", "Bearer  k1", "Bearer k1 ", "Token k1"})
    EXPECT_EQ(kit::read_bearer(with_auth(h)).status, kit::AuthStatus::malformed) << h;
  auto lenient = kit::read_bearer(with_auth("  bearer   k1 "), kit::BearerParsing::lenient);
  EXPECT_EQ(lenient.status, kit::AuthStatus::ok);
  EXPECT_EQ(lenient.token, "k1");
  EXPECT_EQ(kit::read_bearer(with_auth("Basic k1"), kit::BearerParsing::lenient).status,
            kit::AuthStatus::malformed);
}

TEST(SimulatorKitAuth, Basic) {
  auto c = kit::read_basic(with_auth("Basic c2tfbGl2ZV8xOnA6dw=="));  // "sk_live_1:p:w"
  ASSERT_EQ(c.status, kit::AuthStatus::ok);
  EXPECT_EQ(c.user, "sk_live_1");
  EXPECT_EQ(c.password, "p:w");
  auto empty_password = kit::read_basic(with_auth("basic a2V5Og=="));  // "key:"
  ASSERT_EQ(empty_password.status, kit::AuthStatus::ok);
  EXPECT_EQ(empty_password.user, "key");
  EXPECT_EQ(empty_password.password, "");
  EXPECT_EQ(kit::read_basic(HttpRequest{}).status, kit::AuthStatus::missing);
  for (const char* h : {"Basic", "Basic a2V5", "Basic a2V5*g==", "Bearer a2V5Og==", "Basic bm9jb2xvbg=="})
    EXPECT_EQ(kit::read_basic(with_auth(h)).status, kit::AuthStatus::malformed) << h;  // last: "nocolon"
  EXPECT_TRUE(kit::secure_equals("abc", "abc"));
  EXPECT_FALSE(kit::secure_equals("abc", "abd"));
  EXPECT_FALSE(kit::secure_equals("abc", "ab"));
}

TEST(SimulatorKitAnswers, PagesDatesAndWaits) {
  EXPECT_EQ(kit::edge_page(502, kit::EdgeStyle::plain_text).body, "502 Bad Gateway\n");
  auto nginx = kit::edge_page(503, kit::EdgeStyle::nginx);
  EXPECT_EQ(nginx.header("Content-Type"), "text/html");
  EXPECT_NE(nginx.body.find("<title>503 Service Temporarily Unavailable</title>"), std::string::npos);
  EXPECT_NE(kit::edge_page(504, kit::EdgeStyle::html).body.find("<h1>504 Gateway Timeout</h1>"),
            std::string::npos);
  EXPECT_EQ(kit::empty_response(201).headers.size(), 0u);
  EXPECT_EQ(kit::json_response(200, object{{"a", 1}}).body, R"({"a":1})");

  using namespace std::chrono;
  const auto t = sys_days{year{2025} / 4 / 30} + hours(16) + minutes(44) + seconds(13) + microseconds(123456);
  EXPECT_EQ(kit::iso8601(t), "2025-04-30T16:44:13.123Z");
  EXPECT_EQ(kit::iso8601(t, 6), "2025-04-30T16:44:13.123456Z");
  EXPECT_EQ(kit::iso8601(t, 0), "2025-04-30T16:44:13Z");
  EXPECT_EQ(kit::iso8601(system_clock::time_point{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(kit::epoch_millis(system_clock::time_point{} + milliseconds(1500)), "1500");
  EXPECT_EQ(kit::delta_seconds(milliseconds(0)), "1");
  EXPECT_EQ(kit::delta_seconds(milliseconds(0), false), "0");
  EXPECT_EQ(kit::delta_seconds(milliseconds(1001)), "2");
}

TEST(SimulatorKitRecords, UniqueKeysFindAndPages) {
  kit::Records r;
  for (int i = 0; i < 5; ++i) {
    const std::string id = "p" + std::to_string(i);
    ASSERT_FALSE(r.taken("email", id + "@x.co"));
    r.claim("email", id + "@x.co");
    r.add(object{{"id", id}, {"group", i % 2 ? "odd" : "even"}});
  }
  EXPECT_TRUE(r.taken("email", "p3@x.co"));
  EXPECT_FALSE(r.taken("link", "p3@x.co"));  // keys are per scope
  r.release("email", "p3@x.co");
  EXPECT_FALSE(r.taken("email", "p3@x.co"));
  ASSERT_NE(r.find("id", "p2"), nullptr);
  EXPECT_EQ(r.find("id", "p9"), nullptr);
  EXPECT_EQ(r.where("group", "even").size(), 3u);

  auto first = kit::page_after(r.all(), 2, std::nullopt);
  ASSERT_EQ(first.data.size(), 2u);
  EXPECT_TRUE(first.has_more);
  auto last = kit::page_after(r.all(), 2, std::string("p3"));
  ASSERT_EQ(last.data.size(), 1u);
  EXPECT_EQ(last.data[0].at("id"), "p4");
  EXPECT_FALSE(last.has_more);
  EXPECT_TRUE(kit::page_after(r.all(), 2, std::string("nobody")).data.empty());
  r.clear();
  EXPECT_EQ(r.size(), 0u);
  EXPECT_FALSE(r.taken("email", "p0@x.co"));

  kit::IdGenerator a(42), b(42);
  EXPECT_EQ(a.alnum(12), b.alnum(12));
  const std::string lower = a.alnum(200, true);
  EXPECT_EQ(lower.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz"), std::string::npos);
}

// What a simulator gets without writing it: no rate-limit headers, the edge's 413 and 5xx pages.
TEST(SimulatorKitDefaults, VendorSimulatorAnswersTheEdgesPages) {
  struct Minimal final : partnerkit::sandbox::VendorSimulator {
    Minimal() : VendorSimulator({{"k", false}}, {}) {}
    std::string_view name() const noexcept override { return "minimal"; }
    RouteMatch match(std::string_view, std::string_view) const override { return RouteMatch::ok; }
    std::optional<partnerkit::HttpResponse> authenticate(const HttpRequest&,
                                                         partnerkit::sandbox::KeyIdentity&) const override {
      return std::nullopt;
    }
    partnerkit::HttpResponse apply(const HttpRequest&, std::string_view,
                                   const partnerkit::sandbox::KeyIdentity&) override {
      return kit::empty_response(204);
    }
    partnerkit::HttpResponse rate_limited(const partnerkit::sandbox::TokenBucket::Decision&,
                                          time_point) const override {
      return kit::empty_response(429);
    }
    boost::json::array partners() const override { return {}; }
    std::size_t partner_count() const override { return 0; }
    void clear() override {}
  } sim;
  partnerkit::HttpResponse r = kit::empty_response(200);
  sim.add_rate_limit_headers(r, {}, {});
  EXPECT_TRUE(r.headers.empty());
  EXPECT_EQ(sim.server_error(500).body, R"({"error":"Internal Server Error"})");
  auto gateway = sim.server_error(502);
  EXPECT_EQ(gateway.header("Content-Type"), "text/html");
  EXPECT_NE(gateway.body.find("<h1>502 Bad Gateway</h1>"), std::string::npos);
  auto too_large = sim.payload_too_large(1024);
  EXPECT_EQ(too_large.status, 413);
  EXPECT_NE(too_large.body.find("413 Request Entity Too Large"), std::string::npos);
}
