// GoogleMock matchers for partnerkit results, for your tests and ours (google-cloud-cpp ships
// `IsOk()` and `StatusIs()` the same way). Part of the header-only partnerkit::testing target:
//
//   EXPECT_THAT(client.provision("acme", spec), IsOk());
//   EXPECT_THAT(r, ErrorIs(errc::invalid_input, "email"));
//   EXPECT_THAT(r, ErrorIs(errc::timeout));                  // any field
//   EXPECT_THAT(r.error(), ErrorIs(errc::already_exists));   // an Error itself
//
// A failure names the error's code, field, message (and the vendor's) and stop reason instead of printing
// bytes.
#pragma once

#include <partnerkit/error.hpp>

#include <gmock/gmock.h>

#include <optional>
#include <ostream>
#include <string>

namespace partnerkit {

// How gtest prints an Error (found by argument-dependent lookup).
inline void PrintTo(const Error& e, std::ostream* os) {
  *os << "Error{" << to_string(e.code);
  if (!e.field.empty()) *os << ", field " << e.field;
  if (e.http_status) *os << ", HTTP " << *e.http_status;
  if (e.attempts) *os << ", " << e.attempts << " attempt(s)";
  if (e.stopped != stop_reason::none) *os << ", stopped: " << to_string(e.stopped);
  if (!e.message.empty()) *os << ", \"" << e.message << '"';
  if (!e.vendor_message.empty()) *os << ", the vendor says \"" << e.vendor_message << '"';
  *os << '}';
}

// How gtest prints a Result<T>: Boost 1.81's operator<< for result<T, E> is unconstrained and would
// need T and Error to be streamable.
template <class T>
void PrintTo(const Result<T>& r, std::ostream* os) {
  if (r.has_value()) {
    *os << "a Result holding a value";
  } else {
    *os << "a Result holding ";
    PrintTo(r.error(), os);
  }
}

namespace testing {
namespace matchers_detail {

class IsOkMatcher {
 public:
  template <class T>
  bool MatchAndExplain(const Result<T>& r, ::testing::MatchResultListener* listener) const {
    (void)listener;  // the Result's printer already shows the error
    return r.has_value();
  }
  void DescribeTo(std::ostream* os) const { *os << "holds a value"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "holds an error"; }
};

class ErrorIsMatcher {
 public:
  ErrorIsMatcher(errc code, std::optional<std::string> field) : code_(code), field_(std::move(field)) {}

  bool MatchAndExplain(const Error& e, ::testing::MatchResultListener* listener) const {
    if (e.code != code_) {
      *listener << "whose code is " << to_string(e.code);
      return false;
    }
    if (field_ && e.field != *field_) {
      *listener << "whose field is \"" << e.field << '"';
      return false;
    }
    return true;
  }
  template <class T>
  bool MatchAndExplain(const Result<T>& r, ::testing::MatchResultListener* listener) const {
    return !r.has_value() && MatchAndExplain(r.error(), listener);
  }
  void DescribeTo(std::ostream* os) const {
    *os << "is the error " << to_string(code_);
    if (field_) *os << " on field \"" << *field_ << '"';
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "is not the error " << to_string(code_);
    if (field_) *os << " on field \"" << *field_ << '"';
  }

 private:
  errc code_;
  std::optional<std::string> field_;
};

}  // namespace matchers_detail

// A Result<T> that holds a value.
inline auto IsOk() { return ::testing::MakePolymorphicMatcher(matchers_detail::IsOkMatcher()); }

// A Result<T> holding an Error, or an Error, with this code (and, when given, this field).
inline auto ErrorIs(errc code) {
  return ::testing::MakePolymorphicMatcher(matchers_detail::ErrorIsMatcher(code, std::nullopt));
}
inline auto ErrorIs(errc code, std::string field) {
  return ::testing::MakePolymorphicMatcher(matchers_detail::ErrorIsMatcher(code, std::move(field)));
}

}  // namespace testing
}  // namespace partnerkit
