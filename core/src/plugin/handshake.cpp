// The plugin handshake: the manifest's fields against the host's, and what a mismatch means.
#include "handshake.hpp"

#include <partnerkit/plugin.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace partnerkit {

Simulator::~Simulator() = default;

namespace plugin_detail {

Error refuse(std::string_view where, std::string_view why) {
  return Error::make(errc::invalid_input, "plugin " + std::string(where) + ": " + std::string(why), "plugin");
}

std::string version_text(int major, int minor, int patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string bounded(const char* s, std::size_t max) {
  if (!s) return "(null)";
  std::size_t n = 0;
  while (n < max && s[n] != '\0') ++n;
  std::string out(s, n);
  if (n == max) out += "...";
  return out;
}

namespace {

constexpr std::string_view host_mode = PARTNERKIT_PLUGIN_STDLIB_MODE;

// "debug" -> how a reader recognises it in their build flags.
std::string mode_words(std::string_view mode) {
  if (mode == "debug") return "the standard library's debug mode (-D_GLIBCXX_DEBUG)";
  if (mode == "normal") return "the standard library's normal mode (no -D_GLIBCXX_DEBUG)";
  return "standard-library mode \"" + std::string(mode) + "\"";
}

std::string mode_mismatch(std::string_view plugin_mode) {
  return "standard-library mode mismatch: the plugin was built with " + mode_words(plugin_mode) +
         ", this partnerkit with " + mode_words(host_mode) +
         "; the two lay out std::vector, std::map and the other containers differently, so no C++ object "
         "can cross: build the plugin in the mode partnerkit was built in";
}

// "libstdc++ 20230528 cxx11-abi 1 mode debug; boost 108100" -> {"...cxx11-abi 1; boost 108100", "debug"}.
std::pair<std::string, std::string> split_mode(std::string tag) {
  constexpr std::string_view key = " mode ";
  const auto at = tag.find(key);
  if (at == std::string::npos) return {tag, ""};
  const auto end = tag.find(';', at);
  std::string mode =
      tag.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
  tag.erase(at, end == std::string::npos ? std::string::npos : end - at);
  return {tag, mode};
}

std::string demangled(const std::string& symbol) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status),
                                              std::free);
  return status == 0 && text ? std::string(text.get()) : symbol;
}

}  // namespace

std::string explain_dlopen_failure(std::string reason) {
  constexpr std::string_view key = "undefined symbol: ";
  const auto at = reason.find(key);
  if (at == std::string::npos) return reason;
  std::string symbol = reason.substr(at + key.size());
  symbol = symbol.substr(0, symbol.find_first_of(" \t\n("));
  const std::string name = demangled(symbol);
  const bool debug_containers = name.find("std::__debug::") != std::string::npos;
  const bool std_containers =
      name.find("std::vector<") != std::string::npos || name.find("std::map<") != std::string::npos ||
      name.find("std::set<") != std::string::npos || name.find("std::deque<") != std::string::npos ||
      name.find("std::list<") != std::string::npos || name.find("std::unordered_map<") != std::string::npos;
  const std::string shown = name.size() > 300 ? name.substr(0, 300) + "..." : name;
  if (debug_containers && host_mode != "debug")
    return mode_mismatch("debug") + " (dlopen: undefined " + shown + ")";
  if (host_mode == "debug" && std_containers && !debug_containers)
    return mode_mismatch("normal") + " (dlopen: undefined " + shown + ")";
#if defined(__GLIBCXX__)
  const bool new_string = name.find("std::__cxx11::") != std::string::npos;
  const bool old_string = !new_string && (name.find("std::string") != std::string::npos ||
                                          name.find("std::basic_string<") != std::string::npos);
  if ((new_string && _GLIBCXX_USE_CXX11_ABI == 0) || (old_string && _GLIBCXX_USE_CXX11_ABI != 0))
    return std::string("std::string ABI mismatch: the plugin was built with _GLIBCXX_USE_CXX11_ABI=") +
           (new_string ? "1" : "0") + ", this partnerkit with " + (new_string ? "0" : "1") +
           "; build the plugin with the same setting (dlopen: undefined " + shown + ")";
#endif
  return reason +
         " (the host does not export a partnerkit symbol the plugin needs: the plugin was built against "
         "other partnerkit headers, or the host is not a plugin host; see partnerkit_enable_plugin_host)";
}

}  // namespace plugin_detail

using plugin_detail::refuse;

Result<void> check_plugin_manifest(const partnerkit_plugin_manifest* m, std::string_view where) {
  using plugin_detail::bounded;
  using plugin_detail::version_text;
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
  if (tag != PARTNERKIT_PLUGIN_ABI_TAG) {
    // Only the mode differs: say exactly that (the layout check below would blame the headers).
    auto [plugin_rest, plugin_mode] = plugin_detail::split_mode(tag);
    auto [host_rest, host_mode] = plugin_detail::split_mode(PARTNERKIT_PLUGIN_ABI_TAG);
    if (plugin_rest == host_rest && !plugin_mode.empty() && plugin_mode != host_mode)
      return refuse(where, plugin_detail::mode_mismatch(plugin_mode));
    return refuse(where,
                  "C++ ABI mismatch: the plugin was built with \"" + tag + "\", this partnerkit with \"" +
                      PARTNERKIT_PLUGIN_ABI_TAG +
                      "\"; build the plugin with the same compiler, standard library (and mode) and Boost");
  }
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

}  // namespace partnerkit
