// Secrets never leave, by value: one rule for secret-like names and one scrubber between every
// secret of an operation and everything partnerkit prints, returns, stores or hands to a hook.
//
// Vendors echo what they were sent (a 422 quoting the password, an HTML error page, a header
// reflected in a debug body), so redaction by member name alone is not enough. A Scrubber knows the
// *values* of an operation's secrets and replaces every occurrence of each in every string that
// passes through it, in these forms:
//   - plain, JSON-escaped ("\"", "\\", "\u00e9" and the raw UTF-8 form), HTML-escaped (&lt; &amp;
//     &quot; &#39; &#x27;), URL-encoded (%XX upper and lower case, space as %20 and as +);
//   - base64 (standard and URL-safe alphabets) at each of the 3 alignments inside a longer base64
//     text, so "Basic base64(user:secret)" and a secret inside any base64 blob are found;
//   - the URL-encoded form of the standard base64 (a base64 blob in a query string).
// Every match is replaced by "REDACTED"; overlapping matches are merged into one. A text that ends
// in the first 6 or more bytes of a form is scrubbed there too: adapters cap vendor messages and
// bodies, and a cap can cut a secret in half.
//
// Short secrets (fewer than min_secret_length = 6 bytes) would match inside ordinary words and
// base64 text by chance, so they are scrubbed only as whole tokens (the bytes around the match are
// not letters, digits, '_' or '-'), in their plain, JSON- and URL-encoded forms; their base64 forms
// are not searched. Empty secrets are ignored.
//
// Matching is a single pass of an Aho–Corasick automaton over all forms of all secrets: linear in
// the text, independent of the number of secrets (bench/secrets measures it). A prefilter in front
// of it (one hashed 4-gram test every shortest-pattern-length - 3 bytes, one hashed test of the last
// 6 bytes for a cut tail, the only test of a text shorter than every pattern) skips the text no
// pattern can occupy, most strings whole; the result is the same bytes (tests/secrets and
// fuzz/scrubber hold the two scans equal).
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {

class Adapter;
struct PartnerSpec;
struct VendorConfig;

// What a scrubbed secret is replaced with.
inline constexpr std::string_view redacted_text = "REDACTED";
// Secrets shorter than this are scrubbed only as whole tokens (see above).
inline constexpr std::size_t min_secret_length = 6;

// The one rule for secret-like names (JSON members, settings, headers, form fields), case- and
// separator-insensitive ('_', '-', '.', ' ' and camelCase are all alike): a name is secret-like
// when, without separators and lower-cased, it contains password, passwd, passphrase, secret,
// token, apikey, accesskey, privatekey, credential, authorization, cookie or signature, or when one
// of its words is pass, pwd, auth or pin. "Password", "api_key", "apiToken", "client-secret",
// "X-Api-Key", "credentials", "PRIVATE_KEY", "db.pass" are; "referral_key", "passport", "company"
// are not.
bool is_secret_name(std::string_view name) noexcept;

// Appends to `out` every value (strings as they are; numbers and booleans as JSON text; objects
// and arrays entirely) found under a secret-like member name at any depth of `v`.
void collect_secret_values(const boost::json::value& v, std::vector<std::string>& out);

// Replaces, at any depth, the value of every member with a secret-like name by "REDACTED".
void redact_secret_members(boost::json::value& v);
// The same for text that is not valid JSON (cut, malformed, form-encoded, a header dump): the value
// after every secret-like name followed by ':' or '=' ("password=x&", "\"token\": \"x\"",
// "Authorization: Bearer x") is replaced, as far as its end can be told.
std::string redact_secret_text(std::string_view text);

class Scrubber {
 public:
  // Scrubs nothing.
  Scrubber();
  explicit Scrubber(const std::vector<std::string>& secrets);
  // `base` and these secrets too: the base's automata are shared, only secrets it lacks are built
  // (the Client keeps one base per vendor for the key and settings, and extends it per operation).
  Scrubber(const std::vector<std::string>& secrets, const Scrubber& base);
  Scrubber(const Scrubber&) = default;
  Scrubber& operator=(const Scrubber&) = default;
  Scrubber(Scrubber&&) noexcept = default;
  Scrubber& operator=(Scrubber&&) noexcept = default;
  ~Scrubber();

  // True when there is nothing to scrub.
  bool empty() const noexcept;
  // How many secret values (after de-duplication) and search patterns it holds.
  std::size_t secret_count() const noexcept;
  std::size_t pattern_count() const noexcept;

  // Whether `text` holds any form of any secret.
  bool leaks(std::string_view text) const;
  // `text` with every form of every secret replaced by "REDACTED".
  std::string scrub(std::string_view text) const;
  void scrub_in_place(std::string& text) const;
  // scrub_in_place on each string (null pointers skipped), with the same bytes: one pass over the
  // automata for all of them (a Partner's or an Error's dozen short strings).
  void scrub_each_in_place(std::span<std::string* const> texts) const;
  // Every string (and member name) of a JSON value.
  void scrub_in_place(boost::json::value& v) const;

  // For tests and benches: scrub() with the automaton over every byte (no prefilter), which must
  // give the same bytes; and how many bytes of `text` the automaton reads behind the prefilter.
  std::string scrub_unfiltered(std::string_view text) const;
  std::size_t scanned_bytes(std::string_view text) const;

 private:
  struct Automaton;
  static void scrub_with(const Automaton& automaton, std::string& text, bool filtered);
  std::vector<std::shared_ptr<const Automaton>> automata_;  // immutable: copies share them, threads too
};

// Every secret value of one operation: the API key, the spec's password, every value under a
// secret-like name at any depth of the spec's vendor_overrides and of the config's settings, and
// every value the adapter declares secret (Adapter::secret_values). `spec` and `adapter` may be
// null (an operation without a spec, a vendor without an adapter).
std::vector<std::string> operation_secrets(const Adapter* adapter, const PartnerSpec* spec,
                                           const VendorConfig& config);
// The part of operation_secrets that depends on the spec (its password, its vendor_overrides, the
// adapter's secret_values for it); may repeat the config's. For a Scrubber extending one built
// from operation_secrets(adapter, nullptr, config).
std::vector<std::string> spec_secrets(const Adapter* adapter, const PartnerSpec& spec,
                                      const VendorConfig& config);
// Scrubber(operation_secrets(...)).
Scrubber operation_scrubber(const Adapter* adapter, const PartnerSpec* spec, const VendorConfig& config);

// Scrubbing of the values partnerkit hands out. Every string that came from a vendor or holds
// request material: message, vendor_message, vendor_code, doc_url, field, issues, raw_body; a Partner's id,
// email, name, status_raw, created_at, links, warnings and raw JSON.
void scrub(const Scrubber& s, Error& e);
void scrub(const Scrubber& s, Partner& p);
template <class T>
void scrub(const Scrubber& s, boost::system::result<T, Error>& r) {
  if (s.empty()) return;
  if (r) {
    scrub(s, *r);
  } else {
    Error e = r.error();  // result::error() returns a copy in Boost 1.81
    scrub(s, e);
    r = std::move(e);
  }
}
template <class T>
void scrub(const Scrubber& s, std::vector<T>& values) {
  for (auto& v : values) scrub(s, v);
}

// A request safe to print or hand to hooks: credential headers (any secret-like name) "REDACTED",
// JSON body members with secret-like names "REDACTED" (a body that is not JSON but names a secret
// is replaced whole), then every remaining occurrence of a secret value scrubbed, URL included.
HttpRequest redacted(const HttpRequest& request, const Scrubber& s);
// A response safe to hand to hooks: header values and body scrubbed by value, secret-named headers
// and JSON members "REDACTED".
HttpResponse redacted(const HttpResponse& response, const Scrubber& s);

}  // namespace partnerkit
