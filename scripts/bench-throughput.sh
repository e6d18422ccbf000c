#!/usr/bin/env bash
# Cost per request: the partnerkit CLI (a whole `provision` run: read, validate, encode, pace, send,
# decode, result lines) against wrk and Dub's own TypeScript SDK, all against one loopback TLS server
# answering a Dub-shaped 201 that echoes the email and tenantId it received.
#
#   scripts/bench-throughput.sh [BUILD_DIR]     (needs wrk; node + a DUB_SDK_DIR with `npm install dub`
#                                                for the SDK comparison, skipped when absent)
#
# Server: `bench_transport --serve-only` (one thread, 127.0.0.1, keep-alive, its own CA), pinned to
# core 0 when taskset is there; the clients run on core 1. CPU = user+sys of the client process from
# /usr/bin/time (wrk's includes its 10 s of work, divided by its request count); memory = peak RSS.
# Env: PORT (18490), CONCURRENCY (64), COUNTS ("5000 50000"), WRK_DURATION (10s), SDK_COUNT (5000),
#      DUB_SDK_DIR (a directory holding node_modules/dub).
set -euo pipefail

BUILD_DIR=${1:-build}
SERVER="$BUILD_DIR/bench/transport/bench_transport"
CLI="$BUILD_DIR/tools/partnerkit"
PORT=${PORT:-18490}
CONCURRENCY=${CONCURRENCY:-64}
COUNTS=${COUNTS:-"5000 50000"}
WRK_DURATION=${WRK_DURATION:-10s}
SDK_COUNT=${SDK_COUNT:-5000}
DUB_SDK_DIR=${DUB_SDK_DIR:-}
here=$(cd "$(dirname "$0")" && pwd)

for f in "$SERVER" "$CLI"; do [[ -x "$f" ]] || { echo "no $f: build it first" >&2; exit 2; }; done
command -v wrk > /dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 2; }
pin_server="" pin_client=""
if command -v taskset > /dev/null && [[ $(nproc) -ge 2 ]]; then pin_server="taskset -c 0"; pin_client="taskset -c 1"; fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2> /dev/null || true; wait "$server_pid" 2> /dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

$pin_server "$SERVER" --serve-only "$PORT" --ca-file "$tmp/ca.pem" > "$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [[ -s "$tmp/ca.pem" ]] && break; sleep 0.1; done
[[ -s "$tmp/ca.pem" ]] || { echo "server did not start:"; cat "$tmp/server.log"; exit 1; }

cat > "$tmp/post.lua" << 'LUA'
wrk.method = "POST"
wrk.path = "/partners"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer dub_bench_0000000000000000000000"
wrk.body = '{"name":"Bench Partner 1","email":"p1@bench.example","username":"partner-1","tenantId":"crm-1","country":"US"}'
LUA

printf '%-28s %9s %10s %10s %12s %10s\n' "client" "requests" "seconds" "req/s" "CPU us/req" "peak MiB"
row() { awk -v l="$1" -v n="$2" -v s="$3" -v cpu="$4" -v kib="$5" 'BEGIN {
  printf "%-28s %9d %10.2f %10.0f %12.1f %10.1f\n", l, n, s, n / s, cpu * 1e6 / n, kib / 1024 }'; }

# wrk: the yardstick.
/usr/bin/time -f "%e %U %S %M" -o "$tmp/time.txt" $pin_client wrk -t1 -c"$CONCURRENCY" -d"$WRK_DURATION" \
  -s "$tmp/post.lua" "https://127.0.0.1:$PORT/partners" > "$tmp/wrk.txt"
read -r _ wu ws wkib < "$tmp/time.txt"
wrk_n=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
wrk_s=$(awk '/requests in/ {gsub("s,", "", $4); print $4}' "$tmp/wrk.txt")
wrk_cpu=$(awk -v u="$wu" -v s="$ws" 'BEGIN {print u + s}')
row "wrk -t1 -c$CONCURRENCY" "$wrk_n" "$wrk_s" "$wrk_cpu" "$wkib"
wrk_rate=$(awk -v n="$wrk_n" -v s="$wrk_s" 'BEGIN {print n / s}')
wrk_cpu_req=$(awk -v n="$wrk_n" -v c="$wrk_cpu" 'BEGIN {print c / n}')

for n in $COUNTS; do
  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
    printf "{\"email\":\"p%d@bench.example\",\"name\":\"Bench Partner %d\",\"referral_key\":\"partner-%d\",\"external_id\":\"crm-%d\",\"country\":\"US\"}\n", i, i, i, i }' \
    > "$tmp/items.jsonl"
  DUB_API_KEY=dub_bench_0000000000000000000000 /usr/bin/time -f "%e %U %S %M" -o "$tmp/time.txt" $pin_client \
    "$CLI" provision --vendor dub --input "$tmp/items.jsonl" --base-url "https://localhost:$PORT" \
    --ca-file "$tmp/ca.pem" --rate 0 --concurrency "$CONCURRENCY" --progress never > "$tmp/out.jsonl" 2> "$tmp/summary.txt" || {
    echo "partnerkit provision failed:"; tail -20 "$tmp/summary.txt"; exit 1; }
  read -r e u s kib < "$tmp/time.txt"
  ok=$(grep -c '"outcome"' "$tmp/out.jsonl" || true)
  [[ "$ok" == "$n" ]] || { echo "only $ok of $n provisioned:"; tail -20 "$tmp/summary.txt"; exit 1; }
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')
  row "partnerkit provision" "$n" "$e" "$cpu" "$kib"
  awk -v n="$n" -v e="$e" -v cpu="$cpu" -v wr="$wrk_rate" -v wc="$wrk_cpu_req" 'BEGIN {
    printf "  vs wrk: rate %.2fx (target >= 0.95 at 50,000), CPU per request %.2fx (target <= 1.3 at 50,000)\n", n / e / wr, cpu / n / wc }'
  [[ "$n" == "$SDK_COUNT" ]] && { pk_rate=$(awk -v n="$n" -v e="$e" 'BEGIN {print n / e}'); pk_kib=$kib; }
done

if [[ -n "$DUB_SDK_DIR" && -d "$DUB_SDK_DIR/node_modules/dub" ]] && command -v node > /dev/null; then
  NODE_PATH="$DUB_SDK_DIR/node_modules" NODE_EXTRA_CA_CERTS="$tmp/ca.pem" /usr/bin/time -f "%e %U %S %M" -o "$tmp/time.txt" \
    $pin_client node "$here/bench_dub_sdk.cjs" "https://localhost:$PORT" "$SDK_COUNT" "$CONCURRENCY" > "$tmp/sdk.txt" 2>&1 || {
    echo "the Dub SDK run failed:"; cat "$tmp/sdk.txt"; exit 1; }
  read -r e u s kib < "$tmp/time.txt"
  row "dub TypeScript SDK (node)" "$SDK_COUNT" "$e" "$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')" "$kib"
  sed 's/^/  /' "$tmp/sdk.txt"
  if [[ -n "${pk_rate:-}" ]]; then
    awk -v pr="$pk_rate" -v pk="$pk_kib" -v n="$SDK_COUNT" -v e="$e" -v kib="$kib" 'BEGIN {
      printf "  partnerkit vs the SDK at %d items: rate %.1fx (target >= 30), memory %.1fx less (target >= 10)\n", n, pr / (n / e), kib / pk }'
  fi
else
  echo "(Dub SDK comparison skipped: set DUB_SDK_DIR to a directory where 'npm install dub' ran)"
fi
