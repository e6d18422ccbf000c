// The batch commands' result line, written straight into a string: byte for byte what
// boost::json::serialize wrote for the object the CLI built before (the reference below).
#include "result_line.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace partnerkit;

namespace {

// The object the CLI built per result until the line was written directly.
boost::json::object reference_object(const BatchResult& r, bool with_status) {
  boost::json::object o;
  o["index"] = r.index;
  o["line"] = r.line;
  o["vendor"] = r.vendor;
  o["email"] = r.email;
  if (r.result) {
    const Partner& p = *r.result;
    o["outcome"] = to_string(p.outcome);
    o["partner_id"] = p.id ? boost::json::value(*p.id) : nullptr;
    o["referral_link"] =
        p.links.empty() ? boost::json::value(nullptr) : boost::json::value(p.links.front().url);
    o["attempts"] = p.attempts;
    boost::json::array w;
    for (const auto& s : p.warnings) w.emplace_back(s);
    o["warnings"] = std::move(w);
    o["from_journal"] = r.from_journal;
    o["error"] = nullptr;
  } else {
    const Error& e = r.result.error();
    o["outcome"] = nullptr;
    o["partner_id"] = nullptr;
    o["referral_link"] = nullptr;
    o["attempts"] = e.attempts;
    o["warnings"] = boost::json::array{};
    o["from_journal"] = r.from_journal;
    boost::json::object err;
    err["code"] = to_string(e.code);
    err["retryable"] = e.retryable;
    err["http_status"] = e.http_status ? boost::json::value(*e.http_status) : nullptr;
    err["vendor_code"] = e.vendor_code;
    err["message"] = e.message;
    if (!e.vendor_message.empty()) err["vendor_message"] = e.vendor_message;
    err["field"] = e.field;
    if (!e.issues.empty()) {
      boost::json::array issues;
      for (const auto& i : e.issues)
        issues.push_back(boost::json::object{{"field", i.field}, {"message", i.message}});
      err["issues"] = std::move(issues);
    }
    o["error"] = std::move(err);
  }
  if (with_status)
    o["status"] = r.result ? boost::json::value(to_string(r.result->status)) : boost::json::value(nullptr);
  return o;
}

void expect_same(const BatchResult& r) {
  for (bool with_status : {false, true}) {
    const std::string expected = boost::json::serialize(reference_object(r, with_status));
    EXPECT_EQ(cli::result_line(r, with_status), expected);
  }
}

// Every byte value, and the characters JSON escapes, in one string.
std::string every_byte() {
  std::string s = "quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f del \x7f é 😀 ";
  for (int c = 0; c < 256; ++c) s.push_back(static_cast<char>(c));
  return s;
}

}  // namespace

TEST(ResultLine, ACreatedPartnerAsTheObjectWasSerialized) {
  Partner p;
  p.vendor = "dub";
  p.id = "pn_123";
  p.email = "a@example.com";
  p.status = PartnerStatus::active;
  p.links.push_back(ReferralLink{"https://dub.sh/a", "link_1", "a", "dub.sh"});
  p.links.push_back(ReferralLink{"https://dub.sh/b", "link_2", "b", "dub.sh"});
  p.warnings = {"first", "second \"quoted\""};
  p.attempts = 3;
  BatchResult r;
  r.index = 18446744073709551615ull;
  r.line = 42;
  r.vendor = "dub";
  r.email = "a@example.com";
  r.result = p;
  expect_same(r);
  r.from_journal = true;
  expect_same(r);
}

TEST(ResultLine, APartnerWithoutIdLinksOrWarnings) {
  Partner p;
  p.outcome = Outcome::existing;
  p.attempts = 0;
  BatchResult r;
  r.result = p;
  expect_same(r);
}

TEST(ResultLine, AnErrorWithAndWithoutIssuesAndStatus) {
  Error e = Error::make(errc::invalid_input, "bad email", "email");
  e.attempts = -1;
  BatchResult r;
  r.index = 7;
  r.vendor = "partnero";
  r.email = "not an email";
  r.result = e;
  expect_same(r);
  e.issues.push_back({"email", "not an address"});
  e.issues.push_back({"name", "empty"});
  e.http_status = 422;
  e.vendor_code = "unprocessable";
  e.retryable = true;
  r.result = e;
  expect_same(r);
  e.vendor_message = "The email has already been taken.";  // the vendor's words, after ours
  r.result = e;
  expect_same(r);
}

