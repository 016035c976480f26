// The CRI client against a local RuntimeService (gRPC on a unix socket) that answers as CRI-O does:
// verbose ContainerStatus and PodSandboxStatus with their JSON info, NOT_FOUND for what it does not
// know, and GetContainerEvents streaming what the test publishes; a server that does not offer
// GetContainerEvents answers UNIMPLEMENTED, as runtimes before it did. (containerd's own CRI is
// the real runtime of tests/container_cri_test.cpp.)
#include "cri_engine.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "cri/runtime_v1.grpc.pb.h"

namespace {

using namespace vigil::container;
using namespace std::chrono_literals;
namespace cri = runtime::v1;

constexpr const char* kId = "4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c";
constexpr const char* kSandbox = "9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b";

// The RuntimeService calls the client makes, as CRI-O answers them.
class FakeCri : public cri::RuntimeService::Service {
 public:
  std::map<std::string, cri::ContainerStatusResponse> containers;
  std::map<std::string, cri::PodSandboxStatusResponse> sandboxes;

  grpc::Status ContainerStatus(grpc::ServerContext*, const cri::ContainerStatusRequest* req,
                               cri::ContainerStatusResponse* resp) override {
    auto it = containers.find(req->container_id());
    if (it == containers.end())
      return {grpc::StatusCode::NOT_FOUND, "could not find container " + req->container_id()};
    *resp = it->second;
    if (!req->verbose()) resp->clear_info();
    return grpc::Status::OK;
  }
  grpc::Status PodSandboxStatus(grpc::ServerContext*, const cri::PodSandboxStatusRequest* req,
                                cri::PodSandboxStatusResponse* resp) override {
    auto it = sandboxes.find(req->pod_sandbox_id());
    if (it == sandboxes.end())
      return {grpc::StatusCode::NOT_FOUND, "could not find pod " + req->pod_sandbox_id()};
    *resp = it->second;
    return grpc::Status::OK;
  }
};

// One that also streams container events.
class FakeCriWithEvents : public FakeCri {
 public:
  void Publish(cri::ContainerEventType type, const std::string& id) {
    std::lock_guard lock(mutex_);
    cri::ContainerEventResponse e;
    e.set_container_id(id);
    e.set_container_event_type(type);
    queue_.push_back(std::move(e));
    wake_.notify_all();
  }
  size_t subscribers() {
    std::lock_guard lock(mutex_);
    return subscribers_;
  }
  grpc::Status GetContainerEvents(grpc::ServerContext* ctx, const cri::GetEventsRequest*,
                                  grpc::ServerWriter<cri::ContainerEventResponse>* w) override {
    std::unique_lock lock(mutex_);
    ++subscribers_;
    while (!ctx->IsCancelled()) {
      if (queue_.empty()) {
        wake_.wait_for(lock, 20ms);
        continue;
      }
      cri::ContainerEventResponse e = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      const bool written = w->Write(e);
      lock.lock();
      if (!written) break;
    }
    --subscribers_;
    return grpc::Status::OK;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<cri::ContainerEventResponse> queue_;
  size_t subscribers_ = 0;
};

// A CRI-O pod: the container "app" of pod web-0 (namespace shop) on the host's network.
void AddPod(FakeCri& cri) {
  cri::ContainerStatusResponse c;
  cri::ContainerStatus& s = *c.mutable_status();
  s.set_id(kId);
  s.mutable_metadata()->set_name("app");
  s.mutable_image()->set_image("quay.io/team/web:2.1");
  s.set_image_ref("quay.io/team/web@sha256:" + std::string(64, 'a'));
  s.set_created_at(1796452201000000001);
  (*s.mutable_labels())["io.kubernetes.container.name"] = "app";
  (*s.mutable_labels())["io.kubernetes.pod.name"] = "web-0";
  (*s.mutable_labels())["io.kubernetes.pod.namespace"] = "shop";
  (*s.mutable_labels())["io.kubernetes.pod.uid"] = "0d0e0f00-1111-4222-8333-444455556666";
  (*s.mutable_labels())["long"] = std::string(101, 'x');
  cri::Mount& m = *s.add_mounts();
  m.set_container_path("/data");
  m.set_host_path("/var/lib/web");
  m.set_propagation(cri::PROPAGATION_HOST_TO_CONTAINER);
  cri::Mount& ro = *s.add_mounts();
  ro.set_container_path("/etc/hosts");
  ro.set_host_path("/run/pods/hosts");
  ro.set_readonly(true);
  // CRI-O's verbose info: the sandbox, the kubelet's privileged, the OCI spec.
  (*c.mutable_info())["info"] = R"({"sandboxID":")" + std::string(kSandbox) +
                                R"(","pid":4242,"privileged":true,"runtimeSpec":{"linux":)"
                                R"({"namespaces":[{"type":"pid"},{"type":"mount"}]}}})";
  cri.containers[kId] = c;

