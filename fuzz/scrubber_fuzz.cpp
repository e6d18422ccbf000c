// The scrubber's prefilter against the automaton over every byte: the same bytes out, for one to
// three secrets taken from the input and the rest as the text, alone and with each secret spliced in
// at its start, middle and end (a cut tail, a window that is no prefix), next to token edges; and
// leaks() true whenever the full scan changes the text; scrub_each_in_place as scrub() on each.
#include <partnerkit/secrets.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

void same(const partnerkit::Scrubber& s, const std::string& text) {
  const std::string filtered = s.scrub(text);
  const std::string unfiltered = s.scrub_unfiltered(text);
  if (filtered != unfiltered) __builtin_trap();
  // What the full scan changes, leaks() (behind the samples and the tail test) must see.
  if (unfiltered != text && !s.leaks(text)) __builtin_trap();
  if (s.leaks(text) != (filtered != text) && filtered.find(partnerkit::redacted_text) == std::string::npos)
    __builtin_trap();
  // Several strings at once: each the bytes scrub() gives it alone.
  std::string one = text, head = text.substr(0, text.size() / 2);
  std::string* const texts[] = {&one, nullptr, &head};
  s.scrub_each_in_place(texts);
  if (one != filtered || head != s.scrub(text.substr(0, text.size() / 2))) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> secrets;
  std::size_t at = 1;
  for (unsigned n = 1 + data[0] % 3; n > 0 && at < size; --n) {
    const std::size_t len = std::min<std::size_t>(1 + data[at] % 40, size - at - 1);
    ++at;
    secrets.emplace_back(in.substr(at, len));
    at += len;
  }
  const std::string text(in.substr(std::min(at, size)));
  const partnerkit::Scrubber s(secrets);
  same(s, text);
  const std::string head = text.substr(0, text.size() / 2), tail = text.substr(text.size() / 2);
  for (const auto& secret : secrets) {
    same(s, secret + text);
    same(s, head + secret + tail);
    same(s, head + " " + secret + "-" + tail);
    same(s, text + secret);
    same(s, text + secret.substr(0, secret.size() * 2 / 3));
    same(s, text + secret.substr(secret.size() / 3));  // ends in a window that is no prefix
    if (!secret.empty()) same(s, secret.substr(1) + text + secret.substr(0, secret.size() - 1));
  }
  return 0;
}
