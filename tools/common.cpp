#include "cli.hpp"

#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/env_names.hpp>
#include <partnerkit/options.hpp>

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace partnerkit::cli {

namespace {
Scrubber& process_scrubber() {
  static Scrubber s;
  return s;
}
std::vector<std::string>& process_secrets() {
  static std::vector<std::string> v;
  return v;
}
}  // namespace

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

namespace {
std::vector<std::string>& plugin_paths() {
  static std::vector<std::string> paths;
  return paths;
}
std::vector<PluginInfo>& plugins() {
  static std::vector<PluginInfo> loaded;
  return loaded;
}
}  // namespace

void set_plugin_paths(std::vector<std::string> paths) { plugin_paths() = std::move(paths); }

std::shared_ptr<AdapterRegistry> registry() {
  static std::shared_ptr<AdapterRegistry> reg;  // plugins load once per process
  if (!reg) {
    auto r = make_default_registry();
    auto loaded = load_plugins(plugin_paths(), *r);
    if (!loaded) throw UsageError(loaded.error().message);
    plugins() = std::move(*loaded);
    reg = std::move(r);
  }
  return reg;
}

const std::vector<PluginInfo>& loaded_plugins() { return plugins(); }

namespace {

std::string env_or_empty(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v == nullptr ? std::string{} : std::string(v);
}

boost::json::object read_settings(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError("cannot read settings file '" + path + "'");
  std::ostringstream text;
  text << f.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec) throw UsageError("settings file '" + path + "' is not valid JSON (" + ec.message() + ")");
  if (!v.is_object())
    throw UsageError("settings file '" + path + "' must hold an object: {\"<vendor>\": {<settings>}, ...}");
  for (const auto& kv : v.as_object())
    if (!kv.value().is_object())
      throw UsageError("settings file '" + path + "': the settings of '" + std::string(kv.key()) +
                       "' must be an object");
  return std::move(v.as_object());
}

bool looks_like_url(std::string_view s) { return s.starts_with("https://") || s.starts_with("http://"); }

}  // namespace

std::vector<VendorSetup> setup_vendors(const AdapterRegistry& registry, const VendorArgs& args) {
  std::vector<std::string> names;
  for (const auto& v : args.vendor_values)
    for (auto& n : split_list(v))
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
  if (names.empty()) throw UsageError("--vendor names no vendor");

  // --base-url URL (every vendor) or --base-url VENDOR=URL.
  std::optional<std::string> base_all;
  std::map<std::string, std::string, std::less<>> base_for;
  for (const auto& b : args.base_url_values) {
    auto eq = b.find('=');
    if (!looks_like_url(b) && eq != std::string::npos) {
      std::string vendor = b.substr(0, eq), url = b.substr(eq + 1);
      if (!looks_like_url(url)) throw UsageError("--base-url " + b + ": expected an http(s) URL");
      base_for[vendor] = url;
    } else {
      if (!looks_like_url(b)) throw UsageError("--base-url " + b + ": expected an http(s) URL");
      base_all = b;
    }
  }
  for (const auto& [vendor, url] : base_for)
    if (std::find(names.begin(), names.end(), vendor) == names.end())
      throw UsageError("--base-url names vendor '" + vendor + "', which --vendor does not");

  boost::json::object settings;
  if (args.settings_file) settings = read_settings(*args.settings_file);

  std::vector<VendorSetup> out;
  for (const auto& name : names) {
    VendorSetup s;
    s.name = name;
    s.adapter = registry.find(name);
    if (!s.adapter) {
      std::string known;
      for (const auto& n : registry.names()) known += (known.empty() ? "" : ", ") + n;
      throw UsageError("unknown vendor '" + name + "' (known: " + known + ")");
    }
    if (auto it = base_for.find(name); it != base_for.end())
      s.config.base_url = it->second;
    else if (base_all)
      s.config.base_url = *base_all;
    else if (auto env = env_or_empty(base_url_variable(name)); !env.empty())
      s.config.base_url = env;
    else
      s.config.base_url = s.adapter->capabilities().default_base_url;  // declared by each adapter
    if (s.config.base_url.empty())
      throw UsageError("no base URL known for vendor '" + name + "': pass --base-url " + name + "=URL");
    s.config.api_key = env_or_empty(api_key_variable(name));
    if (s.config.api_key.empty()) s.config.api_key = "placeholder-" + name + "-key";
    s.config.strict = args.strict;
    if (auto* obj = settings.if_contains(name)) s.config.settings = obj->as_object();
    for (auto& secret : operation_secrets(s.adapter.get(), nullptr, s.config))
      if (!secret.starts_with("placeholder-")) process_secrets().push_back(std::move(secret));
    out.push_back(std::move(s));
  }
  process_scrubber() = Scrubber(process_secrets());
  return out;
}

