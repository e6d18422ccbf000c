// What one operation must never reveal, and the scrubbing of the values partnerkit hands out.
#include <partnerkit/adapter.hpp>
#include <partnerkit/partner_spec.hpp>
#include <partnerkit/secrets.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace partnerkit {

namespace {

void add_spec_secrets(const Adapter* adapter, const PartnerSpec* spec, const VendorConfig& config,
                      std::vector<std::string>& out) {
  if (spec) {
    if (spec->password && !spec->password->empty()) out.push_back(*spec->password);
    for (const auto& [vendor, overrides] : spec->vendor_overrides)
      collect_secret_values(boost::json::value(overrides), out);
  }
  if (adapter) {
    static const PartnerSpec no_spec;  // not `spec ? *spec : PartnerSpec{}`: that copies *spec
    try {
      for (auto& s : adapter->secret_values(spec ? *spec : no_spec, config)) out.push_back(std::move(s));
    } catch (...) {
      // A plugin that throws here declares nothing; nothing a plugin does may abort the process.
    }
  }
}

}  // namespace

std::vector<std::string> operation_secrets(const Adapter* adapter, const PartnerSpec* spec,
                                           const VendorConfig& config) {
  std::vector<std::string> out;
  if (!config.api_key.empty()) out.push_back(config.api_key);
  collect_secret_values(boost::json::value(config.settings), out);
  add_spec_secrets(adapter, spec, config, out);
  return out;
}

std::vector<std::string> spec_secrets(const Adapter* adapter, const PartnerSpec& spec,
                                      const VendorConfig& config) {
  std::vector<std::string> out;
  add_spec_secrets(adapter, &spec, config, out);
  return out;
}

Scrubber operation_scrubber(const Adapter* adapter, const PartnerSpec* spec, const VendorConfig& config) {
  return Scrubber(operation_secrets(adapter, spec, config));
}

void scrub(const Scrubber& s, Error& e) {
  if (s.empty()) return;
  for (std::string* text : {&e.message, &e.vendor_message, &e.vendor_code, &e.doc_url, &e.field, &e.raw_body})
    s.scrub_in_place(*text);
  for (auto& issue : e.issues) {
    s.scrub_in_place(issue.field);
    s.scrub_in_place(issue.message);
  }
}

void scrub(const Scrubber& s, Partner& p) {
  if (s.empty()) return;
  if (p.id) s.scrub_in_place(*p.id);
  if (p.created_at) s.scrub_in_place(*p.created_at);
  for (std::string* text : {&p.email, &p.name, &p.status_raw}) s.scrub_in_place(*text);
  for (auto& link : p.links)
    for (std::string* text : {&link.url, &link.id, &link.key, &link.domain}) s.scrub_in_place(*text);
  for (auto& w : p.warnings) s.scrub_in_place(w);
  s.scrub_in_place(p.raw);
}

namespace {

std::string redacted_body(const std::string& body, const Scrubber& s) {
  if (body.empty()) return body;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  std::string out;
  if (!ec) {
    redact_secret_members(v);
    out = boost::json::serialize(v);
  } else {
    out = redact_secret_text(body);
  }
  s.scrub_in_place(out);
  return out;
}

void redact_headers(HttpHeaders& headers, const Scrubber& s) {
  for (auto& [k, v] : headers) {
    if (is_secret_name(k))
      v = redacted_text;
    else
      s.scrub_in_place(v);
  }
}

}  // namespace

HttpRequest redacted(const HttpRequest& request, const Scrubber& s) {
  HttpRequest copy = request;
  redact_headers(copy.headers, s);
  s.scrub_in_place(copy.url);
  copy.body = redacted_body(copy.body, s);
  return copy;
}

HttpResponse redacted(const HttpResponse& response, const Scrubber& s) {
  HttpResponse copy = response;
  redact_headers(copy.headers, s);
  copy.body = redacted_body(copy.body, s);
  return copy;
}

}  // namespace partnerkit
