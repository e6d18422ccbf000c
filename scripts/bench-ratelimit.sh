#!/usr/bin/env bash
# Pacing against a strict limiter: Debian's nginx `limit_req` in front of a Dub-shaped endpoint.
#
#   scripts/bench-ratelimit.sh [BUILD_DIR]            (default: build; needs nginx-light and openssl)
#
# Starts nginx as a non-daemon on 127.0.0.1 (TLS with a certificate from a throwaway CA made here;
# nothing leaves loopback), limiting each API key (the Authorization header) with limit_req; a request
# over the limit gets 429 with Retry-After: 1. Under the limit it proxies to a second server block (plain HTTP
# on loopback) that answers a Dub-shaped 201 echoing
# the email and tenantId the front one read from the body (the Dub adapter checks the email); nginx's
# echo module is not used: its body reading runs limit_req twice per request. Then, each twice in a row:
#
#   a. 200/s, burst 0      2,000 creates, --rate 200           ideal 10 s
#   b. 50/s, burst 10      1,000 creates, --rate 50/s,burst=10  ideal (1000-10)/50 = 19.8 s
#   c. 1,200/min           400 creates,  --rate 1200/min       ideal 20 s
#   d. 1,200/min, stated   400 creates, no --rate: nginx states X-RateLimit-Limit: 1200 on its 429s
#      (as Dub does, per minute); the CLI starts at Dub's declared 60/min, probes, learns, runs at it.
#      Informational: the probing start is slower than the ideal by design.
#
# Each line: wall time of the CLI process / ideal, and the share of requests nginx answered 429
# (from its access log). Targets for a-c: <= 1.05x ideal and < 1 % 429s, both runs.
# Env: PORT (default 18480), CONCURRENCY (64), RUNS (2), ONLY (e.g. "a c"), RT (1), KEEP (a directory:
# keep each run's nginx log — "status msec request_time connection_requests" a line; the arrival nginx
# stamped is msec - request_time — and the CLI's summary there).
# RT=1 (the default, when chrt works) runs nginx and the CLI under SCHED_FIFO: on a machine busy with
# other work a descheduled nginx stamps queued requests with one millisecond and refuses them whatever
# the client does (a sequential Python client spaced 20 % above the limit saw 1-2 % 429s even so, and
# 30-50 % without it). RT=0 measures the machine as it is.
set -euo pipefail

BUILD_DIR=${1:-build}
CLI="$BUILD_DIR/tools/partnerkit"
PORT=${PORT:-18480}
CONCURRENCY=${CONCURRENCY:-64}
RUNS=${RUNS:-2}
ONLY=${ONLY:-"a b c d"}
NGINX=${NGINX:-/usr/sbin/nginx}
BACK_PORT=$((PORT + 1))
RT=${RT:-1}
KEEP=${KEEP:-}
rt_server="" rt_client=""
if [[ "$RT" == 1 ]] && chrt -f 50 true 2> /dev/null; then rt_server="chrt -f 50"; rt_client="chrt -f 40"; fi

[[ -x "$CLI" ]] || { echo "no $CLI: build it first (cmake --build $BUILD_DIR --target partnerkit)" >&2; exit 2; }
[[ -x "$NGINX" ]] || { echo "needs nginx-light (apt-get install nginx-light)" >&2; exit 2; }

tmp=$(mktemp -d)
nginx_pid=
stop_nginx() {
  if [[ -n "$nginx_pid" ]]; then kill "$nginx_pid" 2> /dev/null || true; wait "$nginx_pid" 2> /dev/null || true; fi
  nginx_pid=
}
cleanup() { stop_nginx; rm -rf "$tmp"; }
trap cleanup EXIT

# A throwaway CA and a server certificate for 127.0.0.1 / localhost.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=bench CA" \
  -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2> /dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$tmp/server.key" -out "$tmp/server.csr" 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' > "$tmp/ext.cnf"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 1 \
  -extfile "$tmp/ext.cnf" -out "$tmp/server.pem" 2> /dev/null

