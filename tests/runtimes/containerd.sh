#!/usr/bin/env bash
# shellcheck disable=SC2046  # the list of cgroup folders splits on purpose
# A private containerd for tests, everything under DIR (see README.md).
#   containerd.sh start DIR   start containerd, import the test image into namespace k8s.io as
#                             docker.io/library/vigil-test:1 and localhost/vigil/test:1.0, and
#                             the CRI's pod sandbox image (sleep) as localhost/vigil/pause:1
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
PAUSE_IMAGE=localhost/vigil/pause:1
# The CRI's pods get an address on a bridge of their own (CNI bridge + host-local), removed by stop.
CNI_BIN=${VIGIL_CNI_BIN:-/usr/lib/cni}
CNI_BRIDGE=vigil-cri0
CNI_SUBNET=10.233.77.0/24

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

# oci_archive LAYER_TAR OUT CMD NAME...: an OCI image layout (one uncompressed layer, CMD its
# command as a JSON array) as a tar that `ctr images import` reads, each NAME given as
# io.containerd.image.name. Built by hand: there is
# no registry to pull from, and the docker harness is not there to `docker save`.
oci_archive() {
  local layer=$1 out=$2 cmd=$3 o=$dir/oci arch name l_dig l_size c_dig c_size m_dig m_size entries=()
  shift 3
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
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$arch" "$cmd" "$l_dig" >"$o/config"
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
  # The CRI's pods go under /kubepods (as the kubelet's cgroupfs driver puts them); its CNI
  # library caches results in /var/lib/cni.
  rt_note_absent "$dir" /run/containerd /run/containerd/s /run/containerd/fifo /run/containerd/runc \
    $(rt_cgroup_mounts | sed "s|\$|/$NAMESPACE|") $(rt_cgroup_mounts | sed "s|\$|/kubepods|") \
    /var/lib/cni
  # Everything in DIR. The CRI plugin stays on: its pods run the pause image below, networked by
  # the CNI bridge plugin on a bridge of DIR's (no masquerade, no iptables), addresses kept under
  # DIR; its stream server listens on loopback only, its netns and runc state under DIR.
  mkdir -p "$dir/cni/conf"
  cat >"$dir/cni/conf/10-vigil.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "vigil-cri", "plugins": [
  {"type": "bridge", "bridge": "$CNI_BRIDGE", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$CNI_SUBNET"}]],
            "dataDir": "$dir/cni/ipam"}},
  {"type": "loopback"}]}
EOF
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
  sandbox_image = "$PAUSE_IMAGE"
  # The kubelet's sandboxes ask for oom_score_adj -998; lowering it needs CAP_SYS_RESOURCE, which
  # root may lack (it does on the CI machines): no lower than containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$dir/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
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
  oci_archive "$dir/rootfs.tar" "$dir/image.tar" '["/bin/sh"]' "$IMAGE" "$IMAGE_ALIAS"
  oci_archive "$dir/rootfs.tar" "$dir/pause.tar" '["/bin/sleep","infinity"]' "$PAUSE_IMAGE"
  for image in image pause; do
    ctr -n "$NAMESPACE" images import "$dir/$image.tar" >/dev/null ||
      rt_fail_with_log "$dir/containerd.log" "ctr images import $image.tar failed"
  done
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
  # Its own only: the tests that share the fixture may have containers running meanwhile.
  ! ctr -n "$NAMESPACE" containers ls -q | grep -q "^$id" || rt_die "containers left after --rm"
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
  # The CNI results cache, when start saw none there (its files would keep the folder).
  if grep -qx /var/lib/cni "$dir/host-paths" 2>/dev/null; then rm -rf /var/lib/cni; fi
  # The bridge the CNI plugin made for DIR's pods (their veths went with their netns).
  if [[ -e $dir/cni/conf ]] && ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
    ip link delete "$CNI_BRIDGE" || true
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
