// The scrubber by value and the one rule for secret-like names.
#include <partnerkit/adapter.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/secrets.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <random>

namespace pk = partnerkit;

namespace {

std::string b64(std::string_view in) {
  static constexpr char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(a[(v >> s) & 63]);
  }
  if (in.size() - i == 1) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

const std::string password = "Hunter2Secret9";

}  // namespace

TEST(SecretNames, OneRuleCaseAndSeparatorInsensitive) {
  for (std::string_view n : {"password",
                             "Password",
                             "PASSWORD",
                             "pass",
                             "Pass",
                             "passwd",
                             "db_pass",
                             "db.pass",
                             "userPass",
                             "pwd",
                             "secret",
                             "client_secret",
                             "clientSecret",
                             "Client-Secret",
                             "token",
                             "apiToken",
                             "api_token",
                             "access_token",
                             "api_key",
                             "apikey",
                             "apiKey",
                             "API-KEY",
                             "X-Api-Key",
                             "credential",
                             "credentials",
                             "Credentials",
                             "authorization",
                             "Authorization",
                             "Proxy-Authorization",
                             "private_key",
                             "privateKey",
                             "PRIVATE_KEY",
                             "Cookie",
                             "Set-Cookie",
                             "X-Auth",
                             "passphrase",
                             "aws_access_key_id",
                             "webhook signature"})
    EXPECT_TRUE(pk::is_secret_name(n)) << n;
  for (std::string_view n : {"email", "name", "referral_key", "key", "passport", "compass", "company",
                             "author", "tags", "external_id", "bypass", "id", "link", "tenantId", ""})
    EXPECT_FALSE(pk::is_secret_name(n)) << n;
}

TEST(SecretNames, CollectsValuesOfAnyTypeAtAnyDepth) {
  auto v = boost::json::parse(
      R"({"pass":"p-one-1","Password":12345678,"credentials":{"value":"cred-value-2","n":[7654321]},)"
      R"("nested":{"deeper":[{"client_secret":"cs-value-3"}]},"apiToken":"tok-value-4","name":"Ana",)"
      R"("flag":{"token":true}})");
  std::vector<std::string> out;
  pk::collect_secret_values(v, out);
  std::sort(out.begin(), out.end());
  EXPECT_EQ(out, (std::vector<std::string>{"12345678", "7654321", "cred-value-2", "cs-value-3", "p-one-1",
                                           "tok-value-4"}));
  pk::redact_secret_members(v);
  const std::string text = boost::json::serialize(v);
  for (auto s : {"p-one-1", "12345678", "cred-value-2", "cs-value-3", "tok-value-4", "7654321"})
    EXPECT_EQ(text.find(s), std::string::npos) << s;
  EXPECT_NE(text.find("Ana"), std::string::npos);
}

TEST(SecretNames, RedactsNamedValuesInText) {
  EXPECT_EQ(pk::redact_secret_text("user=ana&password=abc%20def&x=1"), "user=ana&password=REDACTED&x=1");
  EXPECT_EQ(pk::redact_secret_text("Authorization: Bearer sk_live_123\r\nHost: x"),
            "Authorization: REDACTED\r\nHost: x");
  EXPECT_EQ(pk::redact_secret_text(R"({"apiToken": "abc\"def", "name)"), R"({"apiToken": "REDACTED", "name)");
}

TEST(Scrubber, PlainJsonHtmlAndUrlForms) {
  const std::string secret = R"(Pa ss"w/o<r>d&'é9)";
  pk::Scrubber s({secret});
  const std::vector<std::string> forms{
      secret,
      R"(Pa ss\"w/o<r>d&'é9)",                  // JSON
      R"(Pa ss\"w\/o<r>d&'\u00e99)",            // PHP json_encode
      R"(Pa ss\"w\/o<r>d&'\u00E99)",            // upper-case \u
      "Pa ss&quot;w/o&lt;r&gt;d&amp;&#39;é9",   // HTML
      "Pa ss&quot;w/o&lt;r&gt;d&amp;&#x27;é9",  // HTML, hex apostrophe
      "Pa%20ss%22w%2Fo%3Cr%3Ed%26%27%C3%A99",   // URL
      "Pa+ss%22w%2fo%3cr%3ed%26%27%c3%a99",     // form, lower hex
      "Pa%20ss%22w%2Fo%3Cr%3Ed%26'%C3%A99",     // encodeURIComponent
  };
  for (const auto& f : forms) {
    const std::string text = "before " + f + " after";
    EXPECT_TRUE(s.leaks(text)) << f;
    EXPECT_EQ(s.scrub(text), "before REDACTED after") << f;
  }
  EXPECT_FALSE(s.leaks("nothing to see here"));
  EXPECT_EQ(s.scrub("nothing to see here"), "nothing to see here");
}

