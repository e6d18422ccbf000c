// Declaring what a vendor carries once: the fields capabilities() lists, the mapping `partnerkit vendors`
// prints, and the fields encode drops (Dropper::drop_undeclared) all come from one table.
#pragma once

#include <partnerkit/adapter.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace partnerkit::adapter_kit {

// A PartnerSpec field the vendor carries, and where it goes (FieldMapping as constants), e.g.
//   constexpr Carried carried[] = {{"email", "email"}, {"referral_key", "link.value"}};
struct Carried {
  std::string_view field;
  std::string_view target;
};

inline std::string_view field_name(const Carried& c) noexcept { return c.field; }
inline std::string_view field_name(std::string_view field) noexcept { return field; }

// c.fields and c.mappings from the table, in its order.
inline void declare_fields(Capabilities& c, std::span<const Carried> carried) {
  c.fields.clear();
  c.mappings.clear();
  for (const auto& entry : carried) {
    c.fields.emplace_back(entry.field);
    c.mappings.push_back(FieldMapping{std::string(entry.field), std::string(entry.target)});
  }
}

// The PartnerSpec field a vendor's member name stands for, read back from the table: the entry whose
// target is exactly `member`, or a path below it ("link" and "link.value" -> referral_key for
// {"referral_key", "link.value"}). For mapping the field names of a vendor's errors; nullopt when no
// entry names it (a target in words, a member the spec has no field for).
inline std::optional<std::string_view> carried_field(std::span<const Carried> carried,
                                                     std::string_view member) {
  for (const auto& entry : carried) {
    const std::string_view t = entry.target;
    if (t == member || (t.size() > member.size() && t.starts_with(member) && t[member.size()] == '.'))
      return entry.field;
  }
  return std::nullopt;
}

}  // namespace partnerkit::adapter_kit
