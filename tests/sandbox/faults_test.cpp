#include <partnerkit/sandbox/faults.hpp>

#include <gtest/gtest.h>

#include <map>

using namespace partnerkit::sandbox;
using namespace std::chrono_literals;

TEST(FaultSpec, ParsesEveryKind) {
  auto s = parse_fault_spec("5xx=0.1,reset=0.05,apply-then-drop=0.02,truncate=0.02,latency=20ms,stall=0.01");
  EXPECT_DOUBLE_EQ(s.server_error, 0.1);
  EXPECT_DOUBLE_EQ(s.reset, 0.05);
  EXPECT_DOUBLE_EQ(s.apply_then_drop, 0.02);
  EXPECT_DOUBLE_EQ(s.truncate, 0.02);
  EXPECT_DOUBLE_EQ(s.stall, 0.01);
  EXPECT_EQ(s.latency, 20ms);
  EXPECT_FALSE(s.empty());
}

TEST(FaultSpec, EmptyAndSpacesAndPercentsAndSeconds) {
  EXPECT_TRUE(parse_fault_spec("").empty());
  EXPECT_TRUE(parse_fault_spec("   ").empty());
  auto s = parse_fault_spec(" 5xx = 10% , latency=1s ");
  EXPECT_DOUBLE_EQ(s.server_error, 0.1);
  EXPECT_EQ(s.latency, 1000ms);
  EXPECT_EQ(parse_fault_spec("latency=0").latency, 0ms);
}

TEST(FaultSpec, RoundTripsThroughToString) {
  auto s = parse_fault_spec("stall=0.01,5xx=0.25,latency=7ms");
  EXPECT_EQ(s.to_string(), "5xx=0.25,stall=0.01,latency=7ms");
  EXPECT_EQ(parse_fault_spec(s.to_string()), s);
  EXPECT_EQ(FaultSpec{}.to_string(), "");
}

TEST(FaultSpec, BadSpecsAreClearErrors) {
  struct Case {
    const char* spec;
    const char* says;
  } cases[] = {
      {"boom=0.1", "unknown fault 'boom'"}, {"5xx", "has no '='"},
      {"5xx=abc", "not a probability"},     {"5xx=1.5", "outside [0, 1]"},
      {"5xx=-0.1", "outside [0, 1]"},       {"5xx=0.1,5xx=0.2", "given twice"},
      {"5xx=0.6,reset=0.6", "more than 1"}, {"latency=20", "not a duration"},
      {"latency=-5ms", "not a duration"},   {"5xx=0.1,,reset=0.1", "empty item"},
      {"5xx=0.1,", "empty item"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(try_parse_fault_spec(c.spec, &error)) << c.spec;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.spec << " -> " << error;
    EXPECT_THROW(parse_fault_spec(c.spec), std::invalid_argument) << c.spec;
  }
}

TEST(FaultInjector, NoSpecNeverFaults) {
  FaultInjector f({}, 42);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(f.draw().kind, FaultKind::none);
}

TEST(FaultInjector, SameSeedSameSequenceOtherSeedOtherSequence) {
  auto spec = parse_fault_spec("5xx=0.2,reset=0.1,apply-then-drop=0.1,truncate=0.1,stall=0.1");
  FaultInjector a(spec, 7), b(spec, 7), c(spec, 8);
  bool differs = false;
  for (int i = 0; i < 500; ++i) {
    auto da = a.draw(), db = b.draw(), dc = c.draw();
    EXPECT_EQ(da, db);
    differs |= !(da == dc);
  }
  EXPECT_TRUE(differs);
}

TEST(FaultInjector, FrequenciesFollowTheSpec) {
  auto spec = parse_fault_spec("5xx=0.1,reset=0.05,apply-then-drop=0.02,truncate=0.02,stall=0.01");
  FaultInjector f(spec, 1234);
  std::map<FaultKind, int> n;
  std::map<int, int> statuses;
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    auto d = f.draw();
    ++n[d.kind];
    if (d.kind == FaultKind::server_error) ++statuses[d.status];
  }
  auto near = [&](FaultKind k, double p) { EXPECT_NEAR(n[k] / double(draws), p, 0.005) << to_string(k); };
  near(FaultKind::server_error, 0.1);
  near(FaultKind::reset, 0.05);
  near(FaultKind::apply_then_drop, 0.02);
  near(FaultKind::truncate, 0.02);
  near(FaultKind::stall, 0.01);
  near(FaultKind::none, 0.80);
  EXPECT_EQ(statuses.size(), 3u);
  for (int s : {500, 502, 503}) EXPECT_NEAR(statuses[s] / double(n[FaultKind::server_error]), 1.0 / 3, 0.02);
}

