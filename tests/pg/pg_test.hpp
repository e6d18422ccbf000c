// Shared helpers of the pg tests.
#pragma once

#include "pg_cluster.hpp"

#include <partnerkit/pg/store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <string>

namespace partnerkit::pgtest {

// The cluster of this test process (started by the global environment).
TestCluster& cluster();
// A new database (a copy of the migrated template, or empty); returns its conninfo.
std::string fresh_database(bool migrated = true);

// Runs SQL (a script) on a fresh connection and returns the last statement's rows as psql -A -t
// would print them ('|' between columns, '\n' between rows). Throws on an error.
std::string sql_text(const std::string& conninfo, const std::string& sql);

// Runs an awaitable to completion on io (and everything else io has to do meanwhile).
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> a) {
  std::optional<T> out;
  std::exception_ptr ep;
  boost::asio::co_spawn(io, std::move(a), [&](std::exception_ptr e, T v) {
    ep = e;
    out.emplace(std::move(v));
  });
  io.restart();
  io.run();
  if (ep) std::rethrow_exception(ep);
  return std::move(*out);
}

}  // namespace partnerkit::pgtest
