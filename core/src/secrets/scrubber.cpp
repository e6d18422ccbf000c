// The scrubber: every form of every secret, found in one Aho–Corasick pass.
#include <partnerkit/secrets.hpp>
#include <partnerkit/text/encoding.hpp>
#include <partnerkit/text/utf8.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>

namespace partnerkit {
namespace {

constexpr char hex_upper[] = "0123456789ABCDEF";
constexpr char hex_lower[] = "0123456789abcdef";
constexpr const char* b64_std = text::base64_alphabet;
constexpr const char* b64_url = text::base64url_alphabet;

bool is_alnum(unsigned char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_token_char(unsigned char c) noexcept { return is_alnum(c) || c == '_' || c == '-'; }

// JSON string escaping. php: also "/" as "\/" and every non-ASCII code point as \uXXXX (PHP's
// json_encode default, and so a Laravel-backed vendor's), with upper- or lower-case hex digits.
std::string json_escaped(std::string_view s, bool php, bool upper_hex) {
  std::string out;
  const char* hex = upper_hex ? hex_upper : hex_lower;
  auto u16 = [&](unsigned v) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex[(v >> shift) & 0xF]);
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '/':
        out += php ? "\\/" : "/";
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      u16(c);
    } else if (c < 0x80 || !php) {
      out.push_back(static_cast<char>(c));
    } else {
      // Decode one UTF-8 sequence; an invalid byte is kept as it is.
      const text::Utf8Decoded d = text::decode_utf8(s, i);
      if (d.length == 0) {
        out.push_back(static_cast<char>(c));
        continue;
      }
      unsigned cp = d.code_point;
      i += d.length - 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        u16(0xD800 + (cp >> 10));
        u16(0xDC00 + (cp & 0x3FF));
      } else {
        u16(cp);
      }
    }
  }
  return out;
}

// &amp; &lt; &gt; &quot; and the apostrophe as `apos` (&#39;, &#039;, &#x27; or &apos;).
std::string html_escaped(std::string_view s, std::string_view apos, std::string_view quot) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += quot;
        break;
      case '\'':
        out += apos;
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// Percent-encoding of everything but RFC 3986's unreserved characters (and `keep`).
std::string url_encoded(std::string_view s, bool upper_hex, bool plus_for_space, std::string_view keep = {}) {
  return text::percent_encoded(s, std::string(text::uri_unreserved).append(keep), plus_for_space, upper_hex);
}

std::string base64(std::string_view in, const char* alphabet) { return text::base64(in, alphabet, false); }

// The base64 characters that depend on the secret alone when it starts `align` bytes into a
// 3-byte group of a longer base64 text: the first ceil(8*align/6) characters also carry the bytes
// before it, and of the last partial group only the characters fully inside the secret count.
std::string base64_core(std::string_view secret, int align, const char* alphabet) {
  std::string padded(static_cast<std::size_t>(align), '\0');
  padded.append(secret);
  const std::size_t full = padded.size() / 3;
  const std::size_t rest = padded.size() % 3;
  std::string enc = base64(padded, alphabet);
  const std::size_t keep_end = full * 4 + (rest * 8) / 6;
  const std::size_t skip = static_cast<std::size_t>((8 * align + 5) / 6);
  if (keep_end <= skip) return {};
  return enc.substr(skip, keep_end - skip);
}

struct Pattern {
  std::string text;
  bool whole_token = false;
};

std::vector<Pattern> forms_of(const std::string& secret) {
  std::vector<Pattern> out;
  std::set<std::string> seen;
  auto add = [&](std::string text, bool token) {
    if (text.empty() || !seen.insert(text).second) return;
    out.push_back({std::move(text), token});
  };
  if (secret.size() < min_secret_length) {
    add(secret, true);
    add(json_escaped(secret, false, false), true);
    add(url_encoded(secret, true, false), true);
    return out;
  }
  add(secret, false);
  for (bool php : {false, true})
    for (bool upper : {false, true}) add(json_escaped(secret, php, upper), false);
  for (auto apos : {"&#39;", "&#039;", "&#x27;", "&apos;"})
    for (auto quot : {"&quot;", "&#34;"}) add(html_escaped(secret, apos, quot), false);
  for (bool upper : {true, false})
    for (bool plus : {false, true}) {
      add(url_encoded(secret, upper, plus), false);
      add(url_encoded(secret, upper, plus, "!'()*"), false);  // JavaScript's encodeURIComponent
    }
  for (int align = 0; align < 3; ++align) {
    std::string std_core = base64_core(secret, align, b64_std);
    add(base64_core(secret, align, b64_url), false);
    add(url_encoded(std_core, true, false), false);
    add(url_encoded(std_core, false, false), false);
    add(std::move(std_core), false);
  }
  return out;
}

}  // namespace

