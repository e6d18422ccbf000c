// The seam between the policy layer and the network. BeastTransport (transport/) implements it;
// tests and embedders substitute their own. It lives in core because Client depends on it.
#pragma once

#include <partnerkit/http.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <utility>

namespace partnerkit {

struct SendResult {
  HttpResponse response;
  // True once any byte of the request may have reached the peer: an error after that point means
  // the vendor may have applied the request (the idempotency rule depends on it).
  bool request_written = false;
  // When the request was handed to the connection (after any connect, handshake or wait for a
  // pooled connection): the pacer's "sent" is when the bytes left, not when the send was asked for.
  std::chrono::steady_clock::time_point written_at{};
};

class Transport {
 public:
  using executor_type = boost::asio::any_io_executor;
  using send_signature = void(boost::system::error_code, SendResult);
  using send_handler = boost::asio::any_completion_handler<send_signature>;

  virtual ~Transport() = default;

  // Sends one request and completes exactly once with the whole response or a low-level error
  // (Asio, SSL, Beast codes: classified by the policy layer, never here). Never completes inline.
  // Honours terminal cancellation through the handler's cancellation slot (operation_aborted);
  // a cancelled or failed connection is never reused. An HTTP error status is not an error here.
  virtual void async_send(HttpRequest request, send_handler handler) = 0;

  // async_send with the request lent rather than given: it is valid until this call returns, and an
  // implementation that needs it later keeps a copy. The Client sends through this one (a copy per
  // attempt cost ~7 allocations a create); the default copies the request into async_send, so a
  // Transport that implements only async_send works unchanged. BeastTransport serializes it here.
  virtual void async_send_lent(const HttpRequest& request, send_handler handler) {
    async_send(HttpRequest(request), std::move(handler));
  }

  virtual executor_type get_executor() const = 0;
};

}  // namespace partnerkit
