// Adapter plugins: third-party vendors as shared libraries loaded at run time.
//
// A plugin is a shared library (CMake: add_library(x MODULE ...) linking partnerkit::plugin_sdk)
// with two extern "C" entry points, both written by PARTNERKIT_PLUGIN:
//
//   const partnerkit_plugin_manifest* partnerkit_plugin_info(void);   // the version handshake
//   int partnerkit_plugin_register(partnerkit::PluginRegistrar*);       // adds adapters/simulators
//
//   // my_plugin.cpp
//   #include <partnerkit/plugin.hpp>
//   static void register_acme(partnerkit::PluginRegistrar& r) {
//     r.add_adapter(std::make_shared<const AcmeAdapter>());
//     r.add_simulator("acme", [](const partnerkit::SimulatorParams& p) {      // optional
//       return std::make_unique<AcmeSimulator>(p.clock, p.seed);
//     });
//   }
//   PARTNERKIT_PLUGIN("acme", register_acme)
//
// The handshake comes first: load_plugin() reads the plain C manifest (magic, manifest size,
// adapter_interface_version, partnerkit version, standard-library / Boost tag and a fingerprint of
// the sizes of the types that cross the boundary) and refuses the plugin, without calling anything
// else in it, when any of them differs from the host's. The tag carries the standard library's mode:
// a plugin built with -D_GLIBCXX_DEBUG and a host without it (or the reverse) are refused with a
// message that says so, also when dlopen already fails on a debug-mode symbol the host lacks. Only then is
// partnerkit_plugin_register called and C++ objects cross.
//
// One copy of partnerkit per process: a plugin links no partnerkit library. Its references to
// partnerkit functions (Error::make, error_category(), sanitized_body, the sandbox's simulator base,
// ...) are resolved against the host executable, which exports them (see
// partnerkit_enable_plugin_host() in partnerkit's own, uninstalled cmake/PartnerkitHelpers.cmake; a
// host of your own needs the same: ENABLE_EXPORTS and the whole partnerkit archives linked in). So error_code
// comparisons, the registry and the sandbox all see one set of singletons. A host that does not export a
// symbol the plugin needs makes dlopen fail; load_plugin reports that as a refusal naming the symbol.
//
// Lifetime: a loaded library is never unloaded (the handle stays open for the life of the
// process), because the adapters and simulator factories it registered point into its code and
// may outlive any registry. Loading is not thread-safe with respect to the registry it fills: load
// plugins before sharing the registry with Clients.
//
// Caveat of dlopen: the library's static initializers run when it is mapped, before the manifest
// can be read. Plugin authors must not do work in static initializers.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_registry.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>
#include <partnerkit/simulator.hpp>
#include <partnerkit/version.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/version.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// ---------------------------------------------------------------------------------------------
// The C boundary. Nothing in it depends on the C++ ABI.
extern "C" {

// "PKPL" in the first four bytes of the manifest.
#define PARTNERKIT_PLUGIN_MAGIC 0x4C504B50u

struct partnerkit_plugin_manifest {
  std::uint32_t magic;                     // PARTNERKIT_PLUGIN_MAGIC
  std::uint32_t manifest_size;             // sizeof(partnerkit_plugin_manifest) of the plugin
  std::int32_t adapter_interface_version;  // partnerkit::adapter_interface_version
  std::int32_t version_major;              // the partnerkit headers the plugin was built with
  std::int32_t version_minor;
  std::int32_t version_patch;
  const char* abi_tag;          // standard library, its ABI, Boost version (exact match)
  std::uint32_t layout_count;   // entries in `layout`
  const std::uint32_t* layout;  // sizes of the types that cross the boundary
  const char* name;             // the plugin's name, for messages
};

// The entry points' types (what dlsym finds under PARTNERKIT_PLUGIN_INFO_SYMBOL /
// PARTNERKIT_PLUGIN_REGISTER_SYMBOL). register returns 0 on success.
typedef const struct partnerkit_plugin_manifest* (*partnerkit_plugin_info_fn)(void);
typedef int (*partnerkit_plugin_register_fn)(void* registrar);
}

#define PARTNERKIT_PLUGIN_INFO_SYMBOL "partnerkit_plugin_info"
#define PARTNERKIT_PLUGIN_REGISTER_SYMBOL "partnerkit_plugin_register"

#define PARTNERKIT_PLUGIN_STR2(x) #x
#define PARTNERKIT_PLUGIN_STR(x) PARTNERKIT_PLUGIN_STR2(x)
#if defined(_LIBCPP_VERSION)
#define PARTNERKIT_PLUGIN_STDLIB \
  "libc++ " PARTNERKIT_PLUGIN_STR(_LIBCPP_VERSION) " abi " PARTNERKIT_PLUGIN_STR(_LIBCPP_ABI_VERSION)
