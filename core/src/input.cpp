#include <partnerkit/input.hpp>
#include <partnerkit/spec_json.hpp>
#include <partnerkit/text/ascii.hpp>

#include "detail/csv_columns.hpp"
#include "detail/line_reader.hpp"
#include "detail/spec_json_flat.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <string>
#include <vector>

namespace partnerkit {

std::optional<InputFormat> input_format_from_string(std::string_view name) noexcept {
  if (name == "auto" || name == "automatic") return InputFormat::automatic;
  if (name == "jsonl" || name == "json" || name == "ndjson") return InputFormat::jsonl;
  if (name == "csv") return InputFormat::csv;
  return std::nullopt;
}

std::string_view to_string(InputFormat f) noexcept {
  switch (f) {
    case InputFormat::automatic:
      return "auto";
    case InputFormat::jsonl:
      return "jsonl";
    case InputFormat::csv:
      return "csv";
  }
  return "auto";
}

namespace {

std::string_view trim(std::string_view s) noexcept { return text::trim(s, detail::line_blanks); }

bool is_blank(std::string_view s) noexcept { return trim(s).empty(); }

Error line_error(std::size_t line, std::string_view message, std::string field = {}) {
  Error e = Error::make(errc::invalid_input, "line " + std::to_string(line) + ": " + std::string(message),
                        std::move(field));
  if (!e.field.empty()) e.issues.push_back({e.field, std::string(message)});
  return e;
}

using detail::CellKind;
using detail::Column;
using detail::make_column;
using detail::parse_bool;

}  // namespace

struct SpecReader::Impl {
  using LineStatus = detail::LineStatus;
  using Scan = detail::CsvScan;

  std::istream* in;
  SpecReaderOptions options;
  InputFormat format;
  std::optional<Error> error;
  std::string line;
  std::size_t line_no = 0;
  std::size_t next_index = 0;
  bool started = false;
  bool finished = false;
  // A line read ahead (format detection) and not yet consumed.
  bool have_pending = false;
  LineStatus pending_status = LineStatus::ok;
  // CSV state.
  bool header_done = false;
  std::vector<Column> columns;
  std::vector<std::string> cells;
  std::size_t ncells = 0;
  boost::json::object extras;  // of the record being parsed
  // A JSON line's tree, on memory reused line after line: what a spec keeps is copied out of it
  // (a dozen heap allocations and frees per line otherwise).
  alignas(std::max_align_t) std::array<unsigned char, 4096> json_scratch{};
  boost::json::monotonic_resource json_arena{json_scratch.data(), json_scratch.size()};
  detail::FlatSpecParser flat;
  // Where a CSV record ends, tracked over every byte read (kept or not): the parser's own states,
  // so a record over the limit ends exactly where it would have ended under no limit.
  Scan scan = Scan::field_start;
  bool continuing_record = false;  // read_line goes on with the record of the previous line

  Impl(std::istream& s, SpecReaderOptions o) : in(&s), options(o), format(o.format) {}

  // One physical line into `out` (without its end of line), at most `limit` bytes kept.
  // `scan` follows the CSV states over the whole line, kept bytes or not (not needed for JSON lines).
  LineStatus read_line(std::string& out, std::size_t limit) {
    if (!continuing_record) scan = Scan::field_start;
    const LineStatus st =
        detail::read_physical_line(*in, out, limit, format == InputFormat::jsonl ? nullptr : &scan);
    if (st == LineStatus::eof) return st;
    ++line_no;
    if (line_no == 1 && out.starts_with("\xEF\xBB\xBF")) out.erase(0, 3);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return st;
  }

  // The next line: the pending one if any.
  LineStatus take_line(std::size_t limit) {
    if (have_pending) {
      have_pending = false;
      return pending_status;
    }
    return read_line(line, limit);
  }

  void start() {
    started = true;
    if (!*in && !in->eof()) {
      error = Error::make(errc::invalid_input, "the input stream is not readable");
      finished = true;
      return;
    }
    if (format != InputFormat::automatic) return;
    // Detect from the first non-blank line, which stays pending for the parser.
    for (;;) {
      LineStatus st = read_line(line, options.max_record_bytes);
      if (st == LineStatus::eof) {
        format = InputFormat::jsonl;  // empty input: no records either way
        return;
      }
      if (st == LineStatus::ok && is_blank(line)) continue;
      std::string_view t = trim(line);
      format = (!t.empty() && t.front() == '{') ? InputFormat::jsonl : InputFormat::csv;
      have_pending = true;
      pending_status = st;
      return;
    }
  }

