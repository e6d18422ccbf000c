// The terminal progress line of the batch commands: a pure formatter (unit tested) and the bar that
// draws it on stderr.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace partnerkit::cli {

// What the line shows, as plain numbers.
struct ProgressView {
  std::size_t finished = 0;  // results delivered (one per item and vendor)
  std::size_t failed = 0;
  std::size_t in_flight = 0;
  std::size_t read = 0;                      // input items read
  std::size_t results_per_item = 1;          // the number of vendors
  std::uint64_t bytes_read = 0;              // of the input
  std::optional<std::uint64_t> bytes_total;  // a file's size; none for stdin or a pipe
  double elapsed_seconds = 0;
  std::size_t width = 80;  // terminal columns
};

// E.g. "[=========>          ]  47%  2302/4900  0 failed  15 in flight  812/s  ETA 0:03", fitted into
// `width`. The total is estimated from the bytes read (items read per byte, scaled to the file's
// size), exact once the whole file is read. Without a total: "2302 done  0 failed  15 in flight
// 1165 read  812/s" (no percentage, no ETA).
std::string format_progress(const ProgressView& view);

// Draws format_progress on stderr, at most ten times a second, when enabled (stderr a terminal, or
// --progress always); done() draws the last state and ends the line.
class ProgressBar {
 public:
  ProgressBar(bool enabled, std::optional<std::uint64_t> bytes_total, std::size_t results_per_item);
  // Whether update() would draw now (enabled, 100 ms since the last line): an update that would
  // not draw can be skipped with the work it needs (the input's offset is a system call).
  bool due() const;
  // bytes_read: how far the input has been read (ignored without a total).
  void update(const ProgressView& counts, std::uint64_t bytes_read);
  void done(const ProgressView& counts, std::uint64_t bytes_read);

 private:
  void draw(ProgressView view, std::uint64_t bytes_read);
  bool enabled_;
  std::optional<std::uint64_t> bytes_total_;
  std::size_t results_per_item_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace partnerkit::cli
