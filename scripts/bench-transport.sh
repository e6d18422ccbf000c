#!/usr/bin/env bash
# Transport benchmark: partnerkit's BeastTransport next to wrk, same server, same concurrency.
#
#   scripts/bench-transport.sh [BUILD_DIR]        (default: build)
#
# Starts `bench_transport --serve-only` (a Beast TLS server answering a canned ~1 KB 201, keep-alive,
# one thread, 127.0.0.1 only), then runs against it:
#   1. wrk -t1 -c64 -d10s with a Dub-shaped POST (wrk does not verify certificates: a yardstick)
#   2. bench_transport --url … : 5,000 Dub-shaped POSTs, 64 in flight, one client thread, TLS
#      verification on (it trusts the CA the server wrote)
# and prints both rates and their ratio. Env: PORT (default 18443), REQUESTS (5000),
# CONCURRENCY (64), WRK_DURATION (10s).
set -euo pipefail

BUILD_DIR=${1:-build}
BIN="$BUILD_DIR/bench/transport/bench_transport"
PORT=${PORT:-18443}
REQUESTS=${REQUESTS:-5000}
CONCURRENCY=${CONCURRENCY:-64}
WRK_DURATION=${WRK_DURATION:-10s}

if [[ ! -x "$BIN" ]]; then
  echo "no $BIN: build it first (cmake --build $BUILD_DIR --target bench_transport)" >&2
  exit 2
fi
if ! command -v wrk > /dev/null; then
  echo "wrk is not installed: apt-get install wrk" >&2
  exit 2
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2> /dev/null || true; wait "$server_pid" 2> /dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$BIN" --serve-only "$PORT" --ca-file "$tmp/ca.pem" > "$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  [[ -s "$tmp/ca.pem" ]] && break
  sleep 0.1
done
[[ -s "$tmp/ca.pem" ]] || { echo "server did not start:"; cat "$tmp/server.log"; exit 1; }

cat > "$tmp/post.lua" << 'LUA'
wrk.method = "POST"
wrk.path = "/partners"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer dub_bench_0000000000000000000000"
wrk.body = '{"programId":"prog_bench","name":"Partner 1","email":"partner1@example.com","username":"partner-1","tenantId":"crm-1","country":"US"}'
LUA

echo "== wrk -t1 -c$CONCURRENCY -d$WRK_DURATION (POST /partners, canned 201) =="
wrk -t1 -c"$CONCURRENCY" -d"$WRK_DURATION" -s "$tmp/post.lua" "https://127.0.0.1:$PORT/partners" | tee "$tmp/wrk.txt"
wrk_rate=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")

rate() { awk '/requests\/s/ {for (i = 1; i <= NF; i++) if ($i == "requests/s") print $(i-1)}' "$1"; }

echo
echo "== partnerkit bench_transport --requests $REQUESTS --concurrency $CONCURRENCY (default options) =="
"$BIN" --url "https://localhost:$PORT/partners" --ca-file "$tmp/ca.pem" \
  --requests "$REQUESTS" --concurrency "$CONCURRENCY" | tee "$tmp/pk.txt"
pk_rate=$(rate "$tmp/pk.txt")

echo
echo "== the same with --resume-wait 0 (no ramp-up resumption: 64 full handshakes) =="
"$BIN" --url "https://localhost:$PORT/partners" --ca-file "$tmp/ca.pem" \
  --requests "$REQUESTS" --concurrency "$CONCURRENCY" --resume-wait 0 | tee "$tmp/pk2.txt"
pk2_rate=$(rate "$tmp/pk2.txt")

echo
echo "== steady state: 10x the requests (handshakes amortized, as in wrk's 10 s run) =="
"$BIN" --url "https://localhost:$PORT/partners" --ca-file "$tmp/ca.pem" \
  --requests "$((REQUESTS * 10))" --concurrency "$CONCURRENCY" | tee "$tmp/pk3.txt"
pk3_rate=$(rate "$tmp/pk3.txt")

echo
awk -v pk="$pk_rate" -v pk2="$pk2_rate" -v pk3="$pk3_rate" -v wrk="$wrk_rate" 'BEGIN {
  printf "wrk                                  %6.0f req/s\n", wrk
  printf "partnerkit, %d requests, defaults     %6.0f req/s  ratio %.2f   (target >= 0.90)\n", '"$REQUESTS"', pk, pk / wrk
  printf "partnerkit, %d requests, no resume wait %6.0f req/s  ratio %.2f\n", '"$REQUESTS"', pk2, pk2 / wrk
  printf "partnerkit, %d requests, defaults    %6.0f req/s  ratio %.2f\n", '"$((REQUESTS * 10))"', pk3, pk3 / wrk }'
