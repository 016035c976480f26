// The k8s plugin against the fake host and a local API server: a process's pod from its
// cgroups, the k8smeta.* fields of the pod and what links to it, the hold of a fresh pod's
// processes until its watch event is in, and a host without Kubernetes.
#include <gtest/gtest.h>

#include <fstream>

#include "fake_api_server.hpp"
#include "vigil/event_types.h"
#include "vigil/testing/fake_host.hpp"

namespace {

using vigil::k8s::testing::FakeApiServer;
using vigil::k8s::testing::ReadTestFile;
using vigil::testing::FakeHost;
using vigil::testing::Record;
using namespace std::chrono_literals;

constexpr const char* kWebId = "3f4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a";
constexpr const char* kPodUid = "5d6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b";

// A container's cgroup as the kubelet's systemd driver makes it.
std::string Cgroup(const std::string& pod_uid, const std::string& id) {
  std::string slice = pod_uid;
  std::replace(slice.begin(), slice.end(), '-', '_');
  return "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + slice +
         ".slice/cri-containerd-" + id + ".scope";
}

vigil::sdk::ProcessInfo Process(int64_t pid, std::string cgroup) {
  vigil::sdk::ProcessInfo p;
  p.tid = p.pid = pid;
  p.comm = "sh";
  p.cgroups = {std::move(cgroup)};
  return p;
}

Record Syscall(const char* type, int64_t tid) {
  Record r = Record::Make(vigil::SyscallEventCode(type), {}, 0, tid);
  r.set_source("syscall");
  return r;
}

class K8sPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* path : {"/api/v1/pods", "/api/v1/namespaces", "/apis/apps/v1/replicasets",
                             "/apis/apps/v1/deployments", "/api/v1/replicationcontrollers",
                             "/apis/batch/v1/jobs", "/api/v1/services"}) {
      server_.Declare(path);
    }
    server_.Put("/api/v1/namespaces", ReadTestFile("namespace.json"));
    server_.Put("/apis/apps/v1/replicasets", ReadTestFile("replicaset.json"));
    server_.Put("/apis/apps/v1/deployments", ReadTestFile("deployment.json"));
    server_.Put("/api/v1/services", ReadTestFile("service.json"));
    kubeconfig_ = ::testing::TempDir() + "/k8s_plugin_kubeconfig";
    std::ofstream(kubeconfig_) << "current-context: test\n"
                               << "clusters: [{name: t, cluster: {server: \"" << server_.url()
                               << "\", certificate-authority: " << VIGIL_K8S_TEST_DATA
                               << "/ca.pem}}]\n"
                               << "contexts: [{name: test, context: {cluster: t, user: u}}]\n"
                               << "users: [{name: u, user: {token: good-token}}]\n";
  }

  bool Init(const std::string& extra = "") {
    return host_.Init(R"({"kubeconfig": ")" + kubeconfig_ + R"(", "nodeName": "node-1")" + extra +
                      "}");
  }
  std::string Value(const Record& r, const std::string& field) {
    auto v = host_.Extract(r, field);
    return v && v->present() ? v->ToString() : "<none>";
  }
  bool WaitForCounter(const std::string& name, uint64_t value) {
    return server_.WaitFor([&] { return host_.Counter(name) == value; });
  }

  FakeApiServer server_;
  std::string kubeconfig_;
  FakeHost host_{std::string(VIGIL_PLUGIN_PATH)};
};

