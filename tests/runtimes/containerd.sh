#!/usr/bin/env bash
# shellcheck disable=SC2046  # the list of cgroup folders splits on purpose
# A private containerd for tests, everything under DIR (see README.md).
#   containerd.sh start DIR   start containerd, import the test image into namespace k8s.io as
#                             docker.io/library/vigil-test:1 and localhost/vigil/test:1.0
#   containerd.sh smoke DIR   run a container from it with ctr and check what it prints
#   containerd.sh stop DIR    remove the containers, stop the daemon, clean up, delete DIR (idempotent)
#   containerd.sh env DIR     print CONTAINERD_ADDRESS=... CONTAINERD_NAMESPACE=... for `eval`
# Exits 77 (skipped) when not root or containerd is missing.
set -euo pipefail
self=containerd.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"
source "$here/rootfs.sh"

CONTAINERD=${VIGIL_CONTAINERD:-containerd}
CTR=${VIGIL_CTR:-ctr}
NAMESPACE=k8s.io   # the CRI's, where the kubelet's containers live
IMAGE=docker.io/library/vigil-test:1
IMAGE_ALIAS=localhost/vigil/test:1.0

cmd=${1:-}
dir=$(rt_dir "${2:-}")
sock=$dir/containerd.sock
ctr() { timeout 60 "$CTR" -a "$sock" "$@"; }
# ctr itself puts IO fifos in /run/containerd/fifo and runc's state in /run/containerd/runc unless told.
ctr_run() { ctr -n "$NAMESPACE" run --fifo-dir "$dir/fifo" --runc-root "$dir/runc" "$@"; }

# go_arch: the host's architecture as OCI names it.
go_arch() {
  case $(uname -m) in x86_64) echo amd64 ;; aarch64) echo arm64 ;; armv7l) echo arm ;; *) uname -m ;; esac
}

