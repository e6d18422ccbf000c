// One timer for the request timeouts of every exchange in flight on a transport. A phase timer per
// connection cost, on every request, an arm, a cancel and a trip of the cancelled wait through the
// connection's strand. Here an exchange links its deadline into a list (deadline_list.hpp) when its
// request goes out and unlinks it when its answer is in; the timer is armed for the earliest
// deadline only when it is not armed already. Under a steady load it fires about once per
// request_timeout, finds the deadlines it was armed for gone, and re-arms for the new earliest.
// It is cancelled when the last exchange ends, so io_context::run() still returns when the last
// request has completed. Thread-safe: the list and the timer are guarded by a mutex.
#pragma once

#include "detail/deadline_list.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace partnerkit::detail {

class SendOp;

class RequestTimer : public std::enable_shared_from_this<RequestTimer> {
 public:
  using List = DeadlineList<SendOp*>;
  using Entry = List::Entry;
  using time_point = List::time_point;

  explicit RequestTimer(const boost::asio::any_io_executor& ex);
  RequestTimer(const RequestTimer&) = delete;
  RequestTimer& operator=(const RequestTimer&) = delete;

  // The exchange of e.owner is due at `at`; when that passes first, SendOp::request_expired() is
  // called (on the transport's executor, outside the lock).
  void add(Entry& e, time_point at);
  // The exchange ended: no longer counted (nothing when it expired already).
  void remove(Entry& e);

 private:
  void arm(time_point at);  // mu_ held
  void fired(std::uint64_t generation);

  std::mutex mu_;
  List list_;
  boost::asio::steady_timer timer_;  // used under mu_ only
  bool armed_ = false;
  time_point armed_at_{};
  std::uint64_t generation_ = 0;  // a wait whose generation is not this one was superseded
};

// now + d, saturated at the clock's end (a huge timeout means none).
RequestTimer::time_point deadline_after(RequestTimer::time_point now, std::chrono::milliseconds d);

}  // namespace partnerkit::detail
