// vigil_rules_bench: cost of evaluating Falco's own syscall rules, against a baseline measured in
// the same run.
//
// Loads the three upstream syscall rules files together (falco_rules.yaml,
// falco-incubating_rules.yaml, falco-sandbox_rules.yaml: ~90 rules, ~350 macros, ~160 lists) with
// the `container` plugin at 0.4.0, against Falco's field declarations from tests/support
// (falco_fields.hpp), whose extractors return values precomputed per synthetic event. So the
// figures are the rule engine's own cost: condition evaluation, the event-type index, list and
// string matching; no field is really extracted from a record.
//
//   baseline            one thread walks the events and reads two precomputed fields of each
//                       (proc.name, fd.name): what touching an event costs with no rules at all
//   index, no match     Ruleset::Evaluate with the event-type index, on a stream where no rule
//                       matches (the common case; checked before measuring)
//   no index, no match  the same rules loaded with index_by_event_type = false: every rule of the
//                       source runs on every event
//   index, 1% match     the index on a stream where ~1% of events match some rule
//
// The stream is a realistic syscall mix (read/write/close/mmap... that no rule needs, opens,
// connects, accepts, execs...) over a few process profiles (nginx on the host, postgres, a Java
// service in a pod, ...) with plausible values. Each case runs whole passes over the stream for at
// least ~0.25 s per round; median of the rounds. Load + compile time of the ruleset: median of 10
// LoadRuleset calls over the files already in memory.
//
// Usage: vigil_rules_bench [--rules-dir DIR] [--events N] [--rounds R] [--match-permille M]
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "falco_fields.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/core/rules.hpp"
#include "vigil/event_record.h"
#include "vigil/event_types.h"

