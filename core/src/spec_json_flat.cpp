// FlatSpecParser (detail/spec_json_flat.hpp): a flat spec line read into the PartnerSpec by the simple JSON
// scanner (partnerkit/detail/simple_json.hpp), or by Boost.JSON's parser where the scanner gives up, with
// one set of rules for both: whatever it does not read exactly as spec_from_json would is refused (so that
// the caller takes the tree path).
#include "detail/spec_json_flat.hpp"

#include <partnerkit/detail/json_parse_limits.hpp>
#include <partnerkit/detail/simple_json.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>

namespace partnerkit::detail {
namespace {

// PartnerSpec's top-level names (spec_json.cpp's Reader::spec).
enum class Field : std::uint8_t {
  email,
  name,
  first_name,
  last_name,
  company,
  referral_key,
  external_id,
  image,
  country,
  description,
  tags,
  group,
  partner_type,
  referrer,
  contacts,
  invite,
  password,
  link,
  custom_fields,
  vendor_overrides,
  none,
};

constexpr std::string_view field_names[] = {
    "email",    "name",    "first_name",  "last_name", "company",       "referral_key",     "external_id",
    "image",    "country", "description", "tags",      "group",         "partner_type",     "referrer",
    "contacts", "invite",  "password",    "link",      "custom_fields", "vendor_overrides",
};
static_assert(std::size(field_names) == static_cast<std::size_t>(Field::none));

Field field_of(std::string_view key) noexcept {
  // The first byte narrows it to one or three names.
  if (key.empty()) return Field::none;
  const auto is = [&](Field f) { return key == field_names[static_cast<std::size_t>(f)] ? f : Field::none; };
  switch (key.front()) {
    case 'e':
      return key.size() == 5 ? is(Field::email) : is(Field::external_id);
    case 'n':
      return is(Field::name);
    case 'f':
      return is(Field::first_name);
    case 'l':
      return key.size() == 4 ? is(Field::link) : is(Field::last_name);
    case 'c':
      if (key.size() == 7) return key[2] == 'm' ? is(Field::company) : is(Field::country);
      if (key.size() == 8) return is(Field::contacts);
      return is(Field::custom_fields);
    case 'r':
      return key.size() == 8 ? is(Field::referrer) : is(Field::referral_key);
    case 'i':
      return key.size() == 5 ? is(Field::image) : is(Field::invite);
    case 'd':
      return is(Field::description);
    case 't':
      return is(Field::tags);
    case 'g':
      return is(Field::group);
    case 'p':
      return key.size() == 8 ? is(Field::password) : is(Field::partner_type);
    case 'v':
      return is(Field::vendor_overrides);
    default:
      return Field::none;
  }
}

// The string member a Field names, or null (tags, partner_type, invite and the nested ones).
std::optional<std::string>* string_member(PartnerSpec& s, Field f) noexcept {
  switch (f) {
    case Field::name:
      return &s.name;
    case Field::first_name:
      return &s.first_name;
    case Field::last_name:
      return &s.last_name;
    case Field::company:
      return &s.company;
    case Field::referral_key:
      return &s.referral_key;
    case Field::external_id:
      return &s.external_id;
    case Field::image:
      return &s.image;
    case Field::country:
      return &s.country;
    case Field::description:
      return &s.description;
    case Field::group:
      return &s.group;
    case Field::password:
      return &s.password;
    default:
      return nullptr;
  }
}

}  // namespace

struct FlatSpecParser::Impl {
  // Boost.JSON's events. Returning false stops the parser; the caller then takes the tree path.
  // boost::json::parse's own limits (the value_stack's), so the parser's verdicts are the same.
  struct Handler : JsonParseLimits {
    using ec_t = boost::system::error_code;
    using sv = boost::json::string_view;

    PartnerSpec* out = nullptr;
    std::span<const std::string> reserved;
    int depth = 0;  // 1 in the root object, 2 in its tags array
    Field field = Field::none;
    std::uint32_t seen = 0;  // a bit per Field
    std::string part;        // a key or string that came in pieces

