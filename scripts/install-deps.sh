#!/usr/bin/env bash
# Installs what wa-sidecar needs to build and test, from Debian 12 packages only.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ca-certificates
  libssl-dev zlib1g-dev libsqlite3-dev
  libprotobuf-dev protobuf-compiler
  libasio-dev libwebsocketpp-dev libcpp-httplib-dev libboost1.81-dev
  libsignal-protocol-c-dev libyaml-cpp-dev nlohmann-json3-dev
  libqrencode-dev libpng-dev
  catch2
)
# scripts/fuzz.sh (run by scripts/test.sh unless FUZZ=0): clang, and libFuzzer with the
# sanitizer runtimes, which clang-14 only recommends (this script installs no recommends).
if [ "${FUZZ:-1}" != 0 ]; then PACKAGES+=(clang libclang-rt-14-dev); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
