// The container plugin against the fake host: the container of an event's process from the
// core's cgroups, resolved once per process and again at exec, read back by its fields; and the
// runtime's metadata from a local Docker Engine API server, with the hold until it is in.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "fake_docker_engine.hpp"
#include "test_util.hpp"
#include "vigil/event_types.h"
#include "vigil/testing/fake_host.hpp"

namespace {

using namespace vigil::container::testing;

using vigil::testing::FakeHost;
using vigil::testing::Record;

constexpr const char* kId = "3f4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a";
constexpr const char* kOtherId = "aa4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819bb";

vigil::sdk::ProcessInfo Process(int64_t pid, std::vector<std::string> cgroups) {
  vigil::sdk::ProcessInfo p;
  p.tid = p.pid = pid;
  p.comm = "sh";
  p.cgroups = std::move(cgroups);
  return p;
}

Record Syscall(const char* type, int64_t tid) {
  const uint16_t code = vigil::SyscallEventCode(type);
  Record r = Record::Make(code, {}, 0, tid);
  r.set_source("syscall");
  return r;
}

class ContainerPluginTest : public ::testing::Test {
 protected:
  // No runtime: these tests are about the ids from the cgroups alone.
  void SetUp() override {
    ASSERT_TRUE(host_.Init(R"({"engines": {"docker": {"enabled": false},
                                           "podman": {"enabled": false}}})"))
        << host_.LastError();
  }

  // container.id, container.full_id, container.type of `record` ("<none>" for no value).
  std::vector<std::string> Fields(const Record& record) {
    auto values =
        host_.ExtractFields(record, {"container.id", "container.full_id", "container.type"});
    EXPECT_TRUE(values) << host_.LastError();
    std::vector<std::string> out;
    for (const auto& v : values.value_or(std::vector<vigil::testing::FieldValue>{})) {
      out.push_back(v.present() ? v.ToString() : "<none>");
    }
    return out;
  }

  FakeHost host_{std::string(VIGIL_PLUGIN_PATH)};
};

TEST_F(ContainerPluginTest, AContainersProcessGetsItsIdAndRuntime) {
  host_.SetProcess(Process(100, {"0::/system.slice/docker-" + std::string(kId) + ".scope"}));
  Record open = Syscall("openat", 100);
  ASSERT_TRUE(host_.Parse(open)) << host_.LastError();
  EXPECT_EQ(Fields(open),
            (std::vector<std::string>{std::string(kId).substr(0, 12), kId, "docker"}));
  EXPECT_EQ(host_.Counter("resolved"), 1u);
}

TEST_F(ContainerPluginTest, AHostProcessIsHost) {
  host_.SetProcess(Process(1, {"0::/init.scope"}));
  Record open = Syscall("openat", 1);
  ASSERT_TRUE(host_.Parse(open)) << host_.LastError();
  EXPECT_EQ(Fields(open), (std::vector<std::string>{"host", "host", "host"}));
}

TEST_F(ContainerPluginTest, ResolvesOncePerProcessAndAgainAtExec) {
  host_.SetProcess(Process(100, {"0::/init.scope"}));  // runc's child before it joins the cgroup
  ASSERT_TRUE(host_.Parse(Syscall("clone", 100))) << host_.LastError();
  // The state now shows the container's cgroup; the plugin reads it again only at the exec.
  host_.SetProcess(Process(100, {"0::/kubepods/besteffort/pod1234/" + std::string(kOtherId)}));
  Record before = Syscall("openat", 100);
  ASSERT_TRUE(host_.Parse(before)) << host_.LastError();
  EXPECT_EQ(Fields(before)[2], "host");
  Record exec = Syscall("execve", 100);
  ASSERT_TRUE(host_.Parse(exec)) << host_.LastError();
  EXPECT_EQ(Fields(exec),
            (std::vector<std::string>{std::string(kOtherId).substr(0, 12), kOtherId, "cri"}));
  EXPECT_EQ(host_.Counter("resolved"), 2u);
}

TEST_F(ContainerPluginTest, AnEventWithoutAProcessHasNoValues) {
  Record unknown = Syscall("openat", 7);
  ASSERT_TRUE(host_.Parse(unknown)) << host_.LastError();
  EXPECT_EQ(Fields(unknown), (std::vector<std::string>{"<none>", "<none>", "<none>"}));
  EXPECT_EQ(host_.Counter("resolved"), std::nullopt);
}

