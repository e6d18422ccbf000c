// Batch provisioning: a stream of input items, each sent to one or more vendors, with bounded
// concurrency per vendor, the Client's shared rate limits, an optional journal for exactly-once
// resume, one result per (item, vendor) delivered as it completes, and a progress callback.
#pragma once

#include <partnerkit/client.hpp>
#include <partnerkit/input.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace partnerkit {

// Pulls the next input item; nullopt at the end. Called on the batch's strand (the client's executor
// itself under ClientOptions::single_threaded), only when there is room in flight, so a streaming
// reader keeps memory bounded by concurrency.
using ItemSource = std::function<std::optional<InputItem>()>;

struct BatchResult {
  std::size_t index = 0;  // the input item's index
  std::size_t line = 0;   // its line in the input, when known
  std::string vendor;
  std::string email;
  Result<Partner> result = Error{};
  bool from_journal = false;  // finished by an earlier run: not sent again; result rebuilt from the journal
  std::chrono::microseconds latency{0};
};

struct BatchProgress {
  std::size_t read = 0;      // input items read
  std::size_t finished = 0;  // results delivered
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::size_t in_flight = 0;
};

// One (item, vendor) as a batch operation sees it.
struct BatchItem {
  std::size_t index = 0;
  const PartnerSpec& spec;            // the spec (with a derived external id, see BatchOptions)
  const boost::json::object& extras;  // InputItem::extras (e.g. partner_id)
  // The journal says an earlier run started this (item, vendor) and did not finish it.
  bool may_have_been_applied = false;
};

using BatchItemHandler = boost::asio::any_completion_handler<void(Result<Partner>)>;
// What a batch does with each (item, vendor): start one operation on the client and complete the
// handler once (on any thread; the batch hands it on to its own strand).
using BatchOperation = std::function<void(Client& client, const std::string& vendor, const BatchItem& item,
                                          BatchItemHandler handler)>;

struct BatchOptions {
  std::vector<std::string> vendors;  // every item goes to each of these
  std::size_t concurrency = 16;      // operations in flight per vendor
  std::string journal_path;          // empty: no journal
  std::function<void(const BatchResult&)> on_result;
  std::function<void(const BatchProgress&)> on_progress;
  // How a create that may have been applied (a journaled `started` item, an ambiguous attempt) is
  // reconciled: see Reconcile (client.hpp). Default: by lookup where the vendor has one.
  Reconcile reconcile = Reconcile::lookup;
  // Opt-in: an item without external_id gets one derived from its email and this namespace
  // (derive_external_id()), for every vendor that carries external_id, so a lookup by external id
  // finds exactly it on any later run. Empty: off.
  std::string derive_external_id_namespace;
  // Empty: provision (async_provision with `reconcile`). Else this runs per (item, vendor), and
  // `operation_name` ("update", "deactivate", ...) is written in the journal: a journal of another
  // operation is refused.
  BatchOperation operation;
  std::string operation_name = "create";
  // With a journal: each item's `started` record is fdatasync'ed before its request is sent (one
  // sync covers every item started meanwhile). False: flushed to the OS only (a killed process
  // loses nothing; a machine crash may lose the last records).
  bool journal_sync = true;
  // False: BatchResult's Partner::raw is left null (ProvisionOptions::keep_raw; provision only).
  bool keep_raw = true;
};

// The external id a batch derives for an item without one: "pk-" and 32 hex digits of a 128-bit
// hash of the namespace and the lower-cased, trimmed email. Stable across runs, machines and
// versions (a test pins it); not a secret and not meant to be one.
std::string derive_external_id(std::string_view name_space, std::string_view email);

struct BatchSummary {
  std::size_t items = 0;    // input items read
  std::size_t results = 0;  // results delivered (items × vendors, unless cancelled)
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::size_t from_journal = 0;
  std::map<std::string, std::size_t> by_outcome;  // created / updated / existing
  std::map<std::string, std::size_t> by_error;    // errc names
  std::size_t requests = 0;                       // requests sent (attempts summed)
  std::size_t retries = 0;                        // requests beyond the first per result
  std::chrono::duration<double> elapsed{0};
  std::chrono::microseconds p50_latency{0};
  std::chrono::microseconds p99_latency{0};
  bool cancelled = false;             // stopped early: items not started were left for a resume
  std::optional<Error> fatal;         // the batch could not run or read on (bad journal, unreadable input)
  std::vector<std::string> warnings;  // e.g. damaged journal lines that were skipped
  std::size_t journal_syncs = 0;      // fdatasync calls made for started records (group commit)
};

namespace detail {
using batch_handler = boost::asio::any_completion_handler<void(BatchSummary)>;
void start_batch(Client& client, ItemSource source, BatchOptions options, batch_handler handler);
}  // namespace detail

// Runs a batch. Completion signature: void(BatchSummary), on the handler's associated executor
// (default: the client's), never inline. Cancellation (terminal, partial or total, through the
// handler's slot) stops reading input; items in flight finish and are journaled.
// The client must outlive the operation.
template <class Token = boost::asio::deferred_t>
auto async_provision_batch(Client& client, ItemSource source, BatchOptions options, Token&& token = {}) {
  return boost::asio::async_initiate<Token, void(BatchSummary)>(
      [&client](auto handler, ItemSource s, BatchOptions o) {
        detail::start_batch(client, std::move(s), std::move(o), detail::batch_handler(std::move(handler)));
      },
      token, std::move(source), std::move(options));
}

}  // namespace partnerkit
