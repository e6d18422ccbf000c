// A scripted Transport for tests — yours and ours (google-cloud-cpp ships its mocks the same way).
// Replies are taken in order from a script, then from a responder function. Delays and hangs run on
// timers and honour cancellation, so Client behaviour (retries, deadlines, cancellation, rate limits)
// can be tested without a socket.
#pragma once

#include <partnerkit/transport.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace partnerkit::testing {

struct FakeReply {
  boost::system::error_code ec;  // a transport failure instead of a response
  HttpResponse response;
  bool request_written = true;
  std::chrono::milliseconds delay{0};
  bool hang = false;  // never answer; only cancellation ends it

  static FakeReply status(int code, std::string body = {}, HttpHeaders headers = {}) {
    FakeReply r;
    r.response.status = code;
    r.response.body = std::move(body);
    r.response.headers = std::move(headers);
    return r;
  }
  static FakeReply failure(boost::system::error_code ec, bool written) {
    FakeReply r;
    r.ec = ec;
    r.request_written = written;
    return r;
  }
  // A reply that never comes: the call ends by its deadline or by cancellation.
  static FakeReply hanging() {
    FakeReply r;
    r.hang = true;
    return r;
  }
};

class FakeTransport : public Transport {
 public:
  explicit FakeTransport(executor_type executor) : executor_(std::move(executor)) {}

  void push(FakeReply reply) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(reply));
  }
  // Answers once the script is empty. Default: 500.
  void set_responder(std::function<FakeReply(const HttpRequest&)> responder) {
    std::lock_guard lock(mutex_);
    responder_ = std::move(responder);
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t request_count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }
  std::vector<std::chrono::steady_clock::time_point> send_times() const {
    std::lock_guard lock(mutex_);
    return times_;
  }

  executor_type get_executor() const override { return executor_; }

  void async_send(HttpRequest request, send_handler handler) override {
    FakeReply reply;
    {
      std::lock_guard lock(mutex_);
      times_.push_back(std::chrono::steady_clock::now());
      if (!script_.empty()) {
        reply = std::move(script_.front());
        script_.pop_front();
      } else if (responder_) {
        reply = responder_(request);
      } else {
        reply = FakeReply::status(500);
      }
      requests_.push_back(std::move(request));
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(executor_);
    timer->expires_after(reply.hang ? std::chrono::hours(24) : reply.delay);
    auto slot = boost::asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) {
      slot.assign([timer, ex = executor_](boost::asio::cancellation_type) {
        boost::asio::post(ex, [timer] { timer->cancel(); });
      });
    }
    timer->async_wait(
        [timer, reply = std::move(reply), h = std::move(handler)](boost::system::error_code ec) mutable {
          auto slot = boost::asio::get_associated_cancellation_slot(h);
          if (slot.is_connected()) slot.clear();
          SendResult result{ec ? HttpResponse{} : reply.response, reply.request_written};
          auto code = ec ? boost::system::error_code(boost::asio::error::operation_aborted) : reply.ec;
          auto hex = boost::asio::get_associated_executor(h, timer->get_executor());
          boost::asio::dispatch(hex, [h = std::move(h), code, result = std::move(result)]() mutable {
            std::move(h)(code, std::move(result));
          });
        });
  }

 private:
  executor_type executor_;
  mutable std::mutex mutex_;
  std::deque<FakeReply> script_;
  std::function<FakeReply(const HttpRequest&)> responder_;
  std::vector<HttpRequest> requests_;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

}  // namespace partnerkit::testing