namespace {

using Clock = std::chrono::steady_clock;
using vigil::testing::FalcoFieldValues;
using Row = FalcoFieldValues::Row;

struct Config {
  std::string rules_dir = VIGIL_SOURCE_DIR "/../shared/upstream/falco-rules";
  uint64_t events = 65536;
  int rounds = 5;
  uint32_t match_permille = 10;  // 1%
};

const char* const kRulesFiles[] = {"falco_rules.yaml", "falco-incubating_rules.yaml",
                                   "falco-sandbox_rules.yaml"};

volatile uint64_t g_sink;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

uint16_t TypeCode(std::string_view name) {
  static const std::map<std::string_view, uint16_t> kCodes = {
#define VIGIL_BENCH_TYPE(code, name) {#name, code},
      VIGIL_SYSCALL_EVENT_TYPES(VIGIL_BENCH_TYPE)
#undef VIGIL_BENCH_TYPE
  };
  const auto it = kCodes.find(name);
  if (it == kCodes.end()) {
    std::fprintf(stderr, "unknown event type '%.*s'\n", static_cast<int>(name.size()), name.data());
    std::exit(1);
  }
  return it->second;
}

// --- Counting what the files define (the Ruleset API exposes compiled rules only) --------------

struct FileCounts {
  int rules = 0, macros = 0, lists = 0, disabled_rules = 0, appends = 0;
};

FileCounts CountItems(const std::vector<vigil::rules::RulesFile>& files) {
  FileCounts c;
  for (const auto& f : files) {
    YAML::Node doc = YAML::Load(f.content);
    if (!doc.IsSequence()) continue;
    for (const YAML::Node& item : doc) {
      if (!item.IsMap()) continue;
      if (item["append"] || item["override"]) {
        ++c.appends;
        continue;
      }
      if (item["rule"]) {
        ++c.rules;
        if (item["enabled"] && !item["enabled"].as<bool>()) ++c.disabled_rules;
      } else if (item["macro"]) {
        ++c.macros;
      } else if (item["list"]) {
        ++c.lists;
      }
    }
  }
  return c;
}

// --- The synthetic stream ---------------------------------------------------------------------

// A process the events come from. Nothing here is what any rule looks for.
struct Profile {
  const char* name;
  const char* exe;
  const char* args;
  const char* pname;
  const char* pexe;
  const char* gpname;  // grandparent
  const char* user;
  const char* uid;
  const char* container_id;  // "host" outside containers
  const char* image;         // repository
  const char* pod;
  const char* ns;
  const char* read_path;   // a file it reads
  const char* write_path;  // a file it writes (append)
  const char* peer_ip;     // a server it connects to
  const char* peer_port;
  const char* listen_port;
};

const Profile kProfiles[] = {
    {"nginx", "/usr/sbin/nginx", "-g daemon off;", "nginx", "/usr/sbin/nginx", "systemd",
     "www-data", "33", "host", "", "", "", "/usr/share/nginx/html/index.html",
     "/var/log/nginx/access.log", "10.0.3.21", "8080", "443"},
    {"postgres", "/usr/lib/postgresql/15/bin/postgres", "-D /var/lib/postgresql/data", "postgres",
     "/usr/lib/postgresql/15/bin/postgres", "containerd-shim", "postgres", "999", "3ad7b26ded6d",
     "docker.io/library/postgres", "db-0", "shop", "/var/lib/postgresql/data/base/16384/2619",
     "/var/lib/postgresql/data/pg_wal/000000010000000000000001", "10.0.4.2", "5432", "5432"},
    {"java", "/opt/java/openjdk/bin/java", "-jar /app/api.jar", "containerd-shim",
     "/usr/bin/containerd-shim-runc-v2", "containerd", "appuser", "1000", "8f2e1c9a4b7d",
     "registry.example.com/shop/api", "api-7c9d8-xk2lp", "shop", "/app/config/application.yaml",
     "/app/logs/api.log", "10.0.4.2", "5432", "8080"},
    {"python3", "/usr/local/bin/python3", "worker.py --queue default", "python3",
     "/usr/local/bin/python3", "containerd-shim", "app", "1000", "5c1d2e3f4a5b",
     "registry.example.com/shop/worker", "worker-5f6b7-q8r9s", "shop", "/srv/worker/settings.toml",
     "/srv/worker/out/report.csv", "10.0.4.3", "6379", "9000"},
    {"node", "/usr/bin/node", "server.js", "node", "/usr/bin/node", "systemd", "node", "1001",
     "host", "", "", "", "/srv/web/public/app.js", "/srv/web/logs/web.log", "10.0.3.22", "443",
     "3000"},
    {"redis-server", "/usr/local/bin/redis-server", "*:6379", "containerd-shim",
     "/usr/bin/containerd-shim-runc-v2", "containerd", "redis", "999", "9a8b7c6d5e4f",
     "docker.io/library/redis", "cache-0", "shop", "/data/dump.rdb", "/data/appendonly.aof",
     "10.0.4.9", "6379", "6379"},
};

// Event types and their weight in the mix (per mille), roughly what a busy server shows.
struct TypeWeight {
  const char* type;
  int weight;
};
const TypeWeight kMix[] = {
    {"read", 200},    {"write", 180},   {"close", 110},   {"openat", 90},  {"mmap", 40},
    {"mprotect", 30}, {"fcntl", 30},    {"recvfrom", 50}, {"sendto", 50},  {"recvmsg", 15},
    {"sendmsg", 15},  {"getppid", 10},  {"connect", 25},  {"accept4", 20}, {"socket", 15},
    {"open", 10},     {"dup2", 10},     {"clone", 15},    {"execve", 15},  {"procexit", 15},
    {"unlinkat", 10}, {"renameat2", 8}, {"mkdirat", 5},   {"fchmodat", 4}, {"listen", 3},
    {"bind", 3},      {"pipe2", 5},     {"setuid", 2},    {"chdir", 3},    {"kill", 2},
};

class StreamBuilder {
 public:
  explicit StreamBuilder(FalcoFieldValues& values) : values_(values) {}

  void Set(Row row, std::string_view field, std::string_view text) {
    const vigil::Status s = values_.Set(row, field, text);
    if (!s.ok()) {
      std::fprintf(stderr, "set %.*s: %s\n", static_cast<int>(field.size()), field.data(),
                   s.message().c_str());
      std::exit(1);
    }
  }
  void SetList(Row row, std::string_view field, std::vector<std::string_view> texts) {
    const vigil::Status s = values_.SetList(row, field, texts);
    if (!s.ok()) {
      std::fprintf(stderr, "set %.*s: %s\n", static_cast<int>(field.size()), field.data(),
                   s.message().c_str());
      std::exit(1);
    }
  }

  // The row of a benign event of `type` from process profile `p` (variant `v` varies fds/paths).
  Row BenignRow(size_t p, std::string_view type, int v) {
    const auto key = std::make_tuple(p, std::string(type), v);
    if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
    const Row row = values_.AddRow();
    cache_.emplace(key, row);
    FillProcess(row, kProfiles[p], v);
    FillType(row, kProfiles[p], type, v);
    return row;
  }

