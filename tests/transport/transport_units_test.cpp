// The transport's pure pieces, byte for byte and without sockets: URL parsing, request
// serialization, the response reader (interim responses, caps), the CONNECT answer, the pool's
// bookkeeping, the TLS session slot (both state machines take the time / events as input) and the
// list of request deadlines.
#include <partnerkit/detail/deadline_list.hpp>
#include "detail/pool.hpp"
#include "detail/proxy.hpp"
#include "detail/request_writer.hpp"
#include "detail/response_reader.hpp"
#include "detail/target.hpp"
#include "detail/tls.hpp"

#include <partnerkit/beast_transport.hpp>
#include <partnerkit/transport_errors.hpp>

#include <boost/beast/http/error.hpp>
#include <boost/system/system_error.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace partnerkit::detail {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;
using namespace std::chrono_literals;

// ---- URL → target ----------------------------------------------------------------------------

TEST(TransportTarget, HttpsDefaults) {
  Target t;
  ASSERT_FALSE(parse_target("https://API.Dub.co/partners?x=1", false, t));
  EXPECT_TRUE(t.tls);
  EXPECT_EQ(t.host, "API.Dub.co");
  EXPECT_EQ(t.port, "443");
  EXPECT_EQ(t.host_header, "API.Dub.co");
  EXPECT_EQ(t.target, "/partners?x=1");
  EXPECT_EQ(t.origin, "https://api.dub.co:443");
  EXPECT_FALSE(t.loopback);
}

TEST(TransportTarget, PortsIpv6AndEmptyPath) {
  Target t;
  ASSERT_FALSE(parse_target("https://[::1]:8443", false, t));
  EXPECT_EQ(t.host, "::1");
  EXPECT_TRUE(t.host_is_ip);
  EXPECT_TRUE(t.loopback);
  EXPECT_EQ(t.host_header, "[::1]:8443");
  EXPECT_EQ(t.target, "/");
  EXPECT_EQ(t.origin, "https://[::1]:8443");
  ASSERT_FALSE(parse_target("https://127.0.0.1:443/a", false, t));
  EXPECT_EQ(t.host_header, "127.0.0.1");
  ASSERT_FALSE(parse_target("https://x.localhost/", false, t));
  EXPECT_TRUE(t.loopback);
}

TEST(TransportTarget, RejectsWithTheRightCode) {
  Target t;
  EXPECT_EQ(parse_target("not a url", false, t), transport_error::url_rejected);
  EXPECT_EQ(parse_target("https://host:0/", false, t), transport_error::url_rejected);
  EXPECT_EQ(parse_target("https://host:70000/", false, t), transport_error::url_rejected);
  EXPECT_EQ(parse_target("https://ho%20st/", false, t), transport_error::url_rejected);
  EXPECT_EQ(parse_target("ftp://host/", false, t), transport_error::scheme_refused);
  EXPECT_EQ(parse_target("http://localhost/", false, t), transport_error::scheme_refused);
  EXPECT_EQ(parse_target("http://example.com/", true, t), transport_error::scheme_refused);
  EXPECT_FALSE(parse_target("http://localhost:8080/", true, t));
  EXPECT_FALSE(t.tls);
  EXPECT_EQ(t.origin, "http://localhost:8080");
}

// ---- request serialization -------------------------------------------------------------------

Target target_of(std::string_view url) {
  Target t;
  EXPECT_FALSE(parse_target(url, false, t));
  return t;
}

TEST(TransportRequestWriter, SerializesByteForByte) {
  HttpRequest r;
  r.method = "POST";
  r.url = "https://api.example:8443/v1/partners";
  r.headers = {{"Host", "evil"},
               {"Content-Length", "999"},
               {"Transfer-Encoding", "chunked"},
               {"Authorization", "Bearer k"},
               {"Content-Type", "application/json"}};
  r.body = R"({"a":1})";
  Wire w;
  ASSERT_FALSE(serialize_request(r, target_of(r.url), "partnerkit/test", w));
  EXPECT_EQ(w.bytes,
            "POST /v1/partners HTTP/1.1\r\nHost: api.example:8443\r\nAuthorization: Bearer k\r\n"
            "Content-Type: application/json\r\nUser-Agent: partnerkit/test\r\nContent-Length: 7\r\n\r\n"
            R"({"a":1})");
  EXPECT_FALSE(w.head);
  EXPECT_FALSE(w.close);
}

