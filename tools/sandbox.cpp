// partnerkit sandbox: the vendor simulator over HTTPS on 127.0.0.1, in the foreground until
// SIGINT/SIGTERM.
#include "cli.hpp"

#include <partnerkit/sandbox/certificate_authority.hpp>
#include <partnerkit/sandbox/sandbox.hpp>

#include <boost/json/serialize.hpp>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace partnerkit::cli {
namespace {

constexpr std::string_view sandbox_help =
    "Usage: partnerkit sandbox [--port P] [--rate-limit R] [--faults SPEC] [--seed N] [--ca-out FILE]\n"
    "\n"
    "Runs the local simulator of Dub, Partnero and JourneyBee over HTTPS on 127.0.0.1 until SIGINT or\n"
    "SIGTERM (Ctrl-C). Every vendor is served at the same base URL (their paths do not clash); its\n"
    "certificate comes from a CA generated at start. Stored partners and per-key counters are at\n"
    "GET <url>/__sandbox/state (DELETE it to reset).\n"
    "\n"
    "On start, one JSON line goes to stdout (for scripts):\n"
    "  {\"url\",\"port\",\"ca_file\",\"keys\":{\"dub\",\"partnero\",\"journeybee\"}}\n"
    "and a human summary to stderr. The keys are the sandbox's test keys, not secrets.\n"
    "\n"
    "Options:\n"
    "  --port P               port to listen on (default 0: any free port)\n"
    "  --rate-limit R         requests per second allowed per (vendor, key); 429 with Retry-After\n"
    "                         and X-RateLimit-* beyond it (default: no limit)\n"
    "  --faults SPEC          injected faults, e.g.\n"
    "                         5xx=0.1,reset=0.05,apply-then-drop=0.02,truncate=0.02,stall=0.01,latency=20ms\n"
    "                         (echo=P: answer 422 echoing the request, for leak tests)\n"
    "  --seed N               seed of the fault draws and generated ids (default 1)\n"
    "  --ca-out FILE          write the CA certificate (PEM) to this new file (an existing file or\n"
    "                         symlink is refused, never overwritten); default: ca.pem in a private\n"
    "                         (0700) directory from mkdtemp, removed on exit\n"
    "  --threads N            server threads (default 1)\n"
    "  -h, --help             this text\n";

void sandbox_options(CLI::App& c) {
  option(c, "--port");
  option(c, "--rate-limit");
  option(c, "--faults");
  option(c, "--seed");
  option(c, "--ca-out");
  option(c, "--threads");
}

template <class T>
T parse_number(const std::string& option, const std::string& text) {
  T value{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || p != text.data() + text.size() || text.empty())
    throw UsageError(option + " " + text + ": expected a number");
  return value;
}

int run_sandbox(const ParsedArgs& p) {
  sandbox::SandboxOptions options;
  registry();  // loads --plugin libraries: their vendor simulators are served beside the built-ins
  for (const auto& plugin : loaded_plugins())
    for (const auto& sim : plugin.simulators) options.config.plugin_simulators.push_back(sim);
  if (auto v = p.value("--port")) {
    const auto port = parse_number<unsigned long>("--port", *v);
    if (port > 65535) throw UsageError("--port " + *v + ": expected 0..65535");
    options.port = static_cast<std::uint16_t>(port);
  }
  if (auto v = p.value("--threads")) {
    options.threads = parse_number<unsigned>("--threads", *v);
    if (options.threads == 0 || options.threads > 64)
      throw UsageError("--threads " + *v + ": expected 1..64");
  }
  if (auto v = p.value("--rate-limit")) {
    const double r = parse_number<double>("--rate-limit", *v);
    if (!(r >= 0) || !std::isfinite(r) || r > 1e9)
      throw UsageError("--rate-limit " + *v + ": expected a number from 0 to 1000000000");
    options.config.rate_limit.requests_per_second = r;
  }
  if (auto v = p.value("--faults")) {
    std::string why;
    auto spec = sandbox::try_parse_fault_spec(*v, &why);
    if (!spec) throw UsageError("--faults: " + why);
    options.config.faults = *spec;
  }
  if (auto v = p.value("--seed")) options.config.seed = parse_number<std::uint64_t>("--seed", *v);

  std::string ca_file;
  std::string private_dir;  // ours to remove on exit
  if (auto v = p.value("--ca-out")) {
    ca_file = *v;
  } else {
    try {
      private_dir = sandbox::make_private_dir("partnerkit-sandbox-");  // 0700, unpredictable name
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
    ca_file = private_dir + "/ca.pem";
  }
  const bool remove_ca = !private_dir.empty();

  // Block the stop signals in every thread (the sandbox's threads inherit the mask) and wait for
  // them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<sandbox::Sandbox> sb;
  try {
    sb = std::make_unique<sandbox::Sandbox>(options);
    sb->write_ca(ca_file);
  } catch (const std::exception& e) {
    if (remove_ca) ::rmdir(private_dir.c_str());
    throw UsageError(std::string("cannot start the sandbox: ") + e.what());
  }

  boost::json::object keys;
  const auto vendors = sb->core().vendor_names();  // the built-ins and every plugin's simulator
  for (const auto& vendor : vendors) keys[vendor] = sb->api_key(vendor);
  const std::string url = sb->base_url();
  print_line(boost::json::object{{"url", url}, {"port", sb->port()}, {"ca_file", ca_file}, {"keys", keys}});
  std::cout.flush();

  std::string names;
  for (const auto& vendor : vendors) names += (names.empty() ? "" : ", ") + vendor;
  std::cerr << "partnerkit sandbox: " << names << " at " << url << "\n"
            << "  CA certificate: " << ca_file << (remove_ca ? " (removed on exit)" : "") << "\n"
            << "  test keys (not secrets):\n";
  for (const auto& vendor : vendors) {
    std::string name(vendor);
    name.resize(12, ' ');
    std::cerr << "    " << name << sb->api_key(vendor) << "   (" << api_key_variable(vendor) << ")\n";
  }
  std::cerr << "  rate limit: "
            << (options.config.rate_limit.enabled()
                    ? std::to_string(options.config.rate_limit.requests_per_second) + " requests/s per key"
                    : std::string("none"))
            << "; faults: " << (options.config.faults.empty() ? "none" : options.config.faults.to_string())
            << "; seed: " << options.config.seed << "\n"
            << "  state: curl --cacert " << ca_file << " " << url << "/__sandbox/state\n"
            << "  try:   partnerkit provision --vendor dub --input examples/partners.jsonl --base-url " << url
            << " --ca-file " << ca_file << "\n"
            << "Stop with Ctrl-C.\n"
            << std::flush;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "partnerkit sandbox: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n";
  sb->stop();
  if (remove_ca) {
    std::remove(ca_file.c_str());
    ::rmdir(private_dir.c_str());
  }
  return exit_ok;
}

}  // namespace

extern const Command sandbox_command{"sandbox", "run the local HTTPS simulator of the vendors until Ctrl-C",
                                     sandbox_help, sandbox_options, run_sandbox};

}  // namespace partnerkit::cli
