// The author's kit, round trip: the adapter against its own simulator, the request and the answer as
// plain values (no sockets: the simulator's handle() gets the request the adapter encoded, the adapter
// decodes what it answers). Opt-in: set ConformanceSuite::round_trip. The checks
// ("<vendor>_conformance.round_trip_<check>"), each on a fresh simulator:
//  - create: the spec passes validated_for(adapter) and the create succeeds, with a partner id (unless
//    RoundTrip::answers_id is false) and the email sent. Every declared field the spec sets comes back:
//    its value is a string of the decoded partner, of the create's answer or of a get's (ASCII case
//    aside), unless RoundTrip::not_echoed lists it. An adapter that silently drops a field it declares
//    fails here, which no golden case of its own author catches.
//  - repeat_create: the same create again, per capabilities().create: upsert succeeds with the same id;
//    create answers already_exists; not_idempotent may do either, but never a protocol error.
//  - find_by_<key>: each declared find key finds the created partner (one match, its id); a value no
//    partner has finds none.
//  - get: the partner by its id, with its email.
//  - update: the first updatable field the kit can change, changed; the answer names the partner, and a
//    get (when declared) shows the new value.
//  - deactivate: the answer names the partner, off (deactivated, archived or banned); so does a get.
// Part of <partnerkit/testing/adapter_conformance.hpp>; include that. The kit names no sandbox type:
// simulator_exchange<Sim> is told by its caller which class declares handle().
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_kit/spec.hpp>
#include <partnerkit/adapter_kit/text.hpp>
#include <partnerkit/plugin.hpp>
#include <partnerkit/testing/adapter_conformance/detail.hpp>
#include <partnerkit/testing/adapter_conformance/field_rules.hpp>
#include <partnerkit/testing/adapter_conformance/suite.hpp>
#include <partnerkit/validation.hpp>

#include <gtest/gtest.h>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace partnerkit::testing {

// The Exchange of a simulator made by a SimulatorFactory (plugin.hpp: what a plugin registers with
// add_simulator), for RoundTrip::make_simulator. Sim is the class that declares
// handle(const HttpRequest&) -> HttpResponse: sandbox::VendorSimulator for every simulator the sandbox
// hosts. The caller names it (and so links the sandbox); this header depends only on core's Simulator.
// An empty params.clock is the system clock.
template <class Sim>
std::function<Exchange()> simulator_exchange(SimulatorFactory factory, SimulatorParams params = {}) {
  if (!params.clock) params.clock = [] { return std::chrono::system_clock::now(); };
  return [factory = std::move(factory), params] {
    std::shared_ptr<Simulator> made(factory(params));
    auto* sim = dynamic_cast<Sim*>(made.get());
    if (!sim) throw std::logic_error("the simulator factory made nothing of the simulator class named");
    return Exchange([made, sim](const HttpRequest& request) { return sim->handle(request); });
  };
}

// A RoundTrip on a simulator a plugin registered (PluginRegistrar::simulators() after calling the
// plugin's register function): its factory, its client_settings, and a key it accepts.
template <class Sim>
RoundTrip plugin_round_trip(const PluginSimulator& simulator, std::string api_key) {
  RoundTrip rt;
  rt.make_simulator = simulator_exchange<Sim>(simulator.factory);
  rt.config.api_key = std::move(api_key);
  rt.config.settings = simulator.client_settings;
  return rt;
}

