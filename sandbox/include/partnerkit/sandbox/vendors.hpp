// The three vendor simulators: pure request -> response functions over an in-memory store.
//
// Each validates exactly as its vendor documents (the vendors' public API references, summarized per
// class; sandbox/README.md and adapters/README.md cite the pages) with its own code — the simulator
// kit's rules (simulator_kit.hpp), never the client library's validation, so the sandbox stays an
// independent check on the client —
// authenticates `Authorization: Bearer <key>` against configured keys, keeps the vendor's duplicate
// semantics and answers with the vendor's response and error body shapes. No sockets, no rate
// limits, no faults: SandboxCore layers those on top. Every public member is thread-safe (one
// mutex per simulator).
#pragma once

#include <partnerkit/http.hpp>
#include <partnerkit/sandbox/rate_limit.hpp>
#include <partnerkit/simulator.hpp>

#include <boost/json/array.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {
struct PluginSimulator;  // plugin.hpp
struct SimulatorParams;
}  // namespace partnerkit

namespace partnerkit::sandbox {

// Where simulators and the core read the time. Tests inject a fake one.
using Clock = std::function<std::chrono::system_clock::time_point()>;

struct ApiKey {
  std::string key;
  bool read_only = false;  // writes answer 403 (Dub "forbidden", JourneyBee "Write access required...")
};

// Who sent a request, safe to print and to use as a counter key: a configured (sandbox) key as
// itself, "(unknown)" for any other key (never echoed), "(none)" for a missing or malformed header.
struct KeyIdentity {
  std::string label = "(none)";
  bool known = false;
  bool read_only = false;
};

// The path of a request URL (absolute "https://host:port/p?q" or origin-form "/p?q"): "/p".
std::string_view request_path(std::string_view url) noexcept;

class VendorSimulator : public partnerkit::Simulator {
 public:
  enum class RouteMatch { none, method_not_allowed, ok };
  using time_point = std::chrono::system_clock::time_point;

  virtual ~VendorSimulator() = default;

  virtual std::string_view name() const noexcept = 0;
  // Whether the path is one of this vendor's, and the method the right one (POST for all).
  virtual RouteMatch match(std::string_view method, std::string_view path) const = 0;
  // nullopt: authenticated, *identity filled. Otherwise the vendor's 400/401 answer (identity
  // still filled with what could be told).
  virtual std::optional<HttpResponse> authenticate(const HttpRequest& request,
                                                   KeyIdentity& identity) const = 0;
  // The request on an authenticated identity: 403 for a read-only key, body parsing, validation,
  // duplicate semantics, storing.
  virtual HttpResponse apply(const HttpRequest& request, std::string_view path,
                             const KeyIdentity& identity) = 0;

  // match + authenticate + apply, with 404/405 for foreign routes and methods: the simulator alone
  // (no rate limit, no faults).
  HttpResponse handle(const HttpRequest& request);

  // The vendor's 429, with Retry-After and X-RateLimit-* (epoch milliseconds for Dub, delta-seconds
  // for the others).
  virtual HttpResponse rate_limited(const TokenBucket::Decision& decision, time_point now) const = 0;
  // X-RateLimit-Limit/-Remaining/-Reset on a non-429 answer, where the vendor sends them (Dub: on
  // error answers only; the others: always). Default: none (a vendor that documents none).
  virtual void add_rate_limit_headers(HttpResponse& response, const TokenBucket::Decision& decision,
                                      time_point now) const;
  // A 500/502/503/504 as the vendor's edge would send it: 500 in the vendor's JSON error shape,
  // 502/503/504 as a proxy's page (clients must cope with non-JSON 5xx bodies). Default: 500
  // {"error":"Internal Server Error"}, the others kit::edge_page(status, EdgeStyle::html).
  virtual HttpResponse server_error(int status) const;
  // 413 for a body over the server's cap. Default: kit::edge_page(413, EdgeStyle::html).
  virtual HttpResponse payload_too_large(std::size_t limit) const;

