// `partnerkit` runs its PostgreSQL commands in the helper executable partnerkit-pg (pg_commands.hpp):
// libpq and its ~20 libraries (Kerberos, LDAP, SASL, GnuTLS...) cost every other command ~4 MiB of
// resident memory and their relocations at start-up. exec keeps the PID, stdio, the environment
// and signal dispositions, so a supervisor's SIGTERM reaches the worker itself.
#include "pg_commands.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <system_error>

#include <unistd.h>

namespace partnerkit::cli {
namespace {

char** command_line = nullptr;

}  // namespace

void set_command_line(char** argv) { command_line = argv; }

#ifdef PARTNERKIT_HAS_PG

int run_in_pg_helper(const ParsedArgs&) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // This executable's own directory, symlinks resolved (a `partnerkit` linked into ~/bin still
  // finds the helper of its installation).
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec || command_line == nullptr) {
    std::cerr << "partnerkit: cannot find the PostgreSQL commands' helper: /proc/self/exe: "
              << (ec ? ec.message() : std::string("no command line")) << "\n";
    return exit_usage;
  }
  const fs::path helper = (self.parent_path() / PARTNERKIT_PG_HELPER_RELPATH).lexically_normal();
  std::cout.flush();
  std::cerr.flush();
  ::execv(helper.c_str(), command_line);
  const int err = errno;
  std::cerr << "partnerkit: the PostgreSQL commands (db, enqueue, status, worker) run in " << helper.string()
            << ", which cannot be run: " << std::strerror(err)
            << ". It is installed with partnerkit (cmake --install); see README.md, \"Install\".\n";
  return exit_usage;
}

#endif  // PARTNERKIT_HAS_PG

}  // namespace partnerkit::cli
