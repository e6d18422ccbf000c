// Decoding a vendor's answer the way every built-in does: the error answer and the vendor's words in it,
// its own codes and field errors, a success body as an object, the partner's status, and the two checks
// that an answer is about the partner meant (the email sent, the id addressed).
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_kit/errors.hpp>
#include <partnerkit/adapter_kit/json.hpp>
#include <partnerkit/adapter_kit/text.hpp>
#include <partnerkit/adapter_kit/time.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/partner.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::adapter_kit {

// Field issues kept from one answer, at most.
inline constexpr std::size_t max_issues = 32;

// An error answer: error_from_response (the shared status table, Retry-After, a sanitized raw body)
// with "now" from the context, and the body parsed (null when it is not JSON).
struct ErrorAnswer {
  Error error;
  boost::json::value body;
  const boost::json::object* object() const noexcept { return body.if_object(); }
};
inline ErrorAnswer error_answer(const HttpResponse& response, const DecodeContext& context) {
  ErrorAnswer a{error_from_response(response, now_of(context)), {}};
  if (!parse_json(response.body, a.body)) a.body = nullptr;
  return a;
}

// The members of an error object that carry the vendor's words; an empty name skips one.
struct ErrorMembers {
  std::string_view message = "message";
  std::string_view code = "code";
  std::string_view doc_url = "doc_url";
};
// Copies them into e where they are strings (the message only when not empty), capped: the message at
// max_message_bytes, vendor_code at 128 bytes, doc_url at 512. The vendor's message goes to
// e.vendor_message: e.message stays ours (the status and what it means). Copied as they are: the
// scrubber recognises a secret the vendor echoes only in the form it was sent.
inline void read_error_members(Error& e, const boost::json::object& o, const ErrorMembers& names = {}) {
  if (!names.message.empty())
    if (const auto* m = string_member(o, names.message); m && !m->empty()) e.vendor_message = capped(*m);
  if (!names.code.empty())
    if (const auto* c = string_member(o, names.code)) e.vendor_code = capped(*c, 128);
  if (!names.doc_url.empty())
    if (const auto* d = string_member(o, names.doc_url)) e.doc_url = capped(*d, 512);
}

// A vendor's own error code and the normalized code it means.
struct VendorCode {
  std::string_view vendor_code;
  errc code;
};
// Where the table names `vendor_code`, e.code becomes its code (and retryable follows it); otherwise the
// status table's code stays. Returns whether the table named it.
inline bool apply_code_table(Error& e, std::string_view vendor_code, std::span<const VendorCode> table) {
  for (const auto& entry : table)
    if (entry.vendor_code == vendor_code) {
      e.code = entry.code;
      e.retryable = is_retryable(entry.code);
      return true;
    }
  return false;
}

// Error::issues from a vendor's array of field errors, [{"field": "...", "message": "..."}] (member names
// given), the vendor's field names mapped to PartnerSpec paths by to_spec(std::string_view) ->
// std::string; at most max_issues, texts capped. e.field becomes the first issue's field.
template <class ToSpec>
void add_field_issues(Error& e, const boost::json::array& errors, ToSpec&& to_spec,
                      std::string_view field_key = "field", std::string_view message_key = "message") {
  for (const auto& item : errors) {
    if (e.issues.size() >= max_issues) break;
    const auto* o = item.if_object();
    if (!o) continue;
    const auto* f = string_member(*o, field_key);
    const auto* m = string_member(*o, message_key);
    if (!f && !m) continue;
    e.issues.push_back(
        {f ? std::string(to_spec(capped(*f, 128))) : std::string(), m ? capped(*m) : std::string()});
  }
  if (!e.issues.empty()) e.field = e.issues.front().field;
}

// success_object's two refusals (also JsonPick's, json_pick.hpp): a 2xx body parse_json refuses, one that
// is JSON but not an object.
inline Error not_json_error(const HttpResponse& response, std::string_view vendor) {
  return protocol_error(response, std::string(vendor) + ": the " + std::to_string(response.status) +
                                      " body is not JSON, or is too large or too deeply nested");
}
inline Error not_object_error(const HttpResponse& response, std::string_view vendor) {
  return protocol_error(response, std::string(vendor) + ": the answer is not a JSON object");
}

// A 2xx answer's body as a JSON object, or the protocol error saying why it is not one (not JSON, over
// max_decode_body_bytes or json_max_depth, not an object). `storage` holds the tree (the default
// resource unless given).
inline Result<boost::json::value> success_object(const HttpResponse& response, std::string_view vendor,
                                                 boost::json::storage_ptr storage = {}) {
  boost::json::value v(std::move(storage));
  if (!parse_json(response.body, v)) return not_json_error(response, vendor);
  if (!v.is_object()) return not_object_error(response, vendor);
  return v;
}

// A protocol error when an answer names another partner than the one sent (its email differs from
// context.spec's, by same_email): a proxy or cache mixing answers up is never taken for ours. Nothing
// when no spec (or one without an email: a lookup, an update) was sent.
inline std::optional<Error> check_sent_email(const HttpResponse& response, const DecodeContext& context,
                                             std::string_view vendor, std::string_view answered) {
  if (!context.spec || context.spec->email.empty() || same_email(context.spec->email, answered))
    return std::nullopt;
  return protocol_error(
      response, std::string(vendor) + ": the partner returned has another email than the one sent", "email");
}