  void FillProcess(Row row, const Profile& pr, int v) {
    const std::string pid = std::to_string(1200 + v * 7);
    const std::string cmdline = std::string(pr.name) + " " + pr.args;
    Set(row, "proc.name", pr.name);
    Set(row, "proc.exe", pr.exe);
    Set(row, "proc.exepath", pr.exe);
    Set(row, "proc.args", pr.args);
    Set(row, "proc.cmdline", cmdline);
    Set(row, "proc.pname", pr.pname);
    Set(row, "proc.pexe", pr.pexe);
    Set(row, "proc.pexepath", pr.pexe);
    Set(row, "proc.pcmdline", pr.pname);
    SetList(row, "proc.aname", {pr.pname, pr.gpname});
    SetList(row, "proc.aexepath", {pr.pexe});
    Set(row, "proc.aname[1]", pr.pname);
    Set(row, "proc.aname[2]", pr.gpname);
    Set(row, "proc.aexe[2]", pr.gpname);
    Set(row, "proc.sname", pr.gpname);
    Set(row, "proc.pid", pid);
    Set(row, "proc.vpid", pid);
    Set(row, "proc.ppid", "1100");
    Set(row, "proc.tty", "0");
    Set(row, "proc.cwd", "/");
    Set(row, "proc.env", "PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8");
    Set(row, "proc.duration", "86400000000000");
    Set(row, "proc.is_exe_upper_layer", "false");
    Set(row, "proc.is_exe_from_memfd", "false");
    Set(row, "proc.is_vpgid_leader", "false");
    Set(row, "proc.exe_ino.ctime", "1690000000000000000");
    Set(row, "proc.exe_ino.mtime", "1690000000000000000");
    Set(row, "proc.exe_ino.ctime_duration_proc_start", "31536000000000000");
    Set(row, "thread.cap_effective", "");
    Set(row, "thread.cap_permitted", "");
    Set(row, "user.name", pr.user);
    Set(row, "user.uid", pr.uid);
    Set(row, "user.loginuid", "-1");
    Set(row, "user.loginname", "");
    Set(row, "group.gid", pr.uid);
    Set(row, "group.name", pr.user);
    Set(row, "container.id", pr.container_id);
    const bool in_container = std::string_view(pr.container_id) != "host";
    if (in_container) {
      Set(row, "container.image.repository", pr.image);
      Set(row, "container.privileged", "false");
      Set(row, "container.mounts", "/var/lib/kubelet/pods/x/volumes:/data:rw:true:rprivate");
      Set(row, "container.start_ts", "1700000000000000000");
      Set(row, "k8s.pod.name", pr.pod);
      Set(row, "k8s.ns.name", pr.ns);
    } else {
      Set(row, "container.privileged", "false");
    }
  }

  void SetFile(Row row, std::string_view path, int fd) {
    const size_t slash = path.rfind('/');
    Set(row, "fd.num", std::to_string(fd));
    Set(row, "fd.type", "file");
    Set(row, "fd.typechar", "f");
    Set(row, "fd.name", path);
    Set(row, "fd.nameraw", path);
    Set(row, "fd.directory", slash == 0 ? "/" : path.substr(0, slash));
    Set(row, "fd.filename", path.substr(slash + 1));
  }

  void SetSocket(Row row, const Profile& pr, bool server, int fd) {
    const std::string client_ip = server ? "10.0.5.17" : "10.0.3.10";
    const std::string server_ip = server ? "10.0.3.10" : pr.peer_ip;
    const std::string sport = server ? pr.listen_port : pr.peer_port;
    Set(row, "fd.num", std::to_string(fd));
    Set(row, "fd.type", "ipv4");
    Set(row, "fd.typechar", "4");
    Set(row, "fd.sockfamily", "ip");
    Set(row, "fd.l4proto", "tcp");
    Set(row, "fd.name", client_ip + ":48122->" + server_ip + ":" + sport);
    Set(row, "fd.cip", client_ip);
    Set(row, "fd.sip", server_ip);
    Set(row, "fd.lip", server ? server_ip : client_ip);
    Set(row, "fd.rip", server ? client_ip : server_ip);
    SetList(row, "fd.ip", {client_ip, server_ip});
    Set(row, "fd.cport", "48122");
    Set(row, "fd.sport", sport);
    Set(row, "fd.lport", server ? sport : "48122");
    Set(row, "fd.rport", server ? "48122" : sport);
    SetList(row, "fd.port", {"48122", sport});
    // Networks as the address the fd has (Falco compares fd.*net against CIDRs).
    Set(row, "fd.cnet", client_ip);
    Set(row, "fd.snet", server_ip);
    Set(row, "fd.rnet", server ? client_ip : server_ip);
    SetList(row, "fd.net", {client_ip, server_ip});
    Set(row, "fd.connected", "true");
    Set(row, "fd.is_server", server ? "true" : "false");
    Set(row, "fd.sip.name", "");
    Set(row, "fd.cip.name", "");
  }

