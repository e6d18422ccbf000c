// partnerkit db migrate | enqueue | status, end to end through the built binary.
#include "pg_test.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>

#ifdef PARTNERKIT_CLI_PATH

namespace partnerkit::pgtest {
namespace {

namespace json = boost::json;

struct CliResult {
  int status;
  std::string out, err;
};

CliResult cli(const std::string& args, const std::string& stdin_text = "") {
  auto dir = std::filesystem::temp_directory_path();
  auto tag = std::to_string(::getpid()) + "-" + std::to_string(std::rand());
  auto in = dir / ("pk-in-" + tag), err = dir / ("pk-err-" + tag);
  std::ofstream(in) << stdin_text;
  // A subshell, so the command's own stderr goes to the file (shell() merges only the subshell's).
  auto [rc, out] = shell("(" + std::string(PARTNERKIT_CLI_PATH) + " " + args + " < " + in.string() + " 2> " +
                         err.string() + ")");
  std::ifstream e(err);
  std::string err_text((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
  std::filesystem::remove(in);
  std::filesystem::remove(err);
  return {rc, out, err_text};
}

std::string dbname(const std::string& conninfo) { return conninfo.substr(conninfo.rfind('=') + 1); }

TEST(PgCli, MigrateEnqueueStatus) {
  auto db = dbname(fresh_database(false));
  auto url = "'" + cluster().url(db) + "'";
  auto m1 = cli("db migrate --database " + url);
  ASSERT_EQ(m1.status, 0) << m1.err;
  EXPECT_NE(m1.err.find("applied 1 2 3 4 5 6"), std::string::npos) << m1.err;
  auto m2 = cli("db migrate --database " + url);
  ASSERT_EQ(m2.status, 0) << m2.err;
  EXPECT_NE(m2.err.find("up to date"), std::string::npos) << m2.err;

  const std::string input =
      "{\"email\":\"ana@example.com\",\"name\":\"Ana\",\"external_id\":\"crm-1\"}\n"
      "{\"email\":\"Bo@Example.com\",\"name\":\"Bo\"}\n";
  auto e1 = cli("enqueue --database " + url + " --tenant acme --vendor dub,partnero --input -", input);
  ASSERT_EQ(e1.status, 0) << e1.err;
  EXPECT_NE(e1.err.find("2 item(s), 4 enqueued, 0 already enqueued"), std::string::npos) << e1.err;
  auto e2 = cli("enqueue --database " + url + " --tenant acme --vendor dub --input -", input);
  ASSERT_EQ(e2.status, 0) << e2.err;
  EXPECT_NE(e2.err.find("0 enqueued, 2 already enqueued"), std::string::npos) << e2.err;
  EXPECT_EQ(sql_text(cluster().conninfo(db),
                     "SELECT string_agg(idempotency_key, ',' ORDER BY id) FROM partnerkit.items"),
            "dub:crm-1,partnero:crm-1,dub:email:bo@example.com,partnero:email:bo@example.com");

  auto st = cli("status --database " + url + " --json");
  ASSERT_EQ(st.status, 0) << st.err;
  auto v = json::parse(st.out).as_object();
  EXPECT_EQ(v.at("pending").as_int64(), 4);
  for (const char* s : {"running", "reconcile", "done", "failed"}) EXPECT_EQ(v.at(s).as_int64(), 0) << s;
  EXPECT_EQ(v.at("by_vendor").at("dub").at("pending").as_int64(), 2);
  EXPECT_TRUE(v.at("oldest").is_object());
  auto human = cli("status --database " + url);
  ASSERT_EQ(human.status, 0);
  EXPECT_NE(human.out.find("pending    4"), std::string::npos) << human.out;
}

TEST(PgCli, BadInputEnqueuesNothing) {
  auto db = dbname(fresh_database());
  auto url = "'" + cluster().url(db) + "'";
  auto bad_line =
      cli("enqueue --database " + url + " --tenant acme --vendor dub --input -",
          "{\"email\":\"ana@example.com\"}\n{\"email\":\"not an email\"}\n{\"email\":\"x@example.com\"}\n");
  EXPECT_EQ(bad_line.status, 1) << bad_line.err;
  EXPECT_NE(bad_line.out.find("\"line\":2"), std::string::npos) << bad_line.out;
  EXPECT_NE(bad_line.err.find("nothing enqueued"), std::string::npos) << bad_line.err;
  auto secret = cli("enqueue --database " + url + " --tenant acme --vendor partnero --input -",
                    "{\"email\":\"ana@example.com\",\"password\":\"hunter2-secret\"}\n");
  EXPECT_EQ(secret.status, 1);
  EXPECT_EQ((secret.out + secret.err).find("hunter2-secret"), std::string::npos);
  auto vendor = cli("enqueue --database " + url + " --tenant acme --vendor nosuchvendor --input -",
                    "{\"email\":\"ana@example.com\"}\n");
  EXPECT_EQ(vendor.status, 2);
  EXPECT_NE(vendor.err.find("nosuchvendor"), std::string::npos) << vendor.err;
  EXPECT_EQ(sql_text(cluster().conninfo(db), "SELECT count(*) FROM partnerkit.items"), "0");
}

TEST(PgCli, EnqueueOperationsBeyondCreate) {
  auto db = dbname(fresh_database());
  auto url = "'" + cluster().url(db) + "'";
  auto q = [&](const std::string& sql) { return sql_text(cluster().conninfo(db), sql); };
  const std::string base = "enqueue --database " + url + " --tenant acme --vendor dub,partnero --input -";
  const std::string renames =
      "{\"external_id\":\"crm-1\",\"name\":\"Ana Lima\"}\n"
      "{\"partner_id\":{\"dub\":\"pn_9\",\"partnero\":\"42\"},\"name\":\"Bo\"}\n";
  auto up = cli(base + " --operation update", renames);
  ASSERT_EQ(up.status, 0) << up.err;
  EXPECT_NE(up.err.find("4 enqueued"), std::string::npos) << up.err;
  // The same rows again: the same items. Another change of the same partner: another item.
  auto again = cli(base + " --operation update", renames);
  EXPECT_NE(again.err.find("0 enqueued, 4 already enqueued"), std::string::npos) << again.err;
  auto other = cli(base + " --operation update", "{\"external_id\":\"crm-1\",\"name\":\"Ana L.\"}\n");
  EXPECT_NE(other.err.find("2 enqueued"), std::string::npos) << other.err;
  // partner_id per vendor; the partner key orders them with the partner's other items.
  EXPECT_EQ(q("SELECT spec->>'partner_id' || ' ' || partner_key FROM partnerkit.items"
              " WHERE vendor = 'partnero' AND spec->>'name' = 'Bo'"),
            "42 id:42");
  EXPECT_EQ(q("SELECT count(*) FROM partnerkit.items WHERE operation = 'update' AND partner_key = 'crm-1'"),
            "4");
  auto off = cli(base + " --operation deactivate --permanent --reason fraud",
                 "{\"email\":\"Ana@Example.com\",\"idempotency_key\":\"off-ana\"}\n");
  ASSERT_EQ(off.status, 0) << off.err;
  EXPECT_EQ(q("SELECT idempotency_key || ' ' || (spec->>'permanent') || ' ' || (spec->>'reason') || ' ' ||"
              " partner_key FROM partnerkit.items WHERE operation = 'deactivate' AND vendor = 'dub'"),
            "dub:off-ana true fraud ana@example.com");
  // A row naming no partner, and options that don't go together: nothing enqueued.
  auto nobody = cli(base + " --operation get", "{\"external_id\":\"crm-2\"}\n{\"name\":\"who?\"}\n");
  EXPECT_EQ(nobody.status, 1) << nobody.err;
  EXPECT_NE(nobody.out.find("names no partner"), std::string::npos) << nobody.out;
  EXPECT_EQ(cli(base + " --operation update --permanent", renames).status, 2);
  EXPECT_EQ(cli(base + " --operation rename", renames).status, 2);
  EXPECT_EQ(q("SELECT count(*) FROM partnerkit.items WHERE operation = 'get'"), "0");
}

TEST(PgCli, DatabaseThatRefusesUsIsAClearError) {
  auto refused = cli("status --database 'postgresql://nobody_here@" + cluster().url().substr(24) + "'");
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("refused the connection"), std::string::npos) << refused.err;
  auto missing = cli("status");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("--database"), std::string::npos);
  auto unmigrated = cli("status --database '" + cluster().url(dbname(fresh_database(false))) + "'");
  EXPECT_EQ(unmigrated.status, 1);
  EXPECT_NE(unmigrated.err.find("partnerkit db migrate"), std::string::npos) << unmigrated.err;
}

}  // namespace
}  // namespace partnerkit::pgtest

#endif
