#!/usr/bin/env bash
# Installs everything vigil needs to build, test and run on Debian 12, with apt-get only.
# The one install step: the README, .ci/run and packaging all call this script.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # libraries
  libboost-dev libyaml-cpp-dev rapidjson-dev libssl-dev libfmt-dev libcli11-dev libre2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3
  # the eBPF probe: BPF C is compiled with clang; bpftool makes the libbpf skeleton
  clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool
  # benchmark peers (scripts/bench.sh syscalls)
  libbpf-tools bpftrace
  # root end-to-end tests (capsh drops capabilities)
  libcap2-bin
  # real container runtimes for the container tests (tests/runtimes)
  docker.io containerd runc
  # CNI plugins: the CRI test pods get a network (tests/runtimes/containerd.sh)
  containernetworking-plugins
  # containerd's and the CRI's gRPC APIs (the container enricher's clients)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  golang-github-containerd-containerd-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
