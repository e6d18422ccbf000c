// The PostgreSQL scale-out commands: db migrate, enqueue, status (pg/; DESIGN.md "Scale-out").
#include "cli.hpp"

#ifdef PARTNERKIT_HAS_PG

#include <partnerkit/pg/migrations.hpp>
#include <partnerkit/pg/store.hpp>
#include <partnerkit/spec_json.hpp>
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/validation.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace partnerkit::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

#define PARTNERKIT_CLI_DATABASE_HELP                                                                    \
  "  --database URL         the PostgreSQL database: postgresql://user@host/db?... or libpq's\n"        \
  "                         key=value form; default: $PARTNERKIT_DATABASE_URL. Never printed (it may\n" \
  "                         hold a password; prefer ~/.pgpass or PGPASSWORD)\n"

std::string database_url(const ParsedArgs& p) {
  if (auto v = p.value("--database")) return *v;
  if (const char* env = std::getenv("PARTNERKIT_DATABASE_URL"); env != nullptr && *env != '\0') return env;
  throw UsageError("missing --database URL (or PARTNERKIT_DATABASE_URL)");
}

// Runs one coroutine of the Store to completion on a private io_context.
template <class T>
Result<T> run_store(const std::string& url, asio::awaitable<Result<T>> (*body)(pg::Store&, void*),
                    void* ctx) {
  asio::io_context io;
  pg::Store store(io.get_executor(), url);
  std::optional<Result<T>> out;
  asio::co_spawn(io, body(store, ctx), [&](std::exception_ptr ep, Result<T> r) {
    if (ep) r = Error::make(errc::internal, "unexpected exception");
    out.emplace(std::move(r));
  });
  io.run();
  return std::move(*out);
}

int database_failure(std::string_view command, const Error& e) {
  std::cerr << "partnerkit " << command << ": " << e.message << "\n";
  return exit_failed;
}

// ---- db migrate ----
constexpr std::string_view db_help =
    "Usage: partnerkit db migrate --database URL\n"
    "       partnerkit db prune --database URL --older-than SECONDS\n"
    "\n"
    "migrate creates or upgrades the partnerkit schema (tables, functions) in the database: the\n"
    "migrations not yet applied, in one transaction, under a lock (two migrators at once are safe).\n"
    "Running it again is a no-op. Prints the schema version.\n"
    "prune deletes finished items (done, failed) and their events that finished more than SECONDS\n"
    "ago (retention; in chunks of 10,000, so workers keep going meanwhile).\n"
    "\n"
    "Options:\n" PARTNERKIT_CLI_DATABASE_HELP
    "  --older-than SECONDS   prune: how long finished items are kept\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 migrated (or already current) or pruned, 1 the database refused, 2 bad usage.\n";

void db_options(CLI::App& c) {
  positional(c, "action");  // migrate | prune
  option(c, "--database");
  option(c, "--older-than");
}

struct PruneJob {
  std::chrono::seconds older_than{0};
  std::int64_t deleted = 0;
};

asio::awaitable<Result<void>> prune_body(pg::Store& store, void* ctx) {
  auto& job = *static_cast<PruneJob*>(ctx);
  constexpr int chunk = 10000;  // short transactions: workers keep going meanwhile
  for (;;) {
    auto r = co_await store.prune(job.older_than, chunk);
    if (!r) co_return r.error();
    job.deleted += *r;
    if (*r < chunk) co_return Result<void>{};
  }
}

// db prune --older-than S: retention of finished items.
int run_prune(const ParsedArgs& p) {
  auto url = database_url(p);
  if (!p.has("--older-than")) throw UsageError("db prune: missing --older-than SECONDS");
  PruneJob job;
  job.older_than = std::chrono::seconds(static_cast<long long>(
      parse_number("--older-than", *p.value("--older-than"), 0, 100.0 * 365 * 24 * 3600, true)));
  auto r = run_store<void>(url, prune_body, &job);
  if (!r) return database_failure("db prune", r.error());
  std::cerr << "db prune: deleted " << job.deleted << " finished item(s) older than "
            << job.older_than.count() << " s\n";
  return exit_ok;
}

int run_db(const ParsedArgs& p) {
  const std::string action = p.value("action").value_or("");
  if (action == "prune") return run_prune(p);
  if (action != "migrate") throw UsageError("expected: partnerkit db migrate|prune --database URL");
  if (p.has("--older-than")) throw UsageError("--older-than is for db prune");
  auto url = database_url(p);
  auto r = run_store<std::vector<int>>(
      url, [](pg::Store& s, void*) { return s.migrate(); }, nullptr);
  if (!r) return database_failure("db migrate", r.error());
  const auto& all = pg::migrations();
  int version = all.empty() ? 0 : all.back().version;
  if (r->empty()) {
    std::cerr << "db migrate: schema up to date (version " << version << ")\n";
  } else {
    std::cerr << "db migrate: applied";
    for (int v : *r) std::cerr << " " << v;
    std::cerr << "; schema version " << version << "\n";
  }
  return exit_ok;
}

