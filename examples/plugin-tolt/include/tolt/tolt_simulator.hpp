// A Tolt simulator for the partnerkit sandbox, registered by the plugin through
// PluginRegistrar::add_simulator. Pure request -> response over an in-memory store, like the
// built-in simulators (partnerkit/sandbox/vendors.hpp); the sandbox layers rate limits and faults.
// Built on the public simulator kit (<partnerkit/sandbox/simulator_kit.hpp>): answers, dates, the
// e-mail rule, body and query parsing, Bearer auth, records and paging come from there. Rules read
// from docs.tolt.com/api-reference/partners/create-a-partner.
//
// POST /v2/partners (other methods than GET there: 405; other paths: not Tolt's):
//  - Auth: a missing, malformed ("Bearer <key>") or unknown key: 401 unauthorized; a read-only
//    key: 403 forbidden.
//  - A body that is not a JSON object: 400 bad_request. Validation (400 validation_error, `errors`
//    naming every failing field): email required and valid; program_id required (a string); first_name,
//    last_name, display_name 1..150 characters, company_name 1..255 (code points: the OpenAPI's
//    maxLength, see the README); country_code two letters;
//    external_id a non-empty string; group_id a string; link an object whose value is 1..64 of
//    [a-z0-9_-] after lower-casing; notify_partner a boolean. An unknown program_id: 400
//    invalid_reference (field program_id).
//  - Duplicates within the program: the same email (case-insensitive), link value or external_id:
//    409 already_exists with errors[0].field "email", "link.value" or "external_id".
//  - 201 {"success":true,"data":{id "part_<n>", status "active", names, email, ..., "link":{"id",
//    "param":"ref","value"}}}. Without link, the value is a slug of the name (or of the email
//    before the @), made unique with a numeric suffix.
//  - 429 {"success":false,"error":{"message","type":"rate_limit_error"}} with Retry-After seconds.
//    Tolt documents no rate-limit headers on other answers: the base class adds none.
//
// Beyond create (what the adapter's find, get and deactivate send):
//  - GET /v2/partners?external_id=X: {"success":true,"data":[...],"has_more"}, the partners whose
//    external_id is exactly X (at most one per program); without the parameter, every partner. A page
//    at a time as Tolt pages its lists: ?limit= (10 by default, at most 100), ?starting_after=<id>.
//  - GET /v2/partners/{id}: {"success":true,"data":{...}}; unknown: 404 not_found.
//  - POST /v2/partners/{id}/suspend {"suspension_reason"?}: status "suspended" (reversible in Tolt),
//    the partner in the answer; unknown: 404; a read-only key: 403. GETs work with a read-only key.
#pragma once

#include <partnerkit/sandbox/vendors.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tolt {

struct ToltSimulatorOptions {
  std::vector<partnerkit::sandbox::ApiKey> keys{{"tolt_test_key", false}, {"tolt_test_key_readonly", true}};
  std::vector<std::string> program_ids{"prg_sandbox"};
};

class ToltSimulator final : public partnerkit::sandbox::VendorSimulator {
 public:
  ToltSimulator(ToltSimulatorOptions options, partnerkit::sandbox::Clock clock, std::uint64_t seed);
  ~ToltSimulator() override;

  std::string_view name() const noexcept override { return "tolt"; }
  RouteMatch match(std::string_view method, std::string_view path) const override;
  std::optional<partnerkit::HttpResponse> authenticate(
      const partnerkit::HttpRequest& request, partnerkit::sandbox::KeyIdentity& identity) const override;
  partnerkit::HttpResponse apply(const partnerkit::HttpRequest& request, std::string_view path,
                                 const partnerkit::sandbox::KeyIdentity& identity) override;
  partnerkit::HttpResponse rate_limited(const partnerkit::sandbox::TokenBucket::Decision& decision,
                                        time_point now) const override;
  partnerkit::HttpResponse server_error(int status) const override;
  partnerkit::HttpResponse payload_too_large(std::size_t limit) const override;
  boost::json::array partners() const override;
  std::size_t partner_count() const override;
  void clear() override;

  // Tolt's error body: {"success":false,"message","code","doc_url","errors":[{"field","message"}]}.
  static partnerkit::HttpResponse error(int status, std::string_view code, std::string_view message,
                                        const std::vector<std::pair<std::string, std::string>>& errors = {});

 private:
  partnerkit::HttpResponse lookup(const partnerkit::HttpRequest& request, std::string_view path) const;
  partnerkit::HttpResponse suspend(const partnerkit::HttpRequest& request, std::string_view path,
                                   const partnerkit::sandbox::KeyIdentity& identity);
  struct Impl;
  ToltSimulatorOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tolt
