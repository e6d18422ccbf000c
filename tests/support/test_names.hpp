// The names the Client, batch and pacing tests use unqualified: partnerkit, the shipped test kit's
// fake transport and matchers, Asio, std::filesystem and the chrono literals. For test files only: it
// brings those names into the global namespace on purpose, once instead of in every file.
#pragma once

#include <partnerkit/testing/fake_transport.hpp>
#include <partnerkit/testing/matchers.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>

using namespace std::chrono_literals;
using namespace partnerkit;
using partnerkit::testing::ErrorIs;
using partnerkit::testing::FakeReply;
using partnerkit::testing::FakeTransport;
using partnerkit::testing::IsOk;
namespace asio = boost::asio;
namespace fs = std::filesystem;