  void FillType(Row row, const Profile& pr, std::string_view type, int v) {
    const int fd = 5 + v;
    Set(row, "evt.res", "SUCCESS");
    Set(row, "evt.rawres", "0");
    Set(row, "evt.failed", "false");
    Set(row, "evt.is_open_read", "false");
    Set(row, "evt.is_open_write", "false");
    Set(row, "evt.is_open_exec", "false");
    if (type == "open" || type == "openat") {
      const bool write = v % 3 == 2;
      SetFile(row, write ? pr.write_path : pr.read_path, fd);
      Set(row, "evt.rawres", std::to_string(fd));
      Set(row, "evt.is_open_read", write ? "false" : "true");
      Set(row, "evt.is_open_write", write ? "true" : "false");
      Set(row, "evt.arg.flags",
          write ? "O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC" : "O_RDONLY|O_CLOEXEC");
      Set(row, "evt.arg.name", write ? pr.write_path : pr.read_path);
      Set(row, "evt.args", "fd=5 name=x flags=O_RDONLY");
    } else if (type == "read" || type == "write" || type == "close" || type == "fcntl" ||
               type == "mmap" || type == "mprotect" || type == "dup2") {
      // dup2 of files only: a socket duplicated onto stdin/stdout is what a reverse shell does.
      if (v % 2 == 0 || type == "dup2") {
        SetFile(row, v % 4 == 0 ? pr.read_path : pr.write_path, fd);
      } else {
        SetSocket(row, pr, v % 4 == 1, fd);
      }
      Set(row, "evt.arg.fd", std::to_string(fd));
      Set(row, "evt.args", "fd=5 size=4096");
      if (type == "mprotect" || type == "mmap") Set(row, "evt.arg.prot", "PROT_READ|PROT_WRITE");
      Set(row, "evt.buffer", "GET /index.html HTTP/1.1");
    } else if (type == "recvfrom" || type == "sendto" || type == "recvmsg" || type == "sendmsg" ||
               type == "connect" || type == "accept4" || type == "listen" || type == "bind") {
      const bool server = type == "accept4" || type == "listen" || type == "bind" || v % 2 == 1;
      SetSocket(row, pr, server, fd);
      Set(row, "evt.args", "fd=5 tuple=x");
      Set(row, "evt.buffer", "\x01\x02payload");
    } else if (type == "socket") {
      Set(row, "evt.arg.domain", "AF_INET");
      Set(row, "evt.rawres", std::to_string(fd));
      Set(row, "evt.args", "domain=2(AF_INET) type=1 proto=0");
    } else if (type == "execve" || type == "clone" || type == "procexit") {
      // A worker re-executing itself: parent and child are the same program.
      Set(row, "evt.arg.filename", pr.exe);
      Set(row, "evt.args", "res=0");
    } else if (type == "unlinkat" || type == "renameat2" || type == "mkdirat" ||
               type == "fchmodat") {
      const std::string tmp = std::string(pr.write_path) + ".tmp";
      Set(row, "evt.arg.name", tmp);
      Set(row, "evt.arg.path", tmp);
      Set(row, "evt.arg.oldpath", tmp);
      Set(row, "evt.arg.newpath", pr.write_path);
      Set(row, "evt.arg.mode", "0644");
      Set(row, "evt.args", "res=0");
    } else if (type == "setuid") {
      // A server started as root dropping to its service user (nginx master → worker): the
      // caller is still root; the rules look for non-root callers.
      Set(row, "user.name", "root");
      Set(row, "user.uid", "0");
      Set(row, "evt.arg.uid", pr.user);
      Set(row, "evt.args", "uid=33");
    } else {
      Set(row, "evt.args", "res=0");
    }
  }

