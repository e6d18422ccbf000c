// The response reader's fast path for simple heads (transport/src/detail/simple_head.hpp) against
// Beast alone: for every answer — well-formed, hostile, cut, damaged — fed in pieces of every size and
// under tight and loose caps, the reader with the fast path must give exactly what the Beast-only
// reader gives: the bytes consumed at each step, each verdict, the HttpResponse, keep-alive. And the
// fast path must actually take the plain answers (else this compares Beast with itself).
#include "detail/response_reader.hpp"
#include "detail/simple_head.hpp"

#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace partnerkit::detail {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;

struct Run {
  std::vector<std::pair<std::size_t, error_code>> steps;  // (consumed, verdict) per put
  error_code ec;
  HttpResponse response;
  bool done = false;
  bool keep_alive = false;
  bool need_eof = false;
  bool header_done = false;
  std::size_t interim = 0;
  bool fast = false;
  std::string left;
};

Run feed(std::string_view wire, std::size_t piece, ResponseLimits limits, bool head,
         ResponseReader::HeadPath path) {
  Run out;
  ResponseReader reader(out.response, limits, head, path);
  std::string buffer;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t used = reader.put(buffer, out.ec);
    out.steps.emplace_back(used, out.ec);
    buffer.erase(0, used);
    if (out.ec != http::error::need_more) break;
    if (pos >= wire.size()) {
      reader.put_eof(out.ec);
      out.steps.emplace_back(0, out.ec);
      break;
    }
    buffer.append(wire.substr(pos, piece));
    pos += piece;
  }
  out.done = reader.done();
  out.keep_alive = reader.keep_alive();
  out.header_done = reader.is_header_done();
  out.need_eof = out.header_done && reader.need_eof();
  out.interim = reader.interim_responses();
  out.fast = reader.fast_path();
  out.left = buffer + std::string(wire.substr(std::min(pos, wire.size())));
  return out;
}

// Both readers over the same bytes; true when the fast path took the answer.
bool expect_same(std::string_view wire, std::size_t piece, ResponseLimits limits, bool head) {
  const Run beast = feed(wire, piece, limits, head, ResponseReader::HeadPath::beast_only);
  const Run fast = feed(wire, piece, limits, head, ResponseReader::HeadPath::fast_when_simple);
  EXPECT_FALSE(beast.fast);
  const auto where = [&] {
    return testing::Message() << "piece " << piece << " header cap " << limits.max_header_bytes
                              << " body cap " << limits.max_body_bytes << " head " << head << " wire:\n"
                              << testing::PrintToString(std::string(wire));
  };
  EXPECT_EQ(fast.steps, beast.steps) << where();
  EXPECT_EQ(fast.ec, beast.ec) << where();
  EXPECT_EQ(fast.response, beast.response) << where();
  EXPECT_EQ(fast.done, beast.done) << where();
  EXPECT_EQ(fast.keep_alive, beast.keep_alive) << where();
  EXPECT_EQ(fast.need_eof, beast.need_eof) << where();
  EXPECT_EQ(fast.header_done, beast.header_done) << where();
  EXPECT_EQ(fast.interim, beast.interim) << where();
  EXPECT_EQ(fast.left, beast.left) << where();
  return fast.fast;
}

const std::string bench_201 =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\":\"p1\"}";

TEST(ResponseFastPath, TakesAPlainAnswerAndGivesBeastsResult) {
  EXPECT_TRUE(expect_same(bench_201, 4096, {}, false));
  // The body in later pieces: still the fast path (the head came whole).
  EXPECT_TRUE(expect_same(bench_201, 80, {}, false));
  EXPECT_TRUE(expect_same(bench_201 + "HTTP/1.1 200 OK\r\n", 4096, {}, false));  // bytes after it stay
}

TEST(ResponseFastPath, LeavesEverythingElseToBeast) {
  const std::vector<std::string> others = {
      "HTTP/1.1 100 Continue\r\n\r\n" + bench_201,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-delimited",
      "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 \xc3\xa9\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\nok",  // over the body cap
  };
  for (const auto& wire : others) {
    EXPECT_FALSE(expect_same(wire, 4096, {}, false)) << wire;
  }
  // A head cut in the first piece goes to Beast too.
  EXPECT_FALSE(expect_same(bench_201, 20, {}, false));
  EXPECT_FALSE(expect_same(bench_201, 4096, {}, true));  // HEAD
  // A head as long as the header cap, or longer.
  const std::size_t head_size = bench_201.find("\r\n\r\n") + 4;
  for (std::size_t cap = head_size - 2; cap <= head_size + 2; ++cap) {
    expect_same(bench_201, 4096, {1024, cap}, false);
  }
  EXPECT_TRUE(expect_same(bench_201, 4096, {1024, head_size + 1}, false));
}

TEST(ResponseFastPath, SimpleHeadReadsFieldsAsBeastDoes) {
  SimpleHead h;
  const std::string wire = "HTTP/1.1 404 \r\nX-A:\t v a l \t\r\nx-b:\r\ncontent-length: 007\r\n\r\n1234567";
  ASSERT_TRUE(parse_simple_head(wire, 1024, 100, h));
  EXPECT_EQ(h.status, 404);
  EXPECT_EQ(h.content_length, 7u);
  EXPECT_EQ(h.size, wire.size() - 7);
  ASSERT_EQ(h.field_count, 3u);
  EXPECT_EQ(wire.substr(h.fields[0].value, h.fields[0].value_size), "v a l");
  EXPECT_EQ(h.fields[1].value_size, 0u);
  expect_same(wire, 4096, {}, false);
}

