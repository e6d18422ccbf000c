// What the decode fuzzers (fuzz/decode_*_fuzz.cpp) found, as plain-value tests, and the seed corpora
// replayed through the author's kit (partnerkit/testing/fuzz_decode.hpp) in the ordinary build, so a
// regression fails `make test` too, not only `make fuzz`.
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/adapters/partnero.hpp>
#include <partnerkit/testing/fuzz_decode.hpp>

#include "adapter_test_util.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace partnerkit {
namespace {

namespace fs = std::filesystem;
using test::context_for;
using test::response;

// Partnero answered 201 with another partner's data: the decoder took it as ours (issue 13 item 1).
TEST(DecodeFuzzFindings, PartneroRefusesAnAnswerAboutAnotherEmail) {
  PartnerSpec spec;
  spec.email = "ana@example.com";
  auto r = PartneroAdapter().decode(
      response(201, R"({"data":{"id":"partner_123","email":"bo@example.com","status":"active"},"status":1})"),
      context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::protocol);
  EXPECT_EQ(r.error().field, "email");
  EXPECT_EQ(r.error().http_status, 201);
  // The same address in another case (and with stray blanks) is the same partner.
  auto same = PartneroAdapter().decode(
      response(201,
               R"({"data":{"id":"partner_123","email":" ANA@Example.com","status":"active"},"status":1})"),
      context_for(spec));
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->id, "partner_123");
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Each seed of fuzz/corpus/decode_<vendor>/ through the kit's invariants (a broken one aborts with
// its reason on stderr, as under the fuzzer).
void replay(std::string_view vendor, const Adapter& adapter, const testing::DecodeFuzz& fuzz) {
  const char* root = std::getenv("PARTNERKIT_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  const fs::path dir = fs::path(root) / "fuzz" / "corpus" / ("decode_" + std::string(vendor));
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  int n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().string());
    const std::string bytes = read_file(entry.path());
    fuzz.run(adapter, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ++n;
  }
  EXPECT_GT(n, 0);
}

TEST(DecodeFuzzCorpus, Dub) { replay("dub", DubAdapter(), testing::DecodeFuzz()); }
TEST(DecodeFuzzCorpus, Partnero) { replay("partnero", PartneroAdapter(), testing::DecodeFuzz()); }
TEST(DecodeFuzzCorpus, JourneyBee) { replay("journeybee", JourneyBeeAdapter(), testing::DecodeFuzz()); }

TEST(DecodeFuzzKit, ResponseFromBytes) {
  auto r =
      testing::response_from_bytes("201\nContent-Type: application/json\nX-Bad-Line\n\n{\"a\":1}\n\nrest");
  EXPECT_EQ(r.status, 201);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Content-Type");
  EXPECT_EQ(r.headers[0].second, "application/json");
  EXPECT_EQ(r.body, "{\"a\":1}\n\nrest");
  auto crlf = testing::response_from_bytes("429\r\nRetry-After: 5\r\n\r\nbody");
  EXPECT_EQ(crlf.status, 429);
  EXPECT_EQ(crlf.header("retry-after"), "5");
  EXPECT_EQ(crlf.body, "body");
  auto bare = testing::response_from_bytes("2017\n{}");  // three digits at most; no blank line: no headers
  EXPECT_EQ(bare.status, 201);
  EXPECT_TRUE(bare.headers.empty());
  EXPECT_EQ(bare.body, "{}");
  EXPECT_EQ(testing::response_from_bytes("x").status, 0);
}

TEST(DecodeFuzzKitDeathTest, AbortsOnADecoderThatAcceptsAnotherPartner) {
  // The kit must be able to fail: an adapter that returns a partner for any 2xx.
  struct Lax final : Adapter {
    std::string_view name() const noexcept override { return "lax"; }
    Result<EncodedRequest> encode(const PartnerSpec&, const VendorConfig&) const override {
      return EncodedRequest{};
    }
    Result<Partner> decode(const HttpResponse& r, const DecodeContext&) const override {
      if (r.status < 200 || r.status > 299) {
        Error e = Error::make(errc::rejected, "no");
        e.http_status = r.status;
        return e;
      }
      Partner p;
      p.vendor = "lax";
      p.email = r.body;
      return p;
    }
  };
  const std::string ok = "201\n\nana@example.com", other = "201\n\nbo@example.com";
  testing::DecodeFuzz fuzz;
  fuzz.run(Lax(), reinterpret_cast<const std::uint8_t*>(ok.data()), ok.size());
  EXPECT_DEATH(fuzz.run(Lax(), reinterpret_cast<const std::uint8_t*>(other.data()), other.size()),
               "not the one sent");
}

}  // namespace
}  // namespace partnerkit
