// Real sockets, real TLS: a tiny synchronous Beast client against the Sandbox, verifying the
// sandbox's CA (verify_peer + host name verification) like every partnerkit client does.
#include <partnerkit/sandbox/certificate_authority.hpp>
#include <partnerkit/sandbox/sandbox.hpp>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace partnerkit::sandbox;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::json::object;

namespace {

class TlsClient {
 public:
  TlsClient(std::uint16_t port, const std::string& ca_pem, const std::string& verify_host = "127.0.0.1")
      : ctx_(ssl::context::tls_client), stream_(ioc_, ctx_) {
    ctx_.add_certificate_authority(net::buffer(ca_pem));
    stream_.set_verify_mode(ssl::verify_peer);
    stream_.set_verify_callback(ssl::host_name_verification(verify_host));
    boost::system::error_code ec;
    net::ip::make_address(verify_host, ec);
    if (ec) SSL_set_tlsext_host_name(stream_.native_handle(), verify_host.c_str());  // SNI for names only
    beast::get_lowest_layer(stream_).expires_after(5s);
    beast::get_lowest_layer(stream_).connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  boost::system::error_code handshake() {
    boost::system::error_code ec;
    beast::get_lowest_layer(stream_).expires_after(5s);
    stream_.async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
    run();
    return ec;
  }

  // Sends one request; returns the response or the error of reading it.
  std::pair<boost::system::error_code, http::response<http::string_body>> send(
      http::verb method, const std::string& target, const std::string& body, const std::string& key,
      std::chrono::milliseconds timeout = 5000ms) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!key.empty()) req.set(http::field::authorization, "Bearer " + key);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    // Async operations run to completion here: Beast's timeouts apply to async operations only.
    beast::get_lowest_layer(stream_).expires_after(timeout);
    boost::system::error_code ec;
    http::response<http::string_body> res;
    http::async_write(stream_, req, [&](boost::system::error_code e, std::size_t) {
      ec = e;
      if (!ec)
        http::async_read(stream_, buffer_, res, [&](boost::system::error_code e2, std::size_t) { ec = e2; });
    });
    run();
    return {ec, res};
  }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  ssl::context ctx_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

std::string json(const object& o) { return boost::json::serialize(o); }

SandboxOptions with_faults(const std::string& spec) {
  SandboxOptions o;
  o.config.faults = parse_fault_spec(spec);
  return o;
}

}  // namespace

TEST(SandboxServer, ServesEveryVendorOverVerifiedTlsWithKeepAlive) {
  Sandbox sb;
  ASSERT_NE(sb.port(), 0);
  EXPECT_EQ(sb.base_url("dub"), "https://127.0.0.1:" + std::to_string(sb.port()));
  EXPECT_EQ(sb.vendor_config("partnero").api_key, "pk_test_partnero");
  EXPECT_EQ(sb.vendor_config("journeybee").base_url, sb.base_url());
  TlsClient c(sb.port(), sb.ca_pem());
  ASSERT_FALSE(c.handshake());
  auto [ec1, dub] =
      c.send(http::verb::post, "/partners", json({{"email", "a@b.co"}, {"name", "A"}}), sb.api_key("dub"));
  ASSERT_FALSE(ec1) << ec1.message();
  EXPECT_EQ(dub.result_int(), 201);
  EXPECT_TRUE(dub.keep_alive());
  EXPECT_EQ(dub[http::field::server], "partnerkit-sandbox");
  // Same connection: Partnero, JourneyBee, then the state.
  auto [ec2, pn] =
      c.send(http::verb::post, "/v1/partners", json({{"email", "a@b.co"}}), sb.api_key("partnero"));
  ASSERT_FALSE(ec2);
  EXPECT_EQ(pn.result_int(), 201);
  auto [ec3, jb] = c.send(http::verb::post, "/api/v1/companies/7/partnerships",
                          json({{"name", "Co"},
                                {"emails", boost::json::array{object{{"email", "x@co.com"}}}},
                                {"partnerType", "referral"}}),
                          sb.api_key("journeybee"));
  ASSERT_FALSE(ec3);
  EXPECT_EQ(jb.result_int(), 201);
  auto [ec4, st] = c.send(http::verb::get, "/__sandbox/state", "", "");
  ASSERT_FALSE(ec4);
  ASSERT_EQ(st.result_int(), 200);
  auto state = boost::json::parse(st.body());
  for (const char* v : {"dub", "partnero", "journeybee"})
    EXPECT_EQ(state.at("vendors").at(v).at("partners").as_array().size(), 1u) << v;
  EXPECT_EQ(state, boost::json::value(sb.state()));
}

