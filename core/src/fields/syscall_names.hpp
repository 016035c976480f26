// Names and renderings shared by the syscall fields (private to vigil::fields): the schema as a
// table (parameter names and types per event type), and how Falco renders errnos, signals,
// capabilities, flag sets, fd types and addresses.
//
//   auto params = syscall::Params(17);  // openat: {fd FD, dirfd FD, name PATH, flags ...}
//   std::string s;
//   syscall::AppendFlags(s, syscall::kOpenFlags, VIGIL_O_WRONLY | VIGIL_O_CREAT);
//   // s == "O_CREAT|O_WRONLY" (Falco's table order)
//
// Numbers in the records are the kernel's (Linux x86-64/arm64 share them for everything here)
// except open flags and exe flags, which are vigil's (= Falco's PPM_*) bits; see syscall_schema.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vigil/core/syscall_state.hpp"

namespace vigil::fields::syscall {

struct ParamDesc {
  std::string_view name;
  uint8_t type = 0;  // VIGIL_PT_*
};

// The schema's parameters of event `type`, in record order (empty for a type with no schema).
std::span<const ParamDesc> Params(uint16_t type);
// Index of parameter `name` of event `type`, or -1.
int ParamIndex(uint16_t type, std::string_view name);
// Whether any event type has a parameter `name`.
bool AnyEventHasParam(std::string_view name);

// "ENOENT" for 2 (or -2); nullptr when unknown.
const char* ErrnoName(int64_t err);
// "SIGKILL" for 9; nullptr when unknown.
const char* SignalName(uint64_t sig);
// "CAP_SYS_ADMIN" for 21; nullptr past the last known capability.
const char* CapName(unsigned bit);

struct NameValue {
  const char* name;
  uint64_t value;
};
enum class FlagKind : uint8_t {
  kBits,  // a set of bits: every name whose bits are all set, joined with '|'
  kEnum,  // one value: every name equal to it, joined with '|' (AF_LOCAL|AF_UNIX)
};
struct FlagTable {
  std::span<const NameValue> names;
  FlagKind kind;
};
extern const FlagTable kOpenFlags;   // VIGIL_O_*
extern const FlagTable kExeFlags;    // VIGIL_EXE_*
extern const FlagTable kCloneFlags;  // CLONE_*
extern const FlagTable kSockFamily;  // AF_*
extern const FlagTable kPtraceReq;   // PTRACE_*
extern const FlagTable kBpfCmd;      // BPF_*
extern const FlagTable kFcntlCmd;    // F_*
extern const FlagTable kMountFlags;  // MS_* rendered as Falco does, without the prefix (BIND)
extern const FlagTable kMemfdFlags;  // MFD_*
extern const FlagTable kAtFlags;     // AT_*
extern const FlagTable kProt;        // PROT_*
extern const FlagTable kMode;        // S_IXOTH ... S_ISUID

// Appends the names of `value` per `table` as Falco renders them; appends nothing when no name
// matches.
void AppendFlags(std::string& out, const FlagTable& table, uint64_t value);
// Falco's capability rendering: names of the set bits, space-separated.
void AppendCaps(std::string& out, uint64_t caps);

// fd.type ("file", "ipv4", ...) and fd.typechar ("f", "4", ...) of an fd type.
std::string_view FdTypeName(state::FdType type);
std::string_view FdTypeChar(state::FdType type);
// fd.l4proto: "tcp", "udp", "icmp", "raw"; "" when unknown.
std::string_view L4ProtoName(uint8_t proto);

// Appends an address: 4 bytes as dotted IPv4, 16 as IPv6 text.
void AppendIp(std::string& out, const uint8_t* addr, bool v6);
// Appends a SOCKADDR / SOCKTUPLE parameter as Falco renders it ("1.2.3.4:80",
// "1.2.3.4:40000->5.6.7.8:80", a unix path).
void AppendSockaddr(std::string& out, std::string_view param);
void AppendSocktuple(std::string& out, std::string_view param);
// Falco's default rendering of binary data: printable bytes as they are, others as '.'.
void AppendPrintable(std::string& out, std::string_view data);

}  // namespace vigil::fields::syscall
