// partnerkit find | get | update | deactivate: the operations beyond create, as batches with the
// input formats, output lines, rate limits, retries, sandbox and exit status of `provision`.
// update and deactivate change something and take --journal; find and get only read.
#include "batch_command.hpp"

#include <partnerkit/client.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>

#include <memory>

namespace partnerkit::cli {
namespace {
namespace asio = boost::asio;

#define PARTNERKIT_CLI_COMMON_OPTIONS_HELP                                                               \
  "  --vendor V[,V...]      vendors (each row is run on each); repeatable\n"                             \
  "  --input FILE|-         JSON lines or CSV, as for provision, plus partner_id (below); - for stdin\n" \
  "  --format F             auto (default), jsonl or csv\n"                                              \
  "  --concurrency N        requests in flight per vendor (default 8)\n"                                 \
  "  --rate R               requests per second per vendor key (default: the vendor's limit)\n"          \
  "  --base-url [V=]URL     base URL for every vendor, or for vendor V\n"                                \
  "  --ca-file PEM          also trust this CA (TLS verification is always on)\n"                        \
  "  --settings FILE        JSON {\"<vendor>\": {settings}}\n"                                           \
  "  --sandbox              start the local simulator in-process and point every vendor at it\n"         \
  "  --sandbox-faults SPEC  with --sandbox: faults, e.g. 5xx=0.1 (see partnerkit sandbox)\n"             \
  "  --timeout S            overall deadline per row and vendor in seconds (default 120)\n"              \
  "  --request-timeout S    deadline of one attempt in seconds (default 30)\n"                           \
  "  --max-attempts N       requests per row and vendor at most, lookups included (default 5)\n"         \
  "  --progress WHEN        auto (default), always or never\n"                                           \
  "  -h, --help             this text\n"

#define PARTNERKIT_CLI_PARTNER_ID_HELP                                                                       \
  "Which partner a row means, per vendor: its partner_id (the vendor's id) when the row has one -\n"         \
  "a JSON member \"partner_id\": \"pn_1\", or by vendor \"partner_id\": {\"dub\": \"pn_1\", \"partnero\":\n" \
  "\"42\"}; CSV columns partner_id, or partner_id.<vendor> - else the partner found by external_id,\n"       \
  "then by email (compared exactly; several matches is an error). Not found is error not_found.\n"

#define PARTNERKIT_CLI_OUTPUT_HELP                                                                      \
  "Output: one JSON object per row and vendor on stdout, as provision's (index, line, vendor, email,\n" \
  "outcome, partner_id, referral_link, attempts, warnings, from_journal, error) plus \"status\" (the\n" \
  "partner's normalized status); a summary on stderr.\n"                                                \
  "Exit status: 0 every row ok, 1 some rows failed (not found included), 2 bad usage or unreadable\n"   \
  "input. API keys come from <VENDOR>_API_KEY and are never printed.\n"

constexpr std::string_view find_help =
    "Usage: partnerkit find --vendor V[,V...] --input FILE|- [options]\n"
    "\n"
    "Looks each row's partner up on each vendor and prints it (outcome \"existing\"), or error\n"
    "not_found. Sends no change.\n"
    "\n" PARTNERKIT_CLI_PARTNER_ID_HELP
    "--by picks one key instead: partner_id, external_id or email (a vendor without a lookup by it\n"
    "answers unsupported_operation, nothing sent).\n"
    "\n"
    "Options:\n"
    "  --by KEY               auto (default: partner_id, else external_id then email), partner_id,\n"
    "                         external_id or email\n" PARTNERKIT_CLI_COMMON_OPTIONS_HELP
    "\n" PARTNERKIT_CLI_OUTPUT_HELP;

constexpr std::string_view get_help =
    "Usage: partnerkit get --vendor V[,V...] --input FILE|- [options]\n"
    "\n"
    "Reads each row's partner by its vendor id: every row needs partner_id (see below; use find to\n"
    "look partners up by external_id or email). Sends no change.\n"
    "\n" PARTNERKIT_CLI_PARTNER_ID_HELP
    "\n"
    "Options:\n" PARTNERKIT_CLI_COMMON_OPTIONS_HELP "\n" PARTNERKIT_CLI_OUTPUT_HELP;

constexpr std::string_view update_help =
    "Usage: partnerkit update --vendor V[,V...] --input FILE|- [--journal FILE] [options]\n"
    "\n"
    "Changes each row's partner on each vendor: the row's PartnerSpec fields other than email and\n"
    "external_id (which say who is meant, and are never changed) are the new values. Only the fields\n"
    "the vendor can update are sent (partnerkit vendors lists them); any other field is dropped with a\n"
    "warning, or fails the row with unsupported_field under --strict. Outcome \"updated\".\n"
    "\n" PARTNERKIT_CLI_PARTNER_ID_HELP
    "\n"
    "Options:\n"
    "  --journal FILE         resumable: run again with the same FILE to skip the rows done (a journal\n"
    "                         of another command is refused; locked, each row's start synced to disk)\n"
    "  --no-journal-sync      flush journal records to the OS only (not synced to the disk)\n"
    "  --strict               fail rows that change a field the vendor cannot "
    "update\n" PARTNERKIT_CLI_COMMON_OPTIONS_HELP "\n" PARTNERKIT_CLI_OUTPUT_HELP;

constexpr std::string_view deactivate_help =
    "Usage: partnerkit deactivate --vendor V[,V...] --input FILE|- [--journal FILE] [options]\n"
    "\n"
    "Turns each row's partner off on each vendor, the way the vendor does it (partnerkit vendors shows\n"
    "each one's semantics: deactivate, archive, suspend, ban). Outcome \"updated\"; \"status\" says\n"
    "what the vendor reports now.\n"
    "\n" PARTNERKIT_CLI_PARTNER_ID_HELP
    "\n"
    "Options:\n"
    "  --permanent            the vendor's irreversible form where it has one (e.g. Dub's ban)\n"
    "  --reason TEXT          passed where the vendor takes a reason (e.g. Dub's ban reason)\n"
    "  --journal FILE         resumable: run again with the same FILE to skip the rows done (a journal\n"
    "                         of another command is refused; locked, each row's start synced to disk)\n"
    "  --no-journal-sync      flush journal records to the OS only (not synced to the "
    "disk)\n" PARTNERKIT_CLI_COMMON_OPTIONS_HELP "\n" PARTNERKIT_CLI_OUTPUT_HELP;

void find_options(CLI::App& c) {
  declare_batch_options(c);
  option(c, "--by");
}
void get_options(CLI::App& c) { declare_batch_options(c); }
void update_options(CLI::App& c) {
  declare_batch_options(c);
  option(c, "--journal");
  flag(c, "--no-journal-sync");
}
void deactivate_options(CLI::App& c) {
  update_options(c);
  flag(c, "--permanent");
  option(c, "--reason");
}

// The row's partner_id for this vendor: a string for every vendor, or an object by vendor.
std::optional<std::string> partner_id_for(const boost::json::object& extras, const std::string& vendor) {
  const auto* v = extras.if_contains("partner_id");
  if (v && v->is_object()) v = v->as_object().if_contains(vendor);
  if (!v) return std::nullopt;
  if (v->is_string())
    return v->get_string().empty() ? std::nullopt : std::optional<std::string>(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::nullopt;
}

// Completes a batch item's handler on its own executor (the batch's strand).
void complete(BatchItemHandler h, Result<Partner> r) {
  auto ex = asio::get_associated_executor(h);
  asio::dispatch(ex, [h = std::move(h), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
}

// Finds the partner a row means on one vendor (by the given keys in turn), then hands it on.
class Lookup : public std::enable_shared_from_this<Lookup> {
 public:
  using Then = std::function<void(Partner found, int attempts, BatchItemHandler h)>;

  Lookup(Client& client, std::string vendor, std::vector<FindQuery> queries, BatchItemHandler handler,
         Then then)
      : client_(client),
        vendor_(std::move(vendor)),
        queries_(std::move(queries)),
        handler_(std::move(handler)),
        then_(std::move(then)) {}

  void next() {
    if (next_ == queries_.size()) {
      std::string keys;
      for (const auto& q : queries_) keys += (keys.empty() ? "" : " or ") + key_text(q);
      Error e = Error::make(
          errc::not_found, queries_.empty() ? "the row names no partner (no partner_id, external_id or email)"
                                            : "no partner on " + vendor_ + " matches " + keys);
      e.attempts = attempts_;
      return complete(std::move(handler_), std::move(e));
    }
    client_.async_find(
        vendor_, queries_[next_],
        [self = shared_from_this()](Result<std::optional<Partner>> r) { self->on_found(std::move(r)); });
  }

 private:
  static std::string key_text(const FindQuery& q) {
    return std::string(q.key == FindQuery::Key::external_id ? "external_id "
                       : q.key == FindQuery::Key::email     ? "email "
                                                            : "partner_id ") +
           q.value;
  }

  void on_found(Result<std::optional<Partner>> r) {
    if (!r) {
      Error e = r.error();
      e.attempts += attempts_;
      return complete(std::move(handler_), std::move(e));
    }
    attempts_ += r->has_value() ? (*r)->attempts : 1;
    if (!r->has_value()) {
      ++next_;
      return next();
    }
    then_(std::move(**r), attempts_, std::move(handler_));
  }

  Client& client_;
  std::string vendor_;
  std::vector<FindQuery> queries_;
  BatchItemHandler handler_;
  Then then_;
  std::size_t next_ = 0;
  int attempts_ = 0;
};

// What the vendor can look a partner up by.
OperationSupport operations_of(Client& client, const std::string& vendor) {
  auto adapter = client.registry()->find(vendor);
  if (!adapter) return {};
  try {
    return adapter->capabilities().operations;
  } catch (const std::exception&) {
    return {};
  }
}

// The lookups that name the row's partner when it has no partner_id: external_id, then email.
std::vector<FindQuery> lookups_for(const PartnerSpec& spec, const OperationSupport& ops) {
  std::vector<FindQuery> out;
  if (spec.external_id && !spec.external_id->empty() && ops.find_by_external_id)
    out.push_back({FindQuery::Key::external_id, *spec.external_id});
  if (!spec.email.empty() && ops.find_by_email) out.push_back({FindQuery::Key::email, spec.email});
  return out;
}

// Runs `act(id, handler)` on the row's partner: its partner_id, else the one the lookups find.
using Act = std::function<void(const std::string& id, BatchItemHandler h)>;
void on_partner(Client& client, const std::string& vendor, const BatchItem& item, BatchItemHandler h,
                Act act) {
  if (auto id = partner_id_for(item.extras, vendor)) return act(*id, std::move(h));
  auto queries = lookups_for(item.spec, operations_of(client, vendor));
  if (queries.empty())
    return complete(std::move(h),
                    Error::make(errc::unsupported_operation,
                                vendor + " cannot look this partner up (no partner_id, and no lookup by the "
                                         "row's external_id or email): nothing was sent",
                                "partner_id"));
  auto lookup = std::make_shared<Lookup>(
      client, vendor, std::move(queries), std::move(h),
      [act = std::move(act)](Partner found, int attempts, BatchItemHandler h) {
        if (!found.id)
          return complete(std::move(h),
                          Error::make(errc::protocol, "the partner found carries no vendor id"));
        // The lookups' requests count in the row's attempts.
        auto ex = asio::get_associated_executor(h);
        act(*found.id,
            BatchItemHandler(asio::bind_executor(ex, [h = std::move(h), attempts](Result<Partner> r) mutable {
              if (r) {
                r->attempts += attempts;
              } else {
                Error e = r.error();
                e.attempts += attempts;
                r = std::move(e);
              }
              std::move(h)(std::move(r));
            })));
      });
  lookup->next();
}

// find, get, update and deactivate: rows that may name their partner (partner_id beside the spec),
// each result line with the partner's status; `make` builds the per-row operation from the options.
int run_on_rows(const ParsedArgs& args, std::string_view name,
                std::function<BatchOperation(const ParsedArgs&)> make) {
  BatchCommand command;
  command.name = name;
  command.extra_fields = {"partner_id"};
  command.print_status = true;
  command.configure = [name, make = std::move(make)](const ParsedArgs& p, BatchOptions& bo) {
    bo.operation_name = std::string(name);
    bo.operation = make(p);
  };
  return run_batch(args, command);
}

// ---- find ----
int run_find(const ParsedArgs& args) {
  return run_on_rows(args, "find", [](const ParsedArgs& p) -> BatchOperation {
    const std::string by = p.value("--by").value_or("auto");
    if (by != "auto" && by != "partner_id" && by != "external_id" && by != "email")
      throw UsageError("--by " + by + ": expected auto, partner_id, external_id or email");
    return [by](Client& client, const std::string& vendor, const BatchItem& item, BatchItemHandler h) {
      std::vector<FindQuery> queries;
      auto id = partner_id_for(item.extras, vendor);
      if (by == "partner_id" || (by == "auto" && id)) {
        if (!id)
          return complete(std::move(h),
                          Error::make(errc::invalid_input, "the row has no partner_id", "partner_id"));
        const auto ops = operations_of(client, vendor);
        if (!ops.find_by_vendor_id && ops.get) {  // the same answer by another road
          auto ex = asio::get_associated_executor(h);
          return client.async_get(vendor, *id,
                                  asio::bind_executor(ex, [h = std::move(h)](Result<Partner> r) mutable {
                                    if (r) r->outcome = Outcome::existing;
                                    std::move(h)(std::move(r));
                                  }));
        }
        queries.push_back({FindQuery::Key::vendor_id, *id});
      } else if (by == "external_id") {
        if (!item.spec.external_id)
          return complete(std::move(h),
                          Error::make(errc::invalid_input, "the row has no external_id", "external_id"));
        queries.push_back({FindQuery::Key::external_id, *item.spec.external_id});
      } else if (by == "email") {
        queries.push_back({FindQuery::Key::email, item.spec.email});
      } else {
        queries = lookups_for(item.spec, operations_of(client, vendor));
        if (queries.empty())  // let the client say which lookup the vendor lacks
          queries.push_back({FindQuery::Key::email, item.spec.email});
      }
      auto lookup = std::make_shared<Lookup>(client, vendor, std::move(queries), std::move(h),
                                             [](Partner found, int attempts, BatchItemHandler h) {
                                               found.attempts = attempts;
                                               complete(std::move(h), std::move(found));
                                             });
      lookup->next();
    };
  });
}

// ---- get ----
int run_get(const ParsedArgs& args) {
  return run_on_rows(args, "get", [](const ParsedArgs&) -> BatchOperation {
    return [](Client& client, const std::string& vendor, const BatchItem& item, BatchItemHandler h) {
      auto id = partner_id_for(item.extras, vendor);
      if (!id)
        return complete(std::move(h), Error::make(errc::invalid_input,
                                                  "get needs the row's partner_id for " + vendor +
                                                      " (find looks partners up by external_id or email)",
                                                  "partner_id"));
      client.async_get(vendor, *id, std::move(h));
    };
  });
}

// ---- update ----
int run_update(const ParsedArgs& args) {
  return run_on_rows(args, "update", [](const ParsedArgs&) -> BatchOperation {
    return [](Client& client, const std::string& vendor, const BatchItem& item, BatchItemHandler h) {
      PartnerSpec changes = item.spec;
      changes.email.clear();  // who is meant, never a change
      changes.external_id.reset();
      on_partner(client, vendor, item, std::move(h),
                 [&client, vendor, changes = std::move(changes)](const std::string& id, BatchItemHandler h) {
                   client.async_update(vendor, id, changes, std::move(h));
                 });
    };
  });
}

// ---- deactivate ----
int run_deactivate(const ParsedArgs& args) {
  return run_on_rows(args, "deactivate", [](const ParsedArgs& p) -> BatchOperation {
    DeactivateOptions d;
    d.permanent = p.has("--permanent");
    d.reason = p.value("--reason").value_or("");
    return [d](Client& client, const std::string& vendor, const BatchItem& item, BatchItemHandler h) {
      on_partner(client, vendor, item, std::move(h),
                 [&client, vendor, d](const std::string& id, BatchItemHandler h) {
                   client.async_deactivate(vendor, id, d, std::move(h));
                 });
    };
  });
}

}  // namespace

extern const Command find_command{"find", "look partners up on vendors (by partner_id, external_id or email)",
                                  find_help, find_options, run_find};
extern const Command get_command{"get", "read partners by their vendor ids", get_help, get_options, run_get};
extern const Command update_command{"update", "change partners' fields on vendors (resumable)", update_help,
                                    update_options, run_update};
extern const Command deactivate_command{
    "deactivate", "turn partners off on vendors (deactivate / archive / suspend / ban; resumable)",
    deactivate_help, deactivate_options, run_deactivate};

}  // namespace partnerkit::cli
