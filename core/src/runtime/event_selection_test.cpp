// SelectSyscallEventTypes: rules' types + state's, as base_syscalls adjusts them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vigil/core/event_type_names.hpp"
#include "vigil/core/runtime.hpp"
#include "vigil/event_record.h"
#include "vigil/event_types.h"

namespace vigil::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

uint16_t T(std::string_view name) { return *EventTypeCode(name); }

std::vector<std::string> Names(const std::vector<uint16_t>& types) {
  std::vector<std::string> out;
  for (uint16_t t : types) out.emplace_back(EventTypeName(t));
  return out;
}

const std::vector<uint16_t> kRules = {T("openat"), T("connect")};
const std::vector<uint16_t> kState = {T("execve"), T("close")};

TEST(SelectSyscallEventTypes, RulesPlusStateByDefault) {
  auto got = SelectSyscallEventTypes(kRules, kState, {});
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_THAT(Names(*got), ElementsAre("openat", "close", "connect", "execve"));
}

TEST(SelectSyscallEventTypes, CustomSetReplacesStateUnlessRepair) {
  config::BaseSyscalls base;
  base.custom_set = {"chdir"};
  auto got = SelectSyscallEventTypes(kRules, kState, base);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(Names(*got), ElementsAre("openat", "connect", "chdir"));
  base.repair = true;
  got = SelectSyscallEventTypes(kRules, kState, base);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(Names(*got), ElementsAre("openat", "close", "connect", "execve", "chdir"));
}

TEST(SelectSyscallEventTypes, BangRemovesEvenWhatRulesNeed) {
  config::BaseSyscalls base;
  base.custom_set = {"!connect", "!close"};
  base.repair = true;
  auto got = SelectSyscallEventTypes(kRules, kState, base);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(Names(*got), ElementsAre("openat", "execve"));
}

TEST(SelectSyscallEventTypes, AllTakesEverySyscallType) {
  config::BaseSyscalls base;
  base.all = true;
  auto got = SelectSyscallEventTypes({}, {}, base);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), VIGIL_EVENT_TYPE_END - VIGIL_EVENT_SYSCALL_FIRST);
}

TEST(SelectSyscallEventTypes, UnknownNamesAreErrorsWithThePlace) {
  config::BaseSyscalls base;
  base.custom_set = {"openat", "opnat", "!pluginevent"};
  base.pos = {"vigil.yaml", 7, 1};
  auto got = SelectSyscallEventTypes(kRules, kState, base);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("vigil.yaml:7:1: base_syscalls.custom_set"));
  EXPECT_THAT(got.status().message(), HasSubstr("opnat, !pluginevent"));
}

}  // namespace
}  // namespace vigil::runtime
