// Reading chosen members of a JSON answer without building its tree: the members a decoder names in the
// top-level object, and the members it names in the objects of one top-level array. For the hot path of a
// decoder that does not keep the tree (DecodeContext::keep_raw false): a 1 KB answer's parse costs about a
// third of parse_json's (no tree, no lookups after, the scanner below), with no allocation for a small
// answer (2 KB inline).
//
// Exactly parse_json's verdict: the same Boost.JSON parser with the same options (max_decode_body_bytes,
// json_max_depth, strict JSON, valid UTF-8, nothing after the value), so a body parse_json refuses is
// refused here and the other way round. Exactly what the tree gives: of duplicate keys the last one counts
// (Boost.JSON's parse keeps the last), keys are compared after unescaping ("i\u0064" is "id"), and a
// member has the kind of that last value.
//
// Most answers are read by a scanner of simple JSON in front of Boost.JSON's parser (parse below;
// partnerkit/detail/simple_json.hpp): ~10k instructions for that answer against ~17k through Boost.JSON, with
// the same verdicts and picks by construction (the scanner never refuses; what it cannot read, Boost reads).
//
// Not in <partnerkit/adapter_kit.hpp>: it instantiates Boost.JSON's parser, so include it where used.
//
//   constexpr std::string_view members[] = {"id", "email", "links"};
//   constexpr std::string_view link_members[] = {"url"};
//   JsonPick pick({.members = members, .array = "links", .element_members = link_members});
//   if (!pick.parse(response.body) || pick.root() != JsonKind::object) ...  // as parse_json / is_object
//   const std::string_view* id = pick.member(0).string();                // as string_member(o, "id")
//   for (std::size_t e = 0; e < pick.elements(); ++e)
//     if (pick.element_kind(e) == JsonKind::object) use(pick.element_member(e, 0).string());
#pragma once

#include <partnerkit/adapter_kit/decode.hpp>
#include <partnerkit/adapter_kit/json.hpp>
#include <partnerkit/detail/json_parse_limits.hpp>
#include <partnerkit/detail/simple_json.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory_resource>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

// The event functions are inlined into both parsers (the call cost ~20 instructions a key or value).
#if defined(__GNUC__)
#define PARTNERKIT_PICK_INLINE [[gnu::always_inline]] inline
#else
#define PARTNERKIT_PICK_INLINE inline
#endif

namespace partnerkit::adapter_kit {

// What a JSON value is; `absent` for a member that is not there (or an element past the end).
enum class JsonKind : std::uint8_t { absent, null, boolean, number, string, array, object };

// One member read: its kind and, when a string, its unescaped text (a view into the parsed body, or into
// the JsonPick's own storage for a string with escapes: valid while both live).
struct PickedValue {
  JsonKind kind = JsonKind::absent;
  std::string_view text;
  // The text when the member is a string, else null: as string_member.
  const std::string_view* string() const noexcept { return kind == JsonKind::string ? &text : nullptr; }
};

// What to read. The names are compared with keys exactly (after unescaping); the spans must outlive the
// JsonPick. `array` may also be one of `members` (its kind is then read both ways).
struct PickPlan {
  std::span<const std::string_view> members;          // of the top-level object
  std::string_view array;                             // a top-level member whose elements are read; "" none
  std::span<const std::string_view> element_members;  // of each element that is an object
};

class JsonPick {
 public:
  // The members' slots only (parse resets the rest): member(i) is absent before a parse.
  explicit JsonPick(const PickPlan& plan) : plan_(plan) {
    members_.assign(plan_.members.size(), PickedValue{});
  }
  JsonPick(const JsonPick&) = delete;
  JsonPick& operator=(const JsonPick&) = delete;

  // Parses `body` (which must outlive the results) as parse_json would: false exactly when parse_json
  // fails (too large, too deep, not JSON, an allocation failure). Never throws. A body of simple JSON
  // (no control bytes in strings, plain numbers, at most 32 deep: partnerkit/detail/simple_json.hpp) is read
  // by a scanner of that subset alone; any other goes to Boost.JSON's parser, which decides every refusal.
  bool parse(std::string_view body) {
    reset();
    if (body.size() > max_decode_body_bytes) return false;
    body_ = body;
    try {
      Simple events{*this};
      if (::partnerkit::detail::scan_simple_json(body, events)) {
        by_simple_ = true;
        return true;
      }
    } catch (const std::exception&) {  // allocation failure: Boost.JSON's parser says it again
    }
    return parse_with_boost(body);
  }

