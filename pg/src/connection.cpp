// libpq's non-blocking API on Asio: every wait is an async_wait on PQsocket.
#include <partnerkit/pg/connection.hpp>
#include <partnerkit/pg/errors.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <libpq-fe.h>

#include <deque>
#include <stdexcept>

namespace partnerkit::pg {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

std::size_t QueryResult::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  throw std::out_of_range("partnerkit::pg::QueryResult: no column " + std::string(name));
}

const Value& QueryResult::at(std::size_t row, std::string_view name) const {
  return rows.at(row).at(column(name));
}

namespace detail {

struct ConnectionState {
  asio::any_io_executor executor;
  std::string conninfo;
  ConnectionOptions options;
  PGconn* conn = nullptr;
  std::optional<asio::posix::stream_descriptor> socket;  // wraps PQsocket; released, never closed by us
  bool busy = false;
  bool closed_by_user = false;
  std::uint64_t connects = 0;
  std::deque<Notification> notifications;

  ConnectionState(asio::any_io_executor ex, std::string ci, ConnectionOptions o)
      : executor(std::move(ex)), conninfo(std::move(ci)), options(o) {}
  ~ConnectionState() { drop(); }

  // Forgets the descriptor without closing it (libpq owns the socket) and finishes the PGconn.
  void drop() {
    release_socket();
    if (conn != nullptr) {
      PQfinish(conn);
      conn = nullptr;
    }
  }
  void release_socket() {
    if (socket) {
      boost::system::error_code ignored;
      socket->cancel(ignored);
      socket->release();
      socket.reset();
    }
  }
  // The descriptor for the current PQsocket (libpq may switch sockets while connecting).
  bool bind_socket() {
    int fd = PQsocket(conn);
    if (fd < 0) return false;
    if (socket && socket->native_handle() == fd) return true;
    release_socket();
    socket.emplace(executor, fd);
    return true;
  }
  bool healthy() const { return conn != nullptr && PQstatus(conn) == CONNECTION_OK; }

  void drain_notifications() {
    while (PGnotify* n = PQnotifies(conn)) {
      notifications.push_back(
          Notification{n->relname ? n->relname : "", n->extra ? n->extra : "", n->be_pid});
      PQfreemem(n);
      while (notifications.size() > options.max_queued_notifications) notifications.pop_front();
    }
  }

  Error libpq_error() const {
    return connection_error(conn != nullptr ? PQerrorMessage(conn) : "out of memory");
  }
};

}  // namespace detail