# oci_archive LAYER_TAR OUT NAME...: an OCI image layout (one uncompressed layer) as a tar that
# `ctr images import` reads, each NAME given as io.containerd.image.name. Built by hand: there is
# no registry to pull from, and the docker harness is not there to `docker save`.
oci_archive() {
  local layer=$1 out=$2 o=$dir/oci arch name l_dig l_size c_dig c_size m_dig m_size entries=()
  shift 2
  arch=$(go_arch)
  mkdir -p "$o/blobs/sha256"
  # blob FILE: moves FILE to its content address; prints "digest size".
  blob() {
    local d
    d=$(sha256sum "$1" | cut -d' ' -f1)
    mv "$1" "$o/blobs/sha256/$d"
    echo "$d $(stat -c %s "$o/blobs/sha256/$d")"
  }
  cp "$layer" "$o/layer"
  read -r l_dig l_size < <(blob "$o/layer")
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$arch" "$l_dig" >"$o/config"
  read -r c_dig c_size < <(blob "$o/config")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$c_dig" "$c_size" "$l_dig" "$l_size" >"$o/manifest"
  read -r m_dig m_size < <(blob "$o/manifest")
  for name in "$@"; do
    entries+=("$(printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}' \
      "$m_dig" "$m_size" "$arch" "$name" "${name##*:}")")
  done
  (IFS=,; printf '{"schemaVersion":2,"manifests":[%s]}\n' "${entries[*]}") >"$o/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$o" -cf "$out" .
  rm -rf "$o"
  unset -f blob
}

start() {
  rt_require "$CONTAINERD" "$CTR" runc containerd-shim-runc-v2
  [[ ! -e $dir ]] || bash "$here/containerd.sh" stop "$dir"   # what an interrupted run left
  rt_claim "$dir"
  # Shim sockets go to /run/containerd/s whatever the config; the rest are fall-backs for a ctr
  # run without --fifo-dir/--runc-root. Cgroups: ctr puts a container in /NAMESPACE/ID.
  rt_note_absent "$dir" /run/containerd /run/containerd/s /run/containerd/fifo /run/containerd/runc \
    $(rt_cgroup_mounts | sed "s|\$|/$NAMESPACE|")
  # Everything in DIR. The CRI plugin stays on (it starts without network: no CNI config, so pods
  # cannot be networked, but the CRI API answers and sees the k8s.io images); its stream server
  # listens on loopback only, its netns and runc state under DIR.
  cat >"$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
[plugins."io.containerd.grpc.v1.cri"]
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$dir/cni/bin"
    conf_dir = "$dir/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    Root = "$dir/runc"
EOF
  # setsid and the redirections detach it from the caller: ctest waits for its test's stdout.
  # (No fork: a background subshell is no group leader, so $! is containerd's pid.)
  (cd / && exec setsid "$CONTAINERD" --config "$dir/config.toml" </dev/null >"$dir/containerd.log" 2>&1) &
  local pid=$!
  echo "$pid" >"$dir/containerd.pid"
  rt_wait 60 "$pid" ctr version || rt_fail_with_log "$dir/containerd.log" "containerd did not answer on $sock"
  vigil_rootfs_build "$dir/rootfs"
  vigil_rootfs_tar "$dir/rootfs" "$dir/rootfs.tar"
  oci_archive "$dir/rootfs.tar" "$dir/image.tar" "$IMAGE" "$IMAGE_ALIAS"
  ctr -n "$NAMESPACE" images import "$dir/image.tar" >/dev/null ||
    rt_fail_with_log "$dir/containerd.log" "ctr images import failed"
  : >"$dir/ready"
}

smoke() {
  rt_require "$CTR"
  # Started by the fixture; when that was skipped, so is this.
  [[ -e $dir/ready ]] || { echo "$self: skipped: no daemon started in $dir" >&2; exit 77; }
  local out id=vigil-smoke-$$
  out=$(ctr_run --rm "$IMAGE" "$id" /bin/sh -c 'cat /etc/shadow >/dev/null && echo ok') ||
    rt_fail_with_log "$dir/containerd.log" "ctr run failed"
  [[ $out == ok ]] || rt_die "ctr run printed '$out', expected 'ok'"
  out=$(ctr_run --rm "$IMAGE_ALIAS" "$id-2" /bin/bash -c 'readlink /bin/sh; id -u; cat /proc/self/cgroup')
  [[ $(sed -n 1p <<<"$out") == dash ]] || rt_die "/bin/sh in the image is not dash: $out"
  [[ $(sed -n 2p <<<"$out") == 0 ]] || rt_die "not root in the container: $out"
  grep -qF "/$NAMESPACE/$id-2" <<<"$out" || rt_die "no /$NAMESPACE/$id-2 cgroup in: $out"
  [[ -z $(ctr -n "$NAMESPACE" containers ls -q) ]] || rt_die "containers left after --rm"
}

# Called by rt_teardown: a `ctr run` without --fifo-dir/--runc-root leaves its FIFOs and runc state
# in /run/containerd. Removed for DIR's containers only, and only when start made those folders
# (no other containerd used them then).
rt_teardown_hook() {
  local ns id
  while read -r ns id; do
    [[ -n $id ]] || continue
    if grep -qx /run/containerd/runc "$dir/host-paths" 2>/dev/null; then rm -rf "/run/containerd/runc/$ns/$id"; fi
    if grep -qx /run/containerd/fifo "$dir/host-paths" 2>/dev/null; then
      find /run/containerd/fifo -mindepth 2 -maxdepth 2 -name "$id-std*" -delete 2>/dev/null || true
    fi
  done <<<"$1"
}

stop() {
  if [[ $(id -u) -ne 0 ]]; then echo "$self: skipped: needs root" >&2; exit 77; fi
  cd /
  local pid ns id
  pid=$(cat "$dir/containerd.pid" 2>/dev/null) || pid=
  if [[ -S $sock ]] && [[ -n $pid ]] && ctr version >/dev/null 2>&1; then
    # Containers of every namespace: their tasks killed, then deleted with their snapshots.
    for ns in $(ctr namespaces ls -q); do
      for id in $(ctr -n "$ns" containers ls -q); do
        ctr -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
        ctr -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
        ctr -n "$ns" containers delete "$id" >/dev/null 2>&1 || true
      done
    done
  fi
  # Only the containerd of DIR: the pid file may be stale and the pid reused.
  if [[ -n $pid ]] && grep -qaF -- "$dir/" "/proc/$pid/cmdline" 2>/dev/null; then
    rt_kill_wait 20 "$pid"
  fi
  rt_teardown "$dir" "$sock"
}

case $cmd in
  start) start ;;
  smoke) smoke ;;
  stop) stop ;;
  env) printf 'CONTAINERD_ADDRESS=%s\nCONTAINERD_NAMESPACE=%s\nCONTAINER_RUNTIME_ENDPOINT=unix://%s\n' "$sock" "$NAMESPACE" "$sock" ;;
  *) echo "usage: $self start|smoke|stop|env DIR" >&2; exit 2 ;;
esac
