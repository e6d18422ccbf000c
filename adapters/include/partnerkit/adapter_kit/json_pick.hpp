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
// partnerkit/detail/simple_json.hpp): ~6.6k instructions for that answer against ~17k through Boost.JSON,
// with the same verdicts and picks by construction (the scanner never refuses; what it cannot read, Boost
// reads).
//
// Not in <partnerkit/adapter_kit.hpp>: it instantiates Boost.JSON's parser, so include it where used.
//
//   constexpr std::string_view members[] = {"id", "email", "links"};
//   constexpr std::string_view link_members[] = {"url"};
//   constexpr PickKeys keys(PickPlan{.members = members, .array = "links", .element_members = link_members});
//   JsonPick pick(keys);  // or JsonPick pick(plan): the names indexed per JsonPick
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
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string_view>

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

// A plan's names ready for lookup: by length, then compared as one or two 8-byte words (names of at
// most 16 bytes: most keys are no name's length and cost one table load; keys of one length mostly
// differ in their first word). Longer names, and plans of more than 32 names, are compared byte by byte.
// The top-level table holds the plan's array too (array_bit).
class PickNames {
 public:
  static constexpr std::uint32_t none = 0x7FFFFFFF;        // no member of that name
  static constexpr std::uint32_t array_bit = 0x80000000u;  // the key is the plan's array

  constexpr PickNames(std::span<const std::string_view> names, std::string_view array) noexcept
      : names_(names), array_(array) {
    std::array<std::string_view, capacity> text{};
    std::array<std::uint32_t, capacity> result{};
    std::size_t count = 0;
    const auto add = [&](std::string_view name, std::uint32_t r) {
      for (std::size_t i = 0; i < count; ++i)
        if (text[i] == name) {  // the first of equal names counts; the array joins a member's entry
          if (r & array_bit) result[i] |= array_bit;
          return;
        }
      if (count == capacity) {
        generic_ = true;
        return;
      }
      text[count] = name;
      result[count++] = r;
    };
    for (std::size_t i = 0; i < names.size() && !generic_; ++i) {
      if (names[i].size() <= longest) add(names[i], static_cast<std::uint32_t>(i));
      if (names[i].size() > longest_name_) longest_name_ = names[i].size();
    }
    if (array.size() > longest_name_) longest_name_ = array.size();
    if (!array.empty() && array.size() <= longest && !generic_) add(array, none | array_bit);
    if (generic_ || names.size() >= none) {
      table_ = 0;  // every key compared byte by byte
      return;
    }
    // By length (stable: of equal names the first stays first): start_[n] .. start_[n + 1].
    std::size_t at = 0;
    for (std::size_t n = 0; n <= longest; ++n) {
      start_[n] = static_cast<std::uint8_t>(at);
      for (std::size_t i = 0; i < count; ++i)
        if (text[i].size() == n) {
          entries_[at].lo = word(text[i].data(), n < 8 ? n : 8);
          entries_[at].hi = n < 8 ? 0 : word(text[i].data() + n - 8, 8);
          entries_[at++].result = result[i];
        }
      if (at > start_[n]) first_[n] = entries_[start_[n]];
      more_[n] = at - start_[n] > 1;
    }
    start_[longest + 1] = static_cast<std::uint8_t>(at);
  }

  // The index of the first name equal to the key [s, s + n) or none, | array_bit when it is the
  // plan's array. `loadable`: 8 bytes can be read from s (a key in the body, not at its very end).
  [[gnu::always_inline]] std::uint32_t find(const char* s, std::size_t n, bool loadable) const noexcept {
    if (n >= table_) [[unlikely]]
      return n > longest_name_ ? none : find_slow(std::string_view(s, n));
    std::uint64_t lo, hi = 0;
    if (n >= 8) {  // two word loads, overlapping
      lo = load(s);
      hi = load(s + n - 8);
    } else if (loadable) {
      lo = load(s) & ((std::uint64_t{1} << (8 * n)) - 1);
    } else {
      lo = word(s, n);
    }
    // The first name of that length (an empty slot's words match nothing but "", and say none).
    const Entry& f = first_[n];
    if (f.lo == lo && f.hi == hi) return f.result;
    if (!more_[n]) [[likely]]
      return none;
    for (std::size_t i = start_[n] + 1u; i < start_[n + 1]; ++i)
      if (entries_[i].lo == lo && entries_[i].hi == hi) return entries_[i].result;
    return none;
  }