TEST_F(K8sPluginTest, APodsProcessGetsThePodAndWhatLinksToIt) {
  server_.Put("/api/v1/pods", ReadTestFile("pod.json"));
  ASSERT_TRUE(Init()) << host_.LastError();
  ASSERT_TRUE(WaitForCounter("pods", 1));
  host_.SetProcess(Process(200, Cgroup(kPodUid, kWebId)));
  Record open = Syscall("openat", 200);
  ASSERT_TRUE(host_.Parse(open)) << host_.LastError();
  EXPECT_EQ(Value(open, "k8smeta.pod.name"), "web-7d9f8b6c5d-x2k4q");
  EXPECT_EQ(Value(open, "k8smeta.pod.uid"), kPodUid);
  EXPECT_EQ(Value(open, "k8smeta.pod.ip"), "10.244.1.17");
  EXPECT_EQ(Value(open, "k8smeta.pod.label[tier]"), "frontend");
  EXPECT_EQ(Value(open, "k8smeta.pod.labels"),
            "(app:web,pod-template-hash:7d9f8b6c5d,tier:frontend)");
  EXPECT_EQ(Value(open, "k8smeta.ns.name"), "shop");
  EXPECT_EQ(Value(open, "k8smeta.ns.uid"), "c0d1e2f3-a4b5-4c6d-8e7f-9a0b1c2d3e4f");
  EXPECT_EQ(Value(open, "k8smeta.ns.label[pod-security.kubernetes.io/enforce]"), "baseline");
  EXPECT_EQ(Value(open, "k8smeta.rs.name"), "web-7d9f8b6c5d");
  EXPECT_EQ(Value(open, "k8smeta.deployment.name"), "web");
  EXPECT_EQ(Value(open, "k8smeta.deployment.uid"), "7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(Value(open, "k8smeta.deployment.label[team]"), "checkout");
  EXPECT_EQ(Value(open, "k8smeta.svc.name"), "(web)");
  EXPECT_EQ(Value(open, "k8smeta.svc.label[team]"), "(checkout)");
  EXPECT_EQ(Value(open, "k8smeta.job.name"), "<none>");
  EXPECT_EQ(Value(open, "k8smeta.daemonset.name"), "<none>");
}

TEST_F(K8sPluginTest, ChangesFromTheWatchShowInTheFields) {
  server_.Put("/api/v1/pods", ReadTestFile("pod.json"));
  ASSERT_TRUE(Init()) << host_.LastError();
  ASSERT_TRUE(WaitForCounter("pods", 1));
  host_.SetProcess(Process(200, Cgroup(kPodUid, kWebId)));
  Record open = Syscall("openat", 200);
  ASSERT_TRUE(host_.Parse(open));
  std::string ns = ReadTestFile("namespace.json");
  ns.replace(ns.find("\"baseline\""), 10, "\"restricted\"");
  server_.Put("/api/v1/namespaces", ns);
  EXPECT_TRUE(server_.WaitFor([&] {
    return Value(open, "k8smeta.ns.label[pod-security.kubernetes.io/enforce]") == "restricted";
  }));
}

TEST_F(K8sPluginTest, AFreshPodsFirstProcessWaitsForItsPod) {
  ASSERT_TRUE(Init(R"(, "hold_timeout_ms": 5000)")) << host_.LastError();
  ASSERT_TRUE(WaitForCounter("lists", 7));  // every watch has listed: the pod is news
  host_.SetProcess(Process(300, Cgroup(kPodUid, kWebId)));
  Record exec = Syscall("execve", 300);
  ASSERT_TRUE(host_.Parse(exec));
  EXPECT_TRUE(host_.Held(300));
  EXPECT_EQ(host_.HoldTimeoutMs(300), 5000u);
  server_.Put("/api/v1/pods", ReadTestFile("pod.json"));
  ASSERT_TRUE(host_.WaitForRelease(300, 5s));
  EXPECT_EQ(Value(exec, "k8smeta.pod.name"), "web-7d9f8b6c5d-x2k4q");
  EXPECT_EQ(host_.Counter("held"), 1u);
}

TEST_F(K8sPluginTest, HostProcessesAndOtherNodesPodsHaveNoValue) {
  std::string other = ReadTestFile("pod.json");
  other.replace(other.find("\"node-1\""), 8, "\"node-2\"");
  server_.Put("/api/v1/pods", other);
  ASSERT_TRUE(Init(R"(, "hold_timeout_ms": 0)")) << host_.LastError();
  ASSERT_TRUE(WaitForCounter("lists", 7));
  host_.SetProcess(Process(1, "0::/init.scope"));
  host_.SetProcess(Process(200, Cgroup(kPodUid, kWebId)));
  Record on_host = Syscall("openat", 1), in_pod = Syscall("openat", 200);
  ASSERT_TRUE(host_.Parse(on_host));
  ASSERT_TRUE(host_.Parse(in_pod));
  EXPECT_FALSE(host_.Held(200));  // hold_timeout_ms 0: never
  EXPECT_EQ(Value(on_host, "k8smeta.pod.name"), "<none>");
  EXPECT_EQ(Value(in_pod, "k8smeta.pod.name"), "<none>");
  EXPECT_EQ(host_.Counter("pods"), 0u);
}

TEST_F(K8sPluginTest, WithoutAClusterItSaysSoAndGivesNoValues) {
  ASSERT_TRUE(host_.Init("{}")) << host_.LastError();  // the test runs outside a pod
  EXPECT_TRUE(host_.LogContains("not in a cluster"));
  host_.SetProcess(Process(200, Cgroup(kPodUid, kWebId)));
  Record open = Syscall("openat", 200);
  ASSERT_TRUE(host_.Parse(open));
  EXPECT_FALSE(host_.Held(200));
  EXPECT_EQ(Value(open, "k8smeta.pod.name"), "<none>");
}

TEST_F(K8sPluginTest, ABadKubeconfigFailsInitNamingIt) {
  std::ofstream(kubeconfig_) << "current-context: nowhere\n";
  EXPECT_FALSE(Init());
  EXPECT_NE(host_.LastError().find("kubeconfig " + kubeconfig_ +
                                   ": no contexts entry named "
                                   "'nowhere'"),
            std::string::npos)
      << host_.LastError();
}

TEST_F(K8sPluginTest, FalcoK8smetaConfigIsAcceptedAndItsCollectorKeysSaidIgnored) {
  ASSERT_TRUE(Init(R"(, "collectorHostname": "localhost", "collectorPort": 45000)"))
      << host_.LastError();
  EXPECT_TRUE(host_.LogContains("no k8s-metacollector; ignored"));
}

}  // namespace
