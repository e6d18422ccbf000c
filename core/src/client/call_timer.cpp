// CallTimer (call_timer.hpp): the call deadlines of a client's operations, one timer for all.
#include "call_timer.hpp"

#include "op_base.hpp"

#include <vector>

namespace partnerkit::client_detail {

void CallTimer::add(Entry& e, time_point at) {
  std::lock_guard lock(mu_);
  link(e, at);
  if (!armed_ || at < armed_at_) arm(at);
}

void CallTimer::remove(Entry& e) {
  std::lock_guard lock(mu_);
  if (!unlink(e) || head_ || !armed_) return;
  // Nothing left to time: no pending wait may keep io_context::run() going.
  armed_ = false;
  ++generation_;
  timer_.cancel();
}

void CallTimer::link(Entry& e, time_point at) {
  e.at = at;
  Entry* before = tail_;
  while (before && before->at > at) before = before->prev;
  e.prev = before;
  e.next = before ? before->next : head_;
  (e.next ? e.next->prev : tail_) = &e;
  (before ? before->next : head_) = &e;
  e.linked = true;
}

bool CallTimer::unlink(Entry& e) {
  if (!e.linked) return false;
  (e.prev ? e.prev->next : head_) = e.next;
  (e.next ? e.next->prev : tail_) = e.prev;
  e.prev = e.next = nullptr;
  e.linked = false;
  return true;
}

void CallTimer::arm(time_point at) {
  armed_ = true;
  armed_at_ = at;
  const auto generation = ++generation_;
  timer_.expires_at(at);  // cancels a wait for a later time; its handler sees another generation
  timer_.async_wait(
      [self = shared_from_this(), generation](boost::system::error_code) { self->fired(generation); });
}

void CallTimer::fired(std::uint64_t generation) {
  std::vector<std::shared_ptr<OpBase>> due;
  {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
    armed_ = false;
    const auto now = std::chrono::steady_clock::now();
    while (head_ && head_->at <= now) {
      Entry& e = *head_;
      unlink(e);
      // Null when the op is being destroyed (its destructor waits for the lock to unlink).
      if (auto op = e.op->weak_from_this().lock()) due.push_back(std::move(op));
    }
    if (head_) arm(head_->at);
  }
  for (auto& op : due) op->cancel(errc::timeout);
}

}  // namespace partnerkit::client_detail
