// A small HTTPS (or plain HTTP) server on 127.0.0.1:<ephemeral> for transport and client tests and
// the transport benchmark. It runs its own io_context on its own thread(s), generates a CA and a
// leaf with partnerkit::sandbox::CertificateAuthority, and answers each request with whatever the
// test's Behaviour returns: a canned response, after a delay, cut off mid-body by a TCP reset,
// closed without an answer. It counts connections accepted and requests per connection.
#pragma once

#include <partnerkit/http.hpp>
#include <partnerkit/sandbox/certificate_authority.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace partnerkit::test {

struct ServerRequest {
  std::string method;
  std::string target;
  HttpHeaders headers;
  std::string body;
  std::size_t connection = 0;             // 0-based index of the connection, in accept order
  std::size_t request_on_connection = 0;  // 0-based index of this request on its connection

  std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
};

struct ServerResponse {
  int status = 200;
  HttpHeaders headers;  // Content-Length is set by the server
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
  bool close = false;                  // answer with Connection: close, then close (TLS close_notify)
  bool reset_mid_body = false;         // send the head and half the body, then reset the connection (RST)
  bool drop = false;                   // close the connection without answering
  bool close_delimited = false;        // no Content-Length: the body ends when the connection closes
  bool truncate = false;               // with close_delimited: close TCP without TLS close_notify
  // Raw answers, for hostile-server tests. `raw`: these bytes are the whole answer (nothing added),
  // then the next request is read. `stream`: after `raw`, each piece it produces is written until it
  // returns false or a write fails, then the connection is closed. `raw_tcp`: `raw` goes on the TCP
  // socket under the TLS session, unencrypted (the client's TLS read fails), then the close.
  std::string raw{};
  std::function<bool(std::string& next)> stream{};
  bool raw_tcp = false;
};

using Behaviour = std::function<ServerResponse(const ServerRequest&)>;

struct ServerOptions {
  bool tls = true;
  // The leaf the server presents (default: DNS:localhost, IP:127.0.0.1), issued by `ca`.
  sandbox::LeafOptions leaf;
  // Issue the leaf from this CA instead of the server's own (e.g. an "untrusted" one).
  const sandbox::CertificateAuthority* ca = nullptr;
  // Close a keep-alive connection that has been idle this long (0: never; the server's peer must).
  std::chrono::milliseconds idle_close{0};
  // Send the CA certificate after the leaf (default: the leaf alone).
  bool send_ca_certificate = false;
  // Threads running the server's io_context.
  int threads = 1;
  // Listen on this port (0: ephemeral).
  unsigned short port = 0;
};

class TestServer {
 public:
  explicit TestServer(Behaviour behaviour, ServerOptions options = {});
  ~TestServer();  // stops and joins
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  unsigned short port() const noexcept;
  // "https://localhost:<port><path>" (or http:// when tls is off).
  std::string url(const std::string& path = "/", const std::string& host = "localhost") const;
  // The PEM of the CA that issued the server's leaf (trust it on the client side).
  const std::string& ca_pem() const noexcept;

  std::size_t connections_accepted() const noexcept;
  std::size_t requests() const noexcept;
  // Bytes written by ServerResponse::stream so far (all connections).
  std::size_t bytes_streamed() const noexcept;
  // Requests served on each connection, in accept order.
  std::vector<std::size_t> requests_per_connection() const;

  // Stops accepting and closes every connection. Called by the destructor.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A canned-answer behaviour: the same response to every request.
Behaviour always(ServerResponse response);

}  // namespace partnerkit::test
