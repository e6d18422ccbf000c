// PartnerSpec from JSON (spec_json_write.cpp writes PartnerSpec, Partner and Error).
//
// spec_from_json reports every structural problem at once (unknown fields, wrong types), like
// validate() does for values: Error{invalid_input, field = first path, issues = all,
// message = "<n> problem(s): <first message>"}. It checks shapes only; call validated() for values.
#include <partnerkit/spec_json.hpp>

#include <partnerkit/text/utf8.hpp>
#include <partnerkit/validation.hpp>

#include "detail/json_values.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace partnerkit {
namespace {

using detail::has_non_finite;

namespace json = boost::json;

// At most this many bytes of an unknown key are echoed in a message.
constexpr std::size_t max_echoed_key = 64;

std::string echo_key(std::string_view key) {
  if (key.size() <= max_echoed_key) return std::string(key);
  return std::string(text::utf8_prefix(key, max_echoed_key)) + "...";
}

std::string join(std::string_view base, std::string_view key) {
  std::string out;
  out.reserve(base.size() + key.size() + 1);
  out.append(base);
  if (!base.empty()) out.push_back('.');
  out.append(key);
  return out;
}

std::string index(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

const char* type_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// An integral number as int64: integers, and doubles with no fractional part (7.0) in range.
std::optional<std::int64_t> as_int64(const json::value& v) noexcept {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::trunc(d) != d || d < -9.2e18 || d > 9.2e18) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

class Reader {
 public:
  std::vector<FieldIssue> issues;

  void wrong_type(const std::string& path, const char* expected, const json::value& got) {
    issues.push_back({path, path + " must be " + expected + ", not " + type_name(got)});
  }
  void unknown(const std::string& path) { issues.push_back({path, "unknown field \"" + path + "\""}); }

  void str(const std::string& path, const json::value& v, std::string& out) {
    if (v.is_null()) return;
    if (v.is_string())
      out.assign(v.get_string().data(), v.get_string().size());
    else
      wrong_type(path, "a string", v);
  }
  void str(const std::string& path, const json::value& v, std::optional<std::string>& out) {
    if (v.is_null()) return;
    if (v.is_string())
      out.emplace(v.get_string().data(), v.get_string().size());
    else
      wrong_type(path, "a string", v);
  }
  void boolean(const std::string& path, const json::value& v, std::optional<bool>& out) {
    if (v.is_null()) return;
    if (v.is_bool())
      out = v.get_bool();
    else
      wrong_type(path, "true or false", v);
  }
  void integer(const std::string& path, const json::value& v, std::optional<std::int64_t>& out) {
    if (v.is_null()) return;
    if (auto n = as_int64(v))
      out = *n;
    else
      wrong_type(path, "an integer", v);
  }
  void strings(const std::string& path, const json::value& v, std::vector<std::string>& out) {
    if (v.is_null()) return;
    const json::array* a = v.if_array();
    if (!a) return wrong_type(path, "an array of strings", v);
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      const json::value& e = (*a)[i];
      if (e.is_string())
        out.emplace_back(e.get_string().data(), e.get_string().size());
      else
        wrong_type(index(path, i), "a string", e);
    }
  }
  // The object at v, or nullptr (null: absent; anything else: a wrong type is reported).
  const json::object* object(const std::string& path, const json::value& v) {
    if (v.is_null()) return nullptr;
    if (const json::object* o = v.if_object()) return o;
    wrong_type(path, "an object", v);
    return nullptr;
  }
  const json::array* array(const std::string& path, const json::value& v, const char* expected) {
    if (v.is_null()) return nullptr;
    if (const json::array* a = v.if_array()) return a;
    wrong_type(path, expected, v);
    return nullptr;
  }

  void referrer(const std::string& path, const json::value& v, std::optional<Referrer>& out) {
    const json::object* o = object(path, v);
    if (!o) return;
    Referrer r;
    for (const auto& kv : *o) {
      const std::string_view k = kv.key();
      const std::string p = join(path, echo_key(k));
      if (k == "id")
        str(p, kv.value(), r.id);
      else if (k == "key")
        str(p, kv.value(), r.key);
      else if (k == "email")
        str(p, kv.value(), r.email);
      else
        unknown(p);
    }
    out = std::move(r);
  }

  // Calls fn(path of the element, the object) for each object of an array; reports the rest.
  template <class Fn>
  void each_object(const std::string& path, const json::value& v, Fn fn) {
    const json::array* a = array(path, v, "an array of objects");
    if (!a) return;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string base = index(path, i);
      const json::object* o = object(base, (*a)[i]);
      if (!o) {
        if ((*a)[i].is_null()) wrong_type(base, "an object", (*a)[i]);
        continue;
      }
      fn(base, *o);
    }
  }

