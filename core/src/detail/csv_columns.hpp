// A CSV input's columns: what each header name maps to in a PartnerSpec and how its cells become
// JSON (input.cpp reads the rows). Not part of the public API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::detail {

// A line's blanks: white space but the line break (a quoted CSV cell may hold one).
inline constexpr std::string_view line_blanks = " \t\r\f\v";

// How a CSV cell becomes JSON.
enum class CellKind {
  string,       // the text
  boolean,      // true/false, 1/0, yes/no
  integer,      // a signed 64-bit integer
  list,         // ';'-separated strings -> array
  json_array,   // JSON text of an array
  json_object,  // JSON text of an object
};

struct Column {
  std::string name;    // as in the header (lower-cased)
  std::string parent;  // "referrer", "link", "vendor_overrides" for dotted names; empty otherwise
  std::string key;     // the member name inside parent (or at top level)
  CellKind kind = CellKind::string;
};

// The column for a header name (`extra_fields`: the reader's extra top-level fields), or nullopt with
// the reason in `why`.
std::optional<Column> make_column(std::string_view raw, std::string& why,
                                  const std::vector<std::string>& extra_fields);

// A boolean cell: true/false, 1/0, yes/no, in any case.
std::optional<bool> parse_bool(std::string_view s);

}  // namespace partnerkit::detail
