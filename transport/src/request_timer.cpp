#include "detail/request_timer.hpp"

#include "detail/send_op.hpp"

#include <vector>

namespace partnerkit::detail {

RequestTimer::RequestTimer(const boost::asio::any_io_executor& ex) : timer_(ex) {}

void RequestTimer::add(Entry& e, time_point at) {
  std::lock_guard lock(mu_);
  list_.insert(e, at);
  // All exchanges share one timeout: only a clock read a moment late on another thread comes
  // before the deadline the timer is armed for.
  if (!armed_ || at < armed_at_) arm(at);
}

void RequestTimer::remove(Entry& e) {
  std::lock_guard lock(mu_);
  if (!list_.erase(e) || !list_.empty() || !armed_) return;
  // Nothing left to time: no pending wait may keep io_context::run() going.
  armed_ = false;
  ++generation_;
  timer_.cancel();
}

void RequestTimer::arm(time_point at) {
  armed_ = true;
  armed_at_ = at;
  const auto generation = ++generation_;
  timer_.expires_at(at);  // cancels a wait for a later time; its handler sees another generation
  timer_.async_wait(
      [self = shared_from_this(), generation](boost::system::error_code) { self->fired(generation); });
}

void RequestTimer::fired(std::uint64_t generation) {
  std::vector<std::shared_ptr<SendOp>> due;
  {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
    armed_ = false;
    list_.pop_due(std::chrono::steady_clock::now(), [&](SendOp* op) {
      // Null when the op is being destroyed (its destructor waits for the lock to unlink).
      if (auto p = op->weak_from_this().lock()) due.push_back(std::move(p));
    });
    if (!list_.empty()) arm(list_.earliest());
  }
  for (auto& op : due) op->request_expired();
}

RequestTimer::time_point deadline_after(RequestTimer::time_point now, std::chrono::milliseconds d) {
  using T = RequestTimer::time_point;
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(T::max() - now);
  return d >= room ? T::max() : now + d;
}

}  // namespace partnerkit::detail