  // The stored partners as JSON objects (the vendor's response shape plus a few bookkeeping keys).
  virtual boost::json::array partners() const = 0;
  virtual std::size_t partner_count() const = 0;
  virtual void clear() = 0;

  // The first write key (what base_url/api_key users should send).
  std::string default_key() const;
  const std::vector<ApiKey>& keys() const noexcept { return keys_; }

 protected:
  VendorSimulator(std::vector<ApiKey> keys, Clock clock);
  // Looks a bearer token up among the configured keys (constant-time comparison).
  KeyIdentity identify(std::string_view token) const;
  time_point now() const { return clock_(); }

  std::vector<ApiKey> keys_;
  Clock clock_;
};

// ---------------------------------------------------------------------------------------------
// Dub: POST /partners — "Create or update a partner" (dub.co/docs/api-reference/endpoint/
// create-a-partner, its OpenAPI 3.0.3; where Dub's server code, github.com/dubinc/dub, differs, the server).
//  - Auth: no Authorization header 401 "unauthorized"; a header that is not exactly "Bearer <key>"
//    400 "bad_request"; an unknown key 401; a read-only key 403 "forbidden".
//  - Body not JSON: 400 bad_request. Validation: zod, 422 "unprocessable_entity" with the first
//    issue as "<zod code>: <path>: <message>"; lengths in UTF-16 code units (name trimmed first, by
//    JavaScript's trim: Unicode white space too),
//    email pattern checked before trimming, tenantId/groupId/linkProps never null, linkProps typed.
//  - Upsert by email (case-insensitive): 201 for new and existing alike; an existing enrollment only
//    takes the new tenantId, every other field sent is ignored, createdAt stays the original
//    (ISO 8601 with milliseconds, "Z"). A tenantId held by another partner: 409 "conflict".
//    A username already taken gets a "-xxxx" suffix. A groupId not in `groups` (when non-empty):
//    404 "not_found". partner_limit reached: 403, even for an existing partner.
//  - 201 body: exactly the OpenAPI response schema's required keys plus description and groupId
//    (additionalProperties: false holds), status "approved", one link on link_domain.
//  - Operations beyond create (Dub's server code): GET /partners?tenantId= | ?email= (an array; tenantId
//    first, both exact), GET /partners/{id} (404 not_found), POST /partners/deactivate and
//    POST /partners/ban ({partnerId | tenantId}; ban needs a reason of BAN_PARTNER_REASONS, else 422;
//    neither id: 400; unknown: 404) answering {"partnerId"} and setting status deactivated / banned.
//    GETs work with a read-only key; the POSTs need a write key.
struct DubOptions {
  std::vector<ApiKey> keys{{"sk_test_dub", false}, {"sk_test_dub_readonly", true}};
  std::string program_id = "prog_sandbox";
  std::string link_domain = "dub.sh";
  std::string program_url = "https://partnerkit.example";
  std::vector<std::string> groups;  // known group ids; empty: any groupId is accepted
  std::size_t partner_limit = 0;    // 0: none
  // The real server stores any country string; the older reference (001) documents an enum.
  // true (default): a code outside ISO 3166-1 alpha-2 (Dub's list, upper case) is a 422.
  bool validate_country = true;
  // Dub's server looks an enrollment up by tenantId too: a NEW email sent with the tenantId of
  // another partner may come back 201 describing that other partner (Dub's server code). true:
  // simulate that (nothing stored; the client must notice the email differs). false (default): 409.
  bool tenant_id_describes_other = false;
  // The code of the 403 at partner_limit: "forbidden" (what Dub's throwIfPartnersLimitExceeded sends)
  // or "exceeded_limit" (Dub's other plan-limit code).
  std::string partner_limit_code = "forbidden";
  // lower-cased email -> "invite_pending" (a create answers 409 invite_pending) or "invite_expired"
  // (410 invite_expired): Dub's documented invite statuses, for clients' tests.
  std::map<std::string, std::string> invite_states;
};

class DubSimulator final : public VendorSimulator {
 public:
  DubSimulator(DubOptions options, Clock clock, std::uint64_t seed);
  ~DubSimulator() override;

