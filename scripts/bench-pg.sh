#!/usr/bin/env bash
# The PostgreSQL scale-out benchmark (scripts/bench_pg.py): items/s with 1, 2 and 4 workers, fsync on
# and off, database round trips per item, and the single-process CLI beside it.
#   scripts/bench-pg.sh [BUILD_DIR] [bench_pg.py options, e.g. --items 10000]
set -euo pipefail
BUILD_DIR=${1:-build}
shift || true
exec python3 "$(dirname "$0")/bench_pg.py" --cli "$BUILD_DIR/tools/partnerkit" "$@"