// The id of tests/data/docker_inspect.json.
constexpr const char* kWebId = kId;
constexpr const char* kWebImage =
    "sha256:7e1a4e2d11e2ac7223c1d7a4f1a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3";

// The plugin with a Docker engine at a local server that answers as dockerd does.
class ContainerRuntimeTest : public ::testing::Test {
 protected:
  bool Init(const std::string& extra = "") {
    return host_.Init(R"({"engines": {"docker": {"enabled": true, "sockets": [")" + server_.path() +
                      R"("]}, "podman": {"enabled": false}})" + extra + "}");
  }
  vigil::sdk::ProcessInfo InWeb(int64_t pid) {
    return Process(pid, {"0::/system.slice/docker-" + std::string(kWebId) + ".scope"});
  }
  // Waits up to 5 s for the plugin's counter `name` to reach `value`.
  bool WaitCounter(const std::string& name, uint64_t value) {
    for (int i = 0; i < 500 && host_.Counter(name) != value; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return host_.Counter(name) == value;
  }
  // Waits up to 5 s for the plugin to follow the server's event stream.
  bool WaitForStream() {
    for (int i = 0; i < 500 && server_.streams() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server_.streams() == 1u;
  }
  std::string Field(const Record& record, const std::string& field) {
    auto values = host_.ExtractFields(record, {field});
    EXPECT_TRUE(values) << host_.LastError();
    return values && (*values)[0].present() ? (*values)[0].ToString() : "<none>";
  }

  vigil::container::testing::FakeDockerEngine server_{::testing::TempDir() + "vigil-plugin-" +
                                                      std::to_string(getpid()) + ".sock"};
  FakeHost host_{std::string(VIGIL_PLUGIN_PATH)};
};

TEST_F(ContainerRuntimeTest, TheFirstExecOfAFreshContainerWaitsForItsMetadata) {
  server_.SetContainer(kWebId, Data("docker_inspect.json"), std::chrono::milliseconds(300));
  ASSERT_TRUE(Init(R"(, "hold_timeout_ms": 5000)")) << host_.LastError();
  host_.SetProcess(InWeb(200));
  Record exec = Syscall("execve", 200);
  ASSERT_TRUE(host_.Parse(exec)) << host_.LastError();
  EXPECT_TRUE(host_.Held(200));
  EXPECT_EQ(host_.HoldTimeoutMs(200), 5000u);
  EXPECT_EQ(Field(exec, "container.name"), "<none>");  // the answer is not in yet
  ASSERT_TRUE(host_.WaitForRelease(200, std::chrono::seconds(5)));
  EXPECT_EQ(Field(exec, "container.name"), "web-1");
  EXPECT_EQ(Field(exec, "container.image.repository"), "registry.example.com:5000/team/web");
  EXPECT_EQ(host_.Counter("held"), 1u);
  EXPECT_EQ(host_.Counter("lookups"), 1u);
  // Known now: the container's other processes go straight through.
  host_.SetProcess(InWeb(201));
  ASSERT_TRUE(host_.Parse(Syscall("execve", 201))) << host_.LastError();
  EXPECT_FALSE(host_.Held(201));
  EXPECT_EQ(host_.Counter("lookups"), 1u);
}

TEST_F(ContainerRuntimeTest, EveryFieldAsFalcoRendersIt) {
  server_.SetContainer(kWebId, Data("docker_inspect.json"));
  server_.SetImage(kWebImage, Data("docker_image.json"));
  ASSERT_TRUE(Init(R"(, "label_max_len": 20)")) << host_.LastError();
  host_.SetProcess(InWeb(300));
  // 2026-12-05T06:30:11.123456789Z: ten seconds after the container's creation.
  Record exec = Record::Make(vigil::SyscallEventCode("execve"), {}, 1796452211123456789u, 300);
  exec.set_source("syscall");
  ASSERT_TRUE(host_.Parse(exec)) << host_.LastError();
  ASSERT_TRUE(host_.WaitForRelease(300, std::chrono::seconds(5)));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"container.id", std::string(kWebId).substr(0, 12)},
      {"container.full_id", kWebId},
      {"container.type", "docker"},
      {"container.name", "web-1"},
      {"container.image", "registry.example.com:5000/team/web:1.25"},
      {"container.image.id", std::string(kWebImage).substr(7)},
      {"container.image.repository", "registry.example.com:5000/team/web"},
      {"container.image.tag", "1.25"},
      {"container.image.digest",
       "sha256:d977378f890d445c15e51795296e4e5062f109ce6da83e0a355fc4ad8699d10b"},
      {"container.privileged", "true"},
      {"container.mounts",
       "/var/log:/host/log:ro:false:rprivate,/var/lib/docker/volumes/data/_data:/data:z:true:"},
      {"container.mount[0]", "/var/log:/host/log:ro:false:rprivate"},
      {"container.mount[/var/lib/docker/*]", "/var/lib/docker/volumes/data/_data:/data:z:true:"},
      {"container.mount.source[/host/log]", "/var/log"},
      {"container.mount.dest[/var/log]", "/host/log"},
      {"container.mount.mode[1]", "z"},
      {"container.mount.rdwr[/var/log]", "false"},
      {"container.mount.propagation[/var/log]", "rprivate"},
      {"container.mount[/etc]", "<none>"},
      {"container.start_ts", "1796452201123456789"},
      {"container.duration", "10000000000"},
      {"container.ip", "172.17.0.2"},
      {"container.cni.json", "<none>"},
      {"container.host_pid", "false"},
      {"container.host_network", "true"},
      {"container.host_ipc", "false"},
      {"container.label[app]", "web"},
      {"container.label[long]", "<none>"},  // over label_max_len
      {"container.labels", "app:web, tier:front"},
      {"container.healthcheck", "/bin/sh -c cat /tmp/ok"},
  };
  for (const auto& [field, value] : expected) EXPECT_EQ(Field(exec, field), value) << field;
}

