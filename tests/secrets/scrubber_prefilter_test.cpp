// The scrubber's prefilter against the automaton over every byte: the same bytes out for random and
// adversarial texts (secrets at every offset, cut at every length, in every form, at token edges).
#include <partnerkit/secrets.hpp>
#include <partnerkit/text/encoding.hpp>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <random>
#include <string>
#include <vector>

namespace pk = partnerkit;

namespace {

// A few of the forms the scrubber searches (the plain form, JSON, URL, HTML, base64 at each
// alignment): enough to put matches and near-matches into the texts.
std::vector<std::string> forms(const std::string& secret) {
  std::string html;
  for (char c : secret)
    html += c == '&' ? "&amp;" : c == '"' ? "&quot;" : c == '<' ? "&lt;" : std::string(1, c);
  const std::string json = boost::json::serialize(boost::json::string(secret));
  std::vector<std::string> out{secret, json.substr(1, json.size() - 2),
                               pk::text::percent_encoded(secret, pk::text::uri_unreserved, true, true), html};
  for (const char* pad : {"", "x", "yz"}) {
    const std::string b = pk::text::base64(std::string(pad) + secret, pk::text::base64_alphabet, false);
    if (b.size() > std::string_view(pad).size() * 2)
      out.push_back(b.substr(std::string_view(pad).size() * 2));
  }
  return out;
}

class Differential {
 public:
  explicit Differential(std::vector<std::string> secrets) : secrets_(std::move(secrets)), s_(secrets_) {
    for (const auto& secret : secrets_)
      for (auto& f : forms(secret)) forms_.push_back(std::move(f));
  }

  // Both scans over `text`; counts how many texts were changed and how many bytes the automaton read.
  void check(const std::string& text) {
    const std::string filtered = s_.scrub(text);
    ASSERT_EQ(filtered, s_.scrub_unfiltered(text)) << "text: " << text;
    ASSERT_EQ(s_.leaks(text), filtered != text) << "text: " << text;
    // Several strings at once (and a null skipped): each the bytes scrub() gives it alone.
    std::string one = text, two = "x" + text;
    std::string* const texts[] = {&one, nullptr, &two};
    s_.scrub_each_in_place(texts);
    ASSERT_EQ(one, filtered) << "text: " << text;
    ASSERT_EQ(two, s_.scrub("x" + text)) << "text: " << text;
    changed += filtered != text;
    scanned += s_.scanned_bytes(text);
    bytes += text.size();
  }

  const std::vector<std::string>& forms_of_all() const { return forms_; }
  std::size_t changed = 0, scanned = 0, bytes = 0;

 private:
  std::vector<std::string> secrets_;
  pk::Scrubber s_;
  std::vector<std::string> forms_;
};

// Text drawn from the secrets' own bytes, token edges and ordinary characters, so that runs of
// pattern 2-grams form, break and restart everywhere.
std::string noise(std::mt19937& rng, const std::vector<std::string>& forms, std::size_t n) {
  static constexpr std::string_view edges = " -_\"\\/%&;:=+.,\n";
  std::string out;
  while (out.size() < n) {
    const unsigned pick = rng() % 10;
    if (pick < 4) {
      const auto& f = forms[rng() % forms.size()];
      const std::size_t from = rng() % f.size();
      out.append(f, from, 1 + rng() % (f.size() - from));  // a piece of a form
    } else if (pick < 6) {
      out.push_back(edges[rng() % edges.size()]);
    } else {
      out.push_back(static_cast<char>(pick < 9 ? 'a' + rng() % 26 : rng() % 256));
    }
  }
  return out;
}

void run(std::vector<std::string> secrets, unsigned seed) {
  Differential d(std::move(secrets));
  std::mt19937 rng(seed);
  const auto& forms = d.forms_of_all();
  for (int round = 0; round < 300; ++round) d.check(noise(rng, forms, rng() % 200));
  for (const auto& f : forms) {
    const std::string around = noise(rng, forms, 40);
    for (std::size_t at = 0; at <= around.size(); ++at) {
      d.check(around.substr(0, at) + f + around.substr(at));  // every offset
      d.check(around.substr(0, at) + f);                      // at the end
      if (at < around.size()) d.check(around.substr(0, at) + " " + f + "_" + around.substr(at));
    }
    for (std::size_t cut = 1; cut <= f.size(); ++cut) {
      d.check(around + f.substr(0, cut));  // cut at every length
      d.check(f.substr(0, cut));
      std::string changed = f;  // one byte off
      changed[cut - 1] = static_cast<char>(changed[cut - 1] ^ 1);
      d.check(around + changed + around);
      d.check(around + changed);
    }
  }
  EXPECT_GT(d.changed, 0u);  // the texts did hold secrets
  SCOPED_TRACE(testing::Message() << d.scanned << " of " << d.bytes << " bytes scanned");
}

}  // namespace

