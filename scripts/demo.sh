#!/usr/bin/env bash
# make demo: what partnerkit does, shown on examples/partners.jsonl.
set -euo pipefail
build=${1:-build}
cli="$build/tools/partnerkit"
for vendor in dub partnero journeybee; do
  echo "== partnerkit render --vendor $vendor --input examples/partners.jsonl"
  "$cli" render --vendor "$vendor" --input examples/partners.jsonl
done
