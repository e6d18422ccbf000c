// Partnero (https://partnero.com): POST /v1/partners, or POST /v1/partners:invite when spec.invite is true
// (vendor-docs 003).
//
// Request (encode): Authorization: Bearer <api_key>, a JSON body with members in this fixed order
//   email, name, surname, password, id, key, tags, referring_partner {id, key, email}
// name/surname are first_name/last_name when either is set, else the full name split once at its first
// space ("Ana Maria Lopez" -> "Ana" / "Maria Lopez"). password is a secret: never logged, never in errors.
// The invite endpoint takes only email, name (required: no derivable first name is invalid_input,
// field "name") and surname; password, external_id, referral_key, tags and referrer are then dropped
// (lenient, with a warning) or refused (strict, unsupported_field). Partnero cannot carry company, image,
// country, description, group, partner_type, contacts, link and custom_fields.
// vendor_overrides["partnero"] is merged last (same rules as Dub's).
//
// Response (decode): {"data":{...},"status":1}. data.id (string or number) and data.email are required;
// name = name + " " + surname; status active/pending/archived map to themselves, deleted -> deactivated,
// anything else (or none) -> unknown with a warning; referral_link and referral_links[] become links
// (deduplicated, never built by us); created_at kept. Outcome created (Partnero creates; a duplicate is
// an error). An invite answered without "data" gives a Partner from the spec (no id, status invited).
// Errors: Laravel {"message","errors":{"field":["..."]}}: message kept as vendor_message, field mapped to the
// spec (id -> external_id, key -> referral_key, referring_partner.* -> referrer.*), every entry in issues;
// 409, or 422 saying "already exists" / "has already been taken" -> already_exists;
// 400 "referring partner not found" -> not_found (field referrer).
#pragma once

#include <partnerkit/adapter.hpp>

#include <string>
#include <string_view>

namespace partnerkit {

class PartneroAdapter final : public Adapter {
 public:
  static constexpr std::string_view vendor = "partnero";
  static constexpr std::string_view default_base_url = "https://api.partnero.com";
  static constexpr std::string_view path = "/v1/partners";
  static constexpr std::string_view invite_path = "/v1/partners:invite";

  std::string_view name() const noexcept override { return vendor; }
  Result<EncodedRequest> encode(const PartnerSpec& spec, const VendorConfig& config) const override;
  Result<Partner> decode(const HttpResponse& response, const DecodeContext& context) const override;
  Capabilities capabilities() const override;
  std::vector<FieldIssue> validate(const PartnerSpec& spec) const override;

  // Operations beyond create (docs.partnero.com/api-reference/partners/*). Our external_id is sent as
  // Partnero's own `id` at create, so the partner's vendor id IS the external_id:
  //   find by external_id or vendor_id: GET /v1/partners/{id} (404: none; the id must match exactly).
  //     Partnero documents no lookup by email (its list takes only limit and page): find_by_email false.
  //   get: GET /v1/partners/{id} -> {"data":{...},"status":1}.
  //   update: PUT /v1/partners/{id} {"update":{email, name, surname, password, key, tags}}; tags [] would
  //     remove all tags, so an update never sends an empty tags array (PartnerSpec has no "clear").
  //   deactivate: POST /v1/partners/{id}/archive (reversible: POST .../revoke-archive) -> archived;
  //     permanent: DELETE /v1/partners/{id} (irreversible) -> deactivated. Both answer {"status":1}.
  Result<EncodedRequest> encode_find(const FindQuery& query, const VendorConfig& config) const override;
  Result<std::vector<Partner>> decode_find(const HttpResponse& response,
                                           const DecodeContext& context) const override;
  Result<EncodedRequest> encode_get(std::string_view partner_id, const VendorConfig& config) const override;
  Result<Partner> decode_get(const HttpResponse& response, const DecodeContext& context) const override;
  Result<EncodedRequest> encode_update(std::string_view partner_id, const PartnerSpec& changes,
                                       const VendorConfig& config) const override;
  Result<Partner> decode_update(const HttpResponse& response, const DecodeContext& context) const override;
  Result<EncodedRequest> encode_deactivate(std::string_view partner_id, const DeactivateOptions& options,
                                           const VendorConfig& config) const override;
  Result<Partner> decode_deactivate(const HttpResponse& response,
                                    const DecodeContext& context) const override;

  static Result<std::string> encode_body(const PartnerSpec& spec, bool strict,
                                         std::vector<std::string>* warnings);
  static Error decode_error(const HttpResponse& response, const DecodeContext& context);
  // A Partnero field name ("id", "referring_partner.email", "tags.0") as a PartnerSpec path.
  static std::string spec_field(std::string_view partnero_field, const PartnerSpec* spec = nullptr);
};

}  // namespace partnerkit
