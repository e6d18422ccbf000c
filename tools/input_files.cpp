// --input and --format: the file (or stdin) a command reads.
#include "cli.hpp"

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <system_error>

namespace partnerkit::cli {

Input open_input(const std::string& path) {
  Input in;
  in.name = path;
  if (path == "-") {
    in.stream = &std::cin;
    return in;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw UsageError("cannot read input '" + path + "': is a directory");
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) throw UsageError("cannot read input '" + path + "': " + std::generic_category().message(errno));
  in.stream = file.get();
  in.file = std::move(file);
  return in;
}

InputFormat parse_format(const std::optional<std::string>& text) {
  if (!text) return InputFormat::automatic;
  if (auto f = input_format_from_string(*text)) return *f;
  throw UsageError("unknown input format '" + *text + "' (expected auto, jsonl or csv)");
}

}  // namespace partnerkit::cli
