// A CSV input's columns (detail/csv_columns.hpp): the known fields and their cell kinds.
#include "detail/csv_columns.hpp"

#include <partnerkit/text/ascii.hpp>

#include <array>

namespace partnerkit::detail {
namespace {

std::string_view trim(std::string_view s) noexcept { return text::trim(s, line_blanks); }

using text::ascii_lower;

struct KnownField {
  std::string_view name;
  CellKind kind;
};

constexpr std::array<KnownField, 45> known_fields{{
    {"email", CellKind::string},
    {"name", CellKind::string},
    {"first_name", CellKind::string},
    {"last_name", CellKind::string},
    {"company", CellKind::string},
    {"referral_key", CellKind::string},
    {"external_id", CellKind::string},
    {"image", CellKind::string},
    {"country", CellKind::string},
    {"description", CellKind::string},
    {"tags", CellKind::list},
    {"group", CellKind::string},
    {"partner_type", CellKind::string},
    {"referrer", CellKind::json_object},
    {"referrer.id", CellKind::string},
    {"referrer.key", CellKind::string},
    {"referrer.email", CellKind::string},
    {"contacts", CellKind::json_array},
    {"invite", CellKind::boolean},
    {"password", CellKind::string},
    {"link", CellKind::json_object},
    {"link.external_id", CellKind::string},
    {"link.tenant_id", CellKind::string},
    {"link.prefix", CellKind::string},
    {"link.key_length", CellKind::integer},
    {"link.tag_ids", CellKind::list},
    {"link.comments", CellKind::string},
    {"link.archived", CellKind::boolean},
    {"link.expires_at", CellKind::string},
    {"link.expired_url", CellKind::string},
    {"link.password", CellKind::string},
    {"link.proxy", CellKind::boolean},
    {"link.title", CellKind::string},
    {"link.description", CellKind::string},
    {"link.image", CellKind::string},
    {"link.video", CellKind::string},
    {"link.rewrite", CellKind::boolean},
    {"link.ios", CellKind::string},
    {"link.android", CellKind::string},
    {"link.do_index", CellKind::boolean},
    {"link.test_variants", CellKind::json_array},
    {"link.test_started_at", CellKind::string},
    {"link.test_completed_at", CellKind::string},
    {"custom_fields", CellKind::json_array},
}};

}  // namespace

std::optional<Column> make_column(std::string_view raw, std::string& why,
                                  const std::vector<std::string>& extra_fields) {
  std::string name = ascii_lower(trim(raw));
  if (name.empty()) {
    why = "empty column name";
    return std::nullopt;
  }
  Column col;
  col.name = name;
  for (const auto& extra : extra_fields) {
    if (name == extra) {
      col.key = name;
      return col;
    }
    if (name.size() > extra.size() + 1 && name.starts_with(extra) && name[extra.size()] == '.' &&
        name.find('.', extra.size() + 1) == std::string::npos) {
      col.parent = extra;
      col.key = name.substr(extra.size() + 1);
      return col;
    }
  }
  if (name == "vendor_overrides") {
    col.key = name;
    col.kind = CellKind::json_object;
    return col;
  }
  if (name.starts_with("vendor_overrides.")) {
    col.parent = "vendor_overrides";
    col.key = name.substr(std::string_view("vendor_overrides.").size());
    col.kind = CellKind::json_object;
    if (col.key.empty() || col.key.find('.') != std::string::npos) {
      why = "bad column name '" + name + "' (expected vendor_overrides.<vendor>)";
      return std::nullopt;
    }
    return col;
  }
  for (const auto& f : known_fields) {
    if (f.name != name) continue;
    col.kind = f.kind;
    if (auto dot = name.find('.'); dot != std::string::npos) {
      col.parent = name.substr(0, dot);
      col.key = name.substr(dot + 1);
    } else {
      col.key = name;
    }
    return col;
  }
  why = "unknown column '" + std::string(trim(raw)) + "'";
  return std::nullopt;
}

std::optional<bool> parse_bool(std::string_view s) {
  std::string v = ascii_lower(s);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return std::nullopt;
}

}  // namespace partnerkit::detail