// ---- enqueue ----
constexpr std::string_view enqueue_help =
    "Usage: partnerkit enqueue --database URL --tenant T --vendor V[,V...] --input FILE|- [options]\n"
    "\n"
    "Puts partners on the PostgreSQL queue for workers (operation create). Every item is parsed and\n"
    "validated first; the whole input goes in one transaction: a bad item, an unknown vendor or a\n"
    "database error leaves nothing enqueued. Enqueueing the same partner again is the same item: the\n"
    "idempotency key is <vendor>:<external_id>, or <vendor>:email:<lower-cased email> without one\n"
    "(unique per tenant and operation). A spec carrying a password is refused: secrets are never\n"
    "stored in the database.\n"
    "Prints one JSON object per item: {\"index\",\"line\",\"vendor\",\"id\",\"created\"} (created false:\n"
    "enqueued before), or {\"index\",\"line\",\"ok\":false,\"issues\":[...]} for a bad item; a summary on\n"
    "stderr. CRMs can enqueue inside their own transactions with SQL instead:\n"
    "  SELECT * FROM partnerkit.enqueue(tenant, vendor, 'create', idempotency_key, spec::jsonb);\n"
    "\n"
    "Options:\n" PARTNERKIT_CLI_DATABASE_HELP
    "  --tenant T             the tenant the partners belong to (required)\n"
    "  --vendor V[,V...]      the vendor(s); one item per partner and vendor; repeatable\n"
    "  --input FILE|-         JSON lines or CSV, as for provision\n"
    "  --format F             auto (default), jsonl or csv\n"
    "  -h, --help             this text\n"
    "\n" PARTNERKIT_CLI_INPUT_HELP
    "\n"
    "Exit status: 0 all enqueued, 1 some items invalid or the database refused (nothing enqueued),\n"
    "2 bad usage or unreadable input.\n";

void enqueue_options(CLI::App& c) {
  option(c, "--database");
  option(c, "--tenant");
  repeatable(c, "--vendor");
  option(c, "--input");
  option(c, "--format");
}

constexpr std::size_t enqueue_chunk = 500;

struct Pending {
  std::size_t index, line;
  std::string vendor;
};

// (json built outside the coroutine: GCC 12 cannot keep an initializer_list in a coroutine frame)
json::object done_line(const Pending& p, const pg::Enqueued& e) {
  return json::object{
      {"index", p.index}, {"line", p.line}, {"vendor", p.vendor}, {"id", e.id}, {"created", e.created}};
}

std::optional<json::object> bad_line(const InputItem& item, const Result<PartnerSpec>& spec) {
  json::array issues;
  if (!spec) {
    issues = issues_json(spec.error());
  } else if (spec->password) {
    issues.push_back(
        json::object{{"field", "password"},
                     {"message", "secrets are never stored in the database; leave the password out"}});
  }
  if (issues.empty()) return std::nullopt;
  return json::object{
      {"index", item.index}, {"line", item.line}, {"ok", false}, {"issues", std::move(issues)}};
}

Result<PartnerSpec> checked(InputItem item) {
  if (!item.spec) return item.spec.error();
  return validated(std::move(*item.spec));
}

// <vendor>:<external_id>, else <vendor>:email:<lower-cased email>.
std::string idempotency_key(const std::string& vendor, const PartnerSpec& spec) {
  if (spec.external_id) return vendor + ":" + *spec.external_id;
  return vendor + ":email:" + text::ascii_lower(spec.email);
}

struct EnqueueJob {
  SpecReader* reader;
  std::string tenant;
  std::vector<std::string> vendors;
  std::vector<json::object> bad;  // issue lines
  std::vector<json::object> done;
  std::size_t created = 0, existing = 0, items = 0;
};

asio::awaitable<Result<void>> enqueue_body(pg::Store& store, void* ctx) {
  auto& job = *static_cast<EnqueueJob*>(ctx);
  auto begun = co_await store.begin();
  if (!begun) co_return begun.error();
  std::vector<pg::EnqueueRequest> chunk;
  std::vector<Pending> where;
  auto flush = [&]() -> asio::awaitable<Result<void>> {
    if (chunk.empty() || !job.bad.empty()) {
      chunk.clear();
      where.clear();
      co_return Result<void>{};
    }
    auto r = co_await store.enqueue_all(chunk);
    if (!r) co_return r.error();
    for (std::size_t i = 0; i < r->size(); ++i) {
      ((*r)[i].created ? job.created : job.existing)++;
      job.done.push_back(done_line(where[i], (*r)[i]));
    }
    chunk.clear();
    where.clear();
    co_return Result<void>{};
  };
  while (auto item = job.reader->next()) {
    ++job.items;
    Result<PartnerSpec> spec = checked(std::move(*item));
    if (auto bad = bad_line(*item, spec)) {
      job.bad.push_back(std::move(*bad));
      continue;
    }
    for (const auto& vendor : job.vendors) {
      pg::EnqueueRequest req;
      req.tenant = job.tenant;
      req.vendor = vendor;
      req.idempotency_key = idempotency_key(vendor, *spec);
      req.spec = to_json(*spec, false).as_object();
      chunk.push_back(std::move(req));
      where.push_back(Pending{item->index, item->line, vendor});
    }
    if (chunk.size() >= enqueue_chunk) {
      auto f = co_await flush();
      if (!f) {
        (void)co_await store.rollback();
        co_return f.error();
      }
    }
  }
  auto f = co_await flush();
  if (!f || !job.bad.empty() || job.reader->error()) {
    (void)co_await store.rollback();
    if (!f) co_return f.error();
    co_return Result<void>{};
  }
  co_return co_await store.commit();
}

