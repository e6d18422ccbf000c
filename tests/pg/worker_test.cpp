// partnerkit worker end to end: the built CLI as worker processes (SIGKILL, SIGSTOP, SIGTERM are
// real signals), a real PostgreSQL (the test cluster, restarted -m immediate in one case) and the
// sandbox over real TLS in this process.
#include "pg_test.hpp"

#include <partnerkit/sandbox/rate_limit.hpp>
#include <partnerkit/sandbox/sandbox.hpp>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

extern char** environ;

#ifdef PARTNERKIT_CLI_PATH

namespace partnerkit::pgtest {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string dbname_of(const std::string& conninfo) { return conninfo.substr(conninfo.rfind('=') + 1); }

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A `partnerkit worker` process.
class WorkerProcess {
 public:
  WorkerProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    static int n = 0;
    log_ = (std::filesystem::temp_directory_path() /
            ("pk-worker-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".log"))
               .string();
    std::vector<std::string> argv{PARTNERKIT_CLI_PATH, "worker"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> envs;
    for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
    for (auto& [k, v] : env) envs.push_back(k + "=" + v);
    std::vector<char*> a, e;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envs) e.push_back(s.data());
    e.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid_, a[0], &fa, nullptr, a.data(), e.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~WorkerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove(log_);
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // The exit status (-signal when killed by one); -1000 on a timeout.
  int wait(std::chrono::seconds timeout = 60s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1000;
  }
  std::string log() const { return read_file(log_); }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

class WorkerTest : public ::testing::Test {
 protected:
  void start_sandbox(const std::string& faults = "", double rate_limit = 0, double burst = 0) {
    sandbox::SandboxOptions so;
    so.threads = 2;
    so.config.rate_limit = sandbox::RateLimitOptions{rate_limit, burst};
    if (!faults.empty()) so.config.faults = sandbox::parse_fault_spec(faults);
    sb = std::make_unique<sandbox::Sandbox>(so);
    ca = (std::filesystem::temp_directory_path() /
          ("pk-ca-" + std::to_string(::getpid()) + "-" +
           std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".pem"))
             .string();
    std::filesystem::remove(ca);
    sb->write_ca(ca);
  }
  void TearDown() override {
    if (!ca.empty()) std::filesystem::remove(ca);
  }
  std::unique_ptr<WorkerProcess> worker(std::vector<std::string> extra = {}, const std::string& lease = "2") {
    std::vector<std::string> args{"--database", cluster().url(db_name),
                                  "--vendor",   "dub,partnero",
                                  "--base-url", sb->base_url(),
                                  "--ca-file",  ca,
                                  "--rate",     "0",
                                  "--poll",     "0.1",
                                  "--lease",    lease};
    args.insert(args.end(), extra.begin(), extra.end());
    std::map<std::string, std::string> env{{"DUB_API_KEY", sb->api_key("dub")},
                                           {"PARTNERO_API_KEY", sb->api_key("partnero")}};
    return std::make_unique<WorkerProcess>(args, env);
  }
  // n partners x the vendors, enqueued in one call.
  void enqueue(int n, std::vector<std::string> vendors = {"dub", "partnero"}, int first = 0) {
    boost::asio::io_context io;
    pg::Store store(io.get_executor(), conninfo);
    std::vector<pg::EnqueueRequest> reqs;
    for (int i = first; i < first + n; ++i)
      for (auto& v : vendors) {
        pg::EnqueueRequest r;
        r.tenant = "acme";
        r.vendor = v;
        r.idempotency_key = v + ":crm-" + std::to_string(i);
        r.spec = json::object{{"email", "p" + std::to_string(i) + "@example.com"},
                              {"name", "Partner " + std::to_string(i)},
                              {"external_id", "crm-" + std::to_string(i)}};
        reqs.push_back(std::move(r));
      }
    auto r = run(io, store.enqueue_all(std::move(reqs)));
    ASSERT_TRUE(r) << r.error().message;
  }
  std::string sql(const std::string& q) { return sql_text(conninfo, q); }
  long count(const std::string& where) {
    return std::stol(sql("SELECT count(*) FROM partnerkit.items WHERE " + where));
  }
  // Waits until the SQL condition holds (true) or the timeout passes.
  bool wait_for(const std::string& condition, std::chrono::seconds timeout = 90s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      try {
        if (sql("SELECT (" + condition + ")::text") == "true") return true;
      } catch (const std::exception&) {  // the server restarting
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  // Stored partners of a vendor, by lower-cased email.
  std::map<std::string, int> stored(const std::string& vendor) {
    std::map<std::string, int> out;
    auto state = sb->state();
    for (auto& rec : state.at("vendors").at(vendor).at("partners").as_array()) {
      auto& o = rec.as_object();
      std::string email;
      if (auto* e = o.if_contains("email"); e && e->is_string()) email = std::string(e->as_string());
      ++out[email];
    }
    return out;
  }
  void expect_each_stored_once(int n, const std::vector<std::string>& vendors = {"dub", "partnero"}) {
    for (auto& v : vendors) {
      auto s = stored(v);
      EXPECT_EQ(s.size(), static_cast<std::size_t>(n)) << v;
      for (auto& [email, k] : s) EXPECT_EQ(k, 1) << v << " " << email << " stored " << k << " times";
    }
  }

  std::string conninfo = fresh_database();
  std::string db_name = conninfo.substr(conninfo.rfind('=') + 1);
  std::unique_ptr<sandbox::Sandbox> sb;
  std::string ca;
};

TEST_F(WorkerTest, EnqueueWorkDoneAndDrain) {
  start_sandbox();
  enqueue(40);
  auto w = worker({"--metrics-port", "0"});
  ASSERT_TRUE(wait_for("SELECT count(*) = 80 FROM partnerkit.items WHERE state = 'done'")) << w->log();
  // /metrics and /healthz on the printed port.
  auto log = w->log();
  auto at = log.find("http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << log;
  const int port = std::stoi(log.substr(at + 17));
  auto get = [&](const std::string& path) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket s(io);
    s.connect({boost::asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)});
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    boost::asio::write(s, boost::asio::buffer(req));
    std::string out;
    boost::system::error_code ec;
    boost::asio::read(s, boost::asio::dynamic_buffer(out), ec);
    return out;
  };
  // The completer may still be flushing the last outcomes' metrics: they are counted before.
  auto metrics = get("/metrics");
  EXPECT_NE(metrics.find("partnerkit_worker_requests_total{vendor=\"dub\"} 40"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("partnerkit_worker_outcomes_total{vendor=\"partnero\",outcome=\"created\"} 40"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("partnerkit_worker_request_duration_seconds_count{vendor=\"dub\"} 40"),
            std::string::npos);
  EXPECT_NE(get("/healthz").find("200 OK"), std::string::npos);
  EXPECT_NE(get("/nope").find("404"), std::string::npos);
  w->signal(SIGTERM);
  EXPECT_EQ(w->wait(), 0) << w->log();
  expect_each_stored_once(40);
  // Every item: one intent, then its completion, under attempt 1; the result is the partner.
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events WHERE kind = 'intent'"), "80");
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events i JOIN partnerkit.events c ON c.item_id = i.item_id"
                " AND c.kind = 'completed' WHERE i.kind = 'intent' AND i.id < c.id AND i.attempt = 1"),
            "80");
  EXPECT_EQ(count("result->>'outcome' = 'created' AND attempt = 1"), 80);
  // The API keys never reached the database.
  EXPECT_EQ(count("spec::text LIKE '%" + sb->api_key("dub") + "%' OR result::text LIKE '%" +
                  sb->api_key("dub") + "%'"),
            0);
  EXPECT_EQ(log.find(sb->api_key("dub")), std::string::npos);

  // The same idempotency keys enqueued again: the same items, nothing to do again.
  enqueue(40);
  EXPECT_EQ(count("true"), 80);
  EXPECT_EQ(count("state <> 'done'"), 0);

  // status per tenant and vendor, then retention.
  auto [st_rc, st] =
      shell(std::string(PARTNERKIT_CLI_PATH) + " status --json --database '" + cluster().url(db_name) + "'");
  ASSERT_EQ(st_rc, 0) << st;
  auto v = json::parse(st).as_object();
  EXPECT_EQ(v.at("done").as_int64(), 80);
  EXPECT_EQ(v.at("by_tenant").at("acme").at("partnero").at("done").as_int64(), 40);
  auto [pr_rc, pr] = shell(std::string(PARTNERKIT_CLI_PATH) + " db prune --older-than 3600 --database '" +
                           cluster().url(db_name) + "'");
  EXPECT_EQ(pr_rc, 0) << pr;
  EXPECT_NE(pr.find("deleted 0 finished"), std::string::npos) << pr;
  sql("UPDATE partnerkit.items SET finished_at = finished_at - interval '2 hours' WHERE vendor = 'dub'");
  std::tie(pr_rc, pr) = shell(std::string(PARTNERKIT_CLI_PATH) + " db prune --older-than 3600 --database '" +
                              cluster().url(db_name) + "'");
  EXPECT_EQ(pr_rc, 0) << pr;
  EXPECT_NE(pr.find("deleted 40 finished"), std::string::npos) << pr;
  EXPECT_EQ(count("true"), 40);
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events e WHERE NOT EXISTS (SELECT 1 FROM partnerkit.items i"
                " WHERE i.id = e.item_id)"),
            "0");
}

// The vendor's own JSON answer is stored only when asked for (--keep-raw), scrubbed either way.
TEST_F(WorkerTest, RawAnswersAreStoredOnlyWithKeepRaw) {
  start_sandbox();
  enqueue(3, {"dub"});
  auto w = worker();
  ASSERT_TRUE(wait_for("SELECT count(*) = 3 FROM partnerkit.items WHERE state = 'done'")) << w->log();
  w->signal(SIGTERM);
  EXPECT_EQ(w->wait(), 0) << w->log();
  EXPECT_EQ(count("result->'raw' = 'null'::jsonb AND result->>'id' LIKE 'pn_%'"), 3)
      << sql("SELECT string_agg(result::text, ' | ') FROM partnerkit.items");
  enqueue(3, {"dub"}, 3);
  auto kept = worker({"--keep-raw"});
  ASSERT_TRUE(wait_for("SELECT count(*) = 6 FROM partnerkit.items WHERE state = 'done'")) << kept->log();
  kept->signal(SIGTERM);
  EXPECT_EQ(kept->wait(), 0) << kept->log();
  EXPECT_EQ(count("jsonb_typeof(result->'raw') = 'object' AND result->'raw'->>'id' = result->>'id'"), 3)
      << sql("SELECT string_agg(result::text, ' | ') FROM partnerkit.items");
  EXPECT_EQ(count("result::text LIKE '%" + sb->api_key("dub") + "%'"), 0);
}

TEST_F(WorkerTest, TwoWorkersNeverRunOneItemAtOnce) {
  start_sandbox("latency=20ms");
  enqueue(150);
  auto a = worker({"--batch", "10", "--concurrency", "20"});
  auto b = worker({"--batch", "10", "--concurrency", "20"});
  ASSERT_TRUE(wait_for("SELECT count(*) = 300 FROM partnerkit.items WHERE state = 'done'"))
      << a->log() << b->log();
  a->signal(SIGTERM);
  b->signal(SIGTERM);
  EXPECT_EQ(a->wait(), 0) << a->log();
  EXPECT_EQ(b->wait(), 0) << b->log();
  // One claim, one intent, one accepted completion per item; both workers took part.
  EXPECT_EQ(
      sql("SELECT count(*) FROM (SELECT item_id FROM partnerkit.events WHERE kind IN ('claimed', 'intent',"
          " 'completed') GROUP BY item_id HAVING count(*) FILTER (WHERE kind = 'claimed') = 1 AND"
          " count(*) FILTER (WHERE kind = 'intent') = 1 AND count(*) FILTER (WHERE kind = 'completed') = 1)"
          " x"),
      "300");
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events WHERE kind = 'refused'"), "0");
  EXPECT_EQ(sql("SELECT count(DISTINCT worker) FROM partnerkit.events WHERE kind = 'claimed'"), "2");
  EXPECT_EQ(count("result->>'outcome' = 'created'"), 300);
  expect_each_stored_once(150);
}

TEST_F(WorkerTest, KilledWorkersItemsAreReconciledNotDuplicated) {
  // The sandbox stores a partner when the request arrives and answers 1.5 s later: a worker killed
  // in between never learns that its creates were applied.
  start_sandbox("latency=1500ms");
  enqueue(5);
  auto a = worker({}, "1");
  ASSERT_TRUE(wait_for("SELECT count(*) = 10 FROM partnerkit.events WHERE kind = 'intent'", 30s)) << a->log();
  std::this_thread::sleep_for(400ms);
  a->signal(SIGKILL);
  EXPECT_EQ(a->wait(), -SIGKILL);
  EXPECT_EQ(count("state = 'done'"), 0);
  ASSERT_EQ(stored("dub").size(), 5u);  // applied, unanswered

  auto b = worker({}, "1");
  ASSERT_TRUE(wait_for("SELECT count(*) = 10 FROM partnerkit.items WHERE state = 'done'")) << b->log();
  b->signal(SIGTERM);
  EXPECT_EQ(b->wait(), 0) << b->log();
  // Rescued into reconcile; attempt 2 looks each partner up by its external id first (both vendors
  // can) and finds it: `existing`, no second create.
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events WHERE kind = 'rescued'"), "10");
  EXPECT_EQ(count("state = 'done' AND attempt = 2 AND result->>'outcome' = 'existing'"), 10)
      << sql("SELECT string_agg(vendor || ' ' || attempt || ' ' || (result->>'outcome'), ', ') FROM "
             "partnerkit.items");
  expect_each_stored_once(5);
}

TEST_F(WorkerTest, StaleWorkersLateResultIsRefusedByTheFence) {
  start_sandbox("latency=1500ms");
  enqueue(1, {"partnero"});
  auto a = worker({}, "1");
  ASSERT_TRUE(wait_for("SELECT count(*) = 1 FROM partnerkit.events WHERE kind = 'intent'", 30s)) << a->log();
  std::this_thread::sleep_for(300ms);
  a->signal(SIGSTOP);  // a stale worker: a long GC pause, a frozen VM
  auto b = worker({}, "1");
  ASSERT_TRUE(wait_for("SELECT count(*) = 1 FROM partnerkit.items WHERE state = 'done'")) << b->log();
  const std::string result = sql("SELECT result::text FROM partnerkit.items");
  a->signal(SIGCONT);  // its answer arrives, its lease is long gone
  ASSERT_TRUE(
      wait_for("SELECT count(*) = 1 FROM partnerkit.events WHERE kind = 'refused' AND attempt = 1", 30s))
      << a->log();
  EXPECT_EQ(sql("SELECT result::text FROM partnerkit.items"), result);
  EXPECT_EQ(count("state = 'done' AND attempt = 2 AND result->>'outcome' = 'existing'"), 1)
      << sql("SELECT attempt || ' ' || result::text FROM partnerkit.items");
  a->signal(SIGTERM);
  b->signal(SIGTERM);
  EXPECT_EQ(a->wait(), 0) << a->log();
  EXPECT_EQ(b->wait(), 0) << b->log();
  EXPECT_EQ(stored("partnero").size(), 1u);
}

TEST_F(WorkerTest, FourWorkersKeepOneKeysLimit) {
  // The vendor allows 200 requests/s with a burst of 10; four workers share one key at --rate 200.
  start_sandbox("", 200, 10);
  constexpr int n = 600;
  enqueue(n, {"dub"});
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (int i = 0; i < 4; ++i) {
    std::vector<std::string> extra{"--rate", "200", "--batch", "20", "--concurrency", "50"};
    std::vector<std::string> args{"--database", cluster().url(db_name),
                                  "--vendor",   "dub",
                                  "--base-url", sb->base_url(),
                                  "--ca-file",  ca,
                                  "--poll",     "0.1"};
    args.insert(args.end(), extra.begin(), extra.end());
    workers.push_back(std::make_unique<WorkerProcess>(
        args, std::map<std::string, std::string>{{"DUB_API_KEY", sb->api_key("dub")}}));
  }
  ASSERT_TRUE(
      wait_for("SELECT count(*) = " + std::to_string(n) + " FROM partnerkit.items WHERE state = 'done'"));
  for (auto& w : workers) w->signal(SIGTERM);
  for (auto& w : workers) EXPECT_EQ(w->wait(), 0) << w->log();
  EXPECT_EQ(sql("SELECT count(DISTINCT worker) FROM partnerkit.events WHERE kind = 'claimed'"), "4");
  auto state = sb->state(false);
  const auto& counters = state.at("vendors").at("dub").at("counters").as_object();
  ASSERT_EQ(counters.size(), 1u);
  const auto& k = counters.begin()->value().as_object();
  const auto requests = k.at("requests").to_number<double>();
  const auto throttled = k.at("rate_limited").to_number<double>();
  // Every item done (429s were penalized and retried, none failed); few 429s. The issue's figures
  // (< 1 % answered 429, <= 1.05x the ideal time) hold on an idle machine and are measured by
  // scripts/bench_pg.py; here, on a shared CI machine where a descheduled worker sends its due
  // requests late and together (seen: 2-10 % answered 429 at a load average of 10 on 2 cores), only
  // a bound that tells a working limiter from none is asserted: unpaced, these 4 x 50 requests in
  // flight would see most of the 600 answered 429.
  EXPECT_EQ(count("state = 'failed'"), 0);
  EXPECT_LT(throttled, 0.25 * requests) << throttled << " of " << requests << " answered 429";
  // Never faster than the limit: the sends of the intents' slots span at least (n - burst) / rate.
  const double span = std::stod(
      sql("SELECT extract(epoch FROM max(at) - min(at)) FROM partnerkit.events WHERE kind = 'completed'"));
  const double ideal = (n - 10) / 200.0;
  EXPECT_GE(span, 0.9 * ideal) << "span " << span << " s, ideal " << ideal << " s";
  std::cout << "[ info ] 4 workers, one key at 200/s: " << span << " s for " << n << " items (ideal " << ideal
            << " s, x" << span / ideal << "), " << throttled << " answered 429\n";
}

// Without --rate, the workers start at Dub's declared 60/min, probe upward together, and learn the
// limit Dub states on its 429s (X-RateLimit-Limit, per minute) into the credential's row: every
// worker then runs at it. At the declared rate these 200 items would take over three minutes.
TEST_F(WorkerTest, WithoutRateTheWorkersProbeAndLearnTheStatedLimitTogether) {
  start_sandbox("", 20, 1);
  constexpr int n = 200;
  enqueue(n, {"dub"});
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (int i = 0; i < 2; ++i) {
    std::vector<std::string> args{"--database", cluster().url(db_name),
                                  "--vendor",   "dub",
                                  "--base-url", sb->base_url(),
                                  "--ca-file",  ca,
                                  "--poll",     "0.1"};
    workers.push_back(std::make_unique<WorkerProcess>(
        args, std::map<std::string, std::string>{{"DUB_API_KEY", sb->api_key("dub")}}));
  }
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      wait_for("SELECT count(*) = " + std::to_string(n) + " FROM partnerkit.items WHERE state = 'done'", 60s))
      << workers[0]->log() << sql("SELECT rate_policy::text FROM partnerkit.credentials");
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& w : workers) w->signal(SIGTERM);
  for (auto& w : workers) EXPECT_EQ(w->wait(), 0) << w->log();
  EXPECT_EQ(sql("SELECT rate_policy->>'source' FROM partnerkit.credentials"), "learnt");
  EXPECT_EQ(sql("SELECT (rate_policy->>'learnt')::float8 FROM partnerkit.credentials"), "20");
  // The GCRA runs 2 % under it, 51,021 µs apart, plus what the last 429s left of their margin and
  // rate step: the margin grows by 1 % a 429 up to 10 %, and each 429 steps the rate down 5 % again
  // (0.95^k), both won back with successes. A loaded machine (TSan beside a CI run) can end on a
  // bunch of 429s: 62,048 µs was seen after 34 of 234 requests were answered 429. Within half again
  // of the spacing is still the learnt 20/s, not the declared 1/s (1,000,000 µs) or a probed 2-4/s.
  const long interval = std::stol(sql("SELECT interval_us FROM partnerkit.credentials"));
  EXPECT_GE(interval, 51021);
  EXPECT_LE(interval, 51021 * 3 / 2);
  EXPECT_EQ(count("state = 'failed'"), 0);
  const std::string logs = workers[0]->log() + workers[1]->log();
  EXPECT_NE(logs.find("rate dub: 20/s, learnt"), std::string::npos) << logs;
  EXPECT_LT(took, 30.0) << "the limit allows 200 items in 10 s";
  auto state = sb->state(false);
  const auto& k = state.at("vendors").at("dub").at("counters").as_object().begin()->value().as_object();
  std::cout << "[ info ] 2 workers without --rate against 20/s: " << took << " s for " << n << " items, "
            << k.at("rate_limited").to_number<double>() << " of " << k.at("requests").to_number<double>()
            << " answered 429\n"
            << logs;
}

TEST_F(WorkerTest, PostgresRestartedMidBatchWorkersReconnectAndFinish) {
  start_sandbox("latency=10ms");
  enqueue(200);
  auto a = worker({"--batch", "20", "--concurrency", "20"});
  auto b = worker({"--batch", "20", "--concurrency", "20"});
  ASSERT_TRUE(wait_for("SELECT count(*) >= 60 FROM partnerkit.items WHERE state = 'done'")) << a->log();
  cluster().restart_immediate();
  ASSERT_TRUE(wait_for("SELECT count(*) = 400 FROM partnerkit.items WHERE state = 'done'", 120s))
      << a->log() << b->log() << sql("SELECT state, count(*) FROM partnerkit.items GROUP BY 1");
  a->signal(SIGTERM);
  b->signal(SIGTERM);
  EXPECT_EQ(a->wait(), 0) << a->log();
  EXPECT_EQ(b->wait(), 0) << b->log();
  EXPECT_EQ(count("result->>'outcome' IN ('created', 'existing')"), 400);
  expect_each_stored_once(200);
}

// A worker started while PostgreSQL is down (a host booting, the database restarting) waits for
// it and then works the queue; it does not exit.
TEST_F(WorkerTest, StartedWhilePostgresIsDownWaitsAndThenWorks) {
  start_sandbox();
  enqueue(20);
  cluster().stop();
  auto w = worker();
  const int early = w->wait(3s);
  if (early != -1000) cluster().start();
  ASSERT_EQ(early, -1000) << "the worker exited while the database was down: " << w->log();
  cluster().start();
  ASSERT_TRUE(wait_for("SELECT count(*) = 40 FROM partnerkit.items WHERE state = 'done'")) << w->log();
  w->signal(SIGTERM);
  EXPECT_EQ(w->wait(), 0) << w->log();
  EXPECT_NE(w->log().find("retrying"), std::string::npos) << w->log();
  EXPECT_NE(w->log().find("database: connected"), std::string::npos) << w->log();
  expect_each_stored_once(20);
}

TEST_F(WorkerTest, SigtermDrainsHeldItemsAndExitsZero) {
  start_sandbox("latency=300ms");
  enqueue(100, {"dub"});
  auto w = worker({"--concurrency", "10", "--batch", "10"});
  ASSERT_TRUE(wait_for("SELECT count(*) >= 1 FROM partnerkit.items WHERE state = 'done'")) << w->log();
  w->signal(SIGTERM);
  EXPECT_EQ(w->wait(), 0) << w->log();
  EXPECT_NE(w->log().find("drained"), std::string::npos) << w->log();
  EXPECT_EQ(count("state = 'running'"), 0);  // nothing left behind under a lease
  EXPECT_GT(count("state = 'pending'"), 0);  // it stopped claiming
  const long done = count("state = 'done'");
  EXPECT_EQ(static_cast<long>(stored("dub").size()), done);
}

TEST_F(WorkerTest, BadItemsFailClearlyAndNothingIsSent) {
  start_sandbox();
  // A spec the worker cannot read (enqueued by SQL, bypassing the CLI's validation).
  sql("SELECT * FROM partnerkit.enqueue('acme', 'dub', 'create', 'k1', "
      "'{\"email\":\"a@example.com\",\"tags\":7}')");
  // No key for this tenant's partnero items: DUB only in the environment.
  sql("SELECT * FROM partnerkit.enqueue('acme', 'partnero', 'create', 'k2', "
      "'{\"email\":\"b@example.com\"}')");
  std::vector<std::string> args{"--database", cluster().url(db_name),
                                "--vendor",   "dub,partnero",
                                "--base-url", sb->base_url(),
                                "--ca-file",  ca,
                                "--poll",     "0.1"};
  WorkerProcess w(args, {{"DUB_API_KEY", sb->api_key("dub")}, {"PARTNERO_API_KEY_OTHER_TENANT", "k"}});
  ASSERT_TRUE(wait_for("SELECT count(*) = 2 FROM partnerkit.items WHERE state = 'failed'")) << w.log();
  w.signal(SIGTERM);
  EXPECT_EQ(w.wait(), 0) << w.log();
  EXPECT_EQ(
      count("idempotency_key = 'k1' AND error_code = 'invalid_input' AND result->>'message' LIKE '%tags%'"),
      1);
  EXPECT_EQ(count("idempotency_key = 'k2' AND error_code = 'unauthenticated'"), 1);
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events WHERE kind = 'intent'"), "0");
  EXPECT_EQ(stored("dub").size() + stored("partnero").size(), 0u);
}

TEST_F(WorkerTest, OperationsBeyondCreateRunInOrderAfterTheCreate) {
  start_sandbox();
  enqueue(6);  // creates of crm-0..5 on dub and partnero
  auto op = [&](const std::string& vendor, const std::string& operation, const std::string& key,
                const std::string& spec, const std::string& partner_key = "") {
    sql("SELECT * FROM partnerkit.enqueue('acme', '" + vendor + "', '" + operation + "', '" + key + "', '" +
        spec + "'" + (partner_key.empty() ? "" : ", p_partner_key => '" + partner_key + "'") + ")");
  };
  // Named by external id (the creates' partner key): each runs after its partner's create.
  for (int i = 0; i < 3; ++i)
    op("partnero", "update", "u" + std::to_string(i),
       R"({"external_id":"crm-)" + std::to_string(i) + R"(","name":"Renamed )" + std::to_string(i) + R"("})");
  op("partnero", "deactivate", "d0", R"({"external_id":"crm-0"})");
  op("dub", "deactivate", "d1", R"({"external_id":"crm-1","permanent":true,"reason":"fraud"})");
  op("partnero", "find", "f4", R"({"external_id":"crm-4"})");
  // Named only by email, it is ordered after the create (keyed by external id) by naming that key;
  // without it the find may run first and find nothing (seen: a flaky run under load).
  op("dub", "find", "f5", R"({"email":"p5@example.com"})", "crm-5");
  op("dub", "get", "g3", R"({"external_id":"crm-3"})");
  op("dub", "find", "f-none", R"({"email":"nobody@example.com"})");
  op("partnero", "get", "g-none", R"({"partner_id":"999999"})");
  op("dub", "update", "u-dub", R"({"external_id":"crm-2","name":"x"})");  // Dub has no update
  auto w = worker();
  ASSERT_TRUE(wait_for("SELECT count(*) = 0 FROM partnerkit.items WHERE state NOT IN ('done', 'failed')"))
      << w->log();
  w->signal(SIGTERM);
  EXPECT_EQ(w->wait(), 0) << w->log();
  auto item = [&](const std::string& key, const std::string& what) {
    return sql("SELECT " + what + " FROM partnerkit.items WHERE idempotency_key = '" + key + "'");
  };
  for (int i = 0; i < 3; ++i) {
    const std::string k = "u" + std::to_string(i);
    EXPECT_EQ(item(k, "state"), "done") << item(k, "result");
    EXPECT_EQ(item(k, "result->>'outcome'"), "updated");
    EXPECT_EQ(item(k, "result->>'name'"), "Renamed " + std::to_string(i));
  }
  EXPECT_EQ(item("d0", "state || ' ' || (result->>'outcome')"), "done updated") << item("d0", "result");
  EXPECT_EQ(item("d1", "state || ' ' || (result->>'outcome')"), "done updated") << item("d1", "result");
  EXPECT_EQ(item("f4", "result->>'outcome'"), "existing");
  EXPECT_EQ(item("f5", "result->>'email'"), "p5@example.com");
  EXPECT_EQ(item("g3", "state || ' ' || (result->>'outcome')"), "done existing") << item("g3", "result");
  EXPECT_EQ(item("f-none", "state || ' ' || result::text"), R"(done {"found": false})");
  EXPECT_EQ(item("g-none", "state || ' ' || error_code"), "failed not_found") << item("g-none", "result");
  EXPECT_EQ(item("u-dub", "state || ' ' || error_code"), "failed unsupported_operation");
  // The vendors' own state says the same.
  auto state = sb->state();
  int renamed = 0, archived = 0, banned = 0;
  for (auto& rec : state.at("vendors").at("partnero").at("partners").as_array()) {
    auto& o = rec.as_object();
    if (auto* n = o.if_contains("name"); n && n->is_string() && n->as_string().starts_with("Renamed"))
      ++renamed;
    if (o.at("status") == "archived") ++archived;
  }
  for (auto& rec : state.at("vendors").at("dub").at("partners").as_array())
    if (rec.as_object().at("status") == "banned") ++banned;
  EXPECT_EQ(renamed, 3) << json::serialize(state);
  EXPECT_EQ(archived, 1);
  EXPECT_EQ(banned, 1);
  expect_each_stored_once(6);
  // Every request has its intent before it and its response after it, each naming what it was.
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events WHERE kind = 'intent'"),
            sql("SELECT count(*) FROM partnerkit.events WHERE kind = 'response'"));
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events e JOIN partnerkit.items i ON i.id = e.item_id"
                " WHERE e.kind = 'intent' AND e.detail->>'request' <> i.operation"),
            "0");
  EXPECT_EQ(
      sql("SELECT e.detail->>'outcome' FROM partnerkit.events e JOIN partnerkit.items i ON i.id = e.item_id"
          " WHERE e.kind = 'response' AND i.idempotency_key = 'u1'"),
      "updated");
  // Dub declares no update: failed before its intent, nothing sent.
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events e JOIN partnerkit.items i ON i.id = e.item_id"
                " WHERE i.idempotency_key = 'u-dub' AND e.kind IN ('intent', 'response')"),
            "0");
}

