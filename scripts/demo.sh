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
