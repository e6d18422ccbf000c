// Tolt (https://tolt.com) as a partnerkit adapter: POST /v2/partners, "Create a partner".
//
// Request (encode): Authorization: Bearer <api_key>, a JSON body with members in this fixed order
//   email, program_id, first_name, last_name, display_name, company_name, country_code,
//   external_id, group_id, link {value}, notify_partner
// program_id comes from VendorConfig::settings["program_id"] (required: Tolt needs it on every create).
// first_name / last_name are the spec's, else its full name split once at the first space; when the
// spec has both a full name and first/last names, the full name becomes display_name. company ->
// company_name, country -> country_code, external_id -> external_id (unique per program), group ->
// group_id, referral_key -> link.value (the slug, lower-cased by Tolt), invite -> notify_partner.
// Tolt cannot carry image, description, tags, partner_type, referrer, contacts, password, link and
// custom_fields: lenient mode drops them with a warning "tolt cannot carry <field>; dropped", strict
// mode fails with unsupported_field. vendor_overrides["tolt"] is merged last (a key replaces ours in
// place, a new key is appended, a null removes ours).
//
// Response (decode): 201 {"success":true,"data":{partner..., "link":{"id","param","value"}}} (the
// older v1 shape with "data":[partner] is accepted too). data.id and data.email are required
// strings; status active/pending/rejected map to themselves, suspended -> deactivated, anything else
// -> unknown with a warning. Outcome created: Tolt creates; a duplicate is an error.
// Errors: {"success":false,"message","code","doc_url","errors":[{"field","message"}]} (and the 429
// shape {"success":false,"error":{"message","type"}}). code already_exists (409) -> already_exists
// with field email, referral_key (link.value) or external_id; validation_error / bad_request ->
// rejected; invalid_reference -> not_found; unauthorized -> unauthenticated; forbidden ->
// permission_denied; otherwise the status table. Tolt's field names are mapped back to PartnerSpec
// paths in Error::field and Error::issues.
#pragma once

#include <partnerkit/adapter.hpp>

#include <string>
#include <string_view>

namespace tolt {

class ToltAdapter final : public partnerkit::Adapter {
 public:
  static constexpr std::string_view vendor = "tolt";
  // Tolt's v2 API lives on platform.tolt.com (docs.tolt.com/api-reference/introduction: "Every path starts
  // with /v2"; api.tolt.com serves the older v1 API).
  static constexpr std::string_view default_base_url = "https://platform.tolt.com";
  static constexpr std::string_view path = "/v2/partners";

  std::string_view name() const noexcept override { return vendor; }
  partnerkit::Result<partnerkit::EncodedRequest> encode(
      const partnerkit::PartnerSpec& spec, const partnerkit::VendorConfig& config) const override;
  partnerkit::Result<partnerkit::Partner> decode(const partnerkit::HttpResponse& response,
                                                 const partnerkit::DecodeContext& context) const override;
  partnerkit::Capabilities capabilities() const override;

  // Operations beyond create (docs.tolt.com/api-reference/partners):
  //   find by external_id: GET /v2/partners?external_id=<v> (at most one: external_id is unique per
  //     program), kept only when its external_id equals the value; by vendor_id: GET /v2/partners/{id}.
  //   get: GET /v2/partners/{id}.
  //   deactivate: POST /v2/partners/{id}/suspend {"suspension_reason"} -> deactivated (suspended; Tolt
  //     has no ban, so permanent is refused with invalid_input).
  partnerkit::Result<partnerkit::EncodedRequest> encode_find(
      const partnerkit::FindQuery& query, const partnerkit::VendorConfig& config) const override;
  partnerkit::Result<std::vector<partnerkit::Partner>> decode_find(
      const partnerkit::HttpResponse& response, const partnerkit::DecodeContext& context) const override;
  partnerkit::Result<partnerkit::EncodedRequest> encode_get(
      std::string_view partner_id, const partnerkit::VendorConfig& config) const override;
  partnerkit::Result<partnerkit::Partner> decode_get(const partnerkit::HttpResponse& response,
                                                     const partnerkit::DecodeContext& context) const override;
  partnerkit::Result<partnerkit::EncodedRequest> encode_deactivate(
      std::string_view partner_id, const partnerkit::DeactivateOptions& options,
      const partnerkit::VendorConfig& config) const override;
  partnerkit::Result<partnerkit::Partner> decode_deactivate(
      const partnerkit::HttpResponse& response, const partnerkit::DecodeContext& context) const override;

  // A Tolt request field ("link.value", "company_name") as a PartnerSpec path ("referral_key",
  // "company"); unknown names are returned unchanged.
  static std::string spec_field(std::string_view tolt_field);
};

}  // namespace tolt
