#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) in their own build directory,
# replays every seed corpus (fuzz/corpus/<target>/), then fuzzes each target for a stated time.
#
#   scripts/fuzz.sh [BUILD_DIR] [SECONDS] [TARGET...]
#   env: JOBS (targets fuzzed at once, default 2), FUZZ_TIMEOUT (seconds per input, default 10),
#        FUZZ_MAX_LEN (bytes per input, default 8192), FUZZ_RSS_MB (default 2048)
#
# Inputs the fuzzer finds are kept in BUILD_DIR/fuzz-corpus/<target>/ (so longer runs build on
# earlier ones; the repository's seeds are never written to). A crash, a timeout or an out-of-memory
# stops the script with exit status 1 and names the input in BUILD_DIR/fuzz-artifacts/<target>/;
# reproduce it with `BUILD_DIR/fuzz/partnerkit_fuzz_<target> <that file>`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
jobs=${JOBS:-2}
timeout=${FUZZ_TIMEOUT:-10}
max_len=${FUZZ_MAX_LEN:-8192}
rss=${FUZZ_RSS_MB:-2048}

generator=$(command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found (make setup installs clang and libclang-rt-14-dev)" >&2
  exit 2
fi
start=$(date +%s)
# Only what the fuzzers need: no tests, tools, benchmarks or examples. -O1 -g with assertions on
# (no NDEBUG): Boost's and our own asserts are invariants the fuzzer should trip too. No launcher
# flag: CMakeLists.txt picks ccache itself.
cmake -S . -B "$build" -G "$generator" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DPARTNERKIT_BUILD_FUZZ=ON -DPARTNERKIT_SANITIZE=address,undefined -DPARTNERKIT_BUILD_TESTS=OFF \
  -DPARTNERKIT_BUILD_BENCH=OFF -DPARTNERKIT_BUILD_TOOLS=OFF -DPARTNERKIT_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target fuzz
built=$(date +%s)
echo "fuzz: built in $((built - start)) s"

# Replay the committed corpora (a regression fails here, before any fuzzing).
ctest --test-dir "$build/fuzz" -j"$jobs" --output-on-failure
replayed=$(date +%s)
echo "fuzz: corpora replayed in $((replayed - built)) s"

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(find fuzz/corpus -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
fi
[ "$seconds" -gt 0 ] || exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
run_one() {
  local t=$1 bin="$build/fuzz/partnerkit_fuzz_$1"
  mkdir -p "$build/fuzz-corpus/$t" "$build/fuzz-artifacts/$t" "$build/fuzz-logs"
  if "$bin" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" -max_len="$max_len" \
       -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t/" \
       "$build/fuzz-corpus/$t" "fuzz/corpus/$t" >"$build/fuzz-logs/$t.log" 2>&1; then
    echo "fuzz: $t ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-logs/$t.log" |
      grep -o '[0-9]*$') runs in ${seconds} s)"
  else
    echo "fuzz: $t FAILED — log $build/fuzz-logs/$t.log, input in $build/fuzz-artifacts/$t/" >&2
    tail -n 40 "$build/fuzz-logs/$t.log" >&2
    return 1
  fi
}
export -f run_one
export build seconds timeout max_len rss
status=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} || status=1
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, $jobs at a time; total $(($(date +%s) - start)) s"
exit $status
