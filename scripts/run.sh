#!/usr/bin/env bash
# Installs the dependencies, builds vigil (release) and runs it with the default config
# (packaging/vigil.yaml), the default rules (rules/) and the plugins just built.
# Extra arguments go to `vigil run`, e.g. scripts/run.sh --json -o log.level=debug
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
args=(-c packaging/vigil.yaml -r rules -o "plugin_paths=[$PWD/build/release/lib/vigil/plugins]")
if [[ $(id -u) -ne 0 ]]; then
  # Plugins must be root-owned unless this development switch is on.
  args+=(-o allow_insecure_plugins=true)
fi
exec build/release/vigil run "${args[@]}" "$@"
