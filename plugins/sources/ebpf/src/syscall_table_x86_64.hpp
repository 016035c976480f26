// The x86_64 syscalls behind each vigil event type, and how the probe captures them.
//
// The probe's `interesting` map is indexed by syscall number; SetEventTypes turns the event types
// the host needs into map entries through this table. Numbers are the kernel's x86_64 ABI
// (arch/x86/entry/syscalls/syscall_64.tbl), checked against <asm/unistd_64.h> by a unit test.
#ifndef VIGIL_PLUGINS_SOURCES_EBPF_SYSCALL_TABLE_X86_64_HPP
#define VIGIL_PLUGINS_SOURCES_EBPF_SYSCALL_TABLE_X86_64_HPP

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigil::ebpf {

// How an event type is produced.
enum class Capture : uint8_t {
  kSysExit,  // a tail program of sys_exit (tail_<name>)
  kExec,     // sched_process_exec (success) and tail_<name> at sys_exit (failure)
  kFork,     // sched_process_fork, named from the parent's syscall
  kExit,     // sched_process_exit
};

struct SyscallEntry {
  std::string_view name;  // the event type name (event_types.h) and the syscall's name
  uint16_t event_type;    // event_types.h code
  int syscall_nr;         // x86_64 number; -1 for procexit (no syscall)
  Capture capture;
};

// Every event type the probe writes, in event type order.
std::span<const SyscallEntry> SyscallTable();

// The entry of an event type, or nullopt when the probe does not write it (switch, ...).
std::optional<SyscallEntry> FindByEventType(uint16_t event_type);

}  // namespace vigil::ebpf

#endif  // VIGIL_PLUGINS_SOURCES_EBPF_SYSCALL_TABLE_X86_64_HPP