  cri::PodSandboxStatusResponse p;
  cri::PodSandboxStatus& ps = *p.mutable_status();
  ps.set_id(kSandbox);
  ps.mutable_metadata()->set_name("web-0");
  ps.mutable_metadata()->set_namespace_("shop");
  ps.mutable_metadata()->set_uid("0d0e0f00-1111-4222-8333-444455556666");
  ps.set_created_at(1796452200000000000);
  ps.mutable_network()->set_ip("10.0.3.7");
  ps.mutable_linux()->mutable_namespaces()->mutable_options()->set_network(cri::NODE);
  (*ps.mutable_labels())["app"] = "web";
  (*ps.mutable_labels())["io.kubernetes.pod.name"] = "web-0";
  (*ps.mutable_annotations())["kubectl.kubernetes.io/last-applied-configuration"] =
      R"({"spec":{"containers":[{"name":"app","livenessProbe":{"exec":{"command":)"
      R"(["/healthz","--live"]}}}]}})";
  (*p.mutable_info())["info"] =
      R"({"pid":4200,"cniResult":{"interfaces":[{"name":"eth0"}],"ips":[{"address":"10.0.3.7/24"}]}})";
  cri.sandboxes[kSandbox] = p;
}

template <typename Server>
class CriEngineTest : public ::testing::Test {
 protected:
  CriEngineTest()
      : path_(::testing::TempDir() + "vigil-cri-" + std::to_string(getpid()) + ".sock") {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + path_, grpc::InsecureServerCredentials());
    builder.RegisterService(&cri_);
    server_ = builder.BuildAndStart();
  }
  ~CriEngineTest() override {
    server_->Shutdown(std::chrono::system_clock::now() + 2s);
    ::unlink(path_.c_str());
  }
  std::string path_;
  Server cri_;
  std::unique_ptr<grpc::Server> server_;
};
using CriEngineInspectTest = CriEngineTest<FakeCri>;
using CriEngineEventsTest = CriEngineTest<FakeCriWithEvents>;

TEST_F(CriEngineInspectTest, InspectsACrioContainerAndItsPod) {
  AddPod(cri_);
  CriEngine engine(path_, 2000ms, 100);
  std::optional<ContainerInfo> c = engine.Inspect(kId);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->full_id, kId);
  EXPECT_EQ(c->name, "app");
  EXPECT_EQ(c->image, "quay.io/team/web:2.1");
  EXPECT_EQ(c->image_repository, "quay.io/team/web");
  EXPECT_EQ(c->image_tag, "2.1");
  EXPECT_EQ(c->image_digest, "sha256:" + std::string(64, 'a'));
  EXPECT_EQ(c->created_ns, 1796452201000000001u);
  EXPECT_TRUE(c->privileged);              // CRI-O's "privileged", whatever the spec suggests
  EXPECT_FALSE(c->host_pid);               // the spec makes a pid namespace ...
  EXPECT_TRUE(c->host_network);            // ... and no network one
  EXPECT_EQ(c->labels.count("long"), 0u);  // over label_max_len
  ASSERT_EQ(c->mounts.size(), 2u);
  EXPECT_EQ(c->mounts[0].ToString(), "/var/lib/web:/data::true:rslave");
  EXPECT_EQ(c->mounts[1].ToString(), "/run/pods/hosts:/etc/hosts::false:private");
  EXPECT_EQ(c->pod.name, "web-0");
  EXPECT_EQ(c->pod.ns, "shop");
  EXPECT_EQ(c->pod.sandbox_id, kSandbox);
  EXPECT_EQ(c->pod.labels, (std::map<std::string, std::string>{{"app", "web"}}));
  EXPECT_EQ(c->pod.ip, "10.0.3.7");
  EXPECT_EQ(c->ip, "10.0.3.7");
  EXPECT_EQ(c->cni_json, R"({"interfaces":[{"name":"eth0"}],"ips":[{"address":"10.0.3.7/24"}]})");
  EXPECT_EQ(c->liveness_probe.ToString(), "/healthz --live");
  EXPECT_TRUE(c->readiness_probe.argv.empty());
}

TEST_F(CriEngineInspectTest, ASandboxIsItsPodAndTheUnknownIsNone) {
  AddPod(cri_);
  CriEngine engine(path_, 2000ms, 100);
  std::optional<ContainerInfo> sandbox = engine.Inspect(kSandbox);
  ASSERT_TRUE(sandbox);
  EXPECT_EQ(sandbox->name, "web-0");
  EXPECT_EQ(sandbox->pod.sandbox_id, kSandbox);
  EXPECT_EQ(sandbox->pod.ip, "10.0.3.7");
  EXPECT_TRUE(sandbox->host_network);  // the pod's namespaces: NODE network
  EXPECT_FALSE(sandbox->host_pid);
  EXPECT_FALSE(engine.Inspect(std::string(64, 'f')));
}

TEST(CriEngine, AMissingSocketIsAnErrorNamingIt) {
  const std::string path = ::testing::TempDir() + "vigil-no-cri.sock";
  CriEngine engine(path, 300ms, 100);
  try {
    engine.Inspect(kId);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST_F(CriEngineEventsTest, FollowsContainerEventsUntilCancelled) {
  CriEngine engine(path_, 2000ms, 100);
  std::mutex mutex;
  std::vector<std::string> seen;
  std::thread watcher([&] {
    engine.Watch([&](std::string_view action, std::string_view id) {
      std::lock_guard lock(mutex);
      seen.push_back(std::string(action) + " " + std::string(id));
    });
  });
  for (int i = 0; i < 200 && cri_.subscribers() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(cri_.subscribers(), 1u);
  cri_.Publish(cri::CONTAINER_CREATED_EVENT, "c1");
  cri_.Publish(cri::CONTAINER_STARTED_EVENT, "c1");
  cri_.Publish(cri::CONTAINER_STOPPED_EVENT, "c1");  // nothing for the cache to do
  cri_.Publish(cri::CONTAINER_DELETED_EVENT, "c1");
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

TEST_F(CriEngineInspectTest, ARuntimeWithoutTheEventStreamEndsTheWatchQuietly) {
  CriEngine engine(path_, 2000ms, 100);
  bool called = false;
  EXPECT_NO_THROW(engine.Watch([&](std::string_view, std::string_view) { called = true; }));
  EXPECT_FALSE(called);
}

}  // namespace
