// partnerkit: the command line (DESIGN.md). CLI11 parses it: the commands are its subcommands, each
// declaring its options (Command::declare); --plugin works before or after the command.
#include "cli.hpp"
#include "pg_commands.hpp"

#include <partnerkit/version.hpp>

#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace cli = partnerkit::cli;

namespace {

// CLI11's words for a bad command line, in ours.
std::string usage_message(const CLI::ParseError& e) {
  std::string what = e.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    const std::string option = what.substr(0, what.find(':'));
    if (what.find("missing") != std::string::npos) return "option " + option + " needs a value";
    if (what.find("At Most") != std::string::npos) return "option " + option + " given more than once";
  }
  return what;
}

// Arguments CLI11 left to a command (it allows extras so the message can say which kind).
std::string extras_message(const std::vector<std::string>& extras) {
  const std::string& first = extras.front();
  if (first.size() > 1 && first[0] == '-') return "unknown option '" + first.substr(0, first.find('=')) + "'";
  return "unexpected argument '" + first + "'";
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (`partnerkit provision ... | head`) is a failed write the commands report, with
  // the summary on stderr and an exit status, never a silent death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);
  cli::set_command_line(argv);  // the PostgreSQL commands exec partnerkit-pg with it

  CLI::App app{"provision partners on partner-program vendors from one vendor-neutral spec", "partnerkit"};
  app.set_help_flag();  // the help texts are ours (help.cpp, each command's)
  app.fallthrough();    // --plugin after the command too
  app.allow_extras();   // unknown options and stray arguments: our message, after parsing
  app.require_subcommand(0, 1);
  CLI::Option* plugin = cli::repeatable(app, "--plugin");
  CLI::Option* help = cli::flag(app, "-h,--help");
  CLI::Option* version = cli::flag(app, "-V,--version");
  std::map<const CLI::App*, const cli::Command*> command_of;
  std::map<const CLI::App*, CLI::Option*> help_of;
  for (const auto& c : cli::commands()) {
    CLI::App* sub = app.add_subcommand(std::string(c.name), std::string(c.summary));
    sub->set_help_flag();
    help_of[sub] = cli::flag(*sub, "-h,--help");
    c.declare(*sub);
    command_of[sub] = &c;
  }
  CLI::App* help_command = app.add_subcommand("help", "this text, or a command's (help COMMAND)");
  help_command->set_help_flag();
  CLI::Option* help_topic = help_command->add_option("command");

  const cli::Command* command = nullptr;
  CLI::App* sub = nullptr;
  auto selected = [&] {
    for (CLI::App* s : app.get_subcommands())
      if (auto it = command_of.find(s); it != command_of.end()) {
        sub = s;
        command = it->second;
      }
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    selected();
    if (command != nullptr) {
      std::cerr << "partnerkit " << command->name << ": " << usage_message(e) << "\n"
                << "Try 'partnerkit " << command->name << " --help'.\n";
    } else {
      std::cerr << "partnerkit: " << usage_message(e) << "\n\n";
      cli::print_usage(std::cerr);
    }
    return cli::exit_usage;
  }
  selected();
  cli::set_plugin_paths(plugin->results());

  if (version->count() > 0) {
    std::cout << "partnerkit " PARTNERKIT_VERSION "\n";
    return cli::exit_ok;
  }
  if (help_command->parsed()) {
    if (help_topic->count() == 0) return cli::print_usage(std::cout) ? cli::exit_ok : cli::exit_usage;
    const std::string topic = help_topic->results().front();
    for (const auto& [s, c] : command_of)
      if (c->name == topic) return cli::print_command_help(*c, std::cout) ? cli::exit_ok : cli::exit_usage;
    std::cerr << "partnerkit: unknown command '" << topic << "'\n\n";
    cli::print_usage(std::cerr);
    return cli::exit_usage;
  }
  // What neither the command nor partnerkit declared (CLI11 leaves it to the app).
  std::vector<std::string> extras = app.remaining();
  if (sub != nullptr) {
    const auto own = sub->remaining();
    extras.insert(extras.begin(), own.begin(), own.end());
  }
  if (command == nullptr) {
    if (!extras.empty() && !extras.front().starts_with("-")) {
      std::cerr << "partnerkit: unknown command '" << extras.front() << "'\n\n";
    } else if (!extras.empty()) {
      std::cerr << "partnerkit: " << extras_message(extras) << "\n\n";
    } else if (help->count() > 0) {
      return cli::print_usage(std::cout) ? cli::exit_ok : cli::exit_usage;
    }
    cli::print_usage(std::cerr);
    return cli::exit_usage;
  }
  if (help_of[sub]->count() > 0 || help->count() > 0)
    return cli::print_command_help(*command, std::cout) ? cli::exit_ok : cli::exit_usage;
  if (!extras.empty()) {
    std::cerr << "partnerkit " << command->name << ": " << extras_message(extras) << "\n"
              << "Try 'partnerkit " << command->name << " --help'.\n";
    return cli::exit_usage;
  }
  const int status = cli::run_guarded(*command, cli::ParsedArgs(*sub));
  std::cout.flush();
  return status;
}
