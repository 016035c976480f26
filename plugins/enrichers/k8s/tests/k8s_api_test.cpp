// The k8s enricher's parts without the plugin: objects parsed from the API server's JSON, the
// cluster state linking a pod to its namespace, owners and services, the HTTPS client's
// verification and auth, and the list+watch loop against a local API server (fake_api_server.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "api_config.hpp"
#include "cluster_state.hpp"
#include "fake_api_server.hpp"
#include "kube_object.hpp"
#include "watcher.hpp"

namespace {

using namespace vigil::k8s;
using vigil::k8s::testing::FakeApiServer;
using vigil::k8s::testing::ReadTestFile;
using namespace std::chrono_literals;

constexpr const char* kWebId = "3f4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a";
constexpr const char* kPodUid = "5d6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b";

KubeObject One(const std::string& file) {
  return ParseWatchEvent(R"({"type":"ADDED","object":)" + ReadTestFile(file) + "}").object;
}

// A pod like data/pod.json, with another name, uid, node and container id.
std::string PodJson(const std::string& name, const std::string& uid, const std::string& node,
                    const std::string& container_id = "") {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"shop","uid":")" + uid +
         R"(","labels":{"app":"batch"}},"spec":{"nodeName":")" + node +
         R"("},"status":{"podIP":"10.244.1.99","containerStatuses":[{"name":"c","containerID":"containerd://)" +
         container_id + R"("}]}})";
}

TEST(KubeObjectTest, APodKeepsWhatTheFieldsNeed) {
  KubeObject pod = One("pod.json");
  EXPECT_EQ(pod.name, "web-7d9f8b6c5d-x2k4q");
  EXPECT_EQ(pod.ns, "shop");
  EXPECT_EQ(pod.uid, kPodUid);
  EXPECT_EQ(pod.resource_version, "48213");
  EXPECT_EQ(pod.labels.at("tier"), "frontend");
  EXPECT_EQ(pod.node, "node-1");
  EXPECT_EQ(pod.ip, "10.244.1.17");
  ASSERT_NE(pod.Owner("ReplicaSet"), nullptr);
  EXPECT_EQ(pod.Owner("ReplicaSet")->name, "web-7d9f8b6c5d");
  EXPECT_TRUE(pod.Owner("ReplicaSet")->controller);
  // Init containers count too: their processes are the pod's.
  EXPECT_EQ(pod.container_ids,
            (std::vector<std::string>{
                std::string(64, '1'), kWebId,
                "aa4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819bb"}));
  EXPECT_TRUE(pod.selector.empty());
}

TEST(KubeObjectTest, AServiceHasItsSelectorAWorkloadsIsNotOne) {
  EXPECT_EQ(One("service.json").selector, (Labels{{"app", "web"}}));
  EXPECT_TRUE(One("replicaset.json").selector.empty());  // {matchLabels: ...}
}

TEST(KubeObjectTest, AListHasItsVersionAndContinueToken) {
  ObjectList list = ParseList(R"({"kind":"PodList","metadata":{"resourceVersion":"77",)"
                              R"("continue":"eyJ2IjoibWV0YS"},"items":[)" +
                              ReadTestFile("pod.json") + "]}");
  EXPECT_EQ(list.resource_version, "77");
  EXPECT_EQ(list.continue_token, "eyJ2IjoibWV0YS");
  ASSERT_EQ(list.items.size(), 1u);
  EXPECT_EQ(list.items[0].name, "web-7d9f8b6c5d-x2k4q");
}

TEST(KubeObjectTest, BadInputSaysWhatAndWhere) {
  auto error = [](auto fn) {
    try {
      fn();
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error([] { ParseWatchEvent(R"({"type":"ADDED","object":{"metadata":)"); }),
            "bad JSON in a watch event at offset 37: Invalid value.");
  EXPECT_EQ(
      error([] {
        ParseWatchEvent(R"({"type":"ADDED","object":{"metadata":{"name":"p","labels":{"a":1}}}})");
      }),
      "watch ADDED (p) metadata: labels.a is not a string");
  EXPECT_EQ(error([] { ParseWatchEvent(R"({"type":"SHRUG","object":{"metadata":{}}})"); }),
            "watch event of unknown type 'SHRUG'");
  EXPECT_EQ(error([] { ParseList(R"({"items":[{"metadata":{"name":7}}]})"); }),
            "list item 0: name is not a string");
  EXPECT_EQ(error([] { ParseList("[]"); }), "a list is not a JSON object");
}

TEST(KubeObjectTest, AnErrorEventCarriesTheStatusCode) {
  WatchEvent e = ParseWatchEvent(
      R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)"
      R"j("status":"Failure","message":"too old resource version: 5 (90)","reason":"Expired",)j"
      R"("code":410}})");
  EXPECT_EQ(e.type, WatchEvent::Type::kError);
  EXPECT_EQ(e.code, 410);
  EXPECT_EQ(e.message, "too old resource version: 5 (90)");
}

class ClusterStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.Replace(Kind::kNamespace, {One("namespace.json")});
    state_.Replace(Kind::kReplicaSet, {One("replicaset.json")});
    state_.Replace(Kind::kDeployment, {One("deployment.json")});
    state_.Replace(Kind::kService, {One("service.json")});
    state_.Replace(Kind::kPod, {One("pod.json")});
  }
  ClusterState state_{100};
};

TEST_F(ClusterStateTest, APodIsLinkedToItsNamespaceOwnersAndServices) {
  std::shared_ptr<const PodMeta> m = state_.Find(kWebId, "");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->pod.name, "web-7d9f8b6c5d-x2k4q");
  EXPECT_EQ(m->ip, "10.244.1.17");
  EXPECT_EQ(m->ns.uid, "c0d1e2f3-a4b5-4c6d-8e7f-9a0b1c2d3e4f");
  EXPECT_EQ(m->ns.labels.at("pod-security.kubernetes.io/enforce"), "baseline");
  EXPECT_EQ(m->rs.name, "web-7d9f8b6c5d");
  EXPECT_EQ(m->rs.labels.at("pod-template-hash"), "7d9f8b6c5d");
  EXPECT_EQ(m->deployment.name, "web");
  EXPECT_EQ(m->deployment.labels.at("team"), "checkout");
  ASSERT_EQ(m->services.size(), 1u);
  EXPECT_EQ(m->services[0].name, "web");
  EXPECT_FALSE(m->job.known());
  EXPECT_FALSE(m->daemonset.known());
}

TEST_F(ClusterStateTest, FoundByContainerIdOrElseByPodUid) {
  EXPECT_NE(state_.Find("", kPodUid), nullptr);
  EXPECT_NE(state_.Find(std::string(64, '9'), kPodUid), nullptr);  // a container not in status yet
  EXPECT_EQ(state_.Find(std::string(64, '9'), ""), nullptr);
  EXPECT_EQ(state_.Find("", "00000000-0000-0000-0000-000000000000"), nullptr);
}

TEST_F(ClusterStateTest, ChangesShowAndAnAnswerHeldStaysAsItWas) {
  std::shared_ptr<const PodMeta> before = state_.Find(kWebId, "");
  KubeObject deployment = One("deployment.json");
  deployment.labels["team"] = "payments";
  state_.Apply(Kind::kDeployment, WatchEvent::Type::kModified, deployment);
  EXPECT_EQ(state_.Find(kWebId, "")->deployment.labels.at("team"), "payments");
  EXPECT_EQ(before->deployment.labels.at("team"), "checkout");
  state_.Apply(Kind::kService, WatchEvent::Type::kDeleted, One("service.json"));
  EXPECT_TRUE(state_.Find(kWebId, "")->services.empty());
  state_.Apply(Kind::kPod, WatchEvent::Type::kDeleted, One("pod.json"));
  EXPECT_EQ(state_.Find(kWebId, ""), nullptr);
  EXPECT_FALSE(state_.HasPod(kPodUid));
}

TEST(ClusterStateBoundTest, MoreThanMaxObjectsAreDroppedAndCounted) {
  ClusterState state(2);
  std::vector<KubeObject> pods;
  for (int i = 0; i < 3; ++i) {
    pods.push_back(ParseWatchEvent(
                       R"({"type":"ADDED","object":)" +
                       PodJson("p" + std::to_string(i), "uid-" + std::to_string(i), "node-1") + "}")
                       .object);
  }
  state.Replace(Kind::kPod, pods);
  EXPECT_EQ(state.size(Kind::kPod), 2u);
  EXPECT_EQ(state.dropped(), 1u);
  // A change to a kept object is not a new one.
  state.Apply(Kind::kPod, WatchEvent::Type::kModified, pods[0]);
  EXPECT_EQ(state.dropped(), 1u);
}

// ---- HTTPS ---------------------------------------------------------------------------------

ApiEndpoint Endpoint(const FakeApiServer& server, const std::string& ca = "ca.pem",
                     const std::string& token = "good-token") {
  ApiEndpoint e;
  SetServer(server.url(), e);
  e.ca_pem = ReadTestFile(ca);
  e.token = token;
  return e;
}

