// The worker's metrics in Prometheus' text exposition format (version 0.0.4).
#include <partnerkit/pg/worker.hpp>

#include <cstdio>

namespace partnerkit::pg {

namespace {

// Label values: backslash, double quote and newline escaped.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void head(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

std::string WorkerMetrics::prometheus() const {
  std::string out;
  auto per_vendor = [&](std::string_view name, std::string_view help, auto field) {
    head(out, name, "counter", help);
    for (const auto& [vendor, v] : vendors)
      out.append(name)
          .append("{vendor=\"")
          .append(label(vendor))
          .append("\"} ")
          .append(std::to_string(v.*field))
          .append("\n");
  };
  per_vendor("partnerkit_worker_requests_total", "Requests sent to the vendor.", &Vendor::requests);
  per_vendor("partnerkit_worker_retries_total", "Failed requests put back on the queue to try again.",
             &Vendor::retries);
  per_vendor("partnerkit_worker_rate_limited_total", "Requests the vendor answered 429.",
             &Vendor::rate_limited);
  per_vendor("partnerkit_worker_reconciled_total",
             "Requests sent for an item that may have been applied before.", &Vendor::reconciled);
  head(out, "partnerkit_worker_outcomes_total", "counter",
       "Final outcomes: created, updated, existing, or the error code of a failure.");
  for (const auto& [vendor, v] : vendors)
    for (const auto& [outcome, n] : v.outcomes)
      out.append("partnerkit_worker_outcomes_total{vendor=\"")
          .append(label(vendor))
          .append("\",outcome=\"")
          .append(label(outcome))
          .append("\"} ")
          .append(std::to_string(n))
          .append("\n");
  head(out, "partnerkit_worker_request_duration_seconds", "histogram",
       "Time from send to answer, per vendor.");
  for (const auto& [vendor, v] : vendors) {
    std::uint64_t cumulative = 0;
    const std::string l = "vendor=\"" + label(vendor) + "\"";
    for (std::size_t i = 0; i <= latency_buckets.size(); ++i) {
      cumulative += v.latency[i];
      out.append("partnerkit_worker_request_duration_seconds_bucket{")
          .append(l)
          .append(",le=\"")
          .append(i < latency_buckets.size() ? number(latency_buckets[i]) : std::string("+Inf"))
          .append("\"} ")
          .append(std::to_string(cumulative))
          .append("\n");
    }
    out.append("partnerkit_worker_request_duration_seconds_sum{")
        .append(l)
        .append("} ")
        .append(number(v.latency_sum))
        .append("\n");
    out.append("partnerkit_worker_request_duration_seconds_count{")
        .append(l)
        .append("} ")
        .append(std::to_string(cumulative))
        .append("\n");
  }
  auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    head(out, name, "counter", help);
    out.append(name).append(" ").append(std::to_string(v)).append("\n");
  };
  counter("partnerkit_worker_items_claimed_total", "Items claimed (each claim is one attempt).", claimed);
  counter("partnerkit_worker_items_completed_total", "Outcomes applied under their attempt number.",
          completed);
  counter("partnerkit_worker_fenced_total", "Outcomes refused by the fence (the lease had been taken over).",
          fenced);
  counter("partnerkit_worker_leases_lost_total", "Leases this worker found taken over at a heartbeat.",
          leases_lost);
  counter("partnerkit_worker_leases_rescued_total",
          "Expired leases (of any worker) this worker sent to reconcile.", leases_rescued);
  counter("partnerkit_worker_db_round_trips_total", "Database calls.", db_round_trips);
  counter("partnerkit_worker_db_errors_total", "Database calls that failed (retried).", db_errors);
  head(out, "partnerkit_worker_held_items", "gauge", "Items held now (waiting for a slot or in flight).");
  out.append("partnerkit_worker_held_items ").append(std::to_string(held)).append("\n");
  head(out, "partnerkit_worker_up", "gauge", "1 when the last database call succeeded.");
  out.append("partnerkit_worker_up ").append(healthy ? "1" : "0").append("\n");
  head(out, "partnerkit_worker_draining", "gauge", "1 after SIGTERM: finishing held items, claiming none.");
  out.append("partnerkit_worker_draining ").append(draining ? "1" : "0").append("\n");
  return out;
}

}  // namespace partnerkit::pg
