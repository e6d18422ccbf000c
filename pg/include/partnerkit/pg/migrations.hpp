// The database schema as versioned migrations (pg/src/migrations.cpp holds the SQL).
#pragma once

#include <span>
#include <string_view>

namespace partnerkit::pg {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  // run inside the migration's transaction; objects in schema `partnerkit`
};

// Every migration, oldest first. Released migrations are never edited; changes are appended.
std::span<const Migration> migrations() noexcept;

}  // namespace partnerkit::pg
