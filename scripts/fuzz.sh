#!/usr/bin/env bash
# Builds vigil's libFuzzer harnesses (tests/fuzz/) with clang in build/fuzz and runs each one for a
# while over a copy of its seed corpus.
#
#   scripts/fuzz.sh                    # every fuzzer, 60 s each
#   scripts/fuzz.sh config 300         # only config_fuzz, 5 minutes
#   scripts/fuzz.sh all 600 -- -jobs=4 # arguments after -- go to libFuzzer
#
# Needs clang and its libFuzzer runtime (Debian 12: clang-14, libclang-rt-14-dev), which
# install-deps.sh does not install: `apt-get install clang libclang-rt-14-dev`.
# New corpus entries go to build/fuzz/corpus/NAME (the seeds in tests/fuzz/corpus stay as they
# are); crashes are written to build/fuzz/artifacts/ and the script exits 1. To replay one:
#   build/fuzz/tests/fuzz/NAME_fuzz build/fuzz/artifacts/crash-...
set -euo pipefail

FUZZERS=(event_record config plugin_config plugin_fields rules condition syscall_state k8s_object)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

name="${1:-all}"
seconds="${2:-60}"
shift $(($# < 2 ? $# : 2))
[[ "${1:-}" == "--" ]] && shift
if [[ "${name}" == "all" ]]; then
  selected=("${FUZZERS[@]}")
elif [[ " ${FUZZERS[*]} " == *" ${name} "* ]]; then
  selected=("${name}")
else
  echo "unknown fuzzer '${name}'; known: all ${FUZZERS[*]}" >&2
  exit 2
fi

if ! command -v clang++ >/dev/null; then
  echo "clang++ not found: apt-get install clang libclang-rt-14-dev" >&2
  exit 2
fi

build=build/fuzz
CC=clang CXX=clang++ cmake -S . -B "${build}" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DVIGIL_SANITIZE=ON -DVIGIL_BUILD_FUZZERS=ON -DVIGIL_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "${build}" --target "${selected[@]/%/_fuzz}"

mkdir -p "${build}/artifacts"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=${root}/tests/fuzz/ubsan.supp"
status=0
for n in "${selected[@]}"; do
  corpus="${build}/corpus/${n}"
  mkdir -p "${corpus}"
  cp -n tests/fuzz/corpus/"${n}"/* "${corpus}/" 2>/dev/null || true
  echo "== ${n}: ${seconds} s =="
  "${build}/tests/fuzz/${n}_fuzz" -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="${build}/artifacts/${n}-" -print_final_stats=1 "$@" "${corpus}" || status=1
done
exit "${status}"
