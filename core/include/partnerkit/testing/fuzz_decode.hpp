// The adapter author's kit, fuzzing part: a libFuzzer target for an adapter's decoders in three lines.
// Header-only, no GoogleTest; link partnerkit (or partnerkit::plugin_sdk plus your adapter's sources).
//
//   // acme_decode_fuzz.cpp, built with clang++ -fsanitize=fuzzer,address,undefined
//   #include <partnerkit/testing/fuzz_decode.hpp>
//   #include <acme/acme_adapter.hpp>
//   extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
//     static const acme::AcmeAdapter adapter;
//     static const partnerkit::testing::DecodeFuzz fuzz = [] {
//       partnerkit::testing::DecodeFuzz f;
//       f.config.settings["program_id"] = "prg_1";
//       return f;
//     }();
//     return fuzz.run(adapter, data, size);
//   }
//
// The fuzzer's bytes become one HttpResponse (response_from_bytes below: a status line, header lines,
// a blank line, the body), so seeds are readable files:
//
//   201
//   Content-Type: application/json
//
//   {"success":true,"data":{"id":"part_1","email":"ana@example.com"}}
//
// and every decoder of the adapter (decode, decode_find, decode_get, decode_update, decode_deactivate)
// is run on it. A broken invariant prints what broke to stderr and aborts, which libFuzzer reports as a
// crash with the input that caused it:
//  - no decoder throws;
//  - a Partner only from a 2xx, describing the partner that was sent (its email, compared without
//    case, equals the spec's) with the adapter's vendor name;
//  - find returns only partners that match the query exactly, never a near match, and an answer
//    only from a 2xx, or "none" (an empty list) from a 404;
//  - an error carries the response's status as http_status, a message and vendor_message of at most 16 KiB
//  each, a raw_body
//    of at most max_raw_body_bytes, and none of the secrets (the API key, the spec's password);
//  - decoding the same response twice gives the same answer (no hidden state).
// Hangs and superlinear work are libFuzzer's job: run with -timeout=N (and -max_len) to catch them.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>
#include <partnerkit/text/ascii.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::testing {

namespace fuzz_detail {

[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "partnerkit decode fuzz: %.*s%s%.*s\n", static_cast<int>(what.size()), what.data(),
               detail.empty() ? "" : ": ", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace fuzz_detail

// Fuzzer bytes as a response: the first line is the status (its leading digits, 0 when none, at most
// 999), then "Name: value" header lines up to an empty line, then the body (the rest, byte for byte).
// Without an empty line there are no headers and the body is everything after the status line. A
// header line without ':' is skipped; at most 64 headers are kept.
inline HttpResponse response_from_bytes(std::string_view in) {
  HttpResponse r;
  const std::size_t eol = in.find('\n');
  const std::string_view status = in.substr(0, eol);
  for (std::size_t i = 0; i < status.size() && i < 3 && status[i] >= '0' && status[i] <= '9'; ++i)
    r.status = r.status * 10 + (status[i] - '0');
  if (eol == std::string_view::npos) return r;
  std::string_view rest = in.substr(eol + 1);
  const std::size_t blank = rest.find("\n\n");
  const std::size_t blank_crlf = rest.find("\r\n\r\n");
  const bool has_head = blank != std::string_view::npos || blank_crlf != std::string_view::npos ||
                        rest.starts_with("\n") || rest.starts_with("\r\n");
  if (!has_head) {
    r.body = std::string(rest);
    return r;
  }
  for (;;) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && r.headers.size() < 64)
      r.headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(text::trim(line.substr(colon + 1))));
    if (nl == std::string_view::npos) break;
  }
  r.body = std::string(rest);
  return r;
}

// What a decode fuzz target holds fixed: the spec and configuration "sent", the secrets that must not
// appear in errors, the clock.
struct DecodeFuzz {
  DecodeFuzz() {
    spec.email = "ana@example.com";
    spec.name = "Ana Lima";
    spec.external_id = "crm-42";
    spec.referral_key = "ana";
    spec.password = "Fuzz-Passw0rd-7c1e";
    config.base_url = "https://vendor.example";
    config.api_key = "pk_fuzz_SECRET_91b3d0";
  }

