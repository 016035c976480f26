// End to end in real containers, as root on the real kernel: vigil runs with the default config
// (packaging/vigil.yaml: the eBPF source, the container plugin, append_output) pointed at the
// test runtimes (tests/runtimes: a private dockerd and containerd), Falco's three upstream rule
// files and vigil's default rules, writing JSON alerts to a file. Real attacks' footprints are
// made inside containers (docker exec -it, a package manager, a dropped binary, a reverse shell's
// dup2, a packet socket, /proc/self/environ, /etc/shadow, a privileged mount, a Kubernetes-style
// pod started with ctr in k8s.io) and each alert is checked for its rule and its container, image
// and pod; a benign container must raise nothing.
//
// Needs root, BTF and both runtime fixtures (their sockets in DOCKER_HOST and CONTAINERD_ADDRESS);
// skipped without them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "alerts.hpp"
#include "shell.hpp"
#include "vigil_process.hpp"

namespace {
namespace fs = std::filesystem;
using vigil::testing::Alert;
using vigil::testing::AlertLog;
using vigil::testing::RandomContainerId;
using vigil::testing::ReadFile;
using vigil::testing::Shell;
using vigil::testing::StartVigil;
using vigil::testing::StopVigil;
using vigil::testing::VigilProcess;
using Clock = std::chrono::steady_clock;

constexpr const char* kDockerImage = "vigil-test:1";
constexpr const char* kCtrImage = "docker.io/library/vigil-test:1";
constexpr const char* kApp = "vigil-e2e-app";

class ContainerE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* docker_host = std::getenv("DOCKER_HOST");
    const char* containerd = std::getenv("CONTAINERD_ADDRESS");
    if (geteuid() != 0 || !fs::exists("/sys/kernel/btf/vmlinux") || docker_host == nullptr ||
        containerd == nullptr || !fs::exists(std::string(docker_host).substr(7)) ||
        !fs::exists(containerd)) {
      skip_ = "needs root, BTF and the docker and containerd fixtures (tests/runtimes)";
      return;
    }
    docker_ = "/usr/bin/docker -H " + std::string(docker_host) + " ";
    const std::string rt = fs::path(containerd).parent_path().string();
    ctr_ = "/usr/bin/ctr -a " + std::string(containerd) + " -n k8s.io ";
    ctr_run_ = ctr_ + "run -d --fifo-dir " + rt + "/fifo --runc-root " + rt + "/runc ";

