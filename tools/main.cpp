// partnerkit: render, validate (and, as they land, provision, sandbox, vendors) — see DESIGN.md.
#include "cli.hpp"

#include <partnerkit/version.hpp>

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

namespace {

void print_usage(std::ostream& os) {
  os << "partnerkit " PARTNERKIT_VERSION
        " - provision partners on partner-program vendors from one vendor-neutral spec\n\n"
        "Usage: partnerkit <command> [options]\n"
        "       partnerkit <command> --help\n"
        "       partnerkit --version\n"
        "       partnerkit --plugin LIB.so <command> ...   (any command; repeatable: adds plugin vendors)\n\n"
        "Commands:\n";
  for (const auto& c : partnerkit::cli::commands()) {
    std::string name(c.name);
    name.resize(std::max<std::size_t>(name.size(), 10), ' ');
    os << "  " << name << "  " << c.summary << "\n";
  }
  os << "\nExit status: 0 all items ok, 1 some items failed, 2 bad usage or unreadable input.\n"
        "API keys come from the environment (DUB_API_KEY, PARTNERO_API_KEY, JOURNEYBEE_API_KEY) and are\n"
        "never printed.\n";
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (`partnerkit provision ... | head`) is a failed write the commands report, with
  // the summary on stderr and an exit status, never a silent death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);
  std::vector<std::string> all(argv + 1, argv + argc);
  // --plugin PATH (repeatable) works with every command: taken out here, loaded with the registry.
  std::vector<std::string> args, plugin_paths;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i] == "--plugin") {
      if (i + 1 == all.size()) {
        std::cerr << "partnerkit: --plugin needs a path\n";
        return partnerkit::cli::exit_usage;
      }
      plugin_paths.push_back(all[++i]);
    } else if (all[i].rfind("--plugin=", 0) == 0) {
      plugin_paths.push_back(all[i].substr(9));
    } else {
      args.push_back(all[i]);
    }
  }
  partnerkit::cli::set_plugin_paths(std::move(plugin_paths));
  int status = partnerkit::cli::exit_usage;
  if (args.empty()) {
    print_usage(std::cerr);
  } else if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args[0] == "help" && args.size() > 1) {
      args = {args[1], "--help"};
    } else {
      print_usage(std::cout);
      return partnerkit::cli::exit_ok;
    }
  } else if (args[0] == "--version" || args[0] == "-V") {
    std::cout << "partnerkit " PARTNERKIT_VERSION "\n";
    return partnerkit::cli::exit_ok;
  }
  if (!args.empty()) {
    const partnerkit::cli::Command* command = nullptr;
    for (const auto& c : partnerkit::cli::commands())
      if (c.name == args[0]) command = &c;
    if (command == nullptr) {
      std::cerr << "partnerkit: unknown command '" << args[0] << "'\n\n";
      print_usage(std::cerr);
    } else {
      std::span<const std::string> rest(args.data() + 1, args.size() - 1);
      bool help = false;
      for (const auto& a : rest) help = help || a == "--help" || a == "-h";
      if (help) {
        std::cout << command->help;
        status = partnerkit::cli::exit_ok;
      } else {
        status = partnerkit::cli::run_guarded(command->name, command->run, rest);
      }
    }
  }
  std::cout.flush();
  return status;
}
