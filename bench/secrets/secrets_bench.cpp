// The scrubber's cost: building one per operation, and scanning vendor bodies with and without a
// match, against the naive way (std::string::find of every form of every secret).
//   build/bench/secrets/partnerkit_secrets_bench
#include <partnerkit/secrets.hpp>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

std::vector<std::string> secrets(int n) {
  std::vector<std::string> out{"sk_live_9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c", "Hunter2Secret9"};
  for (int i = 2; i < n; ++i) out.push_back("override-secret-value-" + std::to_string(i * 7919));
  return out;
}

std::string body(std::size_t size, bool with_secret) {
  std::string b =
      R"({"message":"The given data was invalid.","errors":{"email":["The email has already been taken."]},"trace":")";
  while (b.size() < size) b += "Lorem ipsum dolor sit amet, consectetur adipiscing elit 0123456789 ";
  if (with_secret) b.insert(b.size() / 2, "Hunter2Secret9");
  return b + "\"}";
}

void BM_Build(benchmark::State& state) {
  auto s = secrets(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    partnerkit::Scrubber scrubber(s);
    benchmark::DoNotOptimize(scrubber);
  }
  state.counters["patterns"] = static_cast<double>(partnerkit::Scrubber(s).pattern_count());
}
BENCHMARK(BM_Build)->Arg(2)->Arg(8)->Arg(32);

void BM_Scrub(benchmark::State& state) {
  partnerkit::Scrubber scrubber(secrets(static_cast<int>(state.range(1))));
  const std::string text = body(static_cast<std::size_t>(state.range(0)), false);
  for (auto _ : state) {
    std::string copy = text;
    scrubber.scrub_in_place(copy);
    benchmark::DoNotOptimize(copy);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_Scrub)->Args({4096, 2})->Args({4096, 32})->Args({1 << 20, 2})->Args({1 << 20, 32});

void BM_ScrubWithMatch(benchmark::State& state) {
  partnerkit::Scrubber scrubber(secrets(2));
  const std::string text = body(static_cast<std::size_t>(state.range(0)), true);
  for (auto _ : state) {
    std::string copy = text;
    scrubber.scrub_in_place(copy);
    benchmark::DoNotOptimize(copy);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_ScrubWithMatch)->Arg(4096)->Arg(1 << 20);

// The baseline: one std::string::find per plain secret (and this covers only the plain form).
void BM_NaiveFindPlainOnly(benchmark::State& state) {
  auto s = secrets(static_cast<int>(state.range(1)));
  const std::string text = body(static_cast<std::size_t>(state.range(0)), false);
  for (auto _ : state) {
    std::size_t hits = 0;
    for (const auto& secret : s) hits += text.find(secret) != std::string::npos;
    benchmark::DoNotOptimize(hits);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_NaiveFindPlainOnly)->Args({4096, 2})->Args({4096, 32})->Args({1 << 20, 32});

}  // namespace
