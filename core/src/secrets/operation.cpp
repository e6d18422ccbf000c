// What one operation must never reveal, and the scrubbing of the values partnerkit hands out.
#include <partnerkit/adapter.hpp>
#include <partnerkit/partner_spec.hpp>
#include <partnerkit/secrets.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <span>

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

namespace {

// The strings of one value gathered for Scrubber::scrub_each_in_place (one pass over the automata),
// in batches of `capacity`.
class ScrubBatch {
 public:
  explicit ScrubBatch(const Scrubber& s) : s_(s) {}
  ScrubBatch(const ScrubBatch&) = delete;
  ScrubBatch& operator=(const ScrubBatch&) = delete;
  void add(std::string* text) {
    if (n_ == capacity) flush();
    texts_[n_++] = text;
  }
  void flush() {
    s_.scrub_each_in_place(std::span<std::string* const>(texts_.data(), n_));
    n_ = 0;
  }

 private:
  static constexpr std::size_t capacity = 32;
  const Scrubber& s_;
  std::array<std::string*, capacity> texts_;  // the first n_ are set
  std::size_t n_ = 0;
};

}  // namespace

void scrub(const Scrubber& s, Error& e) {
  if (s.empty()) return;
  ScrubBatch batch(s);
  for (std::string* text : {&e.message, &e.vendor_message, &e.vendor_code, &e.doc_url, &e.field, &e.raw_body})
    batch.add(text);
  for (auto& issue : e.issues) {
    batch.add(&issue.field);
    batch.add(&issue.message);
  }
  batch.flush();
}

void scrub(const Scrubber& s, Partner& p) {
  if (s.empty()) return;
  ScrubBatch batch(s);
  if (p.id) batch.add(&*p.id);
  if (p.created_at) batch.add(&*p.created_at);
  for (std::string* text : {&p.email, &p.name, &p.status_raw}) batch.add(text);
  for (auto& link : p.links)
    for (std::string* text : {&link.url, &link.id, &link.key, &link.domain}) batch.add(text);
  for (auto& w : p.warnings) batch.add(&w);
  batch.flush();
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
