// The default key provider (worker.hpp): API keys from the worker's environment, per tenant first.
#include <partnerkit/env_names.hpp>
#include <partnerkit/pg/worker.hpp>

#include <cstdlib>

namespace partnerkit::pg {

EnvKeyProvider::EnvKeyProvider(std::map<std::string, std::string, std::less<>> fallback)
    : fallback_(std::move(fallback)) {}

std::optional<std::string> EnvKeyProvider::api_key(std::string_view tenant, std::string_view vendor) const {
  const std::string base = api_key_variable(vendor);
  for (const std::string& name : {base + "_" + env_name_part(tenant), base}) {
    const char* v = std::getenv(name.c_str());
    if (v != nullptr && *v != '\0') return std::string(v);
  }
  if (auto it = fallback_.find(vendor); it != fallback_.end() && !it->second.empty()) return it->second;
  return std::nullopt;
}

}  // namespace partnerkit::pg
