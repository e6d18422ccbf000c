// The async libpq Connection against a real server.
#include "pg_test.hpp"

#include <partnerkit/pg/connection.hpp>

#include <gtest/gtest.h>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <stdlib.h>

#include <filesystem>
#include <thread>

namespace partnerkit::pgtest {
namespace {

namespace asio = boost::asio;
using pg::Connection;
using pg::QueryResult;

TEST(PgConnection, QueriesWithParametersAndNulls) {
  asio::io_context io;
  Connection c(io.get_executor(), cluster().conninfo());
  auto r = run(io, c.async_query("SELECT $1::int + 1 AS n, $2::text AS t, NULL::text AS z",
                                 {std::string("41"), std::string("a'b\"c")}, asio::use_awaitable));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->at(0, "n"), "42");
  EXPECT_EQ(r->at(0, "t"), "a'b\"c");
  EXPECT_FALSE(r->at(0, "z").has_value());
  EXPECT_EQ(r->command_tag, "SELECT 1");
  EXPECT_EQ(c.connect_count(), 1u);
}

TEST(PgConnection, SqlErrorsAreErrorsAndTheConnectionStaysUsable) {
  asio::io_context io;
  Connection c(io.get_executor(), cluster().conninfo());
  auto bad = run(io, c.async_query("SELECT 1/0", {}, asio::use_awaitable));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_input);
  EXPECT_EQ(bad.error().vendor_code, "22012");
  EXPECT_NE(bad.error().message.find("division by zero"), std::string::npos);
  auto good = run(io, c.async_query("SELECT 2", {}, asio::use_awaitable));
  ASSERT_TRUE(good);
  EXPECT_EQ(c.connect_count(), 1u);  // the same connection
}

TEST(PgConnection, ScriptRunsEveryStatementAndStopsAtTheFirstError) {
  asio::io_context io;
  Connection c(io.get_executor(), cluster().conninfo(fresh_database(false)));
  auto r =
      run(io, c.async_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2); SELECT count(*) FROM t",
                              asio::use_awaitable));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rows.at(0).at(0), "2");
  auto bad = run(io, c.async_execute("INSERT INTO t VALUES (3); SELECT nope; INSERT INTO t VALUES (4)",
                                     asio::use_awaitable));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().vendor_code, "42703");
  auto count = run(io, c.async_query("SELECT count(*) FROM t", {}, asio::use_awaitable));
  EXPECT_EQ(count->rows.at(0).at(0), "2");  // one implicit transaction: 3 rolled back, 4 never ran
}

TEST(PgConnection, ListenNotify) {
  asio::io_context io;
  Connection listener(io.get_executor(), cluster().conninfo());
  Connection sender(io.get_executor(), cluster().conninfo());
  ASSERT_TRUE(run(io, listener.async_query("LISTEN partnerkit_test", {}, asio::use_awaitable)));
  std::optional<Result<pg::Notification>> got;
  listener.async_wait_notification([&](Result<pg::Notification> n) { got = std::move(n); });
  auto sent =
      run(io, sender.async_query("SELECT pg_notify('partnerkit_test', 'hello')", {}, asio::use_awaitable));
  ASSERT_TRUE(sent);
  io.restart();
  while (!got) io.run_one();
  ASSERT_TRUE(*got) << got->error().message;
  EXPECT_EQ((*got)->channel, "partnerkit_test");
  EXPECT_EQ((*got)->payload, "hello");
  EXPECT_EQ((*got)->backend_pid, sender.backend_pid());
}

TEST(PgConnection, OneOperationAtATime) {
  asio::io_context io;
  Connection c(io.get_executor(), cluster().conninfo());
  std::optional<Result<QueryResult>> first, second;
  c.async_query("SELECT pg_sleep(0.05)", {}, [&](Result<QueryResult> r) { first = std::move(r); });
  c.async_query("SELECT 1", {}, [&](Result<QueryResult> r) { second = std::move(r); });
  io.run();
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(*first);
  ASSERT_FALSE(*second);
  EXPECT_EQ(second->error().code, errc::internal);
  EXPECT_NE(second->error().message.find("busy"), std::string::npos);
}

TEST(PgConnection, WorksWithFuturesFromAnotherThread) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::thread t([&] { io.run(); });
  Connection c(io.get_executor(), cluster().conninfo());
  auto f = c.async_query("SELECT 'x'", {}, asio::use_future);
  auto r = f.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rows.at(0).at(0), "x");
  asio::post(io, [&] { c.close(); });
  guard.reset();
  t.join();
}

TEST(PgConnection, CloseCancelsAnOutstandingWait) {
  asio::io_context io;
  Connection c(io.get_executor(), cluster().conninfo());
  ASSERT_TRUE(run(io, c.async_query("LISTEN nothing_ever", {}, asio::use_awaitable)));
  std::optional<Result<pg::Notification>> got;
  c.async_wait_notification([&](Result<pg::Notification> n) { got = std::move(n); });
  io.restart();
  io.poll();
  EXPECT_FALSE(got);
  c.close();
  io.run();
  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error().code, errc::cancelled);
}

TEST(PgConnection, RefusedConnectionsAreClearErrors) {
  asio::io_context io;
  // A role the server does not know: refused during authentication.
  Connection unknown_role(io.get_executor(),
                          "host=" + cluster().socket_dir() + " user=nobody_here dbname=postgres");
  auto r = run(io, unknown_role.async_connect(asio::use_awaitable));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unauthenticated);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_NE(r.error().message.find("nobody_here"), std::string::npos) << r.error().message;
  EXPECT_FALSE(unknown_role.connected());
  // Nobody listens there.
  char tmpl[] = "/tmp/partnerkit-pg-nobody-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string empty = tmpl;
  Connection nobody(io.get_executor(), "host=" + empty + " dbname=postgres");
  auto q = run(io, nobody.async_query("SELECT 1", {}, asio::use_awaitable));
  std::filesystem::remove(empty);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, errc::network);
  EXPECT_TRUE(q.error().retryable);
  EXPECT_NE(q.error().message.find("PostgreSQL connection:"), std::string::npos) << q.error().message;
  // A malformed conninfo.
  Connection garbage(io.get_executor(), "this is = not a conninfo ===");
  auto g = run(io, garbage.async_connect(asio::use_awaitable));
  ASSERT_FALSE(g);
  EXPECT_FALSE(g.error().message.empty());
}

}  // namespace
}  // namespace partnerkit::pgtest
