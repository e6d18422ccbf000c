#include "detail/response_reader.hpp"

#include "detail/simple_head.hpp"

#include <partnerkit/transport_errors.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

namespace partnerkit::detail {
namespace http = boost::beast::http;
using boost::system::error_code;

void ResponseParser::on_response_impl(int code, string_view, int, error_code&) {
  out_.status = code;
  out_.headers.clear();
  out_.body.clear();
  if (out_.headers.capacity() < 8) out_.headers.reserve(8);
}

void ResponseParser::on_field_impl(http::field, string_view name, string_view value, error_code&) {
  // Both strings built in the element (no temporaries moved in).
  out_.headers.emplace_back(std::piecewise_construct, std::forward_as_tuple(name.data(), name.size()),
                            std::forward_as_tuple(value.data(), value.size()));
}

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length) out_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, max_body_)));
}

std::size_t ResponseParser::on_body_impl(string_view body, error_code&) {
  out_.body.append(body.data(), body.size());
  body_bytes_ += body.size();
  return body.size();
}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  out_.body.append(body.data(), body.size());
  body_bytes_ += body.size();
  return body.size();
}

ResponseReader::ResponseReader(HttpResponse& out, ResponseLimits limits, bool head_request, HeadPath path)
    : out_(out),
      limits_(limits),
      head_(head_request),
      budget_(limits.max_header_bytes),
      try_fast_(path == HeadPath::fast_when_simple && !head_request) {
  if (!try_fast_) start_message();  // else when the fast path declines (or never, ~50 instructions)
}

bool ResponseReader::try_fast(std::string_view data, std::size_t& used, error_code& ec) {
  SimpleHead head;
  const std::size_t limit = std::min<std::size_t>(budget_, std::numeric_limits<std::uint32_t>::max());
  if (!parse_simple_head(data, limit, limits_.max_body_bytes, head)) return false;
  // What ResponseParser's callbacks would write, in the same order.
  out_.status = head.status;
  out_.headers.clear();
  out_.body.clear();
  out_.headers.reserve(head.field_count);
  for (std::size_t i = 0; i < head.field_count; ++i) {
    const auto& f = head.fields[i];
    out_.headers.emplace_back(std::piecewise_construct,
                              std::forward_as_tuple(data.data() + f.name, f.name_size),
                              std::forward_as_tuple(data.data() + f.value, f.value_size));
  }
  got_some_ = true;
  header_bytes_ = head.size;
  budget_ -= head.size;
  header_done_ = true;
  fast_ = true;
  fast_left_ = head.content_length;
  if (fast_left_ > 0) out_.body.reserve(static_cast<std::size_t>(fast_left_));
  used = head.size + put_fast_body(data.substr(head.size), ec);
  return true;
}

// As Beast's body state with a Content-Length: what is left of the body, no byte past it.
std::size_t ResponseReader::put_fast_body(std::string_view data, error_code& ec) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(fast_left_, data.size()));
  out_.body.append(data.data(), n);
  fast_left_ -= n;
  if (fast_left_ == 0) {
    done_ = true;
    ec = {};
  } else {
    ec = http::error::need_more;
  }
  return n;
}

void ResponseReader::start_message() {
  auto& p = parser_.emplace(out_, limits_.max_body_bytes);
  p.body_limit(limits_.max_body_bytes);
  p.eager(false);  // stop at the end of the header block: its size is counted exactly
  if (head_) p.skip(true);
  header_bytes_ = 0;
  header_done_ = false;
}