TEST(TransportRequestWriter, GetHeadUserAgentAndClose) {
  HttpRequest r;
  r.method = "HEAD";
  r.url = "https://a.example/x";
  r.headers = {{"user-agent", "mine"}, {"Connection", "keep-alive, Close"}};
  Wire w;
  ASSERT_FALSE(serialize_request(r, target_of(r.url), "partnerkit/test", w));
  EXPECT_EQ(
      w.bytes,
      "HEAD /x HTTP/1.1\r\nHost: a.example\r\nuser-agent: mine\r\nConnection: keep-alive, Close\r\n\r\n");
  EXPECT_TRUE(w.head);
  EXPECT_TRUE(w.close);
  EXPECT_TRUE(has_close_token(" close "));
  EXPECT_FALSE(has_close_token("closed"));
}

// The head's length is counted before it is written (serialize_request's two passes): a Wire that
// held a longer request, an empty POST (Content-Length: 0), a GET without one, no User-Agent when
// there is none to add, and many headers come out byte for byte.
TEST(TransportRequestWriter, CountsTheHeadBeforeWritingIt) {
  Wire w;
  w.bytes.assign(5000, 'x');
  HttpRequest r;
  r.method = "POST";
  r.url = "https://a.example/p?q=1";
  ASSERT_FALSE(serialize_request(r, target_of(r.url), "", w));
  EXPECT_EQ(w.bytes, "POST /p?q=1 HTTP/1.1\r\nHost: a.example\r\nContent-Length: 0\r\n\r\n");
  r.method = "GET";
  ASSERT_FALSE(serialize_request(r, target_of(r.url), "ua", w));
  EXPECT_EQ(w.bytes, "GET /p?q=1 HTTP/1.1\r\nHost: a.example\r\nUser-Agent: ua\r\n\r\n");
  r.method = "PATCH";
  std::string expected = "PATCH /p?q=1 HTTP/1.1\r\nHost: a.example\r\n";
  for (int i = 0; i < 40; ++i) {
    r.headers.emplace_back("X-H" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'v'));
    if (i % 7 == 0) r.headers.emplace_back("content-length", "12");  // dropped wherever it stands
    expected += "X-H" + std::to_string(i) + ": " + std::string(static_cast<std::size_t>(i), 'v') + "\r\n";
  }
  r.body = std::string(12345, 'b');
  expected += "User-Agent: ua\r\nContent-Length: 12345\r\n\r\n" + r.body;
  ASSERT_FALSE(serialize_request(r, target_of(r.url), "ua", w));
  EXPECT_EQ(w.bytes, expected);
}

TEST(TransportRequestWriter, RejectsWhatCannotBeSent) {
  HttpRequest r;
  r.url = "https://a.example/";
  const Target t = target_of(r.url);
  Wire w;
  r.method = "GE T";
  EXPECT_EQ(serialize_request(r, t, "", w), transport_error::request_rejected);
  r.method = "GET";
  r.headers = {{"X-A", "v\r\nInjected: 1"}};
  EXPECT_EQ(serialize_request(r, t, "", w), transport_error::request_rejected);
  r.headers = {{"Bad Name", "v"}};
  EXPECT_EQ(serialize_request(r, t, "", w), transport_error::request_rejected);
  r.headers = {{"X-A", std::string("a\0b", 3)}};
  EXPECT_EQ(serialize_request(r, t, "", w), transport_error::request_rejected);
  // Values are checked eight bytes at a time: a CR, LF or NUL at every place of every word and of
  // the tail is refused, and every other byte (DEL, obs-text, HTAB) is sent.
  for (std::size_t size = 1; size <= 19; ++size) {
    for (std::size_t at = 0; at < size; ++at) {
      for (char bad : {'\r', '\n', '\0'}) {
        std::string value(size, 'v');
        value[at] = bad;
        r.headers = {{"X-A", value}};
        EXPECT_EQ(serialize_request(r, t, "", w), transport_error::request_rejected) << size << " " << at;
      }
      for (char fine : {'\x7f', '\x80', '\t', '\x0b', '\x0e', '\xff'}) {
        std::string value(size, 'v');
        value[at] = fine;
        r.headers = {{"X-A", value}};
        EXPECT_FALSE(serialize_request(r, t, "", w)) << size << " " << at;
      }
    }
  }
}

// ---- the response reader ---------------------------------------------------------------------

struct Parsed {
  error_code ec;
  HttpResponse response;
  bool done = false;
  bool keep_alive = false;
  std::size_t interim = 0;
  std::size_t max_pending = 0;  // the most bytes the caller had to hold unconsumed
  std::string left;             // bytes after the message
};

