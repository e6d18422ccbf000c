// The adapters a Client can use, by vendor name. Built-ins register through add() like any plugin.
#pragma once

#include <partnerkit/adapter.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {

class AdapterRegistry {
 public:
  // Throws std::invalid_argument for a null adapter, an empty name or a name already taken:
  // these are programmer errors.
  void add(std::shared_ptr<const Adapter> adapter);

  // Null when no adapter has that name.
  std::shared_ptr<const Adapter> find(std::string_view vendor) const;

  // Registered names, sorted.
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::shared_ptr<const Adapter>, std::less<>> adapters_;
};

}  // namespace partnerkit