    char tmpl[] = "/tmp/vigil-container-e2e-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      fail_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    fs::copy_file(E2E_ACTIONS_STATIC, dir_ / "actions");
    alerts_ = dir_ / "alerts.jsonl";
    const std::string src = VIGIL_SOURCE_DIR;
    const std::string upstream = src + "/../shared/upstream/falco-rules/";
    std::vector<std::string> args = {
        "run",
        "-c",
        src + "/packaging/vigil.yaml",
        "-o",
        "plugin_paths=[" + std::string(VIGIL_PLUGIN_DIR) + "]",
        "-o",
        "allow_insecure_plugins=true",
        "-o",
        "watch_rules_files=false",
        "-o",
        "outputs=[{name: file, config: {path: " + alerts_.string() + ", format: json}}]",
        "-o",
        "plugins[1].init_config.engines={docker: {sockets: [" + std::string(docker_host).substr(7) +
            "]}, containerd: {sockets: [" + containerd +
            "]}, podman: {enabled: false}, cri: {enabled: false}}",
        "-r",
        upstream + "falco_rules.yaml",
        "-r",
        upstream + "falco-incubating_rules.yaml",
        "-r",
        upstream + "falco-sandbox_rules.yaml",
        "-r",
        src + "/rules",
        "-r",
        src + "/tests/e2e/container_e2e_rules.yaml"};
    vigil_ = StartVigil(dir_, args, &fail_);
    if (vigil_ == nullptr) return;
    // The long-running container most tests act in; the actions binary (static: the image has
    // no C++ runtime) bind-mounted read-only, so running it from there is not a dropped binary.
    app_id_ = Shell(docker_ + "run -d --name " + kApp + " -v " + dir_.string() + ":/vigil:ro " +
                    kDockerImage + " /bin/sleep 600");
    if (app_id_.size() != 64) fail_ = "docker run failed: " + app_id_;
  }

  static void TearDownTestSuite() {
    if (!docker_.empty()) {
      Shell(docker_ + "rm -f " + kApp + " vigil-e2e-health >/dev/null 2>&1", false);
    }
    for (const std::string& id : ctr_ids_) {
      Shell(ctr_ + "task rm -f " + id + " >/dev/null 2>&1", false);
      Shell(ctr_ + "containers rm " + id + " >/dev/null 2>&1", false);
    }
    StopVigil(vigil_, dir_);
    if (!dir_.empty() && !::testing::Test::HasFailure()) fs::remove_all(dir_);
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(fail_.empty()) << fail_;
  }

  static std::string Exec(const std::string& command) {
    return Shell(docker_ + "exec " + kApp + " " + command);
  }

  // The alert of `rule` from the container whose full id is `full_id`, with the container
  // fields append_output gives every syscall alert.
  static std::optional<Alert> FromContainer(const std::string& rule, const std::string& full_id) {
    return AlertLog(alerts_).Wait(rule, "container.id", full_id.substr(0, 12));
  }
  static void ExpectApp(const Alert& a) {
    EXPECT_EQ(a.fields.at("container.name"), kApp) << a.output;
    EXPECT_EQ(a.fields.at("container.image.repository"), "vigil-test") << a.output;
    EXPECT_EQ(a.fields.at("container.image.tag"), "1") << a.output;
    EXPECT_EQ(a.fields.at("k8s.pod.name"), "<NA>") << a.output;
    EXPECT_THAT(a.output, ::testing::HasSubstr("container_id=" + app_id_.substr(0, 12) +
                                               " container_name=" + kApp));
  }
  // Checks the upstream rule's alert and vigil's own for the same action in the app container.
  static void ExpectBoth(const std::string& upstream_rule, const std::string& vigil_rule) {
    for (const std::string& rule : {upstream_rule, vigil_rule}) {
      SCOPED_TRACE(rule);
      auto a = FromContainer(rule, app_id_);
      ASSERT_TRUE(a) << AlertLog(alerts_).Describe(rule);
      ExpectApp(*a);
    }
  }

  static inline std::string skip_, fail_, docker_, ctr_, ctr_run_, app_id_;
  static inline std::vector<std::string> ctr_ids_;
  static inline fs::path dir_, alerts_;
  static inline VigilProcess* vigil_ = nullptr;
};

TEST_F(ContainerE2E, TerminalShellThroughDockerExecIt) {
  // script gives `docker exec -it` the terminal it insists on.
  Shell("script -qec \"" + docker_ + "exec -it " + kApp + " /bin/sh -c 'exit 0'\" /dev/null");
  ExpectBoth("Terminal shell in container", "Terminal shell in a container");
  auto a = FromContainer("Terminal shell in a container", app_id_);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->fields["proc.name"], "sh");
  EXPECT_NE(a->fields["proc.tty"], "0");
}

TEST_F(ContainerE2E, PackageManager) {
  Exec("dpkg -l >/dev/null");
  ExpectBoth("Launch Package Management Process in Container",
             "Package manager run in a container");
}

TEST_F(ContainerE2E, DroppedBinaryExecuted) {
  Exec("/bin/sh -c 'cp /vigil/actions /tmp/dropped && /tmp/dropped getppid'");
  ExpectBoth("Drop and execute new binary in container", "Program written in a container executed");
  auto a = FromContainer("Program written in a container executed", app_id_);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->fields["proc.exepath"], "/tmp/dropped");
}

TEST_F(ContainerE2E, ReverseShellWiring) {
  Exec("/vigil/actions reverse-shell");
  ExpectBoth("Redirect STDOUT/STDIN to Network Connection in Container",
             "Standard input or output redirected to a network connection in a container");
}