TEST(Scrubber, BasicAuthAndBase64AtEveryAlignment) {
  pk::Scrubber s({password});
  const std::string basic = "Authorization: Basic " + b64("ana@example.com:" + password);
  EXPECT_TRUE(s.leaks(basic)) << basic;
  EXPECT_EQ(s.scrub(basic).find(b64("ana@example.com:" + password).substr(24)), std::string::npos);
  std::mt19937 rng(7);
  for (int prefix = 0; prefix < 9; ++prefix) {
    for (int suffix = 0; suffix < 4; ++suffix) {
      std::string raw;
      for (int i = 0; i < prefix; ++i) raw.push_back(static_cast<char>('a' + rng() % 26));
      raw += password;
      for (int i = 0; i < suffix; ++i) raw.push_back(static_cast<char>('A' + rng() % 26));
      const std::string enc = b64(raw);
      EXPECT_TRUE(s.leaks("blob=" + enc)) << prefix << "/" << suffix << " " << enc;
      std::string url_safe = enc;
      for (auto& c : url_safe) c = c == '+' ? '-' : c == '/' ? '_' : c;
      EXPECT_TRUE(s.leaks(url_safe)) << url_safe;
    }
  }
  EXPECT_FALSE(s.leaks(b64("a completely different text of similar length")));
}

TEST(Scrubber, ShortSecretsOnlyAsWholeTokens) {
  pk::Scrubber s({"ab1"});
  EXPECT_EQ(s.scrub("pin ab1 given"), "pin REDACTED given");
  EXPECT_EQ(s.scrub("\"ab1\""), "\"REDACTED\"");
  EXPECT_EQ(s.scrub("tab1e xab1 ab1_x"), "tab1e xab1 ab1_x");  // inside words: left alone
  EXPECT_FALSE(s.leaks(b64("ab1")));                           // no base64 forms
  EXPECT_EQ(s.secret_count(), 1u);
}

TEST(Scrubber, ASecretCutAtTheEndOfATextIsStillScrubbed) {
  pk::Scrubber s({password});
  EXPECT_EQ(s.scrub("message capped here: Hunter2Sec"), "message capped here: REDACTED");
  EXPECT_EQ(s.scrub("ends in Hunt"), "ends in Hunt");  // fewer than 6 bytes: ordinary text
  EXPECT_FALSE(s.leaks("Hunter2Sec and more text"));   // not at the end: not a cut secret
}

TEST(Scrubber, OverlappingAndRepeatedMatchesMerge) {
  pk::Scrubber s({"abcdefgh", "efghijkl", "zzzzzz"});
  EXPECT_EQ(s.scrub("xx abcdefghijkl yy abcdefgh"), "xx REDACTED yy REDACTED");
  EXPECT_EQ(s.scrub("zzzzzzzzz"), "REDACTED");
  EXPECT_EQ(pk::Scrubber().scrub("abcdefgh"), "abcdefgh");
  EXPECT_TRUE(pk::Scrubber(std::vector<std::string>{"", pk::redacted_text.data()}).empty());
}

TEST(Scrubber, JsonValuesKeysAndNumbers) {
  pk::Scrubber s({password, "12345678"});
  auto v = boost::json::parse(R"({"message":"The password Hunter2Secret9 has appeared in a data leak.",)"
                              R"("errors":{"password":["Hunter2Secret9 is weak"]},"Hunter2Secret9":1,)"
                              R"("pin":12345678,"nested":"{\"password\":\"Hunter2Secret9\"}"})");
  s.scrub_in_place(v);
  const std::string text = boost::json::serialize(v);
  EXPECT_EQ(text.find(password), std::string::npos) << text;
  EXPECT_EQ(text.find("12345678"), std::string::npos) << text;
  EXPECT_NE(text.find("The password REDACTED has appeared"), std::string::npos) << text;
}

