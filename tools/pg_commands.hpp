// The PostgreSQL commands (db, enqueue, status, worker). Their names, help texts and options
// (pg_commands.cpp) are in every build of the CLI that has libpq; their bodies (db.cpp, worker.cpp)
// only in the helper executable partnerkit-pg, so `partnerkit` itself never loads libpq and its
// dependencies: it parses the command line, then execs the helper for these commands (pg_helper.cpp).
#pragma once

#include "cli.hpp"

namespace partnerkit::cli {

// The commands' bodies, in partnerkit-pg (db.cpp, worker.cpp).
int db_main(const ParsedArgs& args);
int enqueue_main(const ParsedArgs& args);
int status_main(const ParsedArgs& args);
int worker_main(const ParsedArgs& args);

// main's argv, kept for run_in_pg_helper (pg_helper.cpp).
void set_command_line(char** argv);

// `partnerkit`'s body of every PostgreSQL command: replaces this process by partnerkit-pg with the
// same arguments (same PID, signals, stdio), found at PARTNERKIT_PG_HELPER_RELPATH from this
// executable's directory. Returns only when it cannot: the reason on stderr, exit_usage.
int run_in_pg_helper(const ParsedArgs& args);

}  // namespace partnerkit::cli