VendorArgs vendor_args(const ParsedArgs& parsed) {
  VendorArgs va;
  va.vendor_values = parsed.values("--vendor");
  va.base_url_values = parsed.values("--base-url");
  va.settings_file = parsed.value("--settings");
  va.strict = parsed.has("--strict");
  return va;
}

const Scrubber& cli_scrubber() { return process_scrubber(); }

std::string cli_scrubbed(std::string_view text) { return process_scrubber().scrub(text); }

Scrubber item_scrubber(const std::vector<VendorSetup>& vendors, const PartnerSpec* spec) {
  std::vector<std::string> secrets = operation_secrets(nullptr, spec, VendorConfig{});
  for (const auto& v : vendors)
    for (auto& s : operation_secrets(v.adapter.get(), spec, v.config)) secrets.push_back(std::move(s));
  return Scrubber(secrets);
}

void print_line(const boost::json::value& v, const Scrubber* item) {
  std::string line = boost::json::serialize(v);
  process_scrubber().scrub_in_place(line);
  if (item) item->scrub_in_place(line);
  line.push_back('\n');
  std::cout.write(line.data(), static_cast<std::streamsize>(line.size()));
}

boost::json::array issues_json(const Error& e) {
  boost::json::array out;
  for (const auto& i : e.issues)
    out.push_back(boost::json::object{{"field", i.field}, {"message", i.message}});
  if (out.empty()) out.push_back(boost::json::object{{"field", e.field}, {"message", e.message}});
  return out;
}

// A number in [min, max] (an integer when asked): NaN, infinities, out-of-range and trailing text are
// usage errors, so no value reaches a conversion that would be undefined behaviour.
double parse_number(const std::string& option, const std::string& text, double min, double max,
                    bool integer) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const bool ok = ec == std::errc() && end == text.data() + text.size() && std::isfinite(v) && v >= min &&
                  v <= max && (!integer || v == std::floor(v));
  if (!ok) {
    std::ostringstream range;
    range << std::setprecision(15) << (integer ? "an integer" : "a number") << " from " << min << " to "
          << max;
    throw UsageError(option + " " + text + ": expected " + range.str());
  }
  return v;
}

// Seconds as milliseconds, at least 1 ms.
std::chrono::milliseconds parse_seconds(const std::string& option, const std::string& text) {
  constexpr double max_seconds = 365.0 * 24 * 3600;  // a year: far past any sensible deadline
  const double s = parse_number(option, text, 0.001, max_seconds);
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(s * 1000)));
}

// HTTPS_PROXY / https_proxy (what the transport reads) with a port that is not 1..65535 is a usage
// error here, before anything is sent.
void check_proxy_environment() {
  for (const char* name : {"HTTPS_PROXY", "https_proxy"}) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    std::string_view url(v);
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
    url = url.substr(0, url.find_first_of("/?#"));
    if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
    std::string_view port;
    if (url.starts_with("[")) {  // [v6]:port
      const auto close = url.find(']');
      if (close != std::string_view::npos && close + 1 < url.size() && url[close + 1] == ':')
        port = url.substr(close + 2);
    } else if (auto colon = url.rfind(':'); colon != std::string_view::npos) {
      port = url.substr(colon + 1);
    }
    if (port.empty()) return;  // the first one set is the one used
    unsigned long n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535)
      throw UsageError(std::string(name) + ": the proxy port '" + std::string(port.substr(0, 32)) +
                       "' is not a port number (1 to 65535)");
    return;
  }
}

RateArgs parse_rates(const std::vector<std::string>& values) {
  RateArgs out;
  for (const auto& r : values) {
    std::string_view text = r, vendor;
    if (auto eq = text.find('=');
        eq != std::string_view::npos && text.substr(0, eq).find_first_of("0123456789") != 0 &&
        text.substr(0, eq) != "burst" && text.substr(0, eq).find(',') == std::string_view::npos) {
      vendor = text.substr(0, eq);
      text = text.substr(eq + 1);
    }
    std::string why;
    auto limit = parse_rate_limit(text, &why);
    if (!limit) throw UsageError("--rate " + r + ": " + why);
    if (vendor.empty())
      out.all = *limit;
    else
      out.per_vendor[std::string(vendor)] = *limit;
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
