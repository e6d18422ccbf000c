// A throwaway PostgreSQL cluster for tests: initdb into a private temporary directory, the server
// on a Unix socket in that directory only (no TCP), stopped and removed at the end. Never a system
// service. As root, initdb and the server run as the Debian `postgres` user (initdb refuses root),
// the way pg_virtualenv does it.
#pragma once

#include <csignal>
#include <string>

namespace partnerkit::pgtest {

class TestCluster {
 public:
  // Starts the cluster; throws std::runtime_error (with the server log's tail) on failure.
  TestCluster();
  ~TestCluster();  // stops (immediate) and removes the directory
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  // A libpq conninfo for database `db` on this cluster (user "partnerkit", trust auth).
  std::string conninfo(const std::string& db = "postgres") const;
  // The same as a postgresql:// URL (the form the CLI documents).
  std::string url(const std::string& db = "postgres") const;
  const std::string& socket_dir() const { return dir_; }

  // Runs SQL through psql on database `db` and returns its unaligned, tuples-only output.
  std::string psql(const std::string& sql, const std::string& db = "postgres") const;
  // CREATE DATABASE name (optionally from a template); returns the conninfo.
  std::string create_database(const std::string& name, const std::string& template_db = "") const;

  // Stops the server with `pg_ctl -m immediate` (a crash: no shutdown checkpoint) and starts it again.
  void restart_immediate();
  void stop();
  void start();
  // The server's process id (postmaster.pid), 0 when stopped.
  int postmaster_pid() const;

 private:
  std::string run(const std::string& command) const;  // as the cluster's user; throws on failure

  std::string bindir_, dir_, data_, as_user_;
};

// The running server's pid (kept current across restarts), for a crash handler to stop it.
extern volatile std::sig_atomic_t current_postmaster_pid;

// Runs a shell command, returns {exit status, stdout+stderr}.
std::pair<int, std::string> shell(const std::string& command);

}  // namespace partnerkit::pgtest
