// One physical line at a time from the stream's own buffer (detail/line_reader.hpp). A byte at a time
// through sbumpc() cost ~17k instructions per 150-byte JSON line; memchr over the get area a few hundred.
#include "detail/line_reader.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <streambuf>

namespace partnerkit::detail {
namespace {

// std::streambuf's get area is protected; a pointer to member formed in a derived class may be
// applied to any std::streambuf ([class.protected] checks the naming class, this one). Only the
// public contract is relied on: [gptr, egptr) holds the next bytes, gbump() consumes them.
struct GetArea : std::streambuf {
  static char* next(std::streambuf& sb) { return (sb.*&GetArea::gptr)(); }
  static char* end(std::streambuf& sb) { return (sb.*&GetArea::egptr)(); }
  static void consume(std::streambuf& sb, std::size_t n) {
    while (n > 0) {
      const int step = static_cast<int>(std::min<std::size_t>(n, INT_MAX));
      (sb.*&GetArea::gbump)(step);
      n -= static_cast<std::size_t>(step);
    }
  }
};

CsvScan scan_byte(CsvScan s, char c) noexcept {
  switch (s) {
    case CsvScan::field_start:
      return c == '"' ? CsvScan::quoted : c == ',' ? CsvScan::field_start : CsvScan::unquoted;
    case CsvScan::unquoted:
      return c == ',' ? CsvScan::field_start : c == '"' ? CsvScan::bad : CsvScan::unquoted;
    case CsvScan::quoted:
      return c == '"' ? CsvScan::quote_in_quoted : CsvScan::quoted;
    case CsvScan::quote_in_quoted:
      return c == '"' ? CsvScan::quoted : c == ',' ? CsvScan::field_start : CsvScan::bad;
    case CsvScan::bad:
      return CsvScan::bad;
  }
  return s;
}

}  // namespace

CsvScan csv_scan(CsvScan state, std::string_view bytes) noexcept {
  if (bytes.empty() || state == CsvScan::bad) return state;
  if (std::memchr(bytes.data(), '"', bytes.size()) == nullptr) {
    // Without a quote only ',' moves between these: the last byte decides.
    switch (state) {
      case CsvScan::quoted:
        return state;
      case CsvScan::field_start:
      case CsvScan::unquoted:
        return bytes.back() == ',' ? CsvScan::field_start : CsvScan::unquoted;
      default:
        break;
    }
  }
  for (char c : bytes) state = scan_byte(state, c);
  return state;
}

LineStatus read_physical_line(std::istream& in, std::string& out, std::size_t limit, CsvScan* scan) {
  out.clear();
  std::streambuf* sb = in.rdbuf();
  if (sb == nullptr) return LineStatus::eof;
  bool any = false;
  bool too_long = false;
  // Keeps what fits under the limit, scans it all.
  auto take = [&](const char* p, std::size_t n) {
    if (scan) *scan = csv_scan(*scan, std::string_view(p, n));
    const std::size_t keep = std::min(n, limit - std::min(limit, out.size()));
    out.append(p, keep);
    if (keep < n) too_long = true;
  };
  for (;;) {
    char* g = GetArea::next(*sb);
    char* e = GetArea::end(*sb);
    if (g == e) {
      if (sb->sgetc() == std::char_traits<char>::eof()) {
        in.setstate(std::ios::eofbit);
        if (!any) return LineStatus::eof;
        break;
      }
      g = GetArea::next(*sb);
      e = GetArea::end(*sb);
      if (g == e) {  // a stream buffer without a get area (underflow only peeks): one byte
        const char c = std::char_traits<char>::to_char_type(sb->sbumpc());
        any = true;
        if (c == '\n') break;
        take(&c, 1);
        continue;
      }
    }
    any = true;
    const std::size_t avail = static_cast<std::size_t>(e - g);
    const auto* nl = static_cast<const char*>(std::memchr(g, '\n', avail));
    const std::size_t n = nl ? static_cast<std::size_t>(nl - g) : avail;
    take(g, n);
    GetArea::consume(*sb, nl ? n + 1 : n);
    if (nl) break;
  }
  return too_long ? LineStatus::too_long : LineStatus::ok;
}

}  // namespace partnerkit::detail
