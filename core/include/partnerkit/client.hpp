// partnerkit::Client — one call that provisions a partner on any registered vendor, and the
// operations beyond create (find, get, update, deactivate), all through one policy layer.
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

#include <cstdint>
#include <memory>
#include <optional>
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

// How a create that may have been applied is reconciled before anything is sent again.
enum class Reconcile : unsigned char {
  // Ask the vendor (find by external id, then by email; matched exactly on our side): found ->
  // outcome `existing` with its id and referral link, not found -> create. An already_exists answer
  // is looked up too. Vendors without a lookup fall back to `duplicate`.
  lookup,
  // Send the create again and take an already_exists answer naming the partner as `existing`
  // (without the partner's id: the answer does not carry it).
  duplicate,
};

struct ProvisionOptions {
  // An earlier attempt, e.g. one a killed batch journaled as started, may have been applied: the
  // partner is looked up before the create is sent (Reconcile::lookup), or an already_exists
  // answer means outcome `existing`, not a failure (Reconcile::duplicate).
  bool may_have_been_applied = false;
  Reconcile reconcile = Reconcile::lookup;
  // False: the result's Partner::raw is left null (a caller that never reads the vendor's JSON,
  // like the CLI, saves its scrubbing and copies).
  bool keep_raw = true;
};

class Client;
namespace detail {
// An operation's answer: one partner, or the error its retries ended with.
using PartnersResult = Result<std::vector<Partner>>;
// Its partner (the first; none is errc::internal), moved once: built where the caller returns it.
inline Result<Partner> first_partner(PartnersResult&& r) {
  if (!r) return r.error();  // (result::error() is a copy)
  if (r->empty()) return Error::make(errc::internal, "an operation completed without a partner");
  return std::move(r->front());
}

// The batch's create (batch.cpp): Client::async_provision's operation and rules, with the spec by
// reference (~1.4 KB: each move costs) and the answer handed to `sink` by a call instead of an Asio
// handler: an any_completion_handler's boxing, its executor's hop (a strand's, through a type-erased
// executor) and the boxes of the result cost ~1.5k instructions a create. No cancellation slot (a
// batch cancels by starting no more items; ~Client still cancels the op). `sink` is kept alive by
// the op until it is done.
class ProvisionSink {
 public:
  // Once per op, with `ticket` as given, from a handler of the op on the client's executor (never
  // inline from start_batch_provision; any thread of that executor). Must not throw (an exception
  // is taken as the op's own failure, and its result is lost).
  virtual void provision_done(std::uint64_t ticket, PartnersResult&& result) = 0;

 protected:
  ~ProvisionSink() = default;
};
void start_batch_provision(Client& client, std::string vendor, PartnerSpec&& spec, ProvisionOptions options,
                           std::shared_ptr<ProvisionSink> sink, std::uint64_t ticket);
}  // namespace detail

std::string_view to_string(Reconcile r) noexcept;
std::optional<Reconcile> reconcile_from_string(std::string_view s) noexcept;

class Client {
 public:
  using executor_type = boost::asio::any_io_executor;
  using provision_signature = void(Result<Partner>);
  using provision_handler = boost::asio::any_completion_handler<provision_signature>;
  using find_signature = void(Result<std::optional<Partner>>);
  using find_handler = boost::asio::any_completion_handler<find_signature>;

  // Owns nothing global. The registry and transport are shared so several Clients can use them.
  Client(executor_type executor, std::shared_ptr<const AdapterRegistry> registry,
         std::shared_ptr<Transport> transport, ClientOptions options);
  // Cancels outstanding operations: their handlers complete with errc::cancelled.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  executor_type get_executor() const noexcept;
  const ClientOptions& options() const noexcept;
  const std::shared_ptr<const AdapterRegistry>& registry() const noexcept;

