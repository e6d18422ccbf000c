// The vendor-neutral description of one partner: what a CRM backend fills in.
// Field names and their mapping to each vendor are DESIGN.md's table; JSON uses these snake_case names.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace partnerkit {

enum class PartnerType { referral, reseller };

// Who referred this partner (multi-tier programs). At least one of the three must be set.
struct Referrer {
  std::optional<std::string> id;
  std::optional<std::string> key;
  std::optional<std::string> email;
  friend bool operator==(const Referrer&, const Referrer&) = default;
};

// A further contact person of the partner company (for vendors whose partner is a company with
// several contacts).
struct Contact {
  std::string email;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  friend bool operator==(const Contact&, const Contact&) = default;
};

// One A/B test variant of a link (for link-shortening vendors): a destination URL and its share of
// traffic (10..90 percent).
struct LinkTestVariant {
  std::string url;
  double percentage = 0;
  friend bool operator==(const LinkTestVariant&, const LinkTestVariant&) = default;
};

// Properties of the partner's referral link, for vendors that make the link themselves (a short link's
// key, expiry, tags, device targets, A/B tests).
struct LinkOptions {
  std::optional<std::string> external_id;  // 1..255
  std::optional<std::string> tenant_id;    // ..255
  std::optional<std::string> prefix;
  std::optional<std::int64_t> key_length;  // 3..190
  std::vector<std::string> tag_ids;
  std::optional<std::string> comments;
  std::optional<bool> archived;
  std::optional<std::string> expires_at;   // a date-time string
  std::optional<std::string> expired_url;  // ..32000
  std::optional<std::string> password;     // a secret of the link: never logged, rendered or journaled
  std::optional<bool> proxy;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> image;
  std::optional<std::string> video;
  std::optional<bool> rewrite;
  std::optional<std::string> ios;      // ..32000
  std::optional<std::string> android;  // ..32000
  std::optional<bool> do_index;
  std::vector<LinkTestVariant> test_variants;  // 2..4 when given
  std::optional<std::string> test_started_at;
  std::optional<std::string> test_completed_at;
  friend bool operator==(const LinkOptions&, const LinkOptions&) = default;
};

// A custom field value (for vendors with typed custom fields): id of the field, its type and a plain
// value.
// type is one of text, textarea, number, date, boolean, select, multi_select.
struct CustomField {
  std::int64_t id = 0;
  std::string type;
  boost::json::value value;
  friend bool operator==(const CustomField&, const CustomField&) = default;
};

struct PartnerSpec {
  std::string email;                // required
  std::optional<std::string> name;  // full name
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> company;
  std::optional<std::string> referral_key;
  std::optional<std::string> external_id;
  std::optional<std::string> image;    // an http(s) URL
  std::optional<std::string> country;  // ISO 3166-1 alpha-2, upper case after validation
  std::optional<std::string> description;
  std::vector<std::string> tags;
  std::optional<std::string> group;
  std::optional<PartnerType> partner_type;
  std::optional<Referrer> referrer;
  std::vector<Contact> contacts;
  std::optional<bool> invite;
  std::optional<std::string> password;  // a secret: never logged, rendered or journaled
  std::optional<LinkOptions> link;
  std::vector<CustomField> custom_fields;
  // vendor name -> object merged into that vendor's request body last.
  std::map<std::string, boost::json::object> vendor_overrides;

  friend bool operator==(const PartnerSpec&, const PartnerSpec&) = default;
};

std::string_view to_string(PartnerType t) noexcept;

}  // namespace partnerkit