TEST_F(ContainerE2E, PacketSocket) {
  Exec("/vigil/actions packet");
  ExpectBoth("Packet socket created in container", "Packet socket created");
}

TEST_F(ContainerE2E, EnvironmentReadFromProc) {
  Exec("cat /proc/self/environ >/dev/null");
  ExpectBoth("Read environment variable from /proc files",
             "Process environment read from /proc in a container");
}

TEST_F(ContainerE2E, ShadowRead) {
  Exec("cat /etc/shadow >/dev/null");
  ExpectBoth("Read sensitive file untrusted", "Sensitive file opened for reading");
  auto a = FromContainer("Sensitive file opened for reading", app_id_);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->fields["fd.name"], "/etc/shadow");
}

// Through ctr, not docker: `docker run --privileged` asks for every capability and this machine's
// root lacks CAP_SYS_RESOURCE (runc fails to apply them); ctr can drop that one and the container
// stays privileged (all other capabilities, no masked paths).
TEST_F(ContainerE2E, MountInAFreshPrivilegedContainer) {
  const std::string id = RandomContainerId();
  ctr_ids_.push_back(id);
  Shell(ctr_run_ + "--privileged --cap-drop CAP_SYS_RESOURCE " + kCtrImage + " " + id +
        " /bin/sh -c 'mkdir -p /m && mount -t tmpfs none /m && umount /m' >/dev/null");
  for (const std::string rule :
       {"Mount Launched in Privileged Container", "File system mounted in a container"}) {
    SCOPED_TRACE(rule);
    auto a = FromContainer(rule, id);
    ASSERT_TRUE(a) << AlertLog(alerts_).Describe(rule);
    EXPECT_EQ(a->fields["container.name"], id);  // containerd without a name: the id
    EXPECT_EQ(a->fields["container.image.repository"], "docker.io/library/vigil-test");
  }
  auto a = FromContainer("File system mounted in a container", id);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->fields["container.privileged"], "true");
  EXPECT_EQ(a->fields["evt.arg.type"], "tmpfs");
}

