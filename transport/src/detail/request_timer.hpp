// One timer for the request timeouts of every exchange in flight on a transport (DeadlineTimer,
// partnerkit/detail/deadline_timer.hpp, which the client's call deadlines share). A phase timer per
// connection cost, on every request, an arm, a cancel and a trip of the cancelled wait through the
// connection's strand. An exchange links its deadline when its request goes out and unlinks it when
// its answer is in; a deadline that passes first calls SendOp::request_expired() (on the timer's
// executor, outside the lock).
#pragma once

#include <partnerkit/detail/deadline_timer.hpp>

#include <chrono>

namespace partnerkit::detail {

class SendOp;

struct ExpireRequest {
  void operator()(SendOp& op) const;
};

using RequestTimer = DeadlineTimer<SendOp*, ExpireRequest>;
extern template class DeadlineTimer<SendOp*, ExpireRequest>;

// now + d, saturated at the clock's end (a huge timeout means none).
RequestTimer::time_point deadline_after(RequestTimer::time_point now, std::chrono::milliseconds d);

}  // namespace partnerkit::detail