  std::string too_long_message() const {
    return "record longer than " + std::to_string(options.max_record_bytes) + " bytes";
  }

  // A new item holding an empty spec, for optional::emplace: built in place through the conversions
  // (InputItem's default holds an Error, and replacing it cost more than the rest of the item). The spec
  // is default-initialized: `PartnerSpec()` (what Result<PartnerSpec>() does) and an aggregate with
  // `.extras = {}` value-initialize, and GCC then clears the whole ~1.5 KB first (~190 instructions).
  struct EmptySpec {
    operator PartnerSpec() const {
      PartnerSpec s;
      return s;
    }
  };
  struct ItemStart {
    std::size_t index, line;
    operator InputItem() const {
      InputItem item{.index = index,
                     .line = line,
                     .spec = Result<PartnerSpec>(boost::system::in_place_value, EmptySpec{}),
                     .extras = boost::json::object()};
      return item;
    }
  };

  std::optional<InputItem> make_item(std::size_t start_line, Result<PartnerSpec>&& spec) {
    std::optional<InputItem> item;
    item.emplace(ItemStart{next_index++, start_line});
    item->spec = std::move(spec);
    take_extras(*item);
    return item;
  }

  void take_extras(InputItem& item) {
    if (extras.empty()) return;
    item.extras = std::move(extras);
    extras = {};
  }

  Result<PartnerSpec> parse_object(std::size_t at, boost::json::value v) {
    // The extra fields a command reads besides the spec (e.g. partner_id) are taken out first.
    if (auto* o = v.if_object())
      for (const auto& name : options.extra_fields)
        if (auto it = o->find(name); it != o->end()) {
          extras[name] = it->value();
          o->erase(it);
        }
    auto spec = spec_from_json(v);
    if (spec) return spec;
    Error e = spec.error();
    e.message = "line " + std::to_string(at) + ": " + e.message;
    return e;
  }

  // ---- JSON lines ----
  // The item is built where the caller's optional holds it, through a conversion (JsonlItem below):
  // a spec is 1.4 KB, each move of it costs, and GCC clears a whole named optional<InputItem> first
  // (~190 instructions a line).
  std::optional<InputItem> next_jsonl() {
    LineStatus st;
    do {
      st = take_line(options.max_record_bytes);
    } while (st == LineStatus::ok && is_blank(line));
    if (st == LineStatus::eof) {
      finished = true;
      return std::nullopt;
    }
    const std::size_t at = line_no;
    return std::optional<InputItem>(std::in_place, JsonlItem{*this, next_index++, at, st});
  }

  struct JsonlItem {
    Impl& r;
    std::size_t index, line;
    LineStatus status;
    operator InputItem() const {
      InputItem item = ItemStart{index, line};
      if (status == LineStatus::too_long) {
        item.spec = line_error(line, r.too_long_message());
      } else if (!r.flat.parse(r.line, *item.spec, r.options.extra_fields)) {
        // The common flat line went straight into the item's spec; anything else goes through the tree,
        // which gives every verdict (detail/spec_json_flat.hpp).
        item.spec = r.tree_jsonl(line);
        r.take_extras(item);
      }
      return item;
    }
  };

  Result<PartnerSpec> tree_jsonl(std::size_t at) {
    boost::system::error_code ec;
    json_arena.release();  // the previous line's tree is gone (copied into its spec and extras)
    boost::json::value v = boost::json::parse(line, ec, boost::json::storage_ptr(&json_arena));
    if (ec) return line_error(at, "not valid JSON (" + ec.message() + ")");
    if (!v.is_object()) return line_error(at, "expected a JSON object");
    return parse_object(at, std::move(v));
  }

  // ---- CSV ----
  // Reads one record's cells into cells[0..ncells). Returns nullopt at the end of input, else the
  // starting line and an error message (empty when the record is well formed).
  struct RawRecord {
    std::size_t line = 0;
    std::string problem;
  };

