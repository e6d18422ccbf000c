#include <partnerkit/error.hpp>

#include <array>

namespace partnerkit {
namespace {

struct CodeInfo {
  errc code;
  std::string_view name;
  bool retryable;
};

constexpr std::array<CodeInfo, 17> codes{{
    {errc::invalid_input, "invalid_input", false},
    {errc::unsupported_field, "unsupported_field", false},
    {errc::unauthenticated, "unauthenticated", false},
    {errc::permission_denied, "permission_denied", false},
    {errc::not_found, "not_found", false},
    {errc::already_exists, "already_exists", false},
    {errc::rejected, "rejected", false},
    {errc::invite_expired, "invite_expired", false},
    {errc::rate_limited, "rate_limited", true},
    {errc::vendor_unavailable, "vendor_unavailable", true},
    {errc::timeout, "timeout", true},
    {errc::network, "network", true},
    {errc::tls, "tls", false},
    {errc::protocol, "protocol", false},
    {errc::cancelled, "cancelled", false},
    {errc::unsupported_operation, "unsupported_operation", false},
    {errc::internal, "internal", false},
}};

const CodeInfo* info(errc e) noexcept {
  auto i = static_cast<std::size_t>(e);
  return i >= 1 && i <= codes.size() ? &codes[i - 1] : nullptr;
}

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "partnerkit"; }
  std::string message(int ev) const override {
    const CodeInfo* i = info(static_cast<errc>(ev));
    return i ? std::string(i->name) : "unknown partnerkit error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

std::string_view to_string(errc e) noexcept {
  const CodeInfo* i = info(e);
  return i ? i->name : std::string_view("unknown");
}

std::optional<errc> errc_from_string(std::string_view name) noexcept {
  for (const auto& c : codes)
    if (c.name == name) return c.code;
  return std::nullopt;
}

bool is_retryable(errc e) noexcept {
  const CodeInfo* i = info(e);
  return i && i->retryable;
}

std::string_view to_string(stop_reason r) noexcept {
  switch (r) {
    case stop_reason::none:
      return "none";
    case stop_reason::permanent:
      return "permanent";
    case stop_reason::exhausted:
      return "exhausted";
    case stop_reason::deadline:
      return "deadline";
    case stop_reason::not_idempotent:
      return "not_idempotent";
    case stop_reason::cancelled:
      return "cancelled";
  }
  return "none";
}

Error Error::make(errc code, std::string message, std::string field) {
  Error e;
  e.code = code;
  e.retryable = is_retryable(code);
  e.message = std::move(message);
  e.field = std::move(field);
  return e;
}

ErrorException::ErrorException(Error e) : error_(std::move(e)) {
  what_ = std::string(to_string(error_.code));
  if (!error_.message.empty()) what_ += ": " + error_.message;
  if (!error_.vendor_message.empty()) what_ += " (the vendor says: " + error_.vendor_message + ")";
  if (!error_.field.empty()) what_ += " (" + error_.field + ")";
}

void throw_exception_from_error(const Error& e, const boost::source_location&) { throw ErrorException(e); }

}  // namespace partnerkit
