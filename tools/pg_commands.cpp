// The PostgreSQL commands' declarations: names, summaries, help texts and options. Built into
// `partnerkit` (the bodies exec partnerkit-pg) and into partnerkit-pg itself (PARTNERKIT_PG_IN_PROCESS:
// the bodies of db.cpp and worker.cpp), so both parse and describe them alike (pg_commands.hpp).
#include "pg_commands.hpp"

#ifdef PARTNERKIT_HAS_PG

#include <sys/prctl.h>

namespace partnerkit::cli {
namespace {

#ifdef PARTNERKIT_PG_IN_PROCESS
// The process keeps the CLI's name (exec named it partnerkit-pg): ps, top, `pkill -x
// partnerkit` and killall find a worker as before.
template <int (*Body)(const ParsedArgs&)>
int as_partnerkit(const ParsedArgs& args) {
  ::prctl(PR_SET_NAME, "partnerkit");
  return Body(args);
}
#define PARTNERKIT_PG_RUN(body) as_partnerkit<body>
#else
#define PARTNERKIT_PG_RUN(body) run_in_pg_helper
#endif

#define PARTNERKIT_CLI_DATABASE_HELP                                                                    \
  "  --database URL         the PostgreSQL database: postgresql://user@host/db?... or libpq's\n"        \
  "                         key=value form; default: $PARTNERKIT_DATABASE_URL. Never printed (it may\n" \
  "                         hold a password; prefer ~/.pgpass or PGPASSWORD)\n"

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

constexpr std::string_view enqueue_help =
    "Usage: partnerkit enqueue --database URL --tenant T --vendor V[,V...] --input FILE|- [options]\n"
    "\n"
    "Puts partners on the PostgreSQL queue for workers (--operation create, the default). Every item\n"
    "is parsed and validated first; the whole input goes in one transaction: a bad item, an unknown\n"
    "vendor or a database error leaves nothing enqueued. Enqueueing the same partner again is the\n"
    "same item: the idempotency key is <vendor>:<external_id>, or <vendor>:email:<lower-cased email>\n"
    "without one (unique per tenant and operation). A spec carrying a password is refused: secrets\n"
    "are never stored in the database.\n"
    "--operation find, get, update or deactivate: each row names its partner as for those commands\n"
    "(partner_id, a string or an object by vendor, else external_id, then email, looked up by the\n"
    "worker); an update's other fields are the changes. The key is <vendor>:<partner>:<hash of the\n"
    "row>, so the same row enqueued again is the same item, a different change another; a row's own\n"
    "\"idempotency_key\" member (or CSV column) replaces it (<vendor>: is put in front).\n"
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
    "  --operation OP         create (default), find, get, update or deactivate\n"
    "  --permanent            deactivate: the vendor's irreversible form where it has one (Dub's ban)\n"
    "  --reason TEXT          deactivate: passed where the vendor takes a reason\n"
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
  option(c, "--operation");
  flag(c, "--permanent");
  option(c, "--reason");
}

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

constexpr std::string_view worker_help =
    "Usage: partnerkit worker --database URL --vendor V[,V...] [options]\n"
    "\n"
    "Works the PostgreSQL queue filled by `partnerkit enqueue` (or the partnerkit.enqueue SQL function):\n"
    "claims items in batches (FOR UPDATE SKIP LOCKED; one partner's operations in order), reserves\n"
    "each request's slot from its API key's rate limit held in the database (so all workers together\n"
    "keep it; a 429 seen by one slows all), commits an intent event before the request leaves, and\n"
    "applies the outcome only under the item's attempt number (a worker whose lease was taken over\n"
    "changes nothing). Leases are heartbeated; an expired lease (a dead worker) sends its item to\n"
    "reconcile, and the next request for it treats an already-exists answer as `existing`. Run as\n"
    "many workers, on as many hosts, as you like. NOTIFY wakes idle workers.\n"
    "\n"
    "Options:\n"
    "  --database URL         the PostgreSQL database (default: $PARTNERKIT_DATABASE_URL; never printed)\n"
    "  --vendor V[,V...]      the vendors this worker serves (items of others are left alone)\n"
    "  --base-url [V=]URL     base URL for every vendor, or for vendor V (else\n"
    "                         PARTNERKIT_<VENDOR>_BASE_URL, else the vendor's public endpoint)\n"
    "  --ca-file PEM          also trust this CA (TLS verification is always on)\n"
    "  --settings FILE        JSON {\"<vendor>\": {settings}}\n"
    "  --rate [V=]R           the limit of each API key, shared by every worker through the database:\n"
    "                         200, 200/s, 3000/min, 50/s,burst=10; 0 for none. Default: start at the\n"
    "                         vendor's declared limit, probe upward and run at the limit the vendor\n"
    "                         states (X-RateLimit-Limit), learnt once for every worker\n"
    "  --concurrency N        items held at once, waiting for a slot or in flight (default 256)\n"
    "  --batch N              items per claim (default 100)\n"
    "  --lease S              lease in seconds, heartbeated every third of it (default 30)\n"
    "  --poll S               look for work at least this often when idle (default 0.5)\n"
    "  --max-attempts N       requests per item before a retryable error is final (default 15)\n"
    "  --keep-raw             also store the vendor's own JSON answer (scrubbed) in each item's result\n"
    "  --request-timeout S    deadline of one request in seconds (default 30)\n"
    "  --owner NAME           the lease owner name (default host:pid:random)\n"
    "  --metrics-port P       serve /metrics (Prometheus) and /healthz on 127.0.0.1:P (0: any port;\n"
    "                         the port is printed)\n"
    "  -h, --help             this text\n"
    "\n"
    "API keys come from the worker's environment, never from the database: <VENDOR>_API_KEY_<TENANT>\n"
    "(the tenant upper-cased, other characters as _) for one tenant, else <VENDOR>_API_KEY (e.g.\n"
    "DUB_API_KEY). They are never printed.\n"
    "SIGTERM or SIGINT drains: nothing more is claimed, held items finish and are recorded, exit 0.\n"
    "Exit status: 0 drained, 1 the database refused us or is not migrated, 2 bad usage.\n";

void worker_options(CLI::App& c) {
  option(c, "--database");
  repeatable(c, "--vendor");
  repeatable(c, "--base-url");
  option(c, "--ca-file");
  option(c, "--settings");
  repeatable(c, "--rate");
  option(c, "--concurrency");
  option(c, "--batch");
  option(c, "--lease");
  option(c, "--poll");
  option(c, "--max-attempts");
  flag(c, "--keep-raw");
  option(c, "--owner");
  option(c, "--request-timeout");
  option(c, "--metrics-port");
}

}  // namespace

extern const Command db_command{"db", "PostgreSQL: create or upgrade the schema (db migrate)", db_help,
                                db_options, PARTNERKIT_PG_RUN(db_main)};
extern const Command enqueue_command{"enqueue", "PostgreSQL: put partners on the queue for workers",
                                     enqueue_help, enqueue_options, PARTNERKIT_PG_RUN(enqueue_main)};
extern const Command status_command{"status", "PostgreSQL: the queue's depth by state, oldest item, failures",
                                    status_help, status_options, PARTNERKIT_PG_RUN(status_main)};
extern const Command worker_command{"worker", "PostgreSQL: work the queue (many workers, many hosts)",
                                    worker_help, worker_options, PARTNERKIT_PG_RUN(worker_main)};

}  // namespace partnerkit::cli

#endif  // PARTNERKIT_HAS_PG
