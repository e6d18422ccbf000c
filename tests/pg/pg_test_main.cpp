// One throwaway cluster for the whole test process; each test gets its own database.
#include "pg_test.hpp"

#include <gtest/gtest.h>
#include <boost/asio/use_awaitable.hpp>

#include <signal.h>

#include <atomic>
#include <csignal>
#include <iostream>

namespace partnerkit::pgtest {
namespace {
TestCluster* the_cluster = nullptr;

// A crashing test process must not leave a server behind: SIGQUIT is PostgreSQL's immediate
// shutdown (kill() is async-signal-safe). The temporary directory stays; the server does not.
extern "C" void stop_server_and_die(int sig) {
  if (current_postmaster_pid > 0) ::kill(current_postmaster_pid, SIGQUIT);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}
std::string the_template;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    the_cluster = new TestCluster();
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT})
      std::signal(sig, stop_server_and_die);
    // A migrated template: each test's database is a copy (fast), except the tests of migrate.
    sql_text(the_cluster->conninfo(), "CREATE DATABASE pk_template");
    boost::asio::io_context io;
    pg::Store store(io.get_executor(), the_cluster->conninfo("pk_template"));
    auto r = run(io, store.migrate());
    if (!r) throw std::runtime_error("migrating the template failed: " + r.error().message);
    store.connection().close();
    the_template = "pk_template";
  }
  void TearDown() override {
    delete the_cluster;
    the_cluster = nullptr;
  }
};
}  // namespace

TestCluster& cluster() { return *the_cluster; }

std::string sql_text(const std::string& conninfo, const std::string& sql) {
  boost::asio::io_context io;
  pg::Connection c(io.get_executor(), conninfo);
  auto r = run(io, c.async_execute(sql, boost::asio::use_awaitable));
  if (!r) throw std::runtime_error(r.error().message);
  std::string out;
  for (std::size_t i = 0; i < r->rows.size(); ++i) {
    if (i) out += '\n';
    for (std::size_t j = 0; j < r->rows[i].size(); ++j) {
      if (j) out += '|';
      out += r->rows[i][j].value_or("");
    }
  }
  return out;
}

std::string fresh_database(bool migrated) {
  static std::atomic<int> n{0};
  std::string name = "pk_test_" + std::to_string(++n);
  sql_text(cluster().conninfo(),
           "CREATE DATABASE " + name + (migrated ? " TEMPLATE " + the_template : std::string()));
  return cluster().conninfo(name);
}

}  // namespace partnerkit::pgtest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new partnerkit::pgtest::ClusterEnvironment);
  return RUN_ALL_TESTS();
}
