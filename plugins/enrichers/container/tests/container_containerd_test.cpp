// The container plugin against a real containerd (tests/runtimes/containerd.sh, as the ctest
// fixture `containerd`): a Kubernetes-style pod in the CRI's namespace `k8s.io` (a sandbox and two
// containers carrying the labels and sandbox annotation containerd's CRI gives a pod's
// containers; ctr copies labels into the spec's annotations), started with ctr, each container's
// init process's real cgroups handed to the plugin as the core's state would, and the fields
// checked against what containerd reports. Skips without the fixture's CONTAINERD_ADDRESS.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "test_util.hpp"
#include "vigil/event_types.h"
#include "vigil/testing/fake_host.hpp"

namespace {

using namespace vigil::container::testing;

using vigil::testing::FakeHost;
using vigil::testing::Record;

constexpr const char* kImage = "docker.io/library/vigil-test:1";
constexpr const char* kPodUid = "0c6f7a52-3d1e-4b8a-9f00-5e2d7c1b9a44";

class ContainerContainerdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* address = std::getenv("CONTAINERD_ADDRESS");
    if (address == nullptr || access(address, F_OK) != 0) {
      GTEST_SKIP() << "no CONTAINERD_ADDRESS (ctest fixture containerd: root and containerd)";
    }
    socket_ = address;
    const std::string dir = socket_.substr(0, socket_.rfind('/'));
    ctr_ = "/usr/bin/ctr -a " + socket_ + " -n k8s.io ";
    run_ = ctr_ + "run -d --fifo-dir " + dir + "/fifo --runc-root " + dir + "/runc ";
  }
  void TearDown() override {
    for (const std::string& id : ids_) {
      Shell(ctr_ + "task rm -f " + id + " >/dev/null 2>&1", false);
      Shell(ctr_ + "containers rm " + id + " >/dev/null 2>&1", false);
    }
  }
  // Starts a container of the pod; its init's pid.
  std::string Start(const std::string& id, const std::string& labels) {
    ids_.push_back(id);
    Shell(run_ + labels + " " + kImage + " " + id + " /bin/sleep 60 >/dev/null");
    return Shell(ctr_ + "task ls | awk '$1 == \"" + id + "\" {print $2}'");
  }

  std::string socket_, ctr_, run_;
  std::vector<std::string> ids_;
};

TEST_F(ContainerContainerdTest, APodsTwoContainersGetThePodAndTheirOwnFields) {
  const std::string pod =
      " --label io.kubernetes.pod.name=web-0 --label "
      "io.kubernetes.pod.namespace=shop --label io.kubernetes.pod.uid=" +
      std::string(kPodUid);
  const std::string sandbox = RandomContainerId(), app = RandomContainerId(),
                    sidecar = RandomContainerId();
  Start(sandbox,
        pod + " --label io.cri-containerd.kind=sandbox --label app=web --label tier=front");
  const std::string member = pod + " --label io.cri-containerd.kind=container" +
                             " --label io.kubernetes.cri.sandbox-id=" + sandbox;
  const std::string app_pid =
      Start(app, member + " --label io.kubernetes.container.name=app" +
                     " --mount type=bind,src=/etc,dst=/host/etc,options=rbind:ro");
  const std::string sidecar_pid =
      Start(sidecar, member + " --label io.kubernetes.container.name=sidecar");
  ASSERT_FALSE(app_pid.empty());
  ASSERT_FALSE(sidecar_pid.empty());
  const std::string digest =
      Shell(ctr_ + "images ls name==" + kImage + " | awk 'NR == 2 {print $3}'");
  ASSERT_EQ(digest.rfind("sha256:", 0), 0u) << digest;

  FakeHost host{std::string(VIGIL_PLUGIN_PATH)};
  ASSERT_TRUE(host.Init(R"({"hold_timeout_ms": 5000, "engines": {"containerd": {"sockets": [")" +
                        socket_ +
                        R"("]}, "docker": {"enabled": false}, "podman": {"enabled": false}}})"))
      << host.LastError();
  const uint64_t now_ns = static_cast<uint64_t>(
      std::chrono::system_clock::now().time_since_epoch() / std::chrono::nanoseconds(1));

  for (const auto& [id, pid, name] :
       {std::tuple{app, app_pid, "app"}, std::tuple{sidecar, sidecar_pid, "sidecar"}}) {
    SCOPED_TRACE(name);
    vigil::sdk::ProcessInfo p;
    p.tid = p.pid = std::stoll(pid);
    p.comm = "sleep";
    p.cgroups = Cgroups(pid);
    host.SetProcess(p);
    Record exec = Record::Make(vigil::SyscallEventCode("execve"), {}, 0, p.tid);
    exec.set_source("syscall");
    ASSERT_TRUE(host.Parse(exec)) << host.LastError();
    ASSERT_TRUE(host.Held(p.pid));  // the first exec waits for containerd's answer
    ASSERT_TRUE(host.WaitForRelease(p.pid, std::chrono::seconds(10)));

    auto field = [&](const std::string& f) {
      auto values = host.ExtractFields(exec, {f});
      EXPECT_TRUE(values) << host.LastError();
      return values && (*values)[0].present() ? (*values)[0].ToString() : "<none>";
    };
    EXPECT_EQ(field("container.full_id"), id);
    EXPECT_EQ(field("container.id"), id.substr(0, 12));
    EXPECT_EQ(field("container.type"), "containerd");
    EXPECT_EQ(field("container.name"), name);
    EXPECT_EQ(field("container.image"), kImage);
    EXPECT_EQ(field("container.image.repository"), "docker.io/library/vigil-test");
    EXPECT_EQ(field("container.image.tag"), "1");
    EXPECT_EQ(field("container.image.digest"), digest);
    EXPECT_EQ(field("container.privileged"), "false");
    EXPECT_EQ(field("container.host_network"), "false");
    EXPECT_EQ(field("k8s.pod.name"), "web-0");
    EXPECT_EQ(field("k8s.ns.name"), "shop");
    EXPECT_EQ(field("k8s.pod.uid"), kPodUid);
    EXPECT_EQ(field("k8s.pod.full_sandbox_id"), sandbox);
    EXPECT_EQ(field("k8s.pod.sandbox_id"), sandbox.substr(0, 12));
    EXPECT_EQ(field("k8s.pod.labels"), "app:web, tier:front");
    EXPECT_EQ(field("k8s.pod.label[app]"), "web");
    EXPECT_EQ(field("container.label[io.kubernetes.container.name]"), name);
    const uint64_t start = std::stoull(field("container.start_ts"));
    EXPECT_LE(start, now_ns);
    EXPECT_GT(start + 120'000'000'000ull, now_ns);  // created just now
    if (std::string(name) == "app") {
      EXPECT_EQ(field("container.mount.dest[/etc]"), "/host/etc");
      EXPECT_EQ(field("container.mount.rdwr[/etc]"), "false");
    } else {
      EXPECT_EQ(field("container.mounts"), "");  // the runtime answered: no mounts
    }
  }
  EXPECT_EQ(host.Counter("not_found"), std::nullopt);
}

}  // namespace