TEST_F(WorkerTest, DeactivateAppliedBehindA5xxIsReconciledNotFailed) {
  // A gateway answers 502/503/504 after the vendor applied a third of the requests: a deactivate
  // sent again would be refused (Partnero: 400 "Action failed"; Dub: "This partner is banned."), so a
  // deactivate that may have been applied reads the partner first.
  start_sandbox("apply-then-5xx=0.3");
  enqueue(10);
  for (int i = 0; i < 10; ++i)
    for (std::string v : {"dub", "partnero"})
      sql("SELECT * FROM partnerkit.enqueue('acme', '" + v + "', 'deactivate', 'off-" + v +
          std::to_string(i) + "', '{\"external_id\":\"crm-" + std::to_string(i) + "\"}')");
  auto w = worker();
  ASSERT_TRUE(
      wait_for("SELECT count(*) = 0 FROM partnerkit.items WHERE state NOT IN ('done', 'failed')", 120s))
      << w->log();
  w->signal(SIGTERM);
  EXPECT_EQ(w->wait(), 0) << w->log();
  EXPECT_EQ(count("state = 'failed'"), 0)
      << sql("SELECT string_agg(result::text, E'\\n') FROM partnerkit.items"
             " WHERE state = 'failed'");
  EXPECT_EQ(count("operation = 'deactivate' AND result->>'outcome' = 'updated'"), 20);
  int off = 0;
  auto state = sb->state();
  for (std::string v : {"dub", "partnero"})
    for (auto& rec : state.at("vendors").at(v).at("partners").as_array()) {
      const auto& st = rec.as_object().at("status");
      if (st == "archived" || st == "deactivated") ++off;
    }
  EXPECT_EQ(off, 20);
  expect_each_stored_once(10);
  // The faults did hit deactivates, and those were looked at before acting again.
  EXPECT_GT(count("operation = 'deactivate' AND attempt > 1"), 0);
}

