// End-to-end tests start from this: the sandbox on 127.0.0.1 with its generated CA, a BeastTransport
// that trusts only that CA (verification on), and a Client over the built-in adapters, run on a
// thread of its own. Millisecond backoff, no clock skew (same machine), one request per second at most
// stated per vendor unless the options say otherwise.
#pragma once

#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/beast_transport.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/sandbox/sandbox.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace partnerkit::test {

struct SandboxHarness {
  sandbox::Sandbox sim;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(io);
  std::thread thread;
  std::shared_ptr<BeastTransport> transport;
  std::unique_ptr<Client> client;

  explicit SandboxHarness(sandbox::SandboxOptions so = {}, ClientOptions co = {}, TransportOptions to = {},
                          bool trust_sandbox = true)
      : sim(std::move(so)) {
    using namespace std::chrono_literals;
    if (trust_sandbox) to.ca_pem = sim.ca_pem();
    to.use_default_verify_paths = false;
    transport = std::make_shared<BeastTransport>(io.get_executor(), to);
    co.backoff = BackoffPolicy{1ms, 10ms, 2.0};
    co.clock_skew = 0s;  // same machine, same clock: createdAt tells created from existing exactly
    for (const char* v : {"dub", "partnero", "journeybee"}) {
      VendorOptions vo;
      vo.config = sim.vendor_config(v);
      vo.rate_limit = RateLimit{0, 1};
      co.vendors.emplace(v, std::move(vo));
    }
    client = std::make_unique<Client>(io.get_executor(), make_default_registry(), transport, co);
    thread = std::thread([this] { io.run(); });
  }
  ~SandboxHarness() {
    client.reset();
    work.reset();
    transport.reset();
    io.stop();
    thread.join();
  }

  Result<Partner> provision(const std::string& vendor, PartnerSpec s) {
    return client->provision(vendor, std::move(s));
  }
  // Replaces the client by one with another key for `vendor`.
  void set_key(const std::string& vendor, const std::string& key) {
    ClientOptions co = client->options();
    co.vendors[vendor].config.api_key = key;
    client = std::make_unique<Client>(io.get_executor(), make_default_registry(), transport, co);
  }
  // The requests the sandbox answered for `vendor`, every route counted.
  std::uint64_t requests(const std::string& vendor) {
    std::uint64_t n = 0;
    const boost::json::object state = sim.state();
    const auto& counters = state.at("vendors").at(vendor).at("counters").as_object();
    for (const auto& kv : counters) n += kv.value().at("requests").to_number<std::uint64_t>();
    return n;
  }
};

}  // namespace partnerkit::test
