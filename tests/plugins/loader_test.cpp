// load_plugin: the Tolt example plugin (built in tree) loads and provisions in one batch beside the
// built-ins; every kind of bad plugin is refused with a reason, and never called into.
#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/batch.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/plugin.hpp>
#include <partnerkit/sandbox/core.hpp>
#include <partnerkit/sandbox/vendors.hpp>
#include <partnerkit/testing/fake_transport.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <dlfcn.h>

#include <filesystem>
#include <fstream>

namespace pk = partnerkit;
using ::testing::HasSubstr;

namespace {

std::string bad_plugin(int kind) { return std::string(PK_BAD_PLUGIN_PREFIX) + std::to_string(kind) + ".so"; }

// How many times a loaded test plugin's register function ran (0 for a library never mapped).
int register_calls(const std::string& path) {
  void* h = dlopen(std::filesystem::absolute(path).c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (!h) return 0;
  auto* calls = static_cast<int*>(dlsym(h, "pk_test_register_calls"));
  int n = calls ? *calls : -1;
  dlclose(h);  // drops only the reference RTLD_NOLOAD added
  return n;
}

pk::Error expect_refused(const std::string& path, std::string_view why, pk::AdapterRegistry& registry) {
  auto before = registry.names();
  auto r = pk::load_plugin(path, registry);
  EXPECT_FALSE(r) << path << " was loaded";
  if (r) return {};
  EXPECT_EQ(r.error().code, pk::errc::invalid_input);
  EXPECT_EQ(r.error().field, "plugin");
  EXPECT_THAT(r.error().message, HasSubstr("plugin " + path + ": "));
  EXPECT_THAT(r.error().message, HasSubstr(std::string(why)));
  EXPECT_EQ(registry.names(), before) << "a refused plugin changed the registry";
  return r.error();
}

TEST(PluginLoader, LoadsTheToltPlugin) {
  auto registry = pk::make_default_registry();
  auto r = pk::load_plugin(PK_TOLT_PLUGIN, *registry);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->name, "tolt");
  EXPECT_EQ(r->vendors, std::vector<std::string>{"tolt"});
  EXPECT_EQ(r->adapter_interface_version, pk::adapter_interface_version);
  EXPECT_EQ(r->built_with, std::to_string(pk::version_major) + "." + std::to_string(pk::version_minor) + "." +
                               std::to_string(pk::version_patch));
  ASSERT_EQ(r->simulators.size(), 1u);
  EXPECT_EQ(r->simulators[0].vendor, "tolt");
  EXPECT_EQ(r->simulators[0].client_settings, (boost::json::object{{"program_id", "prg_sandbox"}}));
  EXPECT_EQ(registry->names(), (std::vector<std::string>{"dub", "journeybee", "partnero", "tolt"}));

  auto tolt = registry->find("tolt");
  ASSERT_TRUE(tolt);
  auto caps = tolt->capabilities();
  EXPECT_EQ(caps.rate_limit, pk::RateLimit::per_second(25));
  EXPECT_EQ(caps.create, pk::CreateSemantics::create);
  pk::PartnerSpec spec;
  spec.email = "sam@example.com";
  pk::VendorConfig config;
  config.api_key = "k";
  auto missing = tolt->encode(spec, config);  // no program_id
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().error_code(), pk::errc::invalid_input);  // one error category
  config.settings["program_id"] = "prg_1";
  auto encoded = tolt->encode(spec, config);
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(encoded->request.url, "https://platform.tolt.com/v2/partners");
  EXPECT_EQ(encoded->request.body, R"({"email":"sam@example.com","program_id":"prg_1"})");
}

TEST(PluginLoader, SameVendorTwiceIsRefusedAndAnotherRegistryWorks) {
  auto registry = pk::make_default_registry();
  ASSERT_TRUE(pk::load_plugin(PK_TOLT_PLUGIN, *registry));
  expect_refused(PK_TOLT_PLUGIN, "vendor 'tolt' is already registered", *registry);
  pk::AdapterRegistry other;
  auto r = pk::load_plugin(PK_TOLT_PLUGIN, other);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(other.names(), std::vector<std::string>{"tolt"});
}

TEST(PluginLoader, OneCopyOfPartnerkitInTheProcess) {
  pk::AdapterRegistry registry;
  ASSERT_TRUE(pk::load_plugin(bad_plugin(0), registry));
  void* h = dlopen(std::filesystem::absolute(bad_plugin(0)).c_str(), RTLD_NOW | RTLD_NOLOAD);
  ASSERT_TRUE(h);
  auto fn = reinterpret_cast<const void* (*)()>(dlsym(h, "pk_probe_error_category"));
  ASSERT_TRUE(fn);
  EXPECT_EQ(fn(), static_cast<const void*>(&pk::error_category()))
      << "the plugin has its own copy of partnerkit's error category";
  dlclose(h);
}

