// CallTimer (call_timer.hpp): the call deadlines of a client's operations, one timer for all.
#include "call_timer.hpp"

#include "op_base.hpp"

namespace partnerkit::client_detail {

void ExpireCall::operator()(OpBase& op) const { op.cancel(errc::timeout); }

}  // namespace partnerkit::client_detail

namespace partnerkit::detail {
template class DeadlineTimer<client_detail::OpBase*, client_detail::ExpireCall>;
}
