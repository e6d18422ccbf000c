// Tolt (https://tolt.com) as a partnerkit adapter, written on the public adapter kit
// (<partnerkit/adapter_kit.hpp>) alone, from docs.tolt.com/api-reference: create is POST /v2/partners
// (Bearer key, JSON, program_id from settings.program_id); find by external_id is
// GET /v2/partners?external_id=, by id and get GET /v2/partners/{id}; deactivate is
// POST /v2/partners/{id}/suspend (reversible; Tolt has no permanent form). The field mapping is `carried`
// in tolt_adapter.cpp; capabilities() says the rest.
#pragma once

#include <partnerkit/adapter.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tolt {

class ToltAdapter final : public partnerkit::Adapter {
 public:
  static constexpr std::string_view vendor = "tolt";
  // v2 lives on platform.tolt.com ("Every path starts with /v2"; api.tolt.com serves the older v1).
  static constexpr std::string_view default_base_url = "https://platform.tolt.com";
  static constexpr std::string_view path = "/v2/partners";

  std::string_view name() const noexcept override { return vendor; }
  partnerkit::Result<partnerkit::EncodedRequest> encode(
      const partnerkit::PartnerSpec& spec, const partnerkit::VendorConfig& config) const override;
  partnerkit::Result<partnerkit::Partner> decode(const partnerkit::HttpResponse& response,
                                                 const partnerkit::DecodeContext& context) const override;
  partnerkit::Capabilities capabilities() const override;
  // Tolt's lengths: first_name, last_name and display_name 1 to 150 characters, company_name 1 to 255,
  // counted in code points (its OpenAPI's maxLength; see the README).
  std::vector<partnerkit::FieldIssue> validate(const partnerkit::PartnerSpec& spec) const override;

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
};

}  // namespace tolt
