#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests and end-to-end tests of the
# real binary against the simulator, first in a normal build, then under ASan + UBSan, then a
# bounded libFuzzer run of every fuzz target (FUZZ_SECONDS each, see scripts/fuzz.sh).
#   scripts/test.sh            # both builds, then fuzzing
#   SANITIZE=0 scripts/test.sh # only the normal build
#   FUZZ=0 scripts/test.sh     # without the bounded fuzzing run (scripts/fuzz.sh, needs clang)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export CTEST_OUTPUT_ON_FAILURE=1

BUILD_DIR=build bash scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWA_BUILD_TESTS=ON
(cd build && ctest --timeout 900)

if [ "${SANITIZE:-1}" = 1 ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  BUILD_DIR=build-asan bash scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DWA_SANITIZE=ON -DWA_BUILD_TESTS=ON
  (cd build-asan && ctest --timeout 900)
fi

if [ "${FUZZ:-1}" = 1 ]; then
  bash scripts/fuzz.sh
fi
