// The adapter author's kit: a GoogleTest conformance suite any Adapter (built-in or plugin) runs
// against itself and its golden cases. Header-only; link GTest::gtest and partnerkit (installed
// with partnerkit: find_package(partnerkit) + find_package(GTest)).
//
//   #include <partnerkit/testing/adapter_conformance.hpp>   // link GTest::gtest_main: no main() needed
//   partnerkit::testing::ConformanceSuite tolt_suite() {
//     partnerkit::testing::ConformanceSuite s;
//     s.vendor = "tolt";
//     s.make_adapter = [] { return std::make_shared<const ToltAdapter>(); };
//     s.config.base_url = "https://platform.tolt.com";
//     s.config.settings["program_id"] = "prg_1";
//     s.sample.email = "ana@example.com";
//     s.golden.push_back({"minimal", spec, {}, "POST", "https://platform.tolt.com/v2/partners", R"({...})"});
//     s.errors.push_back({"duplicate", {409, {}, R"({...})"}, partnerkit::errc::already_exists, "email"});
//     s.successes.push_back({"created", spec, {201, {}, R"({...})"}, "part_1"});
//     return s;
//   }
//   const partnerkit::testing::ConformanceRegistration registered{tolt_suite()};
//
// What it checks (test names "<vendor>_conformance.<check>/<case>"):
//  - Identity: name() is the declared vendor; capabilities() name only PartnerSpec fields, every
//    mapping names a declared field, the error shape is described, the default rate is >= 0.
//  - Encode is deterministic: the same input gives the same bytes, from the same adapter and from
//    a second instance (no hidden state, no clock, no randomness).
//  - Golden requests: method, URL and body byte for byte (and the Authorization header when given).
//  - Declared errors: each response decodes to the declared code (and field when given), with
//    http_status set, a bounded message and a raw_body of at most max_raw_body_bytes.
//  - Declared successes decode (expected id and email), also with unknown extra members added.
//  - Hostile bodies never crash decode: truncated JSON, wrong types, a 2 MB string, 10 000 levels
//    of nesting, an empty body, binary garbage. On a 2xx every non-object body is errc::protocol
//    (an empty 2xx body too unless empty_success_body_ok); on a 4xx/5xx the result is an error
//    carrying the status.
//  - Operations beyond create: every operation (and find key) capabilities().operations declares has a
//    DeclaredOperation case; each case encodes byte for byte, deterministically, without the key in the
//    URL or body, and decodes its answer (expected id / number of matches); hostile answers never crash
//    a declared operation's decoder; an undeclared operation answers errc::unsupported_operation.
//  - No secret leaks: the API key and the spec's password never appear in a redacted request, in
//    encode warnings, or in any decoded error's message, field, issues, vendor_code or raw_body,
//    even when the vendor's body echoes them in secret-named members.
//  - The leak corpus (leak_corpus/<case>): a hostile vendor echoes the very request the adapter
//    encoded (canary API key, password and secret-named vendor_overrides) back in every shape:
//    JSON message and errors.<field>[], JSON inside a string, an HTML error page, reflected
//    headers, base64 (Basic auth too), URL-encoded, and inside a success body. Each answer is
//    decoded and passed through partnerkit's one scrubber exactly as the Client does
//    (operation_scrubber + scrub); no string of the Error or Partner may then hold a canary in
//    any form the kit can recognise: plain, any letter case, hex, or a form the scrubber knows.
//    An adapter that transforms what it copies (upper-cases a vendor message into vendor_code,
//    hex-dumps a body, splits a secret) leaks past the scrubber and fails here; so does one that
//    keeps a secret of its own without declaring it (Adapter::secret_values).
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_kit/base64.hpp>
#include <partnerkit/adapter_kit/url.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>
#include <partnerkit/secrets.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace partnerkit::testing {

// A request the adapter must produce byte for byte.
struct GoldenRequest {
  GoldenRequest() = default;
  GoldenRequest(std::string name_, PartnerSpec spec_, std::optional<VendorConfig> config_,
                std::string method_, std::string url_, std::string body_,
                std::optional<std::string> authorization_ = std::nullopt)
      : name(std::move(name_)),
        spec(std::move(spec_)),
        config(std::move(config_)),
        method(std::move(method_)),
        url(std::move(url_)),
        body(std::move(body_)),
        authorization(std::move(authorization_)) {}

  std::string name;
  PartnerSpec spec;
  std::optional<VendorConfig> config;  // empty: ConformanceSuite::config
  std::string method = "POST";
  std::string url;
  std::string body;
  std::optional<std::string> authorization;  // e.g. "Bearer <key>"; empty: not checked
};

