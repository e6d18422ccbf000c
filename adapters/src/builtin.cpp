#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/adapters/partnero.hpp>

namespace partnerkit {

void register_builtin_adapters(AdapterRegistry& registry) {
  // Exactly what a plugin does: the public AdapterRegistry::add.
  registry.add(std::make_shared<const DubAdapter>());
  registry.add(std::make_shared<const PartneroAdapter>());
  registry.add(std::make_shared<const JourneyBeeAdapter>());
}

std::shared_ptr<AdapterRegistry> make_default_registry() {
  auto registry = std::make_shared<AdapterRegistry>();
  register_builtin_adapters(*registry);
  return registry;
}

}  // namespace partnerkit
