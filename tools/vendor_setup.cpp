// The vendors a command runs on: the registry with its --plugin libraries, each vendor's base URL,
// API key and settings from the flags and the environment, and the proxy the transport will read.
#include "cli.hpp"

#include <partnerkit/adapters/builtin.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <sstream>

namespace partnerkit::cli {

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
  std::vector<std::string> secrets;
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
      if (!secret.starts_with("placeholder-")) secrets.push_back(std::move(secret));
    out.push_back(std::move(s));
  }
  remember_secrets(std::move(secrets));
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

}  // namespace partnerkit::cli
