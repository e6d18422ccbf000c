#include "queued_operation.hpp"

#include <partnerkit/spec_json.hpp>

namespace partnerkit::pg {

namespace json = boost::json;

namespace {

Error bad(std::string field, std::string message) {
  return Error::make(errc::invalid_input, "spec: " + message, std::move(field));
}

}  // namespace

Result<QueuedOperation> read_queued_operation(Operation operation, const std::string& vendor,
                                              const json::object& payload) {
  QueuedOperation q;
  q.operation = operation;
  json::object rest = payload;
  if (const auto* id = rest.if_contains("partner_id")) {
    if (operation == Operation::create) return bad("partner_id", "a create takes no partner_id");
    const json::value* v = id;
    if (const auto* by_vendor = v->if_object()) v = by_vendor->if_contains(vendor);
    if (v != nullptr && !v->is_null()) {
      if (v->is_string() && !v->get_string().empty())
        q.partner_id.emplace(v->get_string());
      else if (v->is_int64())
        q.partner_id = std::to_string(v->get_int64());
      else if (v->is_uint64())
        q.partner_id = std::to_string(v->get_uint64());
      else
        return bad("partner_id",
                   "partner_id must be a non-empty string or integer, or an object of them by vendor");
    }
    rest.erase("partner_id");
  }
  for (const char* member : {"permanent", "reason"}) {
    const auto* v = rest.if_contains(member);
    if (v == nullptr) continue;
    if (operation != Operation::deactivate)
      return bad(member, std::string(member) + " is a deactivate's option, not a " +
                             std::string(to_string(operation)) + "'s");
    if (std::string_view(member) == "permanent") {
      if (!v->is_bool()) return bad(member, "permanent must be true or false");
      q.deactivate.permanent = v->get_bool();
    } else {
      if (!v->is_string()) return bad(member, "reason must be a string");
      q.deactivate.reason = std::string(v->get_string());
    }
    rest.erase(member);
  }
  auto spec = spec_from_json(json::value(std::move(rest)));
  if (!spec) {
    Error e = spec.error();
    e.message = "spec: " + e.message;
    return e;
  }
  q.spec = std::move(*spec);
  const bool named =
      q.partner_id || (q.spec.external_id && !q.spec.external_id->empty()) || !q.spec.email.empty();
  if (operation != Operation::create && !named)
    return bad("partner_id", "a " + std::string(to_string(operation)) +
                                 " names its partner: partner_id, external_id or email");
  return q;
}

}  // namespace partnerkit::pg
