// One timer for the call deadlines of every operation in flight on a client, as the transport's
// RequestTimer does for request timeouts. A steady_timer per operation cost ~1.2k instructions a
// create: its making (a service lookup under a mutex), an arm and a cancel in the reactor's timer
// heap (each under the reactor's mutex), and the cancelled wait's trip through the scheduler. Here
// an operation links its deadline into an intrusive list when it begins and unlinks it when it
// finishes; the one timer is armed for the earliest deadline only when it is not armed already, and
// cancelled when the last operation ends (io_context::run() still returns then). Operations of one
// client share one call_timeout, so a new deadline is almost always the latest: insertion searches
// from the back. Thread-safe: the list and the timer are guarded by a mutex.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace partnerkit::client_detail {

class OpBase;

class CallTimer : public std::enable_shared_from_this<CallTimer> {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Owned by its operation: linking and unlinking allocate nothing.
  struct Entry {
    OpBase* op = nullptr;
    time_point at{};
    Entry* prev = nullptr;
    Entry* next = nullptr;
    bool linked = false;
  };

  explicit CallTimer(const boost::asio::any_io_executor& ex) : timer_(ex) {}
  CallTimer(const CallTimer&) = delete;
  CallTimer& operator=(const CallTimer&) = delete;

  // e.op's call ends at `at`; when that passes first, the op is cancelled with errc::timeout (outside
  // the lock, on the client's executor).
  void add(Entry& e, time_point at);
  // The op finished (or is destroyed): no longer timed. Nothing when it expired already.
  void remove(Entry& e);

 private:
  void link(Entry& e, time_point at);
  bool unlink(Entry& e);
  void arm(time_point at);  // mu_ held
  void fired(std::uint64_t generation);

  std::mutex mu_;
  Entry* head_ = nullptr;
  Entry* tail_ = nullptr;
  boost::asio::steady_timer timer_;  // used under mu_ only
  bool armed_ = false;
  time_point armed_at_{};
  std::uint64_t generation_ = 0;  // a wait whose generation is not this one was superseded
};

}  // namespace partnerkit::client_detail