TEST_F(WorkerTest, OperationPayloadsThatNameNoPartnerFailClearly) {
  start_sandbox();
  sql("SELECT * FROM partnerkit.enqueue('acme', 'partnero', 'update', 'k1', '{\"partner_id\":[1],"
      "\"email\":\"a@example.com\"}')");
  sql("SELECT * FROM partnerkit.enqueue('acme', 'partnero', 'find', 'k2', '{\"email\":\"a@example.com\","
      "\"permanent\":true}')");
  sql("SELECT * FROM partnerkit.enqueue('acme', 'dub', 'deactivate', 'k3', '{\"partner_id\":\"pn_1\","
      "\"permanent\":\"yes\"}')");
  auto w = worker();
  ASSERT_TRUE(wait_for("SELECT count(*) = 3 FROM partnerkit.items WHERE state = 'failed'")) << w->log();
  w->signal(SIGTERM);
  EXPECT_EQ(w->wait(), 0) << w->log();
  EXPECT_EQ(count("error_code = 'invalid_input' AND result->>'field' = 'partner_id'"), 1);
  EXPECT_EQ(count("idempotency_key = 'k2' AND result->>'message' LIKE '%deactivate''s option%'"), 1);
  EXPECT_EQ(count("idempotency_key = 'k3' AND result->>'message' LIKE '%permanent must be true or false%'"),
            1);
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events WHERE kind = 'intent'"), "0");
}

