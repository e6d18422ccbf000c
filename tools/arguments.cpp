// The command line as the commands see it: ParsedArgs over CLI11, the option declarations, lists,
// and the guard that turns a UsageError into exit status 2.
#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <iostream>

namespace partnerkit::cli {

namespace {
const CLI::Option* find_option(const CLI::App& command, std::string_view name) {
  return command.get_option_no_throw(std::string(name));
}
}  // namespace

bool ParsedArgs::has(std::string_view name) const {
  const CLI::Option* o = find_option(*command_, name);
  return o != nullptr && o->count() > 0;
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  const CLI::Option* o = find_option(*command_, name);
  if (o == nullptr || o->results().empty()) return std::nullopt;
  return o->results().back();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
  const CLI::Option* o = find_option(*command_, name);
  return o == nullptr ? std::vector<std::string>{} : o->results();
}

CLI::Option* option(CLI::App& command, const std::string& name) {
  return command.add_option(name)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::Throw);
}

CLI::Option* repeatable(CLI::App& command, const std::string& name) {
  return command.add_option(name)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

CLI::Option* flag(CLI::App& command, const std::string& name) { return command.add_flag(name); }

CLI::Option* positional(CLI::App& command, const std::string& name) {
  return command.add_option(name)->expected(1);
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  for (;;) {
    auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.front()))) part.remove_prefix(1);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.back()))) part.remove_suffix(1);
    if (!part.empty() && std::find(out.begin(), out.end(), part) == out.end()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

int run_guarded(const Command& c, const ParsedArgs& args) {
  const std::string_view command = c.name;
  try {
    const int status = c.run(args);
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "partnerkit " << command << ": cannot write to standard output\n";
      // A command that already failed (provision stopped on a closed pipe: 1) keeps its status.
      return status == exit_ok ? exit_usage : status;
    }
    return status;
  } catch (const UsageError& e) {
    std::cout.flush();
    std::cerr << "partnerkit " << command << ": " << cli_scrubbed(e.what()) << "\n"
              << "Try 'partnerkit " << command << " --help'.\n";
    return exit_usage;
  }
}

}  // namespace partnerkit::cli