// A vendor error response and the normalized code it must decode to.
struct DeclaredError {
  DeclaredError() = default;
  DeclaredError(std::string name_, HttpResponse response_, errc code_,
                std::optional<std::string> field_ = std::nullopt)
      : name(std::move(name_)), response(std::move(response_)), code(code_), field(std::move(field_)) {}

  std::string name;
  HttpResponse response;
  errc code = errc::rejected;
  std::optional<std::string> field;  // the PartnerSpec path the error must name, when given
};

// A vendor success response and what the Partner must say.
struct DeclaredSuccess {
  DeclaredSuccess() = default;
  DeclaredSuccess(std::string name_, PartnerSpec spec_, HttpResponse response_,
                  std::optional<std::string> id_ = std::nullopt,
                  std::optional<std::string> email_ = std::nullopt)
      : name(std::move(name_)),
        spec(std::move(spec_)),
        response(std::move(response_)),
        id(std::move(id_)),
        email(std::move(email_)) {}

  std::string name;
  PartnerSpec spec;  // the spec that was "sent" (DecodeContext::spec)
  HttpResponse response;
  std::optional<std::string> id;     // expected Partner::id (nullopt: not checked)
  std::optional<std::string> email;  // expected Partner::email (nullopt: the spec's email)
};

// One operation beyond create, encoded byte for byte and decoded from the vendor's answer.
struct DeclaredOperation {
  std::string name;
  Operation op = Operation::get;
  FindQuery query;            // find
  std::string partner_id;     // get, update, deactivate
  PartnerSpec changes;        // update
  DeactivateOptions options;  // deactivate
  std::string method;         // the request expected
  std::string url;
  std::string body;                    // "" for a bodiless request
  HttpResponse response;               // a success answer to decode
  std::optional<std::string> id;       // the Partner::id expected (find: of the first match)
  std::optional<std::size_t> matches;  // find: how many partners the answer must yield
};

struct ConformanceSuite {
  std::string vendor;                                            // what name() must return
  std::function<std::shared_ptr<const Adapter>()> make_adapter;  // a fresh adapter per call
  VendorConfig config;  // base URL, settings; api_key is replaced by `api_key` below
  std::string api_key = "pk_conformance_SECRET_4f2a9c";  // must never leak
  PartnerSpec sample;  // a valid spec; its password (if any) must never leak
  std::vector<GoldenRequest> golden;
  std::vector<DeclaredError> errors;
  std::vector<DeclaredSuccess> successes;
  bool empty_success_body_ok = false;      // true when the vendor answers a create with an empty 2xx
  int success_status = 201;                // the status of a create's success, for the hostile checks
  std::vector<std::string> extra_secrets;  // more strings that must never appear
  // Operations beyond create: at least one case for each operation (and each find key) that
  // capabilities().operations declares; an undeclared one must answer unsupported_operation.
  std::vector<DeclaredOperation> operations;
  // The leak corpus's canaries: the spec's password and secret-named vendor_overrides members.
  std::string canary_password = "Kit-Canary-Passw0rd-7f3a";
  std::string canary_override_secret = "kit-canary-client-secret-91c2";
  // Whether the leak corpus adds {"client_secret": canary} to vendor_overrides (turn off for an
  // adapter that refuses unknown override members).
  bool canary_overrides = true;
};

namespace detail {

inline std::string describe(const HttpRequest& r) {
  std::string s = r.method + " " + r.url + "\n";
  for (const auto& [k, v] : r.headers) s += k + ": " + v + "\n";
  return s + "\n" + r.body;
}

inline VendorConfig config_with_key(const ConformanceSuite& s, std::optional<VendorConfig> c = std::nullopt) {
  VendorConfig cfg = c ? *c : s.config;
  cfg.api_key = s.api_key;
  return cfg;
}

inline std::vector<std::string> secrets(const ConformanceSuite& s) {
  std::vector<std::string> out{s.api_key};
  if (s.sample.password && !s.sample.password->empty()) out.push_back(*s.sample.password);
  for (const auto& g : s.golden)
    if (g.spec.password && !g.spec.password->empty()) out.push_back(*g.spec.password);
  for (const auto& x : s.extra_secrets)
    if (!x.empty()) out.push_back(x);
  return out;
}

inline void expect_no_secret(std::string_view where, std::string_view text,
                             const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets)
    EXPECT_EQ(text.find(secret), std::string_view::npos) << where << " contains a secret";
}

inline void expect_clean_error(const Error& e, const std::vector<std::string>& secrets) {
  expect_no_secret("Error::message", e.message, secrets);
  expect_no_secret("Error::field", e.field, secrets);
  expect_no_secret("Error::vendor_code", e.vendor_code, secrets);
  expect_no_secret("Error::doc_url", e.doc_url, secrets);
  expect_no_secret("Error::raw_body", e.raw_body, secrets);
  for (const auto& i : e.issues) {
    expect_no_secret("Error::issues.field", i.field, secrets);
    expect_no_secret("Error::issues.message", i.message, secrets);
  }
  EXPECT_LE(e.raw_body.size(), max_raw_body_bytes) << "raw_body is not capped";
  EXPECT_LE(e.message.size(), 16u * 1024) << "message is not bounded";
}