  // parse without the fast path: Boost.JSON's parser for every body (the differential tests' reference).
  bool parse_with_boost(std::string_view body) {
    reset();
    if (body.size() > max_decode_body_bytes) return false;
    body_ = body;
    boost::json::parse_options opt;
    opt.max_depth = json_max_depth;
    boost::system::error_code ec;
    try {
      boost::json::basic_parser<Handler> p(opt, *this);
      // As boost::json::parse: the whole body at once, and anything after the value is an error.
      const std::size_t n = p.write_some(false, body.data(), body.size(), ec);
      if (!ec && (n < body.size() || !p.done())) return false;
    } catch (const std::exception&) {  // allocation failure on a hostile body
      return false;
    }
    return !ec;
  }

  // Whether the last parse was decided by the fast path (for tests: the answers meant to take it do).
  bool read_by_simple_scan() const noexcept { return by_simple_; }

  // The document's kind (object for an answer a decoder can read).
  JsonKind root() const noexcept { return root_; }
  // plan.members[i] of the top-level object (absent when the root is not an object).
  const PickedValue& member(std::size_t i) const noexcept { return members_[i]; }
  // The plan's array member itself (its kind; its text when it is a string).
  const PickedValue& array() const noexcept { return array_; }
  // The elements of that member when it is an array (of its last occurrence), in order.
  std::size_t elements() const noexcept { return element_kinds_.size(); }
  JsonKind element_kind(std::size_t e) const noexcept { return element_kinds_[e]; }
  // plan.element_members[i] of element e (absent unless the element is an object).
  const PickedValue& element_member(std::size_t e, std::size_t i) const noexcept {
    return element_members_[e * plan_.element_members.size() + i];
  }

 private:
  // Boost.JSON's events (basic_parser's Handler concept). Never refuses anything: the limits are those
  // of boost::json::parse's own handler, so the parser decides every verdict.
  struct Handler : ::partnerkit::detail::JsonParseLimits {
    using ec_t = boost::system::error_code;
    using sv = boost::json::string_view;

    JsonPick& j;
    explicit Handler(JsonPick& pick) : j(pick) {}

    bool on_document_begin(ec_t&) { return true; }
    bool on_document_end(ec_t&) { return true; }
    bool on_object_begin(ec_t&) { return j.open(JsonKind::object); }
    bool on_object_end(std::size_t, ec_t&) { return j.close(); }
    bool on_array_begin(ec_t&) { return j.open(JsonKind::array); }
    bool on_array_end(std::size_t, ec_t&) { return j.close(); }
    // Most keys are in no object read: refused here, inlined in the parser.
    bool on_key_part(sv s, std::size_t, ec_t&) { return !j.reads_keys() || j.key_part(s); }
    bool on_key(sv s, std::size_t, ec_t&) { return !j.reads_keys() || j.key(s); }
    bool on_string_part(sv s, std::size_t, ec_t&) { return j.string_part(s); }
    bool on_string(sv s, std::size_t, ec_t&) { return j.string(s); }
    bool on_number_part(sv, ec_t&) { return true; }
    bool on_int64(std::int64_t, sv, ec_t&) { return j.scalar(JsonKind::number); }
    bool on_uint64(std::uint64_t, sv, ec_t&) { return j.scalar(JsonKind::number); }
    bool on_double(double, sv, ec_t&) { return j.scalar(JsonKind::number); }
    bool on_bool(bool, ec_t&) { return j.scalar(JsonKind::boolean); }
    bool on_null(ec_t&) { return j.scalar(JsonKind::null); }
    bool on_comment_part(sv, ec_t&) { return true; }
    bool on_comment(sv, ec_t&) { return true; }
  };

