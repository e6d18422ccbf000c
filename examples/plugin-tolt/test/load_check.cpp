// What a program embedding partnerkit does with the plugin: load it into a registry beside the
// built-ins, then provision one partner through the loaded adapter against the simulator the
// plugin registered (no network). Exit 0 when all of it worked.
#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/plugin.hpp>
#include <partnerkit/sandbox/vendors.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tolt_load_check PLUGIN.so\n";
    return 2;
  }
  auto registry = partnerkit::make_default_registry();
  auto loaded = partnerkit::load_plugin(argv[1], *registry);
  if (!loaded) {
    std::cerr << loaded.error().message << "\n";
    return 1;
  }
  auto adapter = registry->find("tolt");
  if (!adapter || loaded->simulators.size() != 1) {
    std::cerr << "the plugin did not register the tolt adapter and its simulator\n";
    return 1;
  }
  auto simulator =
      partnerkit::sandbox::make_plugin_simulator(loaded->simulators[0], partnerkit::SimulatorParams{{}, 1});

  partnerkit::PartnerSpec spec;
  spec.email = "sam@example.com";
  spec.name = "Sam Rivera";
  partnerkit::VendorConfig config;
  config.base_url = "https://127.0.0.1:1";
  config.api_key = simulator->default_key();
  config.settings = loaded->simulators[0].client_settings;
  auto request = adapter->encode(spec, config);
  if (!request) {
    std::cerr << "encode: " << request.error().message << "\n";
    return 1;
  }
  partnerkit::DecodeContext context;
  context.spec = &spec;
  context.config = &config;
  auto partner = adapter->decode(simulator->handle(request->request), context);
  if (!partner) {
    std::cerr << "decode: " << partner.error().message << "\n";
    return 1;
  }
  auto again = adapter->decode(simulator->handle(request->request), context);
  if (again || again.error().code != partnerkit::errc::already_exists) {
    std::cerr << "a duplicate was not refused with already_exists\n";
    return 1;
  }
  for (const auto& n : registry->names()) std::cout << n << "\n";
  std::cout << "tolt partner " << *partner->id << " link " << partner->links.at(0).key << "\n";
  return 0;
}
