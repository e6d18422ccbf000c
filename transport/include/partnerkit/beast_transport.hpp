// BeastTransport: the HTTPS client partnerkit ships — Boost.Beast over Boost.Asio and OpenSSL 3.
//
// What it does, per async_send:
//   parse the URL (Boost.URL; https only, plain http only to a loopback host when allowed) →
//   take a pooled keep-alive connection for the origin (scheme, host, port) or open one:
//   resolve → TCP connect [→ HTTP CONNECT through a proxy] → TLS handshake with SNI, peer
//   verification and host-name verification → write the request → read the response with our
//   own header and body limits → give the connection back to the pool when it can be reused.
// Redirects are not followed (a 3xx is returned like any other status). HTTP error statuses are
// responses, not errors.
//
// Errors: the transport's own codes (partnerkit::transport_error, <partnerkit/transport_errors.hpp>)
// name the phase that failed; the rest are the natural low-level codes. The policy layer classifies
// them all (error_from_transport):
//   asio::error::operation_aborted        the handler's cancellation slot was emitted
//   transport_error::resolve_timeout, connect_timeout, tls_handshake_timeout, request_timeout,
//   pool_wait_timeout                     the phase timeout that expired; total_timeout reports the
//                                         phase it interrupted (pool_wait_timeout while queued). All
//                                         compare equal to beast::condition::timeout.
//   asio::error::host_not_found, …        DNS
//   asio::error::connection_refused       TCP connect refused
//   transport_error::proxy_auth_required  the proxy answered CONNECT with 407
//   transport_error::proxy_refused        the proxy answered CONNECT with another non-2xx status
//   asio::error::connection_reset, eof,
//   broken_pipe, ssl::error::stream_truncated   the peer went away mid-exchange
//   ssl category (asio::error::get_ssl_category()), e.g. "certificate verify failed"
//                                         TLS handshake or verification failure (untrusted CA,
//                                         wrong host name, expired certificate, protocol < TLS 1.2),
//                                         or a TLS record error while reading the response
//   http::error::body_limit               the body is over max_body_bytes
//   http::error::header_limit             the header blocks (interim ones included) are over
//                                         max_header_bytes
//   transport_error::response_framing_limit   chunk extensions / padding and trailers over
//                                         max_header_bytes
//   transport_error::switching_protocols  a 101 answer (interim 100 and 103 are skipped)
//   other http::error::*                  malformed response
//   transport_error::url_rejected         a malformed URL (nothing sent)
//   transport_error::scheme_refused       a scheme other than https (or http to a non-loopback
//                                         host, or http without allow_plain_http_loopback)
//   transport_error::request_rejected     a method, header name or value that cannot be sent
//   http::error::end_of_stream / partial_message   the server closed before a complete answer
// SendResult::request_written is true from the moment the write of the request starts
// (conservative: bytes may have reached the peer even if the write then failed).
//
// Connection reuse: only a connection whose exchange completed cleanly (whole response read, no
// Connection: close either way, no bytes left over, no close-delimited body) goes back to the pool;
// anything that errored, timed out or was cancelled is closed. Before a pooled connection is used
// it is probed (no pending TLS data, recv(MSG_PEEK) would block): one the server closed while it
// sat idle is discarded and the request goes out on a fresh connection — nothing of it was written.
// A server closing in the instant between that probe and the write cannot be told apart from a
// failure after the write: the error comes back with request_written = true and the policy layer
// decides (no blind re-send of a POST here). After a complete message, a TLS stream truncated
// instead of closed with close_notify is not an error (a close-delimited body is accepted at the
// truncation; Content-Length/chunked bodies are complete before it matters).
#pragma once

#include <partnerkit/transport.hpp>
#include <partnerkit/transport_errors.hpp>
#include <partnerkit/version.hpp>

#include <boost/asio/async_result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace partnerkit {

namespace detail {
struct BeastTransportState;
}

