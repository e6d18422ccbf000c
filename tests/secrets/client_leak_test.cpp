// The leak corpus through the Client with a fake transport, for every built-in vendor: whatever a
// hostile vendor echoes (the request in a 4xx/5xx body, an HTML page, JSON inside a string, headers,
// base64, URL-encoded, a success body), no secret reaches the result, the error or a hook; the
// opt-in unsafe_raw_bytes hands hooks the raw bytes.
#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/secrets.hpp>
#include <partnerkit/testing/adapter_conformance.hpp>
#include <partnerkit/testing/fake_transport.hpp>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace pk = partnerkit;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

const std::string api_key = "sk_live_LeakCanaryKey_5e1d";
const std::string password = "Hunter2Secret9";
const std::string client_secret = "cs-LeakCanary-3b7f";
const std::string api_token = "at-LeakCanary-c0de";
const std::string numeric_secret = "87654321";
const std::string credential = "cred-LeakCanary-42aa";

std::vector<std::string> canaries() {
  return {api_key, password, client_secret, api_token, numeric_secret, credential};
}

pk::PartnerSpec leaky_spec(const std::string& vendor) {
  pk::PartnerSpec s;
  s.email = "ana@example.com";
  s.name = "Ana Lopez";
  s.company = "Lopez GmbH";
  s.external_id = "crm-42";
  s.password = password;
  s.vendor_overrides[vendor] =
      boost::json::parse(R"({"client_secret":")" + client_secret + R"(","apiToken":")" + api_token +
                         R"(","Password":)" + numeric_secret + R"(,"credentials":{"value":")" + credential +
                         R"("}})")
          .as_object();
  return s;
}

std::string dump(const pk::Result<pk::Partner>& r) {
  std::string out;
  for (const auto& [where, text] : pk::testing::detail::result_strings(r)) out += where + "=" + text + "\n";
  return out;
}

std::string dump(const pk::HttpRequest& r) { return pk::testing::detail::describe(r); }
std::string dump(const pk::HttpResponse& r) {
  std::string out = std::to_string(r.status) + "\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\n";
  return out + r.body;
}

// No canary in `text`: plain, any case, hex, or any form the scrubber knows.
void expect_clean(const std::string& where, const std::string& text) {
  const pk::Scrubber known(canaries());
  for (const auto& c : canaries())
    EXPECT_FALSE(pk::testing::detail::holds_canary(text, c, known)) << where << " leaks a canary";
}

struct Outcome {
  pk::Result<pk::Partner> result = pk::Error{};
  std::vector<std::string> hook_text;  // every argument handed to before_send / after_response
};

Outcome provision(const std::string& vendor, const std::string& corpus_case, bool unsafe = false) {
  asio::io_context io;
  auto transport = std::make_shared<pk::testing::FakeTransport>(io.get_executor());
  transport->set_responder([&](const pk::HttpRequest& sent) {
    for (auto& [name, response] : pk::testing::detail::leak_corpus(sent, password, std::nullopt))
      if (name == corpus_case)
        return pk::testing::FakeReply::status(response.status, response.body, response.headers);
    ADD_FAILURE() << "no corpus case " << corpus_case;
    return pk::testing::FakeReply::status(500);
  });
  pk::ClientOptions o;
  pk::VendorOptions vo;
  vo.config.base_url = "https://vendor.test";
  vo.config.api_key = api_key;
  vo.config.settings["signing_secret"] = "ss-LeakCanary-9d9d";  // a secret-named setting
  vo.rate_limit = pk::RateLimit{0, 1};
  o.vendors.emplace(vendor, vo);
  o.retry = pk::RetryPolicy{2, 10s};
  o.backoff = pk::BackoffPolicy{1ms, 2ms, 2.0};
  o.jitter_seed = 1;
  Outcome run;
  o.hooks.before_send = [&](const pk::HttpRequest& r) { run.hook_text.push_back(dump(r)); };
  o.hooks.after_response = [&](const pk::HttpRequest& r, const pk::HttpResponse& resp,
                               std::chrono::microseconds) {
    run.hook_text.push_back(dump(r) + "\n" + dump(resp));
  };
  o.hooks.unsafe_raw_bytes = unsafe;
  pk::Client client(io.get_executor(), pk::make_default_registry(), transport, o);
  std::optional<pk::Result<pk::Partner>> out;
  client.async_provision(vendor, leaky_spec(vendor), [&](pk::Result<pk::Partner> r) { out = std::move(r); });
  io.run();
  if (out) run.result = std::move(*out);
  return run;
}

const char* const vendors[] = {"dub", "partnero", "journeybee"};
const char* const cases[] = {"json_echo_422",
                             "json_inside_a_string_400",
                             "html_error_page_502",
                             "reflected_headers_401",
                             "base64_403",
                             "url_encoded_409",
                             "echo_500"};

}  // namespace

TEST(ClientLeakCorpus, NoSecretReachesResultsErrorsOrHooks) {
  for (const char* vendor : vendors) {
    for (const char* c : cases) {
      SCOPED_TRACE(std::string(vendor) + " / " + c);
      Outcome run = provision(vendor, c);
      ASSERT_FALSE(run.result) << "an echoing error decoded as a success";
      expect_clean("the error", dump(run.result));
      EXPECT_FALSE(run.hook_text.empty());
      for (const auto& h : run.hook_text) expect_clean("a hook argument", h);
    }
  }
}

TEST(ClientLeakCorpus, TheMessageStaysUsefulWithTheSecretReplaced) {
  Outcome run = provision("partnero", "json_echo_422");
  ASSERT_FALSE(run.result);
  // The vendor's words, scrubbed, in vendor_message; message stays ours.
  EXPECT_EQ(run.result.error().vendor_message, "The password REDACTED has appeared in a data leak.");
  EXPECT_EQ(run.result.error().message.find("data leak"), std::string::npos) << run.result.error().message;
  EXPECT_EQ(run.result.error().http_status, 422);
}

TEST(ClientLeakCorpus, UnsafeRawBytesHandsHooksTheRawRequestButResultsStayScrubbed) {
  Outcome run = provision("dub", "json_echo_422", /*unsafe=*/true);
  ASSERT_FALSE(run.result);
  expect_clean("the error", dump(run.result));
  bool raw_key_seen = false;
  for (const auto& h : run.hook_text)
    raw_key_seen = raw_key_seen || h.find("Bearer " + api_key) != std::string::npos;
  EXPECT_TRUE(raw_key_seen) << "unsafe_raw_bytes must hand hooks the bytes as sent";
}
