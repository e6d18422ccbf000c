// The Adapter interface: a vendor's request and response shapes as two pure functions.
// Built-in adapters and third-party plugins implement exactly this.
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>
#include <partnerkit/rate_limit.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {

// Bumped whenever Adapter's layout or contract changes; plugins are refused on a mismatch.
inline constexpr int adapter_interface_version = 3;

// Per-vendor configuration handed to encode. A plain value: no I/O behind it.
struct VendorConfig {
  std::string base_url;  // e.g. "https://api.vendor.example"; no trailing slash needed
  std::string api_key;   // a secret: only ever placed in the Authorization header
  bool strict = false;   // fail with unsupported_field instead of dropping what the vendor can't carry
  // Vendor-specific settings, documented by each adapter (e.g. the program partners join, or maps
  // from country codes and tag names to a vendor's own ids).
  boost::json::object settings;
};

// What encode produced: the request, and the warnings of lenient mode (dropped fields).
struct EncodedRequest {
  HttpRequest request;
  std::vector<std::string> warnings;
};

// The operations a Client performs on a vendor. Each adapter declares which it has
// (Capabilities::operations); an operation it lacks fails with errc::unsupported_operation, unsent.
enum class Operation : unsigned char { create, find, get, update, deactivate };

// What to look a partner up by. The vendor's answer is compared exactly on our side: a vendor
// search that returns near matches never yields one of them.
struct FindQuery {
  enum class Key : unsigned char { external_id, email, vendor_id };
  Key key = Key::email;
  std::string value;
};

// How deactivate turns a partner off. Each adapter maps it to its vendor (deactivate, archive,
// suspend, ban) and writes the semantics down in Capabilities::operations.deactivate_semantics.
struct DeactivateOptions {
  bool permanent = false;  // the vendor's irreversible form (e.g. a ban, a delete), where it has one
  std::string reason;      // passed where the vendor takes one (e.g. a ban's reason); else ignored
};

// What decode may know about the exchange besides the response itself.
struct DecodeContext {
  const PartnerSpec* spec = nullptr;  // the spec that was encoded (never null when called by Client)
  const VendorConfig* config = nullptr;
  // When the request was sent (wall clock): a vendor that upserts tells a new partner from an existing
  // one by comparing the partner's creation time with this.
  std::chrono::system_clock::time_point sent_at{};
  // Tolerance for clock skew between us and the vendor when comparing times.
  std::chrono::seconds clock_skew{60};
  Operation operation = Operation::create;
  const FindQuery* query = nullptr;  // find: what was looked up
  std::string_view partner_id;       // get, update, deactivate: the vendor id addressed
  const DeactivateOptions* deactivate =
      nullptr;  // deactivate: how (a ban answers `banned`, not `deactivated`)
  // False when the caller drops Partner::raw (ProvisionOptions::keep_raw): a decoder may then leave
  // it null and parse into scratch memory.
  bool keep_raw = true;
};

// Which operations beyond create a vendor has, for the policy layer, the CLI and the docs.
struct OperationSupport {
  bool find_by_external_id = false;
  bool find_by_email = false;
  bool find_by_vendor_id = false;
  bool get = false;
  bool update = false;
  bool deactivate = false;
  std::vector<std::string> updatable_fields;  // PartnerSpec fields update can change
  std::string deactivate_semantics;           // e.g. "archive (reversible with revoke-archive)"
};

// How a vendor's create behaves when repeated.
enum class CreateSemantics {
  upsert,  // repeating it is safe (a vendor that creates or updates by email)
  create,  // a repeat answers already_exists; reconciled by the idempotency rule
  // A repeat may create a second partner (no unique field, no idempotency key): a create that may
  // have been applied is looked up before it is sent again, and without a lookup it is not sent
  // again (the error says stop_reason::not_idempotent).
  not_idempotent,
};

// "upsert", "create", "not_idempotent".
std::string_view to_string(CreateSemantics c) noexcept;

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
  // The vendor's documented limit per API key as count per window with burst (e.g. 60 per minute,
  // a vendor's smallest plan), used when the user configures none; X-RateLimit-Limit is read as a count per
  // this window. count 0: unknown (then default_requests_per_second, if set, per second).
  RateLimit rate_limit;
  double default_requests_per_second = 0;  // older form of rate_limit (per second, burst 1); 0: unknown
  std::string notes;
  // The vendor's public API endpoint ("https://api.vendor.example"): the base URL when none is configured.
  std::string default_base_url;
  OperationSupport operations;
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  // The vendor's name as used on the command line and in options ("acme", "acme-partners", ...).
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

  // The rules of the fields this vendor carries (lengths, formats, a password policy), run after the
  // shared rules of validated() and before encode; empty when the spec is fine for this vendor. A rule
  // of one vendor never fails another vendor's request for the same item. Pure. Default: no rules.
  virtual std::vector<FieldIssue> validate(const PartnerSpec& spec) const;

  // Operations beyond create. Each pair is as pure as encode/decode; the defaults answer
  // errc::unsupported_operation. An adapter overriding one declares it in capabilities().operations.
  //
  // find: the request that looks a partner up; decode_find returns the partners whose key matches
  // the query exactly (normally zero or one), never a near match.
  virtual Result<EncodedRequest> encode_find(const FindQuery& query, const VendorConfig& config) const;
  virtual Result<std::vector<Partner>> decode_find(const HttpResponse& response,
                                                   const DecodeContext& context) const;
  // get: one partner by the vendor's id; a missing partner is errc::not_found.
  virtual Result<EncodedRequest> encode_get(std::string_view partner_id, const VendorConfig& config) const;
  virtual Result<Partner> decode_get(const HttpResponse& response, const DecodeContext& context) const;
  // update: changes the fields set in `changes` (only Capabilities::operations.updatable_fields).
  virtual Result<EncodedRequest> encode_update(std::string_view partner_id, const PartnerSpec& changes,
                                               const VendorConfig& config) const;
  virtual Result<Partner> decode_update(const HttpResponse& response, const DecodeContext& context) const;
  // deactivate: turns the partner off as the vendor does (see DeactivateOptions).
  virtual Result<EncodedRequest> encode_deactivate(std::string_view partner_id,
                                                   const DeactivateOptions& options,
                                                   const VendorConfig& config) const;
  virtual Result<Partner> decode_deactivate(const HttpResponse& response, const DecodeContext& context) const;

  // Values this adapter knows to be secret for one operation beyond those core finds itself (the
  // API key, the spec's password, and every value under a secret-like name in vendor_overrides and
  // settings; see secrets.hpp): e.g. a setting under a name the rule does not recognise, or a token
  // derived from the key. Every form of each is scrubbed from what partnerkit prints, returns,
  // stores and hands to hooks. Pure, like encode. Default: none.
  virtual std::vector<std::string> secret_values(const PartnerSpec& spec, const VendorConfig& config) const;
};

std::string_view to_string(Operation op) noexcept;

// The adapter's declared limit: Capabilities::rate_limit, else default_requests_per_second per
// second with burst 1, else none (count 0).
RateLimit declared_rate_limit(const Capabilities& capabilities) noexcept;

}  // namespace partnerkit
