// The built-in adapters, registered through the same public AdapterRegistry::add a plugin uses.
#pragma once

#include <partnerkit/adapter_registry.hpp>

#include <memory>

namespace partnerkit {

// Adds "dub", "partnero" and "journeybee". Throws std::invalid_argument (from add) when a name is taken.
void register_builtin_adapters(AdapterRegistry& registry);

// A fresh registry holding the three built-ins; callers may add more adapters to it.
std::shared_ptr<AdapterRegistry> make_default_registry();

}  // namespace partnerkit