  std::string& cell(std::size_t i) {
    if (cells.size() <= i) cells.resize(i + 1);
    return cells[i];
  }

  std::optional<RawRecord> read_record() {
    std::size_t budget = options.max_record_bytes;
    LineStatus st;
    for (;;) {
      st = take_line(budget);
      if (st == LineStatus::eof) return std::nullopt;
      if (st == LineStatus::ok && is_blank(line)) continue;
      break;
    }
    RawRecord rec;
    rec.line = line_no;
    if (st == LineStatus::too_long) {
      rec.problem = too_long_message();
      skip_rest_of_record();
      return rec;
    }
    ncells = 1;
    cell(0).clear();
    enum class State { field_start, unquoted, quoted, quote_in_quoted } state = State::field_start;
    for (;;) {
      budget -= std::min(budget, line.size() + 1);
      for (char c : line) {
        std::string& cur = cells[ncells - 1];
        switch (state) {
          case State::field_start:
            if (c == '"') {
              state = State::quoted;
              break;
            }
            state = State::unquoted;
            [[fallthrough]];
          case State::unquoted:
            if (c == ',') {
              cell(ncells++).clear();
              state = State::field_start;
            } else if (c == '"') {
              rec.problem = "a quote inside the unquoted field " + std::to_string(ncells) +
                            " (quote the whole field and double the quote)";
              return rec;
            } else {
              cur.push_back(c);
            }
            break;
          case State::quoted:
            if (c == '"')
              state = State::quote_in_quoted;
            else
              cur.push_back(c);
            break;
          case State::quote_in_quoted:
            if (c == '"') {
              cur.push_back('"');
              state = State::quoted;
            } else if (c == ',') {
              cell(ncells++).clear();
              state = State::field_start;
            } else {
              rec.problem = "text after the closing quote of field " + std::to_string(ncells);
              return rec;
            }
            break;
        }
      }
      if (state != State::quoted) return rec;
      // A quoted field goes on on the next line.
      cells[ncells - 1].push_back('\n');
      continuing_record = true;
      st = read_line(line, budget);
      continuing_record = false;
      if (st == LineStatus::eof) {
        rec.problem = "a quoted field starting here is never closed";
        return rec;
      }
      if (st == LineStatus::too_long || budget == 0) {
        rec.problem = too_long_message();
        skip_rest_of_record();
        return rec;
      }
    }
  }

  // A record over the limit ends where it would have ended under no limit: a quoted field open at
  // the end of the line read goes on, so the lines up to its closing quote are skipped (kept nowhere)
  // and text inside the quotes never becomes records of its own.
  void skip_rest_of_record() {
    continuing_record = true;
    while (scan == Scan::quoted && read_line(line, 0) != LineStatus::eof) {
    }
    continuing_record = false;
    line.clear();
  }

  bool read_header() {
    header_done = true;
    auto rec = read_record();
    if (!rec) return false;  // empty input
    if (!rec->problem.empty()) {
      error = Error::make(errc::invalid_input,
                          "line " + std::to_string(rec->line) + ": CSV header: " + rec->problem);
      return false;
    }
    for (std::size_t i = 0; i < ncells; ++i) {
      std::string why;
      auto col = make_column(cells[i], why, options.extra_fields);
      if (!col) {
        error = Error::make(errc::invalid_input, "line " + std::to_string(rec->line) + ": CSV header: " + why,
                            std::string(trim(cells[i])));
        return false;
      }
      for (const auto& other : columns) {
        if (other.name == col->name) {
          error = Error::make(
              errc::invalid_input,
              "line " + std::to_string(rec->line) + ": CSV header: column '" + col->name + "' appears twice",
              col->name);
          return false;
        }
      }
      columns.push_back(std::move(*col));
    }
    return true;
  }

