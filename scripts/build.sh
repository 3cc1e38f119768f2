#!/usr/bin/env bash
# Configures and builds into BUILD_DIR (default build/). Extra arguments go to cmake;
# BUILD_TARGETS (space-separated) builds only those targets.
#   scripts/build.sh                      # RelWithDebInfo
#   BUILD_DIR=build-asan scripts/build.sh -DWA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" "${generator[@]}" "$@"
else
  cmake -S . -B "$BUILD_DIR" "$@" >/dev/null
fi
targets=()
[ -n "${BUILD_TARGETS:-}" ] && targets=(--target ${BUILD_TARGETS})
cmake --build "$BUILD_DIR" -j "$(nproc)" "${targets[@]}"
