// One timer for the call deadlines of every operation in flight on a client (DeadlineTimer,
// partnerkit/detail/deadline_timer.hpp, which the transport's request timeouts share). An operation
// links its deadline when it begins and unlinks it when it finishes; a deadline that passes first
// cancels the op with errc::timeout (outside the lock, on the client's executor).
#pragma once

#include <partnerkit/detail/deadline_timer.hpp>

namespace partnerkit::client_detail {

class OpBase;

struct ExpireCall {
  void operator()(OpBase& op) const;
};

using CallTimer = detail::DeadlineTimer<OpBase*, ExpireCall>;

}  // namespace partnerkit::client_detail

namespace partnerkit::detail {
extern template class DeadlineTimer<client_detail::OpBase*, client_detail::ExpireCall>;
}
