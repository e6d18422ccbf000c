// Transport benchmark: N Dub-shaped POSTs (default 5,000), C in flight (default 64), through
// BeastTransport against a local TLS server answering a Dub-shaped 201 (~1 KB, keep-alive) that
// echoes the email and tenantId it received (so the CLI's Dub adapter accepts it).
//
//   bench_transport                              server on its own thread + client in this process
//   bench_transport --serve-only PORT --ca-file F   just the server (for wrk), CA PEM written to F
//   bench_transport --url URL --ca-file F        just the client, against a server started as above
// Options: --requests N, --concurrency C, --client-threads T (default 1),
//          --resume-wait MS (TransportOptions::tls_resume_wait; absent: the library default).
// Prints requests/s, latency percentiles and the peak RSS (getrusage ru_maxrss).
#include <partnerkit/beast_transport.hpp>

#include "../support/dub_bench_201.hpp"
#include "test_tls_server.hpp"

#include <boost/asio/io_context.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace partnerkit;
using Clock = std::chrono::steady_clock;

// The value of a JSON string member in a flat, unescaped body ("" when absent): enough for the
// bodies the benchmark clients send.
std::string member(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  auto at = body.find(key);
  if (at == std::string::npos) return {};
  at += key.size();
  auto end = body.find('"', at);
  return end == std::string::npos ? std::string() : body.substr(at, end - at);
}

std::string request_body(int i) {
  return R"({"programId":"prog_bench","name":"Partner )" + std::to_string(i) + R"(","email":"partner)" +
         std::to_string(i) + R"(@example.com","username":"partner-)" + std::to_string(i) +
         R"(","tenantId":"crm-)" + std::to_string(i) + R"(","country":"US"})";
}

double thread_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;  // KiB on Linux
}

// Answers every request with a Dub-shaped 201 echoing the email and tenantId it received.
test::TestServer make_server(unsigned short port) {
  test::ServerOptions so;
  so.port = port;
  so.threads = 1;
  return test::TestServer(
      [](const test::ServerRequest& req) {
        test::ServerResponse res;
        res.status = 201;
        res.headers = {{"Content-Type", "application/json"}};
        const auto email = member(req.body, "email");
        res.body = email.empty() ? bench::dub_bench_201("partner@example.com", "crm-12345")
                                 : bench::dub_bench_201(email, member(req.body, "tenantId"));
        return res;
      },
      so);
}

struct Args {
  int requests = 5000;
  int concurrency = 64;
  int client_threads = 1;
  int resume_wait_ms = -1;  // -1: the library default
  int serve_port = -1;
  std::string url;
  std::string ca_file;
};

