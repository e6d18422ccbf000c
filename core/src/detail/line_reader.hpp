// Reading the input one physical line at a time, straight from the stream's buffer (input.cpp).
// Not part of the public API.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

namespace partnerkit::detail {

// Where a CSV record ends: the record parser's states, followed over every byte read (kept or not),
// so a record over the limit ends exactly where it would have ended under no limit. `bad` (a quote
// inside an unquoted field, text after a closing quote) ends the record with its line.
enum class CsvScan : unsigned char { field_start, unquoted, quoted, quote_in_quoted, bad };

// The state after `bytes` (no line break among them); memchr-fast when they hold no quote.
CsvScan csv_scan(CsvScan state, std::string_view bytes) noexcept;

enum class LineStatus { ok, too_long, eof };

// One physical line of `in` into `out` (without its '\n'), at most `limit` bytes kept; the rest of
// the line is consumed. `scan`, when not null, follows the CSV states over the whole line. eof when
// nothing was left to read (and then the stream's eofbit is set, as it is after a last line without
// '\n'). Reads the stream buffer's get area in place (memchr for the line's end), a byte at a time
// only from a stream buffer that keeps no get area.
LineStatus read_physical_line(std::istream& in, std::string& out, std::size_t limit, CsvScan* scan);

}  // namespace partnerkit::detail