  PartnerSpec spec;
  VendorConfig config;
  // When the request was "sent": fixed, so a run is reproducible. (2025-05-01T00:00:00Z)
  std::chrono::system_clock::time_point sent_at{std::chrono::seconds(1'746'057'600)};
  std::chrono::seconds clock_skew{60};
  std::vector<std::string> extra_secrets;  // besides config.api_key and spec.password
  // No secret in any decoded error. By default only secrets the response does not contain (the
  // decoder leaked them itself); check_echoed_secrets also fails a secret the vendor echoed
  // anywhere in its answer (a message, a non-secret member), which takes a by-value scrubber.
  bool check_secrets = true;
  bool check_echoed_secrets = false;
  // Operations beyond create are decoded only when the adapter declares them (capabilities()).
  bool check_email = true;  // a created/updated Partner describes the spec's email

  // Runs every decoder on the response the bytes describe. Returns 0 (libFuzzer's "keep going");
  // aborts on a broken invariant.
  int run(const Adapter& adapter, const std::uint8_t* data, std::size_t size) const {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const HttpResponse response = response_from_bytes(bytes);
    run(adapter, response, bytes);
    return 0;
  }

  // `raw`: the bytes the response came from (a secret found there was echoed, not leaked).
  void run(const Adapter& adapter, const HttpResponse& response, std::string_view raw = {}) const {
    std::string joined;
    if (raw.empty()) {
      for (const auto& [k, v] : response.headers) joined.append(k).append(": ").append(v).append("\n");
      joined.append(response.body);
      raw = joined;
    }
    DecodeContext ctx;
    ctx.spec = &spec;
    ctx.config = &config;
    ctx.sent_at = sent_at;
    ctx.clock_skew = clock_skew;

    ctx.operation = Operation::create;
    const auto created = guarded("decode", [&] { return adapter.decode(response, ctx); });
    check_partner_result("decode", adapter, response, created, true, raw);
    const auto again = guarded("decode", [&] { return adapter.decode(response, ctx); });
    if (!same(created, again)) fuzz_detail::fail("decode is not deterministic");

    const OperationSupport ops = guarded("capabilities", [&] { return adapter.capabilities(); }).operations;
    const std::string partner_id = "pid_123";
    ctx.partner_id = partner_id;
    if (ops.get) {
      ctx.operation = Operation::get;
      check_partner_result("decode_get", adapter, response,
                           guarded("decode_get", [&] { return adapter.decode_get(response, ctx); }), false,
                           raw);
    }
    if (ops.update) {
      ctx.operation = Operation::update;
      check_partner_result("decode_update", adapter, response,
                           guarded("decode_update", [&] { return adapter.decode_update(response, ctx); }),
                           false, raw);
    }
    if (ops.deactivate) {
      ctx.operation = Operation::deactivate;
      check_partner_result(
          "decode_deactivate", adapter, response,
          guarded("decode_deactivate", [&] { return adapter.decode_deactivate(response, ctx); }), false, raw);
    }
    ctx.partner_id = {};
    const FindQuery queries[] = {{FindQuery::Key::email, spec.email},
                                 {FindQuery::Key::external_id, spec.external_id.value_or("crm-42")},
                                 {FindQuery::Key::vendor_id, partner_id}};
    const bool supported[] = {ops.find_by_email, ops.find_by_external_id, ops.find_by_vendor_id};
    for (std::size_t q = 0; q < 3; ++q) {
      if (!supported[q]) continue;
      ctx.operation = Operation::find;
      ctx.query = &queries[q];
      const auto found = guarded("decode_find", [&] { return adapter.decode_find(response, ctx); });
      if (found) {
        // A 404 to a lookup by path is "none"; any other non-2xx must be an error: "none" would
        // make the client create the partner again.
        if ((response.status < 200 || response.status > 299) && !(response.status == 404 && found->empty()))
          fuzz_detail::fail("decode_find returned partners from a non-2xx status",
                            std::to_string(response.status));
        for (const Partner& p : *found) {
          if (p.vendor != adapter.name())
            fuzz_detail::fail("decode_find: a partner of another vendor", p.vendor);
          // Exact match on the key looked up. Emails compare without case (the vendors' own rule).
          if (q == 0 && !text::iequals(p.email, queries[q].value))
            fuzz_detail::fail("decode_find by email returned a near match", p.email);
          if (q == 2 && p.id != queries[q].value)
            fuzz_detail::fail("decode_find by vendor id returned a near match", p.id.value_or("<none>"));
        }
      } else {
        check_error("decode_find", response, found.error(), raw);
      }
      ctx.query = nullptr;
    }
  }

 private:
  template <class F>
  static auto guarded(const char* what, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const std::exception& e) {
      fuzz_detail::fail(std::string(what) + " threw", e.what());
    } catch (...) {
      fuzz_detail::fail(std::string(what) + " threw a non-exception");
    }
  }

  static bool same(const Result<Partner>& a, const Result<Partner>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (a) {
      const Partner &x = *a, &y = *b;
      return x.vendor == y.vendor && x.id == y.id && x.email == y.email && x.name == y.name &&
             x.status == y.status && x.status_raw == y.status_raw && x.links == y.links &&
             x.created_at == y.created_at && x.outcome == y.outcome && x.warnings == y.warnings &&
             x.raw == y.raw;
    }
    const Error &x = a.error(), &y = b.error();
    return x.code == y.code && x.retryable == y.retryable && x.http_status == y.http_status &&
           x.vendor_code == y.vendor_code && x.message == y.message && x.vendor_message == y.vendor_message &&
           x.field == y.field && x.retry_after == y.retry_after && x.raw_body == y.raw_body;
  }

  std::vector<std::string> secrets() const {
    std::vector<std::string> out;
    if (!config.api_key.empty()) out.push_back(config.api_key);
    if (spec.password && !spec.password->empty()) out.push_back(*spec.password);
    for (const auto& s : extra_secrets)
      if (!s.empty()) out.push_back(s);
    return out;
  }

  void no_secret(std::string_view where, std::string_view text, std::string_view raw) const {
    if (!check_secrets) return;
    for (const auto& s : secrets()) {
      if (text.find(s) == std::string_view::npos) continue;
      if (!check_echoed_secrets && raw.find(s) != std::string_view::npos) continue;
      fuzz_detail::fail("a secret in the decoded error", where);
    }
  }

  void check_error(std::string_view op, const HttpResponse& response, const Error& e,
                   std::string_view raw) const {
    const std::string where(op);
    if (!e.http_status || *e.http_status != response.status)
      fuzz_detail::fail(where + ": the error does not carry the response's status",
                        "status " + std::to_string(response.status) + ", http_status " +
                            (e.http_status ? std::to_string(*e.http_status) : std::string("none")));
    if (e.raw_body.size() > max_raw_body_bytes) fuzz_detail::fail(where + ": raw_body is not capped");
    if (e.message.size() > 16 * 1024) fuzz_detail::fail(where + ": the error message is not bounded");
    if (e.vendor_message.size() > 16 * 1024) fuzz_detail::fail(where + ": the vendor_message is not bounded");
    if (e.code == errc::unsupported_operation)
      fuzz_detail::fail(where + ": declared in capabilities but unsupported");
    no_secret(where + ": message", e.message, raw);
    no_secret(where + ": vendor_message", e.vendor_message, raw);
    no_secret(where + ": field", e.field, raw);
    no_secret(where + ": vendor_code", e.vendor_code, raw);
    no_secret(where + ": doc_url", e.doc_url, raw);
    no_secret(where + ": raw_body", e.raw_body, raw);
    for (const auto& i : e.issues) {
      no_secret(where + ": issues.field", i.field, raw);
      no_secret(where + ": issues.message", i.message, raw);
    }
  }

  void check_partner_result(std::string_view op, const Adapter& adapter, const HttpResponse& response,
                            const Result<Partner>& r, bool is_create, std::string_view raw) const {
    const std::string where(op);
    if (!r) return check_error(op, response, r.error(), raw);
    if (response.status < 200 || response.status > 299)
      fuzz_detail::fail(where + " returned a partner from a non-2xx status", std::to_string(response.status));
    if (r->vendor != adapter.name()) fuzz_detail::fail(where + ": a partner of another vendor", r->vendor);
    if (is_create && check_email && !text::iequals(text::trim(r->email), text::trim(spec.email)))
      fuzz_detail::fail(where + ": the partner is not the one sent (email " + r->email + ")");
    if (r->id && r->id->size() > 1024 * 1024) fuzz_detail::fail(where + ": an unbounded id");
  }
};

}  // namespace partnerkit::testing
