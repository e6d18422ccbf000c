// How a queue item's operation is carried out (queued_operation.hpp): which operations a vendor
// can do for an item, the requests through the Client, and what the event log keeps of the answer.
#include "queued_operation.hpp"

#include <partnerkit/lookup.hpp>

#include <boost/asio/use_awaitable.hpp>

namespace partnerkit::pg {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string lookup_text(const std::vector<FindQuery>& queries) {
  std::string out;
  for (const auto& q : queries)
    out += std::string(out.empty() ? "" : " or ") +
           (q.key == FindQuery::Key::external_id ? "external_id "
            : q.key == FindQuery::Key::email     ? "email "
                                                 : "id ") +
           q.value;
  return out;
}

// The partner an item names: a lookup by each key the vendor can search by, in turn (external id,
// then email). nullopt: none matches. `looked` counts the requests sent.
asio::awaitable<Result<std::optional<Partner>>> look_up(std::shared_ptr<Client> client, std::string vendor,
                                                        std::vector<FindQuery> queries, int& looked) {
  for (auto& q : queries) {
    auto found = co_await client->async_find(vendor, std::move(q), asio::use_awaitable);
    if (!found) {
      Error e = found.error();
      e.attempts += looked;
      co_return e;
    }
    looked += *found ? (*found)->attempts : 1;
    if (*found) co_return std::move(*found);
  }
  co_return std::optional<Partner>{};
}

}  // namespace

// What the event log keeps of an answer: enough to audit it, nothing a vendor echoed.
json::value response_detail(const Result<std::optional<Partner>>& r) {
  json::object d;
  if (r) {
    d["outcome"] = *r ? to_string((*r)->outcome) : "not_found";
    if (*r && (*r)->id) d["partner_id"] = *(*r)->id;
    d["attempts"] = *r ? (*r)->attempts : 1;
    return d;
  }
  const Error& e = r.error();
  d["error"] = to_string(e.code);
  if (e.http_status) d["http_status"] = *e.http_status;
  if (e.retry_after) d["retry_after_ms"] = e.retry_after->count();
  d["attempts"] = e.attempts;
  return d;
}

// Whether the vendor can do what the item asks, lookups included (checked before the intent:
// nothing is recorded as about to be sent that could not be).
bool declares(const OperationSupport& ops, const QueuedOperation& q) {
  const bool can_look_up = !lookups_for(q.spec, ops).empty();
  switch (q.operation) {
    case Operation::create:
      return true;
    case Operation::find:
      return q.partner_id ? ops.find_by_vendor_id || ops.get : can_look_up;
    case Operation::get:
      return q.partner_id ? ops.get : can_look_up;
    case Operation::update:
      return ops.update && (q.partner_id || can_look_up);
    case Operation::deactivate:
      return ops.deactivate && (q.partner_id || can_look_up);
  }
  return false;
}

// One item's requests: a create (looked up first when reconciling), or an operation on the
// partner it names (its partner_id, else the one a lookup finds).
asio::awaitable<Result<std::optional<Partner>>> run_operation(std::shared_ptr<Client> client,
                                                              std::string vendor, OperationSupport ops,
                                                              QueuedOperation q, bool reconciling,
                                                              bool keep_raw) {
  using R = Result<std::optional<Partner>>;
  auto with_lookups = [](Result<Partner> r, int looked) -> R {
    if (!r) {
      Error e = r.error();
      e.attempts += looked;
      return e;
    }
    r->attempts += looked;
    return std::optional<Partner>(std::move(*r));
  };
  int looked = 0;
  if (q.operation == Operation::create) {
    // Reconcile: found is `existing`; not found means nothing was applied and the create goes out
    // as a first one — the Client does not look up again (each request of a claim must succeed for
    // the claim to, so a reconciling Dub item sent up to four and, at the soak's fault rates, used up
    // its 15 claims about once in 10,000), while an already-exists answer is still settled by lookup.
    ProvisionOptions po{reconciling};
    po.keep_raw = keep_raw;  // else never scrubbed nor carried
    if (reconciling) {
      auto queries = lookups_for(q.spec, ops);
      if (!queries.empty()) {
        queries.resize(1);  // the strongest key only: a miss proves nothing more
        auto found = co_await look_up(client, vendor, std::move(queries), looked);
        if (!found || *found) co_return found;
        po.may_have_been_applied = false;
      }
    }
    co_return with_lookups(co_await client->async_provision(vendor, q.spec, po, asio::use_awaitable), looked);
  }
  std::string id;
  if (q.partner_id) {
    id = *q.partner_id;
    if (q.operation == Operation::find) {
      if (!ops.find_by_vendor_id && ops.get) {  // the same answer by another road
        auto r = co_await client->async_get(vendor, id, asio::use_awaitable);
        if (r) r->outcome = ::partnerkit::Outcome::existing;
        if (!r && r.error().code == errc::not_found) co_return std::optional<Partner>{};
        co_return with_lookups(std::move(r), 0);
      }
      co_return co_await client->async_find(vendor, FindQuery{FindQuery::Key::vendor_id, id},
                                            asio::use_awaitable);
    }
  } else {
    auto queries = lookups_for(q.spec, ops);
    if (queries.empty())
      co_return Error::make(errc::unsupported_operation,
                            vendor +
                                " cannot look this partner up (no partner_id, and no lookup by its "
                                "external_id or email): nothing was sent",
                            "partner_id");
    const std::string keys = lookup_text(queries);
    auto found = co_await look_up(client, vendor, std::move(queries), looked);
    if (!found || q.operation == Operation::find) co_return found;
    if (!*found) {
      Error e = Error::make(errc::not_found, "no partner on " + vendor + " matches " + keys);
      e.attempts = looked;
      co_return e;
    }
    if (q.operation == Operation::get) co_return found;  // the lookup's answer is the partner
    if (!(*found)->id) co_return Error::make(errc::protocol, "the partner found carries no vendor id");
    id = *(*found)->id;
  }
  switch (q.operation) {
    case Operation::get:
      co_return with_lookups(co_await client->async_get(vendor, id, asio::use_awaitable), looked);
    case Operation::update: {
      PartnerSpec changes = std::move(q.spec);
      changes.email.clear();  // who is meant, never a change
      changes.external_id.reset();
      co_return with_lookups(
          co_await client->async_update(vendor, id, std::move(changes), asio::use_awaitable), looked);
    }
    case Operation::deactivate: {
      if (reconciling && ops.get) {  // an earlier attempt may have turned it off: read before acting
        auto now = co_await client->async_get(vendor, id, asio::use_awaitable);
        if (!now) co_return with_lookups(std::move(now), looked);
        looked += now->attempts;
        if (is_deactivated(now->status)) {
          now->outcome = ::partnerkit::Outcome::updated;
          now->attempts = looked;
          now->warnings.push_back("an earlier attempt had already deactivated this partner (status " +
                                  std::string(to_string(now->status)) + ")");
          co_return std::optional<Partner>(std::move(*now));
        }
      }
      co_return with_lookups(
          co_await client->async_deactivate(vendor, id, std::move(q.deactivate), asio::use_awaitable),
          looked);
    }
    default:
      co_return Error::make(errc::internal, "operation " + std::string(to_string(q.operation)));
  }
}

}  // namespace partnerkit::pg