// Feeds `wire` in pieces of `piece` bytes, as a connection would, then the end of the stream.
Parsed feed(std::string_view wire, std::size_t piece, ResponseLimits limits = {}, bool head = false,
            bool eof = true) {
  Parsed out;
  ResponseReader reader(out.response, limits, head);
  std::string buffer;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t used = reader.put(buffer, out.ec);
    buffer.erase(0, used);
    if (!out.ec) break;
    if (out.ec != http::error::need_more) break;
    if (pos >= wire.size()) {
      if (eof) reader.put_eof(out.ec);
      break;
    }
    buffer.append(wire.substr(pos, piece));
    pos += piece;
    out.max_pending = std::max(out.max_pending, buffer.size());
  }
  out.done = reader.done();
  out.keep_alive = reader.keep_alive();
  out.interim = reader.interim_responses();
  out.left = buffer + std::string(wire.substr(std::min(pos, wire.size())));
  return out;
}

const std::string created =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"id\":\"p1\"}\n";

TEST(TransportResponseReader, ContentLengthInAnyPieces) {
  for (std::size_t piece : {1, 2, 7, 64, 4096}) {
    auto p = feed(created, piece);
    ASSERT_FALSE(p.ec) << piece << ": " << p.ec.message();
    EXPECT_TRUE(p.done);
    EXPECT_TRUE(p.keep_alive);
    EXPECT_EQ(p.response.status, 201);
    EXPECT_EQ(p.response.body, "{\"id\":\"p1\"}\n");
    EXPECT_EQ(p.response.header("content-type"), "application/json");
  }
}

TEST(TransportResponseReader, ChunkedWithExtensionsAndTrailers) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
      "chunked\r\n\r\n4;name=val\r\nabcd\r\n3\r\nefg\r\n0\r\nX-Trailer: t\r\n\r\n";
  for (std::size_t piece : {1, 5, 1000}) {
    auto p = feed(wire, piece);
    ASSERT_FALSE(p.ec) << p.ec.message();
    EXPECT_EQ(p.response.body, "abcdefg");
    EXPECT_EQ(p.response.header("x-trailer"), "t");
    EXPECT_TRUE(p.keep_alive);
  }
}

TEST(TransportResponseReader, LastChunkAndTrailersByteByByte) {
  // Found by fuzz/http_response_fuzz.cpp: Beast asserts (Debug builds abort) when the last chunk
  // is re-entered with fewer than 5 bytes; the reader never hands it fewer.
  auto p = feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: t\r\n\r\n", 1);
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_EQ(p.response.header("x-t"), "t");
  EXPECT_EQ(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX", 1).ec,
            http::error::partial_message);
}

TEST(TransportResponseReader, InterimResponsesAreSkipped) {
  const std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n\r\n" +
      created;
  for (std::size_t piece : {1, 3, 4096}) {
    auto p = feed(wire, piece);
    ASSERT_FALSE(p.ec) << p.ec.message();
    EXPECT_EQ(p.interim, 3u);
    EXPECT_EQ(p.response.status, 201);
    EXPECT_EQ(p.response.header("link"), "");  // the hints are not the answer's headers
    EXPECT_EQ(p.response.body, "{\"id\":\"p1\"}\n");
  }
}

TEST(TransportResponseReader, BytesAfterTheMessageAreLeftForTheCaller) {
  auto p = feed(created + "HTTP/1.1 200 OK\r\n", 4096);
  ASSERT_FALSE(p.ec);
  EXPECT_EQ(p.left, "HTTP/1.1 200 OK\r\n");
}

TEST(TransportResponseReader, SwitchingProtocolsIsAnError) {
  auto p = feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n" + created, 4096);
  EXPECT_EQ(p.ec, transport_error::switching_protocols);
}

TEST(TransportResponseReader, StatusOutsideTheDefinedRangeIsMalformed) {
  // Found by fuzz/http_response_fuzz.cpp: Beast parses "000" as a final status.
  EXPECT_EQ(feed("HTTP/1.1 000 OK\r\nContent-Length: 0\r\n\r\n", 4096).ec, http::error::bad_status);
  EXPECT_EQ(feed("HTTP/1.1 099 X\r\n\r\n", 4096).ec, http::error::bad_status);
  EXPECT_EQ(feed("HTTP/1.1 600 X\r\nContent-Length: 0\r\n\r\n", 4096).ec, http::error::bad_status);
  EXPECT_FALSE(feed("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n", 4096).ec);
}