  void contacts(const std::string& path, const json::value& v, std::vector<Contact>& out) {
    each_object(path, v, [&](const std::string& base, const json::object& obj) {
      const json::object* o = &obj;
      Contact c;
      for (const auto& kv : *o) {
        const std::string_view k = kv.key();
        const std::string p = join(base, echo_key(k));
        if (k == "email")
          str(p, kv.value(), c.email);
        else if (k == "first_name")
          str(p, kv.value(), c.first_name);
        else if (k == "last_name")
          str(p, kv.value(), c.last_name);
        else
          unknown(p);
      }
      out.push_back(std::move(c));
    });
  }

  void test_variants(const std::string& path, const json::value& v, std::vector<LinkTestVariant>& out) {
    each_object(path, v, [&](const std::string& ip, const json::object& o) {
      LinkTestVariant t;
      bool has_url = false, has_percentage = false;
      for (const auto& kv : o) {
        const std::string_view k = kv.key();
        const std::string p = join(ip, echo_key(k));
        if (k == "url") {
          std::optional<std::string> u;
          str(p, kv.value(), u);
          if (u) {
            t.url = std::move(*u);
            has_url = true;
          }
        } else if (k == "percentage") {
          if (kv.value().is_number()) {
            t.percentage = kv.value().to_number<double>();
            has_percentage = true;
          } else if (!kv.value().is_null()) {
            wrong_type(p, "a number", kv.value());
          }
        } else {
          unknown(p);
        }
      }
      if (!has_url) issues.push_back({join(ip, "url"), join(ip, "url") + " is required"});
      if (!has_percentage)
        issues.push_back({join(ip, "percentage"), join(ip, "percentage") + " is required"});
      out.push_back(std::move(t));
    });
  }

  void link(const std::string& path, const json::value& v, std::optional<LinkOptions>& out) {
    const json::object* o = object(path, v);
    if (!o) return;
    LinkOptions l;
    for (const auto& kv : *o) {
      const std::string_view k = kv.key();
      const std::string p = join(path, echo_key(k));
      if (k == "external_id")
        str(p, kv.value(), l.external_id);
      else if (k == "tenant_id")
        str(p, kv.value(), l.tenant_id);
      else if (k == "prefix")
        str(p, kv.value(), l.prefix);
      else if (k == "key_length")
        integer(p, kv.value(), l.key_length);
      else if (k == "tag_ids")
        strings(p, kv.value(), l.tag_ids);
      else if (k == "comments")
        str(p, kv.value(), l.comments);
      else if (k == "archived")
        boolean(p, kv.value(), l.archived);
      else if (k == "expires_at")
        str(p, kv.value(), l.expires_at);
      else if (k == "expired_url")
        str(p, kv.value(), l.expired_url);
      else if (k == "password")
        str(p, kv.value(), l.password);
      else if (k == "proxy")
        boolean(p, kv.value(), l.proxy);
      else if (k == "title")
        str(p, kv.value(), l.title);
      else if (k == "description")
        str(p, kv.value(), l.description);
      else if (k == "image")
        str(p, kv.value(), l.image);
      else if (k == "video")
        str(p, kv.value(), l.video);
      else if (k == "rewrite")
        boolean(p, kv.value(), l.rewrite);
      else if (k == "ios")
        str(p, kv.value(), l.ios);
      else if (k == "android")
        str(p, kv.value(), l.android);
      else if (k == "do_index")
        boolean(p, kv.value(), l.do_index);
      else if (k == "test_started_at")
        str(p, kv.value(), l.test_started_at);
      else if (k == "test_completed_at")
        str(p, kv.value(), l.test_completed_at);
      else if (k == "test_variants")
        test_variants(p, kv.value(), l.test_variants);
      else
        unknown(p);
    }
    out = std::move(l);
  }

