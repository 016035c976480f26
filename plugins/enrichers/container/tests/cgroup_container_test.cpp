// Container ids from cgroup paths, for every layout the container enricher recognises, with cgroup
// v1, v2 and hybrid entries as the probe and the core's /proc reader give them ("subsys=/path").
#include "cgroup_container.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::container {
namespace {

const std::string kId = "3f4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a";
const std::string kPod = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
const std::string kPodSystemd = "0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0";

struct Case {
  std::string path;
  Kind kind;
  std::string full_id;
  std::string pod_uid;
};

TEST(CgroupContainerTest, RecognisesEveryRuntimesLayout) {
  const std::vector<Case> cases = {
      {"/docker/" + kId, Kind::kDocker, kId, ""},
      {"/system.slice/docker-" + kId + ".scope", Kind::kDocker, kId, ""},
      {"/kubepods/besteffort/pod" + kPod + "/" + kId, Kind::kCri, kId, kPod},
      {"/kubepods/pod" + kPod + "/" + kId, Kind::kCri, kId, kPod},
      {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodSystemd +
           ".slice/cri-containerd-" + kId + ".scope",
       Kind::kContainerd, kId, kPod},
      {"/kubepods.slice/kubepods-pod" + kPodSystemd + ".slice/crio-" + kId + ".scope", Kind::kCrio,
       kId, kPod},
      {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodSystemd +
           ".slice/docker-" + kId + ".scope",
       Kind::kDocker, kId, kPod},
      {"/system.slice/containerd.service/kubepods-besteffort-pod" + kPodSystemd +
           ".slice:cri-containerd:" + kId,
       Kind::kContainerd, kId, ""},
      {"/default/" + kId, Kind::kContainerd, kId, ""},
      {"/machine.slice/libpod-" + kId + ".scope/container", Kind::kPodman, kId, ""},
      {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kId + ".scope",
       Kind::kPodman, kId, ""},
      {"/lxc/web1", Kind::kLxc, "web1", ""},
      {"/lxc.payload.web1", Kind::kLxc, "web1", ""},
      {"/machine.slice/machine-build\\x2dbox.scope", Kind::kNspawn, "build-box", ""},
  };
  for (const Case& c : cases) {
    std::optional<CgroupContainer> found = FromCgroupPath(c.path);
    ASSERT_TRUE(found) << c.path;
    EXPECT_EQ(found->kind, c.kind) << c.path;
    EXPECT_EQ(found->full_id, c.full_id) << c.path;
    EXPECT_EQ(found->pod_uid, c.pod_uid) << c.path;
  }
}

TEST(CgroupContainerTest, HostProcessesAndLookAlikesAreNoContainer) {
  for (const std::string& path : {
           std::string("/"), std::string("/system.slice/nginx.service"),
           std::string("/user.slice/user-1000.slice/session-3.scope"),
           std::string("/system.slice/docker.service"),       // the daemon itself
           "/machine.slice/libpod-conmon-" + kId + ".scope",  // podman's monitor
           "/kubepods.slice/kubepods-pod" + kPodSystemd + ".slice/crio-conmon-" + kId + ".scope",
           std::string("/machine.slice/machine-qemu\\x2d1\\x2dvm.scope"),  // a libvirt VM
           "/docker/" + kId.substr(0, 63),                                 // not a full id
           "/docker/" + std::string(64, 'G'),                              // not hex
           "/a/b/" + kId,                                                  // a hex name anywhere
       }) {
    EXPECT_FALSE(FromCgroupPath(path)) << path;
  }
  CgroupContainer host = FromCgroups({"cpu=/system.slice/sshd.service", "0::/init.scope"});
  EXPECT_EQ(host.kind, Kind::kHost);
  EXPECT_EQ(host.ShortId(), "host");
  EXPECT_STREQ(KindName(host.kind), "host");
}

TEST(CgroupContainerTest, V1V2AndHybridEntriesGiveTheSameContainer) {
  const std::vector<std::vector<std::string>> layouts = {
      {"cpuset=/docker/" + kId, "cpu=/docker/" + kId, "memory=/docker/" + kId},  // v1
      {"0::/system.slice/docker-" + kId + ".scope"},                             // v2
      {"cpuset=/", "name=systemd=/system.slice/docker-" + kId + ".scope",
       "0::/system.slice/docker-" + kId + ".scope"},  // hybrid
      {"/docker/" + kId},                             // bare path
  };
  for (const auto& cgroups : layouts) {
    CgroupContainer c = FromCgroups(cgroups);
    EXPECT_EQ(c.kind, Kind::kDocker) << cgroups.front();
    EXPECT_EQ(c.full_id, kId);
    EXPECT_EQ(c.ShortId(), kId.substr(0, 12));
    EXPECT_STREQ(KindName(c.kind), "docker");
  }
}

TEST(CgroupContainerTest, NamesAreShortIdsForNamedContainers) {
  EXPECT_EQ(FromCgroups({"0::/lxc.payload.web1"}).ShortId(), "web1");
  EXPECT_STREQ(KindName(Kind::kCrio), "cri-o");
  EXPECT_STREQ(KindName(Kind::kNspawn), "systemd-nspawn");
}

}  // namespace
}  // namespace vigil::container
