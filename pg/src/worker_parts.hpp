// The worker's small parts (private to pg/src; worker.cpp is the worker).
#pragma once

#include "queued_operation.hpp"
#include "shared_rate.hpp"

#include <partnerkit/client.hpp>
#include <partnerkit/pg/store.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace partnerkit::pg::worker_detail {

// What the vendor last said about a credential's limit on a 429 (set from the Client's
// after_throttled hook, which may run on the transport's threads).
struct RateSignal {
  std::mutex mutex;
  std::optional<std::chrono::milliseconds> exhausted_for;  // Remaining 0 with a reset: the wait
};

struct Credential {
  std::int64_t id = 0;
  std::shared_ptr<Client> client;
  std::shared_ptr<RateSignal> signal = std::make_shared<RateSignal>();
  std::shared_ptr<detail::SharedRate> rate;  // the rate policy shared through the credential's row
};

struct Penalty {
  std::int64_t credential = 0;
  std::chrono::milliseconds wait{0};
  bool exhausted = false;
};

struct Held {
  Item item;
  QueuedOperation op;
  Credential* credential = nullptr;
  bool lost = false;  // a heartbeat found the lease gone: never send it now
};

// (built outside the coroutines: GCC 12 cannot keep an initializer_list in a coroutine frame)
boost::json::value intent_detail(Operation op);

// "<host>:<pid>:<random>"
std::string default_owner();

}  // namespace partnerkit::pg::worker_detail
