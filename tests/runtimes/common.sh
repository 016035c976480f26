# shellcheck shell=bash disable=SC2154,SC2046  # self/dir come from the sourcing script; pid lists split on purpose
# Sourced by docker.sh and containerd.sh: the checks, the waiting and the teardown both share.
# Everything a runtime leaves lives under its DIR, except what its programs put on fixed host paths
# (shim sockets in /run/containerd/s, cgroups, /run/docker/plugins); start notes those it creates
# (rt_note_absent) and stop removes exactly those, plus what belongs to the DIR's containers.

rt_die() { echo "$self: $*" >&2; exit 1; }

# rt_dir ARG: the absolute, normalised DIR. Refuses / and top-level folders: stop deletes DIR.
rt_dir() {
  [[ -n ${1:-} ]] || { echo "usage: $self start|smoke|stop|env DIR" >&2; exit 2; }
  local d
  d=$(realpath -m -- "$1")
  [[ $d == /*/* ]] || rt_die "refusing DIR $d: too close to /"
  printf '%s\n' "$d"
}

# rt_require BINARY...: exits 77 (ctest's skip code) unless root and every binary is there.
rt_require() {
  if [[ $(id -u) -ne 0 ]]; then echo "$self: skipped: needs root" >&2; exit 77; fi
  local b
  for b in "$@"; do
    [[ -x $b ]] || command -v "$b" >/dev/null || { echo "$self: skipped: no $b" >&2; exit 77; }
  done
}

# rt_claim DIR: makes DIR ours (the marker lets stop delete it and nothing else).
rt_claim() { mkdir -p "$1"; : >"$1/.vigil-runtime"; }

# rt_note_absent DIR PATH...: remembers which of these host paths do not exist yet.
rt_note_absent() {
  local dir=$1 p; shift
  for p in "$@"; do [[ -e $p ]] || printf '%s\n' "$p" >>"$dir/host-paths"; done
}

# rt_cgroup_mounts: where each cgroup hierarchy is mounted (v1 controllers, named ones, v2).
rt_cgroup_mounts() {
  awk '{ for (i = 7; $i != "-"; i++) {} if ($(i + 1) ~ /^cgroup2?$/) print $5 }' /proc/self/mountinfo
}

# rt_wait SECONDS PID CMD...: runs CMD every 0.2 s until it succeeds; fails when time runs out or
# PID (the daemon) dies, so a daemon that exits at once is reported at once.
rt_wait() {
  local limit=$(($1 * 5)) pid=$2 i; shift 2
  for ((i = 0; i < limit; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# rt_fail_with_log LOG MESSAGE: the message and the log's tail on stderr, then exit 1.
rt_fail_with_log() {
  # (grpc's connection chatter left out: it buries the daemon's own messages.)
  { echo "$self: $2 (clean up with: $here/$self stop $dir)"; echo "--- last lines of $1:"
    grep -v 'module=grpc' "$1" 2>/dev/null | tail -n 30; } >&2
  exit 1
}

# rt_pids DIR: the runtime processes (dockerd, containerd, shims, runc, docker-init/-proxy) whose
# command line names DIR. Matched by name as well, so this script (whose arguments name DIR too)
# and the test running it are never among them.
rt_pids() {
  local dir=$1 p comm arg
  for p in /proc/[0-9]*; do
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    case $comm in dockerd | containerd | containerd-shim* | runc | docker-init | docker-proxy) ;; *) continue ;; esac
    while IFS= read -r -d '' arg; do
      if [[ $arg == *"$dir" || $arg == *"$dir/"* ]]; then echo "${p#/proc/}"; break; fi
    done <"$p/cmdline" 2>/dev/null
  done
}

# rt_kill_wait SECONDS PID...: SIGTERM, then SIGKILL for what is still there after SECONDS.
rt_kill_wait() {
  local secs=$1 i p left; shift
  (($#)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < secs * 5; i++)); do
    left=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && left=1; done
    ((left)) || return 0
    sleep 0.2
  done
  kill -KILL "$@" 2>/dev/null || true
  sleep 0.2
}

# rt_task_ids DIR: "namespace id" of every container containerd's v2 runtime knows under DIR (its
# task folders outlive a killed daemon, so they name the containers to clean after).
rt_task_ids() {
  local t
  [[ -d $1 ]] || return 0
  find "$1" -xdev -mindepth 1 -type d -path '*/io.containerd.runtime.v2.task/*/*' -prune 2>/dev/null |
    while IFS= read -r t; do echo "$(basename "$(dirname "$t")") $(basename "$t")"; done | sort -u
}

# rt_teardown DIR ADDRESS: after the daemon was asked to stop. Kills what is left of it and its
# containers, removes the shim sockets, mounts, cgroups and host paths it made, and DIR itself.
# ADDRESS is containerd's socket (the shims hash it into their socket's name).
rt_teardown() {
  local dir=$1 address=$2 ns id p m cg tasks
  tasks=$(rt_task_ids "$dir")
  # What is left of the daemons, shims and runc.
  rt_kill_wait 5 $(rt_pids "$dir")
  # Container processes outlive a SIGKILLed shim (reparented to init): find them by their cgroup,
  # named after the container wherever the driver put it (cgroupfs: docker/ID or NS/ID as ctr
  # makes it; systemd: docker-ID.scope, cri-containerd-ID.scope).
  local cgroups=()
  while read -r ns id; do
    [[ -n $id ]] || continue
    while IFS= read -r cg; do cgroups+=("$cg"); done < <(find /sys/fs/cgroup -maxdepth 6 -type d \
      \( -path "*/$ns/$id" -o -path "*/docker/$id" -o -name "*-$id.scope" \) 2>/dev/null)
  done <<<"$tasks"
  if ((${#cgroups[@]})); then
    for p in $(find "${cgroups[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u); do
      kill -KILL "$p" 2>/dev/null || true
    done
  fi
  # A shim listens on /run/containerd/s/sha256(ADDRESS/NAMESPACE/ID) and removes it when it exits
  # cleanly, not when killed.
  while read -r ns id; do
    [[ -n $id ]] || continue
    rm -f "/run/containerd/s/$(printf '%s' "$address/$ns/$id" | sha256sum | cut -d' ' -f1)"
  done <<<"$tasks"
  # Mounts under DIR (overlay rootfs, shm, netns, DIR/data bound on itself), deepest first;
  # a lazy unmount when a plain one fails (something still open there). -n: no /run/mount/utab.
  for _ in 1 2 3; do   # unmounting one may reveal another stacked below it
    m=$(awk -v d="$dir" '{ p = $5; gsub(/\\040/, " ", p); if (p == d || index(p, d "/") == 1) print p }' /proc/self/mountinfo |
        awk '{ print gsub("/", "/") "\t" $0 }' | sort -rn | cut -f2-)
    [[ -n $m ]] || break
    while IFS= read -r p; do umount -n "$p" 2>/dev/null || umount -n -l "$p" 2>/dev/null || true; done <<<"$m"
  done
  # Their cgroups (runc removes them, unless it was killed), children first.
  if ((${#cgroups[@]})); then
    sleep 0.2   # killed processes leave their cgroup when fully gone
    find "${cgroups[@]}" -depth -type d -exec rmdir {} + 2>/dev/null || true
  fi
  # What only the script knows about (it defines rt_teardown_hook), given the "NS ID" lines.
  if declare -F rt_teardown_hook >/dev/null; then rt_teardown_hook "$tasks"; fi
  # Host paths start saw missing: the newest first; folders (cgroup parents too) only when empty.
  if [[ -f $dir/host-paths ]]; then
    tac "$dir/host-paths" | while IFS= read -r p; do
      # Another containerd or shim (another fixture's) may be about to put a socket there.
      if [[ $p == /run/containerd* ]] && pgrep '^containerd' >/dev/null; then continue; fi
      if [[ -d $p && ! -L $p ]]; then
        find "$p" -depth -type d -exec rmdir {} + 2>/dev/null || true
      else
        rm -f "$p"
      fi
    done
  fi
  # DIR last, never across a mount that would not go (--one-file-system), and only if ours.
  if [[ -d $dir ]]; then
    [[ -e $dir/.vigil-runtime || -z $(ls -A "$dir") ]] || rt_die "$dir is not a runtime folder; left alone"
    rm -rf --one-file-system "$dir"
  fi
  [[ ! -e $dir ]] || rt_die "could not remove $dir (still mounted: $(grep -cF " $dir/" /proc/self/mountinfo))"
  if [[ -n $(rt_pids "$dir") ]]; then rt_die "processes of $dir still running: $(rt_pids "$dir" | tr '\n' ' ')"; fi
}