TEST(TransportResponseReader, InterimOnlyThenCloseIsPartial) {
  auto p = feed("HTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\n", 4096);
  EXPECT_EQ(p.ec, http::error::partial_message);
  EXPECT_EQ(feed("", 4096).ec, http::error::end_of_stream);
}

TEST(TransportResponseReader, EndlessChunkExtensionHitsTheCapWithBoundedPending) {
  ResponseLimits limits;
  limits.max_header_bytes = 4096;
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=";
  wire.append(1 << 20, 'x');
  auto p = feed(wire, 1000, limits, false, false);
  EXPECT_EQ(p.ec, transport_error::response_framing_limit);
  EXPECT_LE(p.max_pending, limits.max_header_bytes + 1000 + 64);
}

TEST(TransportResponseReader, ManySmallExtensionsAddUpToTheCap) {
  ResponseLimits limits;
  limits.max_header_bytes = 4096;
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 1000; ++i) wire += "1;an-extension-of-some-length=value\r\nx\r\n";
  wire += "0\r\n\r\n";
  EXPECT_EQ(feed(wire, 512, limits).ec, transport_error::response_framing_limit);
}

TEST(TransportResponseReader, PlainChunksDoNotSpendTheBudget) {
  ResponseLimits limits;
  limits.max_header_bytes = 1024;
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string body;
  for (int i = 0; i < 5000; ++i) {
    wire += "1\r\nx\r\n";
    body += 'x';
  }
  wire += "0\r\n\r\n";
  auto p = feed(wire, 4096, limits);
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_EQ(p.response.body, body);
}

TEST(TransportResponseReader, HugeTrailersHitTheCap) {
  ResponseLimits limits;
  limits.max_header_bytes = 4096;
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n";
  for (int i = 0; i < 10000; ++i) wire += "X-T" + std::to_string(i) + ": yyyyyyyyyyyyyyyy\r\n";
  wire += "\r\n";
  auto p = feed(wire, 1000, limits);
  EXPECT_EQ(p.ec, transport_error::response_framing_limit);
  EXPECT_LE(p.max_pending, limits.max_header_bytes + 1000 + 64);
}

TEST(TransportResponseReader, HeaderCapCoversInterimAndFinalHeaders) {
  ResponseLimits limits;
  limits.max_header_bytes = 1024;
  std::string hint = "HTTP/1.1 103 Early Hints\r\nLink: <" + std::string(300, 'a') + ">\r\n\r\n";
  EXPECT_FALSE(feed(hint + created, 64, limits).ec);
  std::string endless;
  for (int i = 0; i < 100; ++i) endless += hint;
  EXPECT_EQ(feed(endless + created, 64, limits).ec, http::error::header_limit);
  EXPECT_EQ(feed("HTTP/1.1 200 OK\r\nX-Big: " + std::string(5000, 'b') + "\r\n\r\n", 64, limits).ec,
            http::error::header_limit);
}

TEST(TransportResponseReader, BodyOverTheCapAndBrokenChunks) {
  ResponseLimits limits;
  limits.max_body_bytes = 10;
  EXPECT_EQ(feed("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nabcdefghijk", 4096, limits).ec,
            http::error::body_limit);
  EXPECT_EQ(
      feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n",
           4096, limits)
          .ec,
      http::error::body_limit);
  EXPECT_EQ(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n", 4096).ec,
            http::error::bad_chunk);
  EXPECT_EQ(feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 4096).ec, http::error::partial_message);
}

TEST(TransportResponseReader, CloseDelimitedHeadAndConnectionClose) {
  auto p = feed("HTTP/1.1 200 OK\r\n\r\nuntil the end", 5);
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_EQ(p.response.body, "until the end");
  EXPECT_FALSE(p.keep_alive);
  auto h = feed("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", 4096, {}, /*head=*/true);
  ASSERT_FALSE(h.ec);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.response.body, "");
  auto c = feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 4096);
  ASSERT_FALSE(c.ec);
  EXPECT_FALSE(c.keep_alive);
}

// ---- the proxy -------------------------------------------------------------------------------

