// Partnero's decoders on any response (status, headers, body): the author's kit invariants
// (fuzz_decode.hpp).
#include <partnerkit/adapters/partnero.hpp>
#include <partnerkit/testing/fuzz_decode.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const partnerkit::PartneroAdapter adapter;
  static const partnerkit::testing::DecodeFuzz fuzz;
  return fuzz.run(adapter, data, size);
}
