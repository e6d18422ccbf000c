// Dub's 2xx decoded both ways (DecodeContext::keep_raw: the tree; without: JsonPick, no tree) must give
// the same Partner or the same Error, for every context the batch path can pass. Aborts on a difference.
#include <partnerkit/testing/fuzz_decode.hpp>

#include "dub_paths_diff.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Contexts c;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto response = partnerkit::testing::response_from_bytes(bytes);
  for (const auto* ctx : {&c.with_spec, &c.with_plain, &c.bare}) {
    const auto diff = partnerkit::test::dub_paths_differ(response, *ctx);
    if (!diff.empty()) {
      std::fprintf(stderr, "dub decode, tree and pick differ: %s\n", diff.c_str());
      std::abort();
    }
  }
  return 0;
}
