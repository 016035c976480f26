#!/usr/bin/env python3
"""The quiet baseline: vigil with the default config, Falco's three upstream syscall rules files
and vigil's rules/ watches this host for a while as it does ordinary work (shells, a build, a
package installed and removed, git, containers started and stopped in Docker and containerd).
It then lists every rule that fired, and fails when an alert shows no value for a field its own
condition uses: the sign of a field vigil does not fill where Falco does. docs/compatibility.md
says why the rules that do fire fire. Needs root (the eBPF probe, the runtimes).

  sudo scripts/baseline.sh                     # release build, 60 s
  sudo python3 tests/baseline/run.py --build-dir build/ci --seconds 60
"""
import argparse
import collections
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import yaml

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UPSTREAM = os.path.join(SRC, "..", "shared", "upstream", "falco-rules")
UPSTREAM_FILES = ["falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"]
RUNTIMES = os.path.join(SRC, "tests", "runtimes")
DOCKER = os.environ.get("VIGIL_DOCKER_CLI", "/usr/bin/docker")
IMAGE = "vigil-test:1"
CTR_IMAGE = "docker.io/library/vigil-test:1"
NO_VALUE = (None, "<NA>")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw).stdout


def rules_files():
    files = [os.path.join(UPSTREAM, f) for f in UPSTREAM_FILES]
    own = os.path.join(SRC, "rules")
    files += sorted(os.path.join(own, f) for f in os.listdir(own) if f.endswith(".yaml"))
    return files


def condition_fields(files, field_names):
    """rule name -> the fields its condition reads, macros expanded (as loaded: later files
    redefine, append: true appends)."""
    macros, rules = {}, {}
    for path in files:
        for item in yaml.safe_load(open(path)) or []:
            for kind, table in (("macro", macros), ("rule", rules)):
                if kind not in item or "condition" not in item:
                    continue
                name = item[kind]
                cond = str(item["condition"])
                table[name] = table.get(name, "") + " " + cond if item.get("append") else cond
    token = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*(?:\[[^\]]*\])?")

    def fields(cond, seen):
        out = set()
        for t in token.findall(cond):
            base = t.split("[", 1)[0]
            if base in macros and base not in seen:
                out |= fields(macros[base], seen | {base})
            elif base in field_names:
                out.add(t)
        return out

    return {name: fields(cond, set()) for name, cond in rules.items()}


