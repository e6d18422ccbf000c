// The batch commands (provision, find, get, update, deactivate) share one runner (provision.cpp):
// input, vendors, sandbox, transport, client, journal, signals, progress, summary and exit status.
// A command says what differs.
#pragma once

#include "cli.hpp"

#include <partnerkit/batch.hpp>

#include <boost/json/object.hpp>

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::cli {

struct BatchCommand {
  std::string_view name;                  // for messages: "find", ...
  std::vector<std::string> extra_fields;  // read beside the spec (SpecReaderOptions::extra_fields)
  // Sets what the command does per item (BatchOptions::operation, operation_name, reconcile, ...).
  std::function<void(const ParsedArgs&, BatchOptions&)> configure;
  bool print_status = false;  // add the partner's "status" to each output line
};

int run_batch(const ParsedArgs& args, const BatchCommand& command);

// Declares the options every batch command takes (provision's, without --journal, --reconcile and
// --derive-external-id, which each command adds when it has them).
void declare_batch_options(CLI::App& command);

}  // namespace partnerkit::cli
