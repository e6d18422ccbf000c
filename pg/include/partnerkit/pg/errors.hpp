// How a PostgreSQL failure becomes a partnerkit Error (plain values, tested without a server).
//
// The Error keeps the SQLSTATE in vendor_code and says "PostgreSQL: <message>". Codes:
//   class 08 (connection exception), 57P01-57P03 (server shutting down / starting), 53 (out of
//     resources), 40001 / 40P01 (serialization failure, deadlock)      -> network, retryable
//   class 28 (invalid authorization), 3D000 (no such database)         -> unauthenticated
//   42501 (insufficient privilege)                                     -> permission_denied
//   23505 (unique violation)                                           -> already_exists
//   class 22 (data exception), class 23 (other integrity violations),
//   P0001 (raised by our functions)                                    -> invalid_input
//   class 42 (syntax or undefined object: often "not migrated")        -> invalid_input, with a hint
//   57014 (statement cancelled / timeout)                              -> timeout
//   anything else                                                      -> internal
// A lost connection (no SQLSTATE) is network, retryable: the statement may have been applied.
#pragma once

#include <partnerkit/error.hpp>

#include <string_view>

namespace partnerkit::pg {

Error error_from_sqlstate(std::string_view sqlstate, std::string_view message, std::string_view detail = {});

// A connection that could not be made or broke (libpq's message, trimmed): network, retryable —
// except a startup the server refused with a FATAL (unknown role or database, bad password,
// pg_hba.conf), which is unauthenticated and not retryable.
Error connection_error(std::string_view message);

}  // namespace partnerkit::pg
