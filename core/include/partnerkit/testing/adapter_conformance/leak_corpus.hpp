// The author's kit: the leak corpus, a hostile vendor echoing the request it was sent in every shape.
// Part of <partnerkit/testing/adapter_conformance.hpp>; include that.
#pragma once

#include <partnerkit/testing/adapter_conformance/detail.hpp>
#include <partnerkit/testing/adapter_conformance/suite.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace partnerkit::testing {

namespace detail {

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

}  // namespace detail

// The leak-corpus check of the kit (register_conformance_tests calls it).
inline void register_leak_corpus_test(std::shared_ptr<const ConformanceSuite> s, const std::string& group) {
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

}  // namespace partnerkit::testing
