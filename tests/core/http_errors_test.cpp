#include <partnerkit/http_errors.hpp>

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace pk = partnerkit;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

// 2015-10-21 07:28:00 UTC
const system_clock::time_point t0 = system_clock::time_point(seconds(1445412480));
constexpr milliseconds one_day = std::chrono::hours(24);

TEST(ErrcFromHttpStatus, Table) {
  EXPECT_EQ(pk::errc_from_http_status(400), pk::errc::rejected);
  EXPECT_EQ(pk::errc_from_http_status(401), pk::errc::unauthenticated);
  EXPECT_EQ(pk::errc_from_http_status(403), pk::errc::permission_denied);
  EXPECT_EQ(pk::errc_from_http_status(404), pk::errc::not_found);
  EXPECT_EQ(pk::errc_from_http_status(409), pk::errc::already_exists);
  EXPECT_EQ(pk::errc_from_http_status(410), pk::errc::invite_expired);
  EXPECT_EQ(pk::errc_from_http_status(422), pk::errc::rejected);
  EXPECT_EQ(pk::errc_from_http_status(429), pk::errc::rate_limited);
  for (int s : {500, 502, 503, 504, 501, 599})
    EXPECT_EQ(pk::errc_from_http_status(s), pk::errc::vendor_unavailable) << s;
  for (int s : {405, 406, 418, 499}) EXPECT_EQ(pk::errc_from_http_status(s), pk::errc::rejected) << s;
  for (int s : {0, -1, 100, 200, 201, 302, 600, 999})
    EXPECT_EQ(pk::errc_from_http_status(s), pk::errc::protocol) << s;
}

TEST(ParseRetryAfter, DeltaSeconds) {
  EXPECT_EQ(pk::parse_retry_after("30", t0), milliseconds(30000));
  EXPECT_EQ(pk::parse_retry_after("0", t0), milliseconds(0));
  EXPECT_EQ(pk::parse_retry_after("  7 \t", t0), milliseconds(7000));
  EXPECT_EQ(pk::parse_retry_after("1.5", t0), milliseconds(1500));
  EXPECT_EQ(pk::parse_retry_after("86400", t0), one_day);
  EXPECT_EQ(pk::parse_retry_after("86401", t0), one_day);      // capped
  EXPECT_EQ(pk::parse_retry_after("999999999", t0), one_day);  // still delta, capped
}