inline DecodeContext context_for(const PartnerSpec& spec, const VendorConfig& config) {
  DecodeContext ctx;
  ctx.spec = &spec;
  ctx.config = &config;
  ctx.sent_at = std::chrono::system_clock::now();
  return ctx;
}

// Bodies no vendor sends on purpose.
inline std::vector<std::pair<std::string, std::string>> hostile_bodies() {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("empty", "");
  out.emplace_back("truncated", R"({"data":{"id":"p_1","email":"a@b.co","na)");
  out.emplace_back("truncated_string", R"({"error":{"code":"conflict","message":"unterminat)");
  out.emplace_back("null", "null");
  out.emplace_back("array", "[]");
  out.emplace_back("number", "42");
  out.emplace_back("string", R"("just a string")");
  out.emplace_back("wrong_types",
                   R"({"id":[],"email":{},"name":7,"status":false,"createdAt":[1],"links":"x","data":5,)"
                   R"("partner":"x","error":12,"errors":"x","message":{},"code":[],"success":"yes"})");
  out.emplace_back("wrong_types_nested",
                   R"({"data":{"id":{},"email":[],"status":1,"link":"x"},"error":{"code":{},"message":[]},)"
                   R"("errors":[{"field":1,"message":null},7]})");
  std::string big(2 * 1024 * 1024, 'A');
  out.emplace_back("two_megabyte_string",
                   "{\"message\":\"" + big + "\",\"error\":\"" + big.substr(0, 1024) + "\"}");
  out.emplace_back("two_megabyte_bare", big);
  out.emplace_back("deep_nesting", std::string(10000, '[') + std::string(10000, ']'));
  out.emplace_back("deep_nesting_objects", [] {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(10000, '}');
    return s;
  }());
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) & 0xFF));
  out.emplace_back("binary_garbage", garbage);
  out.emplace_back("invalid_utf8", "{\"message\":\"\xC3\x28\xFF\xFE\",\"error\":\"\xED\xA0\x80\"}");
  return out;
}

// A body echoing the secrets in members a vendor might send back.
inline std::string echo_body(const ConformanceSuite& s) {
  boost::json::object o;
  o["password"] = s.sample.password.value_or("S3cret-Passw0rd!");
  o["api_key"] = s.api_key;
  o["token"] = s.api_key;
  o["authorization"] = "Bearer " + s.api_key;
  return boost::json::serialize(o);
}

inline std::string to_html(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else if (c == '\'')
      out += "&#39;";
    else
      out.push_back(c);
  }
  return out;
}

inline std::string to_hex(std::string_view in, bool upper) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    out += {hex[c >> 4], hex[c & 15]};
  }
  return out;
}

inline std::string lower_case(std::string_view in) {
  std::string out(in);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether `text` holds `secret` in a form the kit recognises independently of the scrubber:
// plain, in any letter case, or hex-encoded (either case); or in any form the scrubber knows.
inline bool holds_canary(std::string_view text, const std::string& secret, const Scrubber& known) {
  if (secret.empty()) return false;
  const std::string lower_text = lower_case(text);
  return lower_text.find(lower_case(secret)) != std::string::npos ||
         lower_text.find(to_hex(secret, false)) != std::string::npos || known.leaks(text);
}

// Every string a decoded result hands out, named.
inline std::vector<std::pair<std::string, std::string>> result_strings(const Result<Partner>& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r) {
    const Partner& p = *r;
    out.emplace_back("Partner::id", p.id.value_or(""));
    out.emplace_back("Partner::email", p.email);
    out.emplace_back("Partner::name", p.name);
    out.emplace_back("Partner::status_raw", p.status_raw);
    out.emplace_back("Partner::created_at", p.created_at.value_or(""));
    for (const auto& l : p.links)
      out.emplace_back("Partner::links", l.url + " " + l.id + " " + l.key + " " + l.domain);
    for (const auto& w : p.warnings) out.emplace_back("Partner::warnings", w);
    out.emplace_back("Partner::raw", boost::json::serialize(p.raw));
  } else {
    const Error& e = r.error();
    out.emplace_back("Error::message", e.message);
    out.emplace_back("Error::vendor_code", e.vendor_code);
    out.emplace_back("Error::doc_url", e.doc_url);
    out.emplace_back("Error::field", e.field);
    out.emplace_back("Error::raw_body", e.raw_body);
    for (const auto& i : e.issues) out.emplace_back("Error::issues", i.field + " " + i.message);
  }
  return out;
}

