// The Adapter interface: a vendor's request and response shapes as two pure functions.
// Built-in adapters and third-party plugins implement exactly this.
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {

// Bumped whenever Adapter's layout or contract changes; plugins are refused on a mismatch.
inline constexpr int adapter_interface_version = 1;

// Per-vendor configuration handed to encode. A plain value: no I/O behind it.
struct VendorConfig {
  std::string base_url;  // e.g. "https://api.dub.co"; no trailing slash needed
  std::string api_key;   // a secret: only ever placed in the Authorization header
  bool strict = false;   // fail with unsupported_field instead of dropping what the vendor can't carry
  // Vendor-specific settings, documented by each adapter (e.g. JourneyBee's "company_id",
  // "country_ids", "tag_ids", "tier_ids" maps).
  boost::json::object settings;
};

// What encode produced: the request, and the warnings of lenient mode (dropped fields).
struct EncodedRequest {
  HttpRequest request;
  std::vector<std::string> warnings;
};

// What decode may know about the exchange besides the response itself.
struct DecodeContext {
  const PartnerSpec* spec = nullptr;  // the spec that was encoded (never null when called by Client)
  const VendorConfig* config = nullptr;
  // When the request was sent (wall clock): Dub tells a new enrollment from an existing one by
  // comparing its createdAt with this.
  std::chrono::system_clock::time_point sent_at{};
  // Tolerance for clock skew between us and the vendor when comparing times.
  std::chrono::seconds clock_skew{60};
};

// How a vendor's create behaves when repeated.
enum class CreateSemantics {
  upsert,  // repeating it is safe (Dub: upsert by email)
  create,  // a repeat answers already_exists; reconciled by the idempotency rule
};

// Every PartnerSpec field by its snake_case name, in declaration order: the names
// Capabilities::fields and FieldMapping::field use.
inline constexpr std::string_view partner_spec_fields[] = {
    "email",    "name",    "first_name",  "last_name", "company",       "referral_key",     "external_id",
    "image",    "country", "description", "tags",      "group",         "partner_type",     "referrer",
    "contacts", "invite",  "password",    "link",      "custom_fields", "vendor_overrides",
};

// Where one PartnerSpec field goes in a vendor's request, for people: "email" -> "emails[0].email".
// `partnerkit vendors --markdown` prints the field-mapping table (docs/field-mapping.md) from these.
struct FieldMapping {
  std::string field;   // a PartnerSpec field (snake_case), one of Capabilities::fields
  std::string target;  // the vendor's member path, and how, in a few words
  friend bool operator==(const FieldMapping&, const FieldMapping&) = default;
};

// What an adapter declares about itself. The policy layer reads this instead of vendor names.
struct Capabilities {
  std::vector<std::string> fields;  // PartnerSpec fields carried (snake_case names)
  // The target of each carried field, in the order of PartnerSpec (empty: only `fields` is known).
  std::vector<FieldMapping> mappings;
  CreateSemantics create = CreateSemantics::create;
  std::string error_shape;                      // the error body it parses, e.g. {"error":{"code","message"}}
  std::vector<std::string> rate_limit_headers;  // headers that carry rate-limit state
  double default_requests_per_second = 0;       // 0: unknown
  std::string notes;
  // The vendor's public API endpoint ("https://api.dub.co"): the base URL when none is configured.
  std::string default_base_url;
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  // The vendor's name as used on the command line and in options ("dub", "partnero", ...).
  virtual std::string_view name() const noexcept = 0;

  // The spec has passed validate() already. Returns the request, or invalid_input /
  // unsupported_field. Pure: the same input gives the same bytes.
  virtual Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const = 0;

  // Turns any response into a Partner or a normalized Error (with http_status, vendor_code,
  // message, doc_url, retry_after filled in where the body or headers say). Never throws on
  // hostile input: a 2xx that breaks the vendor's contract is errc::protocol.
  virtual Result<Partner> decode(const HttpResponse& response, const DecodeContext& context) const = 0;

  // New virtuals get a default body so plugins keep compiling.
  virtual Capabilities capabilities() const { return {}; }
};

}  // namespace partnerkit