TEST(ResultLine, EveryByteEscapedAsBoostJsonEscapesIt) {
  const std::string s = every_byte();
  Partner p;
  p.id = s;
  p.links.push_back(ReferralLink{s, s, s, s});
  p.warnings = {s, "", s};
  BatchResult r;
  r.vendor = s;
  r.email = s;
  r.result = p;
  expect_same(r);
  Error e = Error::make(errc::protocol, s, s);
  e.vendor_code = s;
  e.vendor_message = s;
  e.issues.push_back({s, s});
  r.result = e;
  expect_same(r);

  std::string out;
  cli::append_json_string(out, "");
  cli::append_json_string(out, "\x01");
  EXPECT_EQ(out, "\"\"\"\\u0001\"");
}

// Lines far longer than the writer's first guess (many warnings, long escaped messages and issues)
// and random strings of every byte: still the serializer's bytes.
TEST(ResultLine, LongAndRandomLinesAsTheObjectWasSerialized) {
  std::mt19937 rng(5);
  auto random_string = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
      s.push_back(static_cast<char>(rng() % 3 ? 'a' + rng() % 26 : rng() % 256));
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    Partner p;
    p.id = random_string(rng() % 40);
    p.links.push_back(ReferralLink{random_string(rng() % 300), "", "", ""});
    for (unsigned n = rng() % 50; n > 0; --n) p.warnings.push_back(random_string(rng() % 30));
    BatchResult r;
    r.index = rng();
    r.line = rng();
    r.vendor = random_string(rng() % 10);
    r.email = random_string(rng() % 60);
    r.result = p;
    expect_same(r);
    Error e = Error::make(errc::protocol, random_string(rng() % 2000), random_string(rng() % 20));
    e.vendor_message = random_string(rng() % 3);
    e.http_status = static_cast<int>(rng() % 600);
    for (unsigned n = rng() % 40; n > 0; --n)
      e.issues.push_back({random_string(rng() % 20), random_string(rng() % 90)});
    r.result = e;
    expect_same(r);
  }
  std::string out = "[";
  for (int i = 0; i < 100; ++i) cli::append_json_string(out, every_byte());
  std::string expected = "[";
  for (int i = 0; i < 100; ++i) expected += boost::json::serialize(boost::json::string(every_byte()));
  EXPECT_EQ(out, expected);
}

// The escaper copies 16 bytes, 8 bytes and two overlapping words at a time: every length up to 48
// with each escaped byte (and the bytes just past the escaped range) at every position.
TEST(ResultLine, EveryLengthAndEscapePositionAsBoostJsonEscapesIt) {
  for (std::size_t n = 0; n <= 48; ++n)
    for (const char c : {'"', '\\', '\x01', '\x1f', ' ', '\x7f', '\x80', '\xff'})
      for (std::size_t at = 0; at <= n; ++at) {
        std::string s(n, 'a');
        if (at < n) s[at] = c;
        if (at + 5 < n) s[at + 5] = '\n';
        std::string out;
        cli::append_json_string(out, s);
        ASSERT_EQ(out, boost::json::serialize(boost::json::string(s))) << n << " " << at << " " << int(c);
      }
}

// One buffer for every line: a long line, then a short one, each the line and a newline.
TEST(ResultLine, OneBufferForEveryLine) {
  Partner p;
  p.id = "pn_1";
  p.warnings.assign(40, std::string(100, 'w'));
  BatchResult r;
  r.vendor = "dub";
  r.email = "a@example.com";
  r.result = p;
  std::string buf;
  const std::string long_line = std::string(cli::write_result_line(buf, r, true));
  EXPECT_EQ(long_line, cli::result_line(r, true) + "\n");
  EXPECT_GT(long_line.size(), 4000u);
  p.warnings.clear();
  r.result = p;
  const std::string_view short_line = cli::write_result_line(buf, r, false);
  EXPECT_EQ(short_line, cli::result_line(r, false) + "\n");
  EXPECT_GE(buf.size(), long_line.size());  // kept, not shrunk
}
