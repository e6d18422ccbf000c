#include <partnerkit/sandbox/faults.hpp>
#include <partnerkit/text/ascii.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace partnerkit::sandbox {
namespace {

std::string_view trim(std::string_view s) noexcept { return text::trim(s, text::ows); }

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

bool parse_probability(std::string_view text, double& out) {
  bool percent = false;
  if (!text.empty() && text.back() == '%') {
    percent = true;
    text.remove_suffix(1);
  }
  if (text.empty()) return false;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(value)) return false;
  out = percent ? value / 100.0 : value;
  return true;
}

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  long long factor = 0;
  if (text == "0") {
    out = std::chrono::milliseconds(0);
    return true;
  }
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    factor = 1;
    text.remove_suffix(2);
  } else if (text.size() > 1 && text.back() == 's') {
    factor = 1000;
    text.remove_suffix(1);
  } else {
    return false;
  }
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value < 0 || value > 3'600'000) return false;
  out = std::chrono::milliseconds(value * factor);
  return true;
}

std::string format_probability(double p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", p);
  return buf;
}

}  // namespace

std::string_view to_string(FaultKind kind) noexcept {
  switch (kind) {
    case FaultKind::none:
      return "none";
    case FaultKind::server_error:
      return "5xx";
    case FaultKind::reset:
      return "reset";
    case FaultKind::apply_then_drop:
      return "apply-then-drop";
    case FaultKind::truncate:
      return "truncate";
    case FaultKind::stall:
      return "stall";
    case FaultKind::early_hints:
      return "early-hints";
    case FaultKind::apply_then_5xx:
      return "apply-then-5xx";
    case FaultKind::echo:
      return "echo";
  }
  return "none";
}

bool FaultSpec::empty() const noexcept {
  return server_error == 0 && reset == 0 && apply_then_drop == 0 && truncate == 0 && stall == 0 &&
         early_hints == 0 && apply_then_5xx == 0 && echo == 0 && latency.count() == 0;
}

std::string FaultSpec::to_string() const {
  std::string out;
  auto add = [&](std::string_view name, double p) {
    if (p == 0) return;
    if (!out.empty()) out += ',';
    out += name;
    out += '=';
    out += format_probability(p);
  };
  add("5xx", server_error);
  add("reset", reset);
  add("apply-then-drop", apply_then_drop);
  add("truncate", truncate);
  add("stall", stall);
  add("early-hints", early_hints);
  add("apply-then-5xx", apply_then_5xx);
  add("echo", echo);
  if (latency.count() != 0) {
    if (!out.empty()) out += ',';
    out += "latency=" + std::to_string(latency.count()) + "ms";
  }
  return out;
}

std::optional<FaultSpec> try_parse_fault_spec(std::string_view spec, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<FaultSpec> {
    if (error) *error = "bad fault spec: " + message;
    return std::nullopt;
  };
  FaultSpec result;
  bool seen[9] = {};
  if (trim(spec).empty()) return result;
  while (true) {
    auto comma = spec.find(',');
    std::string_view item = trim(spec.substr(0, comma));
    if (item.empty()) return fail("empty item (stray comma?)");
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      return fail("item " + quoted(item) + " has no '=' (expected name=value)");
    std::string_view name = trim(item.substr(0, eq));
    std::string_view value = trim(item.substr(eq + 1));
    int index = -1;
    double* target = nullptr;
    if (name == "5xx") {
      index = 0, target = &result.server_error;
    } else if (name == "reset") {
      index = 1, target = &result.reset;
    } else if (name == "apply-then-drop") {
      index = 2, target = &result.apply_then_drop;
    } else if (name == "truncate") {
      index = 3, target = &result.truncate;
    } else if (name == "stall") {
      index = 4, target = &result.stall;
    } else if (name == "early-hints") {
      index = 6, target = &result.early_hints;
    } else if (name == "apply-then-5xx") {
      index = 7, target = &result.apply_then_5xx;
    } else if (name == "echo") {
      index = 8, target = &result.echo;
    } else if (name == "latency") {
      index = 5;
    } else {
      return fail("unknown fault " + quoted(name) +
                  " (known: 5xx, reset, apply-then-drop, truncate, stall, early-hints, apply-then-5xx, echo, "
                  "latency)");
    }
    if (seen[index]) return fail("fault " + quoted(name) + " given twice");
    seen[index] = true;
    if (target) {
      double p = 0;
      if (!parse_probability(value, p))
        return fail("value " + quoted(value) + " of " + quoted(name) +
                    " is not a probability (a decimal in [0, 1] or a percent)");
      if (p < 0 || p > 1)
        return fail("probability " + quoted(value) + " of " + quoted(name) + " is outside [0, 1]");
      *target = p;
    } else if (!parse_duration(value, result.latency)) {
      return fail("latency " + quoted(value) + " is not a duration such as 20ms or 1s (at most 3600s)");
    }
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  double sum = result.server_error + result.reset + result.apply_then_drop + result.truncate + result.stall +
               result.early_hints + result.apply_then_5xx + result.echo;
  if (sum > 1.0 + 1e-9)
    return fail("fault probabilities sum to " + format_probability(sum) + ", more than 1");
  return result;
}

FaultSpec parse_fault_spec(std::string_view spec) {
  std::string error;
  auto parsed = try_parse_fault_spec(spec, &error);
  if (!parsed) throw std::invalid_argument(error);
  return *parsed;
}

FaultInjector::FaultInjector(FaultSpec spec, std::uint64_t seed) : spec_(spec), rng_(seed) {}

double FaultInjector::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

FaultInjector::Draw FaultInjector::draw() {
  double total = spec_.server_error + spec_.reset + spec_.apply_then_drop + spec_.truncate + spec_.stall +
                 spec_.early_hints + spec_.apply_then_5xx + spec_.echo;
  if (total <= 0) return {};
  double u = uniform();
  Draw d;
  double edge = spec_.server_error;
  if (u < edge) {
    static constexpr int statuses[] = {500, 502, 503};
    d.kind = FaultKind::server_error;
    d.status = statuses[rng_() % 3];
    return d;
  }
  if (u < (edge += spec_.reset)) return {FaultKind::reset, 0};
  if (u < (edge += spec_.apply_then_drop)) return {FaultKind::apply_then_drop, 0};
  if (u < (edge += spec_.truncate)) return {FaultKind::truncate, 0};
  if (u < (edge += spec_.stall)) return {FaultKind::stall, 0};
  if (u < (edge += spec_.early_hints)) return {FaultKind::early_hints, 0};
  if (u < (edge += spec_.apply_then_5xx)) {
    static constexpr int statuses[] = {502, 503, 504};
    return {FaultKind::apply_then_5xx, statuses[rng_() % 3]};
  }
  if (u < (edge += spec_.echo)) return {FaultKind::echo, 0};
  return {};
}

}  // namespace partnerkit::sandbox
