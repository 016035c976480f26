// The container plugin against the fake host: the container of an event's process from the
// core's cgroups, resolved once per process and again at exec, read back by its fields.
#include <gtest/gtest.h>

#include "vigil/event_types.h"
#include "vigil/testing/fake_host.hpp"

namespace {

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
  void SetUp() override { ASSERT_TRUE(host_.Init()) << host_.LastError(); }

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

}  // namespace
