// What one queue item asks for, read from its stored JSON (the `spec` column):
// - create: a PartnerSpec (spec_json's shape, without secrets);
// - find, get, update, deactivate: the same shape naming the partner — "partner_id" (the vendor's
//   id, a string, or an object by vendor as in the CLI's rows) when the CRM knows it, else the
//   spec's external_id, then its email, looked up where the vendor can; update's other fields are
//   the changes; deactivate also takes "permanent" (bool) and "reason" (string).
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/partner_spec.hpp>

#include <boost/json/object.hpp>

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

}  // namespace partnerkit::pg