 private:
  static constexpr std::size_t capacity = 32, longest = 16;
  // Bytes as a little-endian word, the way load reads them.
  static constexpr std::uint64_t word(const char* p, std::size_t n) noexcept {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i) w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    return w;
  }
  static std::uint64_t load(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    return w;
  }
  [[gnu::noinline]] std::uint32_t find_slow(std::string_view key) const noexcept {
    std::uint32_t r = none;
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == key) {
        r = static_cast<std::uint32_t>(i);
        break;
      }
    if (!array_.empty() && array_ == key) r |= array_bit;
    return r;
  }

  struct Entry {
    std::uint64_t lo = 0, hi = 0;
    std::uint32_t result = none;
  };
  std::array<Entry, longest + 1> first_{};  // by length: the first name of it (most keys: one compare)
  std::array<bool, longest + 1> more_{};    // several names of that length: entries_ has the rest
  std::array<Entry, capacity> entries_{};   // by length, start_[n] .. start_[n + 1]
  std::array<std::uint8_t, longest + 2> start_{};
  bool generic_ = false;             // while building: too many names for the table
  std::size_t table_ = longest + 1;  // keys shorter than that are looked up in the table
  std::size_t longest_name_ = 0;
  std::span<const std::string_view> names_;
  std::string_view array_;
};

// A plan ready for JsonPick: built once (constexpr for a constant plan, as Dub's), not per parse.
struct PickKeys {
  constexpr explicit PickKeys(const PickPlan& p) noexcept
      : plan(p), members(p.members, p.array), elements(p.element_members, {}) {}
  PickPlan plan;
  PickNames members, elements;
};

class JsonPick {
 public:
  // member(i) is absent before a parse. From a plan (its names indexed here: ~4k instructions for Dub's)
  // or from PickKeys built once (the hot path: nothing to index per answer; they must outlive the
  // JsonPick).
  explicit JsonPick(const PickPlan& plan) : own_(std::in_place, plan), keys_(*own_) { init(); }
  explicit JsonPick(const PickKeys& keys) : keys_(keys) { init(); }
  JsonPick(const JsonPick&) = delete;
  JsonPick& operator=(const JsonPick&) = delete;