// runc mounts the container's file systems from its set-up stages, which the process table may
// already count as in the container: vigil's rules must know them as the runtime at work.
TEST_F(ContainerE2E, RuncSetUpIsTheRuntimeAtWork) {
  for (const std::string name : {"runc:[1:CHILD]", "exe"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(AlertLog(alerts_).Wait("E2E runc set-up mount", "proc.name", name))
        << AlertLog(alerts_).Describe("E2E runc set-up mount");
  }
  for (const Alert& a : AlertLog(alerts_).All()) {
    if (a.rule != "File system mounted in a container") continue;
    EXPECT_EQ(a.fields.at("proc.name"), "mount") << a.output;
  }
}

// dockerd runs the health check as /bin/sh -c "cat /etc/hostname" in the container, and dash
// execs cat in its place: both are the health check; the container's own processes are not.
TEST_F(ContainerE2E, AHealthCheckIsKnownAsOne) {
  const std::string name = "vigil-e2e-health";
  const std::string id = Shell(docker_ + "run -d --name " + name +
                               " --health-cmd 'cat /etc/hostname' --health-interval 1s " +
                               kDockerImage + " /bin/sleep 600");
  ASSERT_EQ(id.size(), 64u) << id;
  for (const std::string proc : {"sh", "cat"}) {
    SCOPED_TRACE(proc);
    auto a = AlertLog(alerts_).Wait("E2E container health check", [&](Alert& x) {
      return x.fields["container.id"] == id.substr(0, 12) && x.fields["proc.name"] == proc;
    });
    EXPECT_TRUE(a) << AlertLog(alerts_).Describe("E2E container health check");
  }
  Shell(docker_ + "rm -f " + name + " >/dev/null 2>&1", false);
  for (const Alert& a : AlertLog(alerts_).All()) {
    if (a.rule != "E2E container health check") continue;
    EXPECT_NE(a.fields.at("proc.name"), "sleep") << a.output;  // the container's own process
  }
}

// Two containers of one pod, as the CRI makes them (a sandbox, then containers with the pod's
// labels), in containerd's k8s.io namespace. Each acts at its very first exec, before any other
// event of the container: the alert must already carry the image and the pod (held until the
// runtime answered).
TEST_F(ContainerE2E, KubernetesPodThroughContainerd) {
  const std::string pod =
      "--label io.kubernetes.pod.name=web-0 --label io.kubernetes.pod.namespace=shop "
      "--label io.kubernetes.pod.uid=3f0e6a1c-8d2b-4c55-9a7e-1b2c3d4e5f60 ";
  const std::string sandbox = RandomContainerId(), app = RandomContainerId(),
                    sidecar = RandomContainerId();
  ctr_ids_.insert(ctr_ids_.end(), {sandbox, app, sidecar});
  Shell(ctr_run_ + pod + "--label io.cri-containerd.kind=sandbox --label app=web " + kCtrImage +
        " " + sandbox + " /bin/sleep 600 >/dev/null");
  const std::string member =
      pod +
      "--label io.cri-containerd.kind=container --label io.kubernetes.cri.sandbox-id=" + sandbox +
      " ";
  Shell(ctr_run_ + member + "--label io.kubernetes.container.name=app " + kCtrImage + " " + app +
        " /bin/cat /proc/self/environ >/dev/null");
  Shell(ctr_run_ + member + "--label io.kubernetes.container.name=sidecar " + kCtrImage + " " +
        sidecar + " /bin/cat /etc/shadow >/dev/null");

  struct Expect {
    std::string id, name, rule;
  };
  for (const Expect& e : {Expect{app, "app", "Read environment variable from /proc files"},
                          Expect{app, "app", "Process environment read from /proc in a container"},
                          Expect{sidecar, "sidecar", "Read sensitive file untrusted"}}) {
    SCOPED_TRACE(e.rule);
    auto a = FromContainer(e.rule, e.id);
    ASSERT_TRUE(a) << AlertLog(alerts_).Describe(e.rule);
    EXPECT_EQ(a->fields["container.name"], e.name);
    EXPECT_EQ(a->fields["container.image.repository"], "docker.io/library/vigil-test");
    EXPECT_EQ(a->fields["k8s.pod.name"], "web-0");
    EXPECT_EQ(a->fields["k8s.ns.name"], "shop");
  }
}

// A container that does ordinary things (a shell, a file written and read, ls, id) raises
// nothing but what Falco raises for every container start too: the sandbox rule "Launch Sensitive
// Mount Container" (docs/compatibility.md). An alerting action in the app container afterwards
// shows vigil got past the benign container's events.
TEST_F(ContainerE2E, BenignContainerRaisesNothing) {
  const std::string name = "vigil-e2e-benign";
  Shell(docker_ + "run --rm --name " + name + " " + kDockerImage +
        " /bin/sh -c 'ls / >/dev/null; echo hi >/tmp/x; cat /tmp/x >/dev/null; id >/dev/null; "
        "uname -a >/dev/null; sleep 0.2'");
  auto markers = [] {
    size_t n = 0;
    for (Alert& a : AlertLog(alerts_).All()) {
      n += a.rule == "Sensitive file opened for reading" &&
           a.fields["container.id"] == app_id_.substr(0, 12);
    }
    return n;
  };
  const size_t before = markers();
  Exec("cat /etc/shadow >/dev/null");
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (markers() == before && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(markers(), before) << "the marker action raised no alert";
  std::this_thread::sleep_for(std::chrono::seconds(1));
  int at_start = 0;
  for (const Alert& a : AlertLog(alerts_).All()) {
    auto it = a.fields.find("container.name");
    if (it == a.fields.end() || it->second != name) continue;
    // The suite's own probes (container_e2e_rules.yaml) fire on every container start by design:
    // runc's set-up mounts run in the container's cgroup, so they carry its name.
    if (a.rule.starts_with("E2E ")) continue;
    EXPECT_EQ(a.rule, "Launch Sensitive Mount Container") << a.output;
    ++at_start;
  }
  EXPECT_LE(at_start, 1);  // the container's first process only
}

}  // namespace