#if defined(_LIBCPP_ENABLE_DEBUG_MODE)
#define PARTNERKIT_PLUGIN_STDLIB_MODE "debug"
#else
#define PARTNERKIT_PLUGIN_STDLIB_MODE "normal"
#endif
#elif defined(__GLIBCXX__)
#define PARTNERKIT_PLUGIN_STDLIB \
  "libstdc++ " PARTNERKIT_PLUGIN_STR(__GLIBCXX__) " cxx11-abi " PARTNERKIT_PLUGIN_STR(_GLIBCXX_USE_CXX11_ABI)
// -D_GLIBCXX_DEBUG swaps std::vector, std::map, ... for std::__debug ones of another layout and
// other symbol names: a plugin and a host must agree on it.
#if defined(_GLIBCXX_DEBUG)
#define PARTNERKIT_PLUGIN_STDLIB_MODE "debug"
#else
#define PARTNERKIT_PLUGIN_STDLIB_MODE "normal"
#endif
#else
#define PARTNERKIT_PLUGIN_STDLIB "unknown-stdlib"
#define PARTNERKIT_PLUGIN_STDLIB_MODE "normal"
#endif
// E.g. "libstdc++ 20230528 cxx11-abi 1 mode normal; boost 108100".
#define PARTNERKIT_PLUGIN_ABI_TAG                                 \
  PARTNERKIT_PLUGIN_STDLIB " mode " PARTNERKIT_PLUGIN_STDLIB_MODE \
                           "; boost " PARTNERKIT_PLUGIN_STR(BOOST_VERSION)

#if defined(_WIN32)
#define PARTNERKIT_PLUGIN_EXPORT __declspec(dllexport)
#else
#define PARTNERKIT_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

namespace partnerkit {

// What the sandbox hands a simulator factory: its time source and its seed (for generated ids).
struct SimulatorParams {
  std::function<std::chrono::system_clock::time_point()> clock;
  std::uint64_t seed = 1;
};

// Makes a vendor simulator for the sandbox: a sandbox::VendorSimulator (the base class of the built-in
// simulators), handed over as its Simulator base. Called by the sandbox (and by the author's kit's
// round trip, testing/adapter_conformance/round_trip.hpp), never by core.
using SimulatorFactory = std::function<std::unique_ptr<Simulator>(const SimulatorParams&)>;

struct PluginSimulator {
  std::string vendor;  // the vendor name of the adapter it simulates
  SimulatorFactory factory;
  // VendorConfig::settings a client needs to talk to this simulator (e.g. the program it knows,
  // {"program_id":"prg_sandbox"}): what Sandbox::vendor_config() should hand out for the vendor.
  boost::json::object client_settings;
};

// What a plugin's register function receives. It collects; load_plugin() commits to the registry
// only when the whole registration succeeded and every name is free (all or nothing).
class PluginRegistrar {
 public:
  PluginRegistrar() = default;
  PluginRegistrar(const PluginRegistrar&) = delete;
  PluginRegistrar& operator=(const PluginRegistrar&) = delete;

  // Registers an adapter. Throws std::invalid_argument for a null adapter or an empty name.
  void add_adapter(std::shared_ptr<const Adapter> adapter);
  // Registers a sandbox simulator for `vendor` (normally a vendor this plugin adds an adapter for).
  // Throws std::invalid_argument for an empty name or an empty factory.
  // `client_settings`: the VendorConfig::settings clients of the simulator need (PluginSimulator).
  void add_simulator(std::string vendor, SimulatorFactory factory, boost::json::object client_settings = {});
  // Marks the registration failed (PARTNERKIT_PLUGIN calls it when the register function throws).
  void fail(std::string message);

  const std::vector<std::shared_ptr<const Adapter>>& adapters() const noexcept { return adapters_; }
  const std::vector<PluginSimulator>& simulators() const noexcept { return simulators_; }
  const std::string& failure() const noexcept { return failure_; }