int run_enqueue(const ParsedArgs& p) {
  auto url = database_url(p);
  if (!p.has("--tenant") || p.value("--tenant")->empty()) throw UsageError("missing --tenant");
  if (!p.has("--vendor")) throw UsageError("missing --vendor");
  if (!p.has("--input")) throw UsageError("missing --input");
  VendorArgs va;
  va.vendor_values = p.values("--vendor");
  auto reg = registry();
  EnqueueJob job;
  for (const auto& v : setup_vendors(*reg, va)) job.vendors.push_back(v.name);  // unknown vendor: UsageError
  job.tenant = *p.value("--tenant");
  const InputFormat format = parse_format(p.value("--format"));
  Input input = open_input(*p.value("--input"));
  SpecReader reader(*input.stream, format);
  job.reader = &reader;
  auto r = run_store<void>(url, enqueue_body, &job);
  if (reader.error()) throw UsageError(input.name + ": " + reader.error()->message + " (nothing enqueued)");
  if (!r) return database_failure("enqueue", r.error());
  if (!job.bad.empty()) {
    for (const auto& b : job.bad) print_line(b);
    std::cerr << "enqueue: " << job.items << " item(s), " << job.bad.size() << " invalid: nothing enqueued\n";
    return exit_failed;
  }
  for (const auto& d : job.done) print_line(d);
  std::cerr << "enqueue: " << job.items << " item(s), " << job.created << " enqueued, " << job.existing
            << " already enqueued\n";
  return exit_ok;
}

// ---- status ----
constexpr std::string_view status_help =
    "Usage: partnerkit status --database URL [--json]\n"
    "\n"
    "The queue at a glance: items per state (pending, running, reconcile, done, failed), per vendor\n"
    "and per tenant and vendor,\n"
    "the oldest unfinished item, and failures by error code. With --json, one object:\n"
    "  {\"pending\",\"running\",\"reconcile\",\"done\",\"failed\",\"by_vendor\":{V:{state:n}},\n"
    "   \"by_tenant\":{T:{V:{state:n}}},\n"
    "   \"failures_by_code\":{code:n},\"oldest\":{\"id\",\"state\",\"created_at\",\"age_seconds\"}|null}\n"
    "\n"
    "Options:\n" PARTNERKIT_CLI_DATABASE_HELP
    "  --json                 one JSON object on stdout\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 shown, 1 the database refused, 2 bad usage.\n";

void status_options(CLI::App& c) {
  option(c, "--database");
  flag(c, "--json");
}

int run_status(const ParsedArgs& p) {
  auto url = database_url(p);
  auto r = run_store<pg::StatusReport>(
      url, [](pg::Store& s, void*) { return s.status(); }, nullptr);
  if (!r) return database_failure("status", r.error());
  if (p.has("--json")) {
    print_line(r->to_json());
    return exit_ok;
  }
  for (const char* s : {"pending", "running", "reconcile", "done", "failed"})
    std::cout << s << std::string(11 - std::string_view(s).size(), ' ') << r->by_state[s] << "\n";
  for (const auto& [vendor, states] : r->by_vendor) {
    std::cout << "vendor " << vendor << ":";
    for (const auto& [state, n] : states) std::cout << " " << state << "=" << n;
    std::cout << "\n";
  }
  for (const auto& [tenant, per_vendor] : r->by_tenant)
    for (const auto& [vendor, states] : per_vendor) {
      std::cout << "tenant " << tenant << " vendor " << vendor << ":";
      for (const auto& [state, n] : states) std::cout << " " << state << "=" << n;
      std::cout << "\n";
    }
  if (r->oldest_unfinished)
    std::cout << "oldest unfinished: item " << r->oldest_unfinished->id << " (" << r->oldest_unfinished->state
              << ") since " << r->oldest_unfinished->created_at << "\n";
  for (const auto& [code, n] : r->failures_by_code) std::cout << "failed " << code << ": " << n << "\n";
  return exit_ok;
}

}  // namespace

extern const Command db_command{"db", "PostgreSQL: create or upgrade the schema (db migrate)", db_help,
                                db_options, run_db};
extern const Command enqueue_command{"enqueue", "PostgreSQL: put partners on the queue for workers",
                                     enqueue_help, enqueue_options, run_enqueue};
extern const Command status_command{"status", "PostgreSQL: the queue's depth by state, oldest item, failures",
                                    status_help, status_options, run_status};

}  // namespace partnerkit::cli

#endif  // PARTNERKIT_HAS_PG
