// The container plugin against a real dockerd (tests/runtimes/docker.sh, as the ctest fixture
// `docker`): a container started with docker, its init process's real cgroups handed to the
// plugin as the core's state would, and every metadata field checked against what
// `docker inspect` itself reports. Skips without the fixture's DOCKER_HOST.
// (Not --privileged: root on these machines lacks capabilities runc would have to grant.)
#include <gtest/gtest.h>

#include <array>
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

class ContainerDockerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* docker_host = std::getenv("DOCKER_HOST");
    if (docker_host == nullptr || std::string(docker_host).rfind("unix://", 0) != 0) {
      GTEST_SKIP() << "no DOCKER_HOST (ctest fixture docker: root and dockerd)";
    }
    socket_ = std::string(docker_host).substr(7);
    if (access(socket_.c_str(), F_OK) != 0) GTEST_SKIP() << "no dockerd at " << socket_;
    docker_ = "/usr/bin/docker -H " + std::string(docker_host) + " ";
  }
  void TearDown() override {
    if (!id_.empty()) Shell(docker_ + "rm -f " + id_ + " >/dev/null");
  }
  std::string Inspect(const std::string& format) {
    return Shell(docker_ + "inspect --format '" + format + "' " + id_);
  }

  std::string socket_, docker_, id_;
};

TEST_F(ContainerDockerTest, FieldsAreWhatDockerInspectReports) {
  id_ = Shell(docker_ + "run -d --name vigil-container-test --label app=web --label tier=front " +
              "-v /etc:/host/etc:ro localhost/vigil/test:1.0 /bin/sleep 60");
  ASSERT_EQ(id_.size(), 64u) << id_;
  const std::string pid = Inspect("{{.State.Pid}}");
  FakeHost host{std::string(VIGIL_PLUGIN_PATH)};
  ASSERT_TRUE(host.Init(R"({"hold_timeout_ms": 5000, "engines": {"docker": {"sockets": [")" +
                        socket_ + R"("]}, "podman": {"enabled": false}}})"))
      << host.LastError();
  vigil::sdk::ProcessInfo p;
  p.tid = p.pid = std::stoll(pid);
  p.comm = "sleep";
  p.cgroups = Cgroups(pid);
  host.SetProcess(p);
  Record exec = Record::Make(vigil::SyscallEventCode("execve"), {}, 0, p.tid);
  exec.set_source("syscall");
  ASSERT_TRUE(host.Parse(exec)) << host.LastError();
  ASSERT_TRUE(host.Held(p.pid));
  ASSERT_TRUE(host.WaitForRelease(p.pid, std::chrono::seconds(10)));

  auto field = [&](const std::string& name) {
    auto values = host.ExtractFields(exec, {name});
    EXPECT_TRUE(values) << host.LastError();
    return values && (*values)[0].present() ? (*values)[0].ToString() : "<none>";
  };
  EXPECT_EQ(field("container.full_id"), id_);
  EXPECT_EQ(field("container.id"), id_.substr(0, 12));
  EXPECT_EQ(field("container.type"), "docker");
  EXPECT_EQ(field("container.name"), "vigil-container-test");
  EXPECT_EQ(field("container.image"), Inspect("{{.Config.Image}}"));
  EXPECT_EQ(field("container.image.repository"), "localhost/vigil/test");
  EXPECT_EQ(field("container.image.tag"), "1.0");
  EXPECT_EQ("sha256:" + field("container.image.id"), Inspect("{{.Image}}"));
  EXPECT_EQ(field("container.privileged"), Inspect("{{.HostConfig.Privileged}}"));
  EXPECT_EQ(field("container.label[app]"), "web");
  EXPECT_EQ(field("container.labels"), "app:web, tier:front");
  EXPECT_EQ(field("container.mount.dest[/etc]"), "/host/etc");
  EXPECT_EQ(field("container.mount.rdwr[/etc]"), Inspect("{{(index .Mounts 0).RW}}"));
  EXPECT_EQ(field("container.host_network"), "false");
  EXPECT_EQ(host.Counter("not_found"), std::nullopt);
}

}  // namespace
