// `partnerkit sandbox`: starts, announces itself on stdout, serves TLS on loopback, stops on
// SIGTERM/SIGINT with exit 0 and removes its temporary CA file.
#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

struct Child {
  pid_t pid = -1;
  int out = -1;  // read end of its stdout
};

Child spawn(const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> argv;
    std::string path = PARTNERKIT_CLI_PATH;
    argv.push_back(path.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads one line from fd within the timeout.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char c;
    if (::read(fd, &c, 1) != 1) break;
    if (c == '\n') return line;
    line.push_back(c);
  }
  return line;
}

int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -2;
}

bool can_connect(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(s);
  return ok;
}

void run_until(int signal) {
  Child c = spawn(
      {"sandbox", "--port", "0", "--faults", "5xx=0.1,latency=1ms", "--seed", "7", "--rate-limit", "50"});
  ASSERT_GT(c.pid, 0);
  std::string line = read_line(c.out, std::chrono::seconds(20));
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  ASSERT_FALSE(ec) << "first stdout line: " << line;
  const json::object& o = v.as_object();
  const std::string url(o.at("url").as_string());
  const int port = static_cast<int>(o.at("port").to_number<int>());
  const std::string ca(o.at("ca_file").as_string());
  EXPECT_EQ(url, "https://127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(o.at("keys").at("dub"), "sk_test_dub");
  EXPECT_TRUE(o.at("keys").as_object().contains("partnero"));
  EXPECT_TRUE(o.at("keys").as_object().contains("journeybee"));
  // Not a predictable /tmp path: ca.pem in a private (0700) directory of its own.
  EXPECT_EQ(fs::path(ca).filename(), "ca.pem");
  EXPECT_EQ(fs::status(fs::path(ca).parent_path()).permissions(), fs::perms::owner_all) << ca;
  std::ifstream pem(ca);
  std::stringstream text;
  text << pem.rdbuf();
  EXPECT_NE(text.str().find("-----BEGIN CERTIFICATE-----"), std::string::npos) << ca;
  EXPECT_TRUE(can_connect(port));

  ::kill(c.pid, signal);
  EXPECT_EQ(wait_exit(c.pid, std::chrono::seconds(20)), 0);
  ::close(c.out);
  EXPECT_FALSE(fs::exists(ca)) << "the temporary CA file is removed on exit";
  EXPECT_FALSE(fs::exists(fs::path(ca).parent_path())) << "and its private directory";
  EXPECT_FALSE(can_connect(port));
}

TEST(SandboxCli, ServesUntilSigterm) { run_until(SIGTERM); }
TEST(SandboxCli, ServesUntilSigint) { run_until(SIGINT); }

TEST(SandboxCli, CaOutKeepsTheFileAndBadOptionsExitTwo) {
  fs::path ca =
      fs::temp_directory_path() / ("partnerkit_sandbox_cli_ca_" + std::to_string(::getpid()) + ".pem");
  Child c = spawn({"sandbox", "--ca-out", ca.string()});
  ASSERT_GT(c.pid, 0);
  std::string line = read_line(c.out, std::chrono::seconds(20));
  EXPECT_NE(line.find(ca.string()), std::string::npos) << line;
  EXPECT_TRUE(fs::exists(ca));
  ::kill(c.pid, SIGTERM);
  EXPECT_EQ(wait_exit(c.pid, std::chrono::seconds(20)), 0);
  ::close(c.out);
  EXPECT_TRUE(fs::exists(ca)) << "--ca-out files are the user's";
  // An existing file is never overwritten: the sandbox refuses to start.
  Child again = spawn({"sandbox", "--ca-out", ca.string()});
  ASSERT_GT(again.pid, 0);
  EXPECT_EQ(wait_exit(again.pid, std::chrono::seconds(20)), 2);
  ::close(again.out);
  fs::remove(ca);

  for (std::vector<std::string> bad : {std::vector<std::string>{"sandbox", "--faults", "5xx=2"},
                                       {"sandbox", "--faults", "gremlins=0.1"},
                                       {"sandbox", "--port", "70000"},
                                       {"sandbox", "--rate-limit", "fast"},
                                       {"sandbox", "--seed", "-1"},
                                       {"sandbox", "--bogus"}}) {
    Child b = spawn(bad);
    ASSERT_GT(b.pid, 0);
    EXPECT_EQ(wait_exit(b.pid, std::chrono::seconds(20)), 2)
        << bad[1] << " " << (bad.size() > 2 ? bad[2] : "");
    ::close(b.out);
  }
}

}  // namespace
