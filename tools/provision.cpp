// partnerkit provision: a batch of partners provisioned on one or more vendors, with bounded
// concurrency, rate limits, retries, an optional resumable journal, and --sandbox to run it all
// against the in-process simulator.
#include "batch_command.hpp"
#include "progress.hpp"
#include "result_line.hpp"

#include <partnerkit/batch.hpp>
#include <partnerkit/beast_transport.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/sandbox/faults.hpp>
#include <partnerkit/sandbox/sandbox.hpp>
#include <partnerkit/spec_json.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

namespace partnerkit::cli {
namespace {
namespace asio = boost::asio;

constexpr std::string_view provision_help =
    "Usage: partnerkit provision --vendor V[,V...] --input FILE|- [options]\n"
    "\n"
    "Provisions every partner of the input on each vendor and prints one JSON object per item and\n"
    "vendor on stdout:\n"
    "  {\"index\",\"line\",\"vendor\",\"email\",\"outcome\",\"partner_id\",\"referral_link\",\"attempts\",\n"
    "   "
    "\"warnings\",\"from_journal\",\"error\":{\"code\",\"retryable\",\"http_status\",\"vendor_code\","
    "\"message\",\"vendor_message\" (when the vendor said one),\"field\"}}\n"
    "and a summary on stderr. Retries, backoff, rate limits and duplicate reconciliation are applied\n"
    "per vendor; nothing is created twice.\n"
    "\n"
    "Options:\n"
    "  --vendor V[,V...]      vendors to provision on (dub, partnero, journeybee); repeatable\n"
    "  --input FILE|-         JSON lines or CSV (header row of PartnerSpec names); - for stdin\n"
    "  --format F             auto (default), jsonl or csv\n"
    "  --concurrency N        requests in flight per vendor (default 8)\n"
    "  --rate [V=]R           rate limit per vendor key, for every vendor or for vendor V; held and\n"
    "                         never exceeded: 200 (per second), 200/s, 3000/min, 45/30s, with a burst\n"
    "                         as 50/s,burst=10; 0 for none. Default: the limit the vendor states in\n"
    "                         X-RateLimit-Limit, else the adapter's declared one probed upward;\n"
    "                         unlimited with --sandbox. The summary says which rate was used and why\n"
    "  --journal FILE         append-only journal: run again with the same FILE to resume; finished\n"
    "                         items are skipped, interrupted ones reconciled, never created twice;\n"
    "                         locked (one run at a time); each item's start is synced to the disk\n"
    "                         before its request (grouped); an existing non-journal file is refused\n"
    "  --no-journal-sync      flush journal records to the OS only (survives a killed process, not a\n"
    "                         machine crash)\n"
    "  --reconcile MODE       lookup (default) or duplicate: how a create that may have been applied\n"
    "                         (an answer lost, a journaled item not finished) is settled before it\n"
    "                         is sent again. lookup asks the vendor (by external_id, then email) and\n"
    "                         reports `existing` with the partner's id; vendors without a lookup use\n"
    "                         duplicate: send again and take \"already exists\" as `existing` (no id)\n"
    "  --derive-external-id   give an item without external_id a stable one derived from its email\n"
    "                         (pk- and 32 hex digits; --id-namespace NS, default \"partnerkit\"), sent\n"
    "                         to every vendor that carries external_id, so lookups match exactly\n"
    "  --id-namespace NS      the namespace of derived external ids (same NS, same ids)\n"
    "  --base-url [V=]URL     base URL for every vendor, or for vendor V\n"
    "  --ca-file PEM          also trust this CA (TLS verification is always on)\n"
    "  --settings FILE        JSON {\"<vendor>\": {settings}} (e.g. JourneyBee's country_ids map)\n"
    "  --sandbox              start the local simulator in-process and point every vendor at it\n"
    "  --sandbox-faults SPEC  with --sandbox: faults, e.g. 5xx=0.1,reset=0.05 (see partnerkit sandbox)\n"
    "  --strict               fail items using fields a vendor cannot carry\n"
    "  --timeout S            overall deadline per item in seconds, retries included (default 120)\n"
    "  --request-timeout S    deadline of one attempt (write and read) in seconds (default 30)\n"
    "  --max-attempts N       requests per item at most (default 5)\n"
    "  --progress WHEN        auto (default: when stderr is a terminal), always or never\n"
    "  -h, --help             this text\n"
    "\n"
    "API keys come from <VENDOR>_API_KEY (e.g. DUB_API_KEY; `partnerkit --help` lists them) and are never\n"
    "printed.\n"
    "SIGINT stops reading input, lets requests in flight finish and records them; a second SIGINT\n"
    "exits at once.\n"
    "Exit status: 0 all provisioned, 1 some items failed or the run was interrupted, 2 bad usage or\n"
    "unreadable input.\n";

void provision_options(CLI::App& c) {
  declare_batch_options(c);
  option(c, "--journal");
  option(c, "--reconcile");
  flag(c, "--derive-external-id");
  option(c, "--id-namespace");
  flag(c, "--no-journal-sync");
}

// Per vendor: how many items ended in each outcome or error code.
struct VendorTally {
  std::map<std::string, std::map<std::string, std::size_t, std::less<>>, std::less<>>
      counts;  // vendor -> column -> n
  std::vector<std::string> columns{"created", "updated", "existing"};
  void add(const BatchResult& r) {
    // Looked up by string_view: nothing is allocated per result once a vendor and column exist.
    const std::string_view col = r.result ? to_string(r.result->outcome) : to_string(r.result.error().code);
    // The cell of the last result first: a batch's results are mostly one vendor and one outcome.
    if (last_cell && r.vendor == last_vendor && col == last_column) {
      ++*last_cell;
      return;
    }
    if (std::find(columns.begin(), columns.end(), col) == columns.end()) columns.emplace_back(col);
    auto row = counts.find(std::string_view(r.vendor));
    if (row == counts.end())
      row = counts.emplace(r.vendor, std::map<std::string, std::size_t, std::less<>>{}).first;
    auto cell = row->second.find(col);
    if (cell == row->second.end()) cell = row->second.emplace(std::string(col), 0).first;
    ++cell->second;
    // Views of the maps' own keys and a pointer to their value: map nodes never move.
    last_vendor = row->first;
    last_column = cell->first;
    last_cell = &cell->second;
  }
  std::string_view last_vendor, last_column;
  std::size_t* last_cell = nullptr;
  void print(std::ostream& err) const {
    err << "\n  " << pad("vendor", 12);
    for (const auto& c : columns) err << pad(c, std::max<std::size_t>(c.size() + 2, 9));
    err << "\n";
    for (const auto& [vendor, row] : counts) {
      err << "  " << pad(vendor, 12);
      for (const auto& c : columns) {
        auto it = row.find(c);
        err << pad(std::to_string(it == row.end() ? 0 : it->second), std::max<std::size_t>(c.size() + 2, 9));
      }
      err << "\n";
    }
  }
  static std::string pad(std::string s, std::size_t w) {
    if (s.size() < w) s.resize(w, ' ');
    return s;
  }
};

void print_summary(const BatchSummary& s, const VendorTally& tally) {
  auto& err = std::cerr;
  tally.print(err);
  err << "\nsummary: " << s.items << " items, " << s.results << " results in " << s.elapsed.count() << " s\n";
  err << "  succeeded " << s.succeeded << ", failed " << s.failed;
  if (s.from_journal) err << " (" << s.from_journal << " from the journal)";
  err << "\n";
  for (const auto& [k, v] : s.by_outcome) err << "  outcome " << k << ": " << v << "\n";
  for (const auto& [k, v] : s.by_error) err << "  error " << k << ": " << v << "\n";
  const double secs = s.elapsed.count() > 0 ? s.elapsed.count() : 1e-9;
  err << "  requests " << s.requests << " (" << s.retries << " retries), "
      << static_cast<long long>(s.requests / secs) << " requests/s\n";
  err << "  latency p50 " << s.p50_latency.count() / 1000.0 << " ms, p99 " << s.p99_latency.count() / 1000.0
      << " ms\n";
  for (const auto& w : s.warnings) err << "  warning: " << w << "\n";
  if (s.journal_syncs) err << "  journal: " << s.journal_syncs << " syncs\n";
  if (s.cancelled) err << "  interrupted: run again with the same --journal to finish\n";
  if (s.fatal) err << "  stopped: " << cli_scrubbed(s.fatal->message) << "\n";
}

// Which rate each vendor key ran at and why (keys are never printed).
void print_pacing(const std::vector<PacingReport>& reports) {
  auto& err = std::cerr;
  for (const auto& r : reports) {
    char rate[96];
    if (r.status.rate > 0)
      std::snprintf(rate, sizeof rate, "%.4g requests/s (margin %.1f %%)", r.status.rate,
                    r.status.margin * 100);
    else
      std::snprintf(rate, sizeof rate, "not spaced");
    err << "  pacing " << r.vendor << (r.key > 1 ? " key " + std::to_string(r.key) : std::string()) << ": "
        << rate << ", " << to_string(r.status.source) << ": " << r.status.why;
    if (r.status.throttled) err << "; " << r.status.throttled << " answered 429";
    if (r.status.held) err << "; " << r.status.held << " sends held to keep the spacing after a late one";
    if (r.status.pauses) err << "; key paused " << r.status.pauses << "x (the vendor said it was exhausted)";
    if (r.status.refused)
      err << "; " << r.status.refused << " not sent (no slot before the deadline: run again to resume)";
    err << "\n";
  }
}

}  // namespace

void declare_batch_options(CLI::App& c) {
  repeatable(c, "--vendor");
  option(c, "--input");
  option(c, "--format");
  option(c, "--concurrency");
  repeatable(c, "--rate");
  repeatable(c, "--base-url");
  option(c, "--ca-file");
  option(c, "--settings");
  flag(c, "--sandbox");
  option(c, "--sandbox-faults");
  flag(c, "--strict");
  option(c, "--timeout");
  option(c, "--request-timeout");
  option(c, "--max-attempts");
  option(c, "--progress");
}

int run_batch(const ParsedArgs& p, const BatchCommand& command) {
  if (!p.has("--vendor")) throw UsageError("missing --vendor");
  if (!p.has("--input")) throw UsageError("missing --input");
  const bool use_sandbox = p.has("--sandbox");
  if (p.has("--sandbox-faults") && !use_sandbox) throw UsageError("--sandbox-faults needs --sandbox");
  if (use_sandbox && p.has("--base-url")) throw UsageError("--sandbox and --base-url exclude each other");

  VendorArgs va = vendor_args(p);
  auto reg = registry();
  auto vendors = setup_vendors(*reg, va);

  const std::size_t concurrency = static_cast<std::size_t>(
      parse_number("--concurrency", p.value("--concurrency").value_or("8"), 1, 100000, true));
  const RateArgs rates = parse_rates(p.values("--rate"));
  const auto& rate = rates.all;
  const auto& vendor_rates = rates.per_vendor;
  const auto timeout = parse_seconds("--timeout", p.value("--timeout").value_or("120"));
  const int max_attempts = static_cast<int>(
      parse_number("--max-attempts", p.value("--max-attempts").value_or("5"), 1, 1000, true));
  check_proxy_environment();
  const std::string progress_mode = p.value("--progress").value_or("auto");
  if (progress_mode != "auto" && progress_mode != "always" && progress_mode != "never")
    throw UsageError("--progress " + progress_mode + ": expected auto, always or never");
  const bool progress = progress_mode == "always" || (progress_mode == "auto" && ::isatty(STDERR_FILENO));

  Input input = open_input(*p.value("--input"));
  SpecReaderOptions ro;
  ro.format = parse_format(p.value("--format"));
  ro.extra_fields = command.extra_fields;
  SpecReader reader(*input.stream, ro);

  asio::io_context io(1);

  std::unique_ptr<sandbox::Sandbox> sim;
  TransportOptions topts;
  if (auto ca = p.value("--ca-file")) topts.ca_file = *ca;
  topts.single_threaded = true;  // io.run() below is the only thread: no strand per connection
  if (auto rt = p.value("--request-timeout")) topts.request_timeout = parse_seconds("--request-timeout", *rt);
  if (use_sandbox) {
    sandbox::SandboxOptions so;
    for (const auto& plugin : loaded_plugins())
      for (const auto& ps : plugin.simulators) so.config.plugin_simulators.push_back(ps);
    if (auto f = p.value("--sandbox-faults")) {
      std::string why;
      auto spec = sandbox::try_parse_fault_spec(*f, &why);
      if (!spec) throw UsageError("--sandbox-faults " + *f + ": " + why);
      so.config.faults = *spec;
    }
    try {
      sim = std::make_unique<sandbox::Sandbox>(so);
    } catch (const std::exception& e) {
      throw UsageError(std::string("cannot start the sandbox: ") + e.what());
    }
    topts.ca_pem = sim->ca_pem();
    std::cerr << "sandbox: listening on " << sim->base_url() << " (its own CA is trusted for this run)\n";
  }

  ClientOptions copts;
  copts.single_threaded =
      true;  // io.run() below is the only thread: ops lock nothing, the batch has no strand
  copts.retry.max_attempts = max_attempts;
  copts.retry.max_elapsed = timeout;
  copts.call_timeout = copts.retry.max_elapsed;
  for (auto& v : vendors) {
    VendorOptions vo;
    vo.config = v.config;
    if (sim) {
      try {
        VendorConfig sc = sim->vendor_config(v.name);  // base URL, test key, a plugin's settings
        vo.config.base_url = sc.base_url;
        vo.config.api_key = sc.api_key;
        for (const auto& kv : sc.settings)
          if (!vo.config.settings.contains(kv.key())) vo.config.settings[kv.key()] = kv.value();
      } catch (const std::out_of_range&) {
        throw UsageError("the sandbox does not simulate vendor '" + v.name + "'");
      }
    } else if (vo.config.api_key.rfind("placeholder-", 0) == 0) {
      throw UsageError("no API key for " + v.name + ": set " + api_key_variable(v.name) +
                       " (or try --sandbox)");
    }
    if (auto it = vendor_rates.find(v.name); it != vendor_rates.end())
      vo.rate_limit = it->second;
    else if (rate)
      vo.rate_limit = *rate;
    else if (sim)
      vo.rate_limit = RateLimit{0, 1};
    copts.vendors.emplace(v.name, std::move(vo));
  }

  std::shared_ptr<BeastTransport> transport;
  try {
    transport = std::make_shared<BeastTransport>(io.get_executor(), topts);
  } catch (const std::exception& e) {
    throw UsageError(std::string("cannot set up TLS: ") + e.what());
  }
  Client client(io.get_executor(), reg, transport, copts);

  BatchOptions bo;
  for (auto& v : vendors) bo.vendors.push_back(v.name);
  bo.concurrency = concurrency;
  bo.journal_path = p.value("--journal").value_or("");
  bo.journal_sync = !p.has("--no-journal-sync");
  bo.keep_raw = false;  // the result lines never show the vendor's JSON
  if (command.configure) command.configure(p, bo);
  // The bar's total: the input file's size (a pipe or stdin has none: no percentage, no ETA).
  std::optional<std::uint64_t> input_size;
  if (input.file) {
    std::error_code size_ec;
    const auto size = std::filesystem::file_size(input.name, size_ec);
    if (!size_ec && std::filesystem::is_regular_file(input.name, size_ec)) input_size = size;
  }
  auto input_offset = [&input]() -> std::uint64_t {
    if (!input.file) return 0;
    const auto pos = input.file->rdbuf()->pubseekoff(0, std::ios::cur, std::ios::in);
    return pos < 0 ? 0 : static_cast<std::uint64_t>(pos);
  };
  ProgressBar bar(progress, input_size, vendors.size());
  BatchProgress last_progress;
  auto view = [](const BatchProgress& pr) {
    ProgressView v;
    v.finished = pr.finished;
    v.failed = pr.failed;
    v.in_flight = pr.in_flight;
    v.read = pr.read;
    return v;
  };
  VendorTally tally;
  // A reader that went away (`provision ... | head`): SIGPIPE is ignored (main), the write fails, and
  // the batch stops like on SIGINT: items in flight finish and are journaled, the summary still goes
  // to stderr, and the exit status is 1 (interrupted).
  asio::cancellation_signal stop;
  bool stdout_closed = false;
  std::size_t printed = 0;
  std::string line_buffer;  // every result line is written into it (write_result_line)
  bo.on_result = [&](const BatchResult& r) {
    tally.add(r);
    if (stdout_closed) return;
    print_json_line(write_result_line(line_buffer, r, command.print_status));
    if (std::cout) {
      ++printed;
      return;
    }
    stdout_closed = true;
    std::cerr << "\npartnerkit " << command.name << ": cannot write to standard output ("
              << std::strerror(errno) << "): stopping; requests in flight finish\n";
    stop.emit(asio::cancellation_type::terminal);
  };
  bo.on_progress = [&](const BatchProgress& pr) {
    last_progress = pr;
    if (bar.due()) bar.update(view(pr), input_offset());
  };

  asio::signal_set signals(io, SIGINT, SIGTERM);
  int interrupts = 0;
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int) {
    if (ec) return;
    if (++interrupts > 1) {
      std::fflush(stdout);
      std::_Exit(130);
    }
    std::cerr << "\ninterrupted: finishing requests in flight (interrupt again to quit now)\n";
    stop.emit(asio::cancellation_type::terminal);
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  std::optional<BatchSummary> summary;
  async_provision_batch(
      client, [&reader]() { return reader.next(); }, bo,
      asio::bind_cancellation_slot(stop.slot(), [&](BatchSummary s) {
        summary = std::move(s);
        signals.cancel();
      }));
  io.run();
  std::cout.flush();
  bar.done(view(last_progress), input_offset());
  if (!summary) throw UsageError("the batch did not complete");
  if (reader.error() && !summary->fatal) summary->fatal = *reader.error();
  print_summary(*summary, tally);
  print_pacing(client.pacing());
  if (stdout_closed) {
    std::cerr << "  standard output was closed after " << printed
              << " result lines; the other results were not printed"
              << (bo.journal_path.empty() ? "\n" : " (run again with the same --journal to finish)\n");
    return exit_failed;
  }
  if (summary->fatal) return exit_usage;
  return summary->failed == 0 && !summary->cancelled ? exit_ok : exit_failed;
}

namespace {

int run_provision(const ParsedArgs& args) {
  BatchCommand command;
  command.name = "provision";
  command.configure = [](const ParsedArgs& p, BatchOptions& bo) {
    if (auto mode = p.value("--reconcile")) {
      auto r = reconcile_from_string(*mode);
      if (!r) throw UsageError("--reconcile " + *mode + ": expected lookup or duplicate");
      bo.reconcile = *r;
    }
    if (p.has("--id-namespace") && !p.has("--derive-external-id"))
      throw UsageError("--id-namespace needs --derive-external-id");
    if (p.has("--derive-external-id")) {
      bo.derive_external_id_namespace = p.value("--id-namespace").value_or("partnerkit");
      if (bo.derive_external_id_namespace.empty()) throw UsageError("--id-namespace: empty");
    }
  };
  return run_batch(args, command);
}

}  // namespace

extern const Command provision_command{
    "provision", "provision partners on vendors (batch, resumable; --sandbox to try it locally)",
    provision_help, provision_options, run_provision};

}  // namespace partnerkit::cli
