// The scrubber over a JSON tree: every string, key and number that leaks a secret replaced, in place.
#include <partnerkit/secrets.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>

namespace partnerkit {

namespace {

void scrub_json(const Scrubber& s, boost::json::value& v, int depth) {
  if (depth > 128) return;
  switch (v.kind()) {
    case boost::json::kind::string: {
      auto& str = v.get_string();
      if (s.leaks(str)) str = s.scrub(str);
      break;
    }
    case boost::json::kind::int64:
    case boost::json::kind::uint64: {
      // As serialize() writes them, without a string per number.
      char buf[24];
      const auto r = v.is_int64() ? std::to_chars(buf, buf + sizeof buf, v.get_int64())
                                  : std::to_chars(buf, buf + sizeof buf, v.get_uint64());
      if (s.leaks(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)))) v = redacted_text;
      break;
    }
    case boost::json::kind::double_:
      if (s.leaks(boost::json::serialize(v))) v = redacted_text;
      break;
    case boost::json::kind::array:
      for (auto& e : v.get_array()) scrub_json(s, e, depth + 1);
      break;
    case boost::json::kind::object: {
      auto& o = v.get_object();
      bool key_leaks = false;
      for (auto& kv : o) {
        if (s.leaks(kv.key())) key_leaks = true;
        scrub_json(s, kv.value(), depth + 1);
      }
      if (key_leaks) {
        boost::json::object rebuilt;
        for (auto& kv : o) rebuilt[s.scrub(kv.key())] = std::move(kv.value());
        o = std::move(rebuilt);
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace

void Scrubber::scrub_in_place(boost::json::value& v) const {
  if (!automata_.empty()) scrub_json(*this, v, 0);
}

}  // namespace partnerkit
