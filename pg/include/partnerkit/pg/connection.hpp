// partnerkit::pg::Connection — one PostgreSQL connection driven by libpq's non-blocking API on Asio.
//
// No thread ever blocks on the database: connecting (PQconnectStart / PQconnectPoll), sending
// (PQsendQueryParams / PQsendQuery + PQflush) and reading (PQconsumeInput / PQisBusy / PQgetResult)
// all wait on the libpq socket (PQsocket) with a posix::stream_descriptor's async_wait. Results are
// plain values (text format); every failure is a partnerkit Error (errors.hpp says which code).
//
// Rules:
// - One operation at a time per Connection (libpq has one command in flight); a second one started
//   while the first runs completes with errc::internal "connection busy". Use one Connection per
//   concurrent flow (a worker holds one for queries and one for LISTEN).
// - Not thread-safe: use a Connection from its executor only (a strand if the io_context runs on
//   several threads).
// - A query on a Connection that is not connected (never, or its connection broke) connects first
//   with the conninfo it was built with. A query that fails because the connection broke is NOT sent
//   again: it may have been applied. It completes with errc::network (retryable); the next
//   operation reconnects.
// - Handlers never run inline from the initiating call; they run on their associated executor
//   (default: the Connection's). close() (and the destructor) cancels what is outstanding: its
//   handler completes with errc::cancelled.
// - Host names are resolved by libpq itself, synchronously, inside PQconnectStart: give a Unix
//   socket directory, an IP address or hostaddr= to keep connecting fully asynchronous.
#pragma once

#include <partnerkit/error.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::pg {

// A query parameter or a result value in PostgreSQL's text format; nullopt is SQL NULL.
using Value = std::optional<std::string>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  std::string command_tag;     // e.g. "UPDATE 3", "SELECT 1"
  std::uint64_t affected = 0;  // rows affected (INSERT/UPDATE/DELETE) or returned (SELECT)

  // The index of a column by name; throws std::out_of_range for a name the query does not return
  // (a programmer error).
  std::size_t column(std::string_view name) const;
  // rows[row][column(name)].
  const Value& at(std::size_t row, std::string_view name) const;
};

struct Notification {
  std::string channel;
  std::string payload;
  int backend_pid = 0;
};

struct ConnectionOptions {
  // The longest a connect (including the TLS handshake and authentication) may take; libpq's own
  // connect_timeout does not apply to its non-blocking API. Zero: no limit.
  std::chrono::milliseconds connect_timeout{10'000};
  // Notifications kept while nobody waits for them; older ones are dropped past this.
  std::size_t max_queued_notifications = 10'000;
};

namespace detail {
struct ConnectionState;
}

class Connection {
 public:
  using executor_type = boost::asio::any_io_executor;
  using void_signature = void(Result<void>);
  using query_signature = void(Result<QueryResult>);
  using notification_signature = void(Result<Notification>);

  // conninfo: a libpq connection string, "postgresql://user@host/db?..." or "host=/tmp dbname=x".
  // Nothing happens until the first operation.
  Connection(executor_type executor, std::string conninfo, ConnectionOptions options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  executor_type get_executor() const noexcept;

  // Connects (or reconnects, closing a broken connection first). void(Result<void>).
  template <class Token = boost::asio::deferred_t>
  auto async_connect(Token&& token = {}) {
    return boost::asio::async_initiate<Token, void_signature>(
        [this](auto handler) {
          start_connect(boost::asio::any_completion_handler<void_signature>(std::move(handler)));
        },
        token);
  }

  // One SQL statement with $1..$n parameters (extended protocol, text format).
  // void(Result<QueryResult>): a SQL error is the Error of errors.hpp with the SQLSTATE as vendor_code.
  template <class Token = boost::asio::deferred_t>
  auto async_query(std::string sql, std::vector<Value> params, Token&& token = {}) {
    return boost::asio::async_initiate<Token, query_signature>(
        [this](auto handler, std::string s, std::vector<Value> p) {
          start_query(std::move(s), std::move(p), false,
                      boost::asio::any_completion_handler<query_signature>(std::move(handler)));
        },
        token, std::move(sql), std::move(params));
  }

  // A script of several statements, no parameters (simple protocol; one implicit transaction
  // unless the script has its own BEGIN/COMMIT). Completes with the last statement's result, or
  // with the first error (the server then skipped the rest of the script).
  template <class Token = boost::asio::deferred_t>
  auto async_execute(std::string script, Token&& token = {}) {
    return boost::asio::async_initiate<Token, query_signature>(
        [this](auto handler, std::string s) {
          start_query(std::move(s), {}, true,
                      boost::asio::any_completion_handler<query_signature>(std::move(handler)));
        },
        token, std::move(script));
  }

  // The next NOTIFY delivered on this connection (after a LISTEN sent with async_query). Queued
  // notifications are handed out first. Does not reconnect: a broken connection completes with
  // errc::network, and the caller reconnects and LISTENs again (notifications sent meanwhile are
  // lost — poll once after LISTEN).
  template <class Token = boost::asio::deferred_t>
  auto async_wait_notification(Token&& token = {}) {
    return boost::asio::async_initiate<Token, notification_signature>(
        [this](auto handler) {
          start_wait_notification(
              boost::asio::any_completion_handler<notification_signature>(std::move(handler)));
        },
        token);
  }

  // Whether the connection is established and not known to be broken.
  bool connected() const noexcept;
  // How many times a connection was established (1 after the first connect; grows on reconnects).
  std::uint64_t connect_count() const noexcept;
  // The server process id of the current connection (0 when not connected).
  int backend_pid() const noexcept;
  // Closes the connection; outstanding operations complete with errc::cancelled.
  void close();

 private:
  void start_connect(boost::asio::any_completion_handler<void_signature> handler);
  void start_query(std::string sql, std::vector<Value> params, bool script,
                   boost::asio::any_completion_handler<query_signature> handler);
  void start_wait_notification(boost::asio::any_completion_handler<notification_signature> handler);

  std::shared_ptr<detail::ConnectionState> state_;
};

}  // namespace partnerkit::pg