class Workload:
    """Ordinary work, in rounds: each round does every kind once."""

    def __init__(self, work, docker_host, ctr):
        self.work, self.docker, self.ctr = work, f"{DOCKER} -H {docker_host}", ctr
        self.round = 0
        src = os.path.join(work, "build")
        os.makedirs(src)
        with open(os.path.join(src, "main.c"), "w") as f:
            f.write('#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n')
        with open(os.path.join(src, "Makefile"), "w") as f:
            f.write("hello: main.o\n\tcc -o $@ $^\nmain.o: main.c\n\tcc -O2 -c $<\n"
                    "clean:\n\trm -f hello main.o\n")
        pkg = os.path.join(work, "pkg")
        os.makedirs(os.path.join(pkg, "DEBIAN"))
        os.makedirs(os.path.join(pkg, "usr", "share", "doc", "vigil-baseline"))
        with open(os.path.join(pkg, "DEBIAN", "control"), "w") as f:
            f.write("Package: vigil-baseline\nVersion: 1.0\nArchitecture: all\n"
                    "Maintainer: vigil <vigil@localhost>\nDescription: baseline test package\n")
        with open(os.path.join(pkg, "DEBIAN", "postinst"), "w") as f:
            f.write("#!/bin/sh\nset -e\ntouch /usr/share/doc/vigil-baseline/installed\n")
        os.chmod(os.path.join(pkg, "DEBIAN", "postinst"), 0o755)
        with open(os.path.join(pkg, "usr", "share", "doc", "vigil-baseline", "README"), "w") as f:
            f.write("installed by vigil's baseline\n")
        sh(f"dpkg-deb --root-owner-group -b {pkg} {work}/vigil-baseline.deb >/dev/null")

    def once(self):
        self.round += 1
        w, n = self.work, self.round
        sh("bash -c 'for i in 1 2 3; do ls /tmp >/dev/null; cat /etc/hostname >/dev/null; "
           "ps ax >/dev/null; done'")
        sh("script -qec \"bash -i -c 'echo hi; uname -a' \" /dev/null >/dev/null")
        sh(f"make -s -C {w}/build clean hello >/dev/null && {w}/build/hello >/dev/null")
        sh(f"dpkg -i {w}/vigil-baseline.deb >/dev/null && dpkg -r vigil-baseline >/dev/null")
        repo = f"{w}/repo{n}"
        sh(f"git init -q {repo} && cd {repo} && echo {n} > f && git add f && "
           "git -c user.name=b -c user.email=b@localhost commit -qm r")
        sh(f"{self.docker} run --rm {IMAGE} /bin/sh -c 'ls / >/dev/null; cat /etc/passwd "
           ">/dev/null; id' >/dev/null")
        cid = sh(f"{self.docker} run -d {IMAGE} sleep 30").strip()
        sh(f"{self.docker} exec {cid} /bin/sh -c 'ls /etc >/dev/null'")
        sh(f"{self.docker} rm -f {cid} >/dev/null")
        # A 64-hex id, as the CRI gives its containers (vigil, as Falco, knows containerd's
        # containers by such ids in their cgroup path).
        sh(f"{self.ctr} --rm {CTR_IMAGE} {os.urandom(32).hex()} "
           "/bin/sh -c 'cat /etc/group >/dev/null' >/dev/null")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(SRC, "build", "release"))
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--log-level", default="info", help="vigil's log.level")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (alerts, logs)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("the baseline needs root (the eBPF probe, the container runtimes)")
    build = os.path.abspath(args.build_dir)
    vigil_bin = os.path.join(build, "vigil")
    work = tempfile.mkdtemp(prefix="vigil-baseline-")
    os.chmod(work, 0o755)
    rt_docker, rt_ctr = os.path.join(work, "docker"), os.path.join(work, "containerd")
    alerts = os.path.join(work, "alerts.jsonl")
    vigil = None
    try:
        print("starting dockerd and containerd ...", flush=True)
        sh(f"bash {RUNTIMES}/docker.sh start {rt_docker}")
        sh(f"bash {RUNTIMES}/containerd.sh start {rt_ctr}")
        docker_host = f"unix://{rt_docker}/docker.sock"
        ctr_sock = f"{rt_ctr}/containerd.sock"
        ctr = f"/usr/bin/ctr -a {ctr_sock} -n k8s.io"
        ctr_run = f"{ctr} run --fifo-dir {rt_ctr}/fifo --runc-root {rt_ctr}/runc"

        fields_json = json.loads(sh(f"{vigil_bin} fields --json -c {SRC}/packaging/vigil.yaml "
                                    f"-o plugin_paths=[{build}/lib/vigil/plugins] "
                                    "-o allow_insecure_plugins=true"))
        field_names = {f["name"] for f in fields_json}
        files = rules_files()
        uses = condition_fields(files, field_names)

        cmd = [vigil_bin, "run", "-c", f"{SRC}/packaging/vigil.yaml",
               "-o", f"plugin_paths=[{build}/lib/vigil/plugins]",
               "-o", "allow_insecure_plugins=true", "-o", "watch_rules_files=false",
               "-o", "engine.stats_interval_s=10", "-o", f"log.level={args.log_level}",
               "-o", f"outputs=[{{name: file, config: {{path: {alerts}, format: json}}}}]",
               "-o", "plugins[1].init_config.engines={docker: {sockets: ["
               f"{rt_docker}/docker.sock]}}, containerd: {{sockets: [{ctr_sock}]}}, "
               "podman: {enabled: false}, cri: {enabled: false}}"]
        for f in files:
            cmd += ["-r", f]
        log = open(os.path.join(work, "vigil.log"), "w")
        vigil = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while "vigil running" not in open(log.name).read():
            if vigil.poll() is not None or time.time() > deadline:
                sys.exit("vigil did not start:\n" + open(log.name).read())
            time.sleep(0.2)

        print(f"ordinary work for {args.seconds} s ...", flush=True)
        load = Workload(work, docker_host, ctr_run)
        end = time.time() + args.seconds
        while time.time() < end:
            load.once()
        time.sleep(1)
        vigil.send_signal(signal.SIGTERM)
        vigil.wait(timeout=30)
        stats = [l for l in open(log.name) if "hold:" in l or "plugin container" in l]

        by_rule = collections.OrderedDict()
        bad = []
        for line in open(alerts):
            a = json.loads(line)
            rule, fields = a["rule"], a.get("output_fields", {})
            by_rule.setdefault(rule, []).append(a)
            # A host process has no container or pod: those fields are rightly empty for it.
            on_host = fields.get("container.id") == "host"
            empty = sorted(f for f in uses.get(rule, ()) if f in fields and
                           fields[f] in NO_VALUE and
                           not (on_host and f.startswith(("container.", "k8s."))))
            if empty:
                bad.append((rule, empty, a["output"]))
        print(f"\n{load.round} rounds of work; {sum(map(len, by_rule.values()))} alert(s) "
              f"of {len(by_rule)} rule(s)")
        for rule, alerts_of in by_rule.items():
            print(f"  {len(alerts_of):5d}  {rule}  [{alerts_of[0]['priority']}]")
            print(f"         e.g. {alerts_of[0]['output'][:400]}")
        if stats:
            print("\nlast stats line:\n  " + stats[-1].strip()[:2000])
        if bad:
            print(f"\n{len(bad)} alert(s) show no value for a field their condition uses:")
            seen = set()
            for rule, empty, output in bad:
                if (rule, tuple(empty)) in seen:
                    continue
                seen.add((rule, tuple(empty)))
                print(f"  {rule}: {', '.join(empty)}\n    {output[:400]}")
            return 1
        print("\nno alert shows <NA> for a field its own condition uses")
        return 0
    finally:
        if vigil is not None and vigil.poll() is None:
            vigil.kill()
        for script, d in (("containerd.sh", rt_ctr), ("docker.sh", rt_docker)):
            if os.path.isdir(d):
                subprocess.run(["bash", f"{RUNTIMES}/{script}", "stop", d],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run("dpkg -r vigil-baseline", shell=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        if args.keep:
            print(f"kept {work}")
        else:
            subprocess.run(["rm", "-rf", "--one-file-system", work])


if __name__ == "__main__":
    sys.exit(main())
