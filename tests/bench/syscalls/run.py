#!/usr/bin/env python3
"""The syscall benchmark: what a syscall tracer costs the traced workload (scripts/bench.sh syscalls).

For each workload (open_close, fork_exec, getppid) it runs, in one interleaved sequence per round,
none, A, none, B, none, ... where A, B are the tracers: opensnoop/execsnoop (Debian's libbpf-tools),
bpftrace printing the same events (*.bt here), the bare reference tracer (bare_tracer: enter+exit
records into a ring buffer nobody is woken for) and vigil with Falco's rules. Each tracer run starts
the tracer, waits until it is attached, runs the workload, stops the tracer. The ratio of a run is
its workload time over the mean of the two adjacent 'none' runs; the table gives the median ratio
over the rounds. The tracer order rotates from round to round.

Then, with kernel.bpf_stats_enabled=1 (restored afterwards), one more run per BPF tracer reads the
run_time_ns / run_cnt of the tracer's own programs (the prog_ids in its fds' fdinfo, counters from
bpftool -j prog show) over the workload: the probe's cost per invocation. And vigil's sustained
rate: the paced open/close workload at increasing rates, 30 s each, with vigil's drop counters
read from its log.

In containers (unless --no-containers): a private dockerd (tests/runtimes/docker.sh) runs one
container with the workload bind-mounted, and open_close and fork_exec run in it through `docker
exec` (the workload times itself) under the bare tracer, vigil, and vigil+enrichers: vigil with
the default config's container and k8s enrichers on and Falco's rules as written (no rule left
out). Then the engine thread's CPU per event under vigil+enrichers, per rule set (none, one rule
on a core field, one on a container field, falco_rules.yaml, the three upstream files). Then the
hold: vigil+enrichers while fresh containers start one after another, its final counters saying
how many first processes waited for their metadata and how long; once on dockerd's socket, once
through a proxy that keeps dockerd's event stream quiet (a runtime without one: each container is
looked up at its first exec).

Needs root. Python 3 standard library only.
"""

import argparse
import fnmatch
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
UPSTREAM_RULES = os.path.normpath(os.path.join(ROOT, "..", "shared", "upstream", "falco-rules"))

WORKLOADS = ["open_close", "fork_exec", "getppid"]
# The same workloads in a container: WORKLOAD@container.
CONTAINER_WORKLOADS = ["open_close@container", "fork_exec@container"]
TRACERS = ["opensnoop", "execsnoop", "bpftrace", "bare", "vigil", "vigil+enrichers"]
CONTAINER_TRACERS = ["bare", "vigil", "vigil+enrichers"]
RUNTIMES = os.path.join(ROOT, "tests", "runtimes")
BENCH_CONTAINER = "vigil-bench"
# libbpf-tools: opensnoop traces open/openat, execsnoop execve; under the getppid loop both show
# what their tracepoints cost a syscall they do not trace.
SNOOP_WORKLOADS = {"opensnoop": {"open_close", "getppid"}, "execsnoop": {"fork_exec", "getppid"}}
BPFTRACE_SCRIPTS = {"open_close": "opensnoop.bt", "fork_exec": "execsnoop.bt",
                    "getppid": "open_exec.bt"}
# What the bare tracer records per workload: the syscalls the other tracers trace (getppid is
# never recorded; under its loop the tracer only filters it out).
BARE_SYSCALLS = {
    "open_close": "open,openat,close",
    "fork_exec": "clone,clone3,fork,vfork,execve,execveat",
    "getppid": "open,openat,close,clone,clone3,fork,vfork,execve,execveat",
}
# Untraced duration a calibrated workload run aims at (a 20x tracer makes it 20x longer).
DEFAULT_TARGET_S = 0.4
QUICK_TARGET_S = 0.15
SUSTAIN_RATES = ["200000", "400000", "600000", "800000", "1000000", "max"]
# Generator threads for the sustained test: one thread of open+close cannot produce more than
# ~360 k syscalls/s on a slow VM, less than a tracer may handle.
SUSTAIN_THREADS = 2


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Workload


def base(workload):
    """The workload's own name: open_close for open_close@container."""
    return workload.split("@")[0]


def run_workload(cmd, args, timeout=900):
    """cmd: the workload binary's argv (a `docker exec` of it for a container)."""
    out = subprocess.run(cmd + [str(a) for a in args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, timeout=timeout)
    if out.returncode != 0:
        raise BenchError(f"workload {' '.join(map(str, args))} failed: {out.stderr.strip()}")
    fields = dict(kv.split("=", 1) for kv in out.stdout.split())
    return {"elapsed_ns": int(fields["elapsed_ns"]), "ops": int(fields["ops"]),
            "syscalls": int(fields["syscalls"]), "rate": float(fields["rate"])}


def calibrate(env, workload, target_s):
    # fork+exec is slow and a tracer adds little to it: give it longer runs than the others.
    target_s *= {"open_close": 1, "fork_exec": 3, "getppid": 1}[base(workload)]
    n = {"open_close": 2000, "fork_exec": 20, "getppid": 20000}[base(workload)]
    for _ in range(6):
        r = env.run(workload, n)
        secs = r["elapsed_ns"] / 1e9
        if secs >= target_s / 4:
            return max(1, int(n * target_s / secs))
        n *= 4
    return n


# ---------------------------------------------------------------------------------------------
# bpftool


def bpftool_json(*args):
    out = subprocess.run(["bpftool", "-j"] + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, timeout=60)
    if out.returncode != 0 or not out.stdout.strip():
        return []
    return json.loads(out.stdout)


def perf_attachments(pid):
    """Tracepoints/kprobes attached through perf events by pid (bpftool perf show)."""
    return [e for e in bpftool_json("perf", "show") if e.get("pid") == pid]


def prog_ids_of(pid):
    """The BPF programs pid holds (a program or link fd: `prog_id:` in its fdinfo). bpftool's
    own pid listing needs a BPF iterator that not every bpftool build has."""
    ids = set()
    fd_dir = f"/proc/{pid}/fdinfo"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return ids
    for fd in fds:
        try:
            with open(os.path.join(fd_dir, fd)) as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            continue
    return ids


def programs_of(pid):
    """pid's BPF programs: {id: (name, run_time_ns, run_cnt)}."""
    ids = prog_ids_of(pid)
    progs = {}
    for p in bpftool_json("prog", "show"):
        if p["id"] in ids:
            progs[p["id"]] = (p.get("name", "?"), p.get("run_time_ns", 0), p.get("run_cnt", 0))
    return progs


def set_bpf_stats(value):
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write(str(value))


def get_bpf_stats():
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        return int(f.read().strip())


# ---------------------------------------------------------------------------------------------
# Tracers


class Tracer:
    """One started tracer: its process, output files and what it said when stopped."""

    def __init__(self, name, argv, tmpdir, ready, env=None):
        self.name = name
        self.stdout_path = os.path.join(tmpdir, f"{name}.out")
        self.stderr_path = os.path.join(tmpdir, f"{name}.err")
        self.ready = ready
        # stdout to a file on disk, as a user would redirect it.
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         env=env, start_new_session=True)
        self.pid = self.proc.pid

    def text(self, which="both"):
        parts = []
        for path, kind in ((self.stdout_path, "out"), (self.stderr_path, "err")):
            if which in (kind, "both"):
                with open(path, errors="replace") as f:
                    parts.append(f.read())
        return "\n".join(parts)

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode} before it was "
                                 f"attached: {self.text()[-2000:]}")
            if self.ready(self):
                return
            time.sleep(0.05)
        raise BenchError(f"{self.name} not attached after {timeout} s: {self.text()[-2000:]}")

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"  {self.name}: no exit {timeout} s after SIGINT; killing it")
                self.proc.kill()
                self.proc.wait()
        return self.text()


