// The throughput bench's Dub-shaped 201 (~1 KB: 21 top-level members and a `links` array of three
// objects of 9 members, every member Dub's TypeScript SDK requires, so the SDK accepts it too), with the
// email and tenantId of the partner it describes (an empty tenant_id: null). bench_transport's server
// answers it echoing what it received; adapters_bench decodes it, so the in-process decode measures
// the body PERF.md's callgrind recipe and scripts/bench-throughput.sh send.
#pragma once

#include <string>
#include <string_view>

namespace partnerkit::bench {

inline std::string dub_bench_201(std::string_view email, std::string_view tenant_id) {
  std::string links;
  for (int i = 0; i < 3; ++i) {
    links += std::string(i ? "," : "") + R"({"id":"link_01HZX)" + std::to_string(i) +
             R"(ABCDEF","domain":"dub.sh","key":"partner-)" + std::to_string(i) +
             R"(","url":"https://example.com/?via=partner","shortLink":"https://dub.sh/partner-)" +
             std::to_string(i) + R"(","clicks":0,"leads":0,"sales":0,"saleAmount":0})";
  }
  const std::string tenant = tenant_id.empty() ? "null" : "\"" + std::string(tenant_id) + "\"";
  return R"({"id":"pn_01HZXQ3BENCHMARK0000000000","name":"Bench Partner","email":")" + std::string(email) +
         R"(",)"
         R"("username":"bench-partner","companyName":null,"networkStatus":"approved",)"
         R"("defaultPayoutMethod":null,"paypalEmail":null,"stripeConnectId":null,"payoutsEnabledAt":null,)"
         R"("identityVerifiedAt":null,"partnerId":"pn_01HZXQ3BENCHMARK0000000000",)"
         R"("image":null,"country":"US","status":"approved","tenantId":)" +
         tenant +
         R"(,"programId":"prog_bench",)"
         R"("createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z","links":[)" +
         links + "]}";
}

}  // namespace partnerkit::bench
