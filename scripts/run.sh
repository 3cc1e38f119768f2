#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs wa-sidecar with the default
# configuration (config.example.yaml), overridable by environment variables.
#   INTERNAL_SECRET=$(openssl rand -hex 24) scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ=0 bash scripts/install-deps.sh  # the service needs no clang
bash scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWA_BUILD_TESTS=OFF
if [ -z "${INTERNAL_SECRET:-}" ]; then
  echo "run: set INTERNAL_SECRET (at least 16 characters); the service refuses to start without it" >&2
  exit 2
fi
exec ./build/wa-sidecar --config config.example.yaml