  // Parses `body` (which must outlive the results) as parse_json would: false exactly when parse_json
  // fails (too large, too deep, not JSON, an allocation failure). Never throws. A body of simple JSON
  // (no control bytes in strings, plain numbers, at most 32 deep: partnerkit/detail/simple_json.hpp) is read
  // by a scanner of that subset alone; any other goes to Boost.JSON's parser, which decides every refusal.
  bool parse(std::string_view body) {
    if (parsed_) reset();
    parsed_ = true;
    if (body.size() > max_decode_body_bytes) return false;
    body_ = body;
    try {
      Simple events{*this, body.data() + body.size()};
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
    if (parsed_) reset();
    parsed_ = true;
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
  JsonKind root() const noexcept { return root_.kind; }
  // plan.members[i] of the top-level object (absent when the root is not an object).
  const PickedValue& member(std::size_t i) const noexcept { return members_[i]; }
  // The plan's array member itself (its kind; its text when it is a string).
  const PickedValue& array() const noexcept { return array_; }
  // The elements of that member when it is an array (of its last occurrence), in order.
  std::size_t elements() const noexcept { return elements_; }
  JsonKind element_kind(std::size_t e) const noexcept { return kinds_[e]; }
  // plan.element_members[i] of element e (absent unless the element is an object).
  const PickedValue& element_member(std::size_t e, std::size_t i) const noexcept {
    return slots_[e * per_ + i];
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
    bool on_key_part(sv s, std::size_t, ec_t&) { return !j.names_ || j.key_part(s); }
    bool on_key(sv s, std::size_t, ec_t&) { return !j.names_ || j.joined_key(s); }
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
  // view into the body, as Boost.JSON passes it (string() would keep it as that view). The state a key
  // or value touches is copied here from the JsonPick (the scanner is inlined into parse, so it stays
  // in registers: ~20 instructions a member less than through the JsonPick); containers sync it.
  struct Simple {
    JsonPick& j;
    const char* body_end;  // a key 8 bytes before it is compared by word loads
    const PickNames* names = nullptr;
    PickedValue* base = nullptr;
    PickedValue* target = &j.root_;
    bool special = false;

    PARTNERKIT_PICK_INLINE void object_begin() { open(JsonKind::object); }
    PARTNERKIT_PICK_INLINE void array_begin() { open(JsonKind::array); }
    PARTNERKIT_PICK_INLINE void end() {
      j.close();
      sync();
    }
    PARTNERKIT_PICK_INLINE bool key(std::string_view s, bool escaped) {
      if (!names) return true;
      // A key compared with an escape is unescaped (the scanner checked its escapes) into key_.
      const std::uint32_t r =
          escaped ? unescaped_key(j, *names, s) : names->find(s.data(), s.size(), body_end - s.data() >= 8);
      const std::uint32_t i = r & PickNames::none;
      target = i != PickNames::none ? base + i : nullptr;
      special = (r & PickNames::array_bit) != 0;
      return true;
    }
    PARTNERKIT_PICK_INLINE bool string(std::string_view s, bool escaped) {
      // A string kept with an escape is unescaped into the arena; one not kept needs no text.
      if (escaped) [[unlikely]]
        s = target || (special && j.role_ == Role::members) ? unescaped_text(j, s) : std::string_view();
      store(JsonKind::string, s);
      return true;
    }
    PARTNERKIT_PICK_INLINE void number() { store(JsonKind::number, {}); }
    PARTNERKIT_PICK_INLINE void boolean() { store(JsonKind::boolean, {}); }
    PARTNERKIT_PICK_INLINE void null() { store(JsonKind::null, {}); }

    PARTNERKIT_PICK_INLINE void store(JsonKind k, std::string_view text) {
      if (target) *target = {k, text};
      if (special) [[unlikely]]
        j.special(k, text);
    }
    PARTNERKIT_PICK_INLINE void open(JsonKind k) {
      store(k, {});
      j.special_ = special;
      j.enter(j.child_role(k));
      sync();
    }
    PARTNERKIT_PICK_INLINE void sync() {
      names = j.names_;
      base = j.base_;
      target = nullptr;
      special = j.special_;
    }
    // Out of line, as the scanner's rare branches: inlined, they cost the common path ~1k a body.
    [[gnu::noinline]] static std::uint32_t unescaped_key(JsonPick& j, const PickNames& names,
                                                         std::string_view s) {
      ::partnerkit::detail::append_unescaped(j.key_, s);  // not empty: an escape is at least one byte
      const std::uint32_t r = names.find(j.key_.data(), j.key_.size(), false);
      j.key_.clear();
      return r;
    }
    [[gnu::noinline]] static std::string_view unescaped_text(JsonPick& j, std::string_view s) {
      ::partnerkit::detail::append_unescaped(j.text_, s);
      char* copy = static_cast<char*>(j.arena_.allocate(j.text_.size(), 1));
      std::memcpy(copy, j.text_.data(), j.text_.size());
      const std::string_view text(copy, j.text_.size());
      j.text_.clear();
      return text;
    }
  };
  static_assert(::partnerkit::detail::simple_json_max_depth < json_max_depth);

  // What the container at hand is to the plan: the top-level object (its members read), the plan's
  // array (each value an element), an object element of it (its members read), or nothing read.
  enum class Role : std::uint8_t { top, members, array, element, other };

  void init() {
    per_ = keys_.plan.element_members.size();
    const std::size_t n = keys_.plan.members.size();
    members_ = static_cast<PickedValue*>(arena_.allocate(n * sizeof(PickedValue), alignof(PickedValue)));
    std::uninitialized_fill_n(members_, n, PickedValue{});
    if (!keys_.plan.array.empty()) grow();  // room for a few elements at once (from the 2 KB buffer)
  }
  // Copies of escaped strings (and grown element slots) stay in the arena until the JsonPick goes (a
  // parse per JsonPick is the intended use; a reused one keeps growing by them).
  void reset() {
    std::fill_n(members_, keys_.plan.members.size(), PickedValue{});
    array_ = root_ = {};
    elements_ = 0;
    depth_ = 0;
    role_ = Role::top;
    names_ = nullptr;
    base_ = nullptr;
    target_ = &root_;
    special_ = in_array_ = in_element_ = false;
    key_.clear();
    text_.clear();
    by_simple_ = false;
  }

  // A value of kind k begins (a container) or is complete (a scalar, a string with its text): it goes
  // to the slot its key chose (target_), and, rarely, is the plan's array or one of its elements.
  PARTNERKIT_PICK_INLINE void store(JsonKind k, std::string_view text) {
    if (target_) *target_ = {k, text};
    if (special_) [[unlikely]]
      special(k, text);
  }
  [[gnu::noinline]] void special(JsonKind k, std::string_view text) {
    if (role_ == Role::array) {  // every element gets its slots (absent unless an object)
      if (elements_ == element_cap_) grow();
      kinds_[elements_] = k;
      std::fill_n(slots_ + elements_ * per_, per_, PickedValue{});
      ++elements_;
      return;
    }
    // The plan's array member: its last occurrence counts, an earlier one's elements go.
    array_ = {k, text};
    elements_ = 0;
  }
  // Up to 8 elements, at most 32 slots (768 bytes of the buffer) first, then doubling (the old blocks
  // stay in the arena).
  [[gnu::noinline]] void grow() {
    const std::size_t room = per_ == 0 ? 8 : std::max<std::size_t>(1, std::min<std::size_t>(8, 32 / per_));
    const std::size_t cap = element_cap_ == 0 ? room : 2 * element_cap_;
    auto* slots =
        static_cast<PickedValue*>(arena_.allocate(cap * per_ * sizeof(PickedValue), alignof(PickedValue)));
    auto* kinds = static_cast<JsonKind*>(arena_.allocate(cap, 1));
    std::uninitialized_copy_n(kinds_, elements_, kinds);
    std::uninitialized_copy_n(slots_, elements_ * per_, slots);
    kinds_ = kinds;
    slots_ = slots;
    element_cap_ = cap;
  }

  // A container of kind k opens in the one at hand (its value stored first).
  PARTNERKIT_PICK_INLINE bool open(JsonKind k) {
    store(k, {});
    enter(child_role(k));
    return true;
  }
  // Its role (special_: the key at hand is the plan's array's); the depth counted.
  PARTNERKIT_PICK_INLINE Role child_role(JsonKind k) {
    ++depth_;
    if (role_ == Role::top && k == JsonKind::object) return Role::members;
    if (role_ == Role::members && k == JsonKind::array && special_) return Role::array;
    if (role_ == Role::array && k == JsonKind::object) return Role::element;
    return Role::other;
  }
  PARTNERKIT_PICK_INLINE bool close() {
    --depth_;
    Role r = Role::other;
    if (depth_ == 0) r = Role::top;
    if (depth_ == 1 && root_.kind == JsonKind::object) r = Role::members;
    if (depth_ == 2 && in_array_) r = Role::array;
    if (depth_ == 3 && in_element_) r = Role::element;
    enter(r);
    return true;
  }
  PARTNERKIT_PICK_INLINE void enter(Role r) {
    role_ = r;
    if (depth_ == 1) in_array_ = false;
    if (depth_ == 2) in_element_ = false;
    if (r == Role::array) in_array_ = true;
    if (r == Role::element) in_element_ = true;
    names_ = r == Role::members ? &keys_.members : r == Role::element ? &keys_.elements : nullptr;
    base_ = r == Role::members ? members_ : r == Role::element ? slots_ + (elements_ - 1) * per_ : nullptr;
    target_ = nullptr;
    special_ = r == Role::array;
  }
  bool scalar(JsonKind k) {
    store(k, {});
    return true;
  }

  // A key of an object read (names_ set): the slot its value goes to, and whether it is the plan's array.
  PARTNERKIT_PICK_INLINE void key(const char* s, std::size_t n, bool loadable) {
    const std::uint32_t r = names_->find(s, n, loadable);
    const std::uint32_t i = r & PickNames::none;
    target_ = i != PickNames::none ? base_ + i : nullptr;
    special_ = (r & PickNames::array_bit) != 0;
  }
  bool key_part(std::string_view s) {
    key_.append(s);
    return true;
  }
  // A whole key from Boost.JSON (its last part s), or one unescaped into key_.
  bool joined_key(std::string_view s) {
    if (key_.empty()) {
      key(s.data(), s.size(), false);
      return true;
    }
    key_.append(s);
    key(key_.data(), key_.size(), false);
    key_.clear();
    return true;
  }

  // Whether store() keeps the text of the string at hand.
  bool wants_text() const noexcept { return target_ || (special_ && role_ == Role::members); }

  bool string_part(std::string_view s) {
    if (wants_text()) text_.append(s);
    return true;
  }
  bool string(std::string_view s) {
    if (!wants_text()) {
      store(JsonKind::string, {});
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
    store(JsonKind::string, text);
    return true;
  }

  std::optional<PickKeys> own_;  // when built from a plan
  const PickKeys& keys_;
  std::string_view body_;
  // The slots and copies live here: an answer with up to ~5 link objects needs no heap.
  std::array<std::byte, 2048> buffer_;
  std::pmr::monotonic_buffer_resource arena_{buffer_.data(), buffer_.size()};
  PickedValue* members_ = nullptr;
  PickedValue root_, array_;  // root_: only its kind
  JsonKind* kinds_ = nullptr;
  PickedValue* slots_ = nullptr;  // element e's are at e * per_
  std::size_t elements_ = 0, element_cap_ = 0, per_ = 0;
  std::pmr::string key_{&arena_};
  std::pmr::string text_{&arena_};
  std::size_t depth_ = 0;
  Role role_ = Role::top;
  const PickNames* names_ = nullptr;  // the names of the object at hand's members read, or null
  PickedValue* base_ = nullptr;       // their slots
  PickedValue* target_ = &root_;      // the slot of the value at hand, or null
  bool special_ = false;              // the value at hand is the plan's array or one of its elements
  bool in_array_ = false;             // inside the plan's array (depth 2 holds its elements)
  bool in_element_ = false;           // inside an object element of it (depth 3 holds its members)
  bool by_simple_ = false;
  bool parsed_ = false;
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
