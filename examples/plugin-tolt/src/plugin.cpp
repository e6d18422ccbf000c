// The plugin's one entry point: PARTNERKIT_PLUGIN writes the extern "C" handshake and register
// functions; register_tolt adds the adapter, and the sandbox simulator for `partnerkit sandbox` /
// `provision --sandbox`.
#include <tolt/plugin.hpp>
#include <tolt/tolt_adapter.hpp>
#include <tolt/tolt_simulator.hpp>

namespace tolt {

void register_tolt(partnerkit::PluginRegistrar& registrar) {
  registrar.add_adapter(std::make_shared<const ToltAdapter>());
  // The simulator knows one program, "prg_sandbox": clients of the sandbox need it in their settings.
  registrar.add_simulator(
      "tolt",
      [](const partnerkit::SimulatorParams& params) {
        return std::make_unique<ToltSimulator>(ToltSimulatorOptions{}, params.clock, params.seed);
      },
      boost::json::object{{"program_id", "prg_sandbox"}});
}

}  // namespace tolt

PARTNERKIT_PLUGIN("tolt", tolt::register_tolt)
