#include <partnerkit/sandbox/core.hpp>

#include <gtest/gtest.h>

#include "test_names.hpp"
#include "test_util.hpp"

using namespace std::chrono_literals;

namespace {

const std::string dub_auth = "Bearer sk_test_dub";
const std::string partnero_auth = "Bearer pk_test_partnero";
const std::string jb_auth = "Bearer jb_test_journeybee";

partnerkit::HttpRequest dub_create(const std::string& email, const std::string& auth = dub_auth) {
  return post("/partners", object{{"email", email}}, auth);
}

SandboxConfig with_clock(const sbtest::FakeClock& clock) {
  SandboxConfig c;
  c.clock = clock.fn();
  return c;
}

long long epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

TEST(SandboxCore, RoutesEachVendor) {
  SandboxCore core;
  EXPECT_EQ(core.handle(dub_create("a@b.co")).response.status, 201);
  EXPECT_EQ(core.handle(post("/v1/partners", object{{"email", "a@b.co"}}, partnero_auth)).response.status,
            201);
  EXPECT_EQ(
      core.handle(post("/v1/partners:invite", object{{"email", "i@b.co"}, {"name", "I"}}, partnero_auth))
          .response.status,
      201);
  object jb{{"name", "Co"}, {"emails", array{object{{"email", "a@co.com"}}}}, {"partnerType", "reseller"}};
  EXPECT_EQ(core.handle(post("/api/v1/partnerships", jb, jb_auth)).response.status, 201);
  auto o = core.handle(post("/nowhere", object{}, dub_auth));
  EXPECT_EQ(o.response.status, 404);
  EXPECT_TRUE(o.vendor.empty());
  auto get = dub_create("x@b.co");
  get.method = "PUT";
  auto m = core.handle(get);
  EXPECT_EQ(m.response.status, 405);
  EXPECT_EQ(m.response.header("Allow"), "POST");
  EXPECT_EQ(core.vendor("dub").partner_count(), 1u);
  EXPECT_EQ(core.api_key("partnero"), "pk_test_partnero");
  EXPECT_THROW(core.vendor("tolt"), std::out_of_range);
}

TEST(SandboxCore, StateEndpointLoopbackOnly) {
  SandboxCore core;
  ASSERT_EQ(core.handle(dub_create("a@b.co")).response.status, 201);
  core.handle(dub_create("a@b.co", "Bearer stolen_live_key"));
  partnerkit::HttpRequest get;
  get.method = "GET";
  get.url = "/__sandbox/state";
  auto remote = core.handle(get, RequestContext{.peer_is_loopback = false});
  EXPECT_EQ(remote.response.status, 403);
  auto local = core.handle(get);
  ASSERT_EQ(local.response.status, 200);
  auto s = body_of(local.response);
  EXPECT_EQ(s.at("vendors").at("dub").at("partners").as_array().size(), 1u);
  EXPECT_EQ(s.at("vendors").at("dub").at("counters").at("sk_test_dub").at("requests"), 1);
  EXPECT_EQ(s.at("vendors").at("dub").at("counters").at("(unknown)").at("answered").at("4xx"), 1);
  EXPECT_EQ(local.response.body.find("stolen_live_key"), std::string::npos);
  EXPECT_TRUE(s.at("vendors").as_object().contains("partnero"));
  EXPECT_TRUE(s.at("vendors").as_object().contains("journeybee"));
  get.url = "/__sandbox/state?partners=false";
  auto light = body_of(core.handle(get).response);
  EXPECT_EQ(light.at("vendors").at("dub").at("partner_count"), 1);
  EXPECT_FALSE(light.at("vendors").at("dub").as_object().contains("partners"));
  get.method = "DELETE";
  get.url = "/__sandbox/state";
  EXPECT_EQ(core.handle(get).response.status, 204);
  EXPECT_EQ(core.vendor("dub").partner_count(), 0u);
  EXPECT_EQ(core.counters("dub", "sk_test_dub").requests, 0u);
}

TEST(SandboxCore, DubRateLimitInEpochMilliseconds) {
  sbtest::FakeClock clock;
  auto config = with_clock(clock);
  config.rate_limit = {2, 2};
  SandboxCore core(config);
  auto first = core.handle(dub_create("a@b.co"));
  EXPECT_EQ(first.response.status, 201);
  EXPECT_EQ(first.response.header("X-RateLimit-Limit"), "");  // a Dub 201 carries none
  auto err = core.handle(post("/partners", std::string("{bad"), dub_auth));
  EXPECT_EQ(err.response.status, 400);
  EXPECT_EQ(err.response.header("X-RateLimit-Limit"), "120");  // error answers do, per minute as Dub
  EXPECT_EQ(err.response.header("X-RateLimit-Remaining"), "0");
  auto limited = core.handle(dub_create("c@b.co"));
  ASSERT_EQ(limited.response.status, 429);
  EXPECT_EQ(body_of(limited.response).at("error").at("code"), "rate_limit_exceeded");
  const auto expected = std::to_string(epoch_ms(*clock.now + 500ms));
  EXPECT_EQ(limited.response.header("Retry-After"), expected);
  EXPECT_EQ(limited.response.header("X-RateLimit-Reset"), expected);
  EXPECT_EQ(limited.response.header("X-RateLimit-Remaining"), "0");
  EXPECT_EQ(core.vendor("dub").partner_count(), 1u);  // not applied
  // Other keys have their own bucket; the read-only key is limited separately.
  EXPECT_EQ(core.handle(dub_create("c@b.co", "Bearer sk_test_dub_readonly")).response.status, 403);
  clock.advance(500ms);
  EXPECT_EQ(core.handle(dub_create("c@b.co")).response.status, 201);
  auto c = core.counters("dub", "sk_test_dub");
  EXPECT_EQ(c.requests, 4u);
  EXPECT_EQ(c.rate_limited, 1u);
  EXPECT_EQ(c.answered_2xx, 2u);
  EXPECT_EQ(c.answered_4xx, 2u);
  // Unauthenticated requests do not spend tokens.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(core.handle(dub_create("z@b.co", "Bearer bad")).response.status, 401);
}

TEST(SandboxCore, OthersRateLimitInDeltaSeconds) {
  sbtest::FakeClock clock;
  auto config = with_clock(clock);
  config.rate_limit = {100, 0};
  config.vendor_rate_limits["partnero"] = {0.5, 1};
  SandboxCore core(config);
  auto ok = core.handle(post("/v1/partners", object{{"email", "a@b.co"}}, partnero_auth));
  EXPECT_EQ(ok.response.status, 201);
  EXPECT_EQ(ok.response.header("X-RateLimit-Limit"), "1");
  EXPECT_EQ(ok.response.header("X-RateLimit-Remaining"), "0");
  EXPECT_EQ(ok.response.header("X-RateLimit-Reset"), "2");
  auto limited = core.handle(post("/v1/partners", object{{"email", "b@b.co"}}, partnero_auth));
  ASSERT_EQ(limited.response.status, 429);
  EXPECT_EQ(limited.response.header("Retry-After"), "2");
  EXPECT_EQ(body_of(limited.response).at("message"), "Too Many Attempts.");

  config.vendor_rate_limits.clear();
  config.rate_limit = {1, 1};
  SandboxCore jb(config);
  object body{{"name", "Co"}, {"emails", array{object{{"email", "a@co.com"}}}}, {"partnerType", "referral"}};
  EXPECT_EQ(jb.handle(post("/api/v1/partnerships", body, jb_auth)).response.status, 201);
  auto jl = jb.handle(post("/api/v1/partnerships", body, jb_auth));
  EXPECT_EQ(jl.response.status, 429);
  EXPECT_EQ(jl.response.header("Retry-After"), "1");
  EXPECT_TRUE(body_of(jl.response).at("error").is_string());
}

TEST(SandboxCore, FaultsAreDecidedAndCounted) {
  struct Case {
    const char* spec;
    Action action;
    bool applied;
  } cases[] = {
      {"reset=1", Action::reset, false},           {"apply-then-drop=1", Action::drop, true},
      {"truncate=1", Action::truncate, true},      {"stall=1", Action::stall, false},
      {"5xx=1", Action::respond, false},           {"early-hints=1", Action::respond, true},
      {"apply-then-5xx=1", Action::respond, true},
  };
  for (const auto& c : cases) {
    SandboxConfig config;
    config.faults = parse_fault_spec(std::string(c.spec) + ",latency=15ms");
    SandboxCore core(config);
    auto o = core.handle(dub_create("a@b.co"));
    EXPECT_EQ(o.action, c.action) << c.spec;
    EXPECT_EQ(o.delay, 15ms);
    EXPECT_EQ(core.vendor("dub").partner_count(), c.applied ? 1u : 0u) << c.spec;
    if (c.action == Action::truncate) {
      EXPECT_EQ(o.response.status, 201);
    }
    if (std::string(c.spec) == "early-hints=1") {
      EXPECT_TRUE(o.early_hints);
      EXPECT_EQ(o.response.status, 201);
    }
    if (std::string(c.spec) == "apply-then-5xx=1") {
      // Stored, and yet the answer is a gateway error: the client cannot tell it was applied.
      EXPECT_TRUE(o.response.status == 502 || o.response.status == 503 || o.response.status == 504);
      EXPECT_EQ(o.fault, FaultKind::apply_then_5xx);
      EXPECT_FALSE(o.early_hints);
    }
    if (std::string(c.spec) == "5xx=1") {
      EXPECT_TRUE(o.response.status == 500 || o.response.status == 502 || o.response.status == 503);
      EXPECT_EQ(o.fault, FaultKind::server_error);
    }
    auto counters = core.counters("dub", "sk_test_dub");
    EXPECT_EQ(counters.requests, 1u);
    EXPECT_EQ(counters.faults.at(std::string(to_string(o.fault))), 1u) << c.spec;
    // Requests refused before the rate limit draw no fault.
    auto unauth = core.handle(dub_create("a@b.co", ""));
    EXPECT_EQ(unauth.action, Action::respond);
    EXPECT_EQ(unauth.response.status, 401);
  }
}

TEST(SandboxCore, SameSeedSameRun) {
  auto run = [](std::uint64_t seed) {
    SandboxConfig config;
    config.seed = seed;
    config.faults = parse_fault_spec("5xx=0.3,reset=0.2");
    SandboxCore core(config);
    std::string trace;
    for (int i = 0; i < 60; ++i) {
      auto o = core.handle(dub_create("p" + std::to_string(i) + "@b.co"));
      trace += std::to_string(static_cast<int>(o.action)) + ":" + std::to_string(o.response.status) + ",";
    }
    for (const auto& p : core.vendor("dub").partners()) trace += std::string(p.at("id").as_string());
    return trace;
  };
  EXPECT_EQ(run(99), run(99));
  EXPECT_NE(run(99), run(100));
}

TEST(SandboxCore, OversizedBody) {
  SandboxCore core;
  auto o = core.handle(post("/partners", std::string(), dub_auth), RequestContext{.body_too_large = true});
  EXPECT_EQ(o.response.status, 413);
  EXPECT_TRUE(o.close);
  EXPECT_EQ(core.counters("dub", "sk_test_dub").answered_4xx, 1u);
}

namespace {

// A plugin vendor's simulator, as a plugin would register it: POST /acme/partners, any body.
class AcmeSimulator final : public VendorSimulator {
 public:
  AcmeSimulator(Clock clock) : VendorSimulator({{"acme_key", false}}, std::move(clock)) {}
  std::string_view name() const noexcept override { return "acme"; }
  RouteMatch match(std::string_view method, std::string_view path) const override {
    if (path != "/acme/partners") return RouteMatch::none;
    return method == "POST" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  }
  std::optional<partnerkit::HttpResponse> authenticate(const partnerkit::HttpRequest& request,
                                                       KeyIdentity& identity) const override {
    auto h = request.header("Authorization");
    identity = identify(h.starts_with("Bearer ") ? h.substr(7) : std::string_view{});
    if (identity.known) return std::nullopt;
    return partnerkit::HttpResponse{401, {}, "{}"};
  }
  partnerkit::HttpResponse apply(const partnerkit::HttpRequest&, std::string_view,
                                 const KeyIdentity&) override {
    ++count_;
    return {201, {{"Content-Type", "application/json"}}, R"({"ok":true})"};
  }
  partnerkit::HttpResponse rate_limited(const TokenBucket::Decision&, time_point) const override {
    return {429, {{"Retry-After", "1"}}, "{}"};
  }
  void add_rate_limit_headers(partnerkit::HttpResponse&, const TokenBucket::Decision&,
                              time_point) const override {}
  partnerkit::HttpResponse server_error(int status) const override { return {status, {}, "{}"}; }
  partnerkit::HttpResponse payload_too_large(std::size_t) const override { return {413, {}, "{}"}; }
  boost::json::array partners() const override { return boost::json::array(count_, boost::json::object{}); }
  std::size_t partner_count() const override { return count_; }
  void clear() override { count_ = 0; }