TEST(ApiClientTest, ListsOverVerifiedTls) {
  FakeApiServer server;
  server.Put("/api/v1/namespaces", ReadTestFile("namespace.json"));
  ApiClient client(Endpoint(server), 5s);
  ApiClient::Response r = client.Get("/api/v1/namespaces?limit=10");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(ParseList(r.body).items.at(0).name, "shop");
}

TEST(ApiClientTest, AServerWithACertificateOfAnotherCaIsRefused) {
  FakeApiServer server;
  server.Declare("/api/v1/namespaces");
  ApiClient client(Endpoint(server, "other_ca.pem"), 5s);
  try {
    client.Get("/api/v1/namespaces");
    FAIL() << "connected to a server the CA did not sign";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("server certificate refused"), std::string::npos)
        << e.what();
    EXPECT_EQ(server.requests().size(), 0u);  // nothing, not even the token, was sent
  }
}

TEST(ApiClientTest, AServerAtAnAddressItsCertificateDoesNotNameIsRefused) {
  FakeApiServer server("good-token", "127.0.0.2");  // the certificate names 127.0.0.1
  server.Declare("/api/v1/namespaces");
  try {
    ApiClient(Endpoint(server), 5s).Get("/api/v1/namespaces");
    FAIL() << "accepted a certificate for another address";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("server certificate refused: IP address mismatch"),
              std::string::npos)
        << e.what();
  }
  FakeApiServer local;  // and one dialled by a name its certificate has
  local.Declare("/api/v1/namespaces");
  ApiEndpoint by_name = Endpoint(local);
  SetServer("https://localhost:" + by_name.port, by_name);
  EXPECT_EQ(ApiClient(by_name, 5s).Get("/api/v1/namespaces").status, 200u);
}

TEST(ApiClientTest, ARefusedTokenIs401WithTheStatus) {
  FakeApiServer server;
  server.Declare("/api/v1/pods");
  ApiClient::Response r = ApiClient(Endpoint(server, "ca.pem", "stale"), 5s).Get("/api/v1/pods");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(StatusMessage(r.body), "Unauthorized");
}

TEST(ApiClientTest, TheTokenFileIsReadAtEachConnection) {
  FakeApiServer server;
  server.Declare("/api/v1/pods");
  const std::string file = ::testing::TempDir() + "/k8s_token";
  ApiEndpoint e = Endpoint(server, "ca.pem", "");
  e.token_file = file;
  std::ofstream(file) << "old-token\n";
  ApiClient client(e, 5s);
  server.set_token("new-token");
  EXPECT_EQ(client.Get("/api/v1/pods").status, 401u);
  std::ofstream(file) << "new-token\n";  // the kubelet rotated it
  EXPECT_EQ(client.Get("/api/v1/pods").status, 200u);
}

// ---- List and watch ------------------------------------------------------------------------

struct CapturedLog {
  static void Log(void* ctx, vigil_log_level, const char* msg) {
    auto* self = static_cast<CapturedLog*>(ctx);
    std::lock_guard<std::mutex> lock(self->mu);
    self->lines.push_back(msg);
  }
  bool Contains(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::mutex mu;
  std::vector<std::string> lines;
  vigil_host_api host{sizeof(vigil_host_api), this, &CapturedLog::Log};
};

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Declare(kPods); }
  void TearDown() override { Stop(); }

  void Start(const std::string& selector = "spec.nodeName=node-1") {
    WatchOptions options;
    options.page_size = 2;
    options.backoff_min = 20ms;
    options.backoff_max = 100ms;
    watcher_ = std::make_unique<Watcher>(client_, Resource{Kind::kPod, kPods, selector}, state_,
                                         vigil::sdk::Logger(&log_.host), options);
    thread_ = std::thread([this] { watcher_->Run(stop_); });
  }
  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    watcher_->Wake();
    thread_.join();
  }
  void AddPod(int i, const std::string& node = "node-1") {
    server_.Put(kPods, PodJson("p" + std::to_string(i), "uid-" + std::to_string(i), node,
                               std::string(63, 'a') + std::to_string(i)));
  }
  bool WaitForPods(size_t n) {
    return server_.WaitFor([&] { return state_.size(Kind::kPod) == n; });
  }
  size_t Count(const std::string& text) {
    size_t n = 0;
    for (const auto& r : server_.requests()) n += r.find(text) != std::string::npos;
    return n;
  }

  static constexpr const char* kPods = "/api/v1/pods";
  FakeApiServer server_;
  ApiClient client_{Endpoint(server_), 5s};
  ClusterState state_{1000};
  CapturedLog log_;
  std::unique_ptr<Watcher> watcher_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(WatcherTest, ListsInPagesOfTheNodesPodsThenWatchesFromTheListsVersion) {
  for (int i = 0; i < 5; ++i) AddPod(i);
  AddPod(9, "node-2");
  Start();
  ASSERT_TRUE(WaitForPods(5));
  ASSERT_TRUE(server_.WaitFor([&] { return server_.open_watches() == 1; }));
  std::vector<std::string> r = server_.requests();
  ASSERT_GE(r.size(), 4u);
  EXPECT_EQ(r[0], "/api/v1/pods?limit=2&fieldSelector=spec.nodeName%3Dnode-1");
  EXPECT_EQ(r[1], "/api/v1/pods?limit=2&continue=2&fieldSelector=spec.nodeName%3Dnode-1");
  EXPECT_EQ(r[2], "/api/v1/pods?limit=2&continue=4&fieldSelector=spec.nodeName%3Dnode-1");
  EXPECT_EQ(r[3],
            "/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=106&"
            "timeoutSeconds=300&fieldSelector=spec.nodeName%3Dnode-1");
  EXPECT_EQ(state_.Find("", "uid-9"), nullptr);  // another node's
  // Changes stream in.
  AddPod(5);
  ASSERT_TRUE(WaitForPods(6));
  server_.Delete(kPods, PodJson("p0", "uid-0", "node-1"));
  ASSERT_TRUE(WaitForPods(5));
  EXPECT_EQ(watcher_->lists(), 1u);
  EXPECT_EQ(watcher_->events(), 2u);
}

