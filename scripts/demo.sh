#!/usr/bin/env bash
# make demo: what partnerkit does, shown on examples/partners.jsonl.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cli="$build/tools/partnerkit"
cd "$(dirname "$0")/.."
echo "== partnerkit validate --input examples/partners.csv --vendor dub,partnero,journeybee"
"$cli" validate --input examples/partners.csv --vendor dub,partnero,journeybee \
  --settings examples/vendor-settings.json >/dev/null
for vendor in dub partnero journeybee; do
  echo "== partnerkit render --vendor $vendor --input examples/partners.jsonl"
  "$cli" render --vendor "$vendor" --input examples/partners.jsonl --settings examples/vendor-settings.json
done
