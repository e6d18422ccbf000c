// SQLSTATE -> Error, as plain values.
#include <partnerkit/pg/errors.hpp>

#include <gtest/gtest.h>

namespace partnerkit::pg {
namespace {

TEST(PgErrors, ClassesMapToTheTaxonomy) {
  EXPECT_EQ(error_from_sqlstate("08006", "connection failure").code, errc::network);
  EXPECT_TRUE(error_from_sqlstate("08006", "x").retryable);
  EXPECT_EQ(error_from_sqlstate("57P01", "terminating connection").code, errc::network);
  EXPECT_EQ(error_from_sqlstate("40001", "could not serialize").code, errc::network);
  EXPECT_EQ(error_from_sqlstate("28P01", "password authentication failed").code, errc::unauthenticated);
  EXPECT_EQ(error_from_sqlstate("28000", "role does not exist").code, errc::unauthenticated);
  EXPECT_EQ(error_from_sqlstate("3D000", "database does not exist").code, errc::unauthenticated);
  EXPECT_EQ(error_from_sqlstate("42501", "permission denied").code, errc::permission_denied);
  EXPECT_EQ(error_from_sqlstate("23505", "duplicate key").code, errc::already_exists);
  EXPECT_EQ(error_from_sqlstate("23514", "check violation").code, errc::invalid_input);
  EXPECT_EQ(error_from_sqlstate("22P02", "invalid input syntax").code, errc::invalid_input);
  EXPECT_EQ(error_from_sqlstate("P0001", "raised").code, errc::invalid_input);
  EXPECT_EQ(error_from_sqlstate("57014", "canceling statement").code, errc::timeout);
  EXPECT_EQ(error_from_sqlstate("XX000", "internal error").code, errc::internal);
  EXPECT_FALSE(error_from_sqlstate("23505", "x").retryable);
}

TEST(PgErrors, MessageNamesPostgresAndKeepsTheSqlstate) {
  auto e = error_from_sqlstate("42P01", "relation \"partnerkit.items\" does not exist\n");
  EXPECT_EQ(e.code, errc::invalid_input);
  EXPECT_EQ(e.vendor_code, "42P01");
  EXPECT_EQ(e.message.rfind("PostgreSQL: relation \"partnerkit.items\" does not exist", 0), 0u) << e.message;
  EXPECT_NE(e.message.find("partnerkit db migrate"), std::string::npos);
  auto d = error_from_sqlstate("23505", "duplicate key", "Key (id)=(1) already exists.");
  EXPECT_NE(d.message.find("(Key (id)=(1) already exists.)"), std::string::npos);
}

TEST(PgErrors, ConnectionErrorsAreRetryableNetwork) {
  auto e = connection_error("server closed the connection unexpectedly\n");
  EXPECT_EQ(e.code, errc::network);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.message, "PostgreSQL connection: server closed the connection unexpectedly");
  EXPECT_EQ(connection_error("").message, "PostgreSQL connection: connection lost");
  auto refused = connection_error(
      "connection to server on socket \"/tmp/x/.s.PGSQL.5432\" failed: FATAL:  role \"bob\" does not exist");
  EXPECT_EQ(refused.code, errc::unauthenticated);
  EXPECT_FALSE(refused.retryable);
  EXPECT_EQ(connection_error("FATAL:  the database system is starting up").code, errc::network);
}

}  // namespace
}  // namespace partnerkit::pg
