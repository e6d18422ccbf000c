// The root of the vendor simulators a plugin can add (plugin.hpp's SimulatorFactory).
#pragma once

namespace partnerkit {

// All core knows of a vendor simulator: an object it can destroy. The sandbox defines the interface
// (sandbox::VendorSimulator in <partnerkit/sandbox/vendors.hpp> derives from this) and asks for it
// with dynamic_cast, so core depends on no sandbox type.
class Simulator {
 public:
  virtual ~Simulator();  // out of line (plugin/handshake.cpp): one type_info, in core, for every plugin
};

}  // namespace partnerkit
