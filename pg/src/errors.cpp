#include <partnerkit/pg/errors.hpp>
#include <partnerkit/text/ascii.hpp>

#include <string>

namespace partnerkit::pg {
namespace {

bool starts(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

Error error_from_sqlstate(std::string_view sqlstate, std::string_view message, std::string_view detail) {
  errc code = errc::internal;
  bool retryable = false;
  std::string hint;
  if (starts(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
      starts(sqlstate, "53") || sqlstate == "40001" || sqlstate == "40P01") {
    code = errc::network;
    retryable = true;
  } else if (starts(sqlstate, "28") || sqlstate == "3D000") {
    code = errc::unauthenticated;
  } else if (sqlstate == "42501") {
    code = errc::permission_denied;
  } else if (sqlstate == "23505") {
    code = errc::already_exists;
  } else if (starts(sqlstate, "22") || starts(sqlstate, "23") || sqlstate == "P0001") {
    code = errc::invalid_input;
  } else if (starts(sqlstate, "42")) {
    code = errc::invalid_input;
    hint = " (is the database migrated? run: partnerkit db migrate --database URL)";
  } else if (sqlstate == "57014") {
    code = errc::timeout;
    retryable = true;
  }
  Error e = Error::make(code, "PostgreSQL: " + std::string(text::trim(message)));
  if (!detail.empty()) e.message += " (" + std::string(text::trim(detail)) + ")";
  e.message += hint;
  e.retryable = retryable;
  e.vendor_code = std::string(sqlstate);
  return e;
}

Error connection_error(std::string_view message) {
  auto text = text::trim(message);
  // The server answered the startup with a FATAL: it refused us (unknown role or database, bad
  // password, pg_hba.conf) unless it was only busy starting, stopping or full.
  if (text.find("FATAL:") != std::string_view::npos && text.find("starting up") == std::string_view::npos &&
      text.find("shutting down") == std::string_view::npos &&
      text.find("too many") == std::string_view::npos &&
      text.find("terminating connection") == std::string_view::npos &&
      text.find("recovery") == std::string_view::npos) {
    return Error::make(errc::unauthenticated, "PostgreSQL refused the connection: " + std::string(text));
  }
  Error e =
      Error::make(errc::network, "PostgreSQL connection: " +
                                     (text.empty() ? std::string("connection lost") : std::string(text)));
  e.retryable = true;
  return e;
}

}  // namespace partnerkit::pg