  // The fast path's events: those the Handler turns Boost.JSON's into. An unescaped key or string is a
  // view into the body, as Boost.JSON passes it (string() would keep it as that view).
  struct Simple {
    JsonPick& j;
    PARTNERKIT_PICK_INLINE void object_begin() { j.open(JsonKind::object); }
    PARTNERKIT_PICK_INLINE void array_begin() { j.open(JsonKind::array); }
    PARTNERKIT_PICK_INLINE void end() { j.close(); }
    // A key compared or a string kept with an escape is unescaped (the scanner checked its escapes) into
    // key_ / text_, the buffers Boost.JSON's parts go to; a string not kept needs no text.
    PARTNERKIT_PICK_INLINE bool key(std::string_view s, bool escaped) {
      if (!j.reads_keys()) return true;
      if (!escaped) return j.key(s);
      return escaped_key(s);
    }
    PARTNERKIT_PICK_INLINE bool string(std::string_view s, bool escaped) {
      if (!escaped) {
        j.value(JsonKind::string, s);
        return true;
      }
      if (!j.wants_text()) {
        j.value(JsonKind::string);
        return true;
      }
      return escaped_string(s);
    }
    // Out of line, as the scanner's rare branches: inlined, they cost the common path ~1k a body.
    [[gnu::noinline]] bool escaped_key(std::string_view s) {
      ::partnerkit::detail::append_unescaped(j.key_, s);  // not empty: an escape is at least one byte
      return j.key({});
    }
    [[gnu::noinline]] bool escaped_string(std::string_view s) {
      ::partnerkit::detail::append_unescaped(j.text_, s);  // string() copies text_ into the arena
      return j.string({});
    }
    PARTNERKIT_PICK_INLINE void number() { j.value(JsonKind::number); }
    PARTNERKIT_PICK_INLINE void boolean() { j.value(JsonKind::boolean); }
    PARTNERKIT_PICK_INLINE void null() { j.value(JsonKind::null); }
  };
  static_assert(::partnerkit::detail::simple_json_max_depth < json_max_depth);

  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  // Copies of escaped strings stay in the arena until the JsonPick goes (a parse per JsonPick is the
  // intended use; a reused one keeps growing by them).
  void reset() {
    members_.assign(plan_.members.size(), PickedValue{});
    array_ = {};
    element_kinds_.clear();
    element_members_.clear();
    // Room for a few elements at once (up to 8, at most 32 slots: 768 bytes of the 2 KB buffer): growing
    // by doubling costs more, and leaves the old blocks in the arena.
    if (!plan_.array.empty()) {
      const std::size_t per = plan_.element_members.size();
      const std::size_t room = per == 0 ? 8 : std::min<std::size_t>(8, 32 / per);
      element_kinds_.reserve(room);
      element_members_.reserve(room * per);
    }
    root_ = JsonKind::absent;
    depth_ = 0;
    in_array_ = in_element_ = false;
    member_ = element_member_ = none;
    is_array_key_ = false;
    key_.clear();
    text_.clear();
    by_simple_ = false;
  }