// Answers built from plain and hostile parts, then damaged a little.
std::string random_answer(std::mt19937& rng) {
  const auto pick = [&rng](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  static const std::vector<std::string> status_lines = {
      "HTTP/1.1 201 Created",
      "HTTP/1.1 200 OK",
      "HTTP/1.1 422 Unprocessable Entity",
      "HTTP/1.1 599 ",
      "HTTP/1.1 503 \tx y",
      "HTTP/1.0 200 OK",
      "HTTP/1.1 204 No Content",
      "HTTP/1.1 304 Not Modified",
      "HTTP/1.1 100 Continue",
      "HTTP/1.1 103 Early Hints",
      "HTTP/1.1 101 Switching",
      "HTTP/1.1 600 Nope",
      "HTTP/1.1 099 Low",
      "http/1.1 200 OK",
      "HTTP/1.1 2000 OK",
      "HTTP/1.1 200",
      "HTTP/2.0 200 OK",
      "HTTP/1.1 200 \x80\xff",
      "HTTP/1.1 200 a\x7f",
  };
  static const std::vector<std::string> plain_fields = {
      "Content-Type: application/json",
      "X-Request-Id: abc-123",
      "Date: Thu, 03 Dec 2026 21:00:00 GMT",
      "X-Empty:",
      "X-Spaces:   v  \t",
      "x-tab:\tv",
      "Set-Cookie: a=b; Path=/",
      "Retry-After: 1",
  };
  static const std::vector<std::string> fields = {
      "Content-Type: application/json",
      "X-Request-Id: abc-123",
      "Date: Thu, 03 Dec 2026 21:00:00 GMT",
      "X-Empty:",
      "X-Spaces:   v  \t",
      "x-tab:\tv",
      "Set-Cookie: a=b; Path=/",
      "Transfer-Encoding: chunked",
      "Transfer-Encoding: gzip, chunked",
      "Connection: close",
      "Connection: keep-alive",
      "CONNECTION: Upgrade",
      "Proxy-Connection: close",
      "Upgrade: h2c",
      "Bad Name: x",
      ": novalue",
      "X-Obs: \x80\xff",
      "X-Ctl: a\x01b",
      "X-Fold: a\r\n b",
      "X-Fold2:\r\n\tb",
      "Content-Length: 12, 12",
      "Content-Length: 1 2",
      "Content-Length:",
      "Content-Length: 99999999999999999999",
      "Content-Length: +5",
      "X-Long: " + std::string(300, 'v'),
      "Retry-After: 1",
      "X-RateLimit-Remaining: 0",
  };
  std::string body(pick(40), 'b');
  for (auto& c : body) c = static_cast<char>('a' + pick(26));
  std::string wire;
  const std::size_t messages = pick(5) == 0 ? 2 : 1;
  for (std::size_t m = 0; m < messages; ++m) {
    wire += (pick(2) ? status_lines[pick(3)] : status_lines[pick(status_lines.size())]) + "\r\n";
    for (std::size_t n = pick(5); n > 0; --n)
      wire += (pick(3) ? plain_fields[pick(plain_fields.size())] : fields[pick(fields.size())]) + "\r\n";
    switch (pick(6)) {
      case 0:
        break;  // no length
      case 1:
        wire += "Content-Length: " + std::to_string(body.size() + pick(3) - 1) + "\r\n";
        break;
      case 2:
        wire += "content-length:" + std::string(pick(2), ' ') + "00" + std::to_string(body.size()) + " \r\n";
        break;
      default:
        wire += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        break;
    }
    wire += "\r\n";
    if (m + 1 == messages) wire += body;
  }
  static constexpr char bytes[] = {'\r', '\n',   ' ',    '\t', ':', '0', '9',
                                   'a',  '\x80', '\x7f', '\0', ',', 'H', '/'};
  for (std::size_t n = pick(2) * (1 + pick(3)); n > 0 && !wire.empty(); --n) {
    const std::size_t at = pick(wire.size());
    switch (pick(4)) {
      case 0:
        wire[at] = bytes[pick(sizeof bytes)];
        break;
      case 1:
        wire.insert(wire.begin() + static_cast<std::ptrdiff_t>(at), bytes[pick(sizeof bytes)]);
        break;
      case 2:
        wire.erase(at, 1 + pick(3));
        break;
      default:
        wire.resize(at);
        break;
    }
  }
  return wire;
}

TEST(ResponseFastPath, SameAsBeastOnRandomAnswers) {
  std::mt19937 rng(20261203);
  std::size_t taken = 0, total = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string wire = random_answer(rng);
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{100000}}) {
      for (ResponseLimits limits :
           {ResponseLimits{}, ResponseLimits{8, 64}, ResponseLimits{20, 48}, ResponseLimits{30, 90}}) {
        ++total;
        if (expect_same(wire, piece, limits, rng() % 16 == 0)) ++taken;
        if (testing::Test::HasFailure()) return;
      }
    }
  }
  // The plain answers among them took the fast path where their whole head came in the first piece
  // under the cap (1- and 7-byte pieces and the tight caps never: about one run in thirty).
  EXPECT_GT(taken, total / 40) << taken << " of " << total;
}

}  // namespace
}  // namespace partnerkit::detail