// A dense Aho–Corasick automaton over the bytes that occur in some pattern (every other byte is
// class 0 and leads back to the root). One transition table, built in place: the trie first, then
// each missing transition filled from the failure state's row in breadth-first order.
struct Scrubber::Automaton {
  std::array<std::uint16_t, 256> byte_class{};
  std::size_t classes = 1;
  // state * classes + class -> next state * classes, with report_bit set when the next state
  // reports (free_len or a token pattern): the scan's one dependent load per byte.
  std::vector<std::uint32_t> next;
  static constexpr std::uint32_t report_bit = 0x80000000u;
  std::vector<std::uint32_t> free_len;    // longest non-token pattern ending at the state (0: none)
  std::vector<std::uint32_t> token_len;   // a whole-token pattern ending exactly here (0: none)
  std::vector<std::uint32_t> token_link;  // nearest proper suffix state with token_len (0: none)
  std::vector<std::uint32_t> depth;       // how many bytes of a pattern the state has matched
  std::vector<std::uint8_t> reports;      // free_len or a token pattern ending here or in a suffix
  std::set<std::string> secrets;          // what it was built from (to skip them when extending)
  std::size_t patterns = 0;
  std::size_t shortest = min_secret_length;  // no text shorter than this can hold a match
  std::size_t shortest_pattern = 0;
  // The prefilter: bit (a << 8 | b) is set when the 2-gram "ab" occurs in some pattern. Every match
  // is a window of >= shortest_pattern bytes whose every 2-gram is set, so one 2-gram sampled every
  // `stride` = shortest_pattern - 1 bytes lands in it. A sample that hits grows into its maximal run
  // of set 2-grams; only a run of >= shortest_pattern bytes can hold a match, and the automaton
  // started at the run's first byte finds exactly the matches the whole-text scan finds there (every
  // pattern occurrence lies inside one run, and a scan from the run's start holds every suffix that
  // begins inside it). A cut tail (>= min_secret_length bytes at the end) is a run ending at the
  // text's end: its last min_secret_length - 1 2-grams are tested apart. stride 0: off.
  // With shortest_pattern >= min_secret_length the samples are hashed 4-grams (`quads`, every 4-byte
  // window of every pattern), one every shortest_pattern - 3 bytes: a 2-gram of ordinary text is
  // often in some base64 form, a 4-gram seldom, and each false hit costs a run's growth. A sample
  // with fewer than 4 bytes left tests its 2-gram.
  std::vector<std::uint64_t> pairs;
  std::vector<std::uint64_t> quads;
  std::size_t stride = 0;
  // Before those 2-gram tests of the cut tail, one hashed test of the text's last min_secret_length
  // bytes against every such window of every pattern (a cut tail ends in one): most texts stop there.
  std::vector<std::uint64_t> tails;

