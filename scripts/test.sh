#!/usr/bin/env bash
# Configures, builds (Release) and runs every test: unit + parity (PyTorch/numpy oracle).
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "${JOBS:-2}"
cd "$BUILD"
ctest --output-on-failure -j "${JOBS:-2}" "$@"
