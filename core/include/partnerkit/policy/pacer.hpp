// The pacer of one (vendor, credential): when each request may leave, sans-I/O.
//
// A GCRA (generic cell rate algorithm) underneath: its whole timing state is three numbers — the
// theoretical arrival time (TAT), the emission interval and the tolerance — so a database row can
// hold it and several workers can share it (Pacer::gcra()). Around it, the policy:
//
//  - spacing: requests leave one emission interval apart (burst 1) or up to `burst` at once, with
//    a margin so that two requests never land in one slot of a strict limiter. Our own send jitter
//    (timers fire late, a busy loop runs them in a bunch) is taken out at the moment of sending:
//    with burst 1, no two sends of a key leave closer than the guard (hold()), whatever their timers
//    did. The margin is for what comes after the send — the write, the network, the server stamping
//    arrivals with its own clock (nginx: milliseconds, per event-loop pass) — which the client sees
//    only as 429s: 1 % at all times plus a step for each 429 answered at a known limit, decaying as
//    requests go through.
//  - a 429 at the limit costs that request its Retry-After (the retry loop waits it) and the rate a
//    small multiplicative step that successes win back quickly; the whole key pauses only when the
//    vendor says it is exhausted (X-RateLimit-Remaining: 0 with a reset time), never longer than
//    max_pause.
//  - the rate: a limit the vendor states (X-RateLimit-Limit, counted per the declared window) is
//    learnt and run at; where nothing is stated the pacer starts at the declared default and probes
//    upward while the pacer is what holds requests back: a slow start (the rate doubles per half
//    second paced) until the first 429 — which, from a vendor that states its limit on its error answers,
//    teaches the limit — then additive increase and multiplicative decrease on a 429 (a halving only for the
//    429 that ends the slow start); an explicit limit (--rate) is never exceeded and is held, not probed
//    past.
//
// Not thread-safe: the caller locks. Times are inputs, so tests use plain values.
#pragma once

#include <partnerkit/options.hpp>
#include <partnerkit/policy/rate_policy.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace partnerkit::policy {

struct PacerConfig {
  RateLimit declared;                   // the adapter's default (count per window, burst)
  std::optional<RateLimit> configured;  // an explicit limit: a ceiling, never exceeded
  double min_margin = 0.01;             // spacing margin kept at all times (fraction of an interval)
  // ... and at least this much time: arrival jitter is time, not a share of the interval (1 % of
  // 200/s's 5 ms is 50 µs, less than a loopback server's stamping jitter under load).
  std::chrono::microseconds min_margin_time{100};
  double max_margin = 0.10;                        // the measured margin never goes beyond this
  std::chrono::milliseconds max_pause{3'600'000};  // a whole-key pause is capped at this
  bool paced_elsewhere = false;  // every slot is now and nothing is learnt; 429s are only counted
};

// The three GCRA numbers (a request may leave at max(now, tat - tolerance), and moves tat to
// max(tat, that time) + emission_interval).
struct GcraState {
  std::chrono::steady_clock::time_point tat;
  std::chrono::steady_clock::duration emission_interval{};
  std::chrono::steady_clock::duration tolerance{};
};

// For the summary: which rate was used and why.
struct PacerStatus {
  double rate = 0;    // requests per second in use now (before the margin)
  double target = 0;  // where the pacer is heading (the ceiling after a 429)
  double margin = 0;  // the spacing margin in use (fraction)
  RateSource source = RateSource::unlimited;
  std::string why;            // one sentence
  std::size_t throttled = 0;  // 429s seen
  std::size_t pauses = 0;     // whole-key pauses (the vendor said the key was exhausted)
  std::size_t refused = 0;    // reservations refused because the slot was past the caller's deadline
  std::size_t held = 0;       // sends held back because the one before left late (or was held)
};

class Pacer {
 public:
  using clock = std::chrono::steady_clock;