// docker_inspect.json's health check is CMD-SHELL "cat /tmp/ok": dockerd execs /bin/sh -c
// "cat /tmp/ok" in the container, and dash execs cat in its place.
TEST_F(ContainerRuntimeTest, TheHealthCheckAndWhatItExecsAreTheContainersHealthcheck) {
  server_.SetContainer(kWebId, Data("docker_inspect.json"));
  ASSERT_TRUE(Init(R"(, "hold_timeout_ms": 5000)")) << host_.LastError();
  auto exec_as = [&](int64_t pid, std::string comm, std::vector<std::string> args) {
    vigil::sdk::ProcessInfo p = InWeb(pid);
    p.comm = std::move(comm);
    p.args = std::move(args);
    host_.SetProcess(p);
    Record exec = Syscall("execve", pid);
    EXPECT_TRUE(host_.Parse(exec)) << host_.LastError();
    if (host_.Held(pid)) {
      EXPECT_TRUE(host_.WaitForRelease(pid, std::chrono::seconds(5)));
    }
    return Field(exec, "proc.is_container_healthcheck");
  };
  EXPECT_EQ(exec_as(400, "sh", {"-c", "sleep infinity"}), "false");  // the workload
  EXPECT_EQ(exec_as(401, "sh", {"-c", "cat /tmp/ok"}), "true");
  EXPECT_EQ(exec_as(401, "cat", {"/tmp/ok"}), "true");   // the same process, exec'd on
  EXPECT_EQ(exec_as(402, "cat", {"/tmp/ok"}), "false");  // the same command, not the check
  EXPECT_EQ(exec_as(403, "bash", {"-c", "cat /tmp/ok"}), "false");
  host_.SetProcess(Process(1, {"0::/init.scope"}));
  Record on_host = Syscall("openat", 1);
  ASSERT_TRUE(host_.Parse(on_host));
  EXPECT_EQ(Field(on_host, "proc.is_container_healthcheck"), "false");
}