TEST(Scrubber, OperationSecretsCoverKeyPasswordOverridesAndSettings) {
  pk::PartnerSpec spec;
  spec.email = "ana@example.com";
  spec.password = password;
  spec.vendor_overrides["dub"] =
      boost::json::parse(R"({"Password":87654321,"credentials":{"value":"cv-xyz-1"},)"
                         R"("client_secret":"cs-xyz-2","apiToken":"at-xyz-3","pass":"p-xyz-4"})")
          .as_object();
  pk::VendorConfig config;
  config.api_key = "sk_live_key_1";
  config.settings["signing_secret"] = "ss-xyz-5";
  config.settings["program_id"] = "prg_visible";
  auto secrets = pk::operation_secrets(nullptr, &spec, config);
  pk::Scrubber s(secrets);
  for (auto v : {"sk_live_key_1", "Hunter2Secret9", "87654321", "cv-xyz-1", "cs-xyz-2", "at-xyz-3", "p-xyz-4",
                 "ss-xyz-5"})
    EXPECT_TRUE(s.leaks(std::string("[") + v + "]")) << v;
  EXPECT_FALSE(s.leaks("prg_visible ana@example.com"));
}

TEST(Scrubber, ErrorsPartnersAndRequestsAreScrubbed) {
  pk::Scrubber s({password, "sk_live_key_1"});
  pk::Error e =
      pk::Error::make(pk::errc::rejected, "The password Hunter2Secret9 has appeared in a data leak.");
  e.vendor_code = "weak:Hunter2Secret9";
  e.issues.push_back({"password", "Hunter2Secret9 is weak"});
  e.raw_body = R"(<html><body>bad key sk_live_key_1</body></html>)";
  pk::scrub(s, e);
  for (const std::string* t : {&e.message, &e.vendor_code, &e.issues[0].message, &e.raw_body})
    EXPECT_FALSE(s.leaks(*t)) << *t;

  pk::Partner p;
  p.name = "x Hunter2Secret9";
  p.warnings.push_back("dropped Hunter2Secret9");
  p.raw = boost::json::parse(R"({"echo":"Hunter2Secret9"})");
  pk::scrub(s, p);
  EXPECT_EQ(p.name, "x REDACTED");
  EXPECT_EQ(p.warnings[0], "dropped REDACTED");
  EXPECT_EQ(boost::json::serialize(p.raw), R"({"echo":"REDACTED"})");

  pk::HttpRequest req{"POST",
                      "https://h/x?key=sk_live_key_1",
                      {{"Authorization", "Bearer sk_live_key_1"}, {"X-Debug", "Hunter2Secret9"}},
                      R"({"password":"Hunter2Secret9","note":"Hunter2Secret9","apiToken":5})"};
  auto r = pk::redacted(req, s);
  EXPECT_EQ(r.url, "https://h/x?key=REDACTED");
  EXPECT_EQ(r.header("Authorization"), "REDACTED");
  EXPECT_EQ(r.header("X-Debug"), "REDACTED");
  EXPECT_EQ(r.body, R"({"password":"REDACTED","note":"REDACTED","apiToken":"REDACTED"})");

  pk::HttpResponse resp{422, {{"X-Echo", "Basic " + b64("u:" + password)}}, "password is Hunter2Secret9"};
  auto rr = pk::redacted(resp, s);
  EXPECT_FALSE(s.leaks(rr.body));
  EXPECT_FALSE(s.leaks(rr.headers[0].second));
}

TEST(Scrubber, SanitizedBodyUsesTheOneRule) {
  const std::string body = R"({"Password":"x1","credentials":{"value":"v"},"apiToken":"t","name":"ok"})";
  EXPECT_EQ(pk::sanitized_body(body),
            R"({"Password":"REDACTED","credentials":"REDACTED","apiToken":"REDACTED","name":"ok"})");
}
