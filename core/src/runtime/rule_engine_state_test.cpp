// RuleEngine + SyscallState: syscall events keep the state, with or without rules; other sources'
// events do not touch it.
#include <gtest/gtest.h>

#include "syscall_record.hpp"
#include "vigil/core/rule_engine.hpp"
#include "vigil/core/syscall_state.hpp"

namespace vigil::runtime {
namespace {

using vigil::test::SyscallRecord;

std::vector<uint8_t> OpenatRecord(int64_t tid, int64_t fd, std::string_view path) {
  SyscallRecord r("openat", tid, 1);
  r.Int("fd", fd).Int("dirfd", -100).Str("name", path).U32("flags", VIGIL_O_RDONLY);
  r.U32("mode", 0).U32("dev", 0).U64("ino", 0);
  return r.Finish();
}

TEST(RuleEngineState, SyscallEventsKeepTheStateWithoutRules) {
  router::OutputRouter router;
  state::StateOptions options;
  options.proc_root = "/nonexistent/vigil-proc";
  state::SyscallState st(options);
  RuleEngine engine(router, "host", {"syscall", "k8s_audit"});
  engine.AttachSyscallState(&st);

  auto open = OpenatRecord(42, 3, "/etc/../etc/shadow");
  engine.Process({open.data(), static_cast<uint32_t>(open.size()), 0, 1});
  const state::ThreadInfo* t = st.FindThread(42);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->process->fds.count(3), 1u);
  EXPECT_EQ(t->process->fds.at(3).name, "/etc/shadow");

  // The same bytes from another source are not syscall events.
  auto other = OpenatRecord(43, 3, "/x");
  engine.Process({other.data(), static_cast<uint32_t>(other.size()), 1, 2});
  EXPECT_EQ(st.FindThread(43), nullptr);

  SyscallRecord close("close", 42, 1);
  close.Int("res", 0).Int("fd", 3);
  auto bytes = close.Finish();
  engine.Process({bytes.data(), static_cast<uint32_t>(bytes.size()), 0, 3});
  EXPECT_EQ(st.FindThread(42)->process->fds.count(3), 0u);  // After ran
  EXPECT_EQ(st.counters().fds, 0u);
  EXPECT_EQ(engine.counters().events, 3u);
}

}  // namespace
}  // namespace vigil::runtime
