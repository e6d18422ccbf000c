// A minimal plugin host for the install test: loads each plugin given on the command line into
// the default registry and prints the registered vendors, one per line ("tolt" among them).
#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/plugin.hpp>

#include <iostream>

int main(int argc, char** argv) {
  auto registry = partnerkit::make_default_registry();
  for (int i = 1; i < argc; ++i) {
    auto r = partnerkit::load_plugin(argv[i], *registry);
    if (!r) {
      std::cerr << r.error().message << "\n";
      return 1;
    }
    std::cerr << "loaded " << r->name << " (built with partnerkit " << r->built_with
              << "): " << r->vendors.size() << " adapter(s), " << r->simulators.size() << " simulator(s)\n";
  }
  for (const auto& n : registry->names()) std::cout << n << "\n";
  return 0;
}