  std::string_view name() const noexcept override { return "dub"; }
  RouteMatch match(std::string_view method, std::string_view path) const override;
  std::optional<HttpResponse> authenticate(const HttpRequest& request, KeyIdentity& identity) const override;
  HttpResponse apply(const HttpRequest& request, std::string_view path, const KeyIdentity& identity) override;
  HttpResponse rate_limited(const TokenBucket::Decision& decision, time_point now) const override;
  void add_rate_limit_headers(HttpResponse& response, const TokenBucket::Decision& decision,
                              time_point now) const override;
  HttpResponse server_error(int status) const override;
  HttpResponse payload_too_large(std::size_t limit) const override;
  boost::json::array partners() const override;
  std::size_t partner_count() const override;
  void clear() override;

  // Dub's error body: {"error":{"code","message","doc_url"}}.
  static HttpResponse error(int status, std::string_view code, std::string_view message);

 private:
  struct Impl;
  HttpResponse create(const HttpRequest& request, const KeyIdentity& identity);
  HttpResponse list(const HttpRequest& request) const;
  HttpResponse get(std::string_view id) const;
  HttpResponse deactivate(const HttpRequest& request, bool ban);
  DubOptions options_;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Partnero: POST /v1/partners and POST /v1/partners:invite (developers.partnero.com/reference/partners;
// the operations: docs.partnero.com/api-reference/partners). Laravel underneath.
//  - Auth: missing, malformed or unknown key 401 {"message":"Unauthenticated."}; read-only 403
//    {"message":"This action is unauthorized."}.
//  - Laravel validation, 422 {"message": first error [+ " (and N more error(s))"], "errors":
//    {field: [messages]}}. A body that is not JSON is treated as Laravel does (an empty input), so
//    it is a 422 "The email field is required.". Rules: email required, valid, max 255; name,
//    surname, id, key strings max 255; password min 8 with a lower, an upper and a digit; tags an
//    array of strings; referring_partner an object of id/key/email.
//  - Duplicates (email case-insensitive, id, key): 422 "The <field> has already been taken."
//    (also against pending invites for email). An unknown referring partner: 400
//    {"message":"Referring partner not found"}.
//  - 201 {"data":{...},"status":1} with the documented keys, referral_link(s) on referral_url
//    ("<referral_url>?aff=<key>"), status "active". Invite (email and name required): 201
//    {"data":{"email","name","surname","status":"pending","created_at","updated_at"},"status":1}.
//  - Operations beyond create (docs.partnero.com/api-reference/partners): GET /v1/partners/{id} (404
//    {"message":"Partner not found"}); PUT /v1/partners/{id} {"update":{email, name, surname, password,
//    key, tags}} (422 as a create, uniqueness against the others); POST /v1/partners/{id}/archive and
//    /revoke-archive ({"status":1}; 400 "Action failed" when already / not archived); DELETE
//    /v1/partners/{id} ({"status":1}; the partner is gone, its email, id and key free again).
//    GET works with a read-only key; the others need a write key.
struct PartneroOptions {
  std::vector<ApiKey> keys{{"pk_test_partnero", false}, {"pk_test_partnero_readonly", true}};
  std::string referral_url = "https://partnerkit.example";
  // Partnero may answer a duplicate email/id/key with 422 (documented) or 409 (README): 409 here
  // makes it answer {"message":"The <field> has already been taken."} with 409 instead.
  int duplicate_status = 422;
};

class PartneroSimulator final : public VendorSimulator {
 public:
  PartneroSimulator(PartneroOptions options, Clock clock, std::uint64_t seed);
  ~PartneroSimulator() override;

  std::string_view name() const noexcept override { return "partnero"; }
  RouteMatch match(std::string_view method, std::string_view path) const override;
  std::optional<HttpResponse> authenticate(const HttpRequest& request, KeyIdentity& identity) const override;
  HttpResponse apply(const HttpRequest& request, std::string_view path, const KeyIdentity& identity) override;
  HttpResponse rate_limited(const TokenBucket::Decision& decision, time_point now) const override;
  void add_rate_limit_headers(HttpResponse& response, const TokenBucket::Decision& decision,
                              time_point now) const override;
  HttpResponse server_error(int status) const override;
  HttpResponse payload_too_large(std::size_t limit) const override;
  boost::json::array partners() const override;
  std::size_t partner_count() const override;
  void clear() override;
  boost::json::array invites() const;

 private:
  boost::json::object partner_data(std::size_t index) const;           // impl_->mutex held
  std::optional<std::size_t> find_partner(std::string_view id) const;  // impl_->mutex held
  HttpResponse get(std::string_view id) const;
  HttpResponse update(const HttpRequest& request, std::string_view id);
  HttpResponse archive(std::string_view id, bool archive);
  HttpResponse remove(std::string_view id);
  struct Impl;
  PartneroOptions options_;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// JourneyBee (the legacy API on app.journeybee.io, docs.journeybee.io/api-reference): POST
// /api/v1/partnerships and POST /api/v1/companies/{id}/partnerships ({id} digits; otherwise 404).
//  - Auth: missing, malformed or unknown key 401 {"error":"Invalid API key or insufficient
//    permissions"}; read-only 403 {"error":"Write access required for this operation"}.
//  - Body not JSON, or invalid: 400 {"error": "..."}: name a non-empty string; emails a non-empty
//    array of {email (valid), firstName?, lastName?, tags? (numbers)}; partnerType "referral" or
//    "reseller" (required); tierId/categoryId/countryId numbers; inactive boolean; reseller
//    "company"/"partner"; assignedUsers/tags arrays of numbers; customFields typed objects.
//  - 406 {"error":"Invalid email domains or attempting to partner with self"}: emails of different
//    domains, an emailDomain that differs from them, the own_domain, or (reject_free_email) a
//    free-mail domain.
//  - 409 {"error":"Partnership already exists with this company"}: same company name
//    (case-insensitive, trimmed) or same first email as an existing partnership.
//  - 201 {"status":"created","message":"Partnership created successfully"} (empty_201: no body).
struct JourneyBeeOptions {
  std::vector<ApiKey> keys{{"jb_test_journeybee", false}, {"jb_test_journeybee_readonly", true}};
  std::string own_domain = "journeybee.io";
  bool reject_free_email = false;
  bool empty_201 = false;
};

class JourneyBeeSimulator final : public VendorSimulator {
 public:
  JourneyBeeSimulator(JourneyBeeOptions options, Clock clock, std::uint64_t seed);
  ~JourneyBeeSimulator() override;

  std::string_view name() const noexcept override { return "journeybee"; }
  RouteMatch match(std::string_view method, std::string_view path) const override;
  std::optional<HttpResponse> authenticate(const HttpRequest& request, KeyIdentity& identity) const override;
  HttpResponse apply(const HttpRequest& request, std::string_view path, const KeyIdentity& identity) override;
  HttpResponse rate_limited(const TokenBucket::Decision& decision, time_point now) const override;
  void add_rate_limit_headers(HttpResponse& response, const TokenBucket::Decision& decision,
                              time_point now) const override;
  HttpResponse server_error(int status) const override;
  HttpResponse payload_too_large(std::size_t limit) const override;
  boost::json::array partners() const override;
  std::size_t partner_count() const override;
  void clear() override;

 private:
  struct Impl;
  JourneyBeeOptions options_;
  std::unique_ptr<Impl> impl_;
};

// A plugin's simulator (plugin.hpp hands it over as its partnerkit::Simulator root) as the sandbox's
// interface. Throws std::invalid_argument when the factory is empty, makes nothing, or makes no
// VendorSimulator.
std::unique_ptr<VendorSimulator> make_plugin_simulator(const PluginSimulator& simulator,
                                                       const SimulatorParams& params);

}  // namespace partnerkit::sandbox
