// JsonPick's plan and its names indexed for lookup (json_pick.hpp, which includes this): the kinds and
// values it reads, PickPlan, PickNames (by length and first byte, then one 16-byte compare) and PickKeys.
#pragma once

#include <partnerkit/detail/simple_json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

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

// A plan's names ready for lookup: by length, then compared as one 16-byte block (SSE2; elsewhere two
// 8-byte words) with the first name of that length (names of at most 16 bytes: most keys are no name's
// length and cost one compare; keys of one length mostly differ). Longer names, and plans of more than 32
// names, are compared byte by byte. The top-level table holds the plan's array too (array_bit).
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
      // find_short_target: every key matches its length's first entry, which says "byte by byte".
      for (std::size_t n = 0; n <= longest; ++n) {
        firsts_[n] = ~std::uint64_t{0};
        first_[n].target = by_bytes;
      }
      return;
    }
    // By length (stable: of equal names the first stays first): start_[n] .. start_[n + 1].
    std::size_t at = 0;
    for (std::size_t n = 0; n <= longest; ++n) {
      start_[n] = static_cast<std::uint8_t>(at);
      for (std::size_t i = 0; i < count; ++i)
        if (text[i].size() == n) {
          entries_[at].lo = word(text[i].data(), n < 8 ? n : 8);
          entries_[at].hi = n <= 8 ? 0 : word(text[i].data() + 8, n - 8);
          entries_[at].mask = (std::uint32_t{1} << n) - 1;
          // find_target's offset: the slot, or the one past the names for the array alone; | 1 for it.
          const std::uint32_t slot =
              (result[i] & none) == none ? static_cast<std::uint32_t>(names.size()) : result[i] & none;
          entries_[at].target = slot * static_cast<std::uint32_t>(sizeof(PickedValue)) | (result[i] >> 31);
          entries_[at++].result = result[i];
        }
      if (at > start_[n]) first_[n] = entries_[start_[n]];
      more_[n] = at - start_[n] > 1;
      for (std::size_t i = start_[n]; i < at; ++i)  // n > 0: the first byte's low 6 bits
        firsts_[n] |= n == 0 ? ~std::uint64_t{0} : std::uint64_t{1} << (entries_[i].lo & 63);
    }
    start_[longest + 1] = static_cast<std::uint8_t>(at);
  }

  // The index of the first name equal to the key [s, s + n) or none, | array_bit when it is the
  // plan's array. `loadable`: 8 bytes can be read from s (a key in the body, not at its very end).
  [[gnu::always_inline]] std::uint32_t find(const char* s, std::size_t n, bool loadable) const noexcept {
    if (n >= table_) [[unlikely]]
      return n > longest_name_ ? none : find_slow(std::string_view(s, n));
    std::uint64_t lo, hi = 0;
    if (n >= 8) {  // two word loads, overlapping; the second's bytes 8.. as the table holds them
      lo = load(s);
      if (n > 8) hi = load(s + n - 8) >> (8 * (16 - n));
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

  // The key [s, s + n)'s slot among `base` (n + 1 values for the top-level names: the last one takes
  // the plan's array when it is no member), | 1 when it is the plan's array; 0 when it is no name. 16
  // bytes must be readable at s (a key in a text padded for the simple JSON scanner): most keys cost a
  // length test, the others a 16-byte compare.
  [[gnu::always_inline]] std::uintptr_t find_target(const char* s, std::size_t n,
                                                    PickedValue* base) const noexcept {
#if defined(__SSE2__)
    if (n >= table_) [[unlikely]]
      return target_of(n > longest_name_ ? none : find_slow(std::string_view(s, n)), base);
    // Most keys: no name has their length and first byte (its low 6 bits).
    if (!((firsts_[n] >> (static_cast<unsigned char>(*s) & 63)) & 1)) return 0;
    // Loaded again, not kept from the scanner's load of it (GCC spilled that one to the stack).
    const char* at = s;
    asm("" : "+r"(at));
    const __m128i key = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const Entry& f = first_[n];
    if (same(key, f)) return reinterpret_cast<std::uintptr_t>(base) + f.target;
    if (!more_[n]) [[likely]]
      return 0;
    for (std::size_t i = start_[n] + 1u; i < start_[n + 1]; ++i)
      if (same(key, entries_[i])) return reinterpret_cast<std::uintptr_t>(base) + entries_[i].target;
    return 0;
#else
    return target_of(find(s, n, true), base);
#endif
  }
  // find_target for a key of at most 15 bytes (the scanner found its end in its first 16): no length
  // test.
  [[gnu::always_inline]] std::uintptr_t find_short_target(const char* s, std::size_t n,
                                                          PickedValue* base) const noexcept {
#if defined(__SSE2__)
    if (!((firsts_[n] >> (static_cast<unsigned char>(*s) & 63)) & 1)) return 0;
    const char* at = s;
    asm("" : "+r"(at));
    const __m128i key = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const Entry& f = first_[n];
    if (same(key, f)) {
      if (f.target == by_bytes) [[unlikely]]
        return target_of(find_slow(std::string_view(s, n)), base);
      return reinterpret_cast<std::uintptr_t>(base) + f.target;
    }
    if (!more_[n]) [[likely]]
      return 0;
    for (std::size_t i = start_[n] + 1u; i < start_[n + 1]; ++i)
      if (same(key, entries_[i])) return reinterpret_cast<std::uintptr_t>(base) + entries_[i].target;
    return 0;
#else
    return target_of(find(s, n, true), base);
#endif
  }
  // find's result as find_target's.
  std::uintptr_t target_of(std::uint32_t r, PickedValue* base) const noexcept {
    const std::uint32_t i = r & none;
    if (i != none) return reinterpret_cast<std::uintptr_t>(base + i) | (r >> 31);
    return r >> 31 ? reinterpret_cast<std::uintptr_t>(base + names_.size()) | 1 : 0;
  }

 private:
  static constexpr std::size_t capacity = 32, longest = 16;
  static constexpr std::uint32_t by_bytes = 0xFFFFFFFF;  // an Entry's target: compare byte by byte
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

  // A name's bytes 0-15 (zero past its end; as little-endian words), the bits of its bytes, its result.
  struct alignas(16) Entry {
    std::uint64_t lo = 0, hi = 0;
    std::uint32_t mask = 0;
    std::uint32_t result = none;
    std::uint32_t target = 0;
  };
#if defined(__SSE2__)
  // The key's first n bytes (the entry's length) equal the entry's.
  [[gnu::always_inline]] static bool same(__m128i key, const Entry& e) noexcept {
    const auto eq = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(key, _mm_load_si128(reinterpret_cast<const __m128i*>(&e.lo)))));
    return (eq & e.mask) == e.mask;
  }
#endif
  std::array<Entry, longest + 1> first_{};  // by length: the first name of it (most keys: one compare)
  std::array<bool, longest + 1> more_{};    // several names of that length: entries_ has the rest
  std::array<Entry, capacity> entries_{};   // by length, start_[n] .. start_[n + 1]
  std::array<std::uint8_t, longest + 2> start_{};
  std::array<std::uint64_t, longest + 1> firsts_{};  // by length: bit c, a name's first byte & 63 is c
  bool generic_ = false;                             // while building: too many names for the table
  std::size_t table_ = longest + 1;                  // keys shorter than that are looked up in the table
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

}  // namespace partnerkit::adapter_kit