  // One cell as JSON, or an error item message.
  std::optional<boost::json::value> cell_value(const Column& col, std::string_view text, std::string& why) {
    switch (col.kind) {
      case CellKind::string:
        return boost::json::value(text);
      case CellKind::boolean:
        if (auto b = parse_bool(trim(text))) return boost::json::value(*b);
        why = "expected true or false";
        return std::nullopt;
      case CellKind::integer: {
        std::string_view t = trim(text);
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
        if (ec == std::errc{} && p == t.data() + t.size()) return boost::json::value(n);
        why = "expected an integer";
        return std::nullopt;
      }
      case CellKind::list: {
        boost::json::array arr;
        std::string_view rest = text;
        for (;;) {
          auto semi = rest.find(';');
          std::string_view part = trim(rest.substr(0, semi));
          if (!part.empty()) arr.emplace_back(part);
          if (semi == std::string_view::npos) break;
          rest.remove_prefix(semi + 1);
        }
        return boost::json::value(std::move(arr));
      }
      case CellKind::json_array:
      case CellKind::json_object: {
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(text, ec);
        if (ec) {
          why = "not valid JSON (" + ec.message() + ")";
          return std::nullopt;
        }
        if (col.kind == CellKind::json_array && !v.is_array()) {
          why = "expected a JSON array";
          return std::nullopt;
        }
        if (col.kind == CellKind::json_object && !v.is_object()) {
          why = "expected a JSON object";
          return std::nullopt;
        }
        return v;
      }
    }
    return std::nullopt;
  }

  std::optional<InputItem> next_csv() {
    if (!header_done && !read_header()) {
      finished = true;
      return std::nullopt;
    }
    auto rec = read_record();
    if (!rec) {
      finished = true;
      return std::nullopt;
    }
    const std::size_t at = rec->line;
    if (!rec->problem.empty()) return make_item(at, line_error(at, rec->problem));
    if (ncells != columns.size())
      return make_item(at, line_error(at, "expected " + std::to_string(columns.size()) +
                                              " fields as in the header, found " + std::to_string(ncells)));
    boost::json::object obj;
    for (std::size_t i = 0; i < ncells; ++i) {
      const Column& col = columns[i];
      std::string_view text = cells[i];
      if (is_blank(text)) continue;  // empty cell: absent
      std::string why;
      auto v = cell_value(col, text, why);
      if (!v) return make_item(at, line_error(at, col.name + ": " + why, col.name));
      if (col.parent.empty()) {
        if (auto* existing = obj.if_contains(col.key); existing && existing->is_object() && v->is_object()) {
          // A whole-object column ("link") next to dotted ones ("link.prefix"): merge.
          for (auto& kv : v->as_object()) existing->as_object().insert_or_assign(kv.key(), kv.value());
        } else {
          obj.insert_or_assign(col.key, std::move(*v));
        }
      } else {
        boost::json::value& parent = obj[col.parent];
        if (!parent.is_null() && !parent.is_object())
          return make_item(
              at, line_error(at, col.name + ": cannot be combined with column " + col.parent, col.name));
        if (!parent.is_object()) parent = boost::json::object{};
        parent.as_object().insert_or_assign(col.key, std::move(*v));
      }
    }
    return make_item(at, parse_object(at, boost::json::value(std::move(obj))));
  }

  // Each path returns its reader's item itself (the end of input sets `finished` there): a local item
  // returned here was moved once more (~0.4k instructions a line, the spec's move and destruction).
  std::optional<InputItem> next() {
    if (finished) return std::nullopt;
    if (!started) start();
    if (finished) return std::nullopt;
    if (format == InputFormat::csv) return next_csv();
    return next_jsonl();
  }
};

SpecReader::SpecReader(std::istream& in, InputFormat format)
    : SpecReader(in, SpecReaderOptions{.format = format}) {}

SpecReader::SpecReader(std::istream& in, SpecReaderOptions options)
    : impl_(std::make_unique<Impl>(in, options)) {
  if (impl_->options.max_record_bytes == 0)
    impl_->options.max_record_bytes = SpecReaderOptions{}.max_record_bytes;
}

SpecReader::~SpecReader() = default;
SpecReader::SpecReader(SpecReader&&) noexcept = default;
SpecReader& SpecReader::operator=(SpecReader&&) noexcept = default;

std::optional<InputItem> SpecReader::next() { return impl_->next(); }

const std::optional<Error>& SpecReader::error() const noexcept { return impl_->error; }

InputFormat SpecReader::format() const noexcept { return impl_->format; }

std::size_t SpecReader::lines_read() const noexcept { return impl_->line_no; }

}  // namespace partnerkit
