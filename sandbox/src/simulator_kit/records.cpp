#include <partnerkit/sandbox/simulator_kit/records.hpp>
#include <partnerkit/sandbox/simulator_kit/request.hpp>

#include <algorithm>
#include <charconv>

namespace partnerkit::sandbox::kit {
namespace {

bool member_equals(const boost::json::value& record, std::string_view field, std::string_view value) {
  const auto* v = record.as_object().if_contains(field);
  return v && v->is_string() && v->get_string() == value;
}

}  // namespace

std::string IdGenerator::alnum(std::size_t n, bool lower_only) {
  static constexpr char chars[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::uint64_t range = lower_only ? 36 : 62;
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out += chars[rng_() % range];
  return out;
}

boost::json::object* Records::find(std::string_view field, std::string_view value) {
  for (auto& r : records_)
    if (member_equals(r, field, value)) return &r.as_object();
  return nullptr;
}

const boost::json::object* Records::find(std::string_view field, std::string_view value) const {
  return const_cast<Records*>(this)->find(field, value);
}

boost::json::array Records::where(std::string_view field, std::string_view value) const {
  boost::json::array out;
  for (const auto& r : records_)
    if (member_equals(r, field, value)) out.push_back(r);
  return out;
}

namespace {
std::string scoped(std::string_view scope, std::string_view key) {
  std::string s;
  s.reserve(scope.size() + 1 + key.size());
  s.append(scope).push_back('\0');
  s.append(key);
  return s;
}
}  // namespace

bool Records::taken(std::string_view scope, std::string_view key) const {
  return keys_.contains(scoped(scope, key));
}

void Records::claim(std::string_view scope, std::string_view key) { keys_.insert(scoped(scope, key)); }

void Records::release(std::string_view scope, std::string_view key) { keys_.erase(scoped(scope, key)); }

boost::json::object& Records::add(boost::json::object record) {
  records_.push_back(std::move(record));
  return records_.back().as_object();
}

void Records::clear() {
  records_.clear();
  keys_.clear();
}

Page page_after(const boost::json::array& items, std::size_t limit,
                const std::optional<std::string>& starting_after, std::string_view id_field) {
  Page page;
  std::size_t begin = 0;
  if (starting_after) {
    begin = items.size();
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].is_object() && member_equals(items[i], id_field, *starting_after)) begin = i + 1;
  }
  const std::size_t end = std::min(items.size(), begin + limit);
  for (std::size_t i = begin; i < end; ++i) page.data.push_back(items[i]);
  page.has_more = end < items.size();
  return page;
}

std::size_t query_limit(std::string_view url, std::size_t fallback, std::size_t max) {
  const auto text = query_value(url, "limit");
  if (!text || text->empty()) return fallback;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size()) return fallback;
  return std::clamp<std::size_t>(n, 1, max);
}

}  // namespace partnerkit::sandbox::kit