TEST_F(WorkerTest, BadSetupIsAClearErrorAndTouchesNothing) {
  start_sandbox();
  enqueue(1, {"dub"});
  std::map<std::string, std::string> env{{"DUB_API_KEY", sb->api_key("dub")}};
  WorkerProcess unknown({"--database", cluster().url(db_name), "--vendor", "nosuchvendor"}, env);
  EXPECT_EQ(unknown.wait(), 2);
  EXPECT_NE(unknown.log().find("unknown vendor 'nosuchvendor'"), std::string::npos) << unknown.log();
  WorkerProcess refused({"--database", "postgresql://nobody_here@" + cluster().url().substr(24), "--vendor",
                         "dub", "--base-url", sb->base_url(), "--ca-file", ca},
                        env);
  EXPECT_EQ(refused.wait(), 1);
  EXPECT_NE(refused.log().find("refused the connection"), std::string::npos) << refused.log();
  WorkerProcess unmigrated({"--database", cluster().url(dbname_of(fresh_database(false))), "--vendor", "dub",
                            "--base-url", sb->base_url(), "--ca-file", ca},
                           env);
  EXPECT_EQ(unmigrated.wait(), 1);
  EXPECT_NE(unmigrated.log().find("partnerkit db migrate"), std::string::npos) << unmigrated.log();
  WorkerProcess nokey({"--database", cluster().url(db_name), "--vendor", "partnero"}, {});
  EXPECT_EQ(nokey.wait(), 2);
  EXPECT_NE(nokey.log().find("PARTNERO_API_KEY"), std::string::npos) << nokey.log();
  EXPECT_EQ(count("state = 'pending' AND attempt = 0"), 1);  // nobody claimed it
}

}  // namespace
}  // namespace partnerkit::pgtest

#endif
