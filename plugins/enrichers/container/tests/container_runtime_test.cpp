// What the container enricher reads from a runtime: Docker's inspect answers, image names and
// times as Falco renders them, the metadata cache, and the Docker Engine API client against a
// local server that answers as dockerd does.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "container_info.hpp"
#include "docker_engine.hpp"
#include "fake_docker_engine.hpp"
#include "metadata_store.hpp"
#include "test_util.hpp"

namespace {

using namespace vigil::container;
using namespace vigil::container::testing;
using namespace std::chrono_literals;

constexpr const char* kId = "3f4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a";
constexpr const char* kImageId = "7e1a4e2d11e2ac7223c1d7a4f1a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3";

std::string SocketPath(const char* name) {
  return ::testing::TempDir() + "vigil-" + name + "-" + std::to_string(getpid()) + ".sock";
}

TEST(SplitImage, KeepsTheRegistryAndSplitsTagAndDigest) {
  auto check = [](const char* image, const char* repo, const char* tag, const char* digest) {
    ImageName n = SplitImage(image);
    EXPECT_EQ(n.repository, repo) << image;
    EXPECT_EQ(n.tag, tag) << image;
    EXPECT_EQ(n.digest, digest) << image;
  };
  check("nginx", "nginx", "latest", "");
  check("nginx:1.25", "nginx", "1.25", "");
  check("docker.io/library/nginx:1.25", "docker.io/library/nginx", "1.25", "");
  check("localhost:5000/a/b", "localhost:5000/a/b", "latest", "");
  check("localhost:5000/a/b:v2", "localhost:5000/a/b", "v2", "");
  check("quay.io/x/y@sha256:abcd", "quay.io/x/y", "", "sha256:abcd");
  check("quay.io/x/y:1@sha256:abcd", "quay.io/x/y", "1", "sha256:abcd");
}

TEST(ParseRfc3339, ReadsDockersTimes) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:01Z"), 1000000000u);
  EXPECT_EQ(ParseRfc3339("2026-12-05T06:30:01.123456789Z"), 1796452201123456789u);
  EXPECT_EQ(ParseRfc3339("2026-12-05T07:30:01.5+01:00"), 1796452201500000000u);
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z"), std::nullopt);  // Docker's "never"
  EXPECT_EQ(ParseRfc3339("2026-12-05 06:30:01Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-12-05T06:30:01"), std::nullopt);
  EXPECT_EQ(ParseRfc3339(""), std::nullopt);
}

TEST(ParseDockerInspect, ReadsFalcosFieldsFromTheInspectObject) {
  ContainerInfo c = ParseDockerInspect(Data("docker_inspect.json"), 20);
  EXPECT_EQ(c.full_id, kId);
  EXPECT_EQ(c.name, "web-1");
  EXPECT_EQ(c.image, "registry.example.com:5000/team/web:1.25");
  EXPECT_EQ(c.image_id, kImageId);
  EXPECT_EQ(c.image_repository, "registry.example.com:5000/team/web");
  EXPECT_EQ(c.image_tag, "1.25");
  EXPECT_EQ(c.image_digest, "");
  EXPECT_TRUE(c.privileged);
  EXPECT_TRUE(c.host_network);
  EXPECT_FALSE(c.host_pid);
  EXPECT_FALSE(c.host_ipc);
  EXPECT_EQ(c.created_ns, 1796452201123456789u);
  EXPECT_EQ(c.ip, "172.17.0.2");
  EXPECT_EQ(c.healthcheck.ToString(), "/bin/sh -c cat /tmp/ok");
  // "long" is over label_max_len (20): left out, as Falco does.
  EXPECT_EQ(c.labels, (std::map<std::string, std::string>{{"app", "web"}, {"tier", "front"}}));
  ASSERT_EQ(c.mounts.size(), 2u);
  EXPECT_EQ(c.mounts[0].ToString(), "/var/log:/host/log:ro:false:rprivate");
  EXPECT_EQ(c.mounts[1].ToString(), "/var/lib/docker/volumes/data/_data:/data:z:true:");
  EXPECT_EQ(c.MountBySource("/var/lib/docker/*")->dest, "/data");
  EXPECT_EQ(c.MountByDest("/host/*")->source, "/var/log");
  EXPECT_EQ(c.MountAt(1)->dest, "/data");
  EXPECT_EQ(c.MountAt(2), nullptr);
  EXPECT_EQ(c.MountBySource("/etc"), nullptr);
}

TEST(ParseDockerInspect, RefusesWhatIsNotAContainer) {
  EXPECT_THROW(ParseDockerInspect("[1, 2]", 100), std::runtime_error);
  EXPECT_THROW(ParseDockerInspect("{\"Id\": ", 100), std::runtime_error);
  EXPECT_THROW(ParseDockerInspect("{\"Name\": \"/x\"}", 100), std::runtime_error);
  // Odd member types are no values, not crashes.
  ContainerInfo c = ParseDockerInspect(
      R"({"Id": "ab", "Config": [], "HostConfig": {"Privileged": "yes"}, "Mounts": {}})", 100);
  EXPECT_EQ(c.full_id, "ab");
  EXPECT_FALSE(c.privileged);
  EXPECT_TRUE(c.mounts.empty());
}