TEST(TransportProxy, ConnectRequestAndAnswers) {
  ProxyConfig proxy;
  proxy.enabled = true;
  proxy.authorization = "Basic dTpw";
  EXPECT_EQ(connect_request(proxy, target_of("https://[::1]:8443/x"), "ua"),
            "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nUser-Agent: ua\r\n"
            "Proxy-Authorization: Basic dTpw\r\n\r\n");
  EXPECT_FALSE(connect_answer(200, 0));
  EXPECT_EQ(connect_answer(407, 0), transport_error::proxy_auth_required);
  EXPECT_EQ(connect_answer(403, 0), transport_error::proxy_refused);
  EXPECT_EQ(connect_answer(200, 3), transport_error::proxy_refused);
}

TEST(TransportProxy, NoProxyMatching) {
  TransportOptions o;
  o.proxy_from_environment = false;
  o.proxy = "http://user:pw@proxy.example:3128";
  o.no_proxy = "internal.example, .corp , EXACT.example";
  const ProxyConfig p = make_proxy_config(o);
  EXPECT_EQ(p.host, "proxy.example");
  EXPECT_EQ(p.port, "3128");
  EXPECT_EQ(p.authorization, "Basic dXNlcjpwdw==");
  EXPECT_TRUE(p.bypass(target_of("https://a.internal.example/")));
  EXPECT_TRUE(p.bypass(target_of("https://x.corp/")));
  EXPECT_TRUE(p.bypass(target_of("https://exact.example/")));
  EXPECT_TRUE(p.bypass(target_of("https://localhost:1/")));
  EXPECT_FALSE(p.bypass(target_of("https://notinternal.example/")));
  EXPECT_FALSE(p.bypass(target_of("https://api.dub.co/")));
}

TEST(TransportProxy, PortsOutsideSixteenBitsAreRefused) {
  for (const char* url : {"http://proxy.example:70000", "http://proxy.example:99999999999999999999",
                          "http://proxy.example:0", "proxy.example:65536"}) {
    TransportOptions o;
    o.proxy_from_environment = false;
    o.proxy = url;
    EXPECT_THROW(make_proxy_config(o), boost::system::system_error) << url;
  }
  TransportOptions o;
  o.proxy_from_environment = false;
  o.proxy = "proxy.example:65535";
  EXPECT_EQ(make_proxy_config(o).port, "65535");
  o.proxy = "http://proxy.example";
  EXPECT_EQ(make_proxy_config(o).port, "80");
}

// ---- the pool's bookkeeping ------------------------------------------------------------------

using Pool = OriginPool<int, int>;  // connections and waiters as plain numbers; 0 is "none"
const auto t0 = std::chrono::steady_clock::time_point{} + 1h;

TEST(TransportPool, NewSlotsThenIdleReuseMostRecentFirst) {
  Pool pool;
  PoolLimits limits{2, 2, 30s};
  std::vector<int> expired;
  EXPECT_TRUE(pool.checkout(1, t0, limits, expired).new_slot);
  EXPECT_TRUE(pool.checkout(2, t0, limits, expired).new_slot);
  EXPECT_EQ(pool.total(), 2u);
  auto r = pool.release(10, true, t0, limits);
  EXPECT_EQ(r.waiter, 0);
  EXPECT_EQ(r.retire, 0);
  pool.release(20, true, t0 + 1s, limits);
  EXPECT_EQ(pool.idle(), 2u);
  EXPECT_EQ(pool.checkout(3, t0 + 2s, limits, expired).idle, 20);
  EXPECT_EQ(pool.checkout(4, t0 + 2s, limits, expired).idle, 10);
  EXPECT_TRUE(expired.empty());
}

TEST(TransportPool, IdleConnectionsExpireByTheTimeGiven) {
  Pool pool;
  PoolLimits limits{4, 4, 30s};
  std::vector<int> expired;
  pool.checkout(1, t0, limits, expired);
  pool.checkout(2, t0, limits, expired);
  pool.release(10, true, t0, limits);
  pool.release(20, true, t0 + 20s, limits);
  auto co = pool.checkout(3, t0 + 30s, limits, expired);
  EXPECT_EQ(expired, std::vector<int>{10});
  EXPECT_EQ(co.idle, 20);
  EXPECT_EQ(pool.total(), 1u);
}

TEST(TransportPool, FullPoolQueuesFifoAndHandsOver) {
  Pool pool;
  PoolLimits limits{1, 1, 30s};
  std::vector<int> expired;
  EXPECT_TRUE(pool.checkout(1, t0, limits, expired).new_slot);
  EXPECT_TRUE(pool.checkout(2, t0, limits, expired).queued);
  EXPECT_TRUE(pool.checkout(3, t0, limits, expired).queued);
  auto r = pool.release(10, true, t0, limits);  // reusable: straight to the first waiter
  EXPECT_EQ(r.waiter, 2);
  EXPECT_EQ(r.for_waiter, 10);
  r = pool.release(10, false, t0, limits);  // broken: closed, its slot goes to the next waiter
  EXPECT_EQ(r.retire, 10);
  EXPECT_EQ(r.waiter, 3);
  EXPECT_TRUE(r.waiter_new);
  EXPECT_EQ(pool.total(), 1u);
  EXPECT_EQ(pool.waiting(), 0u);
}