// A hostile vendor's answers to `sent`: the request echoed back in every shape a vendor might.
inline std::vector<std::pair<std::string, HttpResponse>> leak_corpus(
    const HttpRequest& sent, const std::string& password, const std::optional<HttpResponse>& success) {
  const std::string auth(sent.header("Authorization"));
  std::string header_dump;
  for (const auto& [k, v] : sent.headers) header_dump += k + ": " + v + "\r\n";
  boost::json::object errors;
  std::string form;
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(sent.body, ec);
  if (!ec && body.is_object()) {
    for (const auto& kv : body.as_object()) {
      const std::string value =
          kv.value().is_string() ? std::string(kv.value().get_string()) : boost::json::serialize(kv.value());
      errors[kv.key()] = boost::json::array{"The " + std::string(kv.key()) + " " + value + " is invalid."};
      form += (form.empty() ? "" : "&") + adapter_kit::url_component(kv.key()) + "=" +
              adapter_kit::url_component(value);
    }
  }
  const std::string leak_message = "The password " + password + " has appeared in a data leak.";
  errors["password"] = boost::json::array{leak_message};
  auto json_answer = [](int status, const boost::json::object& o, HttpHeaders extra = {}) {
    HttpResponse r{status, {{"Content-Type", "application/json"}}, boost::json::serialize(o)};
    for (auto& h : extra) r.headers.push_back(std::move(h));
    return r;
  };
  std::vector<std::pair<std::string, HttpResponse>> out;
  out.emplace_back("json_echo_422",
                   json_answer(422, {{"message", leak_message},
                                     {"errors", errors},
                                     {"error", boost::json::object{{"code", "unprocessable_entity"},
                                                                   {"message", leak_message}}}}));
  const std::string as_string = "Invalid request: " + sent.body;
  out.emplace_back(
      "json_inside_a_string_400",
      json_answer(400, {{"message", as_string},
                        {"error", boost::json::object{{"code", "bad_request"}, {"message", as_string}}},
                        {"detail", sent.body}}));
  out.emplace_back("html_error_page_502",
                   HttpResponse{502,
                                {{"Content-Type", "text/html"}},
                                "<html><head><title>502</title></head><body><h1>Bad Gateway</h1><pre>" +
                                    to_html(header_dump + "\r\n" + sent.body) + "</pre></body></html>"});
  const std::string reflected = "Invalid API key in header Authorization: " + auth;
  out.emplace_back(
      "reflected_headers_401",
      json_answer(401,
                  {{"message", reflected},
                   {"error", boost::json::object{{"code", "unauthorized"}, {"message", reflected}}},
                   {"request_headers", header_dump}},
                  {{"X-Echo-Authorization", auth}, {"WWW-Authenticate", "Bearer realm=\"" + auth + "\""}}));
  const std::string b64 = "request " + adapter_kit::base64_encode(sent.body) +
                          " rejected; credentials Basic " +
                          adapter_kit::base64_encode("user:" + auth.substr(auth.find(' ') + 1)) + " " +
                          adapter_kit::base64_encode("x" + password);
  out.emplace_back(
      "base64_403",
      json_answer(
          403, {{"message", b64}, {"error", boost::json::object{{"code", "forbidden"}, {"message", b64}}}}));
  const std::string url = "conflict for " + form + "&password=" + adapter_kit::url_component(password);
  out.emplace_back(
      "url_encoded_409",
      json_answer(
          409, {{"message", url}, {"error", boost::json::object{{"code", "conflict"}, {"message", url}}}}));
  out.emplace_back("echo_500",
                   json_answer(500, {{"message", leak_message + " " + as_string}, {"error", leak_message}}));
  if (success) {
    boost::system::error_code sec;
    boost::json::value v = boost::json::parse(success->body, sec);
    if (!sec && v.is_object()) {
      auto add_echo = [&](boost::json::object& o) {
        o["echo"] = sent.body;
        o["note"] = leak_message;
      };
      add_echo(v.as_object());
      for (auto& [_, member] : v.as_object())
        if (member.is_object()) add_echo(member.as_object());
      HttpResponse r = *success;
      r.body = boost::json::serialize(v);
      r.headers.emplace_back("X-Echo-Authorization", auth);
      out.emplace_back("success_with_echo", std::move(r));
    }
  }
  return out;
}

class LambdaTest : public ::testing::Test {
 public:
  explicit LambdaTest(std::function<void()> body) : body_(std::move(body)) {}
  void TestBody() override { body_(); }

 private:
  std::function<void()> body_;
};

inline std::string test_name(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out.empty() ? "_" : out;
}

