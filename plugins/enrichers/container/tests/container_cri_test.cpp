// The container plugin against containerd's CRI (tests/runtimes/containerd.sh, as the ctest fixture
// `containerd`): a pod run through the CRI's RuntimeService as the kubelet runs it (cri_kubelet: a
// sandbox on the fixture's CNI bridge, with the probes in its last-applied annotation as
// `kubectl apply` leaves them, and a container in it), the container's real cgroups handed to the
// plugin as the core's state would, and the fields checked against what the CRI itself reports:
// once with the CRI engine alone (as on a CRI-O node), once with containerd's own API in front of
// it (as on a containerd node). Skips without the fixture's CONTAINERD_ADDRESS.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>

#include "test_util.hpp"
#include "vigil/event_types.h"
#include "vigil/testing/fake_host.hpp"

namespace {

using namespace vigil::container::testing;
using vigil::testing::FakeHost;
using vigil::testing::Record;

constexpr const char* kImage = "docker.io/library/vigil-test:1";
constexpr const char* kPodUid = "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d";  // cri_kubelet's

class ContainerCriTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* address = std::getenv("CONTAINERD_ADDRESS");
    if (address == nullptr || access(address, F_OK) != 0) {
      GTEST_SKIP() << "no CONTAINERD_ADDRESS (ctest fixture containerd: root and containerd)";
    }
    socket_ = address;
    kubelet_ = std::string(VIGIL_CRI_KUBELET) + " " + socket_ + " ";
  }
  void TearDown() override {
    if (!pod_["sandbox"].empty()) Shell(kubelet_ + "remove-pod " + pod_["sandbox"]);
  }

  // The pod running: what cri_kubelet printed.
  void RunPod() {
    const std::string dir = socket_.substr(0, socket_.rfind('/'));
    std::istringstream out(Shell(kubelet_ + "run-pod " + dir + "/pod-logs"));
    for (std::string line; std::getline(out, line);) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) pod_[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }

  // The plugin with these engines: `cri` on the fixture's socket, `containerd` too when asked.
  std::string Config(bool containerd_too) const {
    const std::string socket = "{\"sockets\": [\"" + socket_ + "\"]}";
    return R"({"hold_timeout_ms": 5000, "engines": {"cri": )" + socket + R"(, "containerd": )" +
           (containerd_too ? socket : R"({"enabled": false})") +
           R"(, "docker": {"enabled": false}, "podman": {"enabled": false}}})";
  }

  std::string socket_, kubelet_;
  std::map<std::string, std::string> pod_;
};

