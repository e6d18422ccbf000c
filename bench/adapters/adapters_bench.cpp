// Encode and decode of each built-in adapter on plain values.
// Targets (issue 2): >= 1,000,000 Dub encodes/s and >= 300,000 Dub 1 KB 201 decodes/s on one core.
// Run: taskset -c 1 ./partnerkit_adapters_bench --benchmark_min_time=1
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/adapters/partnero.hpp>

#include "../support/dub_bench_201.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

namespace {

using namespace partnerkit;

PartnerSpec typical_spec() {
  PartnerSpec s;
  s.email = "ana.lopez@example.com";
  s.name = "Ana López";
  s.referral_key = "ana-lopez";
  s.external_id = "crm-000042";
  s.country = "ES";
  s.description = "Writes about developer tools and partner programs.";
  s.tags = {"vip", "eu"};
  return s;
}

VendorConfig config() {
  VendorConfig c;
  c.api_key = "dub_0123456789abcdefghijklmnopqrstuv";
  return c;
}

template <class A>
void encode(benchmark::State& state, VendorConfig c) {
  A adapter;
  const PartnerSpec spec = typical_spec();
  for (auto _ : state) {
    auto r = adapter.encode(spec, c);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DubEncode(benchmark::State& s) { encode<DubAdapter>(s, config()); }
void BM_PartneroEncode(benchmark::State& s) { encode<PartneroAdapter>(s, config()); }
void BM_JourneyBeeEncode(benchmark::State& s) {
  VendorConfig c = config();
  c.settings = boost::json::object{
      {"company_id", 123}, {"country_ids", {{"ES", 7}}}, {"tag_ids", {{"vip", 1}, {"eu", 2}}}};
  encode<JourneyBeeAdapter>(s, c);
}

// A complete Dub 201 of ~1 KB (schema of vendor-docs 002).
const std::string dub_201 =
    R"({"id":"pn_1JX9Y2ZK3QH4","name":"Ana López","companyName":null,"email":"ana.lopez@example.com",)"
    R"("image":"https://example.com/ana.png","description":null,"country":"ES","paypalEmail":null,)"
    R"("stripeConnectId":null,"payoutsEnabledAt":null,"trustedAt":null,"programId":"prog_CYCu7IMAapjkRpTnr8F1azjN",)"
    R"("groupId":"grp_gold","partnerId":"pn_1JX9Y2ZK3QH4","tenantId":"crm-000042",)"
    R"("createdAt":"2025-06-01T12:00:01.000Z","status":"approved",)"
    R"("links":[{"id":"link_1JX9Y2ZK","domain":"dub.sh","key":"ana","shortLink":"https://dub.sh/ana",)"
    R"("url":"https://example.com","clicks":10,"leads":2,"conversions":1,"sales":1,"saleAmount":4900}],)"
    R"("totalCommissions":980,"clickRewardId":null,"leadRewardId":null,"saleRewardId":"rw_1","discountId":null,)"
    R"("applicationId":null,"bannedAt":null,"bannedReason":null,"totalClicks":10,"totalLeads":2,)"
    R"("totalConversions":1,"totalSales":1,"totalSaleAmount":4900,"netRevenue":3920,"earningsPerClick":490,)"
    R"("averageLifetimeValue":4900,"clickToLeadRate":0.2,"clickToConversionRate":0.1,"leadToConversionRate":0.5,)"
    R"("returnOnAdSpend":5,"website":null,"youtube":null,"twitter":null,"linkedin":null,"instagram":null,"tiktok":null})";

const std::string partnero_201 =
    R"({"data":{"email":"ana.lopez@example.com","created_at":"2025-04-30T16:44:13.000000Z",)"
    R"("updated_at":"2025-04-30T16:44:13.000000Z","name":"Ana","id":"partner_123","surname":"López","tos":false,)"
    R"("approved":true,"status":"active","custom_fields":[],"referrals_count":0,"tags":[{"value":"vip"},{"value":"eu"}],)"
    R"("referral_link":"https://yourcompany.com?aff=ref_123","referral_links":["https://yourcompany.com?aff=ref_123"]},)"
    R"("status":1})";

const std::string journeybee_201 = R"({"status":"created","message":"Partnership created successfully"})";

template <class A>
void decode(benchmark::State& state, const std::string& body, bool keep_raw = true) {
  A adapter;
  const PartnerSpec spec = typical_spec();
  DecodeContext ctx;
  ctx.keep_raw = keep_raw;
  ctx.spec = &spec;
  ctx.sent_at = std::chrono::system_clock::time_point(std::chrono::seconds(1748779200));
  HttpResponse resp;
  resp.status = 201;
  resp.body = body;
  resp.headers = {{"Content-Type", "application/json"}};
  for (auto _ : state) {
    auto r = adapter.decode(resp, ctx);
    if (!r) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}

void BM_DubDecode201(benchmark::State& s) { decode<DubAdapter>(s, dub_201); }
// The batch path (keep_raw false): JsonPick, whose simple scanner reads this answer; and the same answer
// with an escape in its last member, which the scanner leaves to Boost.JSON's parser (its worst case:
// a whole scan, then Boost.JSON's parse).
void BM_DubDecode201Batch(benchmark::State& s) { decode<DubAdapter>(s, dub_201, false); }
void BM_DubDecode201BatchEscaped(benchmark::State& s) {
  static const std::string escaped = dub_201.substr(0, dub_201.size() - 1) + R"(,"note":"a\/b"})";
  decode<DubAdapter>(s, escaped, false);
}
// The batch path on the throughput bench's answer (PERF.md measures this decode per create).
void BM_DubDecodeBenchServer201Batch(benchmark::State& s) {
  static const std::string body = bench::dub_bench_201("ana.lopez@example.com", "crm-000042");
  decode<DubAdapter>(s, body, false);
}
void BM_PartneroDecode201(benchmark::State& s) { decode<PartneroAdapter>(s, partnero_201); }
void BM_JourneyBeeDecode201(benchmark::State& s) { decode<JourneyBeeAdapter>(s, journeybee_201); }
void BM_JourneyBeeDecodeEmpty201(benchmark::State& s) { decode<JourneyBeeAdapter>(s, ""); }

void BM_DubDecode422(benchmark::State& state) {
  DubAdapter dub;
  const PartnerSpec spec = typical_spec();
  DecodeContext ctx;
  ctx.spec = &spec;
  ctx.sent_at = std::chrono::system_clock::time_point(std::chrono::seconds(1748779200));
  HttpResponse resp{
      422,
      {},
      R"({"error":{"code":"unprocessable_entity","message":"invalid_type: tenantId: Expected string, received null","doc_url":"https://dub.co/docs/api-reference/errors#unprocessable-entity"}})"};
  for (auto _ : state) {
    auto r = dub.decode(resp, ctx);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

// Issue 13 item 5: a Partnero 201 with n distinct referral_links decodes in O(n) (it was O(n²): the
// de-duplication scanned every link kept). ~100,000 links fit under the 1 MiB decode cap.
void BM_PartneroDecodeManyLinks(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::string body =
      R"({"data":{"id":"p1","email":"ana.lopez@example.com","status":"active","referral_links":[)";
  for (std::size_t i = 0; i < n; ++i) body += (i ? ",\"h" : "\"h") + std::to_string(i) + "\"";
  body += "]}}";
  PartneroAdapter adapter;
  const PartnerSpec spec = typical_spec();
  DecodeContext ctx;
  ctx.spec = &spec;
  HttpResponse resp;
  resp.status = 201;
  resp.body = body;
  for (auto _ : state) {
    auto r = adapter.decode(resp, ctx);
    if (!r || r->links.size() != n) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetComplexityN(state.range(0));
}

BENCHMARK(BM_PartneroDecodeManyLinks)->RangeMultiplier(4)->Range(1 << 10, 100000)->Complexity();

BENCHMARK(BM_DubEncode);
BENCHMARK(BM_PartneroEncode);
BENCHMARK(BM_JourneyBeeEncode);
BENCHMARK(BM_DubDecode201);
BENCHMARK(BM_DubDecode201Batch);
BENCHMARK(BM_DubDecode201BatchEscaped);
BENCHMARK(BM_DubDecodeBenchServer201Batch);
BENCHMARK(BM_PartneroDecode201);
BENCHMARK(BM_JourneyBeeDecode201);
BENCHMARK(BM_JourneyBeeDecodeEmpty201);
BENCHMARK(BM_DubDecode422);

}  // namespace
