#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/env_names.hpp>
#include <partnerkit/options.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

namespace pk = partnerkit;

TEST(EnvNames, AsciiLettersUpperCasedEverythingElseUnderscore) {
  EXPECT_EQ(pk::env_name_part("dub"), "DUB");
  EXPECT_EQ(pk::env_name_part("my-vendor.io"), "MY_VENDOR_IO");
  EXPECT_EQ(pk::env_name_part("v2Api"), "V2API");
  // Each byte of a non-ASCII name is '_', whatever the locale (std::toupper in a Latin-1 locale
  // would turn 0xE9 into 0xC9 and name a variable no shell can export portably).
  EXPECT_EQ(pk::env_name_part("caf\xc3\xa9"), "CAF__");
  EXPECT_EQ(pk::env_name_part("i"), "I");  // never the Turkish dotted capital
  EXPECT_EQ(pk::api_key_variable("journeybee"), "JOURNEYBEE_API_KEY");
  EXPECT_EQ(pk::base_url_variable("my-vendor"), "PARTNERKIT_MY_VENDOR_BASE_URL");
}

TEST(EnvNames, FromEnvFallsBackToTheDeclaredDefaultBaseUrl) {
  auto registry = pk::make_default_registry();
  ::unsetenv("PARTNERKIT_DUB_BASE_URL");
  ::setenv("PARTNERKIT_PARTNERO_BASE_URL", "https://127.0.0.1:9", 1);
  ::setenv("JOURNEYBEE_API_KEY", "jb_k", 1);
  const auto o = pk::ClientOptions::from_env(*registry);
  ::unsetenv("PARTNERKIT_PARTNERO_BASE_URL");
  ::unsetenv("JOURNEYBEE_API_KEY");
  ASSERT_EQ(o.vendors.size(), registry->names().size());
  for (const auto& name : registry->names()) {
    if (name == "partnero") continue;
    EXPECT_EQ(o.vendors.at(name).config.base_url, registry->find(name)->capabilities().default_base_url)
        << name;
  }
  EXPECT_EQ(o.vendors.at("dub").config.base_url, "https://api.dub.co");
  EXPECT_EQ(o.vendors.at("partnero").config.base_url, "https://127.0.0.1:9");
  EXPECT_EQ(o.vendors.at("journeybee").config.api_key, "jb_k");
}
