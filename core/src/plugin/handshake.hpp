// The plugin handshake's private helpers, shared by handshake.cpp and loader.cpp.
#pragma once

#include <partnerkit/error.hpp>

#include <string>
#include <string_view>

namespace partnerkit::plugin_detail {

// invalid_input, field "plugin", message "plugin <where>: <why>".
Error refuse(std::string_view where, std::string_view why);

// "1.2.3".
std::string version_text(int major, int minor, int patch);

// Bounded copy of a C string from the plugin (a lying manifest must not make us read forever).
std::string bounded(const char* s, std::size_t max = 256);

// dlopen's reason for refusing a plugin, with what it means: an undefined symbol of another
// standard-library mode (std::__debug::vector where the host has std::vector, or the reverse) or
// another std::string ABI is named as such; any other undefined symbol as one the host does not
// export.
std::string explain_dlopen_failure(std::string reason);

}  // namespace partnerkit::plugin_detail
