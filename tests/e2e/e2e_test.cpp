// End to end, as root on the real kernel: vigil runs with the eBPF source, its default rules
// (rules/vigil_rules.yaml) and the test rules (e2e_rules.yaml), writing JSON alerts to a file; a
// test program (e2e_actions) performs real actions; each test waits for the alert of its action
// and checks its field values against what the program reported and what /proc says.
//
// Needs root and a kernel with BTF; CI runs as root. Without BTF the suite is skipped (the eBPF
// source cannot run there); without root it fails, saying so.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alerts.hpp"
#include "vigil_process.hpp"

namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using vigil::testing::ReadFile;
using vigil::testing::VigilProcess;
using Clock = std::chrono::steady_clock;
using vigil::testing::Alert;
using vigil::testing::AlertLog;
using vigil::testing::Fields;
using vigil::testing::StartVigil;
using vigil::testing::StopVigil;

// What an action printed (`key=value` lines) and how it ended.
struct Action {
  pid_t pid = -1;
  int status = -1;
  Fields out;
  int Int(const std::string& key) const {
    auto it = out.find(key);
    return it == out.end() ? -1 : std::stoi(it->second);
  }
};

Fields ParseKeyValues(const std::string& text) {
  Fields out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// /proc/<pid>/cmdline as Falco's proc.cmdline: the comm-independent argv joined by spaces, with
// argv[0] replaced by the process name.
std::vector<std::string> ProcArgs(pid_t pid) {
  std::string raw = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> args;
  std::string cur;
  for (char c : raw) {
    if (c == '\0') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  return args;
}

std::string ProcComm(pid_t pid) { return Trim(ReadFile("/proc/" + std::to_string(pid) + "/comm")); }

std::vector<std::string> ProcStat(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::vector<std::string> out;
  auto close = stat.rfind(')');
  out.push_back(stat.substr(0, stat.find(' ')));  // pid
  out.push_back(stat.substr(stat.find('(') + 1, close - stat.find('(') - 1));
  std::istringstream rest(stat.substr(close + 2));
  for (std::string f; rest >> f;) out.push_back(f);
  return out;  // man 5 proc numbering minus 1: [3]=ppid [4]=pgrp [5]=session [6]=tty_nr
}

class E2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists("/sys/kernel/btf/vmlinux")) {
      skip_ = "this kernel has no BTF (/sys/kernel/btf/vmlinux): the eBPF source cannot run";
      return;
    }
    if (geteuid() != 0) {
      fail_ = "the end-to-end tests load the eBPF probe and need root (CI runs them as root)";
      return;
    }
    dir_ = fs::temp_directory_path() / ("vigil-e2e-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    alerts_path_ = dir_ / "alerts.jsonl";
    std::ofstream(dir_ / "marker") << "marker\n";
    std::ofstream(dir_ / "extra.yaml") << "# rules a test adds while vigil runs\n";
    const std::string src = VIGIL_SOURCE_DIR;
    std::ofstream(dir_ / "vigil.yaml")
        << "plugin_paths: [" << VIGIL_PLUGIN_DIR << "]\n"
        << "allow_insecure_plugins: true\n"
        << "plugins:\n  - name: ebpf\n"
        << "rules_files: [" << src << "/rules/vigil_rules.yaml, " << src
        << "/tests/e2e/e2e_rules.yaml, " << (dir_ / "extra.yaml").string() << "]\n"
        << "watch_rules_files: false\n"
        << "outputs:\n  - name: file\n    config: {path: " << alerts_path_.string()
        << ", format: json}\n"
        << "engine: {stats_interval_s: 1}\n"
        << "log: {level: info}\n";
    vigil_ = StartVigil(dir_, {"run", "-c", (dir_ / "vigil.yaml").string()}, &fail_);
  }

  static void TearDownTestSuite() {
    StopVigil(vigil_, dir_);
    if (!dir_.empty() && !::testing::Test::HasFailure()) fs::remove_all(dir_);
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(fail_.empty()) << fail_;
  }

  // Runs e2e_actions (as `argv0` when given: a copy of the binary under that name) and waits.
  static Action Run(std::vector<std::string> args, const fs::path& binary = E2E_ACTIONS,
                    const fs::path& cwd = "/") {
    fs::path out = dir_ / "action.out";
    pid_t pid = fork();
    if (pid == 0) {
      FILE* f = std::fopen(out.c_str(), "w");
      dup2(fileno(f), 1);
      if (chdir(cwd.c_str()) != 0) _exit(126);
      std::vector<char*> argv;
      std::string name = binary.filename().string();
      argv.push_back(name.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    Action a;
    a.pid = pid;
    int status = 0;
    waitpid(pid, &status, 0);
    a.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    a.out = ParseKeyValues(ReadFile(out));
    return a;
  }

  static std::optional<Alert> WaitAlert(const std::string& rule, const std::string& key,
                                        const std::string& value) {
    return AlertLog(alerts_path_).Wait(rule, key, value);
  }
  static std::string Describe(const std::string& rule) {
    return AlertLog(alerts_path_).Describe(rule);
  }

  static inline std::string skip_, fail_;
  static inline fs::path dir_, alerts_path_;
  static inline VigilProcess* vigil_ = nullptr;
};

TEST_F(E2E, ShadowReadDirectlyByAProcessThatExitsAtOnce) {
  Action a = Run({"read", "/etc/shadow"});
  ASSERT_EQ(a.status, 0);
  auto alert = WaitAlert("Sensitive file opened for reading", "proc.pid", std::to_string(a.pid));
  ASSERT_TRUE(alert) << Describe("Sensitive file opened for reading");
  EXPECT_EQ(alert->fields["fd.name"], "/etc/shadow");
  EXPECT_EQ(alert->fields["proc.name"], "e2e_actions");
  EXPECT_EQ(alert->fields["proc.exepath"], fs::canonical(E2E_ACTIONS).string());
  EXPECT_EQ(alert->fields["proc.cmdline"], "e2e_actions read /etc/shadow");
  EXPECT_THAT(alert->fields["evt.arg.flags"], HasSubstr("O_RDONLY"));
  EXPECT_EQ(alert->fields["user.uid"], "0");
  EXPECT_EQ(alert->fields["user.name"], "root");
  // The process was gone before vigil could have looked at /proc: its exit is seen too.
  EXPECT_TRUE(WaitAlert("E2E process exited", "proc.pid", std::to_string(a.pid)))
      << Describe("E2E process exited");
}

TEST_F(E2E, ShadowReadThroughDotDotAndRelativePaths) {
  Action a = Run({"read", "/etc/../etc/shadow"});
  auto alert = WaitAlert("Sensitive file opened for reading", "proc.pid", std::to_string(a.pid));
  ASSERT_TRUE(alert) << Describe("Sensitive file opened for reading");
  EXPECT_EQ(alert->fields["fd.name"], "/etc/shadow");
  EXPECT_EQ(alert->fields["fd.nameraw"], "/etc/../etc/shadow");

  Action rel = Run({"read", "../etc/./shadow"}, E2E_ACTIONS, "/etc");
  alert = WaitAlert("Sensitive file opened for reading", "proc.pid", std::to_string(rel.pid));
  ASSERT_TRUE(alert) << Describe("Sensitive file opened for reading");
  EXPECT_EQ(alert->fields["fd.name"], "/etc/shadow");
}

TEST_F(E2E, SymlinkAndHardlinkOverEtcFiles) {
  fs::path link = dir_ / "shadow-link";
  Action s = Run({"symlink", "/etc/shadow", link.string()});
  ASSERT_EQ(s.status, 0);
  auto alert =
      WaitAlert("Symlink created over a sensitive file", "proc.pid", std::to_string(s.pid));
  ASSERT_TRUE(alert) << Describe("Symlink created over a sensitive file");
  EXPECT_EQ(alert->fields["evt.arg.target"], "/etc/shadow");
  EXPECT_EQ(alert->fields["evt.arg.linkpath"], link.string());

  fs::path hard = dir_ / "shadow-hard";
  Action h = Run({"hardlink", "/etc/shadow", hard.string()});
  ASSERT_EQ(h.status, 0);
  alert = WaitAlert("Hardlink created over a sensitive file", "proc.pid", std::to_string(h.pid));
  ASSERT_TRUE(alert) << Describe("Hardlink created over a sensitive file");
  EXPECT_EQ(alert->fields["evt.arg.oldpath"], "/etc/shadow");
  EXPECT_EQ(alert->fields["evt.arg.newpath"], hard.string());
  fs::remove(link);
  fs::remove(hard);
}

TEST_F(E2E, LoopbackConnectionHasBothPorts) {
  Action a = Run({"connect"});
  ASSERT_EQ(a.status, 0);
  const std::string sport = a.out["server_port"], cport = a.out["client_port"];
  auto c = WaitAlert("E2E loopback connect", "proc.pid", std::to_string(a.pid));
  ASSERT_TRUE(c) << Describe("E2E loopback connect");
  EXPECT_EQ(c->fields["fd.name"], "127.0.0.1:" + cport + "->127.0.0.1:" + sport);
  EXPECT_EQ(c->fields["fd.num"], a.out["client_fd"]);
  EXPECT_EQ(c->fields["fd.type"], "ipv4");
  EXPECT_EQ(c->fields["fd.l4proto"], "tcp");
  EXPECT_EQ(c->fields["fd.sockfamily"], "ip");
  EXPECT_EQ(c->fields["fd.sport"], sport);
  EXPECT_EQ(c->fields["fd.cport"], cport);
  EXPECT_EQ(c->fields["fd.lport"], cport);
  EXPECT_EQ(c->fields["fd.rport"], sport);
  EXPECT_EQ(c->fields["fd.is_server"], "false");
  EXPECT_EQ(c->fields["evt.res"], "SUCCESS");

  auto s = WaitAlert("E2E loopback accept", "proc.pid", std::to_string(a.pid));
  ASSERT_TRUE(s) << Describe("E2E loopback accept");
  EXPECT_EQ(s->fields["fd.num"], a.out["accepted_fd"]);
  EXPECT_EQ(s->fields["fd.sport"], sport);
  EXPECT_EQ(s->fields["fd.cport"], cport);
  EXPECT_EQ(s->fields["fd.lport"], sport);
  EXPECT_EQ(s->fields["fd.rport"], cport);
  EXPECT_EQ(s->fields["fd.is_server"], "true");
}

TEST_F(E2E, PtraceAttach) {
  Action a = Run({"ptrace"});
  ASSERT_EQ(a.status, 0);
  auto alert = WaitAlert("Process attached with ptrace", "proc.pid", std::to_string(a.pid));
  ASSERT_TRUE(alert) << Describe("Process attached with ptrace");
  EXPECT_THAT(alert->fields["evt.arg.request"], HasSubstr("PTRACE_ATTACH"));
  // As Falco, evt.arg of a pid resolves it to the process's name; evt.rawarg is the number.
  EXPECT_EQ(alert->fields["evt.arg.pid"], "e2e_actions");
  EXPECT_EQ(alert->fields["evt.rawarg.pid"], a.out["target"]);
}

TEST_F(E2E, ExecutionFromDevShm) {
  fs::path copy = "/dev/shm/vigil-e2e-true-" + std::to_string(getpid());
  fs::copy_file("/bin/true", copy, fs::copy_options::overwrite_existing);
  fs::permissions(copy, fs::perms::owner_all);
  Action a = Run({"exec", copy.string()});
  fs::remove(copy);
  ASSERT_EQ(a.status, 0);
  auto alert = WaitAlert("Execution from /dev/shm", "proc.pid", a.out["child"]);
  ASSERT_TRUE(alert) << Describe("Execution from /dev/shm");
  EXPECT_EQ(alert->fields["proc.exepath"], copy.string());
  EXPECT_EQ(alert->fields["proc.pname"], "e2e_actions");
}

TEST_F(E2E, FilelessExecutionThroughMemfd) {
  Action a = Run({"memfd"});
  ASSERT_EQ(a.status, 0);
  auto alert = WaitAlert("Fileless execution via memfd_create", "proc.pid", a.out["child"]);
  ASSERT_TRUE(alert) << Describe("Fileless execution via memfd_create");
  EXPECT_THAT(alert->fields["evt.arg.flags"], HasSubstr("EXE_FROM_MEMFD"));
  EXPECT_THAT(alert->fields["proc.exepath"], HasSubstr("memfd:vigil-e2e"));
  EXPECT_EQ(alert->fields["proc.pname"], "e2e_actions");
}

TEST_F(E2E, SetuidBackToRoot) {
  Action a = Run({"setuid"});
  ASSERT_EQ(a.status, 0);
  auto alert = WaitAlert("Privileges regained with setuid", "proc.pid", std::to_string(a.pid));
  ASSERT_TRUE(alert) << Describe("Privileges regained with setuid");
  EXPECT_THAT(alert->output, HasSubstr("Privileges regained with setuid"));
  EXPECT_THAT(alert->fields["evt.args"], HasSubstr("uid=0(root)"));
}

TEST_F(E2E, PacketSocket) {
  Action a = Run({"packet"});
  ASSERT_EQ(a.status, 0);
  auto alert = WaitAlert("Packet socket created", "proc.pid", std::to_string(a.pid));
  ASSERT_TRUE(alert) << Describe("Packet socket created");
  EXPECT_EQ(alert->fields["evt.arg.domain"], "AF_PACKET");
  EXPECT_EQ(alert->fields["fd.num"], a.out["fd"]);
}

TEST_F(E2E, UnshareAndSetns) {
  Action a = Run({"unshare"});
  ASSERT_EQ(a.status, 0);
  bool unshare = false, setns = false;
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline && !(unshare && setns)) {
    for (const Alert& al : AlertLog(alerts_path_).All()) {
      if (al.rule != "Namespace changed by an unexpected program") continue;
      if (al.fields.at("proc.pid") != std::to_string(a.pid)) continue;
      unshare |= al.fields.at("evt.type") == "unshare";
      setns |= al.fields.at("evt.type") == "setns";
      if (al.fields.at("evt.type") == "unshare") {
        EXPECT_THAT(al.fields.at("evt.args"), HasSubstr("CLONE_NEWUTS"));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(unshare) << Describe("Namespace changed by an unexpected program");
  EXPECT_TRUE(setns) << Describe("Namespace changed by an unexpected program");
}

TEST_F(E2E, ShellSpawnedByAWebServer) {
  fs::path nginx = dir_ / "nginx";
  fs::copy_file(E2E_ACTIONS, nginx, fs::copy_options::overwrite_existing);
  Action a = Run({"spawn-shell"}, nginx);
  ASSERT_EQ(a.status, 0);
  auto alert = WaitAlert("Shell spawned by a web server", "proc.ppid", std::to_string(a.pid));
  ASSERT_TRUE(alert) << Describe("Shell spawned by a web server");
  EXPECT_EQ(alert->fields["proc.pid"], a.out["child"]);
  EXPECT_EQ(alert->fields["proc.name"], "sh");
  EXPECT_EQ(alert->fields["proc.pname"], "nginx");
  EXPECT_EQ(alert->fields["proc.cmdline"], "sh -c exit 0");
  EXPECT_EQ(alert->fields["proc.pcmdline"], "nginx spawn-shell");
  EXPECT_EQ(alert->fields["proc.exepath"], fs::canonical("/bin/sh").string());
}

// proc.* of a three-level tree against /proc, read while the processes live.
TEST_F(E2E, ProcessFieldsOfAThreeLevelTreeMatchProc) {
  const std::string marker = (dir_ / "marker").string();
  int to_child[2], from_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(from_child), 0);
  pid_t top = fork();
  if (top == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[1]);
    close(from_child[0]);
    execl(E2E_ACTIONS, "e2e_actions", "tree", marker.c_str(), nullptr);
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  std::string out;
  char buf[256];
  while (out.find("grandchild=") == std::string::npos || out.back() != '\n') {
    ssize_t n = read(from_child[0], buf, sizeof buf);
    ASSERT_GT(n, 0) << "the tree did not report";
    out.append(buf, static_cast<size_t>(n));
  }
  Fields kv = ParseKeyValues(out);
  const pid_t child = std::stoi(kv["child"]), gc = std::stoi(kv["grandchild"]);

  // /proc, while all three live.
  const auto gc_stat = ProcStat(gc);
  const auto gc_args = ProcArgs(gc), child_args = ProcArgs(child);
  const std::string gc_exe = fs::read_symlink("/proc/" + std::to_string(gc) + "/exe").string();
  const std::string child_exe =
      fs::read_symlink("/proc/" + std::to_string(child) + "/exe").string();
  const std::string gc_cwd = fs::read_symlink("/proc/" + std::to_string(gc) + "/cwd").string();
  const std::string gc_comm = ProcComm(gc), child_comm = ProcComm(child), top_comm = ProcComm(top);

  auto alert = WaitAlert("E2E marker opened", "proc.pid", std::to_string(gc));
  ASSERT_EQ(write(to_child[1], "go\n", 3), 3);
  close(to_child[1]);
  close(from_child[0]);
  waitpid(top, nullptr, 0);
  ASSERT_TRUE(alert) << Describe("E2E marker opened");
  Fields& f = alert->fields;

  auto join = [](const std::vector<std::string>& v, size_t from) {
    std::string s;
    for (size_t i = from; i < v.size(); ++i) s += (s.empty() ? "" : " ") + v[i];
    return s;
  };
  EXPECT_EQ(f["proc.pid"], std::to_string(gc));
  EXPECT_EQ(f["thread.tid"], std::to_string(gc));
  EXPECT_EQ(f["proc.vpid"], std::to_string(gc));
  EXPECT_EQ(f["proc.ppid"], std::to_string(child));
  EXPECT_EQ(f["proc.ppid"], gc_stat[3]);
  EXPECT_EQ(f["proc.apid[2]"], std::to_string(top));
  EXPECT_EQ(f["proc.name"], gc_comm);
  EXPECT_EQ(f["proc.pname"], child_comm);
  EXPECT_EQ(f["proc.aname[2]"], top_comm);
  EXPECT_EQ(f["proc.exepath"], gc_exe);
  EXPECT_EQ(f["proc.pexepath"], child_exe);
  EXPECT_EQ(f["proc.exe"], gc_args.at(0));
  EXPECT_EQ(f["proc.args"], join(gc_args, 1));
  EXPECT_EQ(f["proc.cmdline"], gc_comm + " " + join(gc_args, 1));
  EXPECT_EQ(f["proc.pcmdline"], child_comm + " " + join(child_args, 1));
  EXPECT_EQ(f["proc.cwd"], gc_cwd + "/");
  EXPECT_EQ(f["proc.sid"], gc_stat[5]);
  EXPECT_EQ(f["proc.vpgid"], gc_stat[4]);
  EXPECT_EQ(f["user.uid"], std::to_string(geteuid()));
  EXPECT_EQ(f["group.gid"], std::to_string(getegid()));
  EXPECT_EQ(f["user.name"], "root");
  EXPECT_EQ(f["fd.name"], marker);
  EXPECT_EQ(f["fd.directory"], dir_.string());
  EXPECT_EQ(f["fd.filename"], "marker");
  EXPECT_EQ(f["fd.typechar"], "f");
  EXPECT_THAT(f["thread.cap_effective"], HasSubstr("CAP_SYS_ADMIN"));
}

// A rule on a syscall nothing captured so far (getppid), added by a reload: the host hands the
// new capture set to the probe, and the syscall is seen from then on.
TEST_F(E2E, ReloadWidensTheCaptureToWhatNewRulesNeed) {
  std::ofstream(dir_ / "extra.yaml")
      << "- rule: E2E getppid\n"
         "  desc: a syscall only this rule needs\n"
         "  condition: evt.type = getppid and proc.name = e2e_actions\n"
         "  output: getppid proc.pid=%proc.pid res=%evt.rawres\n"
         "  priority: DEBUG\n";
  vigil_->Signal(SIGHUP);
  ASSERT_TRUE(vigil_->WaitForLog("rules reloaded (SIGHUP)")) << ReadFile(dir_ / "stderr.txt");
  ASSERT_TRUE(vigil_->WaitForLog("getppid")) << ReadFile(dir_ / "stderr.txt");
  Action a = Run({"getppid"});
  ASSERT_EQ(a.status, 0);
  auto alert = WaitAlert("E2E getppid", "proc.pid", std::to_string(a.pid));
  ASSERT_TRUE(alert) << Describe("E2E getppid");
  EXPECT_EQ(alert->fields["evt.rawres"], a.out["ppid"]);
}

// Root without the capabilities the probe needs: vigil refuses to start and says which.
TEST_F(E2E, StartupWithoutBpfCapabilitiesNamesThem) {
  fs::path dir = dir_ / "nocaps";
  fs::create_directories(dir);
  std::ofstream(dir / "vigil.yaml") << "plugin_paths: [" << VIGIL_PLUGIN_DIR << "]\n"
                                    << "allow_insecure_plugins: true\n"
                                    << "plugins:\n  - name: ebpf\n"
                                    << "rules_files: []\n";
  std::string cmd = "capsh --drop=cap_bpf,cap_perfmon,cap_sys_admin -- -c '" +
                    std::string(VIGIL_BINARY) + " run -c " + (dir / "vigil.yaml").string() + " 2>" +
                    (dir / "stderr.txt").string() + "'";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);
  std::string err = ReadFile(dir / "stderr.txt");
  EXPECT_THAT(err, HasSubstr("plugin 'ebpf': init failed"));
  EXPECT_THAT(err, HasSubstr("without CAP_BPF CAP_PERFMON"));
}

// Two thousand short-lived processes: every exit removes its entry, so the state tables end
// near where they began.
TEST_F(E2E, StateStaysBoundedUnderAForkStorm) {
  auto threads_now = [] {
    std::string err = ReadFile(dir_ / "stderr.txt");
    auto at = err.rfind("state: threads=");
    if (at == std::string::npos) return -1L;
    return std::stol(err.substr(at + 15));
  };
  auto wait_stats = [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // stats every second
    return threads_now();
  };
  long before = wait_stats();
  ASSERT_GT(before, 0) << ReadFile(dir_ / "stderr.txt");
  ASSERT_EQ(Run({"forkstorm", "2000"}).status, 0);
  long after = wait_stats();
  EXPECT_LT(after, before + 200) << "before=" << before << " after=" << after;
}

}  // namespace
