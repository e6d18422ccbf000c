// What the plugin registers (src/plugin.cpp): the Tolt adapter, and its sandbox simulator with the
// settings its clients need. Declared here so the test runs the author's kit's round trip on exactly the
// factory the plugin hands partnerkit.
#pragma once

#include <partnerkit/plugin.hpp>

namespace tolt {

void register_tolt(partnerkit::PluginRegistrar& registrar);

}  // namespace tolt
