// The commands main.cpp registers as CLI11 subcommands, in the order `partnerkit --help` lists them.
// A new subcommand is a file defining `extern const Command <name>_command` and one line here.
#include "cli.hpp"

namespace partnerkit::cli {

extern const Command render_command;
extern const Command validate_command;
extern const Command provision_command;
extern const Command vendors_command;
extern const Command sandbox_command;
extern const Command find_command;
extern const Command get_command;
extern const Command update_command;
extern const Command deactivate_command;
#ifdef PARTNERKIT_HAS_PG
extern const Command db_command;
extern const Command enqueue_command;
extern const Command status_command;
extern const Command worker_command;
#endif

std::span<const Command> commands() {
  static const Command table[] = {
      render_command, validate_command,   provision_command, find_command,    get_command,
      update_command, deactivate_command, sandbox_command,   vendors_command,
#ifdef PARTNERKIT_HAS_PG
      db_command,     enqueue_command,    status_command,    worker_command,
#endif
  };
  return table;
}

}  // namespace partnerkit::cli
