// The bookkeeping of one origin's connection pool as a sans-I/O state machine, in the manner of
// Boost.MySQL's sansio_connection_node: no sockets, no locks, no clock — the caller passes the time
// in and carries the decisions out (open a connection, hand one to a waiter, close one). The
// caller guards it with its mutex. Conn and Waiter are any movable handles (shared_ptrs in the
// transport, plain ints in tests/transport/transport_units_test.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

namespace partnerkit::detail {

struct PoolLimits {
  std::size_t max_connections = 64;  // open at once: idle + in use + connecting (≥ 1)
  std::size_t max_idle = 64;         // kept idle; 0 disables reuse
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(30);
};

template <class Conn, class Waiter>
class OriginPool {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  struct Checkout {
    Conn idle{};            // reuse this pooled connection
    bool new_slot = false;  // open a new connection (a slot is reserved for it)
    bool queued = false;    // the waiter was queued: release() will hand it a connection
  };

  struct Release {
    Waiter waiter{};          // hand this waiter …
    Conn for_waiter{};        // … this connection (reused), or
    bool waiter_new = false;  // … a new slot: it opens a connection
    Conn retire{};            // close this connection
  };

  // Drops idle connections older than idle_timeout (into `expired`: close them), then reuses the
  // most recently used idle one, or reserves a slot, or queues the waiter (FIFO).
  Checkout checkout(Waiter waiter, time_point now, const PoolLimits& limits, std::vector<Conn>& expired) {
    Checkout out;
    std::size_t stale = 0;
    while (stale < idle_.size() && now - idle_[stale].second >= limits.idle_timeout) ++stale;
    for (std::size_t i = 0; i < stale; ++i) expired.push_back(std::move(idle_[i].first));
    idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(stale));
    total_ -= stale;
    if (!idle_.empty()) {
      out.idle = std::move(idle_.back().first);
      idle_.pop_back();
    } else if (total_ < limits.max_connections) {
      ++total_;
      out.new_slot = true;
    } else {
      waiters_.push_back(std::move(waiter));
      out.queued = true;
    }
    return out;
  }

  // A connection comes back: reusable ones go to the first waiter or the idle list; others are
  // closed and their slot goes to the first waiter, if any.
  Release release(Conn c, bool reusable, time_point now, const PoolLimits& limits) {
    Release out;
    if (reusable && !waiters_.empty()) {
      out.waiter = std::move(waiters_.front());
      waiters_.pop_front();
      out.for_waiter = std::move(c);
    } else if (reusable && idle_.size() < limits.max_idle) {
      idle_.emplace_back(std::move(c), now);
    } else {
      out.retire = std::move(c);
      --total_;
      if (!waiters_.empty() && total_ < limits.max_connections) {
        ++total_;
        out.waiter = std::move(waiters_.front());
        waiters_.pop_front();
        out.waiter_new = true;
      }
    }
    return out;
  }

  // Removes a queued waiter (cancelled or out of time); false when it is not queued (any more).
  template <class Pred>
  bool remove_waiter_if(Pred pred) {
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (pred(*it)) {
        waiters_.erase(it);
        return true;
      }
    }
    return false;
  }

  // Takes every idle connection out (to be closed).
  void drain_idle(std::vector<Conn>& out) {
    for (auto& [c, since] : idle_) out.push_back(std::move(c));
    total_ -= idle_.size();
    idle_.clear();
  }

  std::size_t idle() const noexcept { return idle_.size(); }
  std::size_t total() const noexcept { return total_; }
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  std::vector<std::pair<Conn, time_point>> idle_;  // most recently used at the back
  std::size_t total_ = 0;                          // idle + in use + connecting
  std::deque<Waiter> waiters_;
};

}  // namespace partnerkit::detail
