// Deadlines in deadline order, as a sans-I/O piece (no timer, no lock, no clock: DeadlineTimer,
// deadline_timer.hpp, adds those). Intrusive: each owner keeps its Entry, so linking and unlinking
// allocate nothing. Owner is any copyable handle (the transport's SendOp*, the client's OpBase*, an
// int in tests/transport/transport_units_test.cpp).
#pragma once

#include <chrono>

namespace partnerkit::detail {

template <class Owner>
class DeadlineList {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  struct Entry {
    Owner owner{};
    time_point at{};
    Entry* prev = nullptr;
    Entry* next = nullptr;
    bool linked = false;
  };

  DeadlineList() = default;
  DeadlineList(const DeadlineList&) = delete;
  DeadlineList& operator=(const DeadlineList&) = delete;

  // Links `e`, due at `at`. Searched from the back: the owners of one list share one timeout (a
  // transport's request_timeout, a client's call_timeout), so a new deadline is almost always the latest.
  void insert(Entry& e, time_point at) {
    e.at = at;
    Entry* before = tail_;
    while (before && before->at > at) before = before->prev;
    e.prev = before;
    e.next = before ? before->next : head_;
    (e.next ? e.next->prev : tail_) = &e;
    (before ? before->next : head_) = &e;
    e.linked = true;
  }

  // False when `e` is not linked (never was, or its deadline was taken out by pop_due).
  bool erase(Entry& e) {
    if (!e.linked) return false;
    (e.prev ? e.prev->next : head_) = e.next;
    (e.next ? e.next->prev : tail_) = e.prev;
    e.prev = e.next = nullptr;
    e.linked = false;
    return true;
  }

  bool empty() const noexcept { return head_ == nullptr; }
  // The earliest deadline; the list must not be empty.
  time_point earliest() const noexcept { return head_->at; }

  // Unlinks every entry due at `now`, earliest first, and gives its owner to `f`.
  template <class F>
  void pop_due(time_point now, F&& f) {
    while (head_ && head_->at <= now) {
      Entry& e = *head_;
      erase(e);
      f(e.owner);
    }
  }

 private:
  Entry* head_ = nullptr;
  Entry* tail_ = nullptr;
};

}  // namespace partnerkit::detail