  explicit Automaton(const std::vector<Pattern>& pats) {
    patterns = pats.size();
    std::size_t total = 1;
    for (const auto& p : pats) {
      total += p.text.size();
      shortest = std::min(shortest, p.text.size());
      shortest_pattern = shortest_pattern ? std::min(shortest_pattern, p.text.size()) : p.text.size();
      for (unsigned char c : p.text)
        if (byte_class[c] == 0) byte_class[c] = static_cast<std::uint16_t>(classes++);
    }
    next.reserve(total * classes);
    free_len.reserve(total);
    token_len.reserve(total);
    auto new_state = [&](std::uint32_t d) {
      next.resize(next.size() + classes, 0);
      free_len.push_back(0);
      token_len.push_back(0);
      depth.push_back(d);
      return static_cast<std::uint32_t>(free_len.size() - 1);
    };
    new_state(0);
    for (const auto& p : pats) {
      std::uint32_t s = 0;
      for (unsigned char c : p.text) {
        const std::size_t slot = s * classes + byte_class[c];
        if (next[slot] == 0) {
          const std::uint32_t created = new_state(depth[s] + 1);
          next[slot] = created;
        }
        s = next[slot];
      }
      auto len = static_cast<std::uint32_t>(p.text.size());
      if (p.whole_token)
        token_len[s] = std::max(token_len[s], len);
      else
        free_len[s] = std::max(free_len[s], len);
    }
    const std::size_t n = free_len.size();
    token_link.assign(n, 0);
    std::vector<std::uint32_t> fail(n, 0);
    std::vector<std::uint32_t> queue;
    queue.reserve(n);
    for (std::size_t c = 1; c < classes; ++c)
      if (next[c]) queue.push_back(next[c]);  // depth 1: fail to the root
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const std::uint32_t s = queue[head];
      const std::uint32_t f = fail[s];
      free_len[s] = std::max(free_len[s], free_len[f]);
      token_link[s] = token_len[f] ? f : token_link[f];
      std::uint32_t* row = &next[s * classes];
      const std::uint32_t* frow = &next[f * classes];
      for (std::size_t c = 1; c < classes; ++c) {
        if (row[c]) {
          fail[row[c]] = s == 0 ? 0 : frow[c];
          queue.push_back(row[c]);
        } else {
          row[c] = frow[c];
        }
      }
    }
    if (shortest_pattern >= prefilter_shortest) {
      pairs.assign(65536 / 64, 0);
      for (const auto& p : pats)
        for (std::size_t i = 0; i + 1 < p.text.size(); ++i) {
          const unsigned v =
              static_cast<unsigned char>(p.text[i]) << 8 | static_cast<unsigned char>(p.text[i + 1]);
          pairs[v >> 6] |= std::uint64_t{1} << (v & 63);
        }
      stride = shortest_pattern - 1;
      tails.assign(hash_bits / 64, 0);
      for (const auto& p : pats)
        for (std::size_t i = 0; i + min_secret_length <= p.text.size(); ++i)
          set_bit(tails, tail_hash(reinterpret_cast<const unsigned char*>(p.text.data()) + i));
      if (shortest_pattern >= min_secret_length) {
        quads.assign(hash_bits / 64, 0);
        for (const auto& p : pats)
          for (std::size_t i = 0; i + 4 <= p.text.size(); ++i)
            set_bit(quads, quad_hash(reinterpret_cast<const unsigned char*>(p.text.data()) + i));
        stride = shortest_pattern - 3;
      }
    }
    reports.resize(n);
    for (std::size_t s = 0; s < n; ++s) reports[s] = free_len[s] || token_len[s] || token_link[s];
    if (n * classes >= report_bit) throw std::length_error("the scrubber's patterns are too long");
    for (auto& t : next) t = static_cast<std::uint32_t>(t * classes) | (reports[t] ? report_bit : 0u);
  }

  // With fewer than 3 bytes in the shortest pattern (a short whole-token secret) the samples would be
  // (nearly) every byte: the automaton alone is cheaper.
  static constexpr std::size_t prefilter_shortest = 3;

  // Hashes of the 4 and the min_secret_length (6) bytes at `b` into hash_bits bits (8 KiB a set).
  static constexpr unsigned hash_bits = 1u << 16;
  static_assert(min_secret_length == 6, "tail_hash reads 6 bytes");
  static unsigned quad_hash(const unsigned char* b) noexcept {
    std::uint32_t x;
    std::memcpy(&x, b, 4);
    return (x * 0x9E3779B1u) >> 16;
  }
  static unsigned tail_hash(const unsigned char* b) noexcept {
    std::uint32_t lo;
    std::uint16_t hi;
    std::memcpy(&lo, b, 4);
    std::memcpy(&hi, b + 4, 2);
    const std::uint64_t x = lo | std::uint64_t{hi} << 32;
    return static_cast<unsigned>((x * 0x9E3779B97F4A7C15ull) >> 48);
  }
  static void set_bit(std::vector<std::uint64_t>& bits, unsigned h) {
    bits[h >> 6] |= std::uint64_t{1} << (h & 63);
  }
  static bool bit(const std::vector<std::uint64_t>& bits, unsigned h) noexcept { return bit(bits.data(), h); }
  static bool bit(const std::uint64_t* bits, unsigned h) noexcept { return (bits[h >> 6] >> (h & 63)) & 1u; }

  bool tail_set(const unsigned char* b) const noexcept { return bit(tails, tail_hash(b)); }

  // False when scan() of `text` (filtered) cannot find anything: no sample hits (every run scan()
  // reads starts at a sample that hit, and every whole match holds one) and the text's last
  // min_secret_length bytes are no window of a pattern (a cut tail ends in one). Most strings stop
  // here, before scan()'s runs, spans and calls: the per-string cost of scrubbing a Partner.
  bool candidate(std::string_view text) const noexcept {
    const std::size_t size = text.size();
    if (size < shortest) return false;
    if (stride == 0) return true;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    // Shorter than every pattern: no whole match fits, only a cut tail (scan() reads no run here).
    if (size < shortest_pattern)
      return size >= min_secret_length && tail_set(bytes + size - min_secret_length);
    std::size_t p = 0;
    if (!quads.empty()) {  // sample_set() in two loops: no test of which per sample
      const std::uint64_t* bits = quads.data();
      for (; p + 4 <= size; p += stride) {
        const unsigned h = quad_hash(bytes + p);
        if ((bits[h >> 6] >> (h & 63)) & 1u) return true;
      }
    }
    for (; p + 1 < size; p += stride)
      if (pair_set(bytes + p)) return true;
    return size >= min_secret_length && tail_set(bytes + size - min_secret_length);
  }
  // The sample at p (p + 1 < size): its 4-gram when there are quads and 4 bytes, else its 2-gram.
  bool sample_set(const unsigned char* b, std::size_t p, std::size_t size) const noexcept {
    if (!quads.empty() && p + 4 <= size) return bit(quads, quad_hash(b + p));
    return pair_set(b + p);
  }
  bool pair_set(const unsigned char* b) const noexcept {
    const unsigned v = static_cast<unsigned>(b[0]) << 8 | b[1];
    return (pairs[v >> 6] >> (v & 63)) & 1u;
  }

  // Calls found(begin, end) for every match (not in order). A text that ENDS with the first
  // min_secret_length bytes or more of a form (a message or body cut at a size cap in the middle of
  // a secret) counts as a match of that tail: a cut secret is still a secret. `filtered` false: the
  // automaton over every byte (the reference the prefilter is tested against).
  template <class F>
  void scan(std::string_view text, F&& found, bool filtered = true, std::size_t* scanned = nullptr) const {
    const std::size_t size = text.size();
    if (size < shortest) return;
    if (stride == 0 || !filtered) {
      if (scanned) *scanned += size;
      return scan_run(text, 0, size, found);
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    // A text shorter than every pattern holds no run long enough to scan: only its cut tail.
    std::size_t p = size < shortest_pattern ? size : 0;
    bool to_end = false;  // the last run scanned ends the text (and was judged for a cut tail)
    while (p + 1 < size) {
      if (!sample_set(bytes, p, size)) {
        p += stride;
        continue;
      }
      // The run of set 2-grams around p: bytes [a, b + 1). It cannot reach back into an earlier run
      // (that one ended at an unset 2-gram).
      std::size_t a = p;
      while (a > 0 && pair_set(bytes + a - 1)) --a;
      std::size_t b = p + 1;
      while (b + 1 < size && pair_set(bytes + b)) ++b;
      if (b + 1 - a >= shortest_pattern) {
        if (scanned) *scanned += b + 1 - a;
        scan_run(text, a, b + 1, found);
        to_end = b + 1 == size;
      }
      p = (b / stride + 1) * stride;  // the first sample after the run's unset 2-gram at b
    }
    if (to_end || size < min_secret_length) return;
    if (!tail_set(bytes + size - min_secret_length)) return;
    std::size_t a = size - min_secret_length;
    for (std::size_t i = a; i + 1 < size; ++i)
      if (!pair_set(bytes + i)) return;
    while (a > 0 && pair_set(bytes + a - 1)) --a;
    if (scanned) *scanned += size - a;
    scan_run(text, a, size, found);
  }

  // The automaton from the root over text[from, to); whole-token edges and the cut tail are judged
  // on the whole text.
  template <class F>
  void scan_run(std::string_view text, std::size_t from, std::size_t to, F& found) const {
    const std::size_t size = text.size();
    // Locals: `found` writes memory the compiler cannot tell apart from the members.
    const std::uint32_t* table = next.data();
    const std::uint16_t* cls = byte_class.data();
    const std::size_t width = classes;
    std::uint32_t row = 0;  // the state * classes
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = from; i < to; ++i) {
      const std::uint32_t e = table[row + cls[bytes[i]]];
      row = e & ~report_bit;
      if (!(e & report_bit)) continue;
      const auto s = static_cast<std::uint32_t>(row / width);
      if (free_len[s]) found(i + 1 - free_len[s], i + 1);
      for (std::uint32_t t = token_len[s] ? s : token_link[s]; t; t = token_link[t]) {
        const std::size_t begin = i + 1 - token_len[t];
        const bool left = begin == 0 || !is_token_char(bytes[begin - 1]);
        const bool right = i + 1 == size || !is_token_char(bytes[i + 1]);
        if (left && right) found(begin, i + 1);
      }
    }
    const std::size_t s = row / width;
    if (to == size && depth[s] >= min_secret_length) found(size - depth[s], size);
  }
};