// A protocol error when an operation on context.partner_id (get, update, deactivate) was answered about
// another partner. Nothing when no id was addressed.
inline std::optional<Error> check_addressed_id(const HttpResponse& response, const DecodeContext& context,
                                               std::string_view vendor,
                                               const std::optional<std::string>& answered) {
  if (context.partner_id.empty() || answered == context.partner_id) return std::nullopt;
  return protocol_error(response,
                        std::string(vendor) + ": the partner returned has another id than the one asked for",
                        "partner_id");
}

// decode_find for a find by the vendor's id sent as a get (encode_find -> encode_get): a 404 is no match,
// otherwise the partner a.decode_get answers with context.partner_id set to the id looked up (so an answer
// about another partner is a protocol error), with the outcome `existing`.
inline Result<std::vector<Partner>> find_through_get(const Adapter& a, const HttpResponse& response,
                                                     const DecodeContext& context) {
  std::vector<Partner> out;
  if (response.status == 404) return out;
  DecodeContext addressed = context;
  if (context.query) addressed.partner_id = context.query->value;
  auto p = a.decode_get(response, addressed);
  if (!p) return p.error();
  p->outcome = Outcome::existing;
  out.push_back(std::move(*p));
  return out;
}

// A vendor's status word and the normalized status it means.
struct VendorStatus {
  std::string_view name;
  PartnerStatus status;
};
// p.status from the table and p.status_raw the vendor's word; a word the table lacks, or none (raw null),
// is PartnerStatus::unknown with a warning — never a failure: vendors add statuses.
// The word as a text (nullopt: none), for a decoder that reads without a tree (json_pick.hpp).
inline void set_status(Partner& p, std::string_view vendor, std::optional<std::string_view> raw,
                       std::span<const VendorStatus> table) {
  p.status = PartnerStatus::unknown;
  if (!raw) {
    p.warnings.push_back(std::string(vendor) + ": the partner has no status");
    return;
  }
  p.status_raw = capped(*raw, 64);
  for (const auto& entry : table)
    if (entry.name == *raw) {
      p.status = entry.status;
      return;
    }
  p.warnings.push_back(std::string(vendor) + ": unknown partner status \"" + p.status_raw + "\"");
}
inline void set_status(Partner& p, std::string_view vendor, const boost::json::string* raw,
                       std::span<const VendorStatus> table) {
  set_status(p, vendor, raw ? std::optional<std::string_view>(*raw) : std::nullopt, table);
}

// The members of a vendor's link object that fill a ReferralLink.
struct LinkMembers {
  std::string_view url = "url";
  std::string_view id = "id";
  std::string_view key = "key";
  std::string_view domain = "domain";
};
// A link's members as texts, each nullopt when absent or not a string (a decoder without a tree).
struct LinkTexts {
  std::optional<std::string_view> url, id, key, domain;
};
// The ReferralLink they make; nullopt when all are empty or absent.
inline std::optional<ReferralLink> link_from_texts(const LinkTexts& t) {
  if (t.url.value_or("").empty() && t.id.value_or("").empty() && t.key.value_or("").empty() &&
      t.domain.value_or("").empty())
    return std::nullopt;
  return ReferralLink{std::string(t.url.value_or("")), std::string(t.id.value_or("")),
                      std::string(t.key.value_or("")), std::string(t.domain.value_or(""))};
}
// link_from_texts's link built in place at the end of `links` (no temporary ReferralLink, no optional, no
// move: ~110 instructions a link on a hot decode); false, with nothing appended, where it gives nullopt.
inline bool append_link(std::vector<ReferralLink>& links, const LinkTexts& t) {
  if (t.url.value_or("").empty() && t.id.value_or("").empty() && t.key.value_or("").empty() &&
      t.domain.value_or("").empty())
    return false;
    // Each member constructed from its text in the element itself (emplace_back's parenthesized aggregate
    // init): an assignment from the text (_M_replace) costs ~100 instructions more, a ReferralLink built
    // aside costs its move. Without that init (Clang before 16: the fuzz build), constructed then moved in.
#if defined(__cpp_aggregate_paren_init)
  struct Text {
    std::optional<std::string_view> t;
    operator std::string() const { return t ? std::string(*t) : std::string(); }
  };
  links.emplace_back(Text{t.url}, Text{t.id}, Text{t.key}, Text{t.domain});
#else
  ReferralLink& l = links.emplace_back();
  if (!t.url.value_or("").empty()) l.url = std::string(*t.url);
  if (!t.id.value_or("").empty()) l.id = std::string(*t.id);
  if (!t.key.value_or("").empty()) l.key = std::string(*t.key);
  if (!t.domain.value_or("").empty()) l.domain = std::string(*t.domain);
#endif
  return true;
}
// A vendor's link object's members as texts (each a string where present).
inline LinkTexts link_texts(const boost::json::object& o, const LinkMembers& names = {}) {
  const auto read = [&](std::string_view name) -> std::optional<std::string_view> {
    if (const auto* s = name.empty() ? nullptr : string_member(o, name)) return std::string_view(*s);
    return std::nullopt;
  };
  return {read(names.url), read(names.id), read(names.key), read(names.domain)};
}
// A ReferralLink from a vendor's link object (each member a string where present); nullopt when the object
// names none of them.
inline std::optional<ReferralLink> link_from(const boost::json::object& o, const LinkMembers& names = {}) {
  return link_from_texts(link_texts(o, names));
}

// "first last", either alone, or "": a name from a vendor's given-name and surname members.
inline std::string joined_name(const boost::json::string* first, const boost::json::string* last) {
  std::string name = first ? std::string(*first) : std::string();
  if (last && !last->empty()) {
    if (!name.empty()) name.push_back(' ');
    name.append(*last);
  }
  return name;
}

}  // namespace partnerkit::adapter_kit