TEST(FaultInjector, CertainFault) {
  FaultInjector f(parse_fault_spec("reset=1"), 3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(f.draw().kind, FaultKind::reset);
}

TEST(FaultKind, Names) {
  EXPECT_EQ(to_string(FaultKind::server_error), "5xx");
  EXPECT_EQ(to_string(FaultKind::apply_then_drop), "apply-then-drop");
  EXPECT_EQ(to_string(FaultKind::stall), "stall");
}

TEST(FaultSpec, EarlyHintsAndApplyThen5xx) {
  auto s = parse_fault_spec("early-hints=0.05,apply-then-5xx=2%");
  EXPECT_DOUBLE_EQ(s.early_hints, 0.05);
  EXPECT_DOUBLE_EQ(s.apply_then_5xx, 0.02);
  EXPECT_EQ(s.to_string(), "early-hints=0.05,apply-then-5xx=0.02");
  EXPECT_EQ(parse_fault_spec(s.to_string()), s);
  EXPECT_EQ(to_string(FaultKind::early_hints), "early-hints");
  EXPECT_EQ(to_string(FaultKind::apply_then_5xx), "apply-then-5xx");
  std::string error;
  EXPECT_FALSE(try_parse_fault_spec("early-hints=0.6,apply-then-5xx=0.6", &error));
  EXPECT_NE(error.find("more than 1"), std::string::npos);
}

TEST(FaultInjector, ApplyThen5xxAnswers502503Or504) {
  FaultInjector f(parse_fault_spec("apply-then-5xx=0.5,early-hints=0.5"), 7);
  std::map<int, int> statuses;
  int hints = 0;
  for (int i = 0; i < 3000; ++i) {
    auto d = f.draw();
    ASSERT_NE(d.kind, FaultKind::none);
    if (d.kind == FaultKind::early_hints) {
      ++hints;
      EXPECT_EQ(d.status, 0);
    } else {
      ASSERT_EQ(d.kind, FaultKind::apply_then_5xx);
      ++statuses[d.status];
    }
  }
  EXPECT_GT(hints, 1200);
  EXPECT_EQ(statuses.size(), 3u);
  for (int s : {502, 503, 504}) EXPECT_GT(statuses[s], 300) << s;
}

TEST(FaultInjector, NewKindsDoNotChangeOldSequences) {
  // A spec without the new kinds draws exactly as before they existed (they come last).
  FaultInjector a(parse_fault_spec("5xx=0.3,reset=0.2"), 5);
  FaultInjector b(parse_fault_spec("5xx=0.3,reset=0.2,early-hints=0,apply-then-5xx=0"), 5);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(a.draw(), b.draw());
}

TEST(FaultSpec, EchoIsAFault) {
  auto s = parse_fault_spec("echo=0.5,5xx=0.1");
  EXPECT_DOUBLE_EQ(s.echo, 0.5);
  EXPECT_EQ(s.to_string(), "5xx=0.1,echo=0.5");
  EXPECT_FALSE(s.empty());
  FaultInjector all(parse_fault_spec("echo=1"), 3);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(all.draw().kind, FaultKind::echo);
  EXPECT_EQ(to_string(FaultKind::echo), "echo");
  EXPECT_FALSE(try_parse_fault_spec("echo=0.6,5xx=0.5"));
}