TEST(SandboxServer, CertificateIsVerifiedNotJustAccepted) {
  Sandbox sb;
  TlsClient by_name(sb.port(), sb.ca_pem(), "localhost");
  EXPECT_FALSE(by_name.handshake());
  TlsClient wrong_name(sb.port(), sb.ca_pem(), "wrong.example");
  EXPECT_TRUE(wrong_name.handshake());
  CertificateAuthority other;
  TlsClient wrong_ca(sb.port(), other.ca_cert_pem());
  EXPECT_TRUE(wrong_ca.handshake());
}

TEST(SandboxServer, ApplyThenDropStoresButNeverAnswers) {
  Sandbox sb(with_faults("apply-then-drop=1"));
  TlsClient c(sb.port(), sb.ca_pem());
  ASSERT_FALSE(c.handshake());
  auto [ec, res] = c.send(http::verb::post, "/partners", json({{"email", "drop@b.co"}}), "sk_test_dub");
  EXPECT_TRUE(ec);
  EXPECT_EQ(sb.core().vendor("dub").partner_count(), 1u);
  EXPECT_EQ(sb.core().counters("dub", "sk_test_dub").faults.at("apply-then-drop"), 1u);
  // The inspection endpoint is never faulted.
  TlsClient s(sb.port(), sb.ca_pem());
  ASSERT_FALSE(s.handshake());
  auto [sec, st] = s.send(http::verb::get, "/__sandbox/state", "", "");
  ASSERT_FALSE(sec);
  EXPECT_EQ(boost::json::parse(st.body()).at("vendors").at("dub").at("partners").at(0).at("email"),
            "drop@b.co");
}

TEST(SandboxServer, ResetAndTruncate) {
  {
    Sandbox sb(with_faults("reset=1"));
    TlsClient c(sb.port(), sb.ca_pem());
    ASSERT_FALSE(c.handshake());
    auto [ec, res] = c.send(http::verb::post, "/partners", json({{"email", "r@b.co"}}), "sk_test_dub");
    EXPECT_TRUE(ec);
    EXPECT_EQ(sb.core().vendor("dub").partner_count(), 0u);
  }
  {
    Sandbox sb(with_faults("truncate=1"));
    TlsClient c(sb.port(), sb.ca_pem());
    ASSERT_FALSE(c.handshake());
    auto [ec, res] = c.send(http::verb::post, "/partners", json({{"email", "t@b.co"}}), "sk_test_dub");
    EXPECT_TRUE(ec);
    EXPECT_EQ(sb.core().vendor("dub").partner_count(), 1u);
  }
}

TEST(SandboxServer, StallHoldsUntilTheClientGivesUpAndStopIsPrompt) {
  Sandbox sb(with_faults("stall=1"));
  TlsClient c(sb.port(), sb.ca_pem());
  ASSERT_FALSE(c.handshake());
  auto t0 = std::chrono::steady_clock::now();
  auto [ec, res] = c.send(http::verb::post, "/partners", json({{"email", "s@b.co"}}), "sk_test_dub", 300ms);
  EXPECT_EQ(ec, beast::error::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 290ms);
  EXPECT_EQ(sb.core().vendor("dub").partner_count(), 0u);
  TlsClient idle(sb.port(), sb.ca_pem());  // another held connection
  ASSERT_FALSE(idle.handshake());
  auto s0 = std::chrono::steady_clock::now();
  sb.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - s0, 1500ms);
}

TEST(SandboxServer, LatencyAndServerErrors) {
  Sandbox sb(with_faults("5xx=1,latency=60ms"));
  TlsClient c(sb.port(), sb.ca_pem());
  ASSERT_FALSE(c.handshake());
  auto t0 = std::chrono::steady_clock::now();
  auto [ec, res] = c.send(http::verb::post, "/partners", json({{"email", "e@b.co"}}), "sk_test_dub");
  ASSERT_FALSE(ec);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 60ms);
  EXPECT_TRUE(res.result_int() == 500 || res.result_int() == 502 || res.result_int() == 503);
  EXPECT_EQ(sb.core().vendor("dub").partner_count(), 0u);
}

TEST(SandboxServer, BodyCapIs413ThenClose) {
  SandboxOptions o;
  o.config.max_body_bytes = 1024;
  Sandbox sb(o);
  TlsClient c(sb.port(), sb.ca_pem());
  ASSERT_FALSE(c.handshake());
  auto [ec, res] =
      c.send(http::verb::post, "/partners",
             json({{"email", "a@b.co"}, {"description", std::string(2000, 'd')}}), "sk_test_dub");
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_FALSE(res.keep_alive());
}

