#include <partnerkit/adapter_registry.hpp>
#include <partnerkit/env_names.hpp>
#include <partnerkit/options.hpp>

#include <cstdlib>

namespace partnerkit {
namespace {

std::string env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::string(v) : std::string();
}

}  // namespace

ClientOptions ClientOptions::from_env(const AdapterRegistry& registry) {
  ClientOptions options;
  for (const auto& name : registry.names()) {
    VendorOptions vo;
    vo.config.api_key = env(api_key_variable(name));
    vo.config.base_url = env(base_url_variable(name));
    if (vo.config.base_url.empty()) vo.config.base_url = registry.find(name)->capabilities().default_base_url;
    options.vendors.emplace(name, std::move(vo));
  }
  return options;
}

}  // namespace partnerkit