TEST(ScrubberPrefilter, SameBytesAsTheFullScanForLongSecrets) {
  run({"dub_bench_0000000000000000000000"}, 1);
  run({"sk_live_9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c", "Hunter2Secret9"}, 2);
  run({R"(Pa ss"w/o<r>d&'é9)", "abcdefgh", "efghijkl", "zzzzzz"}, 3);
}

TEST(ScrubberPrefilter, SameBytesWithShortWholeTokenSecrets) {
  run({"a\"b", "sk_live_9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"}, 4);  // shortest 3: prefiltered tokens
  run({"abcd", "x y", "12345"}, 5);
  run({"q", "ab", "Hunter2Secret9"}, 6);  // shortest 1 and 2: the full scan alone
}

TEST(ScrubberPrefilter, SameBytesForRandomSecretsOverManyRounds) {
  std::mt19937 rng(11);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> secrets;
    for (unsigned n = 1 + rng() % 3; n > 0; --n) {
      std::string s;
      for (unsigned len = 3 + rng() % 30; len > 0; --len)
        s.push_back(static_cast<char>(rng() % 4 == 0 ? 32 + rng() % 95 : 'a' + rng() % 6));
      secrets.push_back(s);
    }
    run(secrets, static_cast<unsigned>(round));
  }
}

// A scrubber extending a base (the Client's per-operation secrets over the vendor's key) runs one
// automaton after the other, each behind its own prefilter: still the full scans' bytes.
TEST(ScrubberPrefilter, SameBytesWhenExtendingABase) {
  const pk::Scrubber base({"dub_bench_0000000000000000000000"});
  const pk::Scrubber op({"Hunter2Secret9", "ab1"}, base);
  std::mt19937 rng(21);
  const std::vector<std::string> pieces{"dub_bench_0000000000000000000000",
                                        "Hunter2Secret9",
                                        "ab1",
                                        "Hunter2",
                                        "dub_bench_00000",
                                        " ",
                                        "_",
                                        "x",
                                        "\"",
                                        "0000"};
  std::size_t changed = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (unsigned n = rng() % 12; n > 0; --n) text += pieces[rng() % pieces.size()];
    const std::string filtered = op.scrub(text);
    ASSERT_EQ(filtered, op.scrub_unfiltered(text)) << text;
    std::string a = text, b = text + "0000", c;
    std::string* const texts[] = {&a, &b, &c};  // both automata over all three strings
    op.scrub_each_in_place(texts);
    ASSERT_EQ(a, filtered) << text;
    ASSERT_EQ(b, op.scrub(text + "0000")) << text;
    changed += filtered != text;
  }
  EXPECT_GT(changed, 100u);
}

// The prefilter must skip most of an ordinary result line: otherwise it only adds cost.
TEST(ScrubberPrefilter, SkipsOrdinaryText) {
  pk::Scrubber s({"dub_bench_0000000000000000000000"});
  const std::string line =
      R"({"index":7,"line":8,"vendor":"dub","email":"p7@bench.example","outcome":"created",)"
      R"("partner_id":"pn_01HZXQ3BENCHMARK0000000000","referral_link":"https://dub.sh/partner-7",)"
      R"("attempts":1,"warnings":[],"from_journal":false,"error":null})";
  EXPECT_LT(s.scanned_bytes(line), line.size() / 4) << s.scanned_bytes(line) << " of " << line.size();
  EXPECT_EQ(s.scrub(line), line);
  EXPECT_EQ(s.scanned_bytes("dub_bench_0000000000000000000000"), 32u);
  EXPECT_EQ(pk::Scrubber().scanned_bytes(line), 0u);
}

// The 4-gram samples and the hashed test of a text's last 6 bytes: texts that end in a window of a
// form that is no prefix of it (the tail test passes, the automaton finds nothing), texts made of
// 4-byte pieces of the forms (samples that hit without a match) and every form cut at both ends.
TEST(ScrubberPrefilter, SameBytesForWindowsOfTheFormsAtTheEnd) {
  for (const auto& secrets : std::vector<std::vector<std::string>>{
           {"dub_bench_0000000000000000000000"},
           {"sk_live_9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c", "Hunter2Secret9"}}) {
    Differential d(secrets);
    std::mt19937 rng(31);
    for (const auto& f : d.forms_of_all()) {
      for (std::size_t from = 0; from < f.size(); ++from)
        for (std::size_t to = from + 1; to <= f.size(); ++to) {
          d.check(f.substr(from, to - from));
          d.check("pn_01HZXQ3BENCHMARK" + f.substr(from, to - from));
        }
      std::string quads;
      for (int n = 0; n < 40; ++n) {
        const auto& g = d.forms_of_all()[rng() % d.forms_of_all().size()];
        quads += g.substr(rng() % (g.size() - 3), 4);
        if (rng() % 3 == 0) quads += " ";
        d.check(quads);
      }
    }
    EXPECT_GT(d.changed, 0u);
  }
}

// Most strings of a created partner (links, names, dates) stop at the samples and the tail test:
// the automaton reads none of their bytes.
TEST(ScrubberPrefilter, SkipsAPartnersOrdinaryStrings) {
  const pk::Scrubber s({"dub_bench_0000000000000000000000"});
  for (const char* text : {"https://dub.sh/partner-7", "link_01HZX0ABCDEF", "Bench Partner 7", "approved",
                           "2026-01-01T00:00:00.000Z", "p7@bench.example", "dub.sh", "partner-7"})
    EXPECT_EQ(s.scanned_bytes(text), 0u) << text;
  EXPECT_EQ(s.scrub("x dub_bench_0000000000000000000000"), "x REDACTED");
  EXPECT_EQ(s.scrub("cut: dub_bench_00"), "cut: REDACTED");
}
