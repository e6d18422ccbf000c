// SpecReader reads lines straight from the stream buffer's get area (core/src/line_reader.cpp): the
// items must not depend on how the buffer hands its bytes out. Every input is read three ways — an
// istringstream (the whole text in one get area), a buffer whose get area is a few bytes (lines, CRLFs,
// quotes and the record limit cut at every place) and one with no get area at all — and must yield the
// same items, errors and line counts.
#include <partnerkit/input.hpp>
#include <partnerkit/spec_json.hpp>

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

namespace partnerkit {
namespace {

// Hands the text out in get areas of 1, 2, ... `most` bytes, in turn.
class ChunkedBuf : public std::streambuf {
 public:
  ChunkedBuf(std::string text, std::size_t most) : text_(std::move(text)), most_(most) {}

 protected:
  int_type underflow() override {
    if (at_ >= text_.size()) return traits_type::eof();
    const std::size_t n = std::min(text_.size() - at_, 1 + turn_++ % most_);
    char* p = text_.data() + at_;
    setg(p, p, p + n);
    at_ += n;
    return traits_type::to_int_type(*p);
  }

 private:
  std::string text_;
  std::size_t most_;
  std::size_t at_ = 0;
  std::size_t turn_ = 0;
};

// No get area: underflow() peeks, uflow() takes one byte (as an unbuffered device's buffer does).
class NoGetAreaBuf : public std::streambuf {
 public:
  explicit NoGetAreaBuf(std::string text) : text_(std::move(text)) {}

 protected:
  int_type underflow() override {
    return at_ < text_.size() ? traits_type::to_int_type(text_[at_]) : traits_type::eof();
  }
  int_type uflow() override {
    return at_ < text_.size() ? traits_type::to_int_type(text_[at_++]) : traits_type::eof();
  }

 private:
  std::string text_;
  std::size_t at_ = 0;
};

// What a reader yields, as text: one line per item, then the reader's error and line count.
std::string transcript(std::istream& in, SpecReaderOptions opts) {
  SpecReader reader(in, opts);
  std::string out;
  while (auto item = reader.next()) {
    out += std::to_string(item->index) + " line " + std::to_string(item->line) + ": ";
    out += item->spec ? boost::json::serialize(to_json(*item->spec, true))
                      : "error " + item->spec.error().message;
    if (!item->extras.empty()) out += " extras " + boost::json::serialize(item->extras);
    out += "\n";
  }
  if (reader.error()) out += "reader error: " + reader.error()->message + "\n";
  out +=
      "lines " + std::to_string(reader.lines_read()) + " format " + std::string(to_string(reader.format()));
  return out;
}

void expect_same_three_ways(const std::string& text, SpecReaderOptions opts) {
  std::istringstream whole(text);
  const std::string expected = transcript(whole, opts);
  for (std::size_t most : {1u, 3u, 7u}) {
    ChunkedBuf buf(text, most);
    std::istream in(&buf);
    ASSERT_EQ(transcript(in, opts), expected) << "get areas of at most " << most << " bytes, input:\n"
                                              << text;
  }
  NoGetAreaBuf buf(text);
  std::istream in(&buf);
  ASSERT_EQ(transcript(in, opts), expected) << "no get area, input:\n" << text;
}

TEST(SpecReaderBuffers, HandWrittenCasesReadTheSameFromAnyBuffer) {
  const std::vector<std::string> cases = {
      "",
      "\n\n",
      "\xEF\xBB\xBF{\"email\":\"a@example.com\"}\r\n{\"email\":\"b@example.com\"}",
      "{\"email\":\"a@example.com\"}\n" + std::string(300, 'x') + "\n{\"email\":\"c@example.com\"}\n",
      "email,name\r\na@example.com,\"Ann, \"\"the\"\" first\"\r\nb@example.com,Bob\n",
      "email,description\na@example.com,\"" + std::string(200, 'q') +
          "\nstill quoted\nend\"\nb@example.com,x\n",
      "email,description\na@example.com,\"short\n" + std::string(150, 'y') +
          "\nclosing\",more\nb@example.com,z",
      "email,description\na@example.com,bad\"quote\nb@example.com,\"after\"text\nc@example.com,ok\n",
      "email,description\na@example.com,\"never closed\nb@example.com,x\n",
      "\xEF\xBB\xBF"
      "email,tags\n\"a@example.com\",x;y\n",
  };
  for (const auto& text : cases) {
    for (auto format : {InputFormat::automatic, InputFormat::jsonl, InputFormat::csv})
      expect_same_three_ways(text, SpecReaderOptions{.format = format, .max_record_bytes = 128});
  }
}

TEST(SpecReaderBuffers, MutatedExamplesReadTheSameFromAnyBuffer) {
  std::string seeds[2];
  for (int i = 0; i < 2; ++i) {
    std::ifstream f(std::string(PARTNERKIT_EXAMPLES_DIR) + (i == 0 ? "/partners.jsonl" : "/partners.csv"),
                    std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    seeds[i] = s.str();
    ASSERT_FALSE(seeds[i].empty());
  }
  std::uint64_t state = 0x2545F4914F6CDD1Dull;
  auto rnd = [&state](std::size_t n) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::size_t>(state % n);
  };
  const char inserts[] = {'"', '\n', ',', '\r', '"', '\n'};
  for (int round = 0; round < 400; ++round) {
    std::string text = seeds[round % 2];
    const int edits = 1 + static_cast<int>(rnd(6));
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rnd(text.size() + 1);
      if (rnd(2) == 0)
        text.insert(at, 1, inserts[rnd(sizeof inserts)]);
      else
        text.erase(at, rnd(8));
    }
    const std::size_t limits[] = {40, 120, 512};
    expect_same_three_ways(
        text, SpecReaderOptions{.format = InputFormat::automatic, .max_record_bytes = limits[round % 3]});
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace partnerkit