TEST_F(ContainerCriTest, APodsContainerGetsItsPodNetworkAndProbesFromTheCri) {
  RunPod();
  const std::string app = pod_["container"], pid = pod_["pid"], ip = pod_["pod_ip"];
  ASSERT_FALSE(pid.empty());
  ASSERT_EQ(ip.rfind("10.233.77.", 0), 0u) << ip;  // the fixture's CNI bridge
  // A local image has no registry digest: the CRI's image_ref is its id (its config's digest).
  const std::string& image_ref = pod_["image_ref"];
  ASSERT_EQ(image_ref.rfind("sha256:", 0), 0u) << image_ref;
  // containerd's own API gives its image's digest (its manifest's, as `ctr images ls`).
  const std::string manifest_digest =
      Shell("/usr/bin/ctr -a " + socket_ + " -n k8s.io images ls name==" + kImage +
            " | awk 'NR == 2 {print $3}'");
  ASSERT_EQ(manifest_digest.rfind("sha256:", 0), 0u) << manifest_digest;

  for (const bool containerd_too : {false, true}) {
    SCOPED_TRACE(containerd_too ? "containerd's API, then the CRI" : "the CRI alone");
    FakeHost host{std::string(VIGIL_PLUGIN_PATH)};
    ASSERT_TRUE(host.Init(Config(containerd_too))) << host.LastError();
    vigil::sdk::ProcessInfo p;
    p.tid = p.pid = std::stoll(pid);
    p.comm = "sleep";
    p.args = {"60"};
    p.cgroups = Cgroups(pid);
    host.SetProcess(p);
    Record exec = Record::Make(vigil::SyscallEventCode("execve"), {}, 0, p.tid);
    exec.set_source("syscall");
    ASSERT_TRUE(host.Parse(exec)) << host.LastError();
    ASSERT_TRUE(host.Held(p.pid));  // the first exec waits for the runtime's answer
    ASSERT_TRUE(host.WaitForRelease(p.pid, std::chrono::seconds(10)));
    auto field = [&](const Record& r, const std::string& f) {
      auto values = host.ExtractFields(r, {f});
      EXPECT_TRUE(values) << host.LastError();
      return values && (*values)[0].present() ? (*values)[0].ToString() : "<none>";
    };
    EXPECT_EQ(field(exec, "container.full_id"), app);
    EXPECT_EQ(field(exec, "container.type"), "cri");  // kubepods/besteffort/pod<uid>/<id>
    EXPECT_EQ(field(exec, "container.name"), "app");
    EXPECT_EQ(field(exec, "container.image"), kImage);
    EXPECT_EQ(field(exec, "container.image.repository"), "docker.io/library/vigil-test");
    EXPECT_EQ(field(exec, "container.image.tag"), "1");
    if (containerd_too) {
      EXPECT_EQ(field(exec, "container.image.digest"), manifest_digest);
    } else {
      EXPECT_EQ(field(exec, "container.image.id"), image_ref.substr(7));
      EXPECT_EQ(field(exec, "container.image.digest"), "<none>");
    }
    EXPECT_EQ(field(exec, "container.privileged"), "false");
    EXPECT_EQ(field(exec, "container.host_network"), "false");
    // The CRI's creation time; containerd's own record of the container is made a moment before.
    const int64_t start_skew =
        std::stoll(field(exec, "container.start_ts")) - std::stoll(pod_["created_at"]);
    if (!containerd_too) {
      EXPECT_EQ(start_skew, 0);
    }
    EXPECT_LT(std::abs(start_skew), 1'000'000'000);
    EXPECT_EQ(field(exec, "container.mount.dest[/etc]"), "/host/etc");
    EXPECT_EQ(field(exec, "container.mount.rdwr[/etc]"), "false");
    EXPECT_EQ(field(exec, "k8s.pod.name"), "web-0");
    EXPECT_EQ(field(exec, "k8s.ns.name"), "shop");
    EXPECT_EQ(field(exec, "k8s.pod.uid"), kPodUid);
    EXPECT_EQ(field(exec, "k8s.pod.full_sandbox_id"), pod_["sandbox"]);
    EXPECT_EQ(field(exec, "k8s.pod.labels"), "app:web, tier:front");
    // What only the CRI tells: the pod's address and CNI result, the probes as applied.
    EXPECT_EQ(field(exec, "k8s.pod.ip"), ip);
    EXPECT_EQ(field(exec, "container.ip"), ip);
    const std::string cni = field(exec, "container.cni.json");
    EXPECT_NE(cni.find(ip), std::string::npos) << cni;
    EXPECT_EQ(field(exec, "k8s.pod.cni.json"), cni);
    EXPECT_EQ(field(exec, "container.liveness_probe"), "/bin/cat /tmp/alive");
    EXPECT_EQ(field(exec, "container.readiness_probe"), "test -e /tmp/ready");
    EXPECT_EQ(field(exec, "proc.is_container_liveness_probe"), "false");  // the workload

    // The kubelet's probes: the runtime execs their commands in the container (ExecSync).
    auto probe = [&](int64_t probe_pid, std::string comm, std::vector<std::string> args) {
      vigil::sdk::ProcessInfo q = p;
      q.tid = q.pid = probe_pid;
      q.comm = std::move(comm);
      q.args = std::move(args);
      host.SetProcess(q);
      Record r = Record::Make(vigil::SyscallEventCode("execve"), {}, 0, q.tid);
      r.set_source("syscall");
      EXPECT_TRUE(host.Parse(r)) << host.LastError();
      EXPECT_FALSE(host.Held(q.pid));  // the container is known by now
      return field(r, "proc.is_container_liveness_probe") + " " +
             field(r, "proc.is_container_readiness_probe");
    };
    EXPECT_EQ(probe(p.pid + 100000, "cat", {"/tmp/alive"}), "true false");
    EXPECT_EQ(probe(p.pid + 100001, "test", {"-e", "/tmp/ready"}), "false true");
    EXPECT_EQ(probe(p.pid + 100002, "cat", {"/tmp/ready"}), "false false");
    EXPECT_EQ(host.Counter("not_found"), std::nullopt);
  }
}

}  // namespace