namespace {

using State = detail::ConnectionState;
using StatePtr = std::shared_ptr<State>;
using asio::posix::stream_descriptor;

Error cancelled_error() { return Error::make(errc::cancelled, "PostgreSQL: the operation was cancelled"); }

// Waits until the socket is readable (read) and/or writable (write). An error_code on failure.
asio::awaitable<boost::system::error_code> wait_socket(StatePtr s, bool read, bool write) {
  if (!s->socket) co_return asio::error::bad_descriptor;
  auto& sock = *s->socket;
  auto token = asio::as_tuple(asio::use_awaitable);
  if (read && write) {
    auto r = co_await (sock.async_wait(stream_descriptor::wait_read, token) ||
                       sock.async_wait(stream_descriptor::wait_write, token));
    co_return std::visit([](auto& t) { return std::get<0>(t); }, r);
  }
  auto [ec] =
      co_await sock.async_wait(read ? stream_descriptor::wait_read : stream_descriptor::wait_write, token);
  co_return ec;
}

asio::awaitable<Result<void>> connect_once(StatePtr s) {
  s->drop();
  if (s->closed_by_user) co_return cancelled_error();
  s->conn = PQconnectStart(s->conninfo.c_str());
  if (s->conn == nullptr) co_return connection_error("out of memory");
  if (PQstatus(s->conn) == CONNECTION_BAD) {
    Error e = s->libpq_error();
    s->drop();
    co_return e;
  }
  PQsetNoticeProcessor(
      s->conn, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors; never on stderr
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  for (;;) {
    if (poll == PGRES_POLLING_OK) break;
    if (poll == PGRES_POLLING_FAILED || !s->bind_socket()) {
      Error e = s->libpq_error();
      s->drop();
      co_return e;
    }
    auto ec = co_await wait_socket(s, poll == PGRES_POLLING_READING, poll == PGRES_POLLING_WRITING);
    if (s->closed_by_user || ec == asio::error::operation_aborted) {
      s->drop();
      co_return cancelled_error();
    }
    if (ec) {
      s->drop();
      co_return connection_error(ec.message());
    }
    poll = PQconnectPoll(s->conn);
  }
  if (PQsetnonblocking(s->conn, 1) != 0 || !s->bind_socket()) {
    Error e = s->libpq_error();
    s->drop();
    co_return e;
  }
  ++s->connects;
  co_return Result<void>{};
}

asio::awaitable<Result<void>> connect(StatePtr s) {
  if (s->options.connect_timeout.count() <= 0) co_return co_await connect_once(s);
  asio::steady_timer timer(s->executor, s->options.connect_timeout);
  auto r = co_await (connect_once(s) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (r.index() == 0) co_return std::get<0>(std::move(r));
  s->drop();
  Error e =
      connection_error("no connection within " + std::to_string(s->options.connect_timeout.count()) + " ms");
  e.code = errc::timeout;
  co_return e;
}

// Converts one PGresult; an Error for a failed statement.
Result<QueryResult> convert(PGresult* res, PGconn* conn) {
  switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK: {
      QueryResult out;
      int nf = PQnfields(res), nt = PQntuples(res);
      out.columns.reserve(static_cast<std::size_t>(nf));
      for (int f = 0; f < nf; ++f) out.columns.emplace_back(PQfname(res, f));
      out.rows.reserve(static_cast<std::size_t>(nt));
      for (int t = 0; t < nt; ++t) {
        std::vector<Value> row;
        row.reserve(static_cast<std::size_t>(nf));
        for (int f = 0; f < nf; ++f) {
          if (PQgetisnull(res, t, f))
            row.emplace_back(std::nullopt);
          else
            row.emplace_back(
                std::string(PQgetvalue(res, t, f), static_cast<std::size_t>(PQgetlength(res, t, f))));
        }
        out.rows.push_back(std::move(row));
      }
      out.command_tag = PQcmdStatus(res);
      const char* n = PQcmdTuples(res);
      out.affected = (n != nullptr && *n != '\0') ? std::stoull(n) : static_cast<std::uint64_t>(nt);
      return out;
    }
    case PGRES_FATAL_ERROR:
    case PGRES_NONFATAL_ERROR: {
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
      const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
      if (state == nullptr) return connection_error(primary ? primary : PQerrorMessage(conn));
      return error_from_sqlstate(state, primary ? primary : "", detail ? detail : "");
    }
    default:
      return Error::make(errc::protocol, std::string("PostgreSQL: unexpected result ") +
                                             PQresStatus(PQresultStatus(res)) + " (COPY is not supported)");
  }
}

struct BusyGuard {
  State& s;
  explicit BusyGuard(State& st) : s(st) { s.busy = true; }
  ~BusyGuard() { s.busy = false; }
};

Error busy_error() {
  return Error::make(errc::internal, "PostgreSQL: connection busy (one operation at a time per Connection)");
}

// A failure of the connection itself during an operation: drop it so the next operation reconnects.
Error broken(State& s, const boost::system::error_code& ec) {
  if (s.closed_by_user || ec == asio::error::operation_aborted) {
    s.drop();
    return cancelled_error();
  }
  Error e = ec ? connection_error(ec.message()) : s.libpq_error();
  s.drop();
  return e;
}

asio::awaitable<Result<QueryResult>> run_query(StatePtr s, std::string sql, std::vector<Value> params,
                                               bool script) {
  if (s->busy) co_return busy_error();
  BusyGuard guard(*s);
  if (!s->healthy()) {
    auto c = co_await connect(s);
    if (!c) co_return c.error();
  }
  int sent;
  if (script) {
    sent = PQsendQuery(s->conn, sql.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    sent = PQsendQueryParams(s->conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0);
  }
  if (sent == 0) co_return broken(*s, {});
  // Flush: while libpq has bytes left, wait for write room (and read what the server sends meanwhile).
  for (;;) {
    int f = PQflush(s->conn);
    if (f == 0) break;
    if (f < 0) co_return broken(*s, {});
    auto ec = co_await wait_socket(s, true, true);
    if (ec) co_return broken(*s, ec);
    if (PQconsumeInput(s->conn) == 0) co_return broken(*s, {});
  }
  std::optional<Result<QueryResult>> first_error, last;
  for (;;) {
    while (PQisBusy(s->conn)) {
      auto ec = co_await wait_socket(s, true, false);
      if (ec) co_return broken(*s, ec);
      if (PQconsumeInput(s->conn) == 0) co_return broken(*s, {});
      s->drain_notifications();
    }
    PGresult* res = PQgetResult(s->conn);
    if (res == nullptr) break;
    auto r = convert(res, s->conn);
    PQclear(res);
    if (!r && !first_error) first_error = std::move(r);
    if (r) last = std::move(r);
  }
  s->drain_notifications();
  if (PQstatus(s->conn) != CONNECTION_OK) {
    // The connection broke while reading: whatever was read is incomplete.
    Error e = first_error ? first_error->error() : s->libpq_error();
    if (e.code != errc::network) e = s->libpq_error();
    s->drop();
    co_return e;
  }
  if (first_error) co_return std::move(*first_error);
  if (!last) co_return QueryResult{};  // an empty query string
  co_return std::move(*last);
}

asio::awaitable<Result<Notification>> run_wait_notification(StatePtr s) {
  if (s->busy) co_return busy_error();
  BusyGuard guard(*s);
  for (;;) {
    if (!s->notifications.empty()) {
      Notification n = std::move(s->notifications.front());
      s->notifications.pop_front();
      co_return n;
    }
    if (!s->healthy()) co_return connection_error("not connected (reconnect and LISTEN again)");
    auto ec = co_await wait_socket(s, true, false);
    if (ec) co_return broken(*s, ec);
    if (PQconsumeInput(s->conn) == 0) co_return broken(*s, {});
    s->drain_notifications();
  }
}

template <class T, class Handler>
void spawn(const StatePtr& s, asio::awaitable<Result<T>> op, Handler handler) {
  // The handler runs on its associated executor (a strand, say), not merely on the Connection's.
  auto ex = asio::get_associated_executor(handler, s->executor);
  asio::co_spawn(
      s->executor, std::move(op),
      asio::bind_executor(ex, [h = std::move(handler)](std::exception_ptr ep, Result<T> r) mutable {
        if (ep) {
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            r = Error::make(errc::internal, std::string("PostgreSQL client: ") + e.what());
          } catch (...) {
            r = Error::make(errc::internal, "PostgreSQL client: unknown exception");
          }
        }
        std::move(h)(std::move(r));
      }));
}

}  // namespace

Connection::Connection(executor_type executor, std::string conninfo, ConnectionOptions options)
    : state_(std::make_shared<detail::ConnectionState>(std::move(executor), std::move(conninfo), options)) {}

Connection::~Connection() { close(); }

Connection::executor_type Connection::get_executor() const noexcept { return state_->executor; }

bool Connection::connected() const noexcept { return state_->healthy(); }
std::uint64_t Connection::connect_count() const noexcept { return state_->connects; }
int Connection::backend_pid() const noexcept { return state_->healthy() ? PQbackendPID(state_->conn) : 0; }

void Connection::close() {
  state_->closed_by_user = true;
  // Cancel waits first (the coroutines see operation_aborted and drop the connection themselves);
  // with nothing outstanding, drop it now.
  if (state_->busy) {
    if (state_->socket) {
      boost::system::error_code ignored;
      state_->socket->cancel(ignored);
    }
  } else
    state_->drop();
}

void Connection::start_connect(asio::any_completion_handler<void_signature> handler) {
  auto s = state_;
  s->closed_by_user = false;
  auto op = [](StatePtr st) -> asio::awaitable<Result<void>> {
    if (st->busy) co_return busy_error();
    BusyGuard guard(*st);
    co_return co_await connect(st);
  };
  spawn(s, op(s), std::move(handler));
}

void Connection::start_query(std::string sql, std::vector<Value> params, bool script,
                             asio::any_completion_handler<query_signature> handler) {
  state_->closed_by_user = false;
  spawn(state_, run_query(state_, std::move(sql), std::move(params), script), std::move(handler));
}

void Connection::start_wait_notification(asio::any_completion_handler<notification_signature> handler) {
  spawn(state_, run_wait_notification(state_), std::move(handler));
}

}  // namespace partnerkit::pg
