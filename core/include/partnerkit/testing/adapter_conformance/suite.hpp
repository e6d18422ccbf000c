// The author's kit: what a suite declares (golden requests, errors, successes, operations).
// Part of <partnerkit/testing/adapter_conformance.hpp>; include that.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>

#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace partnerkit::testing {

// A request the adapter must produce byte for byte.
struct GoldenRequest {
  GoldenRequest() = default;
  GoldenRequest(std::string name_, PartnerSpec spec_, std::optional<VendorConfig> config_,
                std::string method_, std::string url_, std::string body_,
                std::optional<std::string> authorization_ = std::nullopt)
      : name(std::move(name_)),
        spec(std::move(spec_)),
        config(std::move(config_)),
        method(std::move(method_)),
        url(std::move(url_)),
        body(std::move(body_)),
        authorization(std::move(authorization_)) {}

  std::string name;
  PartnerSpec spec;
  std::optional<VendorConfig> config;  // empty: ConformanceSuite::config
  std::string method = "POST";
  std::string url;
  std::string body;
  std::optional<std::string> authorization;  // e.g. "Bearer <key>"; empty: not checked
};

// A vendor error response and the normalized code it must decode to.
struct DeclaredError {
  DeclaredError() = default;
  DeclaredError(std::string name_, HttpResponse response_, errc code_,
                std::optional<std::string> field_ = std::nullopt)
      : name(std::move(name_)), response(std::move(response_)), code(code_), field(std::move(field_)) {}

  std::string name;
  HttpResponse response;
  errc code = errc::rejected;
  std::optional<std::string> field;  // the PartnerSpec path the error must name, when given
};

// A vendor success response and what the Partner must say.
struct DeclaredSuccess {
  DeclaredSuccess() = default;
  DeclaredSuccess(std::string name_, PartnerSpec spec_, HttpResponse response_,
                  std::optional<std::string> id_ = std::nullopt,
                  std::optional<std::string> email_ = std::nullopt)
      : name(std::move(name_)),
        spec(std::move(spec_)),
        response(std::move(response_)),
        id(std::move(id_)),
        email(std::move(email_)) {}

  std::string name;
  PartnerSpec spec;  // the spec that was "sent" (DecodeContext::spec)
  HttpResponse response;
  std::optional<std::string> id;     // expected Partner::id (nullopt: not checked)
  std::optional<std::string> email;  // expected Partner::email (nullopt: the spec's email)
};

// One operation beyond create, encoded byte for byte and decoded from the vendor's answer.
struct DeclaredOperation {
  std::string name;
  Operation op = Operation::get;
  FindQuery query;            // find
  std::string partner_id;     // get, update, deactivate
  PartnerSpec changes;        // update
  DeactivateOptions options;  // deactivate
  std::string method;         // the request expected
  std::string url;
  std::string body;                    // "" for a bodiless request
  HttpResponse response;               // a success answer to decode
  std::optional<std::string> id;       // the Partner::id expected (find: of the first match)
  std::optional<std::size_t> matches;  // find: how many partners the answer must yield
};

// What the round trip talks to: a vendor simulator's handling of one request, as plain values.
using Exchange = std::function<HttpResponse(const HttpRequest&)>;

// The adapter against its own simulator (adapter_conformance/round_trip.hpp): opt-in, for authors who
// have one.
struct RoundTrip {
  // A fresh simulator per check. simulator_exchange<Sim>(factory) makes one from a SimulatorFactory.
  std::function<Exchange()> make_simulator;
  // What a client of the simulator sends: a key it accepts, its settings (PluginSimulator::
  // client_settings). The base URL does not matter: nothing goes on a network.
  VendorConfig config;
  // The create's spec; nullopt: the suite's sample with every declared field the kit can fill
  // (detail::round_trip_spec).
  std::optional<PartnerSpec> spec;
  // Declared fields that neither the vendor's create answer nor its get carries back, with the
  // vendor's documents to say so (the kit cannot tell them from a field the adapter dropped).
  std::vector<std::string> not_echoed;
  // false for a vendor whose create answers no partner id: the lookups are not run then.
  bool answers_id = true;
};

struct ConformanceSuite {
  std::string vendor;                                            // what name() must return
  std::function<std::shared_ptr<const Adapter>()> make_adapter;  // a fresh adapter per call
  VendorConfig config;  // base URL, settings; api_key is replaced by `api_key` below
  std::string api_key = "pk_conformance_SECRET_4f2a9c";  // must never leak
  PartnerSpec sample;  // a valid spec; its password (if any) must never leak
  std::vector<GoldenRequest> golden;
  std::vector<DeclaredError> errors;
  std::vector<DeclaredSuccess> successes;
  bool empty_success_body_ok = false;      // true when the vendor answers a create with an empty 2xx
  int success_status = 201;                // the status of a create's success, for the hostile checks
  std::vector<std::string> extra_secrets;  // more strings that must never appear
  // Operations beyond create: at least one case for each operation (and each find key) that
  // capabilities().operations declares; an undeclared one must answer unsupported_operation.
  std::vector<DeclaredOperation> operations;
  // The leak corpus's canaries: the spec's password and secret-named vendor_overrides members.
  std::string canary_password = "Kit-Canary-Passw0rd-7f3a";
  std::string canary_override_secret = "kit-canary-client-secret-91c2";
  // Whether the leak corpus adds {"client_secret": canary} to vendor_overrides (turn off for an
  // adapter that refuses unknown override members).
  bool canary_overrides = true;
  // The round trip against the adapter's simulator; nullopt: not run.
  std::optional<RoundTrip> round_trip;
};

}  // namespace partnerkit::testing
