// libFuzzer target: the sans-I/O HTTP response reader (transport/src/detail/response_reader.hpp),
// which reads every byte a vendor — or anything pretending to be one — sends. The first input byte
// picks the piece size the bytes arrive in (1..256, as a socket would split them) and whether the
// request was a HEAD; the rest is the stream. Checks beyond "no crash, no sanitizer report": the
// reader never consumes more than it was given, the bytes it leaves unconsumed stay under its cap
// (the connection's read buffer has a fixed maximum), and a completed answer is a final (not 1xx)
// status with a body under the body cap. Differential: the reader with its fast path for simple heads
// (detail/simple_head.hpp) gives exactly what Beast alone gives — bytes consumed at each step, every
// verdict, the response, keep-alive — under the default caps and under caps tight enough to cut.
#include "detail/response_reader.hpp"

#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using partnerkit::detail::ResponseLimits;
using partnerkit::detail::ResponseReader;

struct Run {
  std::vector<std::pair<std::size_t, boost::system::error_code>> steps;
  boost::system::error_code ec;
  partnerkit::HttpResponse response;
  bool done = false;
  bool keep_alive = false;
  bool need_eof = false;
  std::size_t interim = 0;
  std::string left;
};

Run run(std::string_view wire, std::size_t piece, bool head, ResponseLimits limits,
        ResponseReader::HeadPath path) {
  Run out;
  ResponseReader reader(out.response, limits, head, path);
  std::string buffer;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t used = reader.put(buffer, out.ec);
    out.steps.emplace_back(used, out.ec);
    if (used > buffer.size()) __builtin_trap();
    buffer.erase(0, used);
    if (out.ec != boost::beast::http::error::need_more) break;
    if (buffer.size() > limits.max_header_bytes + ResponseReader::chunk_line_allowance + 1)
      __builtin_trap();  // the reader asked for more while holding more than its cap
    if (pos >= wire.size()) {
      reader.put_eof(out.ec);
      out.steps.emplace_back(0, out.ec);
      break;
    }
    buffer.append(wire.substr(pos, piece));
    pos += piece;
  }
  if (!out.ec && reader.done()) {
    if (out.response.status < 200 || out.response.status > 599) __builtin_trap();
    if (out.response.body.size() > limits.max_body_bytes) __builtin_trap();
    if (head && !out.response.body.empty()) __builtin_trap();
  }
  out.done = reader.done();
  out.keep_alive = reader.keep_alive();
  out.need_eof = reader.is_header_done() && reader.need_eof();
  out.interim = reader.interim_responses();
  out.left = buffer;
  return out;
}

void same(const Run& a, const Run& b) {
  if (a.steps != b.steps || a.ec != b.ec || !(a.response == b.response) || a.done != b.done ||
      a.keep_alive != b.keep_alive || a.need_eof != b.need_eof || a.interim != b.interim || a.left != b.left)
    __builtin_trap();  // the fast path gave what Beast would not
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + (data[0] & 0x7f) * 2;
  const bool head = (data[0] & 0x80) != 0;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);

  ResponseLimits limits;
  limits.max_body_bytes = 4096;
  limits.max_header_bytes = 1024;
  // The whole stream in one piece as well: the fast path only sees a head that came whole.
  for (std::size_t p : {piece, wire.size() + 1}) {
    same(run(wire, p, head, limits, ResponseReader::HeadPath::fast_when_simple),
         run(wire, p, head, limits, ResponseReader::HeadPath::beast_only));
  }
  // Caps near the answer's own size, where a head of exactly the cap is the edge.
  ResponseLimits tight;
  tight.max_header_bytes = 16 + size % 128;
  tight.max_body_bytes = size % 64;
  same(run(wire, wire.size() + 1, head, tight, ResponseReader::HeadPath::fast_when_simple),
       run(wire, wire.size() + 1, head, tight, ResponseReader::HeadPath::beast_only));
  return 0;
}
