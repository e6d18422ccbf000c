// Request bodies with vendor_overrides merged in, as a JSON object (BodyWriter) or as an
// application/x-www-form-urlencoded form (FormWriter). The merge rule is the same for both: a member
// whose key the overrides hold is replaced in place (or removed when the override is null); override
// keys the adapter does not write are appended at the end, in the overrides' order.
#pragma once

#include <partnerkit/adapter_kit/json_writer.hpp>
#include <partnerkit/adapter_kit/text.hpp>
#include <partnerkit/text/encoding.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::adapter_kit {

// The merge bookkeeping: which override keys the adapter's own members consumed.
class OverridesMerge {
 public:
  explicit OverridesMerge(const boost::json::object* overrides) : overrides_(overrides) {
    if (overrides_ && overrides_->empty()) overrides_ = nullptr;
    if (overrides_) used_.assign(overrides_->size(), false);
  }
  // The override for `key` (marked used; a null value means "remove it"), or null when not overridden.
  const boost::json::value* take(std::string_view key) {
    if (!overrides_) return nullptr;
    auto it = overrides_->find(key);
    if (it == overrides_->end()) return nullptr;
    used_[static_cast<std::size_t>(it - overrides_->begin())] = true;
    return &it->value();
  }
  // f(key, value) for each override not taken and not null, in the overrides' order.
  template <class F>
  void for_each_unused(F&& f) const {
    if (!overrides_) return;
    std::size_t i = 0;
    for (const auto& kv : *overrides_)
      if (!used_[i++] && !kv.value().is_null()) f(std::string_view(kv.key()), kv.value());
  }

 private:
  const boost::json::object* overrides_;
  std::vector<bool> used_;
};

// Writes a request body's top-level JSON object with the overrides merged in.
class BodyWriter {
 public:
  BodyWriter(std::string& out, const boost::json::object* overrides) : w_(out), merge_(overrides) {
    w_.begin_object();
  }

  // Starts member `key`. Returns true when the caller should write its value; false when the overrides
  // replaced or removed it (then the caller writes nothing).
  bool member(std::string_view key) {
    if (const auto* o = merge_.take(key)) {
      if (!o->is_null()) {
        w_.key(key);
        w_.value(*o);
      }
      return false;
    }
    w_.key(key);
    return true;
  }
  void string_member(std::string_view key, std::string_view v) {
    if (const auto* o = merge_.take(key)) {
      if (!o->is_null()) {
        w_.key(key);
        w_.value(*o);
      }
      return;
    }
    w_.string_member(key, v);
  }

  // Appends the unused overrides and closes the object.
  void finish() {
    merge_.for_each_unused([&](std::string_view k, const boost::json::value& v) {
      w_.key(k);
      w_.value(v);
    });
    w_.end_object();
  }

  JsonWriter& json() noexcept { return w_; }

 private:
  JsonWriter w_;
  OverridesMerge merge_;
};

// text encoded for an application/x-www-form-urlencoded body (WHATWG URL, "urlencoded serializer"):
// ASCII letters, digits and *-._ kept, a space as '+', every other byte as %XX.
inline std::string form_component(std::string_view s) {
  return text::percent_encoded(s, text::form_unreserved, /*plus_for_space=*/true);
}

// Writes a form body (name=value pairs joined by '&') with the overrides merged in. An override value
// is written as text: a string as it is, true/false, numbers as JSON writes them; an object as
// key[member]=..., an array as key[]=... (the bracket convention form-taking APIs read).
class FormWriter {
 public:
  FormWriter(std::string& out, const boost::json::object* overrides) : out_(out), merge_(overrides) {}

  // Writes name=value unless the overrides replace or remove `name`.
  void field(std::string_view name, std::string_view value) {
    if (const auto* o = merge_.take(name)) return write_value(std::string(name), *o);
    pair(name, value);
  }
  // "true" / "false". (Not an overload of field: a string literal would pick bool.)
  void boolean(std::string_view name, bool value) { field(name, value ? "true" : "false"); }

  // Appends the unused overrides. The body is complete after this.
  void finish() {
    merge_.for_each_unused(
        [&](std::string_view k, const boost::json::value& v) { write_value(std::string(k), v); });
  }

  // Whether every value written so far was valid UTF-8; if not, the name of the first bad one.
  bool utf8_ok() const noexcept { return bad_name_.empty(); }
  std::string_view bad_utf8_key() const noexcept { return bad_name_; }

 private:
  void pair(std::string_view name, std::string_view value) {
    if (bad_name_.empty() && !is_valid_utf8(value)) bad_name_ = name.empty() ? "?" : std::string(name);
    if (!out_.empty()) out_.push_back('&');
    out_.append(form_component(name)).append("=").append(form_component(value));
  }
  void write_value(const std::string& name, const boost::json::value& v) {
    switch (v.kind()) {
      case boost::json::kind::null:
        return;  // removed
      case boost::json::kind::string:
        return pair(name, v.get_string());
      case boost::json::kind::bool_:
        return pair(name, v.get_bool() ? "true" : "false");
      case boost::json::kind::object:
        for (const auto& kv : v.get_object())
          write_value(name + "[" + std::string(kv.key()) + "]", kv.value());
        return;
      case boost::json::kind::array:
        for (const auto& e : v.get_array()) write_value(name + "[]", e);
        return;
      default:
        return pair(name, boost::json::serialize(v));
    }
  }

  std::string& out_;
  OverridesMerge merge_;
  std::string bad_name_;
};

}  // namespace partnerkit::adapter_kit
