// Test plugins for the loader's refusals, one per PK_KIND (see CMakeLists.txt). Each exports
// pk_test_register_calls so the test can prove a refused plugin was never called into.
#include <partnerkit/plugin.hpp>
#include <partnerkit/secrets.hpp>

#include <stdexcept>

extern "C" {
PARTNERKIT_PLUGIN_EXPORT int pk_test_register_calls = 0;
}

namespace {

class ProbeAdapter final : public partnerkit::Adapter {
 public:
  std::string_view name() const noexcept override { return PK_VENDOR; }
  partnerkit::Result<partnerkit::EncodedRequest> encode(const partnerkit::PartnerSpec&,
                                                        const partnerkit::VendorConfig&) const override {
    return partnerkit::Error::make(partnerkit::errc::invalid_input, "probe adapter: nothing to encode");
  }
  partnerkit::Result<partnerkit::Partner> decode(const partnerkit::HttpResponse&,
                                                 const partnerkit::DecodeContext&) const override {
    return partnerkit::Error::make(partnerkit::errc::protocol, "probe adapter: nothing to decode");
  }
};

void register_probe([[maybe_unused]] partnerkit::PluginRegistrar& r) {
  ++pk_test_register_calls;
#if PK_KIND == 6  // throws
  throw std::runtime_error("boom from the register function");
#elif PK_KIND == 7   // registers nothing
  (void)r;
#elif PK_KIND == 12  // built with -D_GLIBCXX_DEBUG and calls a partnerkit function taking a std::vector:
  // its name is Scrubber(std::__debug::vector...), which the host lacks, so dlopen fails first
  partnerkit::Scrubber scrub(std::vector<std::string>{"never"});
  (void)scrub;
  r.add_adapter(std::make_shared<const ProbeAdapter>());
#else
  r.add_adapter(std::make_shared<const ProbeAdapter>());
#endif
}

}  // namespace

#if PK_KIND == 10
// As if partnerkit_core had been linked into the plugin: its own partnerkit::error_category.
namespace partnerkit {
const boost::system::error_category& error_category() noexcept { return boost::system::generic_category(); }
}  // namespace partnerkit
#endif

#if PK_KIND == 0 || (PK_KIND >= 6 && PK_KIND <= 8) || PK_KIND >= 10
// A well-formed plugin (kinds 6, 7, 8 fail later, in or after registration).
PARTNERKIT_PLUGIN("probe", register_probe)

// The plugin's view of partnerkit's error category: the same object as the host's when there is one
// copy of partnerkit in the process.
extern "C" PARTNERKIT_PLUGIN_EXPORT const void* pk_probe_error_category() {
  return &partnerkit::error_category();
}
#else
extern "C" PARTNERKIT_PLUGIN_EXPORT const partnerkit_plugin_manifest* partnerkit_plugin_info(void) {
  static std::uint32_t layout[partnerkit::plugin_abi::layout_count];
  static partnerkit_plugin_manifest m = {PARTNERKIT_PLUGIN_MAGIC,
                                         static_cast<std::uint32_t>(sizeof(partnerkit_plugin_manifest)),
                                         partnerkit::adapter_interface_version,
                                         partnerkit::version_major,
                                         partnerkit::version_minor,
                                         partnerkit::version_patch,
                                         PARTNERKIT_PLUGIN_ABI_TAG,
                                         partnerkit::plugin_abi::layout_count,
                                         layout,
                                         "liar"};
  for (std::uint32_t i = 0; i < partnerkit::plugin_abi::layout_count; ++i)
    layout[i] = partnerkit::plugin_abi::layout[i];
#if PK_KIND == 1    // the adapter interface version lies
  m.adapter_interface_version = partnerkit::adapter_interface_version + 41;
#elif PK_KIND == 2  // built with another partnerkit release
  m.version_major = partnerkit::version_major + 1;
#elif PK_KIND == 3  // not a partnerkit manifest at all
  m.magic = 0xDEADBEEFu;
#elif PK_KIND == 4  // another standard library
  m.abi_tag = "libc++ 170000 abi 1; boost 108600";
#elif PK_KIND == 5  // another layout of PartnerSpec
  layout[8] += 8;
#elif PK_KIND == 9  // no manifest
  return nullptr;
#endif
  return &m;
}
extern "C" PARTNERKIT_PLUGIN_EXPORT int partnerkit_plugin_register(void* registrar) {
  register_probe(*static_cast<partnerkit::PluginRegistrar*>(registrar));
  return 0;
}
#endif
