// A simulator's stored state: records in creation order with the vendor's uniqueness rules, ids
// from the seeded generator, and listing a page at a time. Not thread-safe: the simulator holds its
// own lock (VendorSimulator members are called from the server's threads).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>

namespace partnerkit::sandbox::kit {

// Random identifiers from a seeded generator: the same seed gives the same ids.
class IdGenerator {
 public:
  explicit IdGenerator(std::uint64_t seed) : rng_(seed) {}
  // n characters of [0-9A-Za-z] (or [0-9a-z] when lower_only).
  std::string alnum(std::size_t n, bool lower_only = false);

 private:
  std::mt19937_64 rng_;
};

// The vendor's records as the JSON it answers, in creation order, and its unique keys: each a
// (scope, key) pair such as ("email", "<program>\n<lower-cased email>").
class Records {
 public:
  const boost::json::array& all() const noexcept { return records_; }
  std::size_t size() const noexcept { return records_.size(); }

  // The first record whose string member `field` equals `value`; null when none.
  boost::json::object* find(std::string_view field, std::string_view value);
  const boost::json::object* find(std::string_view field, std::string_view value) const;
  // Every record whose string member `field` equals `value`, in creation order.
  boost::json::array where(std::string_view field, std::string_view value) const;

  bool taken(std::string_view scope, std::string_view key) const;
  // Marks a unique key as held (check taken() first: a claim never fails); release() frees it.
  void claim(std::string_view scope, std::string_view key);
  void release(std::string_view scope, std::string_view key);
  // Stores the record (last in creation order).
  boost::json::object& add(boost::json::object record);
  void clear();

 private:
  boost::json::array records_;
  std::set<std::string> keys_;  // scope '\0' key
};

// One page of a list answer.
struct Page {
  boost::json::array data;
  bool has_more = false;
};
// Cursor paging as Stripe-style APIs do it (?limit=&starting_after=<id>): up to `limit` items after
// the one whose `id_field` is `starting_after` (from the first when nullopt; none when that id is
// not listed).
Page page_after(const boost::json::array& items, std::size_t limit,
                const std::optional<std::string>& starting_after, std::string_view id_field = "id");
// The URL's ?limit=: `fallback` when absent or not a whole number, else clamped to [1, max].
std::size_t query_limit(std::string_view url, std::size_t fallback, std::size_t max);

}  // namespace partnerkit::sandbox::kit
