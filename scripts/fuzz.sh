#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.cpp) with clang under ASan + UBSan and runs
# each for a bounded time over a copy of its seed corpus (tests/fuzz/corpus/<target>/ plus the
# saved crashes in tests/fuzz/regressions/<target>/). Fails if any target finds a crash, a leak,
# undefined behaviour, a timeout or an out-of-memory input, and prints how to reproduce it.
#
#   scripts/fuzz.sh                                    # every target, 20 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh fuzz_cert_chain   # one target, longer
#   FUZZ_SECONDS=0 scripts/fuzz.sh                     # only replay the seeds and regressions
#
# Settings (environment):
#   FUZZ_SECONDS    time per target (default 20)
#   FUZZ_SEED       libFuzzer -seed (default 1: a CI failure can be replayed exactly; printed)
#   FUZZ_JOBS       targets fuzzed at the same time (default: number of cores)
#   FUZZ_TIMEOUT    seconds one input may take before it counts as a hang (default 10)
#   FUZZ_RSS_MB     memory limit per target process (default 2048)
#   FUZZ_BUILD_DIR  build directory (default build-fuzz)
# Crash inputs are kept in $FUZZ_BUILD_DIR/fuzz-artifacts/<target>/; the runs never write into
# the repository. A found crash belongs in tests/fuzz/regressions/<target>/ once fixed: the
# normal test build replays that directory under ctest (fuzz_replay_<name>), without clang.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
SEED=${FUZZ_SEED:-1}
JOBS=${FUZZ_JOBS:-$(nproc)}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (scripts/install-deps.sh installs it)" >&2; exit 1; }

# Only the fuzz targets and the slim library they link (tests/fuzz/CMakeLists.txt): -O1 keeps
# the instrumented code fast without hiding bugs, and assertions stay on.
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS=-O1 -DCMAKE_CXX_FLAGS=-O1 -DWA_FUZZ=ON -DWA_BUILD_TESTS=OFF >/dev/null
fi
build_start=$(date +%s)
cmake --build "$BUILD_DIR" --target fuzz_all -j "$(nproc)"
echo "fuzz: build took $(( $(date +%s) - build_start )) s" >&2

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for src in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts_root="$PWD/$BUILD_DIR/fuzz-artifacts"

# halt_on_error: a UBSan report must end the run, or libFuzzer would not count it as a crash.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

run_one() {
  local t=$1 bin="$BUILD_DIR/tests/fuzz/$1"
  local corpus="$work/$t/corpus" artifacts="$artifacts_root/$t" log="$work/$t/log"
  mkdir -p "$corpus" "$artifacts"
  for dir in tests/fuzz/corpus/"$t" tests/fuzz/regressions/"$t"; do
    if [ -d "$dir" ]; then cp -r "$dir"/. "$corpus"/; fi
  done
  local args=(-seed="$SEED" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" -artifact_prefix="$artifacts/"
              -print_final_stats=1)
  if [ "$SECONDS_PER_TARGET" = 0 ]; then
    args+=(-runs=0)
  else
    args+=(-max_total_time="$SECONDS_PER_TARGET")
  fi
  if "$bin" "${args[@]}" "$corpus" >"$log" 2>&1; then
    echo "fuzz: $t ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs," \
         "$(ls "$corpus" | wc -l) corpus inputs)" >&2
    echo 0 >"$work/$t/rc"
  else
    echo 1 >"$work/$t/rc"
    {
      echo "fuzz: $t FAILED (seed $SEED); last lines of its log:"
      tail -n 60 "$log"
      for f in $(grep -o "Test unit written to [^ ]*" "$log" | sed 's/Test unit written to //'); do
        echo "fuzz: reproducer: $f"
        echo "fuzz:   replay with: $bin $f"
        echo "fuzz:   once fixed, keep it: cp $f tests/fuzz/regressions/$t/"
      done
    } >&2
  fi
}

echo "fuzz: ${#targets[@]} targets, ${SECONDS_PER_TARGET} s each, seed $SEED, $JOBS at a time" >&2
for t in "${targets[@]}"; do
  [ -x "$BUILD_DIR/tests/fuzz/$t" ] || { echo "fuzz: no target $t" >&2; exit 1; }
  mkdir -p "$work/$t"
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  run_one "$t" &
done
wait

failed=()
for t in "${targets[@]}"; do
  [ "$(cat "$work/$t/rc" 2>/dev/null || echo 1)" = 0 ] || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ok" >&2
