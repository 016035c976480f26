// containerd as the container enricher reads it: OCI specs (tests/data/oci_spec*.json are what
// `ctr containers info` shows for `ctr run` containers, the first given the sandbox annotation
// containerd's CRI adds to a pod's containers), the CRI's pod labels, and the gRPC client against
// a local server that answers as containerd does.
#include "containerd_engine.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "container_info.hpp"
#include "fake_containerd.hpp"
#include "github.com/containerd/containerd/api/events/container.pb.h"
#include "github.com/containerd/containerd/api/events/task.pb.h"
#include "test_util.hpp"

namespace {

using namespace vigil::container;
using namespace vigil::container::testing;
using namespace std::chrono_literals;
namespace cdc = containerd::services::containers::v1;

constexpr const char* kId = "d3fbefa63494d70c359d58956f2e6d1f811d62419b08c3f795a854d1ce9b4fa9";
constexpr const char* kSandbox = "5b7c00000000000000000000000000000000000000000000000000000000aaaa";
constexpr const char* kDigest =
    "sha256:d1d65f2b9ebd7c9dea28791dcfc2d1c2d193cb3a3079610ee20cf73235ce3f35";

TEST(ApplyOciSpec, ReadsTheBindMountsNamespacesAndSandbox) {
  ContainerInfo c;
  ApplyOciSpec(Data("oci_spec.json"), c);
  ASSERT_EQ(c.mounts.size(), 1u);  // proc, /dev, sysfs ... are the runtime's: left out
  EXPECT_EQ(c.mounts[0].ToString(), "/tmp:/data::false:");
  EXPECT_FALSE(c.host_pid);
  EXPECT_FALSE(c.host_network);
  EXPECT_FALSE(c.host_ipc);
  EXPECT_FALSE(c.privileged);  // 14 capabilities, 10 masked paths
  EXPECT_EQ(c.pod.sandbox_id, kSandbox);
}

TEST(ApplyOciSpec, APrivilegedHostNetworkContainer) {
  ContainerInfo c;
  ApplyOciSpec(Data("oci_spec_privileged.json"), c);
  EXPECT_TRUE(c.privileged);
  EXPECT_TRUE(c.host_network);
  EXPECT_FALSE(c.host_pid);
  ASSERT_EQ(c.mounts.size(), 2u);
  EXPECT_EQ(c.mounts[0].ToString(), "/etc/hosts:/etc/hosts::false:");
  EXPECT_EQ(c.mounts[1].dest, "/etc/resolv.conf");
  EXPECT_EQ(c.pod.sandbox_id, "");
}

TEST(ApplyOciSpec, ReadsPropagationAndRefusesWhatIsNotASpec) {
  ContainerInfo c;
  ApplyOciSpec(R"({"mounts": [{"destination": "/m", "type": "none", "source": "/s",
                   "options": ["rbind", "rshared", "rw"]}], "linux": {}})",
               c);
  ASSERT_EQ(c.mounts.size(), 1u);
  EXPECT_EQ(c.mounts[0].ToString(), "/s:/m::true:rshared");
  EXPECT_TRUE(c.host_pid);  // no namespaces in the spec: all the host's
  EXPECT_THROW(ApplyOciSpec("[1]", c), std::runtime_error);
  EXPECT_THROW(ApplyOciSpec("{\"mounts\": ", c), std::runtime_error);
}

TEST(ApplyKubernetesLabels, NamesThePodAndTheContainerInIt) {
  ContainerInfo c;
  c.full_id = kId;
  c.name = kId;
  c.labels = {{"io.kubernetes.pod.name", "web-0"},
              {"io.kubernetes.pod.namespace", "shop"},
              {"io.kubernetes.pod.uid", "4a1b2c3d-0000-4000-8000-123456789abc"},
              {"io.kubernetes.container.name", "app"}};
  ApplyKubernetesLabels(c);
  EXPECT_EQ(c.name, "app");
  EXPECT_EQ(c.pod.name, "web-0");
  EXPECT_EQ(c.pod.ns, "shop");
  EXPECT_EQ(c.pod.uid, "4a1b2c3d-0000-4000-8000-123456789abc");

  ContainerInfo plain;
  plain.name = "db";
  plain.labels = {{"app", "db"}};
  ApplyKubernetesLabels(plain);
  EXPECT_EQ(plain.name, "db");
  EXPECT_EQ(plain.pod.name, "");
}