  void custom_fields(const std::string& path, const json::value& v, std::vector<CustomField>& out) {
    each_object(path, v, [&](const std::string& base, const json::object& obj) {
      const json::object* o = &obj;
      CustomField f;
      for (const auto& kv : *o) {
        const std::string_view k = kv.key();
        const std::string p = join(base, echo_key(k));
        if (k == "id") {
          std::optional<std::int64_t> id;
          integer(p, kv.value(), id);
          if (id) f.id = *id;
        } else if (k == "type") {
          str(p, kv.value(), f.type);
        } else if (k == "value") {
          if (has_non_finite(kv.value()))
            issues.push_back({p, p + " holds a number out of range"});
          else
            f.value = kv.value();  // any JSON; validate() checks it against the type
        } else {
          unknown(p);
        }
      }
      out.push_back(std::move(f));
    });
  }

  void vendor_overrides(const std::string& path, const json::value& v,
                        std::map<std::string, json::object>& out) {
    const json::object* o = object(path, v);
    if (!o) return;
    for (const auto& kv : *o) {
      const std::string p = join(path, echo_key(kv.key()));
      const json::object* body = object(p, kv.value());
      if (!body) continue;
      if (has_non_finite(kv.value()))
        issues.push_back({p, p + " holds a number out of range"});
      else
        out[std::string(kv.key())] = *body;
    }
  }

  void spec(const json::object& o, PartnerSpec& s) {
    for (const auto& kv : o) {
      const std::string_view k = kv.key();
      const json::value& v = kv.value();
      const std::string p = echo_key(k);
      if (k == "email")
        str(p, v, s.email);
      else if (k == "name")
        str(p, v, s.name);
      else if (k == "first_name")
        str(p, v, s.first_name);
      else if (k == "last_name")
        str(p, v, s.last_name);
      else if (k == "company")
        str(p, v, s.company);
      else if (k == "referral_key")
        str(p, v, s.referral_key);
      else if (k == "external_id")
        str(p, v, s.external_id);
      else if (k == "image")
        str(p, v, s.image);
      else if (k == "country")
        str(p, v, s.country);
      else if (k == "description")
        str(p, v, s.description);
      else if (k == "tags")
        strings(p, v, s.tags);
      else if (k == "group")
        str(p, v, s.group);
      else if (k == "partner_type")
        partner_type(p, v, s.partner_type);
      else if (k == "referrer")
        referrer(p, v, s.referrer);
      else if (k == "contacts")
        contacts(p, v, s.contacts);
      else if (k == "invite")
        boolean(p, v, s.invite);
      else if (k == "password")
        str(p, v, s.password);
      else if (k == "link")
        link(p, v, s.link);
      else if (k == "custom_fields")
        custom_fields(p, v, s.custom_fields);
      else if (k == "vendor_overrides")
        vendor_overrides(p, v, s.vendor_overrides);
      else
        unknown(p);
    }
  }

  void partner_type(const std::string& path, const json::value& v, std::optional<PartnerType>& out) {
    if (v.is_null()) return;
    if (v.is_string() && v.get_string() == "referral")
      out = PartnerType::referral;
    else if (v.is_string() && v.get_string() == "reseller")
      out = PartnerType::reseller;
    else
      issues.push_back({path, path + " must be \"referral\" or \"reseller\""});
  }
};

// 1-based line and column of a byte offset.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

}  // namespace

Result<PartnerSpec> spec_from_json(const json::value& v) {
  const json::object* o = v.if_object();
  if (!o) {
    Error e = Error::make(errc::invalid_input,
                          std::string("a partner spec must be a JSON object, not ") + type_name(v));
    e.issues.push_back({"", e.message});
    return e;
  }
  Reader r;
  PartnerSpec spec;
  r.spec(*o, spec);
  if (!r.issues.empty()) return invalid_input_error(std::move(r.issues));
  return spec;
}

Result<PartnerSpec> spec_from_json(std::string_view text) {
  json::stream_parser p;  // default limits: depth 32, strict JSON, valid UTF-8
  boost::system::error_code ec;
  std::size_t consumed = p.write(text.data(), text.size(), ec);
  if (!ec) {
    p.finish(ec);
    consumed = text.size();
  }
  if (ec) {
    auto [line, col] = line_column(text, consumed);
    Error e = Error::make(errc::invalid_input, "invalid JSON at line " + std::to_string(line) + ", column " +
                                                   std::to_string(col) + " (offset " +
                                                   std::to_string(consumed) + "): " + ec.message());
    e.issues.push_back({"", e.message});
    return e;
  }
  return spec_from_json(p.release());
}

}  // namespace partnerkit