TEST(DigestFromDockerImage, PrefersTheContainersRepository) {
  EXPECT_EQ(DigestFromDockerImage(Data("docker_image.json"), "registry.example.com:5000/team/web"),
            "sha256:d977378f890d445c15e51795296e4e5062f109ce6da83e0a355fc4ad8699d10b");
  EXPECT_EQ(DigestFromDockerImage(Data("docker_image.json"), "other"),
            "sha256:1111111111111111111111111111111111111111111111111111111111111111");
  EXPECT_EQ(DigestFromDockerImage(R"({"RepoDigests": []})", "x"), "");
}

TEST(ApplyLastAppliedProbes, ReadsTheExecProbesOfTheNamedContainer) {
  // A pod as `kubectl apply` leaves it in the annotation: two containers, one with exec probes,
  // the other with an HTTP probe (not a command: no field).
  const char* pod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0"},"spec":{
    "containers":[
      {"name":"sidecar","livenessProbe":{"httpGet":{"path":"/healthz","port":8080}}},
      {"name":"app","image":"nginx",
       "livenessProbe":{"exec":{"command":["/bin/cat","/tmp/alive"]},"periodSeconds":5},
       "readinessProbe":{"exec":{"command":["test","-e","/tmp/ready"]}}}]}})";
  ContainerInfo app;
  ApplyLastAppliedProbes(pod, "app", app);
  EXPECT_EQ(app.liveness_probe.ToString(), "/bin/cat /tmp/alive");
  EXPECT_EQ(app.readiness_probe.ToString(), "test -e /tmp/ready");
  EXPECT_EQ(app.CheckOf("cat", {"/tmp/alive"}), Check::kLiveness);
  EXPECT_EQ(app.CheckOf("test", {"-e", "/tmp/ready"}), Check::kReadiness);
  EXPECT_EQ(app.CheckOf("cat", {"/tmp/ready"}), Check::kNone);
  EXPECT_EQ(app.CheckOf("sh", {"/tmp/alive"}), Check::kNone);

  ContainerInfo sidecar;
  ApplyLastAppliedProbes(pod, "sidecar", sidecar);
  EXPECT_TRUE(sidecar.liveness_probe.argv.empty());
  ContainerInfo other;
  ApplyLastAppliedProbes(pod, "nope", other);
  ApplyLastAppliedProbes("{not json", "app", other);
  ApplyLastAppliedProbes(R"({"spec":{"containers":[{"name":"app","livenessProbe":{"exec":
    {"command":["/bin/cat",7]}}}]}})",
                         "app", other);  // a non-string argument: no probe
  EXPECT_TRUE(other.liveness_probe.argv.empty());
  EXPECT_TRUE(other.readiness_probe.argv.empty());
}

TEST(ContainerInfo, AHealthCheckIsTheRuntimesCommandByNameAndArguments) {
  ContainerInfo c;
  c.healthcheck.argv = {"/usr/local/bin/a-very-long-checker-name", "--quick"};
  // The kernel keeps 15 characters of the name.
  EXPECT_EQ(c.CheckOf("a-very-long-che", {"--quick"}), Check::kHealthcheck);
  EXPECT_EQ(c.CheckOf("a-very-long-che", {}), Check::kNone);
  EXPECT_EQ(ContainerInfo().CheckOf("sh", {}), Check::kNone);
}

TEST(MetadataStore, QueuesOnceAndHandsBackTheWaiters) {
  MetadataStore store(MetadataStore::Limits{});
  EXPECT_EQ(store.Request("a", 10), MetadataStore::Want::kWaiting);
  EXPECT_EQ(store.Request("a", 11), MetadataStore::Want::kWaiting);
  EXPECT_EQ(store.Request("a", 10), MetadataStore::Want::kWaiting);
  EXPECT_EQ(store.pending(), 1u);
  EXPECT_EQ(store.NextRequest(), "a");
  auto info = std::make_shared<const ContainerInfo>(ContainerInfo{});
  EXPECT_EQ(store.Complete("a", info), (std::vector<int64_t>{10, 11}));
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_EQ(store.Request("a", 12), MetadataStore::Want::kKnown);
  EXPECT_EQ(store.Find("a"), info);
}

TEST(MetadataStore, ADestroyedContainerAnswersForDestroyedTtlThenGoes) {
  MetadataStore::Limits limits;
  limits.destroyed_ttl = 50ms;
  MetadataStore store(limits);
  auto info = std::make_shared<const ContainerInfo>(ContainerInfo{});
  store.Complete("a", info);
  store.Destroyed("a");
  EXPECT_EQ(store.Request("a", 1), MetadataStore::Want::kKnown);
  // A lookup that raced the destroy and found nothing keeps what was known.
  store.Complete("a", nullptr);
  EXPECT_EQ(store.Find("a"), info);
  EXPECT_EQ(store.pending(), 0u);
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(store.Request("a", 2), MetadataStore::Want::kWaiting);  // gone: asked about anew
  EXPECT_EQ(store.Find("a"), std::nullopt);
  store.Destroyed("b");  // never known: nothing to keep
  EXPECT_EQ(store.Find("b"), std::nullopt);
}

