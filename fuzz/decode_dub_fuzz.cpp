// Dub's decoders on any response (status, headers, body): the author's kit invariants (fuzz_decode.hpp).
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/testing/fuzz_decode.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const partnerkit::DubAdapter adapter;
  static const partnerkit::testing::DecodeFuzz fuzz;
  return fuzz.run(adapter, data, size);
}