TEST(PodLabelsFromSandbox, KeepsThePodsOwnLabels) {
  auto labels = PodLabelsFromSandbox({{"app", "web"},
                                      {"tier", std::string(200, 'x')},
                                      {"io.kubernetes.pod.name", "web-0"},
                                      {"io.cri-containerd.kind", "sandbox"},
                                      {"pod-template-hash", "5d9c7"}},
                                     100);
  EXPECT_EQ(labels,
            (std::map<std::string, std::string>{{"app", "web"}, {"pod-template-hash", "5d9c7"}}));
}

class ContainerdEngineTest : public ::testing::Test {
 protected:
  ContainerdEngineTest()
      : path_(::testing::TempDir() + "vigil-containerd-" + std::to_string(getpid()) + ".sock"),
        server_(path_) {}
  ~ContainerdEngineTest() override { ::unlink(path_.c_str()); }

  // A pod's container as containerd's CRI makes it, and its pod's sandbox.
  void AddPod(const std::string& ns) {
    cdc::Container c;
    c.set_id(kId);
    c.set_image("docker.io/library/vigil-test:1");
    (*c.mutable_labels())["io.kubernetes.pod.name"] = "web-0";
    (*c.mutable_labels())["io.kubernetes.pod.namespace"] = "shop";
    (*c.mutable_labels())["io.kubernetes.pod.uid"] = "4a1b2c3d-0000-4000-8000-123456789abc";
    (*c.mutable_labels())["io.kubernetes.container.name"] = "app";
    (*c.mutable_labels())["io.cri-containerd.kind"] = "container";
    (*c.mutable_labels())["long"] = std::string(101, 'x');
    c.mutable_spec()->set_type_url("types.containerd.io/opencontainers/runtime-spec/1/Spec");
    c.mutable_spec()->set_value(Data("oci_spec.json"));
    c.mutable_created_at()->set_seconds(1796452201);
    c.mutable_created_at()->set_nanos(602216991);
    server_.AddContainer(ns, c);

    cdc::Container sandbox;
    sandbox.set_id(kSandbox);
    sandbox.set_image("registry.k8s.io/pause:3.6");
    (*sandbox.mutable_labels())["app"] = "web";
    (*sandbox.mutable_labels())["io.kubernetes.pod.name"] = "web-0";
    (*sandbox.mutable_labels())["io.cri-containerd.kind"] = "sandbox";
    server_.AddContainer(ns, sandbox);
    server_.AddImage(ns, "docker.io/library/vigil-test:1", kDigest);
  }

  std::string path_;
  vigil::container::testing::FakeContainerd server_;
};

TEST_F(ContainerdEngineTest, InspectsAPodsContainerInTheK8sNamespace) {
  AddPod("k8s.io");
  cdc::Container other;
  other.set_id("ffff");
  server_.AddContainer("default", other);
  ContainerdEngine engine(path_, 2000ms, 100);
  std::optional<ContainerInfo> c = engine.Inspect(kId);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->full_id, kId);
  EXPECT_EQ(c->name, "app");
  EXPECT_EQ(c->image, "docker.io/library/vigil-test:1");
  EXPECT_EQ(c->image_repository, "docker.io/library/vigil-test");
  EXPECT_EQ(c->image_tag, "1");
  EXPECT_EQ(c->image_digest, kDigest);
  EXPECT_EQ(c->image_id, std::string(kDigest).substr(7));
  EXPECT_EQ(c->created_ns, 1796452201602216991u);
  EXPECT_EQ(c->labels.count("long"), 0u);  // over label_max_len
  EXPECT_EQ(c->labels.at("io.kubernetes.pod.name"), "web-0");
  ASSERT_EQ(c->mounts.size(), 1u);
  EXPECT_EQ(c->mounts[0].dest, "/data");
  EXPECT_EQ(c->pod.name, "web-0");
  EXPECT_EQ(c->pod.ns, "shop");
  EXPECT_EQ(c->pod.uid, "4a1b2c3d-0000-4000-8000-123456789abc");
  EXPECT_EQ(c->pod.sandbox_id, kSandbox);
  EXPECT_EQ(c->pod.labels, (std::map<std::string, std::string>{{"app", "web"}}));
}

