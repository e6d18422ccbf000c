// `partnerkit --help` and `partnerkit <command> --help`: the commands, and every vendor of the
// registry (plugins included) with the environment variables it reads.
#include "cli.hpp"

#include <partnerkit/version.hpp>

#include <algorithm>
#include <iostream>
#include <map>

namespace partnerkit::cli {
namespace {

std::string padded(std::string text, std::size_t width) {
  text.resize(std::max(text.size(), width), ' ');
  return text;
}

// The vendors section; false (the reason on stderr) when a --plugin was refused.
bool print_vendors(std::ostream& os) {
  std::shared_ptr<AdapterRegistry> reg;
  try {
    reg = registry();
  } catch (const UsageError& e) {
    std::cerr << "partnerkit: " << e.what() << "\n";
    return false;
  }
  std::map<std::string, std::string, std::less<>> plugin_of;
  for (const auto& p : loaded_plugins())
    for (const auto& v : p.vendors) plugin_of[v] = p.name;
  os << "Vendors (--plugin LIB.so adds more), each with the variables it reads: its API key (never\n"
        "printed) and its base URL:\n";
  for (const auto& name : reg->names()) {
    const auto adapter = reg->find(name);
    const std::string url = adapter ? adapter->capabilities().default_base_url : std::string();
    os << "  " << padded(name, 12) << api_key_variable(name) << "  " << base_url_variable(name)
       << " (default " << (url.empty() ? std::string("none: set it or pass --base-url") : url);
    if (auto it = plugin_of.find(name); it != plugin_of.end()) os << "; plugin " << it->second;
    os << ")\n";
  }
  return true;
}

}  // namespace

bool print_usage(std::ostream& os) {
  os << "partnerkit " PARTNERKIT_VERSION
        " - provision partners on partner-program vendors from one vendor-neutral spec\n\n"
        "Usage: partnerkit <command> [options]\n"
        "       partnerkit <command> --help\n"
        "       partnerkit --version\n"
        "       partnerkit --plugin LIB.so <command> ...   (any command; repeatable: adds plugin vendors)\n\n"
        "Commands:\n";
  for (const auto& c : commands()) os << "  " << padded(std::string(c.name), 10) << "  " << c.summary << "\n";
  os << "\n";
  const bool ok = print_vendors(os);
  os << "\nExit status: 0 all items ok, 1 some items failed, 2 bad usage or unreadable input.\n";
  return ok;
}

bool print_command_help(const Command& command, std::ostream& os) {
  os << command.help;
  if (command.help.find("--vendor") == std::string_view::npos) return true;  // db, status: no vendor
  os << "\n";
  return print_vendors(os);
}

}  // namespace partnerkit::cli