namespace detail {

// The fields whose value the round trip looks for in the answers. The others carry no plain value back:
// a password is a secret, invite a flag, referrer another partner, link and custom_fields structures.
inline bool echo_checked(std::string_view field) {
  for (std::string_view f :
       {"email", "name", "first_name", "last_name", "company", "referral_key", "external_id", "image",
        "country", "description", "tags", "group", "partner_type"})
    if (f == field) return true;
  return false;
}

// The values of `field` the spec sends.
inline std::vector<std::string> sent_values(const PartnerSpec& spec, std::string_view field) {
  if (field == "email") return {spec.email};
  if (field == "tags") return spec.tags;
  if (field == "partner_type")
    return spec.partner_type ? std::vector<std::string>{std::string(to_string(*spec.partner_type))}
                             : std::vector<std::string>{};
  const std::optional<std::string>* v = field == "name"           ? &spec.name
                                        : field == "first_name"   ? &spec.first_name
                                        : field == "last_name"    ? &spec.last_name
                                        : field == "company"      ? &spec.company
                                        : field == "referral_key" ? &spec.referral_key
                                        : field == "external_id"  ? &spec.external_id
                                        : field == "image"        ? &spec.image
                                        : field == "country"      ? &spec.country
                                        : field == "description"  ? &spec.description
                                        : field == "group"        ? &spec.group
                                                                  : nullptr;
  return v && *v ? std::vector<std::string>{**v} : std::vector<std::string>{};
}

// The spec the round trip creates: RoundTrip::spec, else the sample with every declared field the kit
// can fill that the sample leaves unset (a full name when the sample has no name at all; never a
// referrer, which names another partner, nor invite, which may change the vendor's endpoint).
inline PartnerSpec round_trip_spec(const ConformanceSuite& s, const Capabilities& c) {
  if (s.round_trip->spec) return *s.round_trip->spec;
  PartnerSpec spec = s.sample;
  const auto declared = [&](std::string_view f) {
    return std::find(c.fields.begin(), c.fields.end(), f) != c.fields.end();
  };
  if (!spec.name && !spec.first_name && !spec.last_name) {
    if (declared("name")) {
      set_field(spec, "name");
    } else {
      if (declared("first_name")) set_field(spec, "first_name");
      if (declared("last_name")) set_field(spec, "last_name");
    }
  }
  for (const auto& f : c.fields) {
    if (f == "name" || f == "first_name" || f == "last_name" || f == "referrer" || f == "invite") continue;
    if (!adapter_kit::sets(spec, f)) set_field(spec, f);
  }
  // The kit's contact works at the partner's company: the domain of the partner's email.
  if (const auto at = spec.email.rfind('@'); at != std::string::npos)
    for (auto& contact : spec.contacts)
      if (contact.email.rfind("kit.contact@", 0) == 0) contact.email = "kit.contact" + spec.email.substr(at);
  return spec;
}

// Every string in a JSON value (bounded depth), appended to out.
inline void json_strings(const boost::json::value& v, std::vector<std::string>& out, int depth = 0) {
  if (depth > 32) return;
  if (const auto* s = v.if_string()) out.emplace_back(*s);
  if (const auto* a = v.if_array())
    for (const auto& e : *a) json_strings(e, out, depth + 1);
  if (const auto* o = v.if_object())
    for (const auto& kv : *o) json_strings(kv.value(), out, depth + 1);
}

// Every string a decoded partner and the answer it came from hold.
inline void answer_strings(const Partner& p, const HttpResponse& answer, std::vector<std::string>& out) {
  out.insert(out.end(), {p.email, p.name, p.id.value_or(""), p.status_raw, p.created_at.value_or("")});
  for (const auto& l : p.links) out.insert(out.end(), {l.url, l.id, l.key, l.domain});
  json_strings(p.raw, out);
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(answer.body, ec);
  if (!ec) json_strings(body, out);
}

// Whether a string is the value (ASCII case aside) or, for a value of six characters or more, holds it:
// a referral key comes back inside a link's URL ("...?aff=<key>"). Short values (a country code) must
// stand alone.
inline bool holds_value(const std::vector<std::string>& strings, std::string_view value) {
  return std::any_of(strings.begin(), strings.end(), [&](const std::string& s) {
    return adapter_kit::iequals(s, value) || (value.size() >= 6 && adapter_kit::icontains(s, value));
  });
}

inline bool is_off(PartnerStatus s) {
  return s == PartnerStatus::deactivated || s == PartnerStatus::archived || s == PartnerStatus::banned;
}

// One adapter and one fresh simulator: each call encodes with the adapter, hands the request to the
// simulator and decodes its answer, with the DecodeContext the Client builds for that operation.
class RoundTripSession {
 public:
  explicit RoundTripSession(const ConformanceSuite& s)
      : adapter_(s.make_adapter()),
        capabilities_(adapter_->capabilities()),
        config_(s.round_trip->config),
        exchange_(s.round_trip->make_simulator()),
        spec_(round_trip_spec(s, capabilities_)) {}

