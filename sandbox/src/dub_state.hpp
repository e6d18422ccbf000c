// The Dub simulator's state, shared by its create (dub.cpp) and its lookups and lifecycle
// (dub_queries.cpp). Private to the sandbox.
#pragma once

#include <partnerkit/sandbox/vendors.hpp>

#include <partnerkit/sandbox/simulator_kit.hpp>
#include <partnerkit/text/ascii.hpp>

#include <boost/json/object.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace partnerkit::sandbox {
namespace dub_detail {

namespace json = boost::json;

using kit::nullable;
using kit::string_member;

struct DubPartner {
  std::string id, name, email, key, link_id, created_at;
  std::optional<std::string> image, description, country, tenant_id, group_id;
  json::value link_props;
  std::string created_by;           // the key label that created it (state only)
  std::string status = "approved";  // deactivated / banned after those operations
  // State only: create requests that named this partner (its email), and those of them that came
  // after a lookup (GET) had answered with it: a client that reconciles by lookup sends none.
  std::uint64_t creates = 1;
  std::uint64_t creates_after_found = 0;
  mutable bool found = false;
};

// The partner as Dub answers it (the Partner schema of Dub's OpenAPI for POST /partners).
json::object partner_json(const DubOptions& options, const DubPartner& p);

}  // namespace dub_detail

struct DubSimulator::Impl {
  using Partner = dub_detail::DubPartner;

  mutable std::mutex mutex;
  kit::IdGenerator ids;
  std::vector<Partner> partners;
  std::unordered_map<std::string, std::size_t> by_email;   // lower-cased email
  std::unordered_map<std::string, std::size_t> by_tenant;  // exact tenantId
  std::unordered_set<std::string> keys;                    // lower-cased link keys

  explicit Impl(std::uint64_t seed) : ids(seed) {}
};

}  // namespace partnerkit::sandbox
