// libFuzzer target: the sans-I/O HTTP response reader (transport/src/detail/response_reader.hpp),
// which reads every byte a vendor — or anything pretending to be one — sends. The first input byte
// picks the piece size the bytes arrive in (1..256, as a socket would split them) and whether the
// request was a HEAD; the rest is the stream. Checks beyond "no crash, no sanitizer report": the
// reader never consumes more than it was given, the bytes it leaves unconsumed stay under its cap
// (the connection's read buffer has a fixed maximum), and a completed answer is a final (not 1xx)
// status with a body under the body cap.
#include "detail/response_reader.hpp"

#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + (data[0] & 0x7f) * 2;
  const bool head = (data[0] & 0x80) != 0;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);

  partnerkit::detail::ResponseLimits limits;
  limits.max_body_bytes = 4096;
  limits.max_header_bytes = 1024;
  partnerkit::HttpResponse response;
  partnerkit::detail::ResponseReader reader(response, limits, head);

  std::string buffer;
  std::size_t pos = 0;
  boost::system::error_code ec;
  for (;;) {
    const std::size_t used = reader.put(buffer, ec);
    if (used > buffer.size()) __builtin_trap();
    buffer.erase(0, used);
    if (ec != boost::beast::http::error::need_more) break;
    if (buffer.size() >
        limits.max_header_bytes + partnerkit::detail::ResponseReader::chunk_line_allowance + 1)
      __builtin_trap();  // the reader asked for more while holding more than its cap
    if (pos >= wire.size()) {
      reader.put_eof(ec);
      break;
    }
    buffer.append(wire.substr(pos, piece));
    pos += piece;
  }
  if (!ec && reader.done()) {
    if (response.status < 200 || response.status > 599) __builtin_trap();
    if (response.body.size() > limits.max_body_bytes) __builtin_trap();
    if (head && !response.body.empty()) __builtin_trap();
  }
  return 0;
}
