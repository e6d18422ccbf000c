// The sans-I/O heart of the sandbox: routes a request to a vendor simulator and layers the rate
// limit, the injected faults and the counters on top. It decides everything (answer, fault, delay);
// the server (sandbox.hpp) only carries the decision out on a socket. Thread-safe.
//
// Order per request: route (404/405) -> body cap (413) -> authentication (400/401) -> rate limit
// per (vendor, key) (429) -> fault draw -> the vendor's own handling (403, 4xx, 201/409/...).
// Requests refused before the rate limit draw no fault.
#pragma once

#include <partnerkit/http.hpp>
#include <partnerkit/plugin.hpp>
#include <partnerkit/sandbox/faults.hpp>
#include <partnerkit/sandbox/rate_limit.hpp>
#include <partnerkit/sandbox/vendors.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace partnerkit::sandbox {

// The built-in vendors the sandbox simulates, by their adapter names (plugins may add more:
// SandboxCore::vendor_names()).
inline constexpr const char* vendor_names[] = {"dub", "partnero", "journeybee"};

struct SandboxConfig {
  DubOptions dub;
  PartneroOptions partnero;
  JourneyBeeOptions journeybee;
  // The limit of every (vendor, key); default: none.
  RateLimitOptions rate_limit;
  // Per-vendor overrides of rate_limit, by vendor name ("dub", "partnero", "journeybee").
  std::map<std::string, RateLimitOptions, std::less<>> vendor_rate_limits;
  FaultSpec faults;
  // Seeds the fault draws and the generated ids: the same seed and the same request sequence give
  // the same faults and ids.
  std::uint64_t seed = 1;
  // Request bodies above this answer 413 (and the connection is closed).
  std::size_t max_body_bytes = 1 << 20;
  // Time source for rate limits and timestamps; empty: std::chrono::system_clock::now.
  Clock clock;
  // Simulators of plugin vendors (LoadedPlugin::simulators from load_plugin): each factory is
  // called once with this config's clock and seed, and its routes are served beside the built-ins
  // with the same rate limit, faults, counters and state. A factory throwing, returning null, or a
  // name already taken makes the SandboxCore constructor throw std::invalid_argument.
  std::vector<PluginSimulator> plugin_simulators;
};

// Where a request came from, as the server saw it.
struct RequestContext {
  bool peer_is_loopback = true;  // /__sandbox/* answers only loopback peers (403 otherwise)
  bool body_too_large = false;   // the server stopped reading at max_body_bytes: answer 413
};

// What to do with one request.
enum class Action {
  respond,   // send `response`
  reset,     // close with a TCP RST, send nothing (not applied)
  drop,      // apply-then-drop: close (FIN), send nothing (applied)
  truncate,  // send the first half of the serialized `response`, then close (applied)
  stall,     // send nothing, keep the connection until the client closes it (not applied)
};

// How one request is disposed of (named apart from partnerkit::Outcome, a provisioning result).
struct Disposition {
  Action action = Action::respond;
  HttpResponse response;               // respond and truncate
  std::chrono::milliseconds delay{0};  // wait this long before acting (fault spec latency)
  FaultKind fault = FaultKind::none;
  bool close = false;        // close the connection after answering (413)
  bool early_hints = false;  // respond: send an interim 103 Early Hints before `response`
  std::string vendor;        // empty for unrouted and /__sandbox requests
};

// Per (vendor, key) counters. Faults are counted when decided.
struct Counters {
  std::uint64_t requests = 0;      // every request routed to the vendor under this key label
  std::uint64_t answered_2xx = 0;  // full answers sent (respond), by status class
  std::uint64_t answered_4xx = 0;
  std::uint64_t answered_5xx = 0;
  std::uint64_t rate_limited = 0;               // 429s (also counted in answered_4xx)
  std::map<std::string, std::uint64_t> faults;  // by to_string(FaultKind): "5xx", "reset", ...
  boost::json::object to_json() const;
};

class SandboxCore {
 public:
  explicit SandboxCore(SandboxConfig config = {});
  ~SandboxCore();
  SandboxCore(const SandboxCore&) = delete;
  SandboxCore& operator=(const SandboxCore&) = delete;

  // Decides one request. `request.url` may be absolute or origin-form ("/partners?x").
  // Routes: POST /partners (dub); POST /v1/partners, /v1/partners:invite (partnero); POST
  // /api/v1/partnerships, /api/v1/companies/{id}/partnerships (journeybee); GET /__sandbox/state
  // (state() as JSON; "?partners=false": counters only); DELETE /__sandbox/state (reset(), 204).
  // Anything else 404, a wrong method 405.
  Disposition handle(const HttpRequest& request, const RequestContext& context = {});

  // {"vendors":{"dub":{"partners":[...],"counters":{"<key label>":{...}}},"partnero":{...,
  //  "invites":[...]},"journeybee":{...}},"unrouted":N,"faults":"<spec>","rate_limit":{...}}.
  // Partners are listed in creation order; secrets (Partnero passwords) are never included.
  // include_partners = false (GET /__sandbox/state?partners=false): counters only, each vendor's
  // "partners" replaced by "partner_count" (cheap with hundreds of thousands of partners).
  boost::json::object state(bool include_partners = true) const;
  // The counters of one (vendor, key label); zeros when none.
  Counters counters(std::string_view vendor, std::string_view key_label) const;
  // Forgets every partner, counter and rate-limit bucket (faults keep their RNG position).
  void reset();

  VendorSimulator& vendor(std::string_view name);  // throws std::out_of_range for an unknown name
  const VendorSimulator& vendor(std::string_view name) const;
  DubSimulator& dub() noexcept;
  PartneroSimulator& partnero() noexcept;
  JourneyBeeSimulator& journeybee() noexcept;
  // The first write key of a vendor (what clients should send).
  std::string api_key(std::string_view vendor) const;
  // Every simulated vendor: "dub", "partnero", "journeybee", then the plugin vendors.
  std::vector<std::string> vendor_names() const;
  // The VendorConfig::settings a client of this vendor needs (a plugin's client_settings; empty
  // for the built-ins).
  boost::json::object client_settings(std::string_view vendor) const;
  const SandboxConfig& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace partnerkit::sandbox