inline void add_test(const std::string& suite, const std::string& name, std::function<void()> body) {
  ::testing::RegisterTest(suite.c_str(), test_name(name).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [body = std::move(body)]() -> ::testing::Test* { return new LambdaTest(body); });
}

}  // namespace detail

namespace detail {

inline Result<EncodedRequest> encode_operation(const Adapter& a, const DeclaredOperation& o,
                                               const VendorConfig& c) {
  switch (o.op) {
    case Operation::find:
      return a.encode_find(o.query, c);
    case Operation::get:
      return a.encode_get(o.partner_id, c);
    case Operation::update:
      return a.encode_update(o.partner_id, o.changes, c);
    case Operation::deactivate:
      return a.encode_deactivate(o.partner_id, o.options, c);
    case Operation::create:
      break;
  }
  return a.encode(o.changes, c);
}

// The Partner ids of an operation's decoded answer (find: every match), or its error.
inline Result<std::vector<std::string>> decode_operation(const Adapter& a, const DeclaredOperation& o,
                                                         const HttpResponse& r, const VendorConfig& c) {
  DecodeContext ctx;
  ctx.config = &c;
  ctx.operation = o.op;
  ctx.query = &o.query;
  ctx.partner_id = o.partner_id;
  ctx.deactivate = &o.options;
  std::vector<std::string> ids;
  if (o.op == Operation::find) {
    auto found = a.decode_find(r, ctx);
    if (!found) return found.error();
    for (const auto& p : *found) ids.push_back(p.id.value_or(""));
    return ids;
  }
  Result<Partner> p = o.op == Operation::get          ? a.decode_get(r, ctx)
                      : o.op == Operation::update     ? a.decode_update(r, ctx)
                      : o.op == Operation::deactivate ? a.decode_deactivate(r, ctx)
                                                      : a.decode(r, ctx);
  if (!p) return p.error();
  ids.push_back(p->id.value_or(""));
  return ids;
}

}  // namespace detail

// The operation checks of the kit (register_conformance_tests calls it).
inline void register_operation_tests(std::shared_ptr<const ConformanceSuite> s, const std::string& group) {
  detail::add_test(group, "operations_declared_have_cases", [s] {
    auto a = s->make_adapter();
    const OperationSupport ops = a->capabilities().operations;
    const auto has = [&](Operation op, std::optional<FindQuery::Key> key = std::nullopt) {
      for (const auto& o : s->operations)
        if (o.op == op && (!key || o.query.key == *key)) return true;
      return false;
    };
    const auto undeclared = [&](Operation op, std::optional<FindQuery::Key> key = std::nullopt) {
      DeclaredOperation probe;
      probe.op = op;
      probe.partner_id = "p_1";
      probe.query.key = key.value_or(FindQuery::Key::email);
      probe.query.value = "ana@example.com";
      probe.changes.name = "Ana";
      auto r = detail::encode_operation(*a, probe, detail::config_with_key(*s));
      ASSERT_FALSE(r) << to_string(op) << " is not declared but encodes";
      EXPECT_EQ(r.error().code, errc::unsupported_operation) << to_string(op) << ": " << r.error().message;
    };
    const std::pair<bool, FindQuery::Key> keys[] = {{ops.find_by_external_id, FindQuery::Key::external_id},
                                                    {ops.find_by_email, FindQuery::Key::email},
                                                    {ops.find_by_vendor_id, FindQuery::Key::vendor_id}};
    for (const auto& [declared, key] : keys) {
      if (declared) {
        EXPECT_TRUE(has(Operation::find, key)) << "find by key " << static_cast<int>(key) << " has no case";
      } else {
        undeclared(Operation::find, key);
      }
    }
    const std::pair<bool, Operation> others[] = {
        {ops.get, Operation::get}, {ops.update, Operation::update}, {ops.deactivate, Operation::deactivate}};
    for (const auto& [declared, op] : others) {
      if (declared) {
        EXPECT_TRUE(has(op)) << to_string(op) << " is declared but has no DeclaredOperation case";
      } else {
        undeclared(op);
      }
    }
    if (ops.update) {
      EXPECT_FALSE(ops.updatable_fields.empty()) << "update declares no updatable_fields";
    }
    if (ops.deactivate) {
      EXPECT_FALSE(ops.deactivate_semantics.empty()) << "deactivate semantics not written";
    }
  });

  for (const auto& o : s->operations) {
    detail::add_test(group, "operation/" + std::string(to_string(o.op)) + "_" + o.name, [s, o] {
      auto a = s->make_adapter();
      auto b = s->make_adapter();
      const VendorConfig cfg = detail::config_with_key(*s);
      auto r = detail::encode_operation(*a, o, cfg);
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(r->request.method, o.method);
      EXPECT_EQ(r->request.url, o.url);
      EXPECT_EQ(r->request.body, o.body);
      auto again = detail::encode_operation(*b, o, cfg);
      ASSERT_TRUE(again);
      EXPECT_EQ(r->request, again->request) << "the operation encodes differently twice";
      EXPECT_EQ(r->request.url.find(s->api_key), std::string::npos) << "API key in the URL";
      EXPECT_EQ(r->request.body.find(s->api_key), std::string::npos) << "API key in the body";
      detail::expect_no_secret("redacted request", detail::describe(redacted(r->request)),
                               detail::secrets(*s));

      auto ids = detail::decode_operation(*a, o, o.response, cfg);
      ASSERT_TRUE(ids) << ids.error().message;
      if (o.matches) {
        EXPECT_EQ(ids->size(), *o.matches);
      }
      if (o.id) {
        ASSERT_FALSE(ids->empty());
        EXPECT_EQ(ids->front(), *o.id);
      }
      for (const auto& [what, body] : detail::hostile_bodies()) {
        for (int status : {200, 404, 500}) {
          HttpResponse h{status, {{"Content-Type", "application/json"}}, body};
          auto d = detail::decode_operation(*a, o, h, cfg);  // must not crash; errors carry no secret
          if (!d) detail::expect_clean_error(d.error(), detail::secrets(*s));
          if (status == 500) {
            EXPECT_FALSE(d) << what << ": a 500 decoded as a success";
          }
        }
      }
    });
  }
}

