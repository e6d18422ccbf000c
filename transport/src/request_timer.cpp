#include "detail/request_timer.hpp"

#include "detail/send_op.hpp"

namespace partnerkit::detail {

void ExpireRequest::operator()(SendOp& op) const { op.request_expired(); }

template class DeadlineTimer<SendOp*, ExpireRequest>;

RequestTimer::time_point deadline_after(RequestTimer::time_point now, std::chrono::milliseconds d) {
  using T = RequestTimer::time_point;
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(T::max() - now);
  return d >= room ? T::max() : now + d;
}

}  // namespace partnerkit::detail
