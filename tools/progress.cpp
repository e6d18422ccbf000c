#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace partnerkit::cli {
namespace {

std::string rate_text(double per_second) {
  char buf[32];
  if (per_second >= 10'000)
    std::snprintf(buf, sizeof buf, "%.1fk/s", per_second / 1000);
  else if (per_second >= 10)
    std::snprintf(buf, sizeof buf, "%.0f/s", per_second);
  else
    std::snprintf(buf, sizeof buf, "%.1f/s", per_second);
  return buf;
}

// "0:07", "12:34", "1:02:03"; longer than 99 hours reads "--:--".
std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 99 * 3600.0) return "--:--";
  const auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

}  // namespace

std::string format_progress(const ProgressView& v) {
  const double rate = v.elapsed_seconds > 0 ? static_cast<double>(v.finished) / v.elapsed_seconds : 0;
  const std::string counts =
      std::to_string(v.failed) + " failed  " + std::to_string(v.in_flight) + " in flight  ";
  if (!v.bytes_total || *v.bytes_total == 0)
    return std::to_string(v.finished) + " done  " + counts + std::to_string(v.read) + " read  " +
           rate_text(rate);

  // The total, estimated: results per byte so far, times the file's size. Exact at the end of input.
  const std::uint64_t total_bytes = *v.bytes_total;
  const std::uint64_t read_bytes = std::min(v.bytes_read, total_bytes);
  const double results_read = static_cast<double>(v.read) * static_cast<double>(v.results_per_item);
  double total = results_read;
  if (read_bytes > 0 && read_bytes < total_bytes)
    total = std::ceil(results_read * static_cast<double>(total_bytes) / static_cast<double>(read_bytes));
  total = std::max(total, static_cast<double>(v.finished + v.in_flight));
  const double fraction = total > 0 ? std::clamp(static_cast<double>(v.finished) / total, 0.0, 1.0)
                                    : (read_bytes >= total_bytes ? 1.0 : 0.0);
  const int percent = static_cast<int>(std::floor(fraction * 100));
  const double remaining = total - static_cast<double>(v.finished);
  const std::string eta = "ETA " + (rate > 0 ? duration_text(remaining / rate) : std::string("--:--"));

  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", percent);
  const std::string tail = std::string(pct) + "  " + std::to_string(v.finished) + "/" +
                           std::to_string(static_cast<unsigned long long>(total)) + "  " + counts +
                           rate_text(rate) + "  " + eta;
  // The bar takes what the width leaves, 10 to 30 columns; below 10 there is no bar.
  const std::size_t room = v.width > tail.size() + 3 ? v.width - tail.size() - 3 : 0;
  const std::size_t bar = std::min<std::size_t>(room, 30);
  if (bar < 10) return tail;
  const auto filled = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(bar)));
  std::string out = "[";
  out.append(filled, '=');
  if (filled < bar) {
    out.push_back('>');
    out.append(bar - filled - 1, ' ');
  }
  return out + "] " + tail;
}

ProgressBar::ProgressBar(bool enabled, std::optional<std::uint64_t> bytes_total, std::size_t results_per_item)
    : enabled_(enabled),
      bytes_total_(bytes_total),
      results_per_item_(std::max<std::size_t>(1, results_per_item)) {}

bool ProgressBar::due() const {
  return enabled_ && std::chrono::steady_clock::now() - last_ >= std::chrono::milliseconds(100);
}

void ProgressBar::update(const ProgressView& counts, std::uint64_t bytes_read) {
  if (!due()) return;
  last_ = std::chrono::steady_clock::now();
  draw(counts, bytes_read);
}

void ProgressBar::done(const ProgressView& counts, std::uint64_t bytes_read) {
  if (!enabled_) return;
  draw(counts, bytes_read);
  std::fputc('\n', stderr);
}

void ProgressBar::draw(ProgressView view, std::uint64_t bytes_read) {
  view.bytes_read = bytes_read;
  view.bytes_total = bytes_total_;
  view.results_per_item = results_per_item_;
  view.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  winsize ws{};
  view.width = ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
  if (view.width > 1) --view.width;  // never the last column: some terminals wrap there
  const std::string line = format_progress(view);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

}  // namespace partnerkit::cli
