// A small JSON writer for request bodies: members in the order the caller writes them (golden tests are
// byte-exact), strings escaped per RFC 8259, valid UTF-8 passed through, invalid UTF-8 reported.
// Much faster than building a boost::json::value and serializing it.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::adapters_detail {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() {
    prefix();
    out_.push_back('{');
    need_comma_ = false;
  }
  void end_object() {
    out_.push_back('}');
    need_comma_ = true;
  }
  void begin_array() {
    prefix();
    out_.push_back('[');
    need_comma_ = false;
  }
  void end_array() {
    out_.push_back(']');
    need_comma_ = true;
  }
  // Keys are our own ASCII literals or user object keys: escaped like any string.
  void key(std::string_view k) {
    if (need_comma_) out_.push_back(',');
    write_string(k);
    out_.push_back(':');
    after_key_ = true;
    last_key_ = k;
  }
  void string(std::string_view s) {
    prefix();
    write_string(s);
    need_comma_ = true;
  }
  void int64(std::int64_t v);
  void uint64(std::uint64_t v);
  void boolean(bool v) {
    prefix();
    out_.append(v ? "true" : "false");
    need_comma_ = true;
  }
  void null() {
    prefix();
    out_.append("null");
    need_comma_ = true;
  }
  // Any Boost.JSON value (overrides, custom field values), object members in their stored order.
  void value(const boost::json::value& v);

  // Whether every string written so far was valid UTF-8; if not, the key under which the first bad
  // string was written.
  bool utf8_ok() const noexcept { return !bad_; }
  std::string_view bad_utf8_key() const noexcept { return bad_key_; }

 private:
  void prefix() {
    if (!after_key_ && need_comma_) out_.push_back(',');
    after_key_ = false;
  }
  void write_string(std::string_view s);

  std::string& out_;
  bool need_comma_ = false;
  bool after_key_ = false;
  bool bad_ = false;
  std::string_view last_key_;
  std::string bad_key_;
};

// Writes a request body's top-level object with vendor_overrides merged in: a member whose key the
// overrides hold is replaced in place (or removed when the override is null); override keys we do not
// write are appended at the end, in the overrides' order.
class BodyWriter {
 public:
  BodyWriter(std::string& out, const boost::json::object* overrides) : w_(out), overrides_(overrides) {
    if (overrides_ && overrides_->empty()) overrides_ = nullptr;
    if (overrides_) used_.assign(overrides_->size(), false);
    w_.begin_object();
  }

  // Starts member `key`. Returns true when the caller should write its value; false when the overrides
  // replaced or removed it (then the caller writes nothing).
  bool member(std::string_view key) {
    if (overrides_) {
      auto it = overrides_->find(key);
      if (it != overrides_->end()) {
        used_[static_cast<std::size_t>(it - overrides_->begin())] = true;
        if (!it->value().is_null()) {
          w_.key(key);
          w_.value(it->value());
        }
        return false;
      }
    }
    w_.key(key);
    return true;
  }
  void string_member(std::string_view key, std::string_view v) {
    if (member(key)) w_.string(v);
  }

  // Appends the unused overrides and closes the object.
  void finish() {
    if (overrides_) {
      std::size_t i = 0;
      for (const auto& kv : *overrides_) {
        if (!used_[i++] && !kv.value().is_null()) {
          w_.key(kv.key());
          w_.value(kv.value());
        }
      }
    }
    w_.end_object();
  }

  JsonWriter& json() noexcept { return w_; }

 private:
  JsonWriter w_;
  const boost::json::object* overrides_;
  std::vector<bool> used_;
};

}  // namespace partnerkit::adapters_detail
