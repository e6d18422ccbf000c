// JourneyBee (https://journeybee.io), the legacy API of vendor-docs 004 on app.journeybee.io:
// POST /api/v1/partnerships, or POST /api/v1/companies/{company_id}/partnerships when
// settings["company_id"] is set.
//
// VendorConfig::settings understood (all optional):
//   "company_id":  string or integer; selects the company path (percent-encoded into it).
//   "country_ids": {"<ISO alpha-2>": <number>}  spec.country -> countryId (codes compared
//   case-insensitively). "tag_ids":     {"<tag name>": <number>}     spec.tags -> tags (ids). "tier_ids":
//   {"<group>": <number>}        spec.group -> tierId.
// A country, tag or group with no mapping is dropped with a warning (lenient) or refused with
// unsupported_field (strict). A mapping that is not an integer is invalid_input naming the setting.
//
// Request body, members in this fixed order:
//   name, emails [{email, firstName, lastName}, ...], partnerType, tierId, inactive, countryId, tags,
//   customFields [{customFieldId, type, value: {<type>: value}}]
// name = company, else the person's full name, else the email's domain. emails[0] is the spec's email with
// first/last name (first_name/last_name, else the full name split once at its first space); contacts
// follow as emails[1..]. partnerType = spec.partner_type or "referral". inactive = !invite, and only
// when invite is set: absent invite leaves JourneyBee's default (active, invitations sent).
// JourneyBee cannot carry referral_key, external_id, image, description, referrer, password and link.
// vendor_overrides["journeybee"] is merged last (same rules as Dub's).
//
// Response (decode): 201 with no body or {"status","message"}; JourneyBee returns no partnership id, so the
// Partner has no id, the spec's email and name, status `pending` when created inactive (invite false)
// else `invited` (an invitation went out and awaits the partner's acceptance), outcome created. A
// non-empty 2xx body that is not a JSON object is a protocol error. Errors {"error":"..."} (also the newer
// {"error":{"code","message"}}): 409 -> already_exists, 406 -> rejected, the rest by the status table.
#pragma once

#include <partnerkit/adapter.hpp>

#include <string>
#include <string_view>

namespace partnerkit {

class JourneyBeeAdapter final : public Adapter {
 public:
  static constexpr std::string_view vendor = "journeybee";
  static constexpr std::string_view default_base_url = "https://app.journeybee.io";
  static constexpr std::string_view path = "/api/v1/partnerships";

  std::string_view name() const noexcept override { return vendor; }
  Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const override;
  Result<Partner> decode(const HttpResponse& response, const DecodeContext& context) const override;
  Capabilities capabilities() const override;
  std::vector<FieldIssue> validate(const PartnerSpec& spec) const override;

  // The body encode() sends; settings as in VendorConfig::settings.
  static Result<std::string> encode_body(const PartnerSpec& spec, const VendorConfig& config,
                                         std::vector<std::string>* warnings);
  static Error decode_error(const HttpResponse& response, const DecodeContext& context);
};

}  // namespace partnerkit
