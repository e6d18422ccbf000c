// A libFuzzer target for the Tolt adapter's decoders, built from the author's kit
// (<partnerkit/testing/fuzz_decode.hpp>): every response the fuzzer invents is decoded and checked
// against the kit's invariants (no throw, a Partner only from a 2xx and only for the email sent,
// bounded errors with the status and without secrets, deterministic). Build with clang:
//   cmake -S examples/plugin-tolt -B build-tolt-fuzz -DCMAKE_CXX_COMPILER=clang++ -DTOLT_BUILD_FUZZ=ON \
//         -DCMAKE_PREFIX_PATH=<partnerkit prefix>
//   build-tolt-fuzz/tolt_decode_fuzz -max_total_time=60 fuzz/corpus
#include <partnerkit/testing/fuzz_decode.hpp>
#include <tolt/tolt_adapter.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tolt::ToltAdapter adapter;
  static const partnerkit::testing::DecodeFuzz fuzz = [] {
    partnerkit::testing::DecodeFuzz f;
    f.config.base_url = "https://api.tolt.com";
    f.config.settings["program_id"] = "prg_fuzz";
    return f;
  }();
  return fuzz.run(adapter, data, size);
}