TEST(TransportPool, RemovedWaitersAndNoReuse) {
  Pool pool;
  PoolLimits limits{1, 0, 30s};
  std::vector<int> expired;
  pool.checkout(1, t0, limits, expired);
  pool.checkout(2, t0, limits, expired);
  EXPECT_TRUE(pool.remove_waiter_if([](int w) { return w == 2; }));
  EXPECT_FALSE(pool.remove_waiter_if([](int w) { return w == 2; }));
  auto r = pool.release(10, true, t0, limits);  // max_idle 0: closed even though reusable
  EXPECT_EQ(r.retire, 10);
  EXPECT_EQ(r.waiter, 0);
  EXPECT_EQ(pool.total(), 0u);
}

// ---- the TLS context -------------------------------------------------------------------------

TEST(TransportTlsContext, OffersTls13AesGcm128FirstAndNoOtherSuites) {
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
  TransportOptions o;
  o.use_default_verify_paths = false;
  configure_tls_context(ctx, o);
  std::vector<std::string> tls13;
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx.native_handle());
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    if (std::string_view(SSL_CIPHER_get_version(c)) == "TLSv1.3")
      tls13.emplace_back(SSL_CIPHER_standard_name(c));
  }
  EXPECT_EQ(tls13, (std::vector<std::string>{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                             "TLS_CHACHA20_POLY1305_SHA256"}));
}

// ---- the TLS session slot --------------------------------------------------------------------

TEST(TransportSessionSlot, OnePioneerTheOthersWait) {
  SessionSlot<int> slot;
  using Plan = SessionSlot<int>::Plan;
  EXPECT_EQ(slot.plan(1), Plan::pioneer);
  EXPECT_EQ(slot.plan(2), Plan::wait);
  EXPECT_EQ(slot.plan(3), Plan::wait);
  slot.remove_waiter_if([](int w) { return w == 3; });
  EXPECT_EQ(slot.pioneer_done(true), std::vector<int>{2});
  EXPECT_EQ(slot.plan(4), Plan::pioneer);  // no session yet: another pioneer
  EXPECT_TRUE(slot.pioneer_done(false).empty());
  EXPECT_EQ(slot.plan(5), Plan::use);  // the server offers none: nobody waits any more
}

// ---- request deadlines -----------------------------------------------------------------------

TEST(TransportDeadlineList, KeepsDeadlineOrderAndPopsWhatIsDue) {
  using List = DeadlineList<int>;
  const List::time_point t0{};
  List list;
  List::Entry a, b, c, d;
  a.owner = 1;
  b.owner = 2;
  c.owner = 3;
  d.owner = 4;
  EXPECT_TRUE(list.empty());
  list.insert(a, t0 + 10ms);
  list.insert(b, t0 + 30ms);
  list.insert(c, t0 + 20ms);  // out of order: goes between a and b
  list.insert(d, t0 + 5ms);   // before everything
  EXPECT_EQ(list.earliest(), t0 + 5ms);
  EXPECT_TRUE(list.erase(d));
  EXPECT_FALSE(list.erase(d));  // once only
  EXPECT_EQ(list.earliest(), t0 + 10ms);
  std::vector<int> due;
  list.pop_due(t0 + 20ms, [&](int owner) { due.push_back(owner); });
  EXPECT_EQ(due, (std::vector<int>{1, 3}));
  EXPECT_FALSE(a.linked);
  EXPECT_FALSE(list.erase(c));  // popped already: its owner's end of exchange finds nothing to do
  EXPECT_EQ(list.earliest(), t0 + 30ms);
  list.insert(a, t0 + 40ms);  // an entry is reusable
  EXPECT_TRUE(list.erase(b));
  EXPECT_EQ(list.earliest(), t0 + 40ms);
  EXPECT_TRUE(list.erase(a));
  EXPECT_TRUE(list.empty());
  list.pop_due(t0 + 1h, [&](int) { ADD_FAILURE() << "nothing is linked"; });
}

}  // namespace
}  // namespace partnerkit::detail
