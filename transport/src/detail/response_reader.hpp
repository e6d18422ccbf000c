// The HTTP/1.1 response reader, sans-I/O: bytes in, an HttpResponse out, no socket in sight. The
// connection reads into its buffer and hands the unconsumed bytes to put(); tests and the fuzzer
// (fuzz/http_response_fuzz.cpp) hand it bytes directly.
//
// What it adds to Beast's basic_parser:
//   - interim responses (1xx) are skipped as RFC 9110 §15.2 says — 100 Continue, 103 Early Hints,
//     several in a row — and the final response is the one returned; 101 Switching Protocols is an
//     error (transport_error::switching_protocols): we never ask for an upgrade.
//   - one header budget (max_header_bytes) for everything that is not body: the status lines and
//     header blocks of the interim and final responses, the chunk-size lines beyond 20 bytes per
//     chunk (chunk extensions, leading zeros) and the trailer section. Past it: http::error::
//     header_limit while in a header block, transport_error::response_framing_limit in the framing.
//   - the bytes a caller must hold unconsumed never exceed max_header_bytes + 20, so the caller's
//     read buffer can have a fixed maximum (buffer_limit()).
// The response is written straight into the HttpResponse (no Beast message, no field copies).
//
// A plain final answer (detail/simple_head.hpp: HTTP/1.1, Content-Length, no framing or connection
// fields) arriving with its whole head in the first bytes is read without Beast: the head by
// parse_simple_head, the body by counting. Anything else goes to Beast from the first byte.
#pragma once

#include <partnerkit/http.hpp>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace partnerkit::detail {

struct ResponseLimits {
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
};

// basic_parser callbacks → HttpResponse. One instance per message (interim or final).
class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  ResponseParser(HttpResponse& out, std::size_t max_body) : out_(out), max_body_(max_body) {}

  std::uint64_t body_bytes() const noexcept { return body_bytes_; }
  std::uint64_t chunks() const noexcept { return chunks_; }

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override;
  void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override { ++chunks_; }
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  HttpResponse& out_;
  std::size_t max_body_;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t chunks_ = 0;
};

class ResponseReader {
 public:
  // `out` receives the final response (its status, headers, trailers appended to the headers, body).
  // head_request: the answer to a HEAD has no body. beast_only: never the fast path (the tests and
  // the fuzzer compare the two).
  enum class HeadPath { fast_when_simple, beast_only };
  ResponseReader(HttpResponse& out, ResponseLimits limits, bool head_request,
                 HeadPath path = HeadPath::fast_when_simple);

  // Parses from the front of `data` and returns how many bytes were consumed; the caller drops
  // them and calls again with what is left plus newly read bytes. ec after the call:
  //   {} and done()                   the final response is complete (bytes after it are not ours)
  //   http::error::need_more          read more bytes (or call put_eof at the end of the stream)
  //   anything else                   a malformed or over-limit answer: stop, close the connection
  std::size_t put(std::string_view data, boost::system::error_code& ec);
  // The peer closed: completes a close-delimited body, else partial_message / end_of_stream.
  void put_eof(boost::system::error_code& ec);

  bool done() const noexcept { return done_; }
  bool got_some() const noexcept { return got_some_; }
  // Final response only, after done(): whether the connection may carry another request.
  bool keep_alive() const noexcept;
  // Whether the final body is delimited by the end of the connection.
  bool need_eof() const noexcept;
  bool is_header_done() const noexcept;
  std::size_t interim_responses() const noexcept { return interim_; }
  // Whether the answer was read by the fast path (tests).
  bool fast_path() const noexcept { return fast_; }

  // The largest buffer a caller needs: unconsumed bytes never exceed max_header_bytes + 20, plus
  // room for one read.
  static std::size_t buffer_limit(const ResponseLimits& limits) noexcept;
  static constexpr std::size_t read_size = 64 * 1024;
  // Chunk-size line + CRLF bytes each chunk may use before they count against the header budget.
  static constexpr std::size_t chunk_line_allowance = 20;

 private:
  void start_message();
  // At the first byte of the first message: reads a simple head (and what came of its body) without
  // Beast. False when it declined: nothing consumed, nothing written.
  bool try_fast(std::string_view data, std::size_t& used, boost::system::error_code& ec);
  std::size_t put_fast_body(std::string_view data, boost::system::error_code& ec);

  HttpResponse& out_;
  ResponseLimits limits_;
  bool head_;
  std::optional<ResponseParser> parser_;
  std::size_t budget_;            // header bytes left (interim + final header, framing, trailers)
  std::size_t header_bytes_ = 0;  // consumed by the header block of the message in progress
  std::uint64_t framing_ = 0;     // non-body bytes consumed after the final header
  std::size_t interim_ = 0;
  bool header_done_ = false;
  bool done_ = false;
  bool got_some_ = false;
  bool try_fast_;                // the fast path may still be tried
  bool fast_ = false;            // this answer is read by the fast path
  std::uint64_t fast_left_ = 0;  // body bytes still to come (fast path)
};

}  // namespace partnerkit::detail
