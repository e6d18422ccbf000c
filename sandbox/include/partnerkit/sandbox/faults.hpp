// Injectable faults for the sandbox: a spec string parsed once, and a seeded injector that draws
// one fault (or none) per request. Pure values: no I/O, no clocks, so the draws are unit-testable
// and the same seed replays the same sequence.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace partnerkit::sandbox {

// What happens to one request. The server (Sandbox) carries each out; SandboxCore decides it.
enum class FaultKind {
  none,
  server_error,     // "5xx": answers 500, 502 or 503 (uniformly) WITHOUT applying the request
  reset,            // "reset": closes the connection with a TCP RST WITHOUT applying the request
  apply_then_drop,  // "apply-then-drop": applies the request (stores the partner), then closes the
                    // connection (TCP FIN, no TLS close_notify) without sending a byte of the answer
  truncate,         // "truncate": applies the request, sends the first half of the serialized
                    // response (status line, some headers or body), then closes (FIN)
  stall,            // "stall": never answers and does NOT apply; holds the connection open until the
                    // client closes it (or the sandbox stops)
  early_hints,      // "early-hints": applies the request and answers normally, but sends an interim
                    // 103 Early Hints response first (RFC 9110 §15.2: clients must skip it)
  apply_then_5xx,   // "apply-then-5xx": applies the request (stores the partner), then answers 502,
                    // 503 or 504 (uniformly), as a gateway whose backend acted but whose answer was lost
  echo,             // "echo": a hostile vendor: answers 422 WITHOUT applying, with an error body that
                    // echoes the request back (its body, its headers, Authorization included) in
                    // every shape a vendor might: in the message, in errors.<field>[], as JSON inside
                    // a string, HTML-escaped, URL-encoded and base64; and reflects Authorization in
                    // an X-Echo-Authorization header. For leak tests: nothing may reach the user.
};

// "5xx", "reset", "apply-then-drop", "truncate", "stall", "early-hints", "apply-then-5xx", "echo"; "none".
std::string_view to_string(FaultKind kind) noexcept;

// Probabilities per request (each in [0, 1], their sum at most 1) and a fixed extra latency added
// before every answer of a vendor route (401s and 429s included) and before every fault's action.
struct FaultSpec {
  double server_error = 0;
  double reset = 0;
  double apply_then_drop = 0;
  double truncate = 0;
  double stall = 0;
  double early_hints = 0;
  double apply_then_5xx = 0;
  double echo = 0;
  std::chrono::milliseconds latency{0};

  bool empty() const noexcept;
  // The canonical spec string ("" when empty), parseable by parse_fault_spec.
  std::string to_string() const;
  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

// Parses "5xx=0.1,reset=0.05,apply-then-drop=0.02,truncate=0.02,latency=20ms,stall=0.01,
// early-hints=0.05,apply-then-5xx=0.02,echo=0.1".
// Items are comma separated `name=value`, in any order, each at most once; spaces around items
// are ignored; "" (or only spaces) is no faults. Probabilities are decimals in [0, 1] or percents
// ("10%"); latency is a non-negative integer with unit "ms" or "s" ("0" alone is allowed).
// Throws std::invalid_argument with a message naming the offending item on any error: unknown
// name, missing '=', bad number, out of range, duplicate, or probabilities summing above 1.
FaultSpec parse_fault_spec(std::string_view spec);
// The same without exceptions: nullopt and *error set (when error is not null) on a bad spec.
std::optional<FaultSpec> try_parse_fault_spec(std::string_view spec, std::string* error = nullptr);

// One draw per request from a seeded 64-bit Mersenne Twister: the same seed and spec give the
// same sequence on every platform (no std:: distributions involved). Not thread-safe: SandboxCore
// serializes draws under its mutex.
class FaultInjector {
 public:
  struct Draw {
    FaultKind kind = FaultKind::none;
    int status = 0;  // server_error: 500, 502 or 503; apply_then_5xx: 502, 503 or 504
    friend bool operator==(const Draw&, const Draw&) = default;
  };

  // Draws are made in the order of FaultKind; kinds added later come last, so a spec without them
  // replays the same sequence as before they existed.
  explicit FaultInjector(FaultSpec spec = {}, std::uint64_t seed = 1);

  Draw draw();
  const FaultSpec& spec() const noexcept { return spec_; }

 private:
  double uniform();  // [0, 1)
  FaultSpec spec_;
  std::mt19937_64 rng_;
};

}  // namespace partnerkit::sandbox