  const Capabilities& capabilities() const noexcept { return capabilities_; }
  const PartnerSpec& spec() const noexcept { return spec_; }

  Result<Partner> create(HttpResponse* answer = nullptr) {
    auto valid = validated_for(*adapter_, spec_);
    if (!valid) return valid.error();
    sent_ = std::move(*valid);
    auto encoded = adapter_->encode(sent_, config_);
    if (!encoded) return encoded.error();
    HttpResponse r = exchange_(encoded->request);
    if (answer) *answer = r;
    return adapter_->decode(r, context(Operation::create, &sent_));
  }
  Result<std::vector<Partner>> find(const FindQuery& query) {
    auto encoded = adapter_->encode_find(query, config_);
    if (!encoded) return encoded.error();
    DecodeContext c = context(Operation::find, &none_);
    c.query = &query;
    return adapter_->decode_find(exchange_(encoded->request), c);
  }
  Result<Partner> get(const std::string& id, HttpResponse* answer = nullptr) {
    auto encoded = adapter_->encode_get(id, config_);
    if (!encoded) return encoded.error();
    HttpResponse r = exchange_(encoded->request);
    if (answer) *answer = r;
    DecodeContext c = context(Operation::get, &none_);
    c.partner_id = id;
    return adapter_->decode_get(r, c);
  }
  Result<Partner> update(const std::string& id, const PartnerSpec& changes, HttpResponse* answer) {
    auto encoded = adapter_->encode_update(id, changes, config_);
    if (!encoded) return encoded.error();
    HttpResponse r = exchange_(encoded->request);
    *answer = r;
    DecodeContext c = context(Operation::update, &changes);
    c.partner_id = id;
    return adapter_->decode_update(r, c);
  }
  Result<Partner> deactivate(const std::string& id, const DeactivateOptions& options) {
    auto encoded = adapter_->encode_deactivate(id, options, config_);
    if (!encoded) return encoded.error();
    DecodeContext c = context(Operation::deactivate, &none_);
    c.partner_id = id;
    c.deactivate = &options;
    return adapter_->decode_deactivate(exchange_(encoded->request), c);
  }

 private:
  DecodeContext context(Operation op, const PartnerSpec* spec) const {
    DecodeContext c;
    c.spec = spec;
    c.config = &config_;
    c.operation = op;
    return c;
  }

  std::shared_ptr<const Adapter> adapter_;
  Capabilities capabilities_;
  VendorConfig config_;
  Exchange exchange_;
  PartnerSpec spec_;
  PartnerSpec sent_;
  PartnerSpec none_;
};

// The created partner's id; nullopt, and a failure of the calling test, when the create fails.
inline std::optional<std::string> created_id(RoundTripSession& t) {
  auto p = t.create();
  if (!p) {
    ADD_FAILURE() << "the round trip's create failed: " << p.error().message;
    return std::nullopt;
  }
  if (!p->id || p->id->empty()) {
    ADD_FAILURE() << "the create answered no partner id";
    return std::nullopt;
  }
  return *p->id;
}

// Sets a text field of the spec ("email", "name", ...); false for another field.
inline bool set_text(PartnerSpec& spec, std::string_view field, std::string value) {
  if (field == "email") {
    spec.email = std::move(value);
    return true;
  }
  std::optional<std::string>* v = field == "name"           ? &spec.name
                                  : field == "first_name"   ? &spec.first_name
                                  : field == "last_name"    ? &spec.last_name
                                  : field == "company"      ? &spec.company
                                  : field == "description"  ? &spec.description
                                  : field == "referral_key" ? &spec.referral_key
                                                            : nullptr;
  if (v) *v = std::move(value);
  return v != nullptr;
}

}  // namespace detail

