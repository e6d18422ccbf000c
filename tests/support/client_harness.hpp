// What the Client and batch tests start from: an io_context, the scripted transport
// (partnerkit::testing::FakeTransport) and a registry, with ClientOptions for test vendors and helpers
// that run one operation to completion.
#pragma once

#include <partnerkit/client.hpp>
#include <partnerkit/testing/fake_transport.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace partnerkit::test {

// A spec with an email and a name (and an external id when given).
inline PartnerSpec sample_spec(std::string email = "ada@example.com",
                               std::optional<std::string> external_id = std::nullopt) {
  PartnerSpec s;
  s.email = std::move(email);
  s.name = "Ada Lovelace";
  s.external_id = std::move(external_id);
  return s;
}

struct ClientHarness : ::testing::Test {
  boost::asio::io_context io;
  std::shared_ptr<testing::FakeTransport> transport =
      std::make_shared<testing::FakeTransport>(io.get_executor());
  std::shared_ptr<AdapterRegistry> registry = std::make_shared<AdapterRegistry>();

  // Each vendor at base_url with api_key; millisecond backoff, 4 attempts in 10 s, seeded jitter.
  static ClientOptions options_for(const std::vector<std::string>& vendors,
                                   const std::string& base_url = "https://vendor.test",
                                   const std::string& api_key = "sk_secret_key") {
    using namespace std::chrono_literals;
    ClientOptions o;
    for (const auto& v : vendors) {
      VendorOptions vo;
      vo.config.base_url = base_url;
      vo.config.api_key = api_key;
      o.vendors.emplace(v, vo);
    }
    o.backoff = BackoffPolicy{1ms, 5ms, 2.0};
    o.retry = RetryPolicy{4, 10s};
    o.jitter_seed = 1;
    return o;
  }

  // Starts an operation with a handler, runs the io_context until it completes, returns its result.
  template <class R, class Start>
  R run_op(Start start) {
    std::optional<R> out;
    start([&](R r) { out = std::move(r); });
    io.run();
    io.restart();
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : R(Error::make(errc::protocol, "no completion"));
  }
  // run_op with the handler bound to a cancellation signal emitted (terminal) after `after`: for a
  // call whose reply hangs, so the cancellation is what completes it.
  template <class R, class Start>
  R run_cancelled(Start start, std::chrono::milliseconds after = std::chrono::milliseconds(20)) {
    boost::asio::cancellation_signal signal;
    boost::asio::steady_timer timer(io, after);
    timer.async_wait([&](auto) { signal.emit(boost::asio::cancellation_type::terminal); });
    return run_op<R>(
        [&](auto h) { start(boost::asio::bind_cancellation_slot(signal.slot(), std::move(h))); });
  }
  Result<Partner> provision(Client& c, std::string vendor, PartnerSpec s, ProvisionOptions po = {}) {
    return run_op<Result<Partner>>([&](auto h) { c.async_provision(vendor, s, po, h); });
  }
  Result<std::optional<Partner>> find(Client& c, std::string vendor, FindQuery q) {
    return run_op<Result<std::optional<Partner>>>([&](auto h) { c.async_find(vendor, q, h); });
  }
};

}  // namespace partnerkit::test
