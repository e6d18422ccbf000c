#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>

#include <boost/json/parse.hpp>
#include <boost/system/system_error.hpp>

#include <gtest/gtest.h>

namespace pk = partnerkit;

namespace {

constexpr int first_code = static_cast<int>(pk::errc::invalid_input);
constexpr int last_code = static_cast<int>(pk::errc::cancelled);

TEST(Errc, FifteenCodesRoundTrip) {
  EXPECT_EQ(last_code - first_code + 1, 15);
  for (int i = first_code; i <= last_code; ++i) {
    auto e = static_cast<pk::errc>(i);
    std::string_view name = pk::to_string(e);
    EXPECT_NE(name, "unknown") << i;
    EXPECT_EQ(pk::errc_from_string(name), e) << name;
    boost::system::error_code ec = pk::make_error_code(e);
    EXPECT_EQ(ec.value(), i);
    EXPECT_EQ(&ec.category(), &pk::error_category());
    EXPECT_EQ(ec.message(), std::string(name));
    EXPECT_TRUE(ec.failed());
    boost::system::error_code implicit = e;  // is_error_code_enum
    EXPECT_EQ(implicit, ec);
  }
  EXPECT_EQ(pk::errc_from_string("nope"), std::nullopt);
  EXPECT_EQ(pk::errc_from_string(""), std::nullopt);
  EXPECT_EQ(pk::errc_from_string("Invalid_Input"), std::nullopt);
  EXPECT_STREQ(pk::error_category().name(), "partnerkit");
  EXPECT_EQ(pk::to_string(static_cast<pk::errc>(99)), "unknown");
  EXPECT_NE(pk::error_category().message(99).find("99"), std::string::npos);
}

TEST(Errc, Retryability) {
  for (int i = first_code; i <= last_code; ++i) {
    auto e = static_cast<pk::errc>(i);
    bool expected = e == pk::errc::rate_limited || e == pk::errc::vendor_unavailable ||
                    e == pk::errc::timeout || e == pk::errc::network;
    EXPECT_EQ(pk::is_retryable(e), expected) << pk::to_string(e);
    EXPECT_EQ(pk::Error::make(e, "m").retryable, expected);
  }
}

TEST(Errc, DistinctFromOtherCategories) {
  boost::system::error_code ours = pk::errc::timeout;
  boost::system::error_code generic = boost::system::errc::make_error_code(boost::system::errc::timed_out);
  EXPECT_NE(ours, generic);
}

TEST(Error, ResultThrowsErrorException) {
  pk::Result<int> r = pk::Error::make(pk::errc::not_found, "no such partner", "referrer.id");
  ASSERT_FALSE(r.has_value());
  try {
    (void)r.value();
    FAIL() << "value() did not throw";
  } catch (const pk::ErrorException& ex) {
    EXPECT_EQ(ex.error().code, pk::errc::not_found);
    EXPECT_STREQ(ex.what(), "not_found: no such partner (referrer.id)");
  }
}

TEST(StopReason, Names) {
  EXPECT_EQ(pk::to_string(pk::stop_reason::none), "none");
  EXPECT_EQ(pk::to_string(pk::stop_reason::exhausted), "exhausted");
  EXPECT_EQ(pk::to_string(pk::stop_reason::not_idempotent), "not_idempotent");
}

TEST(Redacted, AuthorizationAndPasswordNeverSurvive) {
  pk::HttpRequest req;
  req.url = "https://127.0.0.1/v1/partners";
  req.headers = {{"Authorization", "Bearer sk_live_123"},
                 {"content-type", "application/json"},
                 {"X-API-KEY", "k-456"},
                 {"proxy-authorization", "Basic abc"}};
  req.body = R"({"email":"a@b.co","password":"Hunter2Hunter2","nested":{"password":"P4ssw0rdX"}})";
  pk::HttpRequest r = pk::redacted(req);
  for (const auto& [k, v] : r.headers) {
    EXPECT_EQ(v.find("sk_live_123"), std::string::npos);
    EXPECT_EQ(v.find("k-456"), std::string::npos);
    EXPECT_EQ(v.find("abc"), std::string::npos);
  }
  EXPECT_EQ(r.header("authorization"), "REDACTED");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.body.find("Hunter2"), std::string::npos);
  EXPECT_EQ(r.body.find("P4ssw0rdX"), std::string::npos);
  auto v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("email"), "a@b.co");
  EXPECT_EQ(v.at("password"), "REDACTED");
  // The original is untouched.
  EXPECT_EQ(req.header("Authorization"), "Bearer sk_live_123");

  req.body = R"(not json "password":"Hunter2")";
  EXPECT_EQ(pk::redacted(req).body.find("Hunter2"), std::string::npos);
}

}  // namespace