TEST_F(ContainerRuntimeTest, APodsContainerGetsThePodFieldsFromTheCriLabels) {
  // A pod's container under cri-dockerd: Docker holds the CRI's labels.
  std::string inspect = Data("docker_inspect.json");
  const std::string labels =
      R"("Labels": {"app": "web", "tier": "front", "long": "0123456789012345678901234567890123456789"})";
  ASSERT_NE(inspect.find(labels), std::string::npos);
  inspect.replace(inspect.find(labels), labels.size(),
                  R"("Labels": {"io.kubernetes.pod.name": "web-0",
                      "io.kubernetes.pod.namespace": "shop",
                      "io.kubernetes.pod.uid": "0c6f7a52-3d1e-4b8a-9f00-5e2d7c1b9a44",
                      "io.kubernetes.container.name": "app"})");
  server_.SetContainer(kWebId, inspect, std::chrono::milliseconds(200));
  ASSERT_TRUE(Init(R"(, "hold_timeout_ms": 5000)")) << host_.LastError();
  host_.SetProcess(
      Process(700, {"memory=/kubepods/besteffort/pod0c6f7a52-3d1e-4b8a-9f00-5e2d7c1b9a44/" +
                    std::string(kWebId)}));
  Record exec = Syscall("execve", 700);
  ASSERT_TRUE(host_.Parse(exec)) << host_.LastError();
  EXPECT_TRUE(host_.Held(700));
  // The cgroup path names the pod before the runtime answers.
  EXPECT_EQ(Field(exec, "k8s.pod.uid"), "0c6f7a52-3d1e-4b8a-9f00-5e2d7c1b9a44");
  EXPECT_EQ(Field(exec, "k8s.pod.name"), "<none>");
  ASSERT_TRUE(host_.WaitForRelease(700, std::chrono::seconds(5)));
  EXPECT_EQ(Field(exec, "container.type"), "cri");
  EXPECT_EQ(Field(exec, "container.name"), "app");
  EXPECT_EQ(Field(exec, "k8s.pod.name"), "web-0");
  EXPECT_EQ(Field(exec, "k8s.ns.name"), "shop");
  EXPECT_EQ(Field(exec, "k8s.pod.uid"), "0c6f7a52-3d1e-4b8a-9f00-5e2d7c1b9a44");
  EXPECT_EQ(Field(exec, "k8s.pod.id"), "0c6f7a52-3d1e-4b8a-9f00-5e2d7c1b9a44");
  EXPECT_EQ(Field(exec, "k8s.pod.labels"), "<none>");  // on the sandbox, which Docker does not say
  EXPECT_EQ(Field(exec, "k8s.pod.ip"), "<none>");
}

TEST_F(ContainerRuntimeTest, ARuntimeThatDoesNotKnowTheContainerEndsTheHold) {
  ASSERT_TRUE(Init()) << host_.LastError();
  host_.SetProcess(InWeb(400));
  Record exec = Syscall("execve", 400);
  ASSERT_TRUE(host_.Parse(exec)) << host_.LastError();
  ASSERT_TRUE(host_.WaitForRelease(400, std::chrono::seconds(5)));
  EXPECT_EQ(host_.Counter("not_found"), 1u);
  EXPECT_EQ(Field(exec, "container.id"), std::string(kWebId).substr(0, 12));
  EXPECT_EQ(Field(exec, "container.name"), "<none>");
}

TEST_F(ContainerRuntimeTest, AZeroHoldTimeoutNeverHolds) {
  server_.SetContainer(kWebId, Data("docker_inspect.json"));
  ASSERT_TRUE(Init(R"(, "hold_timeout_ms": 0)")) << host_.LastError();
  host_.SetProcess(InWeb(500));
  Record exec = Syscall("execve", 500);
  ASSERT_TRUE(host_.Parse(exec)) << host_.LastError();
  EXPECT_FALSE(host_.Held(500));
  for (int i = 0; i < 500 && host_.Counter("lookups") != 1u; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int i = 0; i < 500 && Field(exec, "container.name") == "<none>"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Field(exec, "container.name"), "web-1");  // there once the lookup is done
  EXPECT_EQ(host_.Counter("held"), std::nullopt);
}

