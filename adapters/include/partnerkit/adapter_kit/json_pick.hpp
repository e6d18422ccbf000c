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
// partnerkit/detail/simple_json.hpp): ~3.9k instructions for that answer against ~17k through Boost.JSON,
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
#include <partnerkit/adapter_kit/json_pick_names.hpp>
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
#include <type_traits>

// The event functions are inlined into both parsers (the call cost ~20 instructions a key or value).
#if defined(__GNUC__)
#define PARTNERKIT_PICK_INLINE [[gnu::always_inline]] inline
#else
#define PARTNERKIT_PICK_INLINE inline
#endif

namespace partnerkit::adapter_kit {

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
      const ::partnerkit::detail::SimpleJsonText text(body);
      Simple events{*this, text.text().data(), body.data()};
      if (::partnerkit::detail::scan_padded_simple_json(text.text(), events)) {
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

  // What the container at hand is to the plan: the top-level object (its members read), the plan's
  // array (each value an element), an object element of it (its members read), or nothing read.
  enum class Role : std::uint8_t { top, members, array, element, other };

  // The fast path's events: those the Handler turns Boost.JSON's into, by the same rules (roles by
  // depth, special values, the last of duplicate keys). The scanner reads a padded copy of the body; an
  // unescaped string kept is the view of the same bytes in the body, as Boost.JSON passes it. The state
  // a key or value touches lives here, not in the JsonPick (the scanner is inlined into parse, so it
  // stays in registers); the JsonPick's own parse state is left as it was (the next parse resets it).
  struct Simple {
    JsonPick& j;
    const char* copy;  // the padded copy the scanner reads (its keys: 16 bytes readable at each)
    const char* body;  // where its bytes are in the body
    const PickNames* names = &no_names;  // never null: an object not read has these
    PickedValue* base = nullptr;
    // The slot of the value at hand (or 0) | 1 when it is special (the plan's array or an element of
    // it): one test for most values, which are neither.
    std::uintptr_t target = reinterpret_cast<std::uintptr_t>(&j.root_);
    std::size_t depth = 0;
    Role role = Role::top;
    bool in_array = false;    // inside the plan's array (depth 2 holds its elements)
    bool in_element = false;  // inside an object element of it (depth 3 holds its members)

    PARTNERKIT_PICK_INLINE void object_begin() { open(JsonKind::object); }
    PARTNERKIT_PICK_INLINE void array_begin() { open(JsonKind::array); }
    PARTNERKIT_PICK_INLINE void key(std::string_view s) {
      target = names->find_target(s.data(), s.size(), base);
    }
    // A key without escapes of at most 15 bytes (scan_padded_simple_json's optional event).
    PARTNERKIT_PICK_INLINE bool short_key(std::string_view s) {
      target = names->find_short_target(s.data(), s.size(), base);
      return true;
    }
    PARTNERKIT_PICK_INLINE bool key(std::string_view s, bool escaped) {
      if (!escaped) {
        key(s);
        return true;
      }
      // A key with an escape is unescaped (the scanner checked its escapes) and compared.
      target = names->target_of(unescaped_key(j, *names, s), base);
      return true;
    }
    PARTNERKIT_PICK_INLINE bool string(std::string_view s, bool escaped) {
      if (!target) return true;  // most strings
      // A string kept with an escape is unescaped into the arena (an element of the array's too: rare);
      // an unescaped one is the same bytes in the body.
      store(JsonKind::string,
            escaped ? unescaped_text(j, s) : std::string_view(body + (s.data() - copy), s.size()));
      return true;
    }
    PARTNERKIT_PICK_INLINE void number() { store(JsonKind::number, {}); }
    PARTNERKIT_PICK_INLINE void boolean() { store(JsonKind::boolean, {}); }
    PARTNERKIT_PICK_INLINE void null() { store(JsonKind::null, {}); }

    PARTNERKIT_PICK_INLINE void store(JsonKind k, std::string_view text) {
      if (!target) return;
      if (target & 1) [[unlikely]]
        return store_special(k, text);
      *reinterpret_cast<PickedValue*>(target) = {k, text};
    }
    [[gnu::noinline]] void store_special(JsonKind k, std::string_view text) {
      if (auto* slot = reinterpret_cast<PickedValue*>(target & ~std::uintptr_t{1})) *slot = {k, text};
      if (role != Role::array || j.elements_ == j.element_cap_) return j.special(role, k, text);
      j.kinds_[j.elements_++] = k;  // an element (the room is there; its slots absent already)
    }
    // JsonPick::open's and close's rules (child_role, close, enter) on this state.
    PARTNERKIT_PICK_INLINE void open(JsonKind k) {
      const bool special = (target & 1) != 0;
      if (target == 1 && role == Role::array && j.elements_ != j.element_cap_)
        j.kinds_[j.elements_++] = k;  // an element (its slots absent already)
      else
        store(k, {});
      ++depth;
      if (role == Role::top && k == JsonKind::object)
        role = Role::members;
      else if (role == Role::members && k == JsonKind::array && special)
        role = Role::array;
      else if (role == Role::array && k == JsonKind::object)
        role = Role::element;
      else
        role = Role::other;
      enter();
    }
    PARTNERKIT_PICK_INLINE void end() {
      --depth;
      role = Role::other;
      if (depth == 0) role = Role::top;
      if (depth == 1 && j.root_.kind == JsonKind::object) role = Role::members;
      if (depth == 2 && in_array) role = Role::array;
      if (depth == 3 && in_element) role = Role::element;
      enter();
    }
    PARTNERKIT_PICK_INLINE void enter() {
      if (depth == 1) in_array = false;
      if (depth == 2) in_element = false;
      target = 0;
      names = &no_names;
      base = nullptr;
      switch (role) {
        case Role::members:
          names = &j.keys_.members;
          base = j.members_;
          break;
        case Role::array:
          in_array = true;
          target = 1;  // each value an element
          break;
        case Role::element:
          in_element = true;
          names = &j.keys_.elements;
          base = j.slots_ + (j.elements_ - 1) * j.per_;
          break;
        default:
          break;
      }
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
  // No name: the keys of an object not read find none of them at once.
  static constexpr PickNames no_names{{}, {}};

  // Element slots not in use are always absent (all zero bytes: PickedValue{}), so an element needs
  // no clearing when it comes.
  static_assert(std::is_trivially_copyable_v<PickedValue> && static_cast<int>(JsonKind::absent) == 0);
  static void clear(PickedValue* v, std::size_t n) noexcept {
    if (n) std::memset(static_cast<void*>(v), 0, n * sizeof(PickedValue));
  }
  // Elements the first slots hold (up to 4, at most 32 slots: cleared at construction), then doubling.
  static std::size_t first_room(std::size_t per) noexcept {
    return per == 0 ? 8 : std::max<std::size_t>(1, std::min<std::size_t>(4, 32 / per));
  }
  // The bytes at the buffer's start that init() takes for the members and the first element slots
  // (one memset, no arena calls), or 0 when they would take more than half of it.
  static std::size_t prefix_bytes(const PickKeys& keys) noexcept {
    const std::size_t per = keys.plan.element_members.size();
    const std::size_t room = keys.plan.array.empty() ? 0 : first_room(per);
    const std::size_t bytes = (keys.plan.members.size() + 1 + room * per) * sizeof(PickedValue) + room;
    const std::size_t rounded =
        (bytes + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t);
    return rounded <= 1024 ? rounded : 0;
  }
  void init() {
    per_ = keys_.plan.element_members.size();
    // One more than the members: the fast path's slot for the plan's array when it is no member.
    const std::size_t n = keys_.plan.members.size() + 1;
    if (prefix_ == 0) {
      members_ = static_cast<PickedValue*>(arena_.allocate(n * sizeof(PickedValue), alignof(PickedValue)));
      clear(members_, n);
      if (!keys_.plan.array.empty()) grow();  // room for a few elements at once (from the 2 KB buffer)
      return;
    }
    std::memset(buffer_.data(), 0, prefix_);
    members_ = reinterpret_cast<PickedValue*>(buffer_.data());
    if (keys_.plan.array.empty()) return;
    element_cap_ = first_room(per_);
    slots_ = members_ + n;
    kinds_ = reinterpret_cast<JsonKind*>(slots_ + element_cap_ * per_);
  }
  // Copies of escaped strings (and grown element slots) stay in the arena until the JsonPick goes (a
  // parse per JsonPick is the intended use; a reused one keeps growing by them).
  void reset() {
    std::fill_n(members_, keys_.plan.members.size(), PickedValue{});
    array_ = root_ = {};
    clear(slots_, elements_ * per_);
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
  void special(JsonKind k, std::string_view text) { special(role_, k, text); }
  // In a container of role `in`.
  [[gnu::noinline]] void special(Role in, JsonKind k, std::string_view text) {
    if (in == Role::array) {  // every element gets its slots (absent unless an object)
      if (elements_ == element_cap_) grow();
      kinds_[elements_++] = k;  // its slots absent already
      return;
    }
    // The plan's array member: its last occurrence counts, an earlier one's elements go.
    array_ = {k, text};
    clear(slots_, elements_ * per_);
    elements_ = 0;
  }
  // first_room elements first, then doubling (the old blocks stay in the arena).
  [[gnu::noinline]] void grow() {
    const std::size_t cap = element_cap_ == 0 ? first_room(per_) : 2 * element_cap_;
    auto* slots =
        static_cast<PickedValue*>(arena_.allocate(cap * per_ * sizeof(PickedValue), alignof(PickedValue)));
    auto* kinds = static_cast<JsonKind*>(arena_.allocate(cap, 1));
    std::uninitialized_copy_n(kinds_, elements_, kinds);
    std::uninitialized_copy_n(slots_, elements_ * per_, slots);
    clear(slots + elements_ * per_, (cap - elements_) * per_);
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
  // The slots and copies live here: an answer with up to ~5 link objects needs no heap. The members and
  // the first element slots take its first prefix_ bytes (prefix_bytes), the arena the rest.
  alignas(std::max_align_t) std::array<std::byte, 2048> buffer_;
  std::size_t prefix_ = prefix_bytes(keys_);
  std::pmr::monotonic_buffer_resource arena_{buffer_.data() + prefix_, buffer_.size() - prefix_};
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
