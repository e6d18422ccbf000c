// The plugin loader: dlopen, the C handshake, then the register call (see plugin.hpp).
#include "handshake.hpp"

#include <partnerkit/plugin.hpp>

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>

namespace partnerkit {

void PluginRegistrar::add_adapter(std::shared_ptr<const Adapter> adapter) {
  if (!adapter) throw std::invalid_argument("PluginRegistrar::add_adapter: null adapter");
  if (adapter->name().empty())
    throw std::invalid_argument("PluginRegistrar::add_adapter: adapter with an empty name");
  adapters_.push_back(std::move(adapter));
}

void PluginRegistrar::add_simulator(std::string vendor, SimulatorFactory factory,
                                    boost::json::object client_settings) {
  if (vendor.empty()) throw std::invalid_argument("PluginRegistrar::add_simulator: empty vendor name");
  if (!factory) throw std::invalid_argument("PluginRegistrar::add_simulator: empty factory");
  simulators_.push_back({std::move(vendor), std::move(factory), std::move(client_settings)});
}

void PluginRegistrar::fail(std::string message) {
  failure_ = message.empty() ? std::string("registration failed") : std::move(message);
}

namespace {

using plugin_detail::bounded;
using plugin_detail::refuse;
using plugin_detail::version_text;

// Libraries mapped by load_plugin: never closed (plugin.hpp, "Lifetime").
std::mutex& handles_mutex() {
  static std::mutex m;
  return m;
}
std::set<void*>& handles() {
  static std::set<void*> h;
  return h;
}

}  // namespace

Result<PluginInfo> load_plugin(const std::string& path, AdapterRegistry& registry) {
  namespace fs = std::filesystem;
  if (path.empty()) return refuse("\"\"", "empty path");
  std::error_code ec;
  fs::path p(path);
  if (!fs::exists(p, ec)) return refuse(path, "no such file");
  if (fs::is_directory(p, ec)) return refuse(path, "is a directory, not a shared library");
  // An absolute path: dlopen must not search LD_LIBRARY_PATH for a bare name.
  fs::path abs = fs::absolute(p, ec);
  if (ec) abs = p;

  dlerror();
  void* handle = dlopen(abs.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    return refuse(path, "cannot be loaded as a shared library: " +
                            plugin_detail::explain_dlopen_failure(why ? why : "dlopen failed"));
  }
  {
    std::lock_guard lock(handles_mutex());
    handles().insert(handle);  // kept open for the life of the process
  }

  dlerror();
  void* info_sym = dlsym(handle, PARTNERKIT_PLUGIN_INFO_SYMBOL);
  if (!info_sym)
    return refuse(path, "not a partnerkit plugin: no extern \"C\" " PARTNERKIT_PLUGIN_INFO_SYMBOL
                        " entry point (define one with PARTNERKIT_PLUGIN)");
  void* register_sym = dlsym(handle, PARTNERKIT_PLUGIN_REGISTER_SYMBOL);
  if (!register_sym)
    return refuse(path, "not a partnerkit plugin: no extern \"C\" " PARTNERKIT_PLUGIN_REGISTER_SYMBOL
                        " entry point (define one with PARTNERKIT_PLUGIN)");

  // One copy of partnerkit per process: a plugin that defines partnerkit's own functions linked a
  // partnerkit library into itself (it must link partnerkit::plugin_sdk only). dlsym on the handle
  // searches the plugin and its dependencies, not the host, so a well-built plugin has none.
  if (void* own = dlsym(handle, "_ZN10partnerkit14error_categoryEv")) {
    const boost::system::error_category& (*host_fn)() noexcept = &error_category;
    void* host = nullptr;
    std::memcpy(&host, &host_fn, sizeof(host));
    if (own != host)
      return refuse(path,
                    "carries its own copy of partnerkit (it defines partnerkit::error_category): link the "
                    "plugin with partnerkit::plugin_sdk only, never with partnerkit::core");
  }

  partnerkit_plugin_info_fn info_fn;
  partnerkit_plugin_register_fn register_fn;
  static_assert(sizeof(info_fn) == sizeof(void*));
  std::memcpy(&info_fn, &info_sym, sizeof(info_fn));
  std::memcpy(&register_fn, &register_sym, sizeof(register_fn));

  // The handshake: plain C data only, before any C++ object crosses.
  const partnerkit_plugin_manifest* manifest = info_fn();
  if (auto ok = check_plugin_manifest(manifest, path); !ok) return ok.error();

  PluginInfo info;
  info.path = path;
  info.name = bounded(manifest->name);
  info.built_with = version_text(manifest->version_major, manifest->version_minor, manifest->version_patch);
  info.adapter_interface_version = manifest->adapter_interface_version;

  PluginRegistrar registrar;
  int rc = register_fn(&registrar);
  if (rc != 0 || !registrar.failure().empty()) {
    std::string why = registrar.failure().empty()
                          ? "partnerkit_plugin_register returned " + std::to_string(rc)
                          : registrar.failure();
    return refuse(path, "registration failed: " + why);
  }
  if (registrar.adapters().empty()) return refuse(path, "registered no adapter");

  // All or nothing: every name must be free (and distinct) before the registry changes.
  std::set<std::string, std::less<>> names;
  for (const auto& a : registrar.adapters()) {
    std::string name(a->name());
    if (!names.insert(name).second) return refuse(path, "registers vendor '" + name + "' twice");
    if (registry.find(name)) return refuse(path, "vendor '" + name + "' is already registered");
  }
  for (const auto& a : registrar.adapters()) {
    info.vendors.emplace_back(a->name());
    registry.add(a);
  }
  info.simulators = registrar.simulators();
  return info;
}

Result<std::vector<PluginInfo>> load_plugins(std::span<const std::string> paths, AdapterRegistry& registry) {
  std::vector<PluginInfo> out;
  out.reserve(paths.size());
  for (const auto& p : paths) {
    auto r = load_plugin(p, registry);
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace partnerkit
