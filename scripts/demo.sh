#!/usr/bin/env bash
# make demo: what partnerkit does, shown on examples/partners.jsonl — validated, rendered for each
# vendor (no network), then provisioned on all three vendors against the in-process sandbox.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cli="$build/tools/partnerkit"
cd "$(dirname "$0")/.."
settings=examples/vendor-settings.json

echo "== partnerkit validate --input examples/partners.csv --vendor dub,partnero,journeybee"
"$cli" validate --input examples/partners.csv --vendor dub,partnero,journeybee --settings "$settings" >/dev/null
for vendor in dub partnero journeybee; do
  echo
  echo "== partnerkit render --vendor $vendor --input examples/partners.jsonl"
  "$cli" render --vendor "$vendor" --input examples/partners.jsonl --settings "$settings"
done
if "$cli" provision --help >/dev/null 2>&1; then
  echo
  echo "== partnerkit provision --sandbox --vendor dub,partnero,journeybee --input examples/partners.jsonl"
  "$cli" provision --sandbox --vendor dub,partnero,journeybee --input examples/partners.jsonl \
    --settings "$settings" --progress never
fi

# Secrets never leave: a partner with a password and a secret in vendor_overrides, rendered and then
# provisioned against a sandbox that echoes every request back in its error bodies. Every output
# shows REDACTED where the secret was (`make demo` then checks its whole output for the secret).
secret_input=$(mktemp)
trap 'rm -f "$secret_input"' EXIT
printf '%s\n' '{"email":"sam.secret@example.com","name":"Sam Secret","password":"Demo-Passw0rd-Canary-8c8c","vendor_overrides":{"partnero":{"client_secret":"Demo-Passw0rd-Canary-8c8c"}}}' > "$secret_input"
echo
echo "== partnerkit render --vendor partnero (a password and a client_secret override: redacted)"
"$cli" render --vendor partnero --input "$secret_input"
if "$cli" provision --help >/dev/null 2>&1; then
  echo
  echo "== partnerkit provision --sandbox --sandbox-faults echo=1 (a vendor echoing the request: scrubbed)"
  "$cli" provision --sandbox --sandbox-faults echo=1 --vendor partnero --input "$secret_input" \
    --progress never --max-attempts 1 || true
fi
