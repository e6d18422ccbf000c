// Fuzzes the streaming input reader (core/src/input.cpp): JSON lines (PK_INPUT_FORMAT jsonl), CSV
// (csv) or detection (automatic). The first byte picks a small record limit (16..268 bytes); the rest
// is the input, read twice: with that limit and with the default (1 MiB).
// Invariants: indices count from 0 without gaps; start lines increase and were read; an error item's
// message starts with "line <its line>: "; and a record limit only ever turns records into error
// items: every spec read under the small limit is read, equal and from the same line, without it
// (a reader that loses its place inside an over-long quoted field invents records: issue 13 item 11).
// The small-limit read is done again from a stream buffer handing out 1-7 bytes at a time: the reader
// scans the buffer's get area in place (core/src/line_reader.cpp), and the items must not depend on
// where the get areas end. With JSON lines, each line also goes through the flat parser's fast path and
// through Boost.JSON alone (core/src/detail/spec_json_flat.hpp): the same verdict and spec.
#include "detail/spec_json_flat.hpp"

#include <partnerkit/input.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <span>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace pk = partnerkit;

struct Read {
  std::vector<pk::InputItem> items;
  bool failed = false;  // error(): a fatal problem (CSV header, stream)
  pk::InputFormat format = pk::InputFormat::automatic;
};

[[noreturn]] void fail(const char* what, std::size_t line) {
  std::fprintf(stderr, "input fuzz: %s (line %zu)\n", what, line);
  std::abort();
}

// Hands the text out in get areas of 1..7 bytes, in turn.
class ChunkedBuf : public std::streambuf {
 public:
  explicit ChunkedBuf(std::string text) : text_(std::move(text)) {}

 protected:
  int_type underflow() override {
    if (at_ >= text_.size()) return traits_type::eof();
    const std::size_t n = std::min(text_.size() - at_, 1 + turn_++ % 7);
    char* p = text_.data() + at_;
    setg(p, p, p + n);
    at_ += n;
    return traits_type::to_int_type(*p);
  }

 private:
  std::string text_;
  std::size_t at_ = 0, turn_ = 0;
};

Read read_all(const std::string& text, std::size_t limit, bool chunked = false) {
  std::istringstream whole(text);
  ChunkedBuf buf(text);
  std::istream pieces(&buf);
  std::istream& in = chunked ? pieces : static_cast<std::istream&>(whole);
  pk::SpecReader reader(
      in, pk::SpecReaderOptions{.format = pk::InputFormat::PK_INPUT_FORMAT, .max_record_bytes = limit});
  Read out;
  std::size_t last_line = 0;
  while (auto item = reader.next()) {
    if (item->index != out.items.size()) fail("indices are not consecutive", item->line);
    if (item->line <= last_line || item->line > reader.lines_read())
      fail("start lines out of order", item->line);
    last_line = item->line;
    if (!item->spec) {
      const std::string prefix = "line " + std::to_string(item->line) + ": ";
      if (!item->spec.error().message.starts_with(prefix)) fail("an error item without its line", item->line);
    }
    out.items.push_back(std::move(*item));
    if (out.items.size() > text.size() + 1) fail("more records than bytes", last_line);
  }
  out.failed = reader.error().has_value();
  out.format = reader.format();
  return out;
}

constexpr bool is_jsonl(pk::InputFormat f) { return f == pk::InputFormat::jsonl; }

// Each line through the flat parser's fast path (the simple JSON scanner) and through Boost.JSON's parser
// alone: the same verdict and the same spec (with and without an extra field taken out).
void check_flat_lines(std::string_view text) {
  static pk::detail::FlatSpecParser flat;
  static const std::vector<std::string> extras{"partner_id"};
  std::size_t n = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++n;
    for (const bool with_extras : {false, true}) {
      const std::span<const std::string> reserved =
          with_extras ? std::span(extras) : std::span<const std::string>();
      pk::PartnerSpec a, b;
      const bool fast = flat.parse(line, a, reserved);
      if (flat.parse_with_boost(line, b, reserved) != fast || (fast && a != b))
        fail("the flat parser's fast path and Boost.JSON differ", n);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t limit = 16 + std::size_t{data[0] & 63u} * 4;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (is_jsonl(pk::InputFormat::PK_INPUT_FORMAT)) check_flat_lines(text);
  const Read small = read_all(text, limit);
  const Read big = read_all(text, pk::SpecReaderOptions{}.max_record_bytes);
  const Read pieces = read_all(text, limit, /*chunked=*/true);
  if (pieces.failed != small.failed || pieces.format != small.format ||
      pieces.items.size() != small.items.size())
    fail("the input read from small get areas differs", 0);
  for (std::size_t i = 0; i < small.items.size(); ++i) {
    const auto& a = small.items[i];
    const auto& b = pieces.items[i];
    if (a.line != b.line || bool(a.spec) != bool(b.spec) ||
        (a.spec ? *a.spec != *b.spec : a.spec.error().message != b.spec.error().message))
      fail("a record read from small get areas differs", a.line);
  }
  if (small.failed || big.failed || small.format != big.format) return 0;
  std::map<std::size_t, const pk::InputItem*> by_line;
  for (const auto& item : big.items) by_line[item.line] = &item;
  for (const auto& item : small.items) {
    if (!item.spec) continue;
    auto it = by_line.find(item.line);
    if (it == by_line.end()) fail("a record that does not exist without the limit", item.line);
    if (!it->second->spec || *it->second->spec != *item.spec)
      fail("a record read differently under the limit", item.line);
  }
  return 0;
}
