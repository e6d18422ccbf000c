// partnerkit worker: works the PostgreSQL queue (pg/worker.hpp), with /metrics and /healthz on a
// loopback port. The body, built into partnerkit-pg only (its options and help: pg_commands.cpp).
#include "pg_commands.hpp"

#ifdef PARTNERKIT_HAS_PG

#include <partnerkit/beast_transport.hpp>
#include <partnerkit/pg/worker.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

extern char** environ;

namespace partnerkit::cli {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Whether the environment holds any key for the vendor (<VENDOR>_API_KEY or a tenant's).
bool has_any_key(const std::string& vendor) {
  const std::string name = api_key_variable(vendor);
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with(name + "=") && kv.size() > name.size() + 1) return true;
    if (kv.starts_with(name + "_")) return true;
  }
  return false;
}

// ---- /metrics and /healthz: one small request per connection, capped, then close ----
constexpr std::size_t max_request_bytes = 4096;

asio::awaitable<void> serve_one(tcp::socket socket, pg::Worker& worker) {
  asio::steady_timer deadline(socket.get_executor());
  deadline.expires_after(std::chrono::seconds(5));
  deadline.async_wait([&socket](boost::system::error_code ec) {
    if (!ec) socket.close();
  });
  asio::streambuf buf(max_request_bytes);
  auto [ec, n] =
      co_await asio::async_read_until(socket, buf, "\r\n\r\n", asio::as_tuple(asio::use_awaitable));
  std::string status = "200 OK", body, type = "text/plain; charset=utf-8";
  if (ec) {
    status = "400 Bad Request";
    body = "bad request\n";
  } else {
    std::string line(asio::buffers_begin(buf.data()),
                     asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n));
    line = line.substr(0, line.find("\r\n"));
    auto m = worker.metrics();
    if (line.starts_with("GET /metrics ")) {
      body = m.prometheus();
      type = "text/plain; version=0.0.4; charset=utf-8";
    } else if (line.starts_with("GET /healthz ")) {
      if (!m.healthy) status = "503 Service Unavailable";
      body = m.healthy ? (m.draining ? "draining\n" : "ok\n") : "database unavailable\n";
    } else {
      status = "404 Not Found";
      body = "not found: GET /metrics or /healthz\n";
    }
  }
  std::string response = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                         "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n\r\n" + body;
  co_await asio::async_write(socket, asio::buffer(response), asio::as_tuple(asio::use_awaitable));
  deadline.cancel();
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> serve_metrics(tcp::acceptor& acceptor, pg::Worker& worker) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(), serve_one(std::move(socket), worker), asio::detached);
  }
}

