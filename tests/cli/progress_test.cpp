// The progress line's formatter: a pure function of the counts, the bytes read and the time.
#include "progress.hpp"

#include <gtest/gtest.h>

using partnerkit::cli::format_progress;
using partnerkit::cli::ProgressView;

namespace {

ProgressView halfway() {
  ProgressView v;
  v.finished = 2302;
  v.failed = 3;
  v.in_flight = 15;
  v.read = 2317;
  v.bytes_read = 500'000;
  v.bytes_total = 1'000'000;  // half the file read: about 4634 items in all
  v.elapsed_seconds = 4;
  v.width = 100;
  return v;
}

}  // namespace

TEST(ProgressLine, BarPercentageRateAndEtaFromTheBytesRead) {
  const std::string line = format_progress(halfway());
  EXPECT_EQ(line, "[==============>               ]  49%  2302/4634  3 failed  15 in flight  576/s  ETA 0:04")
      << line;
  EXPECT_LE(line.size(), 100u);
}

TEST(ProgressLine, TheTotalCountsEveryVendorAndIsExactAtTheEnd) {
  ProgressView v = halfway();
  v.results_per_item = 2;
  EXPECT_NE(format_progress(v).find("2302/9268"), std::string::npos) << format_progress(v);
  v.finished = 4634;
  v.in_flight = 0;
  v.read = 2317;
  v.bytes_read = v.bytes_total.value();
  const std::string end = format_progress(v);
  EXPECT_NE(end.find(" 100%  4634/4634"), std::string::npos) << end;
  EXPECT_NE(end.find("ETA 0:00"), std::string::npos) << end;
  EXPECT_EQ(end.find('>'), std::string::npos) << "a full bar has no head: " << end;
}

TEST(ProgressLine, UnknownTotalShowsNoPercentageNorEta) {
  ProgressView v = halfway();
  v.bytes_total.reset();  // stdin
  EXPECT_EQ(format_progress(v), "2302 done  3 failed  15 in flight  2317 read  576/s");
}

TEST(ProgressLine, NarrowTerminalsDropTheBarAndRatesScale) {
  ProgressView v = halfway();
  v.width = 60;
  const std::string line = format_progress(v);
  EXPECT_EQ(line.front(), ' ') << line;  // "  49%  ..." with no bar
  EXPECT_EQ(line.find('['), std::string::npos) << line;
  v.width = 100;
  v.elapsed_seconds = 0;  // nothing measured yet
  EXPECT_NE(format_progress(v).find("0.0/s  ETA --:--"), std::string::npos) << format_progress(v);
  v.elapsed_seconds = 0.1;
  EXPECT_NE(format_progress(v).find("23.0k/s"), std::string::npos) << format_progress(v);
  v.elapsed_seconds = 3600;
  v.finished = 2;
  EXPECT_NE(format_progress(v).find("0.0/s  ETA --:--"), std::string::npos) << format_progress(v);
}

TEST(ProgressLine, LongEtaInHours) {
  ProgressView v = halfway();
  v.elapsed_seconds = 400;  // 5.755/s, 2332 to go: 6:45
  EXPECT_NE(format_progress(v).find("5.8/s  ETA 6:45"), std::string::npos) << format_progress(v);
  v.elapsed_seconds = 4000;  // 0.5755/s: 1:07:32
  EXPECT_NE(format_progress(v).find("ETA 1:07:32"), std::string::npos) << format_progress(v);
}
