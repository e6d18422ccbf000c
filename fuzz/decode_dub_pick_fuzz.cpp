// Dub's 2xx decoded both ways (DecodeContext::keep_raw: the tree; without: JsonPick, no tree) must give
// the same Partner or the same Error, for every context the batch path can pass; and JsonPick's own two
// readers (its simple scanner with Boost.JSON's parser for the rest, and Boost.JSON's parser alone) the
// same verdict and picks, under Dub's plan and one whose names share lengths. Aborts on a difference.
#include <partnerkit/testing/fuzz_decode.hpp>

#include "dub_paths_diff.hpp"
#include "json_pick_diff.hpp"

#include <cstdio>
#include <cstdlib>

namespace {

struct Contexts {
  partnerkit::PartnerSpec full, plain;
  partnerkit::DecodeContext with_spec, with_plain, bare;
  Contexts() {
    full.email = "ana@example.com";
    full.name = "Ana Lima";
    full.external_id = "crm-42";
    full.referral_key = "ana";
    plain.email = "ana@example.com";
    with_spec.spec = &full;
    with_spec.sent_at = std::chrono::system_clock::time_point(std::chrono::seconds(1'746'057'600));
    with_plain.spec = &plain;
  }
};

// Dub's plan (adapters/src/dub/decode.cpp) and another.
constexpr std::string_view dub_members[] = {"id", "email", "name", "status", "createdAt", "tenantId"};
constexpr std::string_view dub_link_members[] = {"shortLink", "id", "key", "domain"};
constexpr std::string_view other_members[] = {"a", "b", "ab", "", "links"};
constexpr std::string_view other_link_members[] = {"a", "b", "c", "ab"};
const partnerkit::adapter_kit::PickPlan plans[] = {
    {.members = dub_members, .array = "links", .element_members = dub_link_members},
    {.members = other_members, .array = "a", .element_members = other_link_members},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Contexts c;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto response = partnerkit::testing::response_from_bytes(bytes);
  for (const auto& plan : plans) {
    const auto diff = partnerkit::test::json_pick_paths_differ(plan, response.body);
    if (!diff.empty()) {
      std::fprintf(stderr, "JsonPick, simple scanner and Boost.JSON differ: %s\n", diff.c_str());
      std::abort();
    }
  }
  for (const auto* ctx : {&c.with_spec, &c.with_plain, &c.bare}) {
    const auto diff = partnerkit::test::dub_paths_differ(response, *ctx);
    if (!diff.empty()) {
      std::fprintf(stderr, "dub decode, tree and pick differ: %s\n", diff.c_str());
      std::abort();
    }
  }
  return 0;
}
