#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests and end-to-end tests of the
# real binary against the simulator, first in a normal build, then under ASan + UBSan, then a
# bounded libFuzzer run of every fuzz target (FUZZ_SECONDS each, see scripts/fuzz.sh). Between
# them, the layers whose threads share state and the end-to-end suite run under ThreadSanitizer.
#   scripts/test.sh            # both builds, TSan, then fuzzing
#   SANITIZE=0 scripts/test.sh # only the normal build
#   TSAN=0 scripts/test.sh     # without the ThreadSanitizer stage
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

if [ "${TSAN:-1}" = 1 ]; then
  # Every layer whose threads share state, and the whole end-to-end suite against a TSan build
  # of the service (network threads, sync pool, background worker, HTTP, webhooks).
  BUILD_DIR=build-tsan BUILD_TARGETS="test_http test_webhooks test_store test_util test_manager e2e_tests" \
    bash scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWA_TSAN=ON -DWA_BUILD_TESTS=ON
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  (cd build-tsan && ctest --timeout 900 -R '^(unit_(http|webhooks|store|util|manager)|e2e)$')
  unset TSAN_OPTIONS
fi

if [ "${FUZZ:-1}" = 1 ]; then
  bash scripts/fuzz.sh
fi
