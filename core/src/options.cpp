#include <partnerkit/adapter_registry.hpp>
#include <partnerkit/options.hpp>

#include <cctype>
#include <cstdlib>

namespace partnerkit {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

ClientOptions ClientOptions::from_env() {
  struct Builtin {
    const char* vendor;
    const char* key_var;
    const char* url_var;
    const char* default_url;
  };
  static constexpr Builtin builtins[] = {
      {"dub", "DUB_API_KEY", "PARTNERKIT_DUB_BASE_URL", dub_default_base_url},
      {"partnero", "PARTNERO_API_KEY", "PARTNERKIT_PARTNERO_BASE_URL", partnero_default_base_url},
      {"journeybee", "JOURNEYBEE_API_KEY", "PARTNERKIT_JOURNEYBEE_BASE_URL", journeybee_default_base_url},
  };
  ClientOptions options;
  for (const auto& b : builtins) {
    VendorOptions vo;
    vo.config.api_key = env(b.key_var);
    vo.config.base_url = env(b.url_var);
    if (vo.config.base_url.empty()) vo.config.base_url = b.default_url;
    options.vendors.emplace(b.vendor, std::move(vo));
  }
  return options;
}

ClientOptions ClientOptions::from_env(const AdapterRegistry& registry) {
  auto upper = [](std::string_view vendor) {
    std::string out;
    for (char c : vendor)
      out.push_back(std::isalnum(static_cast<unsigned char>(c))
                        ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                        : '_');
    return out;
  };
  ClientOptions options;
  for (const auto& name : registry.names()) {
    VendorOptions vo;
    vo.config.api_key = env((upper(name) + "_API_KEY").c_str());
    vo.config.base_url = env(("PARTNERKIT_" + upper(name) + "_BASE_URL").c_str());
    if (vo.config.base_url.empty()) vo.config.base_url = registry.find(name)->capabilities().default_base_url;
    options.vendors.emplace(name, std::move(vo));
  }
  return options;
}

}  // namespace partnerkit