 private:
  std::size_t count_ = 0;
};

}  // namespace

TEST(SandboxCore, ServesPluginSimulatorsWithLimitsFaultsAndState) {
  sbtest::FakeClock clock;
  auto config = with_clock(clock);
  config.rate_limit = {1, 1};
  bool got_clock = false;
  config.plugin_simulators.push_back(
      partnerkit::PluginSimulator{"acme",
                                  [&](const partnerkit::SimulatorParams& p) {
                                    got_clock = p.clock && p.clock() == *clock.now && p.seed == 1;
                                    return std::make_unique<AcmeSimulator>(p.clock);
                                  },
                                  object{{"program_id", "prg_1"}}});
  SandboxCore core(config);
  EXPECT_TRUE(got_clock);
  EXPECT_EQ(core.vendor_names(), (std::vector<std::string>{"dub", "partnero", "journeybee", "acme"}));
  EXPECT_EQ(core.api_key("acme"), "acme_key");
  EXPECT_EQ(core.client_settings("acme"), (object{{"program_id", "prg_1"}}));
  EXPECT_TRUE(core.client_settings("dub").empty());
  auto created = core.handle(post("/acme/partners", std::string("{}"), "Bearer acme_key"));
  EXPECT_EQ(created.response.status, 201);
  EXPECT_EQ(created.vendor, "acme");
  EXPECT_EQ(core.handle(post("/acme/partners", std::string("{}"), "Bearer acme_key")).response.status, 429);
  EXPECT_EQ(core.handle(dub_create("a@b.co")).response.status, 201);  // built-ins unaffected
  auto s = core.state();
  EXPECT_EQ(s.at("vendors").at("acme").at("partners").as_array().size(), 1u);
  EXPECT_EQ(s.at("vendors").at("acme").at("counters").at("acme_key").at("rate_limited"), 1);

  SandboxConfig clash;
  clash.plugin_simulators.push_back(
      {"dub",
       [](const partnerkit::SimulatorParams& p) { return std::make_unique<AcmeSimulator>(p.clock); },
       {}});
  clash.plugin_simulators.push_back(
      {"acme",
       [](const partnerkit::SimulatorParams& p) { return std::make_unique<AcmeSimulator>(p.clock); },
       {}});
  EXPECT_THROW(SandboxCore{clash}, std::invalid_argument);
  SandboxConfig null_factory;
  null_factory.plugin_simulators.push_back({"x", nullptr, {}});
  EXPECT_THROW(SandboxCore{null_factory}, std::invalid_argument);
}

TEST(SandboxCore, EchoFaultReflectsTheRequestWithoutApplyingIt) {
  SandboxConfig c;
  c.faults.echo = 1.0;
  SandboxCore core(c);
  auto out = core.handle(
      post("/v1/partners", object{{"email", "a@b.co"}, {"password", "Hunter2Secret9"}}, partnero_auth));
  EXPECT_EQ(out.response.status, 422);
  EXPECT_EQ(out.fault, FaultKind::echo);
  const std::string& body = out.response.body;
  EXPECT_NE(body.find("The password Hunter2Secret9 has appeared in a data leak."), std::string::npos) << body;
  EXPECT_NE(body.find("pk_test_partnero"), std::string::npos) << "Authorization is reflected";
  EXPECT_EQ(out.response.header("X-Echo-Authorization"), partnero_auth);
  EXPECT_NE(body.find("&quot;password&quot;"), std::string::npos) << "an HTML-escaped copy";
  EXPECT_NE(body.find("password=Hunter2Secret9"), std::string::npos) << "a URL-encoded copy";
  EXPECT_EQ(core.state().at("vendors").at("partnero").at("partners").as_array().size(), 0u);
}
