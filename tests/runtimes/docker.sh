#!/usr/bin/env bash
# shellcheck disable=SC2046,SC2086  # lists of cgroup folders and container ids split on purpose
# A private Docker daemon for tests, everything under DIR (see README.md).
#   docker.sh start DIR   start dockerd, import the test image vigil-test:1 (+ localhost/vigil/test:1.0)
#   docker.sh smoke DIR   run a container from it and check what it prints
#   docker.sh stop DIR    remove the containers, stop the daemon, clean up, delete DIR (idempotent)
#   docker.sh env DIR     print DOCKER_HOST=... for `eval`
# Exits 77 (skipped) when not root or Docker is missing.
set -euo pipefail
self=docker.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"
source "$here/rootfs.sh"

# Debian's client; an unrelated `docker` may come first in PATH (/usr/local/bin on these machines).
DOCKER_CLI=${VIGIL_DOCKER_CLI:-/usr/bin/docker}
DOCKERD=${VIGIL_DOCKERD:-dockerd}
IMAGE=vigil-test:1
IMAGE_ALIAS=localhost/vigil/test:1.0   # a repository with a registry host, for reference parsing

cmd=${1:-}
dir=$(rt_dir "${2:-}")
docker() { timeout 60 "$DOCKER_CLI" -H "unix://$dir/docker.sock" "$@"; }
ping() { curl -sf --max-time 2 --unix-socket "$dir/docker.sock" http://x/_ping | grep -qx OK; }

start() {
  rt_require "$DOCKERD" "$DOCKER_CLI" containerd runc curl
  [[ ! -e $dir ]] || bash "$here/docker.sh" stop "$dir"          # what an interrupted run left
  rt_claim "$dir"
  # dockerd and its containerd make these whatever --exec-root says (plugin folder, shim sockets,
  # the opt plugin's folder, cgroup parents).
  rt_note_absent "$dir" /run/docker /run/docker/plugins /run/containerd /run/containerd/s \
    /opt/containerd /opt/containerd/bin /opt/containerd/lib \
    $(rt_cgroup_mounts | sed 's|$|/docker|')
  # Its own config file, so the host's /etc/docker/daemon.json does not apply, and the identity key
  # in DIR, not /etc/docker/key.json.
  printf '{"deprecated-key-path": "%s/key.json"}\n' "$dir" >"$dir/daemon.json"
  # No bridge and no iptables: containers get only loopback and the host's network is not touched.
  # dockerd starts its own containerd under --exec-root (DIR/exec/containerd). setsid and the
  # redirections detach it from the caller: ctest waits for its test's stdout to close.
  (cd / && exec setsid "$DOCKERD" --config-file "$dir/daemon.json" --bridge=none --iptables=false \
     --ip6tables=false --data-root "$dir/data" --exec-root "$dir/exec" -H "unix://$dir/docker.sock" \
     --pidfile "$dir/dockerd.pid" </dev/null >"$dir/dockerd.log" 2>&1) &
  local pid=$!
  rt_wait 60 "$pid" ping || rt_fail_with_log "$dir/dockerd.log" "dockerd did not answer on $dir/docker.sock"
  vigil_rootfs_build "$dir/rootfs"
  vigil_rootfs_tar "$dir/rootfs" "$dir/rootfs.tar"
  docker import --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$dir/rootfs.tar" "$IMAGE" >/dev/null || rt_fail_with_log "$dir/dockerd.log" "docker import failed"
  docker tag "$IMAGE" "$IMAGE_ALIAS"
  : >"$dir/ready"
}

smoke() {
  rt_require "$DOCKER_CLI"
  # Started by the fixture; when that was skipped, so is this.
  [[ -e $dir/ready ]] || { echo "$self: skipped: no daemon started in $dir" >&2; exit 77; }
  local out
  out=$(docker run --rm --label vigil-smoke=1 "$IMAGE" /bin/sh -c 'cat /etc/shadow >/dev/null && echo ok') ||
    rt_fail_with_log "$dir/dockerd.log" "docker run failed"
  [[ $out == ok ]] || rt_die "docker run printed '$out', expected 'ok'"
  out=$(docker run --rm --label vigil-smoke=1 "$IMAGE_ALIAS" /bin/bash -c 'readlink /bin/sh; id -u; cat /proc/self/cgroup')
  [[ $(sed -n 1p <<<"$out") == dash ]] || rt_die "/bin/sh in the image is not dash: $out"
  [[ $(sed -n 2p <<<"$out") == 0 ]] || rt_die "not root in the container: $out"
  # The container's cgroup names its id, which is what container enrichers read.
  grep -qE '/docker[/-][0-9a-f]{64}' <<<"$out" || rt_die "no docker cgroup in: $out"
  # Its own only: the tests that share the fixture may have containers running meanwhile.
  [[ -z $(docker ps -aq --filter label=vigil-smoke) ]] || rt_die "containers left after --rm: $(docker ps -a)"
}

stop() {
  if [[ $(id -u) -ne 0 ]]; then echo "$self: skipped: needs root" >&2; exit 77; fi
  cd /
  if [[ -S $dir/docker.sock ]] && ping; then
    local ids
    ids=$(docker ps -aq) || true
    [[ -z $ids ]] || docker rm -f $ids >/dev/null || true
  fi
  local pid
  pid=$(cat "$dir/dockerd.pid" 2>/dev/null) || pid=
  # Only the dockerd of DIR: the pid file may be stale and the pid reused.
  if [[ -n $pid ]] && grep -qaF -- "$dir/" "/proc/$pid/cmdline" 2>/dev/null; then
    rt_kill_wait 20 "$pid"   # dockerd stops its containerd itself
  fi
  rt_teardown "$dir" "$dir/exec/containerd/containerd.sock"
}

case $cmd in
  start) start ;;
  smoke) smoke ;;
  stop) stop ;;
  env) echo "DOCKER_HOST=unix://$dir/docker.sock" ;;
  *) echo "usage: $self start|smoke|stop|env DIR" >&2; exit 2 ;;
esac