def header_then_attached(header, min_attachments):
    """Ready once stdout has the header line and bpftool lists the pid's perf attachments."""
    def ready(t):
        m = re.search(header, t.text("out"), re.M)
        if not m:
            return False
        need = min_attachments
        if callable(need):
            need = need(m)
        return len(perf_attachments(t.pid)) >= need
    return ready


def bpftrace_ready(t):
    # bpftrace prints "Attaching N probes..." before attaching them; the header comes from BEGIN,
    # after; then wait until bpftool lists the tracepoints (N minus BEGIN and END).
    out = t.text("out")
    m = re.search(r"Attaching (\d+) probes?", out)
    if not m or len(out.splitlines()) < 2:
        return False
    return len(perf_attachments(t.pid)) >= int(m.group(1)) - 2


def vigil_ready(t):
    # The eBPF source logs "ebpf: probe attached: ..." once its programs are attached, and
    # "ebpf: capturing N syscalls ..." when the host has told it which syscalls the rules need
    # (set_event_types, as the bus starts: "vigil running: ..."). Should that second line change,
    # 2 s after "vigil running" will do.
    err = t.text("err")
    if "attached" not in err or "vigil running" not in err:
        return False
    if "ebpf: capturing" in err:
        return True
    if not hasattr(t, "running_seen"):
        t.running_seen = time.monotonic()
    return time.monotonic() - t.running_seen > 2


def line_ready(word):
    return lambda t: re.search(word, t.text("out"), re.M) is not None


