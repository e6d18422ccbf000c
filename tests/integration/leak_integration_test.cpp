// The leak corpus end to end: Client -> BeastTransport -> the sandbox with the "echo" fault (a
// hostile vendor reflecting the whole request, Authorization included, in every shape) over real
// TLS. No secret of the operation may reach the result, the error or a hook.
#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/beast_transport.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/sandbox/sandbox.hpp>
#include <partnerkit/secrets.hpp>
#include <partnerkit/testing/adapter_conformance.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

using namespace std::chrono_literals;
namespace pk = partnerkit;
namespace asio = boost::asio;

namespace {

const std::string password = "Hunter2Secret9";
const std::string client_secret = "cs-IntegrationCanary-7a7a";
const std::string numeric_secret = "76543210";

TEST(LeakIntegration, AnEchoingVendorLeaksNothingThroughTheClient) {
  pk::sandbox::SandboxOptions so;
  so.config.faults.echo = 1.0;
  pk::sandbox::Sandbox sim(so);

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  pk::TransportOptions to;
  to.ca_pem = sim.ca_pem();
  to.use_default_verify_paths = false;
  auto transport = std::make_shared<pk::BeastTransport>(io.get_executor(), to);
  pk::ClientOptions co;
  co.retry = pk::RetryPolicy{1, 10s};
  std::mutex mutex;
  std::vector<std::string> hook_text;
  co.hooks.before_send = [&](const pk::HttpRequest& r) {
    std::lock_guard lock(mutex);
    hook_text.push_back(pk::testing::detail::describe(r));
  };
  co.hooks.after_response = [&](const pk::HttpRequest&, const pk::HttpResponse& r,
                                std::chrono::microseconds) {
    std::string text = r.body;
    for (const auto& [k, v] : r.headers) text += "\n" + k + ": " + v;
    std::lock_guard lock(mutex);
    hook_text.push_back(text);
  };
  std::vector<std::string> canaries{password, client_secret, numeric_secret};
  for (const char* v : {"dub", "partnero", "journeybee"}) {
    pk::VendorOptions vo;
    vo.config = sim.vendor_config(v);
    vo.rate_limit = pk::RateLimit{0, 1};
    canaries.push_back(vo.config.api_key);  // the sandbox's key is this operation's API key
    co.vendors.emplace(v, std::move(vo));
  }
  auto client = std::make_unique<pk::Client>(io.get_executor(), pk::make_default_registry(), transport, co);
  std::thread thread([&] { io.run(); });

  const pk::Scrubber known(canaries);
  for (const char* vendor : {"dub", "partnero", "journeybee"}) {
    SCOPED_TRACE(vendor);
    pk::PartnerSpec s;
    s.email = "ana@example.com";
    s.name = "Ana Lopez";
    s.company = "Lopez GmbH";
    s.password = password;
    s.vendor_overrides[vendor] = boost::json::parse(R"({"client_secret":")" + client_secret +
                                                    R"(","Password":)" + numeric_secret + "}")
                                     .as_object();
    pk::Result<pk::Partner> r = client->provision(vendor, s);
    ASSERT_FALSE(r) << "the echo fault answers 422";
    EXPECT_EQ(r.error().http_status, 422);
    bool scrubbed_something = false;
    for (const auto& [where, text] : pk::testing::detail::result_strings(r)) {
      scrubbed_something = scrubbed_something || text.find("REDACTED") != std::string::npos;
      for (const auto& c : canaries)
        EXPECT_FALSE(pk::testing::detail::holds_canary(text, c, known)) << where << " leaks a secret";
    }
    EXPECT_TRUE(scrubbed_something) << "the sandbox echoed nothing that needed scrubbing";
  }
  {
    std::lock_guard lock(mutex);
    EXPECT_GE(hook_text.size(), 6u);
    for (const auto& text : hook_text)
      for (const auto& c : canaries)
        EXPECT_FALSE(pk::testing::detail::holds_canary(text, c, known)) << "a hook argument leaks a secret";
  }
  client.reset();
  work.reset();
  transport.reset();
  io.stop();
  thread.join();
}

}  // namespace