// The round-trip checks of the kit (register_conformance_tests calls it when s->round_trip is set).
inline void register_round_trip_tests(std::shared_ptr<const ConformanceSuite> s, const std::string& group) {
  const RoundTrip& rt = *s->round_trip;
  const Capabilities caps = s->make_adapter()->capabilities();
  const OperationSupport& ops = caps.operations;

  detail::add_test(group, "round_trip/create", [s] {
    const RoundTrip& rt = *s->round_trip;
    detail::RoundTripSession t(*s);
    HttpResponse answer;
    auto p = t.create(&answer);
    ASSERT_TRUE(p) << "the simulator's answer (" << answer.status
                   << ") to the create decodes as an error: " << p.error().message;
    EXPECT_TRUE(adapter_kit::same_email(p->email, t.spec().email)) << "the partner created has another email";
    std::vector<std::string> strings;
    detail::answer_strings(*p, answer, strings);
    if (rt.answers_id) {
      ASSERT_TRUE(p->id && !p->id->empty()) << "the create answered no partner id";
      if (t.capabilities().operations.get) {
        HttpResponse got_answer;
        if (auto got = t.get(*p->id, &got_answer)) detail::answer_strings(*got, got_answer, strings);
      }
    }
    for (const auto& f : t.capabilities().fields) {
      if (!detail::echo_checked(f) || !adapter_kit::sets(t.spec(), f)) continue;
      if (std::find(rt.not_echoed.begin(), rt.not_echoed.end(), f) != rt.not_echoed.end()) continue;
      for (const auto& v : detail::sent_values(t.spec(), f))
        EXPECT_TRUE(detail::holds_value(strings, v))
            << f << " (\"" << v << "\") is declared carried and set on the spec, yet neither the simulator's "
            << "answer to the create nor a get carries it back: does encode drop it? (A field the vendor "
            << "never echoes goes in RoundTrip::not_echoed.)";
    }
  });

  detail::add_test(group, "round_trip/repeat_create", [s] {
    detail::RoundTripSession t(*s);
    auto first = t.create();
    ASSERT_TRUE(first) << first.error().message;
    auto again = t.create();
    switch (t.capabilities().create) {
      case CreateSemantics::upsert:
        ASSERT_TRUE(again) << "an upsert's repeat failed: " << again.error().message;
        EXPECT_EQ(again->id, first->id) << "an upsert's repeat names another partner";
        break;
      case CreateSemantics::create:
        ASSERT_FALSE(again) << "CreateSemantics::create, yet a repeated create succeeded";
        EXPECT_EQ(again.error().code, errc::already_exists) << again.error().message;
        break;
      case CreateSemantics::not_idempotent:
        if (!again) {
          EXPECT_NE(again.error().code, errc::protocol) << again.error().message;
        }
        break;
    }
  });

  if (!rt.answers_id) return;

  const std::pair<bool, FindQuery::Key> keys[] = {{ops.find_by_external_id, FindQuery::Key::external_id},
                                                  {ops.find_by_email, FindQuery::Key::email},
                                                  {ops.find_by_vendor_id, FindQuery::Key::vendor_id}};
  const char* key_names[] = {"external_id", "email", "vendor_id"};
  for (std::size_t k = 0; k < 3; ++k) {
    if (!keys[k].first) continue;
    const FindQuery::Key key = keys[k].second;
    detail::add_test(group, std::string("round_trip/find_by_") + key_names[k], [s, key] {
      detail::RoundTripSession t(*s);
      const auto created = detail::created_id(t);
      if (!created) return;
      const std::string& id = *created;
      if (key == FindQuery::Key::external_id && !t.spec().external_id)
        GTEST_SKIP() << "the round trip's spec has no external_id";
      const std::string value = key == FindQuery::Key::vendor_id     ? id
                                : key == FindQuery::Key::external_id ? *t.spec().external_id
                                                                     : t.spec().email;
      auto found = t.find({key, value});
      ASSERT_TRUE(found) << found.error().message;
      ASSERT_EQ(found->size(), 1u) << "the created partner is not found exactly once";
      EXPECT_EQ(found->front().id, id);
      const std::string missing = key == FindQuery::Key::email ? "kit.nobody@example.com" : "kit-nobody-404";
      auto none = t.find({key, missing});
      ASSERT_TRUE(none) << "a lookup of no partner failed: " << none.error().message;
      EXPECT_TRUE(none->empty()) << "a lookup of a value no partner has found " << none->size();
    });
  }

  if (ops.get)
    detail::add_test(group, "round_trip/get", [s] {
      detail::RoundTripSession t(*s);
      const auto created = detail::created_id(t);
      if (!created) return;
      const std::string& id = *created;
      auto got = t.get(id);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(got->id, id);
      EXPECT_TRUE(adapter_kit::same_email(got->email, t.spec().email)) << got->email;
    });

  if (ops.update)
    detail::add_test(group, "round_trip/update", [s] {
      detail::RoundTripSession t(*s);
      const auto created = detail::created_id(t);
      if (!created) return;
      const std::string& id = *created;
      const auto& updatable = t.capabilities().operations.updatable_fields;
      const std::pair<std::string_view, std::string_view> candidates[] = {
          {"name", "Kit Renamed"},
          {"first_name", "Kitty"},
          {"last_name", "Renamed"},
          {"company", "Kit Renamed Ltd"},
          {"description", "Kit, renamed"},
          {"referral_key", "kit-renamed"},
          {"email", "kit.renamed@example.com"}};
      PartnerSpec changes;
      std::string field, value;
      for (const auto& [f, v] : candidates)
        if (std::find(updatable.begin(), updatable.end(), f) != updatable.end()) {
          field = f;
          value = v;
          break;
        }
      if (field.empty()) GTEST_SKIP() << "no updatable field the kit can change";
      detail::set_text(changes, field, value);
      HttpResponse answer;
      auto updated = t.update(id, changes, &answer);
      ASSERT_TRUE(updated) << "the update of " << field << " failed: " << updated.error().message;
      EXPECT_EQ(updated->id, id);
      std::vector<std::string> strings;
      detail::answer_strings(*updated, answer, strings);
      if (t.capabilities().operations.get) {
        HttpResponse got_answer;
        auto got = t.get(id, &got_answer);
        ASSERT_TRUE(got) << got.error().message;
        strings.clear();
        detail::answer_strings(*got, got_answer, strings);
      }
      EXPECT_TRUE(detail::holds_value(strings, value))
          << field << " was updated to \"" << value << "\", yet the partner does not show it";
    });

  if (ops.deactivate)
    detail::add_test(group, "round_trip/deactivate", [s] {
      detail::RoundTripSession t(*s);
      const auto created = detail::created_id(t);
      if (!created) return;
      const std::string& id = *created;
      auto off = t.deactivate(id, DeactivateOptions{false, "kit round trip"});
      ASSERT_TRUE(off) << off.error().message;
      EXPECT_EQ(off->id, id);
      EXPECT_TRUE(detail::is_off(off->status)) << "deactivated, yet " << to_string(off->status);
      if (!t.capabilities().operations.get) return;
      auto got = t.get(id);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_TRUE(detail::is_off(got->status)) << "a get after deactivate says " << to_string(got->status);
    });
}

}  // namespace partnerkit::testing
