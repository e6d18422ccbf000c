// E-mail rules as the vendors' stacks apply them, written for the simulators from the published
// rules — never the client library's validation, so a bug there shows up as a disagreement in the
// integration tests instead of being mirrored. Each takes the value as sent (no trimming).
#pragma once

#include <string>
#include <string_view>

namespace partnerkit::sandbox::kit {

// zod's z.string().email() (zod 3.22 and later; github.com/colinhacks/zod src/types.ts), the pattern
// Dub's OpenAPI publishes for POST /partners (dub.co/docs/api-reference/endpoint/create-a-partner):
//   ^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$
// ASCII only; a domain label may end in '-' ("a@b-.com" passes).
bool zod_email(std::string_view email) noexcept;

// Laravel's default `email` rule (laravel.com/docs/validation#rule-email: egulias/email-validator's
// RFCValidation), as far as a partner API sees it: a dot-atom or quoted local part, a domain of
// dot-separated labels or an address literal "[...]". A domain needs no dot ("a@localhost" passes);
// a label may not start or end with '-'; no '..', no leading or trailing '.', no white space outside
// quotes. UTF-8 letters are atext (RFC 6531), as egulias accepts them.
bool laravel_email(std::string_view email) noexcept;

// The shape every rule shares, for vendors that document only "a valid email" (JSON Schema's
// format: email, a free-text reference): one '@', a non-empty local part, a domain with a dot inside
// it, no white space or control characters, at most 254 bytes.
bool plausible_email(std::string_view email) noexcept;

// The part after the last '@', ASCII lower-cased; empty when there is none.
std::string email_domain(std::string_view email);

}  // namespace partnerkit::sandbox::kit
