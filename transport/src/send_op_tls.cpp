// SendOp's TLS exchange (send_op.hpp): the first read started before the write (for a pooled
// connection, the check that the server has not closed it), the write, and the reads of the answer
// with OpenSSL decrypting what Asio read.
#include "detail/send_op.hpp"

namespace partnerkit::detail {
using error_code = boost::system::error_code;

// The read the answer comes by starts before the request is written, and Asio's first try of it (a
// recv finding nothing: EAGAIN) is, for a pooled connection, the check that the server has not
// closed it, or sent anything, while it sat idle (TlsSocket::start_read): one recv where there were
// two, a MSG_PEEK probe before the write and the EAGAIN of a read started after it. A connection
// that fails the check gets no byte and is replaced. The check and the write are one step on the
// strand (the probe ran before the hop to it).
void SendOp::exchange_tls() {
  const bool was_drained = conn_->drained();
  first_read_pending_ = true;
  const bool idle = conn_->tls->start_read(
      [self = shared_from_this(), c = conn_.get()](error_code e) { self->on_first_read(c, e); });
  if (reused_) {
    if (!was_drained || !idle) return replace_stale();
    st_->reused.fetch_add(1, std::memory_order_relaxed);
  }
  start_exchange();
  written_ = 0;
  write_tls();
}

// The pooled connection was closed by the peer (or sent something) while idle: nothing of this
// request was written, so its pool slot gets a fresh connection on the same strand (the stale
// read's handler runs there and sees that it is no longer this op's connection).
void SendOp::replace_stale() {
  st_->stale.fetch_add(1, std::memory_order_relaxed);
  first_read_pending_ = false;
  stale_ = std::move(conn_);
  stale_->close();
  conn_ = st_->make_connection(t_, origin_, stale_->strand);
  reused_ = false;
  connect();
}

void SendOp::on_first_read(const Connection* c, error_code e) {
  if (finished() || c != conn_.get()) return;
  first_read_pending_ = false;
  if (!reader_) {  // the request is not all written yet: the write goes on, then this is read
    first_read_early_ = true;
    first_read_ec_ = e;
    if (!write_waits_read_) return;
    write_waits_read_ = false;
    if (e) return fail(e);
    return write_tls();
  }
  if (e) return read_failed(e);
  read_tls();
}

void SendOp::write_tls() {
  error_code ec;
  const auto want = conn_->tls->write(req_.bytes, written_, ec);
  if (ec) return fail(ec);
  if (want == TlsSocket::Want::read && first_read_pending_) {
    write_waits_read_ = true;  // one read at a time: the first read's handler goes on writing
    return;
  }
  if (want != TlsSocket::Want::nothing) return when_ready(want, &SendOp::write_tls);
  expect_answer();
  if (first_read_pending_) return;  // the answer comes by the first read
  if (first_read_early_) {
    first_read_early_ = false;
    if (first_read_ec_) return read_failed(first_read_ec_);
    return read_tls();
  }
  if (!conn_->tls->has_buffered()) return wait_tls(TlsSocket::Want::read);
  read_tls();
}

void SendOp::wait_tls(TlsSocket::Want want) {
  conn_->tls->async_wait(want, [self = shared_from_this()](error_code e) {
    if (self->finished()) return;
    if (e) return self->read_failed(e);
    self->read_tls();
  });
}

// As pump, with OpenSSL decrypting what Asio's read brought: every record in it at once, then a wait.
void SendOp::read_tls() {
  auto& buffer = conn_->buffer;
  bool drained = false;  // the last read stopped because nothing more had arrived
  for (;;) {
    if (!parse_buffered()) return;
    const std::size_t window = read_window();
    if (window == 0) return;
    if (drained) return wait_tls(TlsSocket::Want::read);
    std::size_t n = 0;
    error_code read_ec;
    const auto want = conn_->tls->read(buffer.prepare(window), n, read_ec);
    buffer.commit(n);
    if (read_ec) return read_failed(read_ec);
    if (n == 0) return wait_tls(want == TlsSocket::Want::nothing ? TlsSocket::Want::read : want);
    drained = want == TlsSocket::Want::read;
  }
}

}  // namespace partnerkit::detail