 private:
  std::vector<std::shared_ptr<const Adapter>> adapters_;
  std::vector<PluginSimulator> simulators_;
  std::string failure_;
};

// A plugin that was loaded and whose adapters are in the registry.
struct PluginInfo {
  std::string path;        // as given
  std::string name;        // the manifest's name
  std::string built_with;  // partnerkit version of the plugin's headers, "0.1.0"
  int adapter_interface_version = 0;
  std::vector<std::string> vendors;         // adapters it added to the registry, in registration order
  std::vector<PluginSimulator> simulators;  // for the sandbox (see Sandbox / SandboxConfig)
};

// Loads one plugin: dlopen(RTLD_NOW | RTLD_LOCAL), the handshake, the register call, then adds its
// adapters to `registry`. Refusals are errc::invalid_input with field "plugin" and a message
// "plugin <path>: <why>": no such file; not a loadable library (dlopen's reason, e.g. an invalid
// ELF header or an undefined symbol the host does not export); a plugin that carries its own copy
// of partnerkit (it defines partnerkit::error_category); no partnerkit_plugin_info or
// partnerkit_plugin_register entry point; a null manifest, a wrong magic, a short manifest; an
// adapter_interface_version, partnerkit version (major.minor), ABI tag or type-layout mismatch
// (the message names both sides; a standard-library mode mismatch, -D_GLIBCXX_DEBUG on one side only,
// is named as such, whether the handshake or dlopen found it); a register function that failed or threw; no
// adapter registered; a vendor name already in the registry. On refusal the registry is unchanged.
Result<PluginInfo> load_plugin(const std::string& path, AdapterRegistry& registry);

// Loads several plugins in order; stops at the first refusal (earlier plugins stay loaded).
Result<std::vector<PluginInfo>> load_plugins(std::span<const std::string> paths, AdapterRegistry& registry);

// The handshake alone, on a manifest already at hand (what load_plugin checks before registering).
// `where` prefixes the messages.
Result<void> check_plugin_manifest(const partnerkit_plugin_manifest* manifest, std::string_view where);

namespace plugin_abi {
// The sizes (and a few alignments) of the types that cross the plugin boundary, as this
// translation unit sees them. A plugin whose headers, compiler flags or standard library lay any
// of them out differently is refused.
inline constexpr std::uint32_t layout[] = {
    sizeof(void*),
    sizeof(std::string),
    sizeof(std::shared_ptr<const Adapter>),
    sizeof(std::function<void()>),
    sizeof(std::vector<std::string>),
    sizeof(std::optional<std::string>),
    sizeof(boost::json::value),
    sizeof(boost::json::object),
    sizeof(PartnerSpec),
    sizeof(Partner),
    sizeof(Error),
    sizeof(Result<Partner>),
    sizeof(Result<EncodedRequest>),
    sizeof(VendorConfig),
    sizeof(HttpRequest),
    sizeof(HttpResponse),
    sizeof(EncodedRequest),
    sizeof(DecodeContext),
    sizeof(Capabilities),
    sizeof(FieldMapping),
    sizeof(SimulatorParams),
    sizeof(PluginSimulator),
    alignof(std::max_align_t),
};
inline constexpr std::uint32_t layout_count = sizeof(layout) / sizeof(layout[0]);
}  // namespace plugin_abi

}  // namespace partnerkit

// Defines the two entry points. `plugin_name` is a string literal; `register_fn` a function
// void(partnerkit::PluginRegistrar&) (it may throw: the exception becomes the refusal's message).
#define PARTNERKIT_PLUGIN(plugin_name, register_fn)                                                      \
  extern "C" PARTNERKIT_PLUGIN_EXPORT const ::partnerkit_plugin_manifest* partnerkit_plugin_info(void) { \
    static const ::partnerkit_plugin_manifest manifest = {                                               \
        PARTNERKIT_PLUGIN_MAGIC,                                                                         \
        static_cast<std::uint32_t>(sizeof(::partnerkit_plugin_manifest)),                                \
        ::partnerkit::adapter_interface_version,                                                         \
        ::partnerkit::version_major,                                                                     \
        ::partnerkit::version_minor,                                                                     \
        ::partnerkit::version_patch,                                                                     \
        PARTNERKIT_PLUGIN_ABI_TAG,                                                                       \
        ::partnerkit::plugin_abi::layout_count,                                                          \
        ::partnerkit::plugin_abi::layout,                                                                \
        plugin_name};                                                                                    \
    return &manifest;                                                                                    \
  }                                                                                                      \
  extern "C" PARTNERKIT_PLUGIN_EXPORT int partnerkit_plugin_register(void* registrar) {                  \
    auto& r = *static_cast<::partnerkit::PluginRegistrar*>(registrar);                                   \
    try {                                                                                                \
      register_fn(r);                                                                                    \
      return 0;                                                                                          \
    } catch (const std::exception& e) {                                                                  \
      r.fail(e.what());                                                                                  \
    } catch (...) {                                                                                      \
      r.fail("the register function threw a non-standard exception");                                    \
    }                                                                                                    \
    return 1;                                                                                            \
  }
