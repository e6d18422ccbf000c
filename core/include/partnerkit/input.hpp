// A streaming reader of PartnerSpecs: JSON lines or CSV, from any std::istream.
//
// The input is never loaded whole: memory is bounded by the longest record (capped, see
// SpecReaderOptions::max_record_bytes). Each record yields one InputItem; a bad record yields an
// item whose spec is an Error naming the line (and the field where known), and reading continues.
//
// JSON lines: one JSON object per line, PartnerSpec's snake_case names (spec_json.hpp). Blank
// lines are skipped. A UTF-8 byte order mark at the start is skipped; CR LF line ends are accepted.
//
// CSV (RFC 4180): a header row of PartnerSpec names, then one record per row. Fields are separated
// by ',', may be quoted with '"' (a quote inside a quoted field is doubled; a quoted field may span
// lines). Blank lines are skipped. Column names:
//   - scalar fields by name: email, name, first_name, last_name, company, referral_key, external_id,
//     image, country, description, group, partner_type, password, invite (true/false);
//   - nested fields by dotted names: referrer.id, referrer.key, referrer.email, link.external_id,
//     link.tenant_id, link.prefix, link.key_length (an integer), link.comments, link.archived
//     (true/false), link.tag_ids (';'-separated), and the rest of LinkOptions: link.expires_at,
//     link.expired_url, link.password, link.proxy, link.title, link.description, link.image, link.video,
//     link.rewrite, link.ios, link.android, link.do_index (booleans true/false), link.test_started_at,
//     link.test_completed_at, link.test_variants (a cell holding the JSON array of {url, percentage});
//   - tags: one cell, the tags separated by ';' (e.g. "vip;emea"); whitespace around each is trimmed;
//   - contacts, custom_fields: a cell holding the JSON array (as in JSON lines);
//     vendor_overrides: a cell holding the JSON object; vendor_overrides.<vendor>: a cell holding
//     that vendor's JSON object.
// An empty cell means the field is absent. true/false cells also accept 1/0 and yes/no. An
// unknown or repeated column name makes the whole input unreadable (error()); a row with a
// different number of cells than the header is an error item.
// Every CSV row is turned into the JSON object it stands for and parsed by spec_from_json, so both
// formats go through exactly one parsing and checking path.
//
// The reader parses; it does not validate. Call validated() (validation.hpp) on each spec.
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/partner_spec.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {

enum class InputFormat {
  automatic,  // JSON lines when the first non-blank character is '{', else CSV
  jsonl,
  csv,
};

// "auto", "jsonl", "csv" (also accepts "json" and "ndjson" for jsonl); nullopt otherwise.
std::optional<InputFormat> input_format_from_string(std::string_view name) noexcept;
std::string_view to_string(InputFormat f) noexcept;

struct InputItem {
  std::size_t index = 0;  // 0-based index of the record (blank lines and the CSV header not counted)
  std::size_t line = 0;   // 1-based line number where the record starts
  // The parsed spec, or invalid_input whose message starts with "line N: " and whose field names
  // the offending field where known.
  Result<PartnerSpec> spec = Error{};
  // The members named by SpecReaderOptions::extra_fields, as given (CSV cells as strings; a
  // "<extra>.<key>" column as a member of the object <extra>). Empty unless asked for.
  boost::json::object extras;
};

struct SpecReaderOptions {
  InputFormat format = InputFormat::automatic;
  // A record (a line; for CSV all lines of a record with quoted newlines) longer than this is an
  // error item; the reader skips the rest of it and goes on with the next record. For CSV the rest
  // ends where it would end under no limit (an open quoted field goes on to its closing quote), so
  // lines inside the quotes never become records of their own.
  std::size_t max_record_bytes = std::size_t{1} << 20;
  // Top-level names read besides PartnerSpec's (lower case), e.g. {"partner_id"} for the commands
  // that address an existing partner: JSON members and CSV columns of these names (and CSV columns
  // "<name>.<key>") go to InputItem::extras instead of the spec.
  std::vector<std::string> extra_fields{};
};

class SpecReader {
 public:
  explicit SpecReader(std::istream& in, InputFormat format = InputFormat::automatic);
  SpecReader(std::istream& in, SpecReaderOptions options);
  ~SpecReader();
  SpecReader(SpecReader&&) noexcept;
  SpecReader& operator=(SpecReader&&) noexcept;

  // The next record, or nullopt at the end of the input or after a fatal error (see error()).
  std::optional<InputItem> next();

  // Why reading stopped early: the stream failed (not at end of file), or a CSV header is
  // unusable. Empty while reading goes on and after a clean end of input.
  const std::optional<Error>& error() const noexcept;

  // The format in use: the one asked for, or the one detected (automatic until the first record).
  InputFormat format() const noexcept;

  // Lines consumed so far.
  std::size_t lines_read() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace partnerkit
