#!/usr/bin/env bash
# make bench: every benchmark, figures on stdout. The machine has 2 cores: run it when idle.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
if [ -x "$build/bench/adapters/partnerkit_adapters_bench" ]; then
  echo "== adapters (Google Benchmark, one core)"
  taskset -c 1 "$build/bench/adapters/partnerkit_adapters_bench" --benchmark_min_time=1
fi
if [ -x scripts/bench-transport.sh ]; then
  echo "== transport: 5,000 Dub creates, 64 in flight, against a local TLS server; wrk at the same concurrency"
  scripts/bench-transport.sh "$build"
fi
echo "== batch: the CLI against the sandbox"
python3 scripts/bench_batch.py --cli "$build/tools/partnerkit"
echo "== pacing: the CLI against nginx limit_req (200/s, 50/s burst 10, 1200/min, a stated limit), twice each"
scripts/bench-ratelimit.sh "$build"
echo "== cost per request: the CLI at 5,000 and 50,000 items beside wrk (and Dub's SDK when DUB_SDK_DIR is set)"
scripts/bench-throughput.sh "$build"
