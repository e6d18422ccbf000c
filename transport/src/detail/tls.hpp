// One TLS checklist in one place: the shared client context (TLS ≥ 1.2, peer verification, the
// trust the options name), the per-connection settings (SNI, OpenSSL's host check, Asio's RFC 6125
// check), and the per-origin session cache with its ramp-up rule (one "pioneer" full handshake,
// the others wait briefly to resume its session) as a small state machine without I/O.
#pragma once

#include "detail/target.hpp"
#include "detail/tls_socket.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/ssl.h>

#include <utility>
#include <vector>

namespace partnerkit {
struct TransportOptions;
}

namespace partnerkit::detail {

// Throws boost::system::system_error when the trust cannot be loaded.
void configure_tls_context(boost::asio::ssl::context& ctx, const TransportOptions& options);

// SNI and host-name verification (OpenSSL's and Asio's) for one connection to `target`, plus the
// session to resume (may be null; the reference is taken over). An ssl-category error when OpenSSL
// refuses the name.
boost::system::error_code prepare_tls_stream(TlsSocket& stream, const Target& target, SSL_SESSION* resume);

// Per origin: the session to resume and the ramp-up bookkeeping. Guarded by the caller's mutex.
template <class Waiter>
class SessionSlot {
 public:
  enum class Plan { use, pioneer, wait };

  SessionSlot() = default;
  SessionSlot(const SessionSlot&) = delete;
  SessionSlot& operator=(const SessionSlot&) = delete;
  ~SessionSlot() {
    if (session_) SSL_SESSION_free(session_);
  }

  // A new connection's handshake: resume what is known, be the pioneer, or wait for the pioneer.
  Plan plan(const Waiter& w) {
    if (session_ || resumption_unavailable_) return Plan::use;
    if (!pioneer_active_) {
      pioneer_active_ = true;
      return Plan::pioneer;
    }
    waiters_.push_back(w);
    return Plan::wait;
  }

  // The pioneer finished (a session was published, or none will be: may_retry false marks the
  // origin as offering none). Returns the waiters to wake.
  std::vector<Waiter> pioneer_done(bool may_retry) {
    pioneer_active_ = false;
    if (!session_ && !may_retry) resumption_unavailable_ = true;
    std::vector<Waiter> out;
    out.swap(waiters_);
    return out;
  }

  template <class Pred>
  void remove_waiter_if(Pred pred) {
    std::erase_if(waiters_, pred);
  }

  // A new reference to the session, or null.
  SSL_SESSION* get() const {
    if (session_) SSL_SESSION_up_ref(session_);
    return session_;
  }
  // Takes over the reference.
  void put(SSL_SESSION* s) {
    if (session_) SSL_SESSION_free(session_);
    session_ = s;
  }

 private:
  SSL_SESSION* session_ = nullptr;
  bool pioneer_active_ = false;          // a first full handshake is under way
  bool resumption_unavailable_ = false;  // the server gave no resumable session
  std::vector<Waiter> waiters_;
};

}  // namespace partnerkit::detail