// Registers every check of the kit for `suite` with GoogleTest (call before RUN_ALL_TESTS).
inline void register_conformance_tests(const ConformanceSuite& suite_in) {
  auto s = std::make_shared<const ConformanceSuite>(suite_in);
  const std::string group = detail::test_name(s->vendor) + "_conformance";

  detail::add_test(group, "identity", [s] {
    ASSERT_TRUE(s->make_adapter) << "make_adapter is empty";
    auto a = s->make_adapter();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->name(), s->vendor);
    Capabilities c = a->capabilities();
    EXPECT_FALSE(c.fields.empty()) << "capabilities().fields names no field";
    EXPECT_NE(std::find(c.fields.begin(), c.fields.end(), "email"), c.fields.end()) << "email is not carried";
    for (const auto& f : c.fields)
      EXPECT_NE(std::find(std::begin(partner_spec_fields), std::end(partner_spec_fields), f),
                std::end(partner_spec_fields))
          << "'" << f << "' is not a PartnerSpec field";
    for (const auto& m : c.mappings) {
      EXPECT_NE(std::find(c.fields.begin(), c.fields.end(), m.field), c.fields.end())
          << "mapping for '" << m.field << "', which fields does not declare";
      EXPECT_FALSE(m.target.empty()) << "empty target for " << m.field;
    }
    EXPECT_FALSE(c.error_shape.empty()) << "capabilities().error_shape is not described";
    EXPECT_GE(c.default_requests_per_second, 0);
    EXPECT_GE(c.rate_limit.count, 0);
    if (c.rate_limit.count > 0) {
      EXPECT_GT(c.rate_limit.window.count(), 0) << "capabilities().rate_limit: a count needs a window";
      EXPECT_GE(c.rate_limit.burst, 1) << "capabilities().rate_limit.burst is below 1";
    }
    EXPECT_EQ(c.default_base_url.rfind("https://", 0), 0u)
        << "capabilities().default_base_url is not an https URL";
  });

  detail::add_test(group, "encode_is_deterministic", [s] {
    auto a = s->make_adapter();
    auto b = s->make_adapter();
    std::vector<std::pair<PartnerSpec, VendorConfig>> inputs{{s->sample, detail::config_with_key(*s)}};
    for (const auto& g : s->golden) inputs.emplace_back(g.spec, detail::config_with_key(*s, g.config));
    for (const auto& [spec, cfg] : inputs) {
      auto r1 = a->encode(spec, cfg);
      auto r2 = a->encode(spec, cfg);
      auto r3 = b->encode(spec, cfg);
      ASSERT_EQ(r1.has_value(), r2.has_value());
      ASSERT_EQ(r1.has_value(), r3.has_value());
      if (!r1) {
        EXPECT_EQ(r1.error().code, r2.error().code);
        EXPECT_EQ(r1.error().message, r2.error().message);
        continue;
      }
      EXPECT_EQ(r1->request, r2->request) << detail::describe(r1->request) << "\n---\n"
                                          << detail::describe(r2->request);
      EXPECT_EQ(r1->request, r3->request) << "a second adapter instance encodes differently";
      EXPECT_EQ(r1->warnings, r2->warnings);
    }
  });

  for (std::size_t i = 0; i < s->golden.size(); ++i) {
    detail::add_test(group, "golden_" + s->golden[i].name, [s, i] {
      const auto& g = s->golden[i];
      auto cfg = detail::config_with_key(*s, g.config);
      auto r = s->make_adapter()->encode(g.spec, cfg);
      ASSERT_TRUE(r) << "encode failed: " << r.error().message;
      EXPECT_EQ(r->request.method, g.method);
      EXPECT_EQ(r->request.url, g.url);
      EXPECT_EQ(r->request.body, g.body) << "the body differs from the golden one byte for byte";
      if (g.authorization) {
        std::string auth = *g.authorization;
        if (auto pos = auth.find("<key>"); pos != std::string::npos) auth.replace(pos, 5, s->api_key);
        EXPECT_EQ(r->request.header("Authorization"), auth);
      }
    });
  }

  for (std::size_t i = 0; i < s->errors.size(); ++i) {
    detail::add_test(group, "error_" + s->errors[i].name, [s, i] {
      const auto& d = s->errors[i];
      auto cfg = detail::config_with_key(*s);
      auto ctx = detail::context_for(s->sample, cfg);
      auto r = s->make_adapter()->decode(d.response, ctx);
      ASSERT_FALSE(r) << "a declared error decoded as a success";
      EXPECT_EQ(to_string(r.error().code), to_string(d.code)) << r.error().message;
      EXPECT_EQ(r.error().http_status, d.response.status);
      EXPECT_FALSE(r.error().message.empty());
      if (d.field) {
        EXPECT_EQ(r.error().field, *d.field);
      }
      detail::expect_clean_error(r.error(), detail::secrets(*s));
    });
  }

  for (std::size_t i = 0; i < s->successes.size(); ++i) {
    detail::add_test(group, "success_" + s->successes[i].name, [s, i] {
      const auto& d = s->successes[i];
      auto cfg = detail::config_with_key(*s);
      auto ctx = detail::context_for(d.spec, cfg);
      auto adapter = s->make_adapter();
      auto r = adapter->decode(d.response, ctx);
      ASSERT_TRUE(r) << "decode failed: " << r.error().message;
      EXPECT_EQ(r->vendor, s->vendor);
      if (d.id) {
        EXPECT_EQ(r->id, d.id);
      }
      EXPECT_EQ(r->email, d.email.value_or(d.spec.email));

      // Unknown members are tolerated (vendors add fields; closed decoders break on them).
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(d.response.body, ec);
      if (!ec && v.is_object()) {
        auto add_unknown = [](boost::json::object& o) {
          o["partnerkit_unknown_member"] =
              boost::json::object{{"nested", boost::json::array{1, "two", nullptr}}};
          o["partnerkit_unknown_string"] = "x";
        };
        add_unknown(v.as_object());
        for (auto& [_, member] : v.as_object())
          if (member.is_object()) add_unknown(member.as_object());
        HttpResponse extended = d.response;
        extended.body = boost::json::serialize(v);
        auto r2 = adapter->decode(extended, ctx);
        ASSERT_TRUE(r2) << "unknown members made decode fail: " << r2.error().message;
        EXPECT_EQ(r2->id, r->id);
        EXPECT_EQ(r2->email, r->email);
      }
    });
  }

  detail::add_test(group, "hostile_bodies_never_crash", [s] {
    auto adapter = s->make_adapter();
    auto cfg = detail::config_with_key(*s);
    auto ctx = detail::context_for(s->sample, cfg);
    auto secrets = detail::secrets(*s);
    std::vector<int> statuses{200, s->success_status, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503};
    for (const auto& [name, body] : detail::hostile_bodies()) {
      for (int status : statuses) {
        SCOPED_TRACE(name + " with status " + std::to_string(status));
        HttpResponse resp{status, {{"Content-Type", "application/json"}}, body};
        auto r = adapter->decode(resp, ctx);
        if (status >= 200 && status < 300) {
          // Bodies that are not a JSON object cannot be a partner; wrong-typed objects may be
          // accepted only by vendors that read nothing from a success (checked: no crash).
          bool object_like = name.rfind("wrong_types", 0) == 0 || name == "deep_nesting_objects";
          bool empty_ok = name == "empty" && s->empty_success_body_ok;
          if (!object_like && !empty_ok) {
            ASSERT_FALSE(r) << "a hostile 2xx body decoded as a success";
            EXPECT_EQ(to_string(r.error().code), "protocol") << r.error().message;
          }
        } else {
          ASSERT_FALSE(r) << "a " << status << " decoded as a success";
          EXPECT_EQ(r.error().http_status, status);
        }
        if (!r) detail::expect_clean_error(r.error(), secrets);
      }
    }
  });

  detail::add_test(group, "no_secret_in_requests_or_errors", [s] {
    auto adapter = s->make_adapter();
    auto secrets = detail::secrets(*s);
    std::vector<std::pair<PartnerSpec, VendorConfig>> inputs{{s->sample, detail::config_with_key(*s)}};
    for (const auto& g : s->golden) inputs.emplace_back(g.spec, detail::config_with_key(*s, g.config));
    for (auto [spec, cfg] : inputs) {
      for (bool strict : {false, true}) {
        cfg.strict = strict;
        auto r = adapter->encode(spec, cfg);
        if (!r) {
          detail::expect_clean_error(r.error(), secrets);
          continue;
        }
        // The key goes in the Authorization header only, never in the URL or the body.
        EXPECT_EQ(r->request.url.find(s->api_key), std::string::npos) << "API key in the URL";
        EXPECT_EQ(r->request.body.find(s->api_key), std::string::npos) << "API key in the body";
        HttpRequest red = redacted(r->request);
        detail::expect_no_secret("redacted request", detail::describe(red), secrets);
        for (const auto& w : r->warnings) detail::expect_no_secret("encode warning", w, secrets);
      }
    }
    auto cfg = detail::config_with_key(*s);
    auto ctx = detail::context_for(s->sample, cfg);
    for (int status : {400, 401, 403, 409, 422, 500}) {
      HttpResponse echo{status, {{"Content-Type", "application/json"}}, detail::echo_body(*s)};
      auto r = adapter->decode(echo, ctx);
      ASSERT_FALSE(r);
      detail::expect_clean_error(r.error(), secrets);
    }
    for (const auto& d : s->errors) {
      auto r = adapter->decode(d.response, ctx);
      if (!r) detail::expect_clean_error(r.error(), secrets);
    }
  });

  register_operation_tests(s, group);
  detail::add_test(group, "leak_corpus", [s] {
    auto adapter = s->make_adapter();
    VendorConfig cfg = detail::config_with_key(*s);
    PartnerSpec spec = s->sample;
    spec.password = s->canary_password;
    if (s->canary_overrides) spec.vendor_overrides[s->vendor]["client_secret"] = s->canary_override_secret;
    auto enc = adapter->encode(spec, cfg);
    if (!enc && s->canary_overrides) {  // the adapter refuses the override: go on without it
      spec.vendor_overrides.erase(s->vendor);
      enc = adapter->encode(spec, cfg);
    }
    ASSERT_TRUE(enc) << "the sample with a password does not encode: " << enc.error().message;
    std::vector<std::string> canaries = detail::secrets(*s);
    canaries.push_back(s->canary_password);
    if (spec.vendor_overrides.count(s->vendor)) canaries.push_back(s->canary_override_secret);
    // What the Client does: one scrubber per operation, applied to what it hands out.
    const Scrubber scrubber = operation_scrubber(adapter.get(), &spec, cfg);
    const Scrubber known(canaries);
    auto check = [&](const std::string& where, std::string_view text) {
      for (const auto& c : canaries)
        EXPECT_FALSE(detail::holds_canary(text, c, known))
            << where << " leaks a secret (" << (c == s->api_key ? "the API key" : "a canary") << ")";
    };
    const HttpRequest hook_view = redacted(enc->request, scrubber);
    check("the request handed to hooks", detail::describe(hook_view));
    for (const auto& w : enc->warnings) check("an encode warning", scrubber.scrub(w));
    std::optional<HttpResponse> success;
    if (!s->successes.empty()) success = s->successes.front().response;
    const PartnerSpec& decoded_spec = s->successes.empty() ? spec : s->successes.front().spec;
    for (const auto& [name, response] : detail::leak_corpus(enc->request, s->canary_password, success)) {
      SCOPED_TRACE("leak_corpus/" + name);
      DecodeContext ctx = detail::context_for(name == "success_with_echo" ? decoded_spec : spec, cfg);
      Result<Partner> r = adapter->decode(response, ctx);
      if (name != "success_with_echo") {
        ASSERT_FALSE(r) << "an echoing " << response.status << " decoded as a success";
      }
      scrub(scrubber, r);
      for (const auto& [where, text] : detail::result_strings(r)) check(where, text);
      const HttpResponse hook_response = redacted(response, scrubber);
      std::string dump = hook_response.body;
      for (const auto& [k, v] : hook_response.headers) dump += "\n" + k + ": " + v;
      check("the response handed to hooks", dump);
    }
  });
}

// Registers a suite's tests when it is constructed. A namespace-scope object registers before
// gtest_main's RUN_ALL_TESTS, so a test file needs no main() of its own:
//   const partnerkit::testing::ConformanceRegistration registered{my_suite()};
struct ConformanceRegistration {
  explicit ConformanceRegistration(const ConformanceSuite& suite) { register_conformance_tests(suite); }
};

}  // namespace partnerkit::testing