Scrubber::Scrubber() = default;
Scrubber::~Scrubber() = default;

Scrubber::Scrubber(const std::vector<std::string>& secrets) : Scrubber(secrets, Scrubber()) {}

Scrubber::Scrubber(const std::vector<std::string>& secrets, const Scrubber& base)
    : automata_(base.automata_) {
  std::set<std::string> unique;
  for (const auto& s : secrets) {
    if (s.empty() || s == redacted_text) continue;
    bool known = false;
    for (const auto& a : automata_) known = known || a->secrets.count(s) != 0;
    if (!known) unique.insert(s);
  }
  if (unique.empty()) return;
  std::vector<Pattern> patterns;
  for (const auto& s : unique)
    for (auto& p : forms_of(s)) patterns.push_back(std::move(p));
  auto a = std::make_shared<Automaton>(patterns);
  a->secrets = std::move(unique);
  automata_.push_back(std::move(a));
}

bool Scrubber::empty() const noexcept { return automata_.empty(); }
std::size_t Scrubber::secret_count() const noexcept {
  std::size_t n = 0;
  for (const auto& a : automata_) n += a->secrets.size();
  return n;
}
std::size_t Scrubber::pattern_count() const noexcept {
  std::size_t n = 0;
  for (const auto& a : automata_) n += a->patterns;
  return n;
}