TEST(MetadataStore, AMissIsAskedAgainAfterItsTtl) {
  MetadataStore::Limits limits;
  limits.miss_ttl = 0ms;
  MetadataStore store(limits);
  store.Request("a", -1);
  ASSERT_EQ(store.NextRequest(), "a");
  store.Complete("a", nullptr);
  EXPECT_EQ(store.Find("a"), MetadataStore::InfoPtr());  // a miss is an entry
  EXPECT_EQ(store.Request("a", 5), MetadataStore::Want::kWaiting);
  EXPECT_EQ(store.NextRequest(), "a");
}

TEST(MetadataStore, StaysWithinItsSizeDroppingTheOldest) {
  MetadataStore::Limits limits;
  limits.max_containers = 2;
  MetadataStore store(limits);
  for (const char* id : {"a", "b", "c"}) {
    store.Complete(id, std::make_shared<const ContainerInfo>(ContainerInfo{}));
  }
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.Find("a"), std::nullopt);
  EXPECT_NE(store.Find("c"), std::nullopt);
}

TEST(MetadataStore, StopEndsTheWorkersWait) {
  MetadataStore store(MetadataStore::Limits{});
  std::thread worker([&] { EXPECT_EQ(store.NextRequest(), std::nullopt); });
  store.Stop();
  worker.join();
}

class DockerEngineTest : public ::testing::Test {
 protected:
  vigil::container::testing::FakeDockerEngine server_{SocketPath("docker")};
  DockerEngine engine_{server_.path(), 2000ms, 100};
};

TEST_F(DockerEngineTest, InspectsAContainerAndItsImageDigest) {
  server_.SetContainer(kId, Data("docker_inspect.json"));
  server_.SetImage(std::string("sha256:") + kImageId, Data("docker_image.json"));
  std::optional<ContainerInfo> c = engine_.Inspect(kId);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "web-1");
  EXPECT_EQ(c->image_digest,
            "sha256:d977378f890d445c15e51795296e4e5062f109ce6da83e0a355fc4ad8699d10b");
  EXPECT_EQ(server_.requests(),
            (std::vector<std::string>{std::string("GET /containers/") + kId + "/json",
                                      std::string("GET /images/sha256:") + kImageId + "/json"}));
}

TEST_F(DockerEngineTest, AnUnknownContainerIsNoneAndAnErrorSaysWhy) {
  EXPECT_EQ(engine_.Inspect("abcdef"), std::nullopt);
  server_.SetContainer("abcd", "not json");
  try {
    engine_.Inspect("abcd");
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a JSON object"), std::string::npos) << e.what();
  }
  // Not a Docker id (containerd's event stream names any id ctr was given): none, never sent.
  const size_t sent = server_.requests().size();
  EXPECT_EQ(engine_.Inspect("../../etc"), std::nullopt);
  EXPECT_EQ(engine_.Inspect("web-0"), std::nullopt);
  EXPECT_EQ(server_.requests().size(), sent);
}

TEST_F(DockerEngineTest, ASlowRuntimeIsCutOffAtTheTimeout) {
  server_.SetContainer("abcd", Data("docker_inspect.json"), 1500ms);
  DockerEngine impatient(server_.path(), 200ms, 100);
  const auto start = std::chrono::steady_clock::now();
  try {
    impatient.Inspect("abcd");
    ADD_FAILURE() << "no timeout";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no answer within 200 ms"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1400ms);
}

TEST_F(DockerEngineTest, AMissingSocketIsAnErrorNamingIt) {
  DockerEngine nowhere(SocketPath("nowhere"), 200ms, 100);
  try {
    nowhere.Inspect("abcd");
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(nowhere.socket_path()), std::string::npos) << e.what();
  }
}

TEST_F(DockerEngineTest, FollowsTheEventStreamUntilStopped) {
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> seen;
  std::thread watcher([&] {
    engine_.Watch(
        [&](std::string_view action, std::string_view id) {
          std::lock_guard lock(mutex);
          seen.push_back(std::string(action) + " " + std::string(id));
        },
        stop);
  });
  while (server_.streams() == 0) std::this_thread::sleep_for(10ms);
  server_.Emit(R"({"status":"start","id":"aa","Type":"container","Action":"start",)"
               R"("Actor":{"ID":"aa","Attributes":{"image":"x"}},"time":1})");
  server_.Emit("garbage");
  server_.Emit(R"({"Type":"container","Action":"destroy","Actor":{"ID":"bb"}})");
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mutex);
      if (seen.size() == 2) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  stop = true;
  watcher.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"start aa", "destroy bb"}));
  EXPECT_EQ(server_.requests().at(0),
            "GET /events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D");
}

}  // namespace
