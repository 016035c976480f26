#!/usr/bin/env bash
# The quiet baseline (docs/compatibility.md): builds the release preset, then runs vigil with the
# default config, Falco's upstream syscall rules and rules/ for a minute of ordinary work on this
# host (tests/baseline/run.py), and lists what fired. Needs root. Extra arguments go to run.py,
# e.g. sudo scripts/baseline.sh --seconds 120 --keep
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target vigil vigil_plugin_ebpf vigil_plugin_container vigil_plugin_k8s vigil_plugin_file \
  vigil_plugin_stdout
exec python3 tests/baseline/run.py --build-dir build/release "$@"
