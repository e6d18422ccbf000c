// The simulator kit: what a vendor simulator needs beside its own rules — answers and edge pages
// (answers.hpp), timestamps (dates.hpp), e-mail rules (email.hpp), field rules (fields.hpp), body,
// form and query parsing (request.hpp), Bearer and Basic credentials (auth.hpp), stored records and
// paging (records.hpp). The built-in simulators (vendors.hpp) use exactly this; a plugin's
// simulator derives from VendorSimulator and uses it too (examples/plugin-tolt).
//
// The rules here are read from the vendors' published documents and their stacks' validators, not
// from the client library's validation: the sandbox is an independent check on the client.
#pragma once

#include <partnerkit/sandbox/simulator_kit/answers.hpp>
#include <partnerkit/sandbox/simulator_kit/auth.hpp>
#include <partnerkit/sandbox/simulator_kit/dates.hpp>
#include <partnerkit/sandbox/simulator_kit/email.hpp>
#include <partnerkit/sandbox/simulator_kit/fields.hpp>
#include <partnerkit/sandbox/simulator_kit/records.hpp>
#include <partnerkit/sandbox/simulator_kit/request.hpp>
#include <partnerkit/sandbox/vendors.hpp>
