// Helpers for the sandbox tests: requests as values, JSON bodies, a fake clock.
#pragma once

#include <partnerkit/http.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace sbtest {

inline partnerkit::HttpRequest post(std::string path, std::string body, std::string auth) {
  partnerkit::HttpRequest r;
  r.method = "POST";
  r.url = "https://127.0.0.1:1" + path;
  if (!auth.empty()) r.headers.emplace_back("Authorization", std::move(auth));
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

inline partnerkit::HttpRequest post(std::string path, const boost::json::value& body, std::string auth) {
  return post(std::move(path), boost::json::serialize(body), std::move(auth));
}

inline boost::json::value body_of(const partnerkit::HttpResponse& r) { return boost::json::parse(r.body); }

// A clock the test moves by hand.
struct FakeClock {
  std::shared_ptr<std::chrono::system_clock::time_point> now =
      std::make_shared<std::chrono::system_clock::time_point>(
          std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours(3));
  std::function<std::chrono::system_clock::time_point()> fn() const {
    auto p = now;
    return [p] { return *p; };
  }
  void advance(std::chrono::milliseconds d) { *now += d; }
};

}  // namespace sbtest