  // Per key length (63: that or longer), the first name of that length: most keys of an answer are no
  // name's length and cost no compare, and a length only one name has costs one (the names' lengths
  // mostly differ: Dub's six top-level names all do). `shared` marks the lengths several names have.
  struct Lookup {
    static constexpr std::uint8_t no_name = 0xFF;
    std::array<std::uint8_t, 64> first;
    std::uint64_t shared = 0;
  };
  static std::size_t length_slot(std::size_t n) noexcept { return n < 63 ? n : 63; }
  static Lookup lookup_of(std::span<const std::string_view> names) noexcept {
    Lookup l;
    if (names.size() >= Lookup::no_name) {  // more names than a byte counts: every length searched from 0
      l.first.fill(0);
      l.shared = ~std::uint64_t{0};
      return l;
    }
    l.first.fill(Lookup::no_name);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::size_t slot = length_slot(names[i].size());
      if (l.first[slot] == Lookup::no_name)
        l.first[slot] = static_cast<std::uint8_t>(i);
      else
        l.shared |= std::uint64_t{1} << slot;
    }
    return l;
  }
  // Inline for keys up to 16 bytes (two word loads each, overlapping; no call to memcmp): keys of one
  // length ("createdAt", "updatedAt") mostly differ in the first word.
  template <std::size_t N>
  static bool same_words(const char* a, const char* b, std::size_t n) noexcept {
    using word = std::conditional_t<N == 8, std::uint64_t, std::uint32_t>;
    word x, y, u, v;
    std::memcpy(&x, a, N);
    std::memcpy(&y, b, N);
    std::memcpy(&u, a + n - N, N);
    std::memcpy(&v, b + n - N, N);
    return ((x ^ y) | (u ^ v)) == 0;
  }
  PARTNERKIT_PICK_INLINE static bool same(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    if (n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
    if (n >= 8) return same_words<8>(a.data(), b.data(), n);
    if (n >= 4) return same_words<4>(a.data(), b.data(), n);
    for (std::size_t i = 0; i < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  // The index of the first name equal to key, or none.
  PARTNERKIT_PICK_INLINE static std::size_t index_of(std::span<const std::string_view> names, const Lookup& l,
                                                     std::string_view key) noexcept {
    const std::size_t slot = length_slot(key.size());
    const std::size_t first = l.first[slot];
    if (first == Lookup::no_name) return none;
    if (!((l.shared >> slot) & 1)) return same(names[first], key) ? first : none;
    for (std::size_t i = first; i < names.size(); ++i)
      if (same(names[i], key)) return i;
    return none;
  }

  // A value of kind k begins (a container) or is complete (a scalar, a string with its text). By depth:
  // the document, the top-level members, the plan's array's elements, their members; nothing deeper.
  PARTNERKIT_PICK_INLINE void value(JsonKind k, std::string_view text = {}) {
    switch (depth_) {
      case 0:
        root_ = k;
        return;
      case 1:
        if (root_ != JsonKind::object) return;
        if (member_ != none) members_[member_] = {k, text};
        if (is_array_key_) {
          array_ = {k, text};
          // The last occurrence of the member counts: an earlier one's elements go.
          element_kinds_.clear();
          element_members_.clear();
        }
        return;
      case 2:
        if (!in_array_) return;
        // Every element gets its slots (absent unless an object): element e's are at e * count.
        element_kinds_.push_back(k);
        element_members_.resize(element_members_.size() + plan_.element_members.size());
        return;
      case 3:
        if (in_element_ && element_member_ != none)
          element_members_[(element_kinds_.size() - 1) * plan_.element_members.size() + element_member_] = {
              k, text};
        return;
      default:
        return;
    }
  }

  PARTNERKIT_PICK_INLINE bool open(JsonKind k) {
    value(k);
    if (depth_ == 1 && k == JsonKind::array && root_ == JsonKind::object && is_array_key_) in_array_ = true;
    if (depth_ == 2 && k == JsonKind::object && in_array_) {
      in_element_ = true;
      element_member_ = none;
    }
    ++depth_;
    return true;
  }
  PARTNERKIT_PICK_INLINE bool close() {
    --depth_;
    if (depth_ == 1) in_array_ = false;
    if (depth_ == 2) in_element_ = false;
    return true;
  }
  bool scalar(JsonKind k) {
    value(k);
    return true;
  }

  // The keys of the top-level object and of the plan's array's object elements.
  bool reads_keys() const noexcept { return depth_ == 1 || (depth_ == 3 && in_element_); }
  bool key_part(std::string_view s) {
    key_.append(s);
    return true;
  }
  PARTNERKIT_PICK_INLINE bool key(std::string_view s) {
    std::string_view k = s;
    const bool joined = !key_.empty();  // parts (or an unescaped key) wait in key_
    if (joined) {
      key_.append(s);
      k = key_;
    }
    if (depth_ == 1) {
      member_ = index_of(plan_.members, member_lookup_, k);
      is_array_key_ = !plan_.array.empty() && same(k, plan_.array);
    } else {
      element_member_ = index_of(plan_.element_members, element_lookup_, k);
    }
    if (joined) key_.clear();  // only then: a clear is two stores a key
    return true;
  }

  // Whether value() keeps the text of the string at hand.
  bool wants_text() const noexcept {
    if (depth_ == 1) return root_ == JsonKind::object && (member_ != none || is_array_key_);
    return depth_ == 3 && in_element_ && element_member_ != none;
  }

  bool string_part(std::string_view s) {
    if (wants_text()) text_.append(s);
    return true;
  }
  bool string(std::string_view s) {
    if (!wants_text()) {
      value(JsonKind::string);
      return true;
    }
    // An unescaped string is a view into the body; one the parser had to unescape is copied.
    const std::less<const char*> before;
    const char* end = body_.data() + body_.size();
    std::string_view text = s;
    if (!text_.empty() || before(s.data(), body_.data()) || before(end, s.data() + s.size())) {
      text_.append(s);
      char* copy = static_cast<char*>(arena_.allocate(text_.size(), 1));
      std::memcpy(copy, text_.data(), text_.size());
      text = std::string_view(copy, text_.size());
      text_.clear();
    }
    value(JsonKind::string, text);
    return true;
  }

  PickPlan plan_;
  Lookup member_lookup_ = lookup_of(plan_.members);
  Lookup element_lookup_ = lookup_of(plan_.element_members);
  std::string_view body_;
  // The slots and copies live here: an answer with up to ~5 link objects needs no heap.
  std::array<std::byte, 2048> buffer_;
  std::pmr::monotonic_buffer_resource arena_{buffer_.data(), buffer_.size()};
  std::pmr::vector<PickedValue> members_{&arena_};
  PickedValue array_;
  std::pmr::vector<JsonKind> element_kinds_{&arena_};
  std::pmr::vector<PickedValue> element_members_{&arena_};
  std::pmr::string key_{&arena_};
  std::pmr::string text_{&arena_};
  JsonKind root_ = JsonKind::absent;
  std::size_t depth_ = 0;
  bool in_array_ = false;    // inside the plan's array (depth 2 holds its elements)
  bool in_element_ = false;  // inside an object element of it (depth 3 holds its members)
  std::size_t member_ = none;
  std::size_t element_member_ = none;
  bool is_array_key_ = false;
  bool by_simple_ = false;
};

// success_object's twin: `pick` reads a 2xx body, or the protocol error success_object would give (the
// body is not JSON, or too large or deep; it is not an object).
inline std::optional<Error> success_pick(const HttpResponse& response, std::string_view vendor,
                                         JsonPick& pick) {
  if (!pick.parse(response.body)) return not_json_error(response, vendor);
  if (pick.root() != JsonKind::object) return not_object_error(response, vendor);
  return std::nullopt;
}

}  // namespace partnerkit::adapter_kit

#undef PARTNERKIT_PICK_INLINE