  // Validates, encodes, sends with retry / backoff / rate limiting, and decodes.
  // A create that may have been applied (a timeout or reset after the request was written, or
  // ProvisionOptions::may_have_been_applied) is reconciled before it is sent again: see Reconcile.
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
        [this](auto handler, std::string v, PartnerSpec&& s, ProvisionOptions o) {
          start_provision(std::move(v), std::move(s), o, provision_handler(std::move(handler)));
        },
        token, std::move(vendor), std::move(spec), options);
  }

  template <class Token = boost::asio::deferred_t>
  auto async_provision(std::string vendor, PartnerSpec spec, Token&& token = {}) {
    return async_provision(std::move(vendor), std::move(spec), ProvisionOptions{},
                           std::forward<Token>(token));
  }

  // ---- Operations beyond create ----
  // Each behaves as async_provision does: the same completion tokens, executor and cancellation
  // rules, errors as values, retries with backoff, the same rate limit per (vendor, key) as
  // creates, and ClientOptions::call_timeout over all attempts. An operation the vendor's adapter
  // does not declare (Capabilities::operations) fails with errc::unsupported_operation and sends
  // nothing. Retries: these operations read or set state, so repeating them is safe; they are
  // retried on every retryable error.

  // Looks a partner up by external id, email or vendor id. Completion signature:
  // void(Result<std::optional<Partner>>): nullopt when no partner matches. The vendor's answer is
  // compared exactly on our side (emails case-insensitively, vendor ids byte for byte); several
  // partners matching is errc::protocol naming them. Partner::outcome is `existing`.
  template <class Token = boost::asio::deferred_t>
  auto async_find(std::string vendor, FindQuery query, Token&& token = {}) {
    return boost::asio::async_initiate<Token, find_signature>(
        [this](auto handler, std::string v, FindQuery q) {
          start_find(std::move(v), std::move(q), find_handler(std::move(handler)));
        },
        token, std::move(vendor), std::move(query));
  }

  // One partner by the vendor's id. void(Result<Partner>); a missing partner is errc::not_found.
  // Partner::outcome is `existing`.
  template <class Token = boost::asio::deferred_t>
  auto async_get(std::string vendor, std::string partner_id, Token&& token = {}) {
    return boost::asio::async_initiate<Token, provision_signature>(
        [this](auto handler, std::string v, std::string id) {
          start_get(std::move(v), std::move(id), provision_handler(std::move(handler)));
        },
        token, std::move(vendor), std::move(partner_id));
  }

  // Changes the fields set in `changes` (a field is set when its optional holds a value or its
  // list is not empty; `email` when not empty). Only the vendor's updatable fields
  // (Capabilities::operations.updatable_fields) are sent; any other set field fails the call with
  // errc::unsupported_field in strict mode (VendorConfig::strict), else it is dropped with a
  // warning on the result. The set fields are validated as a create's are. Nothing left to change
  // is errc::invalid_input. void(Result<Partner>); Partner::outcome is `updated`.
  template <class Token = boost::asio::deferred_t>
  auto async_update(std::string vendor, std::string partner_id, PartnerSpec changes, Token&& token = {}) {
    return boost::asio::async_initiate<Token, provision_signature>(
        [this](auto handler, std::string v, std::string id, PartnerSpec c) {
          start_update(std::move(v), std::move(id), std::move(c), provision_handler(std::move(handler)));
        },
        token, std::move(vendor), std::move(partner_id), std::move(changes));
  }

  // Turns a partner off the way the vendor does (Capabilities::operations.deactivate_semantics:
  // deactivate, archive, suspend or ban). void(Result<Partner>); Partner::outcome is `updated`.
  template <class Token = boost::asio::deferred_t>
  auto async_deactivate(std::string vendor, std::string partner_id, DeactivateOptions options,
                        Token&& token = {}) {
    return boost::asio::async_initiate<Token, provision_signature>(
        [this](auto handler, std::string v, std::string id, DeactivateOptions o) {
          start_deactivate(std::move(v), std::move(id), std::move(o), provision_handler(std::move(handler)));
        },
        token, std::move(vendor), std::move(partner_id), std::move(options));
  }

  // Blocking convenience for simple programs. The executor must be run by another thread
  // (e.g. an io_context on a std::thread or an asio::thread_pool); never call it from that thread.
  Result<Partner> provision(std::string vendor, PartnerSpec spec, ProvisionOptions options = {});
  Result<std::optional<Partner>> find(std::string vendor, FindQuery query);
  Result<Partner> get(std::string vendor, std::string partner_id);
  Result<Partner> update(std::string vendor, std::string partner_id, PartnerSpec changes);
  Result<Partner> deactivate(std::string vendor, std::string partner_id, DeactivateOptions options = {});

  // One entry per (vendor, API key) used so far. Thread-safe.
  std::vector<PacingReport> pacing() const;

 private:
  friend void detail::start_batch_provision(Client&, std::string, PartnerSpec&&, ProvisionOptions,
                                            std::shared_ptr<detail::ProvisionSink>, std::uint64_t);
  // The spec by reference down to the operation that keeps it (~1.4 KB: each move costs).
  void start_provision(std::string vendor, PartnerSpec&& spec, ProvisionOptions options,
                       provision_handler handler);
  void start_find(std::string vendor, FindQuery query, find_handler handler);
  void start_get(std::string vendor, std::string partner_id, provision_handler handler);
  void start_update(std::string vendor, std::string partner_id, PartnerSpec changes,
                    provision_handler handler);
  void start_deactivate(std::string vendor, std::string partner_id, DeactivateOptions options,
                        provision_handler handler);

  std::shared_ptr<detail::ClientState> state_;
};

}  // namespace partnerkit