TEST(PluginLoader, RefusesMissingFilesDirectoriesAndNonLibraries) {
  pk::AdapterRegistry registry;
  expect_refused("/nonexistent/libnothing.so", "no such file", registry);
  expect_refused(std::filesystem::temp_directory_path().string(), "is a directory", registry);
  auto text =
      std::filesystem::temp_directory_path() / ("pk_not_a_library_" + std::to_string(::getpid()) + ".so");
  { std::ofstream(text) << "this is not an ELF file\n"; }
  auto e = expect_refused(text.string(), "cannot be loaded as a shared library", registry);
  std::filesystem::remove(text);
}

TEST(PluginLoader, RefusesALibraryWithoutTheEntryPoint) {
  pk::AdapterRegistry registry;
  expect_refused(PK_NO_ENTRY_PLUGIN, "no extern \"C\" partnerkit_plugin_info entry point", registry);
}

struct Refusal {
  int kind;
  std::string why;
  bool registered;  // whether the register function may have run
};

class PluginRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(PluginRefusal, IsRefusedWithItsReason) {
  auto registry = pk::make_default_registry();
  const auto& p = GetParam();
  expect_refused(bad_plugin(p.kind), p.why, *registry);
  if (!p.registered) {
    EXPECT_EQ(register_calls(bad_plugin(p.kind)), 0) << "a mismatched plugin was called into";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, PluginRefusal,
    ::testing::Values(
        Refusal{1,
                "adapter interface version mismatch: the plugin was built for version " +
                    std::to_string(pk::adapter_interface_version + 41),
                false},
        Refusal{2, "partnerkit version mismatch: the plugin was built with partnerkit 1.", false},
        Refusal{3, "wrong manifest magic", false},
        Refusal{4, "C++ ABI mismatch: the plugin was built with \"libc++ 170000", false},
        Refusal{5, "type layout mismatch at entry 8", false}, Refusal{9, "returned a null manifest", false},
        Refusal{10, "carries its own copy of partnerkit", false},
        Refusal{11,
                "standard-library mode mismatch: the plugin was built with the standard library's debug mode "
                "(-D_GLIBCXX_DEBUG), this partnerkit with the standard library's normal mode",
                false},
        Refusal{
            12,
            "cannot be loaded as a shared library: standard-library mode mismatch: the plugin was built with "
            "the standard library's debug mode (-D_GLIBCXX_DEBUG)",
            false},
        Refusal{6, "registration failed: boom from the register function", true},
        Refusal{7, "registered no adapter", true}, Refusal{8, "vendor 'dub' is already registered", true}),
    [](const auto& info) { return "kind" + std::to_string(info.param.kind); });

TEST(PluginManifest, HandshakeChecksEachField) {
  EXPECT_THAT(pk::check_plugin_manifest(nullptr, "x").error().message, HasSubstr("null manifest"));
  partnerkit_plugin_manifest m{PARTNERKIT_PLUGIN_MAGIC,
                               static_cast<std::uint32_t>(sizeof(partnerkit_plugin_manifest)),
                               pk::adapter_interface_version,
                               pk::version_major,
                               pk::version_minor,
                               pk::version_patch + 7,  // a patch release differs: accepted
                               PARTNERKIT_PLUGIN_ABI_TAG,
                               pk::plugin_abi::layout_count,
                               pk::plugin_abi::layout,
                               "ok"};
  EXPECT_TRUE(pk::check_plugin_manifest(&m, "x"));
  auto short_m = m;
  short_m.manifest_size = 8;
  EXPECT_THAT(pk::check_plugin_manifest(&short_m, "x").error().message, HasSubstr("manifest too short"));
  auto minor = m;
  minor.version_minor += 1;
  EXPECT_THAT(pk::check_plugin_manifest(&minor, "x").error().message,
              HasSubstr("partnerkit version mismatch"));
  auto count = m;
  count.layout_count -= 1;
  EXPECT_THAT(pk::check_plugin_manifest(&count, "x").error().message, HasSubstr("type layout mismatch"));
}

TEST(PluginVersion, HeadersMatchTheProject) {
  EXPECT_EQ(std::to_string(pk::version_major) + "." + std::to_string(pk::version_minor) + "." +
                std::to_string(pk::version_patch),
            PK_PROJECT_VERSION)
      << "CMakeLists.txt reads project(VERSION) from partnerkit/version.hpp";
}

// The plugin's vendor provisioned in one batch beside the three built-ins, each answered by its
// simulator (the built-ins by SandboxCore, Tolt by the simulator the plugin registered).
TEST(PluginBatch, PluginVendorBesideTheBuiltIns) {
  auto registry = pk::make_default_registry();
  auto loaded = pk::load_plugin(PK_TOLT_PLUGIN, *registry);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->simulators.size(), 1u);

