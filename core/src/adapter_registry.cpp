#include <partnerkit/adapter_registry.hpp>

#include <stdexcept>

namespace partnerkit {

void AdapterRegistry::add(std::shared_ptr<const Adapter> adapter) {
  if (!adapter) throw std::invalid_argument("AdapterRegistry::add: null adapter");
  std::string name(adapter->name());
  if (name.empty()) throw std::invalid_argument("AdapterRegistry::add: adapter with an empty name");
  if (adapters_.count(name))
    throw std::invalid_argument("AdapterRegistry::add: vendor '" + name + "' is already registered");
  adapters_.emplace(std::move(name), std::move(adapter));
}

std::shared_ptr<const Adapter> AdapterRegistry::find(std::string_view vendor) const {
  auto it = adapters_.find(vendor);
  return it == adapters_.end() ? nullptr : it->second;
}

std::vector<std::string> AdapterRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(adapters_.size());
  for (const auto& [name, _] : adapters_) out.push_back(name);
  return out;
}

}  // namespace partnerkit