TEST(SandboxServer, ManyConcurrentKeepAliveClients) {
  SandboxOptions o;
  o.threads = 2;
  Sandbox sb(o);
  constexpr int clients = 8, per_client = 50;
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      TlsClient c(sb.port(), sb.ca_pem());
      if (c.handshake()) return void(failed += per_client);
      for (int i = 0; i < per_client; ++i) {
        auto [ec, res] = c.send(
            http::verb::post, "/partners",
            json({{"email", "c" + std::to_string(t) + "_" + std::to_string(i) + "@b.co"}}), "sk_test_dub");
        (!ec && res.result_int() == 201) ? ++created : ++failed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created, clients * per_client);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(sb.core().vendor("dub").partner_count(), std::size_t(clients * per_client));
  EXPECT_EQ(sb.core().counters("dub", "sk_test_dub").answered_2xx, std::uint64_t(clients * per_client));
}

TEST(SandboxServer, RateLimitOverTheWire) {
  SandboxOptions o;
  o.config.rate_limit = {1, 1};
  Sandbox sb(o);
  TlsClient c(sb.port(), sb.ca_pem());
  ASSERT_FALSE(c.handshake());
  auto [e1, r1] = c.send(http::verb::post, "/partners", json({{"email", "a@b.co"}}), "sk_test_dub");
  auto [e2, r2] = c.send(http::verb::post, "/partners", json({{"email", "b@b.co"}}), "sk_test_dub");
  ASSERT_FALSE(e1);
  ASSERT_FALSE(e2);
  EXPECT_EQ(r1.result_int(), 201);
  ASSERT_EQ(r2.result_int(), 429);
  long long retry_at = std::stoll(std::string(r2["Retry-After"]));
  long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  EXPECT_GT(retry_at, now_ms - 100);  // epoch milliseconds, about a second ahead
  EXPECT_LT(retry_at, now_ms + 1100);
}

TEST(SandboxServer, WritesItsCa) {
  Sandbox sb;
  auto path = std::filesystem::temp_directory_path() / ("sandbox-ca-" + std::to_string(sb.port()) + ".pem");
  sb.write_ca(path.string());
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, sb.ca_pem());
  EXPECT_NE(text.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_THROW(sb.write_ca(path.string()), std::runtime_error) << "an existing file is never overwritten";
  std::filesystem::remove(path);
  EXPECT_THROW(sb.write_ca("/nonexistent-dir/x.pem"), std::runtime_error);
  // A symlink planted at the path (to a file of the victim's) is refused, not followed.
  auto target = std::filesystem::temp_directory_path() / ("sandbox-victim-" + std::to_string(sb.port()));
  std::ofstream(target) << "precious";
  auto link = std::filesystem::temp_directory_path() / ("sandbox-link-" + std::to_string(sb.port()) + ".pem");
  std::filesystem::create_symlink(target, link);
  EXPECT_THROW(sb.write_ca(link.string()), std::runtime_error);
  std::ifstream victim(target);
  std::string kept((std::istreambuf_iterator<char>(victim)), {});
  EXPECT_EQ(kept, "precious");
  std::filesystem::remove(link);
  std::filesystem::remove(target);
  // The private directory: mode 0700, a fresh unpredictable name each time.
  const std::string a = make_private_dir("pk-test-"), b = make_private_dir("pk-test-");
  EXPECT_NE(a, b);
  EXPECT_EQ(std::filesystem::status(a).permissions(), std::filesystem::perms::owner_all);
  std::filesystem::remove(a);
  std::filesystem::remove(b);
  SandboxOptions none;
  none.threads = 0;
  EXPECT_THROW(Sandbox{none}, std::invalid_argument);
}

TEST(SandboxServer, BusyPortIsAnError) {
  Sandbox first;
  SandboxOptions o;
  o.port = first.port();
  EXPECT_THROW(Sandbox{o}, boost::system::system_error);
  o.port = 0;
  o.host = "not an address";
  EXPECT_ANY_THROW(Sandbox{o});
}

TEST(SandboxServer, StopIsIdempotentAndStateOutlivesIt) {
  Sandbox sb;
  TlsClient c(sb.port(), sb.ca_pem());
  ASSERT_FALSE(c.handshake());
  auto [ec, res] = c.send(http::verb::post, "/partners", json({{"email", "a@b.co"}}), "sk_test_dub");
  ASSERT_FALSE(ec);
  sb.stop();
  sb.stop();
  EXPECT_EQ(sb.state().at("vendors").at("dub").at("partners").as_array().size(), 1u);
  // The idle keep-alive connection was closed by stop().
  auto [ec2, res2] =
      c.send(http::verb::post, "/partners", json({{"email", "b@b.co"}}), "sk_test_dub", 2000ms);
  EXPECT_TRUE(ec2);
  EXPECT_NE(ec2, beast::error::timeout);
}
