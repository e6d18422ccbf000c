// The partnerkit command line: CLI11 subcommands, each in its own file declaring its options, and
// the helpers they share (input, vendor configuration, JSON output, help).
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_registry.hpp>
#include <partnerkit/env_names.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/input.hpp>
#include <partnerkit/plugin.hpp>
#include <partnerkit/rate_limit.hpp>
#include <partnerkit/secrets.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// The input formats, for the commands' --help (a literal so help texts can be concatenated).
#define PARTNERKIT_CLI_INPUT_HELP                                                                       \
  "Input (--input FILE, or - for stdin; --format auto picks JSON lines when the first character is\n"   \
  "'{', else CSV):\n"                                                                                   \
  "  JSON lines  one PartnerSpec object per line, snake_case names, e.g.\n"                             \
  "              {\"email\":\"ana@example.com\",\"name\":\"Ana Silva\",\"tags\":[\"emea\"]}\n"          \
  "  CSV         RFC 4180 with a header row of PartnerSpec names: email,name,first_name,last_name,\n"   \
  "              company,referral_key,external_id,image,country,description,group,partner_type,\n"      \
  "              invite,password; nested fields by dotted names (referrer.id|key|email, link.prefix,\n" \
  "              link.key_length, link.external_id, link.tenant_id, link.comments, link.archived,\n"    \
  "              link.tag_ids); tags and link.tag_ids as one cell separated by ';' (vip;emea);\n"       \
  "              contacts, custom_fields, vendor_overrides and vendor_overrides.<vendor> as JSON\n"     \
  "              text in the cell. An empty cell is an absent field.\n"                                 \
  "Blank lines are skipped. A bad line is reported with its line number and field and the other\n"      \
  "lines go on; a record over 1 MiB is refused. An unknown CSV column makes the input unreadable.\n"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace partnerkit::cli {

// Exit status of every command (DESIGN.md): 0 all ok, 1 some items failed, 2 bad usage or
// unreadable input.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

// One parsed command line (the command's CLI11 subcommand): its options' values.
class ParsedArgs {
 public:
  explicit ParsedArgs(const CLI::App& command) : command_(&command) {}
  bool has(std::string_view name) const;
  // The value of a single-valued option; nullopt when absent.
  std::optional<std::string> value(std::string_view name) const;
  // Every value of a repeatable option (empty when absent).
  std::vector<std::string> values(std::string_view name) const;

 private:
  const CLI::App* command_;
};

struct Command {
  std::string_view name;
  std::string_view summary;            // one line for `partnerkit --help`
  std::string_view help;               // the full text for `partnerkit <name> --help`
  void (*declare)(CLI::App& command);  // declares its options (option, repeatable, flag below)
  int (*run)(const ParsedArgs& args);
};

// Every subcommand, in the order `partnerkit --help` lists them (commands.cpp).
std::span<const Command> commands();

// Bad usage or unreadable input: the command prints the message and exits with exit_usage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- declaring options (CLI11 parses: --name value, --name=value; a bad line is exit_usage) ----
// One value, given at most once.
CLI::Option* option(CLI::App& command, const std::string& name);
// One value per use, any number of uses (values accumulate in order).
CLI::Option* repeatable(CLI::App& command, const std::string& name);
// No value; "-h,--help" style names give a short form too.
CLI::Option* flag(CLI::App& command, const std::string& name);
// A positional argument (e.g. db's action).
CLI::Option* positional(CLI::App& command, const std::string& name);

// ---- help (help.cpp) ----
// `partnerkit --help`: the commands, and every vendor of the registry (the --plugin ones too) with the
// environment variables it reads. False (the reason on stderr) when a --plugin was refused.
bool print_usage(std::ostream& os);
// `partnerkit <command> --help`: its text, and the vendors when it takes --vendor.
bool print_command_help(const Command& command, std::ostream& os);

// "dub,partnero" -> {"dub","partnero"} (empty parts dropped; duplicates removed, order kept).
std::vector<std::string> split_list(std::string_view text);

// ---- input ----
struct Input {
  std::unique_ptr<std::ifstream> file;  // null for stdin
  std::istream* stream = nullptr;
  std::string name;  // the path, or "-" for stdin
};
// Opens FILE, or stdin for "-". Throws UsageError when the file cannot be read.
Input open_input(const std::string& path);
// --format auto|jsonl|csv. Throws UsageError on anything else.
InputFormat parse_format(const std::optional<std::string>& text);
// Every item of --input in --format (render, validate), handed to `each` in order; then standard
// output is flushed and a read error of the input throws UsageError. Returns the number of items.
std::size_t for_each_input_item(const ParsedArgs& p, const std::function<void(InputItem&)>& each);

// ---- vendors ----
// Plugins named by --plugin PATH (taken out of the arguments by main, before any command runs).
void set_plugin_paths(std::vector<std::string> paths);
// The registry: the built-in adapters and every --plugin, loaded once per process. Throws
// UsageError when a plugin is refused (the message says why).
std::shared_ptr<AdapterRegistry> registry();
// What the loaded plugins declared (their vendors and sandbox simulators); empty before registry().
const std::vector<PluginInfo>& loaded_plugins();

struct VendorSetup {
  std::string name;
  std::shared_ptr<const Adapter> adapter;
  VendorConfig config;
};

struct VendorArgs {
  std::vector<std::string> vendor_values;    // --vendor values (each may be a comma list)
  std::vector<std::string> base_url_values;  // --base-url [VENDOR=]URL
  std::optional<std::string> settings_file;  // --settings FILE
  bool strict = false;
};

// Resolves vendor names against the registry and fills each VendorConfig: base URL from
// --base-url, else PARTNERKIT_<VENDOR>_BASE_URL, else the vendor's public endpoint; API key from
// <VENDOR>_API_KEY (e.g. DUB_API_KEY), else a placeholder (render never needs a real key, and never
// prints one); settings from --settings FILE ({"<vendor>": {...}}). Throws UsageError for an
// unknown vendor, a bad --base-url or an unreadable settings file.
std::vector<VendorSetup> setup_vendors(const AdapterRegistry& registry, const VendorArgs& args);
// --vendor, --base-url, --settings and --strict of a command that takes them.
VendorArgs vendor_args(const ParsedArgs& parsed);

// ---- output ----
// Every line and message the CLI prints passes the process's scrubber: the secrets of every vendor
// set up by setup_vendors (API keys, secret-named settings, adapters' declared secrets), plus, for
// one item's line, that item's own (its password, secret-named vendor_overrides).
// The process-wide part, and `text` scrubbed by it.
const Scrubber& cli_scrubber();
// Adds secrets to it (setup_vendors does, for the vendors it set up).
void remember_secrets(std::vector<std::string> secrets);
std::string cli_scrubbed(std::string_view text);
// The secrets of one item for every vendor set up (its password and overrides, the keys).
Scrubber item_scrubber(const std::vector<VendorSetup>& vendors, const PartnerSpec* spec);
// Writes v as one line of JSON on stdout, scrubbed by cli_scrubber() and `item` when given.
void print_line(const boost::json::value& v, const Scrubber* item = nullptr);
// The same for a line already serialized (result_line.hpp).
void print_json_text(std::string line, const Scrubber* item = nullptr);
// The same for a line that ends in '\n' and that the caller keeps (write_result_line's): scrubbed as
// the line without its newline, and copied only when it holds a secret.
void print_json_line(std::string_view line_and_newline);
// The issues of an error: its issues, or one {field, message} built from the error itself.
boost::json::array issues_json(const Error& e);

// ---- numbers ----
// A number in [min, max] (an integer when asked); anything else is a UsageError naming the option.
double parse_number(const std::string& option, const std::string& text, double min, double max,
                    bool integer = false);
// Seconds (fractions allowed) as milliseconds, at least 1 ms.
std::chrono::milliseconds parse_seconds(const std::string& option, const std::string& text);
// HTTPS_PROXY / https_proxy with a port outside 1..65535: a UsageError.
void check_proxy_environment();
// --rate [V=]R values: for every vendor, or per vendor (the last one given wins).
struct RateArgs {
  std::optional<RateLimit> all;
  std::map<std::string, RateLimit, std::less<>> per_vendor;
};
RateArgs parse_rates(const std::vector<std::string>& values);

// Runs a command, turning UsageError into a message on stderr and exit_usage.
int run_guarded(const Command& command, const ParsedArgs& args);

}  // namespace partnerkit::cli