bool Scrubber::leaks(std::string_view text) const {
  bool any = false;
  for (const auto& a : automata_) {
    if (!a->candidate(text)) continue;
    a->scan(text, [&](std::size_t, std::size_t) { any = true; });
    if (any) return true;
  }
  return false;
}

std::string Scrubber::scrub(std::string_view text) const {
  std::string out(text);
  scrub_in_place(out);
  return out;
}

void Scrubber::scrub_in_place(std::string& text) const {
  for (const auto& a : automata_)
    if (a->candidate(text)) scrub_with(*a, text, true);
}

void Scrubber::scrub_each_in_place(std::span<std::string* const> texts) const {
  for (const auto& a : automata_) {
    const Automaton& automaton = *a;
    // candidate() with its tests for a string shorter than every pattern (most of a Partner's: only a
    // cut tail can be there) in locals: scrub_with() writes strings, which the compiler cannot tell
    // apart from the automaton's members.
    const std::size_t shortest = automaton.shortest;
    const std::size_t short_below = automaton.stride ? automaton.shortest_pattern : 0;
    const std::uint64_t* tails = automaton.tails.data();
    for (std::string* text : texts) {
      if (!text) continue;
      const std::size_t size = text->size();
      if (size < shortest) continue;
      const bool hit =
          size < short_below
              ? size >= min_secret_length &&
                    Automaton::bit(tails, Automaton::tail_hash(reinterpret_cast<const unsigned char*>(
                                              text->data() + size - min_secret_length)))
              : automaton.candidate(*text);
      if (hit) scrub_with(automaton, *text, true);
    }
  }
}

std::string Scrubber::scrub_unfiltered(std::string_view text) const {
  std::string out(text);
  for (const auto& a : automata_) scrub_with(*a, out, false);
  return out;
}

std::size_t Scrubber::scanned_bytes(std::string_view text) const {
  std::size_t n = 0;
  for (const auto& a : automata_)
    a->scan(
        text, [](std::size_t, std::size_t) {}, true, &n);
  return n;
}

void Scrubber::scrub_with(const Automaton& automaton, std::string& text, bool filtered) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  automaton.scan(
      text, [&](std::size_t b, std::size_t e) { spans.emplace_back(b, e); }, filtered);
  if (spans.empty()) return;
  std::sort(spans.begin(), spans.end());
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  std::size_t i = 0;
  while (i < spans.size()) {
    std::size_t b = spans[i].first, e = spans[i].second;
    for (++i; i < spans.size() && spans[i].first <= e; ++i) e = std::max(e, spans[i].second);
    if (b < pos) b = pos;
    out.append(text, pos, b - pos);
    out.append(redacted_text);
    pos = e;
  }
  out.append(text, pos, std::string::npos);
  text = std::move(out);
}

}  // namespace partnerkit