    bool on_document_begin(ec_t&) { return true; }
    bool on_document_end(ec_t&) { return true; }
    bool on_object_begin(ec_t&) { return depth++ == 0; }
    bool on_object_end(std::size_t, ec_t&) { return --depth == 0; }
    bool on_array_begin(ec_t&) { return depth++ == 1 && field == Field::tags; }
    bool on_array_end(std::size_t, ec_t&) { return --depth == 1; }
    bool on_key_part(sv s, std::size_t, ec_t&) {
      part.append(s.data(), s.size());
      return true;
    }
    bool on_key(sv s, std::size_t, ec_t&) {
      std::string_view k(s.data(), s.size());
      if (!part.empty()) k = part.append(k);
      return key(k);
    }
    // The rules of a key, whichever parser read it (`key` may be a view of `part`).
    bool key(std::string_view key) {
      field = field_of(key);
      if (field == Field::none ||
          (!reserved.empty() && std::find(reserved.begin(), reserved.end(), key) != reserved.end()))
        return false;
      const std::uint32_t bit = std::uint32_t{1} << static_cast<unsigned>(field);
      if (seen & bit) return false;  // a repeated key: the tree keeps the last, and says so in messages
      seen |= bit;
      part.clear();
      return true;
    }
    bool on_string_part(sv s, std::size_t, ec_t&) {
      part.append(s.data(), s.size());
      return true;
    }
    bool on_string(sv s, std::size_t, ec_t&) {
      std::string_view v(s.data(), s.size());
      if (!part.empty()) v = part.append(v);
      const bool ok = string(v);
      part.clear();
      return ok;
    }
    bool string(std::string_view v) {
      if (depth == 2) {
        out->tags.emplace_back(v);
        return true;
      }
      if (field == Field::email) {
        out->email = std::string(v);  // construct and move: assign (_M_replace) cost ~40 more
        return true;
      }
      if (auto* m = string_member(*out, field)) {
        m->emplace(v);
        return true;
      }
      if (field == Field::partner_type) {
        if (v == "referral")
          out->partner_type = PartnerType::referral;
        else if (v == "reseller")
          out->partner_type = PartnerType::reseller;
        else
          return false;
        return true;
      }
      return false;
    }
    bool on_number_part(sv, ec_t&) { return false; }
    bool on_int64(std::int64_t, sv, ec_t&) { return false; }
    bool on_uint64(std::uint64_t, sv, ec_t&) { return false; }
    bool on_double(double, sv, ec_t&) { return false; }
    bool on_bool(bool b, ec_t&) {
      if (depth != 1 || field != Field::invite) return false;
      out->invite = b;
      return true;
    }
    bool on_null(ec_t&) { return depth == 1; }  // any top-level name: absent
    bool on_comment_part(sv, ec_t&) { return false; }
    bool on_comment(sv, ec_t&) { return false; }
  };

  // The scanner's events, turned into the Handler's rules above. The scanner's bool events stop it; the
  // others cannot, and set `refused` (checked when it is done: such a line is rare, and refused anyway).
  struct Simple {
    Handler& h;
    const char* after_key = nullptr;  // just past the last key's closing quote
    bool refused = false;

    void object_begin() { refused |= h.depth++ != 0; }
    void array_begin() { refused |= h.depth++ != 1 || h.field != Field::tags; }
    void end() { --h.depth; }  // a refused nesting already stopped the line
    bool key(std::string_view s, bool escaped) {
      if (refused) return false;
      after_key = s.data() + s.size() + 1;
      if (!escaped) return h.key(s);
      h.part.clear();
      append_unescaped(h.part, s);  // not empty: an escape is at least one byte
      return h.key(h.part);
    }
    bool string(std::string_view s, bool escaped) {
      if (refused) return false;
      if (!escaped) return h.string(s);
      h.part.clear();
      append_unescaped(h.part, s);
      const bool ok = h.string(h.part);
      h.part.clear();
      return ok;
    }
    void number() { refused = true; }
    // The scanner does not say which: the value right after the key (past ':' and white space it read).
    void boolean() {
      if (h.depth != 1 || h.field != Field::invite) {
        refused = true;
        return;
      }
      const char* p = after_key;
      while (*p != 't' && *p != 'f') ++p;
      h.out->invite = *p == 't';
    }
    void null() { refused |= h.depth != 1; }
  };

  void reset(PartnerSpec& out, std::span<const std::string> reserved) {
    Handler& h = parser.handler();
    h.out = &out;
    h.reserved = reserved;
    h.depth = 0;
    h.field = Field::none;
    h.seen = 0;
    h.part.clear();
  }

  boost::json::basic_parser<Handler> parser{boost::json::parse_options{}};
  bool by_simple = false;
};

FlatSpecParser::FlatSpecParser() : impl_(std::make_unique<Impl>()) {}
FlatSpecParser::~FlatSpecParser() = default;

bool FlatSpecParser::parse(std::string_view text, PartnerSpec& out, std::span<const std::string> reserved) {
  impl_->by_simple = false;
  // The scanner's contract: the body is capped before (Boost.JSON refuses longer strings).
  if (text.size() < JsonParseLimits::max_string_size) {
    impl_->reset(out, reserved);
    Impl::Simple events{impl_->parser.handler()};
    if (scan_simple_json(text, events) && !events.refused) {
      impl_->by_simple = true;
      return true;
    }
    out = PartnerSpec{};  // Boost.JSON's parser starts again from the first byte, on an empty spec
  }
  return parse_with_boost(text, out, reserved);
}

bool FlatSpecParser::parse_with_boost(std::string_view text, PartnerSpec& out,
                                      std::span<const std::string> reserved) {
  auto& p = impl_->parser;
  p.reset();
  impl_->reset(out, reserved);
  impl_->by_simple = false;
  boost::system::error_code ec;
  const std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  // As boost::json::parse: the whole text is one value (trailing white space is consumed).
  return !ec && n == text.size() && p.done() && p.handler().depth == 0;
}

bool FlatSpecParser::read_by_simple_scan() const noexcept { return impl_->by_simple; }

}  // namespace partnerkit::detail
