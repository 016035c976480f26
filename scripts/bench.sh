#!/usr/bin/env bash
# Builds the release preset (build/release) and runs vigil's benchmarks.
#
#   scripts/bench.sh                      # every benchmark
#   scripts/bench.sh bus                  # only vigil_bus_bench
#   scripts/bench.sh bus -- --rounds 9    # arguments after -- go to each benchmark
#   sudo scripts/bench.sh syscalls        # tracers' cost on syscalls (root; tests/bench/syscalls)
#
# A benchmark NAME is the CMake target vigil_NAME_bench defined in tests/bench/CMakeLists.txt;
# to add one, define the target and append NAME to BENCHMARKS below. Results go in
# docs/benchmarks.md. `syscalls` is the exception: vigil_syscalls_bench builds its workloads and
# bare tracer, vigil and its plugins are built beside it, and tests/bench/syscalls/run.py runs it.
set -euo pipefail

BENCHMARKS=(bus rules syscalls)

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

explicit=$((${#selected[@]}))
((explicit)) || selected=("${BENCHMARKS[@]}")

targets=()
runnable=()
for name in "${selected[@]}"; do
  if [[ ! " ${BENCHMARKS[*]} " == *" ${name} "* ]]; then
    echo "unknown benchmark '${name}'; known: ${BENCHMARKS[*]}" >&2
    exit 2
  fi
  if [[ "${name}" == syscalls && $(id -u) -ne 0 ]]; then
    # It loads BPF programs and attaches tracers to the whole system.
    msg="the syscalls benchmark needs root (it loads BPF programs): sudo scripts/bench.sh syscalls"
    if ((explicit)); then
      echo "${msg}" >&2
      exit 2
    fi
    echo "skipping syscalls: ${msg}" >&2
    continue
  fi
  targets+=("vigil_${name}_bench")
  runnable+=("${name}")
done
selected=("${runnable[@]}")

cmake --preset release >/dev/null
cmake --build --preset release --target "${targets[@]}"
if [[ " ${selected[*]} " == *" syscalls "* ]]; then
  # vigil and its plugins for the vigil row; if they do not build, run.py skips that row and says
  # why, and the other tracers still run.
  vigil_targets=(vigil vigil_plugin_file vigil_plugin_container vigil_plugin_k8s)
  if ninja -C build/release -t query vigil_plugin_ebpf >/dev/null 2>&1; then
    vigil_targets+=(vigil_plugin_ebpf)
  fi
  cmake --build --preset release --target "${vigil_targets[@]}" ||
    echo "warning: ${vigil_targets[*]} did not build; the syscalls benchmark skips vigil" >&2
fi

os="$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
echo "machine: $(nproc) cores, ${os}, kernel $(uname -r)"
status=0
for name in "${selected[@]}"; do
  echo
  echo "== ${name} =="
  if [[ "${name}" == syscalls ]]; then
    python3 tests/bench/syscalls/run.py --build-dir build/release "${bench_args[@]}" || status=1
    continue
  fi
  "build/release/tests/bench/vigil_${name}_bench" "${bench_args[@]}" || status=1
done
exit "${status}"