# start_nginx RATE BURST STATED: RATE as nginx writes it (200r/s, 1200r/m), BURST 0 for none.
start_nginx() {
  local rate=$1 burst=$2 stated=$3 burst_arg="" stated_header=""
  [[ "$burst" != 0 ]] && burst_arg="burst=$burst nodelay"
  [[ -n "$stated" ]] && stated_header="add_header X-RateLimit-Limit $stated always; add_header X-RateLimit-Remaining 0 always;"
  mkdir -p "$tmp/nginx"
  : > "$tmp/access.log"
  cat > "$tmp/nginx.conf" << CONF
daemon off;
master_process off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  log_format st '\$status \$msec \$request_time \$connection_requests';
  access_log $tmp/access.log st;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  limit_req_zone \$http_authorization zone=perkey:1m rate=$rate;
  limit_req_status 429;
  map \$request_body \$pk_email { "~\"email\":\"(?<e>[^\"]*)\"" \$e; default ""; }
  map \$request_body \$pk_tenant { "~\"tenantId\":\"(?<t>[^\"]*)\"" \$t; default ""; }
  upstream back {
    server 127.0.0.1:$BACK_PORT;
    keepalive 64;
  }
  # The Dub-shaped answer, echoing what the front server read from the body (loopback, plain HTTP).
  server {
    listen 127.0.0.1:$BACK_PORT;
    access_log off;
    keepalive_requests 1000000;
    location / {
      default_type application/json;
      return 201 '{"id":"pn_\$request_id","name":"Bench Partner","email":"\$http_x_email","tenantId":"\$http_x_tenant","status":"approved","createdAt":"\$time_iso8601","links":[]}';
    }
  }
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $tmp/server.pem;
    ssl_certificate_key $tmp/server.key;
    location = /partners {
      limit_req zone=perkey $burst_arg;
      error_page 429 = @limited;
      client_body_buffer_size 16k;
      client_body_in_single_buffer on;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Email \$pk_email;
      proxy_set_header X-Tenant \$pk_tenant;
      proxy_pass http://back;
    }
    location @limited {
      add_header Retry-After 1 always;
      $stated_header
      default_type application/json;
      return 429 '{"error":{"code":"rate_limit_exceeded","message":"Too many requests."}}';
    }
  }
}
CONF
  $rt_server "$NGINX" -c "$tmp/nginx.conf" -p "$tmp/nginx" -e "$tmp/nginx/error.log" &
  nginx_pid=$!
  for _ in $(seq 50); do
    curl -s -o /dev/null --cacert "$tmp/ca.pem" "https://127.0.0.1:$PORT/" && return 0
    sleep 0.1
  done
  echo "nginx did not start:" >&2
  cat "$tmp/nginx/error.log" >&2
  exit 1
}

items() {  # items N FILE
  local n=$1 file=$2 i
  : > "$file"
  for ((i = 0; i < n; i++)); do
    printf '{"email":"p%d@bench.example","name":"Bench Partner %d","external_id":"crm-%d"}\n' "$i" "$i" "$i" >> "$file"
  done
}

# run LABEL N IDEAL_SECONDS RATE_ARG...: one CLI run against the running nginx, a fresh key each time
run() {
  local label=$1 n=$2 ideal=$3
  shift 3
  items "$n" "$tmp/items.jsonl"
  : > "$tmp/access.log"
  local key="dub_bench_$RANDOM$RANDOM"
  local t0 t1
  t0=$(date +%s.%N)
  DUB_API_KEY=$key $rt_client "$CLI" provision --vendor dub --input "$tmp/items.jsonl" --base-url "https://127.0.0.1:$PORT" \
    --ca-file "$tmp/ca.pem" --concurrency "$CONCURRENCY" --progress never "$@" > "$tmp/out.jsonl" 2> "$tmp/summary.txt" || true
  t1=$(date +%s.%N)
  local total limited ok
  total=$(wc -l < "$tmp/access.log")
  limited=$(grep -c '^429 ' "$tmp/access.log" || true)
  ok=$(grep -c '"error":null' "$tmp/out.jsonl" || true)
  awk -v l="$label" -v t0="$t0" -v t1="$t1" -v ideal="$ideal" -v total="$total" -v lim="$limited" -v ok="$ok" -v n="$n" 'BEGIN {
    wall = t1 - t0; ratio = wall / ideal; share = total ? 100 * lim / total : 0
    printf "%-34s %5d/%d ok  %7.2f s  ideal %6.2f s  %.3fx  %4d requests 429 of %5d (%.2f %%)\n", l, ok, n, wall, ideal, ratio, lim, total, share }'
  grep -E '^  (pacing|error|requests)' "$tmp/summary.txt" | sed 's/^/    /'
  if [[ -n "$KEEP" ]]; then  # nginx's log (status, arrival in ms) and the CLI's summary, per run
    local base="$KEEP/${label//[^A-Za-z0-9]/_}"
    cp "$tmp/access.log" "$base.access.log"
    cp "$tmp/summary.txt" "$base.summary.txt"
  fi
}

for scenario in $ONLY; do
  case $scenario in
    a)
      start_nginx 200r/s 0 ""
      for r in $(seq "$RUNS"); do run "a. 200/s burst 0, run $r" 2000 10 --rate 200; done
      stop_nginx ;;
    b)
      start_nginx 50r/s 10 ""
      for r in $(seq "$RUNS"); do run "b. 50/s burst 10, run $r" 1000 19.8 --rate 50/s,burst=10; done
      stop_nginx ;;
    c)
      start_nginx 1200r/m 0 ""
      for r in $(seq "$RUNS"); do run "c. 1200/min, run $r" 400 20 --rate 1200/min; done
      stop_nginx ;;
    d)
      start_nginx 1200r/m 0 1200
      for r in $(seq "$RUNS"); do run "d. 1200/min stated, no --rate, run $r" 400 20; done
      stop_nginx ;;
  esac
done
