#!/usr/bin/env bash
# Installs the dependencies, builds vigil (debug, ASan + UBSan, warnings as errors) and runs every
# test. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci -j "$(nproc)"
