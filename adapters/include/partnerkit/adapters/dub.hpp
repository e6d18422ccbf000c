// Dub (https://dub.co): POST /partners, "Create or update a partner" (vendor-docs 002, the current contract).
//
// Request (encode): Authorization: Bearer <api_key>, a JSON body with members in this fixed order
//   name, email, username, image, tenantId, groupId, country, description,
//   linkProps {keyLength, externalId, tenantId, prefix, archived, tagIds, tagNames, comments}
// from PartnerSpec name (or first_name + " " + last_name), email, referral_key, image, external_id, group,
// country, description, link {...} and tags (-> linkProps.tagNames). Absent fields are omitted; JSON null is
// never emitted (Dub answers 422 to a null tenantId / groupId / linkProps). Dub cannot carry company,
// partner_type, referrer, contacts, invite, password and custom_fields: lenient mode drops them with a
// warning "dub cannot carry <field>; dropped", strict mode fails with unsupported_field.
// vendor_overrides["dub"] is merged last: a top-level key replaces ours in place, a new key is appended, a
// key whose override value is null is removed.
//
// Response (decode): every success is 201, for a new and an existing enrollment alike (upsert by email).
//   - createdAt older than context.sent_at - context.clock_skew: the enrollment existed before this call;
//     outcome `updated` when the spec sent an external_id (Dub changes only tenantId on an existing
//     enrollment), else `existing`. A context without sent_at gives `created`.
//   - A 201 whose email differs (case-insensitively) from the spec's is an error: already_exists with
//     field "external_id" when an external_id was sent (the tenantId belongs to another partner), else
//     protocol.
//   - status: pending, approved (-> active), rejected, invited, declined, deactivated, banned, archived;
//     any other word is PartnerStatus::unknown with a warning.
//   - Warnings (never failures): the link key differs from the referral_key sent (Dub suffixes a taken
//     key; an existing enrollment keeps its own), or no link came back although link properties were sent
//     (Dub swallows link errors), or an existing enrollment kept another tenantId.
//   - id, name, email, status and createdAt are required (protocol error when missing or mistyped);
//     links[] give ReferralLink{shortLink, id, key, domain}; totals and unknown fields stay in Partner::raw.
//   - Errors: {"error":{"code","message","doc_url"}}; 422 messages "<zod code>: <path>: <text>" set
//     Error::field to the PartnerSpec path (tenantId -> external_id, username -> referral_key,
//     linkProps.keyLength -> link.key_length, ...); 409 conflict -> already_exists (field external_id);
//     429 Retry-After / X-RateLimit-Reset as epoch milliseconds are understood.
#pragma once

#include <partnerkit/adapter.hpp>

#include <string>
#include <string_view>

namespace partnerkit {

class DubAdapter final : public Adapter {
 public:
  static constexpr std::string_view vendor = "dub";
  static constexpr std::string_view default_base_url = "https://api.dub.co";
  static constexpr std::string_view path = "/partners";

  std::string_view name() const noexcept override { return vendor; }
  Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const override;
  Result<Partner> decode(const HttpResponse& response, const DecodeContext& context) const override;
  Capabilities capabilities() const override;
  std::vector<FieldIssue> validate(const PartnerSpec& spec) const override;

  // Operations beyond create (Dub's server code, apps/web/app/(ee)/api/partners/...):
  //   find by external_id: GET /partners?tenantId=<v>; by email: GET /partners?email=<v>; each answers an
  //     array of partners, of which only those whose tenantId / email (case-insensitively) equals the
  //     value are kept; by vendor_id: GET /partners/{id} (404: none).
  //   get: GET /partners/{partnerId} (not in the OpenAPI; works with API keys; Business plan and up).
  //   deactivate: POST /partners/deactivate {"partnerId"} -> status deactivated;
  //     permanent: POST /partners/ban {"partnerId","reason"}, reason one of ban_reasons -> banned.
  //     Both answer {"partnerId"}.
  //   update: none (Dub has no update endpoint; a repeated create changes only tenantId).
  Result<EncodedRequest> encode_find(const FindQuery& query, const VendorConfig& config) const override;
  Result<std::vector<Partner>> decode_find(const HttpResponse& response,
                                           const DecodeContext& context) const override;
  Result<EncodedRequest> encode_get(std::string_view partner_id, const VendorConfig& config) const override;
  Result<Partner> decode_get(const HttpResponse& response, const DecodeContext& context) const override;
  Result<EncodedRequest> encode_deactivate(std::string_view partner_id, const DeactivateOptions& options,
                                           const VendorConfig& config) const override;
  Result<Partner> decode_deactivate(const HttpResponse& response,
                                    const DecodeContext& context) const override;

  // Dub's BAN_PARTNER_REASONS (apps/web/lib/zod/schemas/partners.ts).
  static constexpr std::string_view ban_reasons[] = {
      "tos_violation", "inappropriate_content", "fake_traffic", "fraud", "spam", "brand_abuse"};
  static bool is_ban_reason(std::string_view reason) noexcept;

  // Just the JSON body encode() sends (no API key needed); warnings of lenient mode appended to *warnings.
  static Result<std::string> encode_body(const PartnerSpec& spec, bool strict,
                                         std::vector<std::string>* warnings);
  // The Error for a non-2xx response (what decode() returns for one).
  static Error decode_error(const HttpResponse& response, const DecodeContext& context);
  // A Dub request path ("tenantId", "linkProps.keyLength", "linkProps.tagNames.1") as a PartnerSpec path
  // ("external_id", "link.key_length", "tags[1]"); a path with no counterpart is returned unchanged.
  static std::string spec_field(std::string_view dub_path, const PartnerSpec* spec = nullptr);
};

}  // namespace partnerkit
