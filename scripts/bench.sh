#!/usr/bin/env bash
# Builds the release preset (build/release) and runs vigil's benchmarks.
#
#   scripts/bench.sh                      # every benchmark
#   scripts/bench.sh bus                  # only vigil_bus_bench
#   scripts/bench.sh bus -- --rounds 9    # arguments after -- go to each benchmark
#
# A benchmark NAME is the CMake target vigil_NAME_bench defined in tests/bench/CMakeLists.txt;
# to add one, define the target and append NAME to BENCHMARKS below. Results go in
# docs/benchmarks.md.
set -euo pipefail

BENCHMARKS=(bus rules)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

selected=()
bench_args=()
while (($#)); do
  if [[ "$1" == "--" ]]; then
    shift
    bench_args=("$@")
    break
  fi
  selected+=("$1")
  shift
done
((${#selected[@]})) || selected=("${BENCHMARKS[@]}")

targets=()
for name in "${selected[@]}"; do
  if [[ ! " ${BENCHMARKS[*]} " == *" ${name} "* ]]; then
    echo "unknown benchmark '${name}'; known: ${BENCHMARKS[*]}" >&2
    exit 2
  fi
  targets+=("vigil_${name}_bench")
done

cmake --preset release >/dev/null
cmake --build --preset release --target "${targets[@]}"

os="$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
echo "machine: $(nproc) cores, ${os}, kernel $(uname -r)"
status=0
for name in "${selected[@]}"; do
  echo
  echo "== ${name} =="
  "build/release/tests/bench/vigil_${name}_bench" "${bench_args[@]}" || status=1
done
exit "${status}"