struct TransportOptions {
  // Resolve + TCP connect (+ the proxy's CONNECT exchange) of a new connection. Default 10 s.
  std::chrono::milliseconds connect_timeout{10'000};
  // TLS handshake of a new connection. Default 10 s.
  std::chrono::milliseconds tls_timeout{10'000};
  // Writing one request and reading its whole response. Default 30 s.
  std::chrono::milliseconds request_timeout{30'000};
  // The whole async_send: waiting for a pool slot, connecting, handshake, request. 0 (default): none
  // beyond the phase timeouts (the Client's call_timeout covers retries). Completes with the
  // timeout code of the phase it interrupted (transport_error::pool_wait_timeout while queued).
  std::chrono::milliseconds total_timeout{0};
  // A pooled connection unused this long is closed instead of reused. Default 30 s. Expired
  // connections are closed lazily (next use of the origin, close_idle(), or destruction): the pool
  // keeps no timer, so io_context::run() returns when the last request has completed.
  std::chrono::milliseconds idle_timeout{30'000};
  // Connections open at once per origin (in use + idle + connecting); more requests wait in FIFO
  // order for one to be released. Default 64. Must be ≥ 1.
  std::size_t max_connections_per_origin = 64;
  // Idle keep-alive connections kept per origin; 0 disables reuse. Default 64.
  std::size_t max_idle_per_origin = 64;
  // Response body cap in bytes (→ http::error::body_limit). Default 1 MiB. Chunked bodies count
  // their data only.
  std::size_t max_body_bytes = 1024 * 1024;
  // Everything of a response that is not body, in bytes: the status lines and header blocks of the
  // interim (1xx) and final responses (→ http::error::header_limit), the chunk-size lines beyond 20
  // bytes per chunk — extensions, padding — and the trailers (→ transport_error::
  // response_framing_limit). Default 16 KiB. The connection's read buffer is capped at this plus
  // 64 KiB (one read).
  std::size_t max_header_bytes = 16 * 1024;
  // Extra trust: a PEM file of CA certificates. Default: none.
  std::string ca_file;
  // Extra trust: PEM text of one or more CA certificates (e.g. the sandbox CA). Default: none.
  std::string ca_pem;
  // Trust the system store (OpenSSL's default verify paths). Default true.
  bool use_default_verify_paths = true;
  // Allow http:// (no TLS) to a loopback host (localhost, 127.0.0.0/8, ::1). Default false.
  bool allow_plain_http_loopback = false;
  // The User-Agent header, unless the request carries its own. Default "partnerkit/<version>".
  std::string user_agent = "partnerkit/" PARTNERKIT_VERSION;
  // Tunnel https through the HTTP proxy named by HTTPS_PROXY / https_proxy, except for hosts
  // matched by NO_PROXY / no_proxy ("*", exact names, ".suffix" or "suffix" domains) and loopback
  // hosts. Default true. Only http:// proxies are supported; user:password in the proxy URL is
  // sent as Proxy-Authorization: Basic.
  bool proxy_from_environment = true;
  // An explicit proxy ("http://host:port"), used instead of the environment's when non-empty.
  std::string proxy;
  // An explicit NO_PROXY list (comma separated), used instead of the environment's when non-empty.
  std::string no_proxy;
  // Resume TLS sessions per origin on new connections (saves a round trip and the signature).
  // Default true.
  bool tls_session_resumption = true;
  // Ramp-up resumption: when several connections to an origin open at once and no session is known
  // yet, the first one does the full handshake and the others wait up to this long for its session,
  // then resume it (skipping certificate parsing and verification: a large saving with OpenSSL 3.0)
  // or do a full handshake of their own. The cost: up to this much extra latency for the first burst
  // on a cold origin. Default 50 ms: a batch opening dozens of connections to one vendor then makes
  // one full handshake instead of dozens (faster for us, lighter for the vendor). Under TLS 1.3 the
  // session ticket is read with the first answer, so against a vendor slower than the wait the others
  // just do full handshakes 50 ms later: a one-off cost per cold origin. 0: never wait.
  std::chrono::milliseconds tls_resume_wait{50};
  // A promise that the executor's execution context is run by one thread at a time (an io_context
  // whose run() only one thread calls, as the command line's). Connections then get no strand of
  // their own: their handlers cannot overlap anyway, and a strand's hop and its trip for each read
  // cost ~1.5k instructions a request. Default false: safe on any executor. Broken, the promise is a
  // data race.
  bool single_threaded = false;
};

// Counters since construction, for tests and metrics. Read with relaxed atomics: a snapshot.
struct TransportStats {
  std::uint64_t requests = 0;              // async_send calls that started a request on a connection
  std::uint64_t connections_opened = 0;    // connections established (TCP, + TLS for https)
  std::uint64_t connections_reused = 0;    // requests sent on a pooled (already used) connection
  std::uint64_t stale_discarded = 0;       // pooled connections found closed by the peer before use
  std::uint64_t tls_sessions_resumed = 0;  // handshakes that resumed a session
  std::size_t idle_connections = 0;        // currently in the pool
};

class BeastTransport final : public Transport {
 public:
  // All I/O runs on `executor` (an io_context's, a thread_pool's, or a strand of either). Safe to
  // use from several threads and on a multi-threaded io_context: every connection has its own
  // strand (unless TransportOptions::single_threaded), the pool is guarded by a mutex. Throws
  // boost::system::system_error if ca_file / ca_pem cannot be loaded or the proxy URL is not
  // http://host[:port].
  explicit BeastTransport(executor_type executor, TransportOptions options = {});
  // Closes idle connections. Requests in flight keep the shared state alive and complete normally.
  ~BeastTransport() override;
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  // Completion signature void(error_code, SendResult). The handler runs on its associated executor
  // (default: this transport's), never inline from this call. Cancellation: terminal, partial and
  // total cancellation through the handler's cancellation slot all abort the request, close its
  // connection and complete with asio::error::operation_aborted. Emit the signal from the handler's
  // executor (the usual Asio rule).
  void async_send(HttpRequest request, send_handler handler) override;
  // The same without a copy: the request is serialized before this returns.
  void async_send_lent(const HttpRequest& request, send_handler handler) override;

  executor_type get_executor() const override;

  const TransportOptions& options() const noexcept;
  TransportStats stats() const noexcept;
  // Closes every idle pooled connection now.
  void close_idle();

 private:
  std::shared_ptr<detail::BeastTransportState> state_;
};

// Any Transport with any completion token: callbacks, use_future, use_awaitable, deferred.
template <class Token>
auto async_send(Transport& transport, HttpRequest request, Token&& token) {
  return boost::asio::async_initiate<Token, Transport::send_signature>(
      [&transport](auto handler, HttpRequest r) {
        transport.async_send(std::move(r), Transport::send_handler(std::move(handler)));
      },
      token, std::move(request));
}

}  // namespace partnerkit
