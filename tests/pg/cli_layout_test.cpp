// `partnerkit` runs its PostgreSQL commands in the helper partnerkit-pg (tools/pg_commands.hpp):
// the main executable never loads libpq, the commands still work from the build tree and from an
// installed prefix, and a missing or broken helper is a clear error.
#include "pg_test.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#if defined(PARTNERKIT_CLI_PATH) && defined(PARTNERKIT_PG_HELPER_PATH)

namespace partnerkit::pgtest {
namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& s) { return "'" + s + "'"; }
std::string dbname(const std::string& conninfo) { return conninfo.substr(conninfo.rfind('=') + 1); }

// A private temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/partnerkit-layout-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The dynamic loader names every library it loads (LD_DEBUG=files), dlopen'ed ones too, for the
// whole life of the process. `command` is one program and its arguments; `input` its stdin.
std::string loaded_files(const std::string& command, const std::string& input = "") {
  TempDir tmp;
  std::ofstream(tmp.path / "input") << input;
  return shell("LD_DEBUG=files " + command + " < " + (tmp.path / "input").string()).second;
}

TEST(PgCliLayout, PartnerkitLoadsNoLibpqUnlessAPgCommandRuns) {
  const std::string cli = PARTNERKIT_CLI_PATH;
  const auto version = loaded_files(cli + " --version");
  EXPECT_NE(version.find("file=libstdc++"), std::string::npos) << version;  // the probe sees libraries
  EXPECT_EQ(version.find("libpq"), std::string::npos) << version;

  const auto provision = loaded_files(cli + " provision --sandbox --vendor dub --input - --progress never",
                                      "{\"email\":\"a@example.com\",\"name\":\"A\"}\n");
  EXPECT_NE(provision.find("\"outcome\":\"created\""), std::string::npos) << provision;
  EXPECT_NE(provision.find("file=libssl"), std::string::npos) << provision;
  EXPECT_EQ(provision.find("libpq"), std::string::npos) << provision;

  // A PostgreSQL command does load it (in partnerkit-pg), and answers.
  const auto url = quoted(cluster().url(dbname(fresh_database())));
  const auto status = loaded_files(cli + " status --json --database " + url);
  EXPECT_NE(status.find("file=libpq.so"), std::string::npos) << status;
  EXPECT_NE(status.find("\"pending\":0"), std::string::npos) << status;
  // Help needs no helper and no libpq.
  const auto help = loaded_files(cli + " worker --help");
  EXPECT_NE(help.find("SIGTERM or SIGINT drains"), std::string::npos) << help;
  EXPECT_EQ(help.find("libpq"), std::string::npos) << help;
}

TEST(PgCliLayout, WorkerKeepsItsPidAndNameAndDrainsOnSigterm) {
  TempDir tmp;
  const std::string url = cluster().url(dbname(fresh_database()));
  const std::string err = (tmp.path / "err").string();
  // $! is the PID the shell started; the worker must be that process (exec, not a child) under
  // the CLI's name, and drain on its SIGTERM.
  std::ofstream(tmp.path / "run.sh") << "DUB_API_KEY=dub_test_layout " PARTNERKIT_CLI_PATH
                                        " worker --vendor dub --poll 0.1 --database \""
                                     << url << "\" 2> " << err << " &\n"
                                     << "pid=$!\n"
                                     << "for i in $(seq 100); do grep -q serving " << err
                                     << " && break; sleep 0.1; done\n"
                                     << "echo comm=$(cat /proc/$pid/comm)\n"
                                     << "kill -TERM $pid; wait $pid; echo rc=$?\n";
  auto [rc, out] = shell("sh " + (tmp.path / "run.sh").string());
  std::ifstream e(err);
  const std::string err_text((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("comm=partnerkit\n"), std::string::npos) << out << err_text;
  EXPECT_NE(out.find("rc=0"), std::string::npos) << out << err_text;
  EXPECT_NE(err_text.find("drained"), std::string::npos) << err_text;
}

TEST(PgCliLayout, MissingOrBrokenHelperIsAClearError) {
  TempDir tmp;
  // partnerkit alone, its helper's place (relative to it) as in the build tree and an install.
  const fs::path cli_dir = fs::path(PARTNERKIT_CLI_PATH).parent_path();
  const fs::path helper_rel = fs::path(PARTNERKIT_PG_HELPER_PATH).lexically_relative(cli_dir);
  const fs::path bin = tmp.path / "bin";
  fs::create_directories(bin);
  fs::copy_file(PARTNERKIT_CLI_PATH, bin / "partnerkit");
  const std::string cli = (bin / "partnerkit").string();

  auto [rc, out] = shell(cli + " db migrate --database 'dbname=none'");
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("partnerkit-pg, which cannot be run: No such file or directory"), std::string::npos)
      << out;
  auto [help_rc, help] = shell(cli + " --help");  // the commands are still listed, help still works
  EXPECT_EQ(help_rc, 0) << help;
  EXPECT_NE(help.find("  worker "), std::string::npos) << help;

  const fs::path helper = (bin / helper_rel).lexically_normal();
  fs::create_directories(helper.parent_path());
  std::ofstream(helper) << "not a program\n";
  fs::permissions(helper, fs::perms::owner_all);
  std::tie(rc, out) = shell(cli + " status --database 'dbname=none'");
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("cannot be run: Exec format error"), std::string::npos) << out;
}

TEST(PgCliLayout, InstalledPartnerkitRunsPgCommands) {
  TempDir tmp;
  const fs::path prefix = tmp.path / "prefix";
  const std::string config = PARTNERKIT_BUILD_CONFIG;
  auto [rc, out] = shell(std::string(PARTNERKIT_CMAKE_COMMAND) + " --install " +
                         quoted(PARTNERKIT_BUILD_DIR) + (config.empty() ? "" : " --config " + config) +
                         " --component cli --prefix " + quoted(prefix.string()));
  ASSERT_EQ(rc, 0) << out;
  // partnerkit finds its helper relative to itself: the prefix's copy, at the build tree's distance.
  const fs::path cli_dir = fs::path(PARTNERKIT_CLI_PATH).parent_path();
  const fs::path helper_rel = fs::path(PARTNERKIT_PG_HELPER_PATH).lexically_relative(cli_dir);
  const std::string cli = (prefix / "bin" / "partnerkit").string();
  ASSERT_TRUE(fs::exists(prefix / "bin" / helper_rel)) << (prefix / "bin" / helper_rel);
  const auto url = quoted(cluster().url(dbname(fresh_database(false))));
  const auto migrate = loaded_files(cli + " db migrate --database " + url);
  EXPECT_NE(migrate.find("db migrate: applied 1 2"), std::string::npos) << migrate;
  EXPECT_NE(migrate.find("file=libpq.so"), std::string::npos) << migrate;
  auto [st_rc, st] = shell(cli + " status --json --database " + url);
  EXPECT_EQ(st_rc, 0) << st;
  EXPECT_NE(st.find("\"pending\":0"), std::string::npos) << st;
}

}  // namespace
}  // namespace partnerkit::pgtest

#endif
