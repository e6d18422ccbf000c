// The response reader's fast path: a status line and header block of the plain shape nearly every
// answer has, recognised without Beast's general parser (~2.5k instructions a response for a
// three-line head). It accepts only what Beast 1.81's basic_parser accepts with the same result:
//   "HTTP/1.1 " 3DIGIT " " reason CRLF, status 200-599 but 204 and 304, reason of SP/HTAB/VCHAR;
//   fields `token ":" OWS value OWS CRLF` with values of SP/HTAB/VCHAR, no obs-fold;
//   one Content-Length of 1-18 digits, at most max_body; no Connection, Proxy-Connection,
//   Transfer-Encoding or Upgrade; at most max_fields fields; the whole head (blank line included)
//   in `data` and shorter than `limit`.
// Anything else — including a head not complete yet — declines (false), and the caller hands the
// bytes to Beast from the first one. tests/transport/response_fast_path_test.cpp and the fuzzer
// (fuzz/http_response_fuzz.cpp) check that the reader's result is Beast's whenever this accepts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace partnerkit::detail {

struct SimpleHead {
  static constexpr std::size_t max_fields = 32;
  // Offsets into the data (left uninitialized: a head has a few of max_fields).
  struct Field {
    std::size_t name, name_size, value, value_size;
  };
  int status = 0;
  std::size_t size = 0;  // bytes of the head, its blank line included
  std::uint64_t content_length = 0;
  std::size_t field_count = 0;
  Field fields[max_fields];
};

bool parse_simple_head(std::string_view data, std::size_t limit, std::uint64_t max_body,
                       SimpleHead& out) noexcept;

}  // namespace partnerkit::detail
