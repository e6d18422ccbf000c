// What one queue item asks for, read from its stored JSON (the `spec` column):
// - create: a PartnerSpec (spec_json's shape, without secrets);
// - find, get, update, deactivate: the same shape naming the partner — "partner_id" (the vendor's
//   id, a string, or an object by vendor as in the CLI's rows) when the CRM knows it, else the
//   spec's external_id, then its email, looked up where the vendor can; update's other fields are
//   the changes; deactivate also takes "permanent" (bool) and "reason" (string).
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/partner_spec.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>

namespace partnerkit::pg {

struct QueuedOperation {
  Operation operation = Operation::create;
  PartnerSpec spec;  // create: the partner; update: the changes; else only its lookup keys count
  std::optional<std::string> partner_id;
  DeactivateOptions deactivate;
};

// invalid_input naming the member when the payload is not what its operation takes.
Result<QueuedOperation> read_queued_operation(Operation operation, const std::string& vendor,
                                              const boost::json::object& payload);

// Whether the vendor can do what the item asks, lookups included (the worker checks before the
// intent: nothing is recorded as about to be sent that could not be).
bool declares(const OperationSupport& ops, const QueuedOperation& q);

// One item's requests: a create (looked up first when reconciling), or an operation on the partner
// it names (its partner_id, else the one a lookup finds). nullopt: a find that matched nobody.
boost::asio::awaitable<Result<std::optional<Partner>>> run_operation(std::shared_ptr<Client> client,
                                                                     std::string vendor, OperationSupport ops,
                                                                     QueuedOperation q, bool reconciling,
                                                                     bool keep_raw);

// What the event log keeps of an answer: enough to audit it, nothing a vendor echoed.
boost::json::value response_detail(const Result<std::optional<Partner>>& r);

}  // namespace partnerkit::pg