TEST_F(ContainerRuntimeTest, AStartEventFillsTheCacheBeforeTheFirstExec) {
  server_.SetContainer(kWebId, Data("docker_inspect.json"));
  ASSERT_TRUE(Init()) << host_.LastError();
  ASSERT_TRUE(WaitForStream());
  server_.Emit(std::string(R"({"Type":"container","Action":"start","Actor":{"ID":")") + kWebId +
               R"("}})");
  ASSERT_TRUE(WaitCounter("cache_size", 1));
  EXPECT_EQ(host_.Counter("runtime_events"), 1u);
  host_.SetProcess(InWeb(600));
  Record exec = Syscall("execve", 600);
  ASSERT_TRUE(host_.Parse(exec)) << host_.LastError();
  EXPECT_FALSE(host_.Held(600));
  EXPECT_EQ(Field(exec, "container.name"), "web-1");
}

// `docker run --rm` of a short command: the runtime has created, run and destroyed the container
// before its events come out of the core's queue. What was known still answers for them.
TEST_F(ContainerRuntimeTest, AContainerDestroyedBeforeItsEventsAreParsedKeepsItsMetadata) {
  server_.SetContainer(kWebId, Data("docker_inspect.json"));
  ASSERT_TRUE(Init()) << host_.LastError();
  ASSERT_TRUE(WaitForStream());
  auto event = [&](const char* action) {
    server_.Emit(std::string(R"({"Type":"container","Action":")") + action +
                 R"(","Actor":{"ID":")" + kWebId + R"("}})");
  };
  event("create");
  ASSERT_TRUE(WaitCounter("cache_size", 1));
  server_.RemoveContainer(kWebId);
  event("destroy");
  ASSERT_TRUE(WaitCounter("runtime_events", 2));
  host_.SetProcess(InWeb(700));
  Record exec = Syscall("execve", 700);
  ASSERT_TRUE(host_.Parse(exec)) << host_.LastError();
  EXPECT_FALSE(host_.Held(700));
  EXPECT_EQ(Field(exec, "container.name"), "web-1");
  EXPECT_EQ(host_.Counter("lookups"), 1u);
}

TEST_F(ContainerRuntimeTest, AHostProcessIsNamedHostAndNeverAskedAbout) {
  ASSERT_TRUE(Init()) << host_.LastError();
  host_.SetProcess(Process(1, {"0::/init.scope"}));
  Record open = Syscall("openat", 1);
  ASSERT_TRUE(host_.Parse(open)) << host_.LastError();
  EXPECT_FALSE(host_.Held(1));
  EXPECT_EQ(Field(open, "container.name"), "host");
  EXPECT_EQ(Field(open, "container.image.repository"), "<none>");
  EXPECT_EQ(host_.Counter("lookups"), std::nullopt);
}

TEST(ContainerPluginConfig, FalcosInitConfigCarriesOver) {
  FakeHost host{std::string(VIGIL_PLUGIN_PATH)};
  // The example init_config of Falco's container plugin README, as YAML becomes JSON.
  ASSERT_TRUE(host.Init(R"({"verbosity": "warning", "label_max_len": 100, "with_size": false,
    "engines": {"docker": {"enabled": true, "sockets": ["/nonexistent/docker.sock"]},
                "podman": {"enabled": true, "sockets": ["/run/podman/podman.sock"]},
                "containerd": {"enabled": true, "sockets": ["/run/containerd/containerd.sock"]},
                "cri": {"enabled": true, "sockets": ["/run/crio/crio.sock"]},
                "lxc": {"enabled": false}, "libvirt_lxc": {"enabled": false},
                "bpm": {"enabled": false}}})"))
      << host.LastError();
  // A configured socket that is not there is a warning, not a failure.
  EXPECT_TRUE(host.LogContains("engines.docker: /nonexistent/docker.sock: no socket there"));
}

TEST(ContainerPluginConfig, ABadConfigNamesTheKey) {
  auto error = [](const std::string& config) {
    FakeHost host{std::string(VIGIL_PLUGIN_PATH)};
    EXPECT_FALSE(host.Init(config)) << config;
    return host.LastError();
  };
  EXPECT_NE(error(R"({"engines": {"rkt": {}}})").find("rkt"), std::string::npos);
  EXPECT_NE(error(R"({"engines": {"docker": {"enabled": "yes"}}})").find("enabled"),
            std::string::npos);
  EXPECT_NE(error(R"({"hold_timeout_ms": 60000})").find("hold_timeout_ms"), std::string::npos);
}

}  // namespace
