// The sandbox server: the three vendor simulators (core.hpp) served over real HTTPS by Beast, with
// a certificate from a CA generated at start. What `partnerkit sandbox`, `provision --sandbox`, the
// integration tests, the soak and the benchmarks run against.
//
//   partnerkit::sandbox::Sandbox sb;                       // listening on 127.0.0.1:<ephemeral>
//   TransportOptions t; t.ca_pem = sb.ca_pem();            // trust its CA (verification stays on)
//   ClientOptions o; o.vendors["dub"].config = sb.vendor_config("dub");   // base URL + test key
//   ... provision ...; sb.state() shows what was stored and the per-key counters.
//
// Threads: the Sandbox owns its io_context and runs it on `threads` threads of its own, started by
// the constructor and joined by stop() (or the destructor). Each connection lives on its own strand;
// the core is thread-safe. All public members may be called from any thread.
//
// Per connection: TLS handshake (10 s limit), then HTTP/1.1 keep-alive requests, one at a time (a
// pipelined request waits for the previous answer). A connection idle for `idle_timeout` is closed.
// Headers are capped at 16 KiB (over: the connection is closed), bodies at config.max_body_bytes
// (over: 413, then close). Faults are carried out as core.hpp's Action says: RST for reset, FIN
// without a TLS close_notify for apply-then-drop and after a truncated answer, silence for stall.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/sandbox/core.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace partnerkit::sandbox {

struct SandboxOptions {
  // The address to listen on. Keep it loopback: the certificate names 127.0.0.1, ::1 and localhost
  // (plus `host` itself when it is another IP address).
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see Sandbox::port()
  unsigned threads = 1;    // io_context threads (at least 1)
  std::chrono::seconds idle_timeout{60};
  // Vendors' keys and settings, rate limit, faults, seed, body cap, clock.
  SandboxConfig config;
};

class Sandbox {
 public:
  // Generates the CA and the server certificate, binds, listens and starts the threads: the
  // sandbox is serving when the constructor returns. Throws boost::system::system_error when it
  // cannot bind (or `host` is not an IP address),
  // std::invalid_argument for bad options (threads == 0), std::runtime_error for OpenSSL failures.
  explicit Sandbox(SandboxOptions options = {});
  // stop().
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // The bound port.
  std::uint16_t port() const noexcept;
  // "https://127.0.0.1:<port>" (IPv6 hosts in brackets). Every vendor is served at the root (the
  // vendors' paths do not clash), so this is the base URL of each; `vendor` is checked only
  // (std::out_of_range for an unknown one) and may be empty.
  std::string base_url(std::string_view vendor = {}) const;
  // The base URL and the first write key of a vendor (plus a plugin simulator's client_settings):
  // a ready VendorConfig for ClientOptions.
  VendorConfig vendor_config(std::string_view vendor) const;
  // The first write key of a vendor ("sk_test_dub", "pk_test_partnero", "jb_test_journeybee" by
  // default).
  std::string api_key(std::string_view vendor) const;

  // The CA certificate (PEM) that issued the server certificate: what a client trusts.
  const std::string& ca_pem() const noexcept;
  // Writes ca_pem() to a new file (for curl --cacert, the CLI's --ca-file) with O_EXCL|O_NOFOLLOW:
  // an existing file or a symlink at `path` is an error, never overwritten. Throws on failure.
  void write_ca(const std::string& path) const;

  // The same JSON as GET /__sandbox/state (see SandboxCore::state).
  boost::json::object state(bool include_partners = true) const;
  // The decision core: counters(), vendor simulators, reset().
  SandboxCore& core() noexcept;
  const SandboxCore& core() const noexcept;

  // Stops accepting, closes every connection (stalled ones too), joins the threads. Idempotent.
  // Stored state stays readable afterwards.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace partnerkit::sandbox
