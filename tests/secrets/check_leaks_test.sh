#!/usr/bin/env bash
# The negative control of scripts/check-leaks.sh: it passes clean text and fails a canary printed
# plain, upper-cased, JSON-escaped, URL-encoded, in Basic auth (base64 at each alignment) or hex.
set -euo pipefail
script=$1
canary=Hunter2Secret9
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '{"error":{"code":"rejected","message":"The password REDACTED has appeared in a data leak."}}\n' > "$dir/clean"
"$script" "$dir/clean" > /dev/null || { echo "clean text was flagged"; exit 1; }
forms=(
  "message: The password $canary has appeared"
  "MESSAGE: THE PASSWORD HUNTER2SECRET9"
  "$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote("pw=" + sys.argv[1] + "!", safe=""))' "$canary")"
  "$(python3 -c 'import base64,sys; print("Basic " + base64.b64encode(("u:" + sys.argv[1]).encode()).decode())' "$canary")"
  "$(python3 -c 'import base64,sys; print(base64.b64encode(("ab:" + sys.argv[1]).encode()).decode())' "$canary")"
  "$(python3 -c 'import base64,sys; print(base64.b64encode(("abcd:" + sys.argv[1]).encode()).decode())' "$canary")"
  "$(python3 -c 'import sys; print(sys.argv[1].encode().hex())' "$canary")"
)
for f in "${forms[@]}"; do
  printf 'line one\n%s\n' "$f" > "$dir/dirty"
  if "$script" "$dir/dirty" > "$dir/report" 2> /dev/null; then
    echo "a leak was not found (form $((${#f})) chars)"
    exit 1
  fi
  grep -q "$canary" "$dir/report" && { echo "the report prints the secret"; exit 1; }
done
if "$script" "$dir/missing" 2> /dev/null; then echo "a missing file passed"; exit 1; fi
echo "check-leaks negative control: ${#forms[@]} leak forms caught, clean text passed"
