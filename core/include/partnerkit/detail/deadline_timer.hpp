// One steady_timer for the deadlines of many owners: the transport's request timeouts (RequestTimer)
// and the client's call deadlines (CallTimer). A timer per owner cost ~1.2k instructions each time:
// its making (a service lookup under a mutex), an arm and a cancel in the reactor's timer heap (each
// under the reactor's mutex) and the cancelled wait's trip through the scheduler. Here an owner links
// its deadline into a DeadlineList when it starts and unlinks it when it ends; the timer is armed for
// the earliest deadline only when it is not armed already. Under a steady load it fires about once
// per timeout, finds the deadlines it was armed for gone, and re-arms for the new earliest. It is
// cancelled when the last owner ends, so io_context::run() still returns then. Thread-safe: the list
// and the timer are guarded by a mutex.
//
// Owner is a raw pointer to an enable_shared_from_this object that keeps its Entry and unlinks it in
// its destructor; Expire()(owner&) runs, outside the lock, for an owner whose deadline passed while it
// was still alive.
#pragma once

#include <partnerkit/detail/deadline_list.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

namespace partnerkit::detail {

template <class Owner, class Expire>
class DeadlineTimer : public std::enable_shared_from_this<DeadlineTimer<Owner, Expire>> {
 public:
  using List = DeadlineList<Owner>;
  using Entry = typename List::Entry;
  using time_point = typename List::time_point;

  explicit DeadlineTimer(const boost::asio::any_io_executor& ex) : timer_(ex) {}
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  // e.owner is due at `at`; when that passes first, Expire runs for it.
  void add(Entry& e, time_point at) {
    std::lock_guard lock(mu_);
    list_.insert(e, at);
    // Owners share one timeout: only a clock read a moment late on another thread comes before the
    // deadline the timer is armed for.
    if (!armed_ || at < armed_at_) arm(at);
  }

  // The owner ended (or is being destroyed): no longer timed. Nothing when it expired already.
  void remove(Entry& e) {
    std::lock_guard lock(mu_);
    if (!list_.erase(e) || !list_.empty() || !armed_) return;
    // Nothing left to time: no pending wait may keep io_context::run() going.
    armed_ = false;
    ++generation_;
    timer_.cancel();
  }

 private:
  void arm(time_point at) {  // mu_ held
    armed_ = true;
    armed_at_ = at;
    const auto generation = ++generation_;
    timer_.expires_at(at);  // cancels a wait for a later time; its handler sees another generation
    timer_.async_wait([self = this->shared_from_this(), generation](boost::system::error_code) {
      self->fired(generation);
    });
  }

  void fired(std::uint64_t generation) {
    std::vector<std::shared_ptr<std::remove_pointer_t<Owner>>> due;
    {
      std::lock_guard lock(mu_);
      if (generation != generation_) return;
      armed_ = false;
      list_.pop_due(std::chrono::steady_clock::now(), [&](Owner owner) {
        // Null when the owner is being destroyed (its destructor waits for the lock to unlink).
        if (auto p = owner->weak_from_this().lock()) due.push_back(std::move(p));
      });
      if (!list_.empty()) arm(list_.earliest());
    }
    for (auto& owner : due) Expire{}(*owner);
  }

  std::mutex mu_;
  List list_;
  boost::asio::steady_timer timer_;  // used under mu_ only
  bool armed_ = false;
  time_point armed_at_{};
  std::uint64_t generation_ = 0;  // a wait whose generation is not this one was superseded
};

}  // namespace partnerkit::detail