TEST_F(WatcherTest, ADroppedWatchResumesFromTheLastVersionItSawABookmarkIncluded) {
  AddPod(0);
  Start();
  ASSERT_TRUE(server_.WaitFor([&] { return server_.open_watches() == 1; }));
  AddPod(1);  // rv 102
  ASSERT_TRUE(WaitForPods(2));
  server_.Bookmark(kPods);  // rv 103
  ASSERT_TRUE(server_.WaitFor([&] { return true; }, 200ms));
  std::this_thread::sleep_for(200ms);
  server_.DropWatches();
  ASSERT_TRUE(server_.WaitFor([&] { return Count("resourceVersion=103") == 1; }))
      << ::testing::PrintToString(server_.requests());
  EXPECT_EQ(watcher_->lists(), 1u);  // resumed, not listed again
  EXPECT_GE(watcher_->errors(), 1u);
  AddPod(2);
  EXPECT_TRUE(WaitForPods(3));
}

TEST_F(WatcherTest, TooOldAVersionListsAgain) {
  AddPod(0);
  Start();
  ASSERT_TRUE(server_.WaitFor([&] { return server_.open_watches() == 1; }));
  AddPod(1);
  ASSERT_TRUE(WaitForPods(2));
  server_.Compact();  // the open watch ends with ERROR 410
  ASSERT_TRUE(server_.WaitFor([&] { return watcher_->lists() == 2; }));
  EXPECT_TRUE(log_.Contains("is gone (410): listing again"));
  EXPECT_EQ(watcher_->errors(), 0u);
  EXPECT_EQ(state_.size(Kind::kPod), 2u);
  // Watching again from the new list's version.
  ASSERT_TRUE(server_.WaitFor([&] { return server_.open_watches() == 1; }));
  server_.Delete(kPods, PodJson("p0", "uid-0", "node-1"));
  EXPECT_TRUE(WaitForPods(1));
  EXPECT_NE(state_.Find("", "uid-1"), nullptr);
}

TEST_F(WatcherTest, AnExpiredContinueTokenStartsTheListAgain) {
  for (int i = 0; i < 3; ++i) AddPod(i);
  server_.set_expire_continue(true);
  Start();
  ASSERT_TRUE(WaitForPods(3));
  EXPECT_EQ(Count("limit=2&fieldSelector"), 2u);  // the first page, twice
  EXPECT_EQ(watcher_->lists(), 1u);
}

TEST_F(WatcherTest, BadJsonIsLoggedAndTheWatchResumesWithoutLosingWhatCameBefore) {
  Start();
  ASSERT_TRUE(server_.WaitFor([&] { return server_.open_watches() == 1; }));
  AddPod(0);
  server_.SendRaw(kPods, R"({"type":"ADDED","object":{"metadata":)");
  AddPod(1);
  ASSERT_TRUE(WaitForPods(2));
  EXPECT_EQ(watcher_->errors(), 1u);
  EXPECT_EQ(watcher_->lists(), 1u);
  EXPECT_TRUE(log_.Contains("bad JSON in a watch event at offset"));
}

