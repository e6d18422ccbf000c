// JourneyBee's decoders on any response (status, headers, body): the author's kit invariants
// (fuzz_decode.hpp).
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/testing/fuzz_decode.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const partnerkit::JourneyBeeAdapter adapter;
  static const partnerkit::testing::DecodeFuzz fuzz = [] {
    partnerkit::testing::DecodeFuzz f;
    f.config.settings["company_id"] = 7;
    return f;
  }();
  return fuzz.run(adapter, data, size);
}
