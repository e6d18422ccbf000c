// The SQL of migrations kept in their own files (private to pg/src; migrations.cpp lists them all).
#pragma once

#include <string_view>

namespace partnerkit::pg::detail {

extern const std::string_view migration_v4;  // migration_v4.cpp
extern const std::string_view migration_v5;  // migration_v5.cpp
extern const std::string_view migration_v6;  // migration_v6.cpp

}  // namespace partnerkit::pg::detail