  pk::sandbox::SandboxCore core;
  std::shared_ptr<pk::sandbox::VendorSimulator> tolt =
      pk::sandbox::make_plugin_simulator(loaded->simulators[0], pk::SimulatorParams{{}, 7});
  ASSERT_TRUE(tolt);
  EXPECT_EQ(tolt->name(), "tolt");

  boost::asio::io_context ioc;
  auto transport = std::make_shared<pk::testing::FakeTransport>(ioc.get_executor());
  transport->set_responder([&](const pk::HttpRequest& req) {
    pk::testing::FakeReply reply;
    auto path = pk::sandbox::request_path(req.url);
    if (tolt->match(req.method, path) != pk::sandbox::VendorSimulator::RouteMatch::none)
      reply.response = tolt->handle(req);
    else
      reply.response = core.handle(req).response;
    return reply;
  });

  pk::ClientOptions options;
  for (const char* v : {"dub", "partnero", "journeybee"}) {
    auto& vo = options.vendors[v];
    vo.config.base_url = "https://sandbox.test";
    vo.config.api_key = core.api_key(v);
    vo.rate_limit = pk::RateLimit{0, 1};
  }
  auto& to = options.vendors["tolt"];
  to.config.base_url = "https://sandbox.test";
  to.config.api_key = tolt->default_key();
  to.config.settings = loaded->simulators[0].client_settings;  // {"program_id":"prg_sandbox"}
  to.rate_limit = pk::RateLimit{0, 1};
  options.jitter_seed = 1;
  pk::Client client(ioc.get_executor(), registry, transport, options);

  auto run = [&] {
    std::size_t next = 0;
    pk::ItemSource source = [&next]() -> std::optional<pk::InputItem> {
      if (next == 3) return std::nullopt;
      pk::PartnerSpec s;
      s.email = "partner" + std::to_string(next) + "@acme" + std::to_string(next) + ".example";
      s.name = "Partner Number" + std::to_string(next);
      s.company = "Acme " + std::to_string(next);
      pk::InputItem item;
      item.index = next;
      item.line = next + 1;
      item.spec = s;
      ++next;
      return item;
    };
    pk::BatchOptions bo;
    bo.vendors = {"dub", "partnero", "journeybee", "tolt"};
    bo.concurrency = 2;
    std::vector<pk::BatchResult> results;
    bo.on_result = [&](const pk::BatchResult& r) { results.push_back(r); };
    auto fut = pk::async_provision_batch(client, source, bo, boost::asio::use_future);
    ioc.restart();
    ioc.run();
    return std::pair{fut.get(), results};
  };

  auto [summary, results] = run();
  EXPECT_EQ(summary.results, 12u);
  EXPECT_EQ(summary.succeeded, 12u) << "failed: " << summary.failed;
  std::size_t tolt_ok = 0;
  for (const auto& r : results) {
    EXPECT_TRUE(r.result) << r.vendor << ": " << (r.result ? "" : r.result.error().message);
    if (r.vendor == "tolt" && r.result) {
      ++tolt_ok;
      EXPECT_TRUE(r.result->id && r.result->id->rfind("part_", 0) == 0);
      EXPECT_EQ(r.result->links.at(0).key, "partner-number" + std::to_string(r.index));
    }
  }
  EXPECT_EQ(tolt_ok, 3u);
  EXPECT_EQ(tolt->partner_count(), 3u);
  EXPECT_EQ(core.vendor("dub").partner_count(), 3u);
  EXPECT_EQ(core.vendor("partnero").partner_count(), 3u);
  EXPECT_EQ(core.vendor("journeybee").partner_count(), 3u);

  // Run again: Dub upserts (success), the creating vendors answer already_exists, Tolt's 409 names
  // the email; nothing is created twice.
  auto [again, again_results] = run();
  EXPECT_EQ(again.results, 12u);
  for (const auto& r : again_results) {
    if (r.vendor == "tolt") {
      ASSERT_FALSE(r.result);
      EXPECT_EQ(r.result.error().code, pk::errc::already_exists);
      EXPECT_EQ(r.result.error().field, "email");
    }
  }
  EXPECT_EQ(tolt->partner_count(), 3u);
}

}  // namespace