int run_worker(const ParsedArgs& p) {
  std::string url;
  if (auto v = p.value("--database"))
    url = *v;
  else if (const char* env = std::getenv("PARTNERKIT_DATABASE_URL"); env != nullptr && *env != '\0')
    url = env;
  else
    throw UsageError("missing --database URL (or PARTNERKIT_DATABASE_URL)");
  if (!p.has("--vendor")) throw UsageError("missing --vendor");
  auto reg = registry();
  auto vendors = setup_vendors(*reg, vendor_args(p));
  const RateArgs rates = parse_rates(p.values("--rate"));
  check_proxy_environment();

  pg::WorkerOptions wo;
  for (auto& v : vendors) {
    if (!has_any_key(v.name))
      throw UsageError("no API key for " + v.name + ": set " + api_key_variable(v.name) + " (or " +
                       api_key_variable(v.name) + "_<TENANT>)");
    pg::WorkerVendor wv;
    wv.name = v.name;
    wv.config = v.config;
    wv.config.api_key.clear();
    wv.declared = declared_rate_limit(v.adapter->capabilities());
    wv.rate_is_explicit = true;
    if (auto it = rates.per_vendor.find(v.name); it != rates.per_vendor.end())
      wv.rate = it->second;
    else if (rates.all)
      wv.rate = *rates.all;
    else
      wv.rate = wv.declared, wv.rate_is_explicit = false;
    wo.vendors.push_back(std::move(wv));
  }
  for (const auto& [vendor, rate] : rates.per_vendor)
    if (std::none_of(vendors.begin(), vendors.end(), [&](const VendorSetup& s) { return s.name == vendor; }))
      throw UsageError("--rate names vendor '" + vendor + "', which --vendor does not");
  wo.concurrency = static_cast<int>(
      parse_number("--concurrency", p.value("--concurrency").value_or("256"), 1, 100000, true));
  wo.batch = static_cast<int>(parse_number("--batch", p.value("--batch").value_or("100"), 1, 10000, true));
  wo.lease = parse_seconds("--lease", p.value("--lease").value_or("30"));
  if (wo.lease < std::chrono::milliseconds(300)) throw UsageError("--lease: at least 0.3 seconds");
  wo.poll = parse_seconds("--poll", p.value("--poll").value_or("0.5"));
  wo.max_attempts = static_cast<int>(
      parse_number("--max-attempts", p.value("--max-attempts").value_or("15"), 1, 1000, true));
  wo.keep_raw = p.has("--keep-raw");
  wo.owner = p.value("--owner").value_or("");
  std::optional<unsigned short> metrics_port;
  if (auto mp = p.value("--metrics-port"))
    metrics_port = static_cast<unsigned short>(parse_number("--metrics-port", *mp, 0, 65535, true));
  wo.log = [](std::string_view line) { std::cerr << "worker: " << cli_scrubbed(line) << std::endl; };

  TransportOptions topts;
  if (auto ca = p.value("--ca-file")) topts.ca_file = *ca;
  topts.request_timeout = parse_seconds("--request-timeout", p.value("--request-timeout").value_or("30"));
  wo.call_timeout = topts.request_timeout + topts.connect_timeout;
  topts.single_threaded = true;  // io.run() below is the only thread: no strand per connection

  asio::io_context io(1);
  std::shared_ptr<BeastTransport> transport;
  try {
    transport = std::make_shared<BeastTransport>(io.get_executor(), topts);
  } catch (const std::exception& e) {
    throw UsageError(std::string("cannot set up TLS: ") + e.what());
  }
  std::string served;
  for (auto& v : wo.vendors) {
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.4g/s", v.rate.requests_per_second());
    served +=
        (served.empty() ? "" : ", ") + v.name + " (" +
        (v.rate.requests_per_second() > 0 ? std::string(rate) : std::string("no limit")) +
        (v.rate_is_explicit || v.rate.requests_per_second() <= 0 ? "" : " declared: probing, learning") + ")";
  }
  pg::Worker worker(io.get_executor(), url, reg, transport, wo);

  std::optional<tcp::acceptor> acceptor;
  if (metrics_port) {
    try {
      acceptor.emplace(io, tcp::endpoint(asio::ip::address_v4::loopback(), *metrics_port));
    } catch (const std::exception& e) {
      throw UsageError("--metrics-port " + std::to_string(*metrics_port) + ": " + e.what());
    }
    std::cerr << "worker: metrics on http://127.0.0.1:" << acceptor->local_endpoint().port()
              << "/metrics and /healthz" << std::endl;
    asio::co_spawn(io, serve_metrics(*acceptor, worker), asio::detached);
  }
  std::cerr << "worker " << worker.owner() << ": serving " << served << std::endl;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    worker.stop();
  });
  std::optional<Result<void>> result;
  asio::co_spawn(io, worker.run(), [&](std::exception_ptr ep, Result<void> r) {
    if (ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        r = Error::make(errc::internal, std::string("worker: ") + e.what());
      }
    }
    result = std::move(r);
    signals.cancel();
    if (acceptor) acceptor->close();
    transport.reset();
  });
  io.run();
  auto m = worker.metrics();
  if (!result || !*result) {
    std::cerr << "partnerkit worker: " << cli_scrubbed(result ? result->error().message : "did not finish")
              << "\n";
    return exit_failed;
  }
  std::uint64_t requests = 0;
  for (auto& [v, vm] : m.vendors) requests += vm.requests;
  std::cerr << "worker " << worker.owner() << ": drained; " << m.claimed << " claimed, " << requests
            << " requests, " << m.completed << " completed, " << m.fenced << " refused by the fence, "
            << m.leases_rescued << " leases rescued, " << m.db_round_trips << " database calls\n";
  return exit_ok;
}

}  // namespace

int worker_main(const ParsedArgs& args) { return run_worker(args); }

}  // namespace partnerkit::cli

#endif  // PARTNERKIT_HAS_PG
