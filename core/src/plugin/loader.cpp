// The plugin loader: dlopen, the C handshake, then the register call (see plugin.hpp).
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

Error refuse(std::string_view where, std::string_view why) {
  Error e =
      Error::make(errc::invalid_input, "plugin " + std::string(where) + ": " + std::string(why), "plugin");
  return e;
}

std::string version_text(int major, int minor, int patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// Bounded copy of a C string from the plugin (a lying manifest must not make us read forever).
std::string bounded(const char* s, std::size_t max = 256) {
  if (!s) return "(null)";
  std::size_t n = 0;
  while (n < max && s[n] != '\0') ++n;
  std::string out(s, n);
  if (n == max) out += "...";
  return out;
}

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

Result<void> check_plugin_manifest(const partnerkit_plugin_manifest* m, std::string_view where) {
  if (!m) return refuse(where, "partnerkit_plugin_info() returned a null manifest");
  if (m->magic != PARTNERKIT_PLUGIN_MAGIC)
    return refuse(where, "wrong manifest magic: not a partnerkit plugin");
  if (m->manifest_size < sizeof(partnerkit_plugin_manifest))
    return refuse(where, "manifest too short (" + std::to_string(m->manifest_size) + " bytes, expected " +
                             std::to_string(sizeof(partnerkit_plugin_manifest)) +
                             "): built with an older plugin.hpp");
  if (m->adapter_interface_version != adapter_interface_version)
    return refuse(where, "adapter interface version mismatch: the plugin was built for version " +
                             std::to_string(m->adapter_interface_version) + ", this partnerkit has version " +
                             std::to_string(adapter_interface_version) +
                             "; rebuild the plugin against this partnerkit");
  if (m->version_major != version_major || m->version_minor != version_minor)
    return refuse(where, "partnerkit version mismatch: the plugin was built with partnerkit " +
                             version_text(m->version_major, m->version_minor, m->version_patch) +
                             ", this is partnerkit " +
                             version_text(version_major, version_minor, version_patch) +
                             " (major.minor must match); rebuild the plugin");
  std::string tag = bounded(m->abi_tag);
  if (tag != PARTNERKIT_PLUGIN_ABI_TAG)
    return refuse(where, "C++ ABI mismatch: the plugin was built with \"" + tag +
                             "\", this partnerkit with \"" + PARTNERKIT_PLUGIN_ABI_TAG +
                             "\"; build the plugin with the same compiler, standard "
                             "library and Boost");
  if (m->layout_count != plugin_abi::layout_count || !m->layout)
    return refuse(where, "type layout mismatch: the plugin describes " + std::to_string(m->layout_count) +
                             " boundary types, this partnerkit " + std::to_string(plugin_abi::layout_count));
  for (std::uint32_t i = 0; i < plugin_abi::layout_count; ++i) {
    if (m->layout[i] != plugin_abi::layout[i])
      return refuse(
          where, "type layout mismatch at entry " + std::to_string(i) + " (plugin " +
                     std::to_string(m->layout[i]) + " bytes, host " + std::to_string(plugin_abi::layout[i]) +
                     "): the plugin was built with other partnerkit headers or other compiler flags");
  }
  return {};
}

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
    std::string reason = why ? why : "dlopen failed";
    if (reason.find("undefined symbol") != std::string::npos)
      reason +=
          " (the host does not export a partnerkit symbol the plugin needs: it was built against another "
          "partnerkit, or the host is not a plugin host; see partnerkit_enable_plugin_host)";
    return refuse(path, "cannot be loaded as a shared library: " + reason);
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
