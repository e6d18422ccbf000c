// The PostgreSQL scale-out commands: db migrate, enqueue, status (pg/; DESIGN.md "Scale-out"): their
// bodies, built into partnerkit-pg only (their options and help: pg_commands.cpp).
#include "pg_commands.hpp"

#ifdef PARTNERKIT_HAS_PG

#include <partnerkit/pg/migrations.hpp>
#include <partnerkit/pg/store.hpp>
#include <partnerkit/spec_json.hpp>
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/validation.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace partnerkit::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

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

// A create is validated as provision validates it; the other operations' rows only name a partner
// (and an update's changes, which the worker's Client validates as it sends them).
Result<PartnerSpec> checked(InputItem item, Operation op) {
  if (!item.spec) return item.spec.error();
  if (op == Operation::create) return validated(std::move(*item.spec));
  const bool named = item.extras.contains("partner_id") ||
                     (item.spec->external_id && !item.spec->external_id->empty()) ||
                     !item.spec->email.empty();
  if (!named)
    return invalid_input_error(
        {FieldIssue{"partner_id", "the row names no partner (no partner_id, external_id or email)"}});
  return std::move(*item.spec);
}

// FNV-1a, 64 bits: a stable digest of a row for its default idempotency key (not a secret's hash:
// the row holds none).
std::string digest(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// The item an operation other than create puts on the queue: the row's spec (without an empty
// email) plus partner_id for this vendor and the deactivate options.
json::object operation_payload(const PartnerSpec& spec, const json::object& extras, const std::string& vendor,
                               Operation op, bool permanent, const std::string& reason) {
  json::object o = to_json(spec, false).as_object();
  if (spec.email.empty()) o.erase("email");
  if (const auto* id = extras.if_contains("partner_id")) {
    const json::value* v = id->is_object() ? id->as_object().if_contains(vendor) : id;
    if (v != nullptr && !v->is_null()) o["partner_id"] = *v;
  }
  if (op == Operation::deactivate) {
    o["permanent"] = permanent;
    if (!reason.empty()) o["reason"] = reason;
  }
  return o;
}

std::string operation_key(const std::string& vendor, const json::object& payload,
                          const json::object& extras) {
  if (const auto* k = extras.if_contains("idempotency_key"); k && k->is_string() && !k->as_string().empty())
    return vendor + ":" + std::string(k->as_string());
  std::string who;
  if (const auto* e = payload.if_contains("external_id"); e && e->is_string())
    who = std::string(e->as_string());
  else if (const auto* m = payload.if_contains("email"); m && m->is_string())
    who = "email:" + text::ascii_lower(m->as_string());
  else if (const auto* i = payload.if_contains("partner_id"))
    who = "id:" + (i->is_string() ? std::string(i->as_string()) : json::serialize(*i));
  if (who.size() > 200) who = who.substr(0, 200);
  return vendor + ":" + who + ":" + digest(json::serialize(payload));
}

// <vendor>:<external_id>, else <vendor>:email:<lower-cased email>.
std::string idempotency_key(const std::string& vendor, const PartnerSpec& spec) {
  if (spec.external_id) return vendor + ":" + *spec.external_id;
  return vendor + ":email:" + text::ascii_lower(spec.email);
}

struct EnqueueJob {
  SpecReader* reader;
  Operation operation = Operation::create;
  bool permanent = false;
  std::string reason;
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
    Result<PartnerSpec> spec = checked(*item, job.operation);
    if (auto bad = bad_line(*item, spec)) {
      job.bad.push_back(std::move(*bad));
      continue;
    }
    for (const auto& vendor : job.vendors) {
      pg::EnqueueRequest req;
      req.tenant = job.tenant;
      req.vendor = vendor;
      req.operation = job.operation;
      if (job.operation == Operation::create) {
        req.idempotency_key = idempotency_key(vendor, *spec);
        req.spec = to_json(*spec, false).as_object();
      } else {
        req.spec = operation_payload(*spec, item->extras, vendor, job.operation, job.permanent, job.reason);
        req.idempotency_key = operation_key(vendor, req.spec, item->extras);
      }
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
  const std::string op = p.value("--operation").value_or("create");
  if (op == "create")
    job.operation = Operation::create;
  else if (op == "find")
    job.operation = Operation::find;
  else if (op == "get")
    job.operation = Operation::get;
  else if (op == "update")
    job.operation = Operation::update;
  else if (op == "deactivate")
    job.operation = Operation::deactivate;
  else
    throw UsageError("--operation " + op + ": expected create, find, get, update or deactivate");
  job.permanent = p.has("--permanent");
  job.reason = p.value("--reason").value_or("");
  if ((job.permanent || p.has("--reason")) && job.operation != Operation::deactivate)
    throw UsageError("--permanent and --reason go with --operation deactivate");
  Input input = open_input(*p.value("--input"));
  SpecReaderOptions ro;
  ro.format = parse_format(p.value("--format"));
  if (job.operation != Operation::create) ro.extra_fields = {"partner_id", "idempotency_key"};
  SpecReader reader(*input.stream, ro);
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

int db_main(const ParsedArgs& args) { return run_db(args); }
int enqueue_main(const ParsedArgs& args) { return run_enqueue(args); }
int status_main(const ParsedArgs& args) { return run_status(args); }

}  // namespace partnerkit::cli

#endif  // PARTNERKIT_HAS_PG
