#include "pg_cluster.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace partnerkit::pgtest {
namespace {

std::string find_bindir() {
  if (const char* env = std::getenv("PARTNERKIT_PG_BINDIR")) return env;
  for (const char* v : {"17", "16", "15", "14", "13"}) {
    std::string dir = std::string("/usr/lib/postgresql/") + v + "/bin";
    if (std::filesystem::exists(dir + "/initdb")) return dir;
  }
  auto [rc, out] = shell("command -v initdb");
  if (rc == 0 && !out.empty())
    return std::filesystem::path(out.substr(0, out.find('\n'))).parent_path().string();
  throw std::runtime_error(
      "PostgreSQL server binaries not found (apt-get install postgresql-15, or set PARTNERKIT_PG_BINDIR)");
}

}  // namespace

volatile std::sig_atomic_t current_postmaster_pid = 0;

std::pair<int, std::string> shell(const std::string& command) {
  std::string full = command + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TestCluster::TestCluster() : bindir_(find_bindir()) {
  char tmpl[] = "/tmp/partnerkit-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  data_ = dir_ + "/data";
  if (geteuid() == 0) {
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr)
      throw std::runtime_error("running as root needs the postgres user (apt-get install postgresql-15)");
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("chown of the cluster directory failed");
    as_user_ = "runuser -u postgres -- ";
  }
  chmod(dir_.c_str(), 0700);
  run(bindir_ + "/initdb -D " + data_ + " -U partnerkit -A trust -E UTF8 --no-sync --no-instructions");
  start();
}

TestCluster::~TestCluster() {
  current_postmaster_pid = 0;
  shell(as_user_ + bindir_ + "/pg_ctl -D " + data_ + " -m immediate -w stop");
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string TestCluster::run(const std::string& command) const {
  auto [rc, out] = shell(as_user_ + command);
  if (rc != 0) {
    auto [lrc, log] = shell("tail -n 20 " + dir_ + "/server.log");
    (void)lrc;
    throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + command + "\n" + out + "\n" +
                             log);
  }
  return out;
}

void TestCluster::start() {
  // Unix socket in the private directory only; fsync off (a test cluster: the OS keeps what a killed server
  // wrote), synchronous_commit on (an immediate restart must not lose a commit already answered); enough
  // connections for the concurrency tests.
  run(bindir_ + "/pg_ctl -D " + data_ + " -l " + dir_ + "/server.log -w -t 60 -o \"-k " + dir_ +
      " -c listen_addresses='' -c fsync=off -c full_page_writes=off"
      " -c max_connections=60\" start");
  current_postmaster_pid = postmaster_pid();
}

void TestCluster::stop() {
  run(bindir_ + "/pg_ctl -D " + data_ + " -m immediate -w stop");
  current_postmaster_pid = 0;
}

void TestCluster::restart_immediate() {
  stop();
  start();
}

int TestCluster::postmaster_pid() const {
  std::ifstream f(data_ + "/postmaster.pid");
  int pid = 0;
  f >> pid;
  return pid;
}

std::string TestCluster::conninfo(const std::string& db) const {
  return "host=" + dir_ + " user=partnerkit dbname=" + db;
}

std::string TestCluster::url(const std::string& db) const {
  std::string host;
  for (char c : dir_) host += (c == '/') ? std::string("%2F") : std::string(1, c);
  return "postgresql://partnerkit@" + host + "/" + db;
}

std::string TestCluster::psql(const std::string& sql, const std::string& db) const {
  std::string quoted;
  for (char c : sql) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  auto [rc, out] =
      shell(bindir_ + "/psql -X -q -A -t -v ON_ERROR_STOP=1 \"" + conninfo(db) + "\" -c '" + quoted + "'");
  if (rc != 0) throw std::runtime_error("psql failed: " + sql + "\n" + out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string TestCluster::create_database(const std::string& name, const std::string& template_db) const {
  psql("CREATE DATABASE " + name + (template_db.empty() ? "" : " TEMPLATE " + template_db));
  return conninfo(name);
}

}  // namespace partnerkit::pgtest