TEST_F(WatcherTest, ARefusedTokenIsSaidAndRetriedUntilItIsGood) {
  AddPod(0);
  server_.set_token("rotated");
  Start();
  ASSERT_TRUE(server_.WaitFor([&] { return watcher_->errors() >= 2; }));
  EXPECT_TRUE(log_.Contains("list /api/v1/pods: HTTP 401 (the token was refused): Unauthorized"));
  EXPECT_EQ(state_.size(Kind::kPod), 0u);
  server_.set_token("good-token");
  EXPECT_TRUE(WaitForPods(1));
}

TEST_F(WatcherTest, AWatchThatEndsIsResumed) {
  AddPod(0);
  WatchOptions options;
  options.watch_timeout = 1s;  // the server ends each watch after a second
  watcher_ = std::make_unique<Watcher>(client_, Resource{Kind::kPod, kPods, ""}, state_,
                                       vigil::sdk::Logger(&log_.host), options);
  thread_ = std::thread([this] { watcher_->Run(stop_); });
  ASSERT_TRUE(server_.WaitFor([&] { return Count("watch=1") >= 2; }, 5s));
  EXPECT_EQ(watcher_->errors(), 0u);
  EXPECT_EQ(watcher_->lists(), 1u);
}

// ---- Where the API server is ---------------------------------------------------------------

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ApiConfigTest, AKubeconfigsCurrentContextGivesServerCaAndToken) {
  const std::string ca = ReadTestFile("ca.pem");
  std::string b64;
  {
    // base64 of the CA, as kubectl writes certificate-authority-data
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < ca.size(); i += 3) {
      uint32_t n = (uint8_t(ca[i]) << 16) | (uint8_t(ca[i + 1]) << 8) | uint8_t(ca[i + 2]);
      for (int s = 18; s >= 0; s -= 6) b64 += k[(n >> s) & 63];
    }
    if (i < ca.size()) {
      uint32_t n = uint8_t(ca[i]) << 16;
      if (i + 1 < ca.size()) n |= uint8_t(ca[i + 1]) << 8;
      b64 += k[(n >> 18) & 63];
      b64 += k[(n >> 12) & 63];
      b64 += i + 1 < ca.size() ? k[(n >> 6) & 63] : '=';
      b64 += '=';
    }
  }
  const std::string path = WriteFile("kubeconfig", R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: other
  cluster: {server: "https://10.9.9.9:6443"}
- name: kind
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: )" + b64 + R"(
contexts:
- name: dev
  context: {cluster: kind, user: admin}
users:
- name: admin
  user: {token: abc.def}
)");
  ApiSettings s;
  s.kubeconfig = path;
  std::optional<ApiEndpoint> e = ResolveEndpoint(s, {});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, "6443");
  EXPECT_EQ(e->ca_pem, ca);
  EXPECT_EQ(e->token, "abc.def");
}

TEST(ApiConfigTest, WhatVigilWillNotDoIsAnErrorNamingTheFile) {
  const std::string insecure = WriteFile("kubeconfig_insecure", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://h:6443", insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {token: t}}]
)");
  const std::string exec = WriteFile("kubeconfig_exec", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://h:6443"}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {exec: {command: aws}}}]
)");
  const std::string broken = WriteFile("kubeconfig_broken", "current-context: c\nclusters: [\n");
  auto error = [](const std::string& path) {
    ApiSettings s;
    s.kubeconfig = path;
    try {
      ResolveEndpoint(s, {});
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error(insecure), "kubeconfig " + insecure +
                                 ": insecure-skip-tls-verify: vigil verifies the API server; give "
                                 "its CA");
  EXPECT_NE(error(exec).find("kubeconfig " + exec + ": user 'u' authenticates with exec"),
            std::string::npos);
  EXPECT_EQ(error(broken).rfind("kubeconfig " + broken + ":3: ", 0), 0u) << error(broken);
  EXPECT_EQ(error("/nonexistent/kubeconfig"), "cannot read the kubeconfig /nonexistent/kubeconfig");
}

TEST(ApiConfigTest, InClusterFromTheServiceEnvironmentAndTheServiceAccount) {
  ApiSettings s;
  s.ca_file = std::string(VIGIL_K8S_TEST_DATA) + "/ca.pem";
  s.token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::optional<ApiEndpoint> e = ResolveEndpoint(
      s, {{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "fd00::1");
  EXPECT_EQ(e->Describe(), "https://fd00::1:443");
  EXPECT_EQ(e->token_file, s.token_file);
  EXPECT_EQ(e->ca_pem, ReadTestFile("ca.pem"));
  EXPECT_FALSE(ResolveEndpoint(s, {{"HOME", "/root"}}));  // not in a cluster: nothing to watch
}

}  // namespace