TEST(ParseRetryAfter, HttpDates) {
  EXPECT_EQ(pk::parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", t0), milliseconds(30000));
  EXPECT_EQ(pk::parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", t0), milliseconds(60000));
  EXPECT_EQ(pk::parse_retry_after("Wed Oct 21 07:28:05 2015", t0), milliseconds(5000));
  EXPECT_EQ(pk::parse_retry_after("Wed Oct  1 07:28:05 2015", t0), milliseconds(0));       // past
  EXPECT_EQ(pk::parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", t0), milliseconds(0));  // past
  EXPECT_EQ(pk::parse_retry_after("Thu, 22 Oct 2015 07:28:01 GMT", t0), one_day);          // capped
  EXPECT_EQ(pk::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t0), milliseconds(0));
  // Leap day and year boundary arithmetic.
  auto leap = system_clock::time_point(seconds(951782400));  // 2000-02-29 00:00:00
  EXPECT_EQ(pk::parse_retry_after("Tue, 29 Feb 2000 00:00:10 GMT", leap), milliseconds(10000));
  auto ny = system_clock::time_point(seconds(1767225599));  // 2025-12-31 23:59:59
  EXPECT_EQ(pk::parse_retry_after("Thu, 01 Jan 2026 00:00:01 GMT", ny), milliseconds(2000));
}

TEST(ParseRetryAfter, EpochSeconds) {
  EXPECT_EQ(pk::parse_retry_after("1445412540", t0), milliseconds(60000));
  EXPECT_EQ(pk::parse_retry_after("1445412400", t0), milliseconds(0));  // past
  EXPECT_EQ(pk::parse_retry_after("1445412480.250", t0), milliseconds(250));
  EXPECT_EQ(pk::parse_retry_after("9999999999", t0), one_day);
}

TEST(ParseRetryAfter, EpochMilliseconds) {
  // Dub: Retry-After and X-RateLimit-Reset are epoch milliseconds.
  EXPECT_EQ(pk::parse_retry_after("1445412481500", t0), milliseconds(1500));
  EXPECT_EQ(pk::parse_retry_after("1445412480000", t0), milliseconds(0));
  EXPECT_EQ(pk::parse_retry_after("1445412000000", t0), milliseconds(0));  // past
  EXPECT_EQ(pk::parse_retry_after("99999999999999", t0), one_day);
}

TEST(ParseRetryAfter, GarbageAndHuge) {
  for (const char* bad :
       {"", "   ", "soon", "-5", "1e3", "12abc", "0x10", "1.", ".5", "Wed, 21 Oct 2015",
        "Wed, 32 Oct 2015 07:28:00 GMT", "Wed, 29 Feb 2015 07:28:00 GMT", "Wed, 21 Foo 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 25:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 PST", "Xyz, 21 Oct 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 07:28:00 GMT trailing"})
    EXPECT_EQ(pk::parse_retry_after(bad, t0), std::nullopt) << '"' << bad << '"';
  EXPECT_EQ(pk::parse_retry_after("18446744073709551615", t0), one_day);
  EXPECT_EQ(pk::parse_retry_after("123456789012345678901234567890", t0), one_day);
}

TEST(RetryAfterFromHeaders, Precedence) {
  pk::HttpHeaders h{{"x-ratelimit-reset", "1445412490000"}, {"retry-after", "3"}};
  EXPECT_EQ(pk::retry_after_from_headers(h, t0), milliseconds(3000));
  h = {{"X-RateLimit-Reset", "1445412490000"}, {"RateLimit-Reset", "2"}};
  EXPECT_EQ(pk::retry_after_from_headers(h, t0), milliseconds(10000));
  h = {{"RateLimit-Reset", "2"}};
  EXPECT_EQ(pk::retry_after_from_headers(h, t0), milliseconds(2000));
  h = {{"Retry-After", "garbage"}, {"RateLimit-Reset", "4"}};  // unreadable: fall through
  EXPECT_EQ(pk::retry_after_from_headers(h, t0), milliseconds(4000));
  h = {{"Content-Type", "application/json"}};
  EXPECT_EQ(pk::retry_after_from_headers(h, t0), std::nullopt);
}

TEST(SanitizedBody, RedactsJsonSecrets) {
  std::string body =
      R"({"error":{"code":"x","password":"Hunter2!","nested":[{"access_token":"tok123","api_key":"k-1"}]},)"
      R"("apiKey":"abc","client_secret":"s3","ok":"visible"})";
  std::string s = pk::sanitized_body(body);
  for (const char* secret : {"Hunter2!", "tok123", "k-1", "\"abc\"", "s3"})
    EXPECT_EQ(s.find(secret), std::string::npos) << secret;
  auto v = boost::json::parse(s);
  EXPECT_EQ(v.at("error").at("password"), "REDACTED");
  EXPECT_EQ(v.at("ok"), "visible");
  EXPECT_EQ(v.at("error").at("code"), "x");
}

TEST(SanitizedBody, RedactsSecretsInNonJson) {
  std::string s = pk::sanitized_body(R"({"password": "Hunter2!", "email": "a@b.co", cut here)");
  EXPECT_EQ(s.find("Hunter2!"), std::string::npos);
  EXPECT_NE(s.find("a@b.co"), std::string::npos);
  s = pk::sanitized_body("email=a%40b.co&password=Hunter2&x=1");
  EXPECT_EQ(s, "email=a%40b.co&password=REDACTED&x=1");
  EXPECT_EQ(pk::sanitized_body("plain text error"), "plain text error");
  EXPECT_EQ(pk::sanitized_body(""), "");
}

TEST(SanitizedBody, CapsSize) {
  std::string big(10000, 'a');
  EXPECT_EQ(pk::sanitized_body(big).size(), pk::max_raw_body_bytes);
  // A large JSON body is redacted before it is cut.
  std::string json = R"({"pad":")" + std::string(8000, 'x') + R"(","password":"Hunter2!"})";
  std::string s = pk::sanitized_body(json);
  EXPECT_LE(s.size(), pk::max_raw_body_bytes);
  EXPECT_EQ(s.find("Hunter2!"), std::string::npos);
}

TEST(SanitizedBody, NeverCutsInsideUtf8) {
  // "€" is 3 bytes; place one across the cap boundary.
  for (std::size_t pad :
       {pk::max_raw_body_bytes - 1, pk::max_raw_body_bytes - 2, pk::max_raw_body_bytes - 3}) {
    std::string body(pad, 'a');
    body += "\xE2\x82\xAC";
    body += std::string(100, 'b');
    std::string s = pk::sanitized_body(body);
    ASSERT_LE(s.size(), pk::max_raw_body_bytes);
    if (pad + 3 <= pk::max_raw_body_bytes)
      EXPECT_EQ(s.size(), pk::max_raw_body_bytes);
    else
      EXPECT_EQ(s.size(), pad) << pad;
    EXPECT_NE(static_cast<unsigned char>(s.back()) & 0xC0, 0xC0);  // never ends on a lead byte
  }
  // 4-byte emoji straddling the cap
  std::string body(pk::max_raw_body_bytes - 2, 'a');
  body += "\xF0\x9F\x98\x80zzz";
  EXPECT_EQ(pk::sanitized_body(body).size(), pk::max_raw_body_bytes - 2);
}

TEST(ErrorFromResponse, Fields) {
  pk::HttpResponse r;
  r.status = 429;
  r.headers = {{"X-RateLimit-Reset", "1445412485000"}};
  r.body = R"({"error":{"code":"rate_limit_exceeded","message":"slow down"}})";
  pk::Error e = pk::error_from_response(r, t0);
  EXPECT_EQ(e.code, pk::errc::rate_limited);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.http_status, 429);
  EXPECT_EQ(e.retry_after, milliseconds(5000));
  EXPECT_EQ(e.message, "HTTP 429: the vendor's rate limit was reached");
  EXPECT_EQ(e.vendor_message, "");
  EXPECT_EQ(boost::json::parse(e.raw_body), boost::json::parse(r.body));
  EXPECT_EQ(e.attempts, 0);
  EXPECT_EQ(e.stopped, pk::stop_reason::none);

  r.status = 422;
  r.body = R"({"message":"bad","errors":{"password":["too short"]},"password":"Secret123"})";
  e = pk::error_from_response(r, t0);
  EXPECT_EQ(e.code, pk::errc::rejected);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.retry_after, std::nullopt);  // the window reset is no wait for a 422
  EXPECT_EQ(e.raw_body.find("Secret123"), std::string::npos);

  r.status = 503;
  r.headers = {{"Retry-After", "Wed, 21 Oct 2015 07:28:20 GMT"}};
  r.body.clear();
  e = pk::error_from_response(r, t0);
  EXPECT_EQ(e.code, pk::errc::vendor_unavailable);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.retry_after, milliseconds(20000));
  EXPECT_TRUE(e.raw_body.empty());
}

}  // namespace
