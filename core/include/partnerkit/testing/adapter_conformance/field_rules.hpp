// The author's kit, field rules: what the built-ins promise about the fields a vendor declares.
//  - cannot_carry/<field>: every PartnerSpec field capabilities().fields does not list, set on the sample
//    spec, is dropped with a warning naming it in lenient mode and refused with unsupported_field naming
//    it in strict mode. An adapter that silently drops an undeclared field (or sends it) fails.
//  - vendor_overrides: when "vendor_overrides" is declared, on the first golden request whose spec has no
//    overrides (else the sample): an override of a member the adapter writes replaces it in place, a null
//    removes it, a new key is appended last (JSON bodies and x-www-form-urlencoded bodies).
// Part of <partnerkit/testing/adapter_conformance.hpp>; include that.
#pragma once

#include <partnerkit/testing/adapter_conformance/detail.hpp>
#include <partnerkit/testing/adapter_conformance/suite.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace partnerkit::testing {
namespace detail {

// `spec` with the PartnerSpec field `field` set to a valid value; false for a field the kit cannot set
// (email, vendor_overrides).
inline bool set_field(PartnerSpec& spec, std::string_view field) {
  if (field == "name")
    spec.name = "Kit Probe";
  else if (field == "first_name")
    spec.first_name = "Kit";
  else if (field == "last_name")
    spec.last_name = "Probe";
  else if (field == "company")
    spec.company = "Kit Probe Ltd";
  else if (field == "referral_key")
    spec.referral_key = "kit-probe";
  else if (field == "external_id")
    spec.external_id = "kit-ext-1";
  else if (field == "image")
    spec.image = "https://example.com/kit.png";
  else if (field == "country")
    spec.country = "DE";
  else if (field == "description")
    spec.description = "A probe of the author's kit";
  else if (field == "tags")
    spec.tags = {"kit"};
  else if (field == "group")
    spec.group = "kit-group";
  else if (field == "partner_type")
    spec.partner_type = PartnerType::reseller;
  else if (field == "referrer")
    spec.referrer = Referrer{std::nullopt, std::string("kit-referrer"), std::nullopt};
  else if (field == "contacts")
    spec.contacts = {Contact{"kit.contact@example.com", std::nullopt, std::nullopt}};
  else if (field == "invite")
    spec.invite = true;
  else if (field == "password")
    spec.password = "Kit-Pr0be-Password";
  else if (field == "link") {
    spec.link.emplace();
    spec.link->external_id = "kit-link";
  } else if (field == "custom_fields")
    spec.custom_fields = {CustomField{1, "text", boost::json::value("kit")}};
  else
    return false;
  return true;
}

// The members of a request body in order, as (key, serialized value): a JSON object's members, or a
// form's name=value pairs. False when the body is neither.
inline bool body_members(const HttpRequest& r, std::vector<std::pair<std::string, std::string>>& out) {
  out.clear();
  if (r.header("Content-Type").find("x-www-form-urlencoded") != std::string_view::npos) {
    std::string_view body = r.body;
    while (!body.empty()) {
      const auto amp = body.find('&');
      const std::string_view pair = body.substr(0, amp);
      const auto eq = pair.find('=');
      out.emplace_back(std::string(pair.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
      body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    }
    return true;
  }
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return false;
  for (const auto& kv : v.as_object())
    out.emplace_back(std::string(kv.key()), boost::json::serialize(kv.value()));
  return true;
}

}  // namespace detail

// The field-rule checks of the kit (register_conformance_tests calls it).
inline void register_field_rule_tests(std::shared_ptr<const ConformanceSuite> s, const std::string& group) {
  const auto declared = s->make_adapter()->capabilities().fields;
  const auto is_declared = [&](std::string_view f) {
    return std::find(declared.begin(), declared.end(), f) != declared.end();
  };
  for (std::string_view field : partner_spec_fields) {
    if (is_declared(field)) continue;
    PartnerSpec probe_spec = s->sample;
    if (!detail::set_field(probe_spec, field)) continue;
    detail::add_test(group, "cannot_carry/" + std::string(field), [s, probe_spec, field] {
      auto a = s->make_adapter();
      VendorConfig lenient = detail::config_with_key(*s);
      lenient.strict = false;
      auto enc = a->encode(probe_spec, lenient);
      ASSERT_TRUE(enc) << field << " is not declared, yet lenient encode fails: " << enc.error().message;
      const bool warned = std::any_of(enc->warnings.begin(), enc->warnings.end(), [&](const std::string& w) {
        return w.find(field) != std::string::npos;
      });
      EXPECT_TRUE(warned) << "capabilities().fields does not list " << field
                          << ", yet lenient encode drops it without a warning naming it (or sends it)";
      VendorConfig strict = lenient;
      strict.strict = true;
      auto refused = a->encode(probe_spec, strict);
      ASSERT_FALSE(refused) << field << " is not declared, yet strict encode accepts it";
      const Error err = refused.error();  // result::error() returns a copy: keep one
      EXPECT_EQ(err.code, errc::unsupported_field) << err.message;
      const bool named =
          err.field == field || std::any_of(err.issues.begin(), err.issues.end(),
                                            [&](const FieldIssue& i) { return i.field == field; });
      EXPECT_TRUE(named) << "strict mode's unsupported_field does not name " << field;
    });
  }

  if (!is_declared("vendor_overrides")) return;
  detail::add_test(group, "vendor_overrides", [s] {
    auto a = s->make_adapter();
    // The first golden request without overrides, else the sample spec without its overrides.
    PartnerSpec base = s->sample;
    base.vendor_overrides.clear();
    std::optional<VendorConfig> config;
    for (const auto& c : s->golden)
      if (c.spec.vendor_overrides.empty()) {
        base = c.spec;
        config = c.config;
        break;
      }
    const VendorConfig cfg = detail::config_with_key(*s, config);
    auto plain = a->encode(base, cfg);
    ASSERT_TRUE(plain) << plain.error().message;
    std::vector<std::pair<std::string, std::string>> before, after;
    ASSERT_TRUE(detail::body_members(plain->request, before))
        << "the body is neither a JSON object nor a form";
    ASSERT_FALSE(before.empty());
    const std::string key = before.front().first;

    PartnerSpec spec = base;
    auto& o = spec.vendor_overrides[s->vendor];
    o[key] = "kit-override";
    o["kit_extra"] = "appended";
    auto merged = a->encode(spec, cfg);
    ASSERT_TRUE(merged) << merged.error().message;
    ASSERT_TRUE(detail::body_members(merged->request, after));
    auto expected = before;
    const bool form =
        merged->request.header("Content-Type").find("x-www-form-urlencoded") != std::string_view::npos;
    expected.front().second = form ? "kit-override" : "\"kit-override\"";
    expected.emplace_back("kit_extra", form ? "appended" : "\"appended\"");
    EXPECT_EQ(after, expected) << "an override replaces a member in place and appends a new key last";

    o.erase("kit_extra");
    o[key] = nullptr;
    auto removed = a->encode(spec, cfg);
    ASSERT_TRUE(removed) << removed.error().message;
    ASSERT_TRUE(detail::body_members(removed->request, after));
    expected = before;
    expected.erase(expected.begin());
    EXPECT_EQ(after, expected) << "a null override removes the member";
  });
}

}  // namespace partnerkit::testing