  Pacer(PacerConfig config, clock::time_point now);

  struct Slot {
    bool granted = false;
    // Not granted, not refused: the slot is further ahead than the horizon; ask again at send_at.
    // Reserving far ahead would lock in today's rate for requests that leave much later.
    bool later = false;
    clock::time_point send_at{};  // granted: when to send
    clock::duration wait{};       // granted: send_at - now; refused: how long until a slot frees
  };

  // Reserves the next send slot. When that slot would be after `deadline`, nothing is reserved
  // and the slot is refused (the caller fails at once with rate_limited and `wait` as retry_after).
  // A slot more than horizon() ahead is not reserved either (Slot::later).
  Slot reserve(clock::time_point now, std::optional<clock::time_point> deadline = std::nullopt);
  // How far ahead slots are handed out: two intervals, at least 250 ms; 250 ms while probing upward.
  clock::duration horizon() const noexcept;
  // A granted slot that will not be used (the wait was cancelled): given back when no later slot
  // was handed out after it, so an abandoned wait never delays the others.
  void release(clock::time_point send_at, clock::time_point now);
  // At the moment of sending (burst 1): how much longer to wait so that no two requests of this key
  // leave closer than the guard (the interval with half its margin). Timers fire late; a late one
  // must not crowd the next one into its slot. `planned` is the send's slot: held sends leave in the
  // order of their slots. Nothing is reserved: when the hold ends the caller asks again with the same
  // slot. The schedule's end moves to after the held sends. Zero: send now.
  clock::duration hold(clock::time_point now, clock::time_point planned);
  // The same without an order among held sends (whichever asks first after the guard goes).
  clock::duration hold(clock::time_point now);
  // The request reserved for `planned` has left, at `actual`.
  void on_sent(clock::time_point planned, clock::time_point actual);
  // The request reserved last left the connection at `written` (after any connect or handshake)
  // and its answer came at `answered`. The write time is when it really left; a round trip longer
  // than usual by more than twice the usual spread says it reached the vendor late (a strict limiter
  // stamps arrivals, not sends) — once a 429 has shown the limiter is strict, the next send keeps
  // its spacing from there.
  void on_answered(clock::time_point written, clock::time_point answered);
  // An answer arrived (any status); `throttled` marks a 429.
  void on_response(const RateObservation& observation, clock::time_point now);

  GcraState gcra() const noexcept;
  PacerStatus status() const;
  double rate() const noexcept { return policy_.rate; }
  RateSource source() const noexcept { return policy_.source; }

 private:
  clock::duration interval() const noexcept;
  clock::duration tolerance() const noexcept;
  clock::duration guard() const noexcept;
  void learn_lags(clock::time_point now, clock::time_point planned);
  double margin() const noexcept;

  PacerConfig config_;
  double burst_ = 1;
  RatePolicyLimits limits_;
  RatePolicyState policy_;
  clock::time_point tat_;
  std::optional<clock::time_point> last_sent_;
  std::optional<clock::duration> srtt_;         // the usual round trip (smoothed)
  clock::duration rttvar_{};                    // and its usual spread
  std::vector<clock::time_point> held_queue_;   // slots of the sends being held, in order
  std::optional<clock::time_point> last_turn_;  // the turn of the last send that left (see hold())
  // What hold() learns of this machine (see learn_lags()): how long after its go a send's write
  // usually follows, and how late a hold's timer usually fires.
  struct Wake {
    clock::time_point planned, at;
  };
  std::optional<clock::time_point> last_go_;  // when the last send was let go, until its lag is learnt
  std::optional<Wake> woken_;                 // the send told to wait, and when it should ask again
  clock::duration write_lag_{};
  clock::duration timer_lag_{};
  bool last_reservation_waited_ = false;
  std::size_t pauses_ = 0;
  std::size_t refused_ = 0;
  std::size_t held_ = 0;
};

}  // namespace partnerkit::policy