std::size_t ResponseReader::put(std::string_view data, error_code& ec) {
  std::size_t used = 0;
  ec = {};
  if (done_) return 0;
  if (fast_) return put_fast_body(data, ec);
  if (try_fast_) {
    if (data.empty() && budget_ > 0) {
      ec = http::error::need_more;  // what Beast answers before the first byte, without the call
      return 0;
    }
    try_fast_ = false;  // once: declined, the bytes are Beast's from the first one
    if (try_fast(data, used, ec)) return used;
    start_message();
  }
  for (;;) {
    auto& p = *parser_;
    const std::string_view rest = data.substr(used);
    if (!header_done_) {
      if (header_bytes_ >= budget_) {
        ec = http::error::header_limit;
        return used;
      }
      p.header_limit(static_cast<std::uint32_t>(
          std::min<std::size_t>(budget_ - header_bytes_, std::numeric_limits<std::uint32_t>::max())));
      const std::size_t n = p.put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
      got_some_ = got_some_ || p.got_some();
      used += n;
      header_bytes_ += n;
      if (ec) return used;  // need_more, header_limit, a malformed header
      if (!p.is_header_done()) {
        ec = http::error::need_more;
        return used;
      }
      budget_ -= std::min(budget_, header_bytes_);
      const int status = out_.status;
      if (status < 100 || status > 599) {
        // Beast takes any three digits; RFC 9110 §15 defines 100-599 only.
        ec = http::error::bad_status;
        return used;
      }
      if (status == 101) {
        ec = transport_error::switching_protocols;
        return used;
      }
      if (status >= 100 && status < 200) {
        // Interim: its headers are not the answer's. Next message, same budget.
        ++interim_;
        start_message();
        continue;
      }
      header_done_ = true;
      p.eager(true);
      if (p.is_done()) {
        done_ = true;
        return used;
      }
      continue;
    }
    if (p.chunked() && rest.size() < 5) {
      // Fewer than 5 unparsed bytes of a chunked body can never end it ("0\r\n\r\n" is 5), and
      // Beast 1.81 asserts n >= 5 when it re-enters the last chunk (basic_parser.ipp: a Debug
      // build aborts on a server that sends "0\r\n" and then one byte; found by the fuzzer).
      ec = http::error::need_more;
      return used;
    }
    const std::uint64_t body_before = p.body_bytes();
    const std::size_t n = p.put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
    used += n;
    framing_ += n - (p.body_bytes() - body_before);
    // Chunk-size lines (and the CRLF after each chunk's data) within the allowance are free; the
    // rest — extensions, padding, the last chunk's trailers — comes out of the header budget.
    const std::uint64_t allowance = p.chunks() * chunk_line_allowance;
    const std::uint64_t excess = framing_ > allowance ? framing_ - allowance : 0;
    if (excess > budget_) {
      ec = transport_error::response_framing_limit;
      return used;
    }
    if (ec == http::error::need_more || (!ec && !p.is_done())) {
      // Unconsumed bytes are an incomplete chunk-size line or trailer section: under the same cap.
      const std::size_t pending = data.size() - used;
      if (excess + pending > budget_ + chunk_line_allowance) {
        ec = transport_error::response_framing_limit;
        return used;
      }
      ec = http::error::need_more;
      return used;
    }
    if (ec) return used;
    done_ = true;
    return used;
  }
}

void ResponseReader::put_eof(error_code& ec) {
  ec = {};
  if (done_) return;
  if (fast_) {
    ec = http::error::partial_message;  // the body stopped short of its Content-Length
    return;
  }
  if (!parser_) start_message();  // only empty puts so far
  auto& p = *parser_;
  if (!p.got_some()) {
    // Nothing of this message (or nothing at all): the server closed instead of answering.
    ec = interim_ > 0 || got_some_ ? http::error::partial_message : http::error::end_of_stream;
    return;
  }
  p.put_eof(ec);
  if (!ec && p.is_done() && header_done_) done_ = true;
  if (!ec && !done_) ec = http::error::partial_message;
}

// The fast path's answers are HTTP/1.1 without a Connection field and with a Content-Length.
bool ResponseReader::keep_alive() const noexcept { return done_ && (fast_ || parser_->keep_alive()); }
bool ResponseReader::need_eof() const noexcept { return !fast_ && parser_ && parser_->need_eof(); }
bool ResponseReader::is_header_done() const noexcept { return header_done_; }

std::size_t ResponseReader::buffer_limit(const ResponseLimits& limits) noexcept {
  return limits.max_header_bytes + chunk_line_allowance + read_size + 64;
}

}  // namespace partnerkit::detail
