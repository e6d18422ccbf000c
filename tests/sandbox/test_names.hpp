// The names the simulator tests use unqualified: the sandbox, the JSON values they build, and the
// request helpers of test_util.hpp. For test files only: a using-directive in a header on purpose,
// once instead of in every file.
#pragma once

#include "test_util.hpp"

#include <partnerkit/sandbox/vendors.hpp>

#include <boost/json.hpp>

using namespace partnerkit::sandbox;
using boost::json::array;
using boost::json::object;
using sbtest::body_of;
using sbtest::post;