TEST_F(ContainerdEngineTest, FindsAContainerInAnyNamespaceAndNoneIsNone) {
  cdc::Container c;
  c.set_id(kId);
  c.set_image("localhost/vigil/test:1.0");
  server_.AddContainer("default", c);
  server_.AddContainer("moby", cdc::Container());
  ContainerdEngine engine(path_, 2000ms, 100);
  std::optional<ContainerInfo> found = engine.Inspect(kId);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, kId);  // ctr's containers have no name but their id
  EXPECT_EQ(found->image_repository, "localhost/vigil/test");
  EXPECT_EQ(found->image_digest, "");  // the image is gone
  EXPECT_EQ(found->pod.name, "");
  EXPECT_EQ(engine.Inspect(std::string(64, 'e')), std::nullopt);
}

TEST_F(ContainerdEngineTest, AMissingSocketIsAnErrorNamingIt) {
  ContainerdEngine engine(path_ + ".missing", 500ms, 100);
  try {
    engine.Inspect(kId);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path_ + ".missing"), std::string::npos) << e.what();
  }
}

TEST_F(ContainerdEngineTest, FollowsContainerAndTaskEventsUntilCancelled) {
  ContainerdEngine engine(path_, 2000ms, 100);
  std::mutex mutex;
  std::vector<std::string> seen;
  std::thread watcher([&] {
    engine.Watch([&](std::string_view action, std::string_view id) {
      std::lock_guard lock(mutex);
      seen.push_back(std::string(action) + " " + std::string(id));
    });
  });
  for (int i = 0; i < 200 && server_.subscribers() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server_.subscribers(), 1u);
  containerd::events::ContainerCreate create;
  create.set_id("c1");
  server_.Publish("k8s.io", "/containers/create", "containerd.events.ContainerCreate", create);
  containerd::events::TaskStart start;
  start.set_container_id("c1");
  start.set_pid(42);
  server_.Publish("k8s.io", "/tasks/start", "containerd.events.TaskStart", start);
  containerd::events::ContainerDelete del;
  del.set_id("c1");
  server_.Publish("default", "/containers/delete", "containerd.events.ContainerDelete", del);
  auto count = [&] {
    std::lock_guard lock(mutex);
    return seen.size();
  };
  for (int i = 0; i < 200 && count() < 3; ++i) std::this_thread::sleep_for(10ms);
  engine.Cancel();
  watcher.join();  // Cancel ends the stream
  EXPECT_EQ(seen, (std::vector<std::string>{"create c1", "start c1", "destroy c1"}));
  engine.Watch([](std::string_view, std::string_view) { ADD_FAILURE() << "after Cancel"; });
}

TEST_F(ContainerdEngineTest, AStoppedServerEndsTheWatchWithAnError) {
  ContainerdEngine engine(path_, 2000ms, 100);
  std::atomic<bool> threw{false};
  std::thread watcher([&] {
    try {
      engine.Watch([](std::string_view, std::string_view) {});
    } catch (const std::runtime_error& e) {
      threw = std::string(e.what()).find(path_) != std::string::npos;
    }
  });
  for (int i = 0; i < 200 && server_.subscribers() == 0; ++i) std::this_thread::sleep_for(10ms);
  server_.Stop();
  watcher.join();
  EXPECT_TRUE(threw);
}

}  // namespace
