// partnerkit::Client — one call that provisions a partner on any registered vendor.
#pragma once

#include <partnerkit/adapter_registry.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/options.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>
#include <partnerkit/policy/pacer.hpp>
#include <partnerkit/transport.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <memory>
#include <string>
#include <vector>

namespace partnerkit {
namespace detail {
struct ClientState;
}

// The pacing of one (vendor, API key) so far: which rate it runs at and why. The key itself is never
// included; `key` numbers a vendor's keys (1, 2, ...) when there are several.
struct PacingReport {
  std::string vendor;
  int key = 1;
  policy::PacerStatus status;
};

struct ProvisionOptions {
  // An earlier attempt, e.g. one a killed batch journaled as started, may have been applied:
  // an already_exists answer then means outcome `existing`, not a failure.
  bool may_have_been_applied = false;
};

class Client {
 public:
  using executor_type = boost::asio::any_io_executor;
  using provision_signature = void(Result<Partner>);
  using provision_handler = boost::asio::any_completion_handler<provision_signature>;

  // Owns nothing global. The registry and transport are shared so several Clients can use them.
  Client(executor_type executor, std::shared_ptr<const AdapterRegistry> registry,
         std::shared_ptr<Transport> transport, ClientOptions options);
  // Cancels outstanding operations: their handlers complete with errc::cancelled.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  executor_type get_executor() const noexcept;
  const ClientOptions& options() const noexcept;

  // Validates, encodes, sends with retry / backoff / rate limiting, and decodes.
  //
  // Completion signature: void(Result<Partner>). Vendor and network failures arrive as an Error
  // value, never as an exception. The handler runs on its associated executor (default: the
  // Client's), never inline from this call. Cancellation: terminal, partial and total types are
  // honoured through the handler's cancellation slot; the result is then errc::cancelled
  // (a request already written may still have been applied by the vendor).
  // Works with callbacks, asio::use_future, asio::use_awaitable and asio::deferred (the default).
  template <class Token = boost::asio::deferred_t>
  auto async_provision(std::string vendor, PartnerSpec spec, ProvisionOptions options, Token&& token = {}) {
    return boost::asio::async_initiate<Token, provision_signature>(
        [this](auto handler, std::string v, PartnerSpec s, ProvisionOptions o) {
          start_provision(std::move(v), std::move(s), o, provision_handler(std::move(handler)));
        },
        token, std::move(vendor), std::move(spec), options);
  }

  template <class Token = boost::asio::deferred_t>
  auto async_provision(std::string vendor, PartnerSpec spec, Token&& token = {}) {
    return async_provision(std::move(vendor), std::move(spec), ProvisionOptions{},
                           std::forward<Token>(token));
  }

  // Blocking convenience for simple programs. The executor must be run by another thread
  // (e.g. an io_context on a std::thread or an asio::thread_pool); never call it from that thread.
  Result<Partner> provision(std::string vendor, PartnerSpec spec, ProvisionOptions options = {});

  // One entry per (vendor, API key) used so far. Thread-safe.
  std::vector<PacingReport> pacing() const;

 private:
  void start_provision(std::string vendor, PartnerSpec spec, ProvisionOptions options,
                       provision_handler handler);

  std::shared_ptr<detail::ClientState> state_;
};

}  // namespace partnerkit
