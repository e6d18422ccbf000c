#!/usr/bin/env bash
# Checks every Dub request body `partnerkit render --vendor dub` prints against Dub's OpenAPI contract
# (vendor-docs 002) with Stoplight Prism's validating mock server: a body the contract rejects gets 422.
# Not part of `make test`: it needs Node.js and Prism (npm install -g @stoplight/prism-cli@5.14).
#
#   scripts/check-dub-openapi.sh [BUILD_DIR]        (default BUILD_DIR: ./build)
#   env: PRISM_PORT (default 4010), DUB_OPENAPI_DOC (default ../shared/vendor-docs/002_*.txt)
#
# Inputs: examples/partners.jsonl and tests/adapters/data/dub_openapi_specs.jsonl (boundaries, unicode,
# escapes, dropped fields, overrides). Two negative controls (a null tenantId, a 101-character name)
# must be rejected, which proves Prism is validating. Traffic stays on 127.0.0.1.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
cli=$build/tools/partnerkit
port=${PRISM_PORT:-4010}
doc=${DUB_OPENAPI_DOC:-$(ls "$root"/../shared/vendor-docs/002_*.txt 2>/dev/null | head -n1 || true)}

[[ -x $cli ]] || { echo "no CLI at $cli (build the partnerkit_cli target)" >&2; exit 2; }
[[ -f $doc ]] || { echo "no OpenAPI document (set DUB_OPENAPI_DOC)" >&2; exit 2; }
command -v prism >/dev/null || { echo "prism not found: npm install -g @stoplight/prism-cli@5.14" >&2; exit 2; }

work=$(mktemp -d)
prism_pid=
cleanup() {
  if [[ -n $prism_pid ]]; then kill "$prism_pid" 2>/dev/null || true; wait "$prism_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The YAML between the ````yaml fences of 002.
awk '/^````yaml/{f=1;next} /^````/{f=0} f' "$doc" > "$work/dub.yaml"

prism mock "$work/dub.yaml" -h 127.0.0.1 -p "$port" > "$work/prism.log" 2>&1 &
prism_pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.2
done

status=0
for input in "$root/examples/partners.jsonl" "$root/tests/adapters/data/dub_openapi_specs.jsonl"; do
  # render exits 1 when some items fail validation: those print error lines, which the checker counts.
  "$cli" render --vendor dub --input "$input" > "$work/rendered.jsonl" 2> "$work/render.err" || true
  python3 - "$work/rendered.jsonl" "$port" "$input" <<'PY' || status=1
import json, sys, urllib.request, urllib.error
path, port, source = sys.argv[1], sys.argv[2], sys.argv[3]

def post(body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/partners", data=body.encode("utf-8"), method="POST",
                                 headers={"Authorization": "Bearer dub_prism_check", "Content-Type": "application/json",
                                          "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")

ok = bad = skipped = 0
for line in open(path, encoding="utf-8"):
    item = json.loads(line)
    if "body" not in item:
        skipped += 1
        print(f"  {source}#{item.get('index')}: not rendered ({item.get('error', {}).get('message', '?')})")
        continue
    body = json.dumps(item["body"], ensure_ascii=False, separators=(",", ":"))
    code, answer = post(body)
    if code == 201:
        ok += 1
    else:
        bad += 1
        print(f"  FAIL {source}#{item['index']}: HTTP {code}: {answer[:400]}")
print(f"{source}: {ok} bodies accepted, {bad} rejected, {skipped} not rendered")
sys.exit(1 if bad else 0)
PY
done

# Negative controls: Prism must reject these.
for body in '{"email":"a@example.com","tenantId":null}' "{\"email\":\"a@example.com\",\"name\":\"$(printf 'n%.0s' $(seq 1 101))\"}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/partners" \
    -H 'Authorization: Bearer dub_prism_check' -H 'Content-Type: application/json' --data-binary "$body")
  if [[ $code == 422 ]]; then
    echo "negative control rejected as expected (422): ${body:0:60}"
  else
    echo "negative control NOT rejected (HTTP $code): ${body:0:60}" >&2
    status=1
  fi
done

[[ $status == 0 ]] && echo "check-dub-openapi: every rendered Dub body satisfies the OpenAPI of 002"
exit $status