 private:
  FalcoFieldValues& values_;
  std::map<std::tuple<size_t, std::string, int>, Row> cache_;
};

// Events that some rule of the upstream files reports (checked against the engine at run time:
// only the ones that really match are used for the 1% stream).
struct Attack {
  const char* what;
  const char* type;
  std::vector<std::pair<const char*, const char*>> fields;
};

std::vector<Attack> Attacks() {
  const std::vector<std::pair<const char*, const char*>> shell = {
      {"proc.name", "bash"},
      {"proc.exe", "/bin/bash"},
      {"proc.exepath", "/bin/bash"},
      {"proc.pname", "nginx"},
      {"proc.pexe", "/usr/sbin/nginx"},
      {"proc.aname[1]", "nginx"},
      {"proc.aname[2]", "systemd"},
      {"proc.cmdline", "bash -i"},
      {"proc.args", "-i"},
      {"proc.pcmdline", "nginx -g daemon off;"},
      {"proc.tty", "34816"},
      {"user.name", "www-data"},
      {"user.uid", "33"},
      {"user.loginuid", "-1"},
      {"container.id", "3ad7b26ded6d"},
      {"container.image.repository", "docker.io/library/nginx"},
      {"container.privileged", "false"},
      {"proc.is_exe_upper_layer", "false"},
      {"proc.is_exe_from_memfd", "false"},
      {"proc.cwd", "/"},
      {"proc.env", "TERM=xterm"},
      {"evt.res", "SUCCESS"},
      {"evt.rawres", "0"}};
  auto with = [&](std::vector<std::pair<const char*, const char*>> extra) {
    auto f = shell;
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
  };
  return {
      {"shell spawned by a web server in a container (Terminal shell / Run shell untrusted)",
       "execve", with({{"proc.vpid", "1"}})},
      {"cat reads /etc/shadow (Read sensitive file untrusted)", "openat",
       with({{"proc.name", "cat"},
             {"proc.exe", "/bin/cat"},
             {"proc.exepath", "/bin/cat"},
             {"proc.pname", "bash"},
             {"proc.cmdline", "cat /etc/shadow"},
             {"fd.name", "/etc/shadow"},
             {"fd.nameraw", "/etc/shadow"},
             {"fd.directory", "/etc"},
             {"fd.filename", "shadow"},
             {"fd.typechar", "f"},
             {"fd.type", "file"},
             {"fd.num", "3"},
             {"evt.is_open_read", "true"},
             {"evt.is_open_write", "false"},
             {"evt.arg.flags", "O_RDONLY"},
             {"evt.rawres", "3"}})},
      {"a log file truncated (Clear Log Activities)", "openat",
       with({{"fd.name", "/var/log/syslog"},
             {"fd.nameraw", "/var/log/syslog"},
             {"fd.directory", "/var/log"},
             {"fd.filename", "syslog"},
             {"fd.typechar", "f"},
             {"fd.type", "file"},
             {"fd.num", "3"},
             {"evt.is_open_read", "false"},
             {"evt.is_open_write", "true"},
             {"evt.arg.flags", "O_WRONLY|O_TRUNC"},
             {"evt.rawres", "3"}})},
      {"bash history removed (Delete or rename shell history)", "unlinkat",
       with({{"evt.arg.name", "/root/.bash_history"},
             {"evt.arg.path", "/root/.bash_history"},
             {"fd.name", "/root/.bash_history"}})},
      {"a file executed from /dev/shm (Execution from /dev/shm)", "execve",
       with({{"proc.exe", "/dev/shm/x"},
             {"proc.exepath", "/dev/shm/x"},
             {"proc.name", "x"},
             {"proc.cmdline", "x"},
             {"proc.cwd", "/dev/shm/"}})},
  };
}

// --- Measuring --------------------------------------------------------------------------------

struct Stream {
  std::vector<vigil::fields::EventContext> events;
};

struct Engine {
  std::unique_ptr<vigil::rules::Ruleset> ruleset;
  uint32_t syscall_index = 0;
  const std::string* syscall_name = nullptr;
};

Engine Load(const std::vector<vigil::rules::RulesFile>& files,
            const vigil::fields::FieldRegistry& registry, bool index, bool print) {
  vigil::rules::LoadOptions options;
  options.registry = &registry;
  options.plugin_versions = {{"container", "0.4.0"}};
  options.index_by_event_type = index;
  vigil::rules::Diagnostics diags;
  Engine e;
  e.ruleset = vigil::rules::LoadRuleset(files, options, diags);
  if (print) {
    for (const auto& d : diags.items()) {
      if (d.severity == vigil::rules::Severity::kError) std::printf("  %s\n", d.ToString().c_str());
    }
    std::printf("diagnostics: %zu errors, %zu warnings\n", diags.errors(), diags.warnings());
  }
  if (!e.ruleset) {
    std::fprintf(stderr, "the rules did not load\n");
    std::exit(1);
  }
  const auto& sources = e.ruleset->sources();
  const auto it = std::find(sources.begin(), sources.end(), std::string("syscall"));
  if (it == sources.end()) {
    std::fprintf(stderr, "no rule for source syscall\n");
    std::exit(1);
  }
  e.syscall_index = static_cast<uint32_t>(it - sources.begin());
  e.syscall_name = &*it;
  return e;
}

// Points every event of `stream` at the engine's source index.
void BindSource(Stream& s, const Engine& e) {
  for (auto& ev : s.events) {
    ev.source_index = e.syscall_index;
    ev.source_name = e.syscall_name;
  }
}

// Events matched (at least one rule) and matches in total, over one pass.
std::pair<uint64_t, uint64_t> CountMatches(Engine& e, const Stream& s,
                                           std::map<std::string, uint64_t>* by_rule) {
  std::vector<size_t> matches;
  uint64_t events = 0, total = 0;
  for (const auto& ev : s.events) {
    e.ruleset->Evaluate(ev, &matches);
    if (!matches.empty()) ++events;
    total += matches.size();
    if (by_rule) {
      for (size_t m : matches) ++(*by_rule)[e.ruleset->rules()[m].name];
    }
  }
  return {events, total};
}

// Whole passes over the stream for at least `min_secs`; events per second.
template <typename PassFn>
double Measure(PassFn pass, uint64_t events_per_pass, double min_secs) {
  uint64_t passes = 0;
  const auto start = Clock::now();
  double secs = 0;
  do {
    pass();
    ++passes;
    secs = Seconds(Clock::now() - start);
  } while (secs < min_secs);
  return static_cast<double>(passes * events_per_pass) / secs;
}

double RunEvaluate(Engine& e, const Stream& s, double min_secs) {
  std::vector<size_t> matches;
  matches.reserve(64);
  uint64_t sum = 0;
  const double eps = Measure(
      [&] {
        for (const auto& ev : s.events) {
          e.ruleset->Evaluate(ev, &matches);
          sum += matches.size();
        }
      },
      s.events.size(), min_secs);
  g_sink = sum;
  return eps;
}

double RunBaseline(const FalcoFieldValues& values, uint32_t col_a, uint32_t col_b, const Stream& s,
                   double min_secs) {
  uint64_t sum = 0;
  const double eps = Measure(
      [&] {
        for (const auto& ev : s.events) {
          const auto a = values.Get(col_a, ev.evtnum);
          const auto b = values.Get(col_b, ev.evtnum);
          sum +=
              ev.type + (a.empty() ? 0 : a[0].bytes.size()) + (b.empty() ? 0 : b[0].bytes.size());
        }
      },
      s.events.size(), min_secs);
  g_sink = sum;
  return eps;
}

bool ParseArgs(int argc, char** argv, Config* config) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    const uint64_t n = std::strtoull(value.c_str(), nullptr, 10);
    if (flag == "--rules-dir") {
      config->rules_dir = value;
    } else if (flag == "--events") {
      config->events = std::max<uint64_t>(n, 1024);
    } else if (flag == "--rounds") {
      config->rounds = static_cast<int>(std::max<uint64_t>(n, 1));
    } else if (flag == "--match-permille") {
      config->match_permille = static_cast<uint32_t>(std::min<uint64_t>(n, 1000));
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (!ParseArgs(argc, argv, &config)) {
    std::fprintf(stderr,
                 "usage: %s [--rules-dir DIR] [--events N] [--rounds R] [--match-permille M]\n",
                 argv[0]);
    return 2;
  }

  // Files, read once.
  std::vector<std::string> paths;
  for (const char* f : kRulesFiles) paths.push_back(config.rules_dir + "/" + f);
  vigil::rules::Diagnostics read_diags;
  const std::vector<vigil::rules::RulesFile> files =
      vigil::rules::ReadRulesPaths(paths, read_diags);
  if (read_diags.has_errors() || files.size() != std::size(kRulesFiles)) {
    for (const auto& d : read_diags.items()) std::fprintf(stderr, "%s\n", d.ToString().c_str());
    return 1;
  }
  const FileCounts counts = CountItems(files);

  auto values = std::make_shared<FalcoFieldValues>();
  const vigil::fields::FieldRegistry registry = vigil::testing::MakeFalcoTestRegistry(values);

  std::printf("rules: %s/{%s, %s, %s}\n", config.rules_dir.c_str(), kRulesFiles[0], kRulesFiles[1],
              kRulesFiles[2]);
  std::printf(
      "in the files: %d rules (%d enabled: false), %d macros, %d lists, %d appends/"
      "overrides\n",
      counts.rules, counts.disabled_rules, counts.macros, counts.lists, counts.appends);
  Engine indexed = Load(files, registry, /*index=*/true, /*print=*/true);
  Engine unindexed = Load(files, registry, /*index=*/false, /*print=*/false);
  std::printf(
      "compiled: %zu rules (Ruleset::rules()); event types needed by syscall rules: %zu of "
      "%u\n",
      indexed.ruleset->rules().size(), indexed.ruleset->EventTypesFor("syscall").size(),
      VIGIL_EVENT_TYPE_END - VIGIL_EVENT_SYSCALL_FIRST);

  // Load + compile time.
  std::vector<double> load_ms;
  for (int i = 0; i < 10; ++i) {
    vigil::rules::LoadOptions options;
    options.registry = &registry;
    options.plugin_versions = {{"container", "0.4.0"}};
    vigil::rules::Diagnostics diags;
    const auto start = Clock::now();
    auto rs = vigil::rules::LoadRuleset(files, options, diags);
    load_ms.push_back(Seconds(Clock::now() - start) * 1e3);
    if (!rs) return 1;
  }

  // The streams. Every event has its own evtnum (the key of its precomputed values) and a real
  // record (header only, of the event's type), so nothing that reads ctx.record trips.
  std::vector<std::pair<uint16_t, int>> mix;
  int total_weight = 0;
  for (const TypeWeight& t : kMix) {
    mix.emplace_back(TypeCode(t.type), t.weight);
    total_weight += t.weight;
  }
  StreamBuilder builder(*values);
  std::mt19937_64 rng(42);
  const uint64_t n = config.events;
  // [0, n): the no-match stream; [n, 2n): the 1%-match stream; then one probe per candidate.
  const uint64_t probes = Attacks().size();
  std::vector<uint8_t> records((2 * n + probes) * VIGIL_EVENT_HEADER_SIZE);
  const auto make_event = [&](uint64_t evtnum, uint16_t type, Row row) {
    const uint64_t ts = 1'700'000'000'000'000'000ull + evtnum * 1000;
    uint8_t* rec = records.data() + evtnum * VIGIL_EVENT_HEADER_SIZE;
    vigil_event_writer w;
    vigil_event_begin(&w, rec, VIGIL_EVENT_HEADER_SIZE, type, ts, 1200, 0);
    uint32_t len = 0;
    if (vigil_event_end(&w, &len) != VIGIL_EVENT_OK) std::abort();
    values->Assign(evtnum, row);
    vigil::fields::EventContext ev;
    ev.record = rec;
    ev.len = len;
    ev.evtnum = evtnum;
    ev.ts_ns = ts;
    ev.type = type;
    ev.source_index = indexed.syscall_index;
    ev.source_name = indexed.syscall_name;
    return ev;
  };

  Stream benign;
  std::vector<std::pair<uint16_t, Row>> benign_shape(n);
  for (uint64_t i = 0; i < n; ++i) {
    int pick = static_cast<int>(rng() % total_weight);
    size_t t = 0;
    while (pick >= mix[t].second) pick -= mix[t++].second;
    const size_t profile = rng() % std::size(kProfiles);
    const int variant = static_cast<int>(rng() % 8);
    const Row row = builder.BenignRow(profile, kMix[t].type, variant);
    benign_shape[i] = {mix[t].first, row};
    benign.events.push_back(make_event(i, mix[t].first, row));
  }

  // Candidate attack rows, kept only if the engine says some rule matches them.
  std::vector<std::pair<uint16_t, Row>> kept;
  std::printf("\nmatching events for the %.1f%% stream (checked with the engine):\n",
              config.match_permille / 10.0);
  uint64_t probe_evtnum = 2 * n;
  for (const Attack& a : Attacks()) {
    const Row row = values->AddRow();
    for (const auto& [f, v] : a.fields) builder.Set(row, f, v);
    Stream probe;
    probe.events.push_back(make_event(probe_evtnum++, TypeCode(a.type), row));
    std::map<std::string, uint64_t> by_rule;
    CountMatches(indexed, probe, &by_rule);
    std::string names;
    for (const auto& [name, c] : by_rule) names += (names.empty() ? "" : ", ") + name;
    std::printf("  %-4s %s%s%s\n", by_rule.empty() ? "no" : "yes", a.what,
                by_rule.empty() ? "" : " -> ", names.c_str());
    if (!by_rule.empty()) kept.emplace_back(TypeCode(a.type), row);
  }

  Stream matching;
  uint64_t replaced = 0;
  for (uint64_t i = 0; i < n; ++i) {
    auto shape = benign_shape[i];
    if (!kept.empty() && rng() % 1000 < config.match_permille)
      shape = kept[replaced++ % kept.size()];
    matching.events.push_back(make_event(n + i, shape.first, shape.second));
  }

  // Checks: no match in the benign stream; both streams agree with and without the index.
  std::map<std::string, uint64_t> benign_rules;
  const auto [benign_events, benign_total] = CountMatches(indexed, benign, &benign_rules);
  BindSource(benign, unindexed);
  const auto [benign_events_ni, benign_total_ni] = CountMatches(unindexed, benign, nullptr);
  BindSource(benign, indexed);
  const auto [match_events, match_total] = CountMatches(indexed, matching, nullptr);
  Stream matching_ni = matching;
  BindSource(matching_ni, unindexed);
  const auto [match_events_ni, match_total_ni] = CountMatches(unindexed, matching_ni, nullptr);
  std::printf("\nno-match stream: %llu events, %llu matched a rule%s\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(benign_events),
              benign_events == 0 ? " [ok]" : "  [NOT ZERO]");
  for (const auto& [name, c] : benign_rules) {
    std::printf("  %8llu x %s\n", static_cast<unsigned long long>(c), name.c_str());
  }
  std::printf("1%%-match stream: %llu of %llu events matched (%llu alerts)\n",
              static_cast<unsigned long long>(match_events), static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(match_total));
  const bool agree = benign_events == benign_events_ni && benign_total == benign_total_ni &&
                     match_events == match_events_ni && match_total == match_total_ni;
  std::printf("index on and off give the same matches: %s\n", agree ? "yes" : "NO");

  // Measure.
  Stream benign_ni = benign;
  BindSource(benign_ni, unindexed);
  const uint32_t col_name = values->Column("proc.name");
  const uint32_t col_fd = values->Column("fd.name");
  constexpr double kMinSecs = 0.25;
  std::vector<double> base, idx, noidx, idx_match;
  for (int r = 0; r < config.rounds; ++r) {
    base.push_back(RunBaseline(*values, col_name, col_fd, benign, kMinSecs));
    idx.push_back(RunEvaluate(indexed, benign, kMinSecs));
    noidx.push_back(RunEvaluate(unindexed, benign_ni, kMinSecs));
    idx_match.push_back(RunEvaluate(indexed, matching, kMinSecs));
  }

  const double b = Median(base);
  std::printf(
      "\nrules: %zu compiled rules, %llu events per pass, %zu field value rows, "
      "median of %d rounds, 1 thread\n",
      indexed.ruleset->rules().size(), static_cast<unsigned long long>(n), values->rows(),
      config.rounds);
  std::printf("%-36s %14s %10s %10s\n", "case", "events/s", "ns/event", "vs base");
  const auto row = [&](const char* name, double eps) {
    std::printf("%-36s %14.0f %10.2f %9.3fx\n", name, eps, 1e9 / eps, eps / b);
  };
  row("baseline (read 2 fields, no rules)", b);
  row("index, no match", Median(idx));
  row("no index, no match", Median(noidx));
  row("index, 1% match", Median(idx_match));
  std::printf(
      "\nload + compile (3 files, LoadRuleset): median %.1f ms of 10 (min %.1f, max %.1f)\n",
      Median(load_ms), *std::min_element(load_ms.begin(), load_ms.end()),
      *std::max_element(load_ms.begin(), load_ms.end()));
  return benign_events == 0 && agree ? 0 : 1;
}
