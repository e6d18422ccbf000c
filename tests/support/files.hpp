// Files for tests: a fresh temporary path, a file read whole or written, a shell word.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace partnerkit::test {

// A fresh path in the temporary directory (removed if it exists), unique within the process.
inline std::filesystem::path temp_path(const std::string& name, const std::string& suffix = ".jsonl") {
  static std::atomic<int> counter{0};
  auto p = std::filesystem::temp_directory_path() / ("partnerkit-" + name + "-" + std::to_string(::getpid()) +
                                                     "-" + std::to_string(counter++) + suffix);
  std::filesystem::remove_all(p);
  return p;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// s as one POSIX shell word: single-quoted, a ' inside as '\''.
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace partnerkit::test
