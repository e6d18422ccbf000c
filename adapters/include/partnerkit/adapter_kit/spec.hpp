// Reading a PartnerSpec the way every built-in does: which fields it sets, names joined or split, the
// vendor's overrides.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/partner_spec.hpp>

#include <boost/json/object.hpp>

#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace partnerkit::adapter_kit {

// The index of a name in partner_spec_fields; not a constant expression (so a compile error in a case
// label) for a name that is not there.
consteval std::size_t spec_field_index(std::string_view name) {
  for (std::size_t i = 0; i < std::size(partner_spec_fields); ++i)
    if (partner_spec_fields[i] == name) return i;
  throw "not a PartnerSpec field";
}

// Whether `spec` sets partner_spec_fields[i] (adapter.hpp): an optional holding a value, a non-empty
// list. email is always set; an index past the list is not.
inline bool sets_field(const PartnerSpec& spec, std::size_t i) noexcept {
  switch (i) {
    case spec_field_index("email"):
      return true;
    case spec_field_index("name"):
      return spec.name.has_value();
    case spec_field_index("first_name"):
      return spec.first_name.has_value();
    case spec_field_index("last_name"):
      return spec.last_name.has_value();
    case spec_field_index("company"):
      return spec.company.has_value();
    case spec_field_index("referral_key"):
      return spec.referral_key.has_value();
    case spec_field_index("external_id"):
      return spec.external_id.has_value();
    case spec_field_index("image"):
      return spec.image.has_value();
    case spec_field_index("country"):
      return spec.country.has_value();
    case spec_field_index("description"):
      return spec.description.has_value();
    case spec_field_index("tags"):
      return !spec.tags.empty();
    case spec_field_index("group"):
      return spec.group.has_value();
    case spec_field_index("partner_type"):
      return spec.partner_type.has_value();
    case spec_field_index("referrer"):
      return spec.referrer.has_value();
    case spec_field_index("contacts"):
      return !spec.contacts.empty();
    case spec_field_index("invite"):
      return spec.invite.has_value();
    case spec_field_index("password"):
      return spec.password.has_value();
    case spec_field_index("link"):
      return spec.link.has_value();
    case spec_field_index("custom_fields"):
      return !spec.custom_fields.empty();
    case spec_field_index("vendor_overrides"):
      return !spec.vendor_overrides.empty();
    default:
      return false;
  }
}

// Whether `spec` sets the field named `field` (one of partner_spec_fields in adapter.hpp): an optional
// holding a value, a non-empty list. email is always set; an unknown name is not.
inline bool sets(const PartnerSpec& spec, std::string_view field) noexcept {
  for (std::size_t i = 0; i < std::size(partner_spec_fields); ++i)
    if (partner_spec_fields[i] == field) return sets_field(spec, i);
  return false;
}

// spec.name, else first_name + " " + last_name (either alone), else nullopt.
inline std::optional<std::string> full_name(const PartnerSpec& spec) {
  if (spec.name) return *spec.name;
  if (spec.first_name && spec.last_name) return *spec.first_name + " " + *spec.last_name;
  if (spec.first_name) return *spec.first_name;
  if (spec.last_name) return *spec.last_name;
  return std::nullopt;
}

// first_name/last_name when either is set; else the full name split once at its first space.
struct NameParts {
  std::optional<std::string_view> first;
  std::optional<std::string_view> last;
};
inline NameParts split_name(const PartnerSpec& spec) {
  NameParts parts;
  if (spec.first_name || spec.last_name) {
    if (spec.first_name) parts.first = *spec.first_name;
    if (spec.last_name) parts.last = *spec.last_name;
    return parts;
  }
  if (!spec.name) return parts;
  std::string_view n = *spec.name;
  while (!n.empty() && n.front() == ' ') n.remove_prefix(1);
  while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
  if (n.empty()) return parts;
  const auto sp = n.find(' ');
  if (sp == std::string_view::npos) {
    parts.first = n;
    return parts;
  }
  parts.first = n.substr(0, sp);
  std::string_view rest = n.substr(sp + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (!rest.empty()) parts.last = rest;
  return parts;
}

// The non-empty overrides object of `vendor` in the spec (vendor_overrides.<vendor>), or null.
inline const boost::json::object* overrides_for(const PartnerSpec& spec, std::string_view vendor) {
  if (spec.vendor_overrides.empty()) return nullptr;
  auto it = spec.vendor_overrides.find(std::string(vendor));
  if (it == spec.vendor_overrides.end() || it->second.empty()) return nullptr;
  return &it->second;
}

}  // namespace partnerkit::adapter_kit
