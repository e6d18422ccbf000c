// The defaults of Adapter's optional operations: a vendor without them answers unsupported_operation.
#include <partnerkit/adapter.hpp>

#include <string>

namespace partnerkit {
namespace {

Error unsupported(const Adapter& adapter, Operation op) {
  return Error::make(errc::unsupported_operation,
                     std::string(adapter.name()) + " has no " + std::string(to_string(op)) + " operation");
}

}  // namespace

std::string_view to_string(CreateSemantics c) noexcept {
  switch (c) {
    case CreateSemantics::upsert:
      return "upsert";
    case CreateSemantics::create:
      return "create";
    case CreateSemantics::not_idempotent:
      return "not_idempotent";
  }
  return "unknown";
}

std::string_view to_string(Operation op) noexcept {
  switch (op) {
    case Operation::create:
      return "create";
    case Operation::find:
      return "find";
    case Operation::get:
      return "get";
    case Operation::update:
      return "update";
    case Operation::deactivate:
      return "deactivate";
  }
  return "unknown";
}

std::vector<FieldIssue> Adapter::validate(const PartnerSpec&) const { return {}; }

Result<EncodedRequest> Adapter::encode_find(const FindQuery&, const VendorConfig&) const {
  return unsupported(*this, Operation::find);
}
Result<std::vector<Partner>> Adapter::decode_find(const HttpResponse&, const DecodeContext&) const {
  return unsupported(*this, Operation::find);
}
Result<EncodedRequest> Adapter::encode_get(std::string_view, const VendorConfig&) const {
  return unsupported(*this, Operation::get);
}
Result<Partner> Adapter::decode_get(const HttpResponse&, const DecodeContext&) const {
  return unsupported(*this, Operation::get);
}
Result<EncodedRequest> Adapter::encode_update(std::string_view, const PartnerSpec&,
                                              const VendorConfig&) const {
  return unsupported(*this, Operation::update);
}
Result<Partner> Adapter::decode_update(const HttpResponse&, const DecodeContext&) const {
  return unsupported(*this, Operation::update);
}
Result<EncodedRequest> Adapter::encode_deactivate(std::string_view, const DeactivateOptions&,
                                                  const VendorConfig&) const {
  return unsupported(*this, Operation::deactivate);
}
Result<Partner> Adapter::decode_deactivate(const HttpResponse&, const DecodeContext&) const {
  return unsupported(*this, Operation::deactivate);
}

std::vector<std::string> Adapter::secret_values(const PartnerSpec&, const VendorConfig&) const { return {}; }

}  // namespace partnerkit