int run_client(const std::string& url, const std::string& ca_pem, const Args& args) {
  asio::io_context ioc;
  TransportOptions o;
  o.use_default_verify_paths = false;
  o.ca_pem = ca_pem;
  o.proxy_from_environment = false;
  o.max_connections_per_origin = static_cast<std::size_t>(args.concurrency);
  if (args.resume_wait_ms >= 0) o.tls_resume_wait = std::chrono::milliseconds(args.resume_wait_ms);
  BeastTransport transport(ioc.get_executor(), o);

  std::atomic<int> started{0}, ok{0}, failed{0};
  std::vector<double> latencies_us(static_cast<std::size_t>(args.requests));
  std::string first_error;
  std::mutex mu;

  struct Runner {
    BeastTransport& transport;
    const std::string& url;
    const Args& args;
    std::atomic<int>& started;
    std::atomic<int>& ok;
    std::atomic<int>& failed;
    std::vector<double>& latencies;
    std::string& first_error;
    std::mutex& mu;

    void next() {
      const int i = started.fetch_add(1);
      if (i >= args.requests) return;
      HttpRequest r;
      r.method = "POST";
      r.url = url;
      r.headers = {{"Authorization", "Bearer dub_bench_0000000000000000000000"},
                   {"Content-Type", "application/json"}};
      r.body = request_body(i);
      const auto t0 = Clock::now();
      transport.async_send(std::move(r), [this, i, t0](boost::system::error_code ec, SendResult res) {
        latencies[static_cast<std::size_t>(i)] =
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        if (!ec && res.response.status == 201) {
          ok.fetch_add(1);
        } else {
          failed.fetch_add(1);
          std::lock_guard lock(mu);
          if (first_error.empty())
            first_error = ec ? ec.message() : "status " + std::to_string(res.response.status);
        }
        next();
      });
    }
  };

  std::vector<Runner> runners;
  runners.reserve(static_cast<std::size_t>(args.concurrency));
  for (int c = 0; c < args.concurrency; ++c) {
    runners.push_back(Runner{transport, url, args, started, ok, failed, latencies_us, first_error, mu});
  }
  const auto t0 = Clock::now();
  const double cpu0 = thread_cpu_seconds();
  for (auto& r : runners) r.next();
  std::vector<std::thread> threads;
  for (int t = 1; t < args.client_threads; ++t) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = thread_cpu_seconds() - cpu0;

  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us[std::min(latencies_us.size() - 1,
                                 static_cast<std::size_t>(p * latencies_us.size()))] /
           1000;
  };
  const auto stats = transport.stats();
  std::printf(
      "partnerkit BeastTransport: %d requests, %d in flight, %d client thread(s), tls_resume_wait %d ms\n",
      args.requests, args.concurrency, args.client_threads,
      static_cast<int>(transport.options().tls_resume_wait.count()));
  std::printf("  ok %d, failed %d%s%s\n", ok.load(), failed.load(),
              first_error.empty() ? "" : ", first error: ", first_error.c_str());
  std::printf("  elapsed %.3f s, %.0f requests/s\n", seconds, args.requests / seconds);
  std::printf("  latency ms: p50 %.2f, p90 %.2f, p99 %.2f, max %.2f\n", pct(0.50), pct(0.90), pct(0.99),
              latencies_us.back() / 1000);
  std::printf("  connections opened %llu, reused %llu, TLS sessions resumed %llu\n",
              static_cast<unsigned long long>(stats.connections_opened),
              static_cast<unsigned long long>(stats.connections_reused),
              static_cast<unsigned long long>(stats.tls_sessions_resumed));
  if (args.client_threads == 1) {
    std::printf("  client CPU %.3f s (%.1f us/request, user+sys of the client thread)\n", cpu,
                cpu * 1e6 / args.requests);
  }
  std::printf("  peak RSS %.1f MiB\n", peak_rss_kib() / 1024.0);
  return failed.load() == 0 ? 0 : 1;
}

std::atomic<bool> stop_requested{false};

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--requests") {
      args.requests = std::stoi(value());
    } else if (a == "--concurrency") {
      args.concurrency = std::stoi(value());
    } else if (a == "--client-threads") {
      args.client_threads = std::stoi(value());
    } else if (a == "--resume-wait") {
      args.resume_wait_ms = std::stoi(value());
    } else if (a == "--serve-only") {
      args.serve_port = std::stoi(value());
    } else if (a == "--url") {
      args.url = value();
    } else if (a == "--ca-file") {
      args.ca_file = value();
    } else {
      std::fprintf(stderr,
                   "usage: %s [--requests N] [--concurrency C] [--client-threads T]\n"
                   "       %s --serve-only PORT --ca-file FILE\n"
                   "       %s --url URL --ca-file FILE [--requests N] [--concurrency C]\n",
                   argv[0], argv[0], argv[0]);
      return 2;
    }
  }
  if (args.requests <= 0 || args.concurrency <= 0 || args.client_threads <= 0) return 2;

  if (args.serve_port >= 0) {
    if (args.ca_file.empty()) {
      std::fprintf(stderr, "--serve-only needs --ca-file\n");
      return 2;
    }
    auto server = make_server(static_cast<unsigned short>(args.serve_port));
    const std::string tmp = args.ca_file + ".tmp";
    std::ofstream(tmp) << server.ca_pem();
    std::rename(tmp.c_str(), args.ca_file.c_str());
    std::printf("serving on https://127.0.0.1:%u (CA in %s)\n", server.port(), args.ca_file.c_str());
    std::fflush(stdout);
    std::signal(SIGINT, [](int) { stop_requested = true; });
    std::signal(SIGTERM, [](int) { stop_requested = true; });
    while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::printf("server: %zu connections, %zu requests\n", server.connections_accepted(), server.requests());
    return 0;
  }

  if (!args.url.empty()) {
    std::ifstream f(args.ca_file);
    std::stringstream ss;
    ss << f.rdbuf();
    if (ss.str().empty()) {
      std::fprintf(stderr, "--url needs --ca-file with the server's CA\n");
      return 2;
    }
    return run_client(args.url, ss.str(), args);
  }

  auto server = make_server(0);
  return run_client(server.url("/partners"), server.ca_pem(), args);
}