class Env:
    """Paths and the per-run settings the tracers need."""

    def __init__(self, args, tmpdir):
        self.args = args
        self.tmpdir = tmpdir
        self.bench_dir = os.path.abspath(os.path.join(args.build_dir, "tests", "bench", "syscalls"))
        self.workload = os.path.join(self.bench_dir, "workload")
        self.bare = os.path.join(self.bench_dir, "bare_tracer")
        self.vigil = args.vigil or os.path.join(args.build_dir, "vigil")
        if not os.path.exists(self.vigil):
            alt = os.path.join(args.build_dir, "core", "src", "cli", "vigil")
            self.vigil = alt if os.path.exists(alt) else self.vigil
        self.plugin_dir = args.plugin_dir or os.path.join(args.build_dir, "lib", "vigil", "plugins")
        self.vigil_config = None
        self.vigil_rules = None
        self.vigil_skip = None
        self.docker_dir = os.path.join(tmpdir, "docker")
        self.docker_sock = os.path.join(self.docker_dir, "docker.sock")
        self.enricher_sock = None  # what vigil+enrichers asks instead (the hold's eventless proxy)
        self.containers_skip = "not asked for"
        self.containers_started = False

    def cmd(self, workload):
        if workload.endswith("@container"):
            return ["/usr/bin/docker", "-H", f"unix://{self.docker_sock}", "exec",
                    BENCH_CONTAINER, "/bench/workload"]
        return [self.workload]

    def run(self, workload, *args, timeout=900):
        return run_workload(self.cmd(workload), [base(workload)] + list(args), timeout=timeout)

    # -- containers ------------------------------------------------------------------------------

    def start_containers(self):
        """A private dockerd and the container the workloads run in; containers_skip says why
        not when they cannot."""
        self.containers_started = True
        r = subprocess.run(["bash", os.path.join(RUNTIMES, "docker.sh"), "start", self.docker_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            self.containers_skip = f"no dockerd (tests/runtimes/docker.sh start): {r.stdout[-300:]}"
            return
        r = subprocess.run(["/usr/bin/docker", "-H", f"unix://{self.docker_sock}", "run", "-d",
                            "--name", BENCH_CONTAINER, "-v", f"{self.bench_dir}:/bench:ro",
                            "vigil-test:1", "/bin/sleep", "infinity"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.containers_skip = None if r.returncode == 0 else f"docker run failed: {r.stdout}"

    def stop_containers(self):
        subprocess.run(["bash", os.path.join(RUNTIMES, "docker.sh"), "stop", self.docker_dir],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def available(self, tracer):
        """None if the tracer can run here, else why not."""
        if tracer in ("opensnoop", "execsnoop"):
            return None if shutil.which(tracer) else f"{tracer} not found (apt install libbpf-tools)"
        if tracer == "bpftrace":
            return None if shutil.which("bpftrace") else "bpftrace not found (apt install bpftrace)"
        if tracer == "bare":
            return None if os.path.exists(self.bare) else f"{self.bare} not built"
        if tracer == "vigil":
            return self.vigil_skip
        if tracer == "vigil+enrichers":
            return self.vigil_skip or self.containers_skip
        return None

    def start(self, tracer, workload, stats_interval_s=0):
        tmp = self.tmpdir
        if tracer in ("opensnoop", "execsnoop"):
            header = r"^PID\s+COMM" if tracer == "opensnoop" else r"^PCOMM\s+PID"
            argv = [shutil.which(tracer)]
            if tracer == "execsnoop":
                # Its stdout to a file is block-buffered: the header would only show once 4 KiB of
                # exec lines followed it, and on a quiet machine never before the attach timeout.
                argv = ["stdbuf", "-oL"] + argv
            return Tracer(tracer, argv, tmp, header_then_attached(header, 1))
        if tracer == "bpftrace":
            script = os.path.join(HERE, BPFTRACE_SCRIPTS[base(workload)])
            # bpftrace complains that it cannot raise RLIMIT_MEMLOCK (no CAP_SYS_RESOURCE) and
            # carries on: the kernel accounts BPF memory to the cgroup.
            return Tracer(tracer, ["bpftrace", script], tmp, bpftrace_ready)
        if tracer == "bare":
            return Tracer(tracer, [self.bare, BARE_SYSCALLS[base(workload)]], tmp,
                          line_ready("^ready"))
        if tracer == "vigil":
            cfg = self.write_vigil_config(stats_interval_s)
            return Tracer(tracer, [self.vigil, "run", "-c", cfg], tmp, vigil_ready)
        if tracer == "vigil+enrichers":
            cfg = self.write_vigil_config(stats_interval_s, ",".join(self.args.rules),
                                          enrichers=True)
            return Tracer("vigil-enrichers", [self.vigil, "run", "-c", cfg], tmp, vigil_ready)
        raise BenchError(f"unknown tracer {tracer}")

    # -- vigil -----------------------------------------------------------------------------------

    def write_vigil_config(self, stats_interval_s, rules=None, enrichers=False):
        path = os.path.join(self.tmpdir, f"vigil-{stats_interval_s}{'-e' if enrichers else ''}.yaml")
        rules = rules or self.vigil_rules
        alerts = os.path.join(self.tmpdir, "alerts.json")
        plugin_cfg = f"{{stats_interval_s: {stats_interval_s}}}" if stats_interval_s else "{}"
        # The default config's enrichers (packaging/vigil.yaml), on the private dockerd's socket.
        enricher_cfg = f"""
  - name: container
    init_config:
      hold_timeout_ms: 250
      engines:
        docker: {{sockets: [{self.enricher_sock or self.docker_sock}]}}
        podman: {{enabled: false}}
        containerd: {{enabled: false}}
        cri: {{enabled: false}}
  - name: k8s
    init_config: {{}}""" if enrichers else ""
        with open(path, "w") as f:
            f.write(f"""# written by tests/bench/syscalls/run.py
plugin_paths: [{self.plugin_dir}]
allow_insecure_plugins: true
plugins:
  - name: ebpf
    config: {plugin_cfg}{enricher_cfg}
rules_files: [{rules}]
watch_rules_files: false
outputs:
  - name: alerts
    plugin: file
    config: {{path: {alerts}, format: json}}
log: {{level: info}}
engine: {{on_full: block}}
""")
        return path

    def prepare_vigil(self, rules_files):
        """Checks vigil can run; writes the rules vigil can load (the upstream rules whose fields
        all exist); sets vigil_skip with the reason when it cannot."""
        if not os.path.exists(self.vigil):
            self.vigil_skip = f"vigil not built ({self.vigil})"
            return
        if not os.path.exists(os.path.join(self.plugin_dir, "libebpf.so")):
            self.vigil_skip = (f"the ebpf source plugin is not built "
                               f"({self.plugin_dir}/libebpf.so missing)")
            return
        texts = []
        for path in rules_files:
            with open(path) as f:
                texts.append(f.read())
        rules_path = os.path.join(self.tmpdir, "rules.yaml")
        dropped, dropped_macros = [], []
        text = drop_items("\n".join(texts), set())  # required_plugin_versions
        for _ in range(10):
            with open(rules_path, "w") as f:
                f.write(text)
            cfg = self.write_vigil_config(0, rules_path)
            out = subprocess.run([self.vigil, "validate", "-c", cfg, "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 timeout=120)
            bad = rules_with_unknown_fields(out.stdout, text)
            if out.returncode == 0 and not bad:
                break
            if not bad:
                self.vigil_skip = ("vigil validate fails on the upstream rules for another reason "
                                   f"than unknown fields: {(out.stdout + out.stderr)[-1500:]}")
                return
            dropped += sorted(name for kind, name in bad if kind == "rule")
            dropped_macros += sorted(name for kind, name in bad if kind == "macro")
            text = drop_items(text, bad)
        else:
            self.vigil_skip = "could not filter the upstream rules down to a loadable set"
            return
        self.vigil_rules = rules_path
        # One start before the rounds: a vigil that cannot attach is skipped with its reason.
        t = self.start("vigil", "open_close")
        try:
            t.wait_ready(self.args.attach_timeout)
        except BenchError:
            errors = [line for line in t.text("err").splitlines() if " error " in line]
            self.vigil_skip = ("vigil did not start: "
                               + (errors[0][:300] if errors else t.text("err")[-300:]))
            return
        finally:
            t.stop()
        self.vigil_dropped = dropped
        self.vigil_dropped_macros = dropped_macros
        log(f"vigil rules: {', '.join(os.path.basename(p) for p in rules_files)}; "
            f"{len(dropped)} rules and {len(dropped_macros)} macros left out for the enrichers' fields"
            + (f": {', '.join(dropped)}" if dropped else ""))


def rules_with_unknown_fields(validate_json, text):
    """Names of the rules and macros to leave out: those `vigil validate --json` reports an
    unknown field in (condition or output), and the rules and macros using such a macro (through
    any depth of macros). Falco's container.* and k8s.* fields come with the container enricher."""
    try:
        doc = json.loads(validate_json)
    except ValueError:
        return set()
    diags = doc.get("rules", {}).get("diagnostics", []) if isinstance(doc, dict) else []
    bad_rules, bad_macros = set(), set()
    for d in diags:
        if d.get("severity") != "error" or "unknown field" not in d.get("message", ""):
            continue
        if d.get("item_kind") == "rule":
            bad_rules.add(d.get("item_name"))
        elif d.get("item_kind") == "macro":
            bad_macros.add(d.get("item_name"))
    if bad_macros:
        blocks = top_level_items(text)
        changed = True
        while changed:
            changed = False
            for kind, name, body in blocks:
                if kind == "macro" and name not in bad_macros and mentions(condition_of(body),
                                                                            bad_macros):
                    bad_macros.add(name)
                    changed = True
        bad_rules |= {name for kind, name, body in blocks
                      if kind == "rule" and mentions(condition_of(body), bad_macros)}
    return {("rule", n) for n in bad_rules} | {("macro", n) for n in bad_macros}


def mentions(body, names):
    return any(re.search(r"(?<![\w.-])" + re.escape(n) + r"(?![\w.-])", body) for n in names)


def condition_of(body):
    """The `condition:` of an item's body (its key lines and the more indented lines after)."""
    lines, inside, indent = [], False, 0
    for line in body.splitlines():
        stripped = line.lstrip()
        if not inside:
            if stripped.startswith("condition:"):
                inside, indent = True, len(line) - len(stripped)
                lines.append(stripped[len("condition:"):])
            continue
        if stripped and len(line) - len(stripped) <= indent and not stripped.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def top_level_items(text):
    """(kind, name, text) of each top-level `- rule:` / `- macro:` / `- list:` item."""
    items, current = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("- "):
            m = re.match(r"-\s+(rule|macro|list):\s*(.+?)\s*$", line)
            current = [m.group(1), m.group(2).strip("'\""), ""] if m else None
            if current:
                items.append(current)
            continue
        if current is not None:
            current[2] += line
    return [tuple(i) for i in items]


def drop_items(text, items):
    """Removes the top-level `- rule: NAME` / `- macro: NAME` blocks for the (kind, NAME) in items,
    and `required_plugin_versions` (it asks for the container plugin, which vigil does not have)."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("- "):
            m = re.match(r"-\s+(rule|macro):\s*(.+?)\s*$", line)
            item = (m.group(1), m.group(2).strip("'\"")) if m else None
            skipping = item in items or line.startswith("- required_plugin_versions")
        elif line.strip() and not line[0].isspace() and not line.startswith("#"):
            skipping = False
        if not skipping:
            out.append(line)
    return "".join(out)


def parse_vigil_log(text):
    """What vigil's log says: rules loaded, final counters, the eBPF source's drops."""
    res = {"rules": None, "enabled_rules": None, "read": None, "dropped": None, "probe_drops": 0}
    m = re.search(r"vigil running: .*rules: (\d+) \((\d+) enabled\)", text)
    if m:
        res["rules"], res["enabled_rules"] = int(m.group(1)), int(m.group(2))
    for line in text.splitlines():
        if "final counters:" in line:
            m = re.search(r"source [^:;]+: read=(\d+) queued=(\d+) dropped=(\d+)", line)
            if m:
                res["read"], res["dropped"] = int(m.group(1)), int(m.group(3))
    # "ebpf: N events/s, R read, W written by the probe, drops D (cpu0=..)": cumulative.
    for m in re.finditer(r"ebpf: .*?drops (\d+)", text):
        res["probe_drops"] = max(res["probe_drops"], int(m.group(1)))
    for m in re.finditer(r"ebpf: the probe dropped (\d+)", text):
        res["probe_drops"] = max(res["probe_drops"], 1)
    return res


def tracer_events(tracer, text):
    """How many events the tracer said it handled (whole system, its whole life)."""
    if tracer == "bare":
        m = re.search(r"events=(\d+)", text)
        return int(m.group(1)) if m else None
    if tracer.startswith("vigil"):
        return parse_vigil_log(text)["read"]
    return None


def count_output_lines(t):
    try:
        with open(t.stdout_path, "rb") as f:
            return max(0, sum(1 for _ in f) - 2)
    except OSError:
        return None


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def engine_cpu_seconds(pid):
    """CPU seconds of vigil's engine thread (the bus names it vigil-engine): the rules, the state
    and the parsers (the enrichers' parse and extract run on it)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() != "vigil-engine":
                    continue
            # schedstat: ns on the CPU (stat's utime + stime count 10 ms ticks).
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                return int(f.read().split()[0]) / 1e9
        except OSError:
            continue
    raise BenchError(f"vigil {pid} has no vigil-engine thread")


# ---------------------------------------------------------------------------------------------
# The measurements


def run_traced(env, tracer, workload, n):
    """Starts tracer, runs the workload, stops it: (workload result, events, tracer output)."""
    t = env.start(tracer, workload)
    try:
        t.wait_ready(env.args.attach_timeout)
        r = env.run(workload, n)
    finally:
        text = t.stop()
    events = tracer_events(tracer, text)
    if events is None:
        events = count_output_lines(t)
    if tracer == "vigil":
        env.vigil_log = parse_vigil_log(text)
    if tracer == "vigil+enrichers":
        env.enriched_log = parse_vigil_log(text)
    return r, events, text


def measure_ratios(env, workloads, tracers_for, iterations, rounds):
    results = {}  # (workload, tracer) -> list of dicts
    for workload in workloads:
        tracers = tracers_for(workload)
        n = iterations[workload]
        log(f"== {workload}: {n} iterations per run, {rounds} rounds, tracers: "
            f"{', '.join(tracers) or '(none)'}")
        for rnd in range(rounds):
            order = tracers[rnd % len(tracers):] + tracers[:rnd % len(tracers)] if tracers else []
            before = env.run(workload, n)
            results.setdefault((workload, "none"), []).append(
                {"elapsed_ns": before["elapsed_ns"], "ops": n, "ratio": 1.0})
            for tracer in order:
                try:
                    r, events, _ = run_traced(env, tracer, workload, n)
                except BenchError as e:
                    log(f"  {tracer}: {e}")
                    results.setdefault((workload, tracer), []).append({"error": str(e)})
                    continue
                after = env.run(workload, n)
                base = (before["elapsed_ns"] + after["elapsed_ns"]) / 2
                ratio = r["elapsed_ns"] / base
                results.setdefault((workload, tracer), []).append(
                    {"elapsed_ns": r["elapsed_ns"], "base_ns": base, "ops": n, "ratio": ratio,
                     "events": events,
                     "noise": max(before["elapsed_ns"], after["elapsed_ns"])
                     / min(before["elapsed_ns"], after["elapsed_ns"])})
                results.setdefault((workload, "none"), []).append(
                    {"elapsed_ns": after["elapsed_ns"], "ops": n, "ratio": 1.0})
                log(f"  round {rnd + 1}: {tracer:9s} {ratio:7.2f}x  "
                    f"({r['elapsed_ns'] / 1e6:.0f} ms vs {base / 1e6:.0f} ms)")
                before = after
    return results


def measure_probe_cost(env, workloads, tracers_for, iterations):
    """ns per program run of each BPF tracer's own programs over one workload run."""
    costs = {}
    previous = get_bpf_stats()
    set_bpf_stats(1)
    try:
        for workload in workloads:
            for tracer in tracers_for(workload):
                t = env.start(tracer, workload)
                try:
                    t.wait_ready(env.args.attach_timeout)
                    p0 = programs_of(t.pid)
                    r = env.run(workload, iterations[workload])
                    p1 = programs_of(t.pid)
                except BenchError as e:
                    log(f"  probe cost, {tracer}: {e}")
                    continue
                finally:
                    t.stop()
                dt = sum(p1[i][1] - p0.get(i, (0, 0, 0))[1] for i in p1)
                dn = sum(p1[i][2] - p0.get(i, (0, 0, 0))[2] for i in p1)
                if dn > 0:
                    costs[(workload, tracer)] = {"ns_per_run": dt / dn, "runs_per_op": dn / r["ops"],
                                                 "programs": len(p1)}
                    log(f"  probe cost {workload}/{tracer}: {dt / dn:.0f} ns/run, "
                        f"{dn / r['ops']:.1f} runs/op, {len(p1)} programs")
    finally:
        set_bpf_stats(previous)
    return costs


def measure_sustained(env, tracer, rates, seconds, threads):
    rows = []
    for rate in rates:
        t = env.start(tracer, "open_close", stats_interval_s=1)
        cpu0 = None
        try:
            t.wait_ready(env.args.attach_timeout)
            cpu0 = proc_cpu_seconds(t.pid)
            r = run_workload(env.cmd("open_close"), ["open_close_rate", rate, seconds, threads],
                             timeout=seconds * 10 + 60)
            time.sleep(1.5)  # one more stats line after the load
            cpu1 = proc_cpu_seconds(t.pid)
            hwm = proc_hwm_kib(t.pid)
        except BenchError as e:
            t.stop()
            log(f"  sustained {rate}: {e}")
            break
        text = t.stop()
        if tracer == "vigil":
            v = parse_vigil_log(text)
            events = v["read"]
            # No final counters line: vigil did not stop cleanly, its drops are unknown.
            drops = None if events is None else v["probe_drops"] + (v["dropped"] or 0)
        else:
            m = re.search(r"events=(\d+).*dropped=(\d+)", text)
            events, drops = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        row = {"target": rate, "achieved": r["rate"], "events": events, "drops": drops,
               "cpu_s": cpu1 - cpu0, "hwm_kib": hwm, "seconds": r["elapsed_ns"] / 1e9}
        rows.append(row)
        log(f"  sustained {tracer} {rate}/s: achieved {r['rate']:.0f} syscalls/s, events {events},"
            f" drops {drops}, cpu {cpu1 - cpu0:.1f} s, VmHWM {hwm} KiB")
        if (drops is None or drops > 0) and not env.args.sustain_all:
            break
    return rows


# The rule sets of the engine measurement: what the engine thread costs per event with each, under
# the same container workload. The two one-rule sets differ only in the field they read on every
# event of the workload (a core field, a container enricher's field): their difference is the
# cost of the enricher's extraction.
ENGINE_RULES = {
    "no rules": "",
    "1 rule, core field": """- rule: bench core field
  desc: reads proc.name on every event of the workload
  condition: evt.type in (openat, close, clone, execve) and proc.name = vigil-no-such-name
  output: x
  priority: INFO
""",
    "1 rule, container field": """- rule: bench container field
  desc: reads container.image.repository on every event of the workload
  condition: evt.type in (openat, close, clone, execve) and container.image.repository = vigil-no-such
  output: x
  priority: INFO
""",
}


def measure_engine(env, iterations, rounds):
    """events/s per core of vigil's engine thread with real state and the enrichers: vigil+enrichers
    under open_close then fork_exec in the container, per rule set, median over the rounds."""
    sets = dict(ENGINE_RULES)
    upstream = [os.path.join(UPSTREAM_RULES, f) for f in
                ("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml")]
    paths = {}
    for name, text in sets.items():
        paths[name] = os.path.join(env.tmpdir, f"engine-{len(paths)}.yaml")
        with open(paths[name], "w") as f:
            f.write(text or "[]\n")
    paths["falco_rules.yaml"] = upstream[0]
    paths["the three upstream files"] = ",".join(upstream)
    # Another vigil build on the same rules in the same rounds (--engine-baseline): paired with
    # this build round by round, less exposed to the machine's drift than two separate runs.
    binaries = {name: env.vigil for name in paths}
    if env.args.engine_baseline:
        name = f"the three upstream files, {env.args.engine_baseline}"
        paths[name] = paths["the three upstream files"]
        binaries[name] = env.args.engine_baseline
    rows = {name: [] for name in paths}
    for rnd in range(rounds):
        for name, rules in paths.items():
            saved = env.args.rules, env.vigil
            env.args.rules = rules.split(",")
            env.vigil = binaries[name]
            t = env.start("vigil+enrichers", "open_close@container")
            env.args.rules, env.vigil = saved
            try:
                t.wait_ready(env.args.attach_timeout)
                cpu0 = engine_cpu_seconds(t.pid)
                env.run("open_close@container", iterations["open_close@container"])
                env.run("fork_exec@container", iterations["fork_exec@container"])
                cpu1 = engine_cpu_seconds(t.pid)
            except BenchError as e:
                t.stop()
                log(f"  engine {name}: {e}")
                continue
            v = parse_vigil_log(t.stop())
            if not v["read"]:
                log(f"  engine {name}: no final counters")
                continue
            rows[name].append({"round": rnd, "events": v["read"], "cpu_s": cpu1 - cpu0,
                               "rules": v["enabled_rules"]})
            log(f"  round {rnd + 1}: engine, {name}: {v['read']} events, "
                f"{cpu1 - cpu0:.2f} s engine CPU")
    return rows


class EventlessDockerProxy:
    """A unix socket in front of dockerd that passes every request through but answers /events
    with a stream that stays quiet: a runtime without an event stream, so that no container's
    metadata is fetched before its first exec and the hold is what gets it there."""

    def __init__(self, path, upstream):
        self.path, self.upstream = path, upstream
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(64)
        self.quiet = []  # the /events connections, held open until close()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(65536)
            if not chunk:
                conn.close()
                return
            head += chunk
        target = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b""
        if re.match(rb"^(/v[\d.]+)?/events", target):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            self.quiet.append(conn)
            return
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(self.upstream)
        up.sendall(head)

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(up, conn), daemon=True).start()
        pump(conn, up)

    def close(self):
        self.server.close()
        for conn in self.quiet:
            conn.close()
        os.unlink(self.path)


def measure_hold(env, containers, eventless=False):
    """vigil+enrichers while `containers` fresh containers start one after another (each runs
    /bin/true): what its final counters say about the hold. `eventless`: the enricher asks dockerd
    through EventlessDockerProxy, so it learns of each container at its first exec."""
    proxy = None
    if eventless:
        proxy = EventlessDockerProxy(os.path.join(env.tmpdir, "eventless.sock"), env.docker_sock)
        env.enricher_sock = proxy.path
    try:
        return hold_run(env, containers)
    finally:
        env.enricher_sock = None
        if proxy:
            proxy.close()


def hold_run(env, containers):
    t = env.start("vigil+enrichers", "open_close@container")
    try:
        t.wait_ready(env.args.attach_timeout)
        for _ in range(containers):
            subprocess.run(["/usr/bin/docker", "-H", f"unix://{env.docker_sock}", "run", "--rm",
                            "vigil-test:1", "/bin/true"], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=120)
        time.sleep(1)  # the last container's events out of the queue
    finally:
        text = t.stop()
    final = [line for line in text.splitlines() if "final counters:" in line]
    if not final:
        raise BenchError(f"vigil printed no final counters: {text[-1000:]}")
    m = re.search(r"hold: processes=(\d+) events=(\d+) released=(\d+) timed_out=(\d+) "
                  r"overflowed=(\d+) stopped=(\d+) waiting=(\d+) wait_ms_p50=([\d.]+) "
                  r"p99=([\d.]+) max=([\d.]+)", final[-1])
    keys = ["processes", "events", "released", "timed_out", "overflowed", "stopped", "waiting",
            "p50_ms", "p99_ms", "max_ms"]
    hold = dict(zip(keys, (float(x) for x in m.groups()))) if m else dict.fromkeys(keys, 0)
    hold["containers"] = containers
    c = re.search(r"plugin container:[^;]*", final[-1])
    hold["plugin"] = c.group(0) if c else ""
    return hold


# ---------------------------------------------------------------------------------------------
# Report


def fmt_rate(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.0f} k"
    return f"{x:.0f}"


def report(env, workloads, tracers_for, results, costs, sustained, skipped, hold, engine):
    print()
    print("| workload | tracer | ratio (median) | min–max | vs bare | added µs/op | workload ops/s"
          " | tracer events/s | probe ns/run | probe runs/op |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for workload in workloads:
        bare = [x["ratio"] for x in results.get((workload, "bare"), []) if "ratio" in x]
        bare_med = statistics.median(bare) if bare else None
        for tracer in ["none"] + tracers_for(workload):
            runs = [x for x in results.get((workload, tracer), []) if "ratio" in x]
            if not runs:
                errs = [x["error"] for x in results.get((workload, tracer), []) if "error" in x]
                why = " ".join(errs[0].split())[:80] if errs else "-"
                print(f"| {workload} | {tracer} | failed: {why} "
                      "| | | | | | | |")
                continue
            ratios = [x["ratio"] for x in runs]
            med = statistics.median(ratios)
            ops_s = statistics.median(x["ops"] / (x["elapsed_ns"] / 1e9) for x in runs)
            if tracer == "none":
                noise = [x["noise"] for k, v in results.items() if k[0] == workload
                         for x in v if "noise" in x]
                spread = f"±{(statistics.median(noise) - 1) * 100:.0f}% run to run" if noise else ""
                print(f"| {workload} | none | 1.00 | {spread} | | | {fmt_rate(ops_s)} | | | |")
                continue
            added = statistics.median((x["elapsed_ns"] - x["base_ns"]) / x["ops"] / 1e3
                                      for x in runs)
            ev = [x["events"] / (x["elapsed_ns"] / 1e9) for x in runs if x.get("events")]
            vs_bare = f"{med / bare_med:.2f}×" if bare_med and tracer != "bare" else ""
            c = costs.get((workload, tracer))
            ns_run = f"{c['ns_per_run']:.0f}" if c else "-"
            runs_op = f"{c['runs_per_op']:.1f}" if c else "-"
            ev_s = fmt_rate(statistics.median(ev)) if ev else "-"
            print(f"| {workload} | {tracer} | **{med:.2f}×** | {min(ratios):.2f}–{max(ratios):.2f} "
                  f"| {vs_bare} | {added:.2f} | {fmt_rate(ops_s)} | {ev_s} | {ns_run} | {runs_op} |")
    for tracer, why in skipped.items():
        print(f"\n{tracer}: skipped: {why}")
    if getattr(env, "vigil_log", None) and env.vigil_log.get("rules") is not None:
        print(f"\nvigil loaded {env.vigil_log['rules']} rules ({env.vigil_log['enabled_rules']} "
              f"enabled) from {', '.join(os.path.basename(p) for p in env.args.rules)}; "
              f"{len(env.vigil_dropped)} rules left out for fields of the enrichers, which this row "
              "runs without (vigil+enrichers has them)"
              + (f" ({', '.join(env.vigil_dropped)})" if env.vigil_dropped else ""))
    if getattr(env, "enriched_log", None) and env.enriched_log.get("rules") is not None:
        print(f"\nvigil+enrichers loaded {env.enriched_log['rules']} rules "
              f"({env.enriched_log['enabled_rules']} enabled) from "
              f"{', '.join(os.path.basename(p) for p in env.args.rules)}, none left out")
    if engine:
        print("\nvigil's engine thread (rules, state, parsers; the enrichers' parse and extract) with "
              "vigil+enrichers under open_close then fork_exec in the container, per rule set "
              "(median over the rounds; CPU of the thread named vigil-engine):\n")
        print("| rules | enabled | events | engine CPU s | events/s per core | ns/event "
              "| vs no rules |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        base_ns = None
        for name, runs in engine.items():
            runs = [r for r in runs if r["cpu_s"] > 0]
            if not runs:
                print(f"| {name} | failed | | | | | |")
                continue
            ns = statistics.median(r["cpu_s"] * 1e9 / r["events"] for r in runs)
            ev = statistics.median(r["events"] for r in runs)
            cpu = statistics.median(r["cpu_s"] for r in runs)
            base_ns = base_ns if base_ns is not None else ns
            print(f"| {name} | {runs[0]['rules']} | {ev:.0f} | {cpu:.2f} | {fmt_rate(1e9 / ns)} "
                  f"| {ns:.0f} | {ns / base_ns:.2f}× |")
        this = engine.get("the three upstream files")
        other = [v for k, v in engine.items() if k.startswith("the three upstream files, ")]
        if this and other and other[0]:
            # Per round (the two ran back to back), then the median of the rounds' ratios.
            theirs = {b["round"]: b for b in other[0] if b["cpu_s"] > 0}
            pairs = [a["cpu_s"] / a["events"] / (theirs[a["round"]]["cpu_s"] /
                                                 theirs[a["round"]]["events"])
                     for a in this if a["cpu_s"] > 0 and a["round"] in theirs]
            if pairs:
                print(f"\nthe three upstream files, this vigil against --engine-baseline, per "
                      f"round: {' '.join(f'{r:.2f}' for r in pairs)}; median "
                      f"{statistics.median(pairs):.2f}×")
    if hold:
        n = hold[0][1]["containers"]
        print(f"\nHold (vigil+enrichers, {n} containers started one after another, each running "
              "/bin/true; hold_timeout_ms 250):\n")
        print("| runtime | processes held | per container | events held | released on "
              "metadata | went ahead without it (timed out, overflowed) | wait p50 | p99 | max |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, h in hold:
            # vigil prints no hold line when nothing was held: no wait to show then
            def ms(x):
                return f"{x:.3f} ms" if h["processes"] else "-"
            print(f"| {label} | {h['processes']:.0f} | {h['processes'] / h['containers']:.2f} "
                  f"| {h['events']:.0f} | {h['released']:.0f} "
                  f"| {h['timed_out'] + h['overflowed']:.0f} ({h['timed_out']:.0f}, "
                  f"{h['overflowed']:.0f}) | {ms(h['p50_ms'])} | {ms(h['p99_ms'])} "
                  f"| {ms(h['max_ms'])} |")
        for label, h in hold:
            print(f"\n{label}: {h['plugin']}")
    for tracer, rows in sustained.items():
        print(f"\nSustained open/close under {tracer} ({env.args.sustain_seconds} s per rate, "
              f"{env.args.sustain_threads} generator threads; a syscall is an open or a close):\n")
        print("| target syscalls/s | achieved syscalls/s | events | events/s | drops "
              "| CPU s per M events | peak RSS (VmHWM) |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        best = None
        for row in rows:
            ev_s = row["events"] / row["seconds"] if row["events"] else None
            cpu_m = row["cpu_s"] / (row["events"] / 1e6) if row["events"] else None
            print(f"| {row['target']} | {fmt_rate(row['achieved'])} | {row['events']} "
                  f"| {fmt_rate(ev_s)} | {row['drops']} "
                  f"| {f'{cpu_m:.2f}' if cpu_m is not None else '-'} "
                  f"| {row['hwm_kib'] / 1024:.1f} MiB |")
            if row["drops"] == 0 and (best is None or row["achieved"] > best["achieved"]):
                best = row
        if best:
            cpu_m = best["cpu_s"] / (best["events"] / 1e6) if best["events"] else None
            print(f"\nhighest sustained rate with zero drops: {fmt_rate(best['achieved'])} "
                  f"syscalls/s for {best['seconds']:.0f} s"
                  + (f", {cpu_m:.2f} CPU-seconds per million events" if cpu_m is not None else "")
                  + f", peak RSS {best['hwm_kib'] / 1024:.1f} MiB")
        else:
            print("\nno rate ran without drops")


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", default=None,
                    help="N for every workload, or workload=N,... (default: calibrated to "
                         f"~{DEFAULT_TARGET_S} s untraced)")
    ap.add_argument("--only", action="append", default=[],
                    help="workload,tracer pairs to run (shell patterns: '*', '*@container'); repeatable")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1 round, short workloads, 3 s sustained run at one rate")
    ap.add_argument("--vigil", help="vigil binary (default BUILD_DIR/vigil)")
    ap.add_argument("--plugin-dir", help="vigil plugins (default BUILD_DIR/lib/vigil/plugins)")
    ap.add_argument("--rules", action="append", default=None,
                    help="rules files for vigil (default the upstream falco_rules.yaml)")
    ap.add_argument("--attach-timeout", type=float, default=60)
    ap.add_argument("--no-probe-cost", action="store_true")
    ap.add_argument("--no-sustained", action="store_true")
    ap.add_argument("--sustain-rates", default=",".join(SUSTAIN_RATES))
    ap.add_argument("--sustain-seconds", type=int, default=30)
    ap.add_argument("--sustain-threads", type=int, default=SUSTAIN_THREADS,
                    help="generator threads for the sustained test, the rate split between them")
    ap.add_argument("--sustain-tracers", default="vigil",
                    help="tracers for the sustained-rate test (vigil, bare)")
    ap.add_argument("--sustain-all", action="store_true",
                    help="run every rate even after one dropped")
    ap.add_argument("--no-containers", action="store_true",
                    help="no container workloads and no hold measurement")
    ap.add_argument("--no-engine", action="store_true",
                    help="no measurement of the engine thread per rule set")
    ap.add_argument("--engine-baseline", metavar="VIGIL",
                    help="another vigil binary (e.g. main's) run on the three upstream files in "
                         "the same rounds of the engine measurement, for a same-run ratio")
    ap.add_argument("--hold-containers", type=int, default=40,
                    help="fresh containers started for the hold measurement (0: none)")
    args = ap.parse_args()
    if args.rules is None:
        args.rules = [os.path.join(UPSTREAM_RULES, "falco_rules.yaml")]
    if args.quick:
        args.rounds = 1
        args.sustain_seconds = 3
        args.sustain_rates = "200000"

    if os.geteuid() != 0:
        sys.exit("run.py: the syscall benchmark needs root (it loads BPF programs and sets "
                 "kernel.bpf_stats_enabled); run it with sudo")
    # opensnoop, execsnoop and bpftrace attach to tracepoints found in tracefs.
    mounted_tracefs = False
    if not os.path.exists("/sys/kernel/tracing/events"):
        log("mounting tracefs on /sys/kernel/tracing (the snoop tools and bpftrace need it)")
        mounted_tracefs = subprocess.run(["mount", "-t", "tracefs", "tracefs",
                                          "/sys/kernel/tracing"], check=False).returncode == 0

    pairs = [tuple(p.split(",", 1)) if "," in p else (p, "*") for p in args.only]

    def wanted(workload, tracer):
        return not pairs or any(fnmatch.fnmatchcase(workload, w) and fnmatch.fnmatchcase(tracer, t)
                                for w, t in pairs)

    tmpdir = tempfile.mkdtemp(prefix="vigil-syscalls-bench.")
    try:
        env = Env(args, tmpdir)
        if not os.path.exists(env.workload):
            sys.exit(f"run.py: {env.workload} not built (scripts/bench.sh syscalls builds it)")
        candidates = WORKLOADS + ([] if args.no_containers else CONTAINER_WORKLOADS)
        workloads = [w for w in candidates if any(wanted(w, t) for t in TRACERS + ["none"])]
        if any(w.endswith("@container") for w in workloads) or (
                not args.no_containers and args.hold_containers):
            log("starting a private dockerd (tests/runtimes/docker.sh) for the container rows")
            env.start_containers()
            if env.containers_skip:
                log(f"containers: skipped: {env.containers_skip}")
                workloads = [w for w in workloads if not w.endswith("@container")]
        if any(wanted(w, t) for w in workloads for t in ("vigil", "vigil+enrichers")):
            env.prepare_vigil(args.rules)
        skipped = {}
        for tracer in TRACERS:
            why = env.available(tracer)
            if why and any(wanted(w, tracer) for w in workloads):
                skipped[tracer] = why
                log(f"{tracer}: skipped: {why}")

        def tracers_for(workload):
            out = []
            for tracer in TRACERS:
                if tracer in skipped or not wanted(workload, tracer):
                    continue
                # The snoops and bpftrace on the host only; the enrichers in containers only.
                if workload.endswith("@container") and tracer not in CONTAINER_TRACERS:
                    continue
                if not workload.endswith("@container") and tracer == "vigil+enrichers":
                    continue
                if tracer in SNOOP_WORKLOADS and workload not in SNOOP_WORKLOADS[tracer]:
                    continue
                out.append(tracer)
            return out

        iterations = {}
        fixed = {}
        if args.iterations:
            if "=" in args.iterations:
                fixed = {k: int(v) for k, v in (kv.split("=") for kv in args.iterations.split(","))}
            else:
                fixed = {w: int(args.iterations) for w in candidates}
        for w in workloads:
            iterations[w] = fixed.get(w) or calibrate(
                env, w, QUICK_TARGET_S if args.quick else DEFAULT_TARGET_S)

        print(f"machine: {os.cpu_count()} CPUs, kernel {os.uname().release}, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; iterations "
              + ", ".join(f"{w}={iterations[w]}" for w in workloads), flush=True)
        results = measure_ratios(env, workloads, tracers_for, iterations, args.rounds)
        costs = {}
        if not args.no_probe_cost:
            log("== probe cost (kernel.bpf_stats_enabled=1)")
            costs = measure_probe_cost(env, workloads, tracers_for, iterations)
        sustained = {}
        if not args.no_sustained:
            for tracer in args.sustain_tracers.split(","):
                if tracer in skipped or not wanted("open_close", tracer):
                    continue
                log(f"== sustained rate under {tracer}")
                sustained[tracer] = measure_sustained(env, tracer, args.sustain_rates.split(","),
                                                      args.sustain_seconds, args.sustain_threads)
        engine = None
        if not env.containers_skip and "vigil+enrichers" not in skipped and \
                not args.no_engine and any(wanted(w, "vigil+enrichers") for w in CONTAINER_WORKLOADS):
            log("== engine thread per rule set under vigil+enrichers")
            for w in CONTAINER_WORKLOADS:
                iterations.setdefault(w, calibrate(env, w, DEFAULT_TARGET_S))
            engine = measure_engine(env, iterations, args.rounds)
        hold = None
        if not env.containers_skip and args.hold_containers and \
                "vigil+enrichers" not in skipped and \
                any(wanted(w, "vigil+enrichers") for w in CONTAINER_WORKLOADS):
            log(f"== hold: {args.hold_containers} fresh containers under vigil+enrichers")
            hold = []
            for label, eventless in (("docker, with its event stream", False),
                                     ("docker without an event stream (proxy)", True)):
                try:
                    hold.append((label, measure_hold(env, args.hold_containers, eventless)))
                except (BenchError, subprocess.CalledProcessError, OSError) as e:
                    log(f"  hold, {label}: {e}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        report(env, workloads, tracers_for, results, costs, sustained, skipped, hold, engine)
    finally:
        if env.containers_started:
            env.stop_containers()
        shutil.rmtree(tmpdir, ignore_errors=True)
        if mounted_tracefs:  # leave the machine as it was
            subprocess.run(["umount", "/sys/kernel/tracing"], check=False)


if __name__ == "__main__":
    main()
