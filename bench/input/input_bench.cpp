// SpecReader throughput: typical partners as JSON lines and as CSV (items/s and bytes/s).
#include <partnerkit/input.hpp>

#include <benchmark/benchmark.h>

#include <sstream>
#include <string>

namespace {

std::string jsonl(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    const std::string id = std::to_string(i);
    out += R"({"email":"partner)" + id + R"(@example.com","name":"Partner )" + id +
           R"(","company":"Acme GmbH","referral_key":"p)" + id +
           R"(","country":"de","tags":["emea","agency"],"referrer":{"email":"boss@example.com"},)"
           R"("link":{"prefix":"/p/","key_length":8}})"
           "\n";
  }
  return out;
}

std::string csv(int n) {
  std::string out =
      "email,name,company,referral_key,country,tags,referrer.email,link.prefix,link.key_length\n";
  for (int i = 0; i < n; ++i) {
    const std::string id = std::to_string(i);
    out += "partner" + id + "@example.com,\"Partner, " + id + "\",Acme GmbH,p" + id +
           ",de,emea;agency,boss@example.com,/p/,8\n";
  }
  return out;
}

void run(benchmark::State& state, const std::string& text) {
  std::size_t items = 0;
  for (auto _ : state) {
    std::istringstream in(text);
    partnerkit::SpecReader reader(in);
    while (auto item = reader.next()) {
      if (!item->spec) state.SkipWithError("bad item");
      ++items;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
  state.SetBytesProcessed(static_cast<std::int64_t>(text.size() * state.iterations()));
}

void BM_ReadJsonLines(benchmark::State& state) { run(state, jsonl(1000)); }
void BM_ReadCsv(benchmark::State& state) { run(state, csv(1000)); }

BENCHMARK(BM_ReadJsonLines);
BENCHMARK(BM_ReadCsv);

}  // namespace
