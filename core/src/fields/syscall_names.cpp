// The name tables of the syscall fields; see syscall_names.hpp. Orders follow Falco's tables
// (falcosecurity/libs driver/flags_table.c) so multi-name renderings come out in Falco's order.
#include "syscall_names.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "vigil/syscall_schema.h"

namespace vigil::fields::syscall {
namespace {

// ---- The schema as a table --------------------------------------------------------------

struct TypeParams {
  const ParamDesc* params = nullptr;
  size_t count = 0;
};

#define VIGIL_FIELDS_P(n, t) ParamDesc{#n, t},
#define VIGIL_FIELDS_X(code, name) \
  constexpr ParamDesc kParams_##name[] = {VIGIL_PARAMS_##name(VIGIL_FIELDS_P)};
VIGIL_SYSCALL_SCHEMA(VIGIL_FIELDS_X)
#undef VIGIL_FIELDS_X

const std::array<TypeParams, VIGIL_EVENT_TYPE_END>& ParamTable() {
  static const std::array<TypeParams, VIGIL_EVENT_TYPE_END> table = [] {
    std::array<TypeParams, VIGIL_EVENT_TYPE_END> t{};
#define VIGIL_FIELDS_X(code, name) \
  t[code] = {kParams_##name, sizeof(kParams_##name) / sizeof(ParamDesc)};
    VIGIL_SYSCALL_SCHEMA(VIGIL_FIELDS_X)
#undef VIGIL_FIELDS_X
    return t;
  }();
  return table;
}
#undef VIGIL_FIELDS_P

// ---- Flag tables --------------------------------------------------------------------------

constexpr NameValue kOpenFlagNames[] = {
    {"O_LARGEFILE", VIGIL_O_LARGEFILE}, {"O_DIRECTORY", VIGIL_O_DIRECTORY},
    {"O_DIRECT", VIGIL_O_DIRECT},       {"O_TRUNC", VIGIL_O_TRUNC},
    {"O_SYNC", VIGIL_O_SYNC},           {"O_NONBLOCK", VIGIL_O_NONBLOCK},
    {"O_EXCL", VIGIL_O_EXCL},           {"O_DSYNC", VIGIL_O_DSYNC},
    {"O_APPEND", VIGIL_O_APPEND},       {"O_CREAT", VIGIL_O_CREAT},
    {"O_RDWR", VIGIL_O_RDWR},           {"O_WRONLY", VIGIL_O_WRONLY},
    {"O_RDONLY", VIGIL_O_RDONLY},       {"O_CLOEXEC", VIGIL_O_CLOEXEC},
    {"O_NONE", VIGIL_O_NONE},           {"O_TMPFILE", VIGIL_O_TMPFILE},
    {"O_NOFOLLOW", VIGIL_O_NOFOLLOW},   {"O_NOATIME", VIGIL_O_NOATIME},
    {"O_PATH", VIGIL_O_PATH},           {"O_NOCTTY", VIGIL_O_NOCTTY},
    {"O_F_CREATED", VIGIL_O_F_CREATED},
};

constexpr NameValue kExeFlagNames[] = {
    {"EXE_WRITABLE", VIGIL_EXE_WRITABLE},
    {"EXE_UPPER_LAYER", VIGIL_EXE_UPPER_LAYER},
    {"EXE_FROM_MEMFD", VIGIL_EXE_FROM_MEMFD},
    {"EXE_LOWER_LAYER", VIGIL_EXE_LOWER_LAYER},
};

constexpr NameValue kCloneFlagNames[] = {
    {"CLONE_FILES", 0x400},
    {"CLONE_FS", 0x200},
    {"CLONE_IO", 0x80000000},
    {"CLONE_NEWIPC", 0x8000000},
    {"CLONE_NEWNET", 0x40000000},
    {"CLONE_NEWNS", 0x20000},
    {"CLONE_NEWPID", 0x20000000},
    {"CLONE_NEWUTS", 0x4000000},
    {"CLONE_PARENT", 0x8000},
    {"CLONE_PARENT_SETTID", 0x100000},
    {"CLONE_PTRACE", 0x2000},
    {"CLONE_SIGHAND", 0x800},
    {"CLONE_SYSVSEM", 0x40000},
    {"CLONE_THREAD", 0x10000},
    {"CLONE_UNTRACED", 0x800000},
    {"CLONE_VM", 0x100},
    {"CLONE_NEWUSER", 0x10000000},
    {"CLONE_CHILD_CLEARTID", 0x200000},
    {"CLONE_CHILD_SETTID", 0x1000000},
    {"CLONE_SETTLS", 0x80000},
    {"CLONE_VFORK", 0x4000},
    {"CLONE_NEWCGROUP", 0x2000000},
    {"CLONE_PIDFD", 0x1000},
    {"CLONE_CLEAR_SIGHAND", 0x100000000ull},
    {"CLONE_INTO_CGROUP", 0x200000000ull},
};

// Enum: Falco's table order, so AF_UNIX renders "AF_LOCAL|AF_UNIX" and AF_NETLINK
// "AF_ROUTE|AF_NETLINK" as in Falco.
constexpr NameValue kSockFamilyNames[] = {
    {"AF_NFC", 39},       {"AF_ALG", 38},      {"AF_CAIF", 37},    {"AF_IEEE802154", 36},
    {"AF_PHONET", 35},    {"AF_ISDN", 34},     {"AF_RXRPC", 33},   {"AF_IUCV", 32},
    {"AF_BLUETOOTH", 31}, {"AF_TIPC", 30},     {"AF_CAN", 29},     {"AF_LLC", 26},
    {"AF_WANPIPE", 25},   {"AF_PPPOX", 24},    {"AF_IRDA", 23},    {"AF_SNA", 22},
    {"AF_RDS", 21},       {"AF_ATMSVC", 20},   {"AF_ECONET", 19},  {"AF_ASH", 18},
    {"AF_PACKET", 17},    {"AF_ROUTE", 16},    {"AF_NETLINK", 16}, {"AF_KEY", 15},
    {"AF_SECURITY", 14},  {"AF_NETBEUI", 13},  {"AF_DECnet", 12},  {"AF_ROSE", 11},
    {"AF_INET6", 10},     {"AF_X25", 9},       {"AF_ATMPVC", 8},   {"AF_BRIDGE", 7},
    {"AF_NETROM", 6},     {"AF_APPLETALK", 5}, {"AF_IPX", 4},      {"AF_AX25", 3},
    {"AF_INET", 2},       {"AF_LOCAL", 1},     {"AF_UNIX", 1},     {"AF_UNSPEC", 0},
    {"AF_VSOCK", 40},     {"AF_KCM", 41},      {"AF_QIPCRTR", 42}, {"AF_SMC", 43},
    {"AF_XDP", 44},       {"AF_MCTP", 45},     {"AF_IB", 27},      {"AF_MPLS", 28},
};

constexpr NameValue kPtraceNames[] = {
    {"PTRACE_TRACEME", 0},
    {"PTRACE_PEEKTEXT", 1},
    {"PTRACE_PEEKDATA", 2},
    {"PTRACE_PEEKUSR", 3},
    {"PTRACE_POKETEXT", 4},
    {"PTRACE_POKEDATA", 5},
    {"PTRACE_POKEUSR", 6},
    {"PTRACE_CONT", 7},
    {"PTRACE_KILL", 8},
    {"PTRACE_SINGLESTEP", 9},
    {"PTRACE_GETREGS", 12},
    {"PTRACE_SETREGS", 13},
    {"PTRACE_GETFPREGS", 14},
    {"PTRACE_SETFPREGS", 15},
    {"PTRACE_ATTACH", 16},
    {"PTRACE_DETACH", 17},
    {"PTRACE_GETFPXREGS", 18},
    {"PTRACE_SETFPXREGS", 19},
    {"PTRACE_SYSCALL", 24},
    {"PTRACE_GET_THREAD_AREA", 25},
    {"PTRACE_SET_THREAD_AREA", 26},
    {"PTRACE_ARCH_PRCTL", 30},
    {"PTRACE_SYSEMU", 31},
    {"PTRACE_SYSEMU_SINGLESTEP", 32},
    {"PTRACE_SINGLEBLOCK", 33},
    {"PTRACE_SETOPTIONS", 0x4200},
    {"PTRACE_GETEVENTMSG", 0x4201},
    {"PTRACE_GETSIGINFO", 0x4202},
    {"PTRACE_SETSIGINFO", 0x4203},
    {"PTRACE_GETREGSET", 0x4204},
    {"PTRACE_SETREGSET", 0x4205},
    {"PTRACE_SEIZE", 0x4206},
    {"PTRACE_INTERRUPT", 0x4207},
    {"PTRACE_LISTEN", 0x4208},
    {"PTRACE_PEEKSIGINFO", 0x4209},
    {"PTRACE_GETSIGMASK", 0x420a},
    {"PTRACE_SETSIGMASK", 0x420b},
    {"PTRACE_SECCOMP_GET_FILTER", 0x420c},
    {"PTRACE_GET_SYSCALL_INFO", 0x420e},
};

constexpr NameValue kBpfCmdNames[] = {
    {"BPF_MAP_CREATE", 0},
    {"BPF_MAP_LOOKUP_ELEM", 1},
    {"BPF_MAP_UPDATE_ELEM", 2},
    {"BPF_MAP_DELETE_ELEM", 3},
    {"BPF_MAP_GET_NEXT_KEY", 4},
    {"BPF_PROG_LOAD", 5},
    {"BPF_OBJ_PIN", 6},
    {"BPF_OBJ_GET", 7},
    {"BPF_PROG_ATTACH", 8},
    {"BPF_PROG_DETACH", 9},
    {"BPF_PROG_TEST_RUN", 10},
    {"BPF_PROG_GET_NEXT_ID", 11},
    {"BPF_MAP_GET_NEXT_ID", 12},
    {"BPF_PROG_GET_FD_BY_ID", 13},
    {"BPF_MAP_GET_FD_BY_ID", 14},
    {"BPF_OBJ_GET_INFO_BY_FD", 15},
    {"BPF_PROG_QUERY", 16},
    {"BPF_RAW_TRACEPOINT_OPEN", 17},
    {"BPF_BTF_LOAD", 18},
    {"BPF_BTF_GET_FD_BY_ID", 19},
    {"BPF_TASK_FD_QUERY", 20},
    {"BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21},
    {"BPF_MAP_FREEZE", 22},
    {"BPF_BTF_GET_NEXT_ID", 23},
    {"BPF_MAP_LOOKUP_BATCH", 24},
    {"BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25},
    {"BPF_MAP_UPDATE_BATCH", 26},
    {"BPF_MAP_DELETE_BATCH", 27},
    {"BPF_LINK_CREATE", 28},
    {"BPF_LINK_UPDATE", 29},
    {"BPF_LINK_GET_FD_BY_ID", 30},
    {"BPF_LINK_GET_NEXT_ID", 31},
    {"BPF_ENABLE_STATS", 32},
    {"BPF_ITER_CREATE", 33},
    {"BPF_LINK_DETACH", 34},
    {"BPF_PROG_BIND_MAP", 35},
    {"BPF_TOKEN_CREATE", 36},
};

constexpr NameValue kFcntlNames[] = {
    {"F_DUPFD", 0},         {"F_GETFD", 1},
    {"F_SETFD", 2},         {"F_GETFL", 3},
    {"F_SETFL", 4},         {"F_GETLK", 5},
    {"F_SETLK", 6},         {"F_SETLKW", 7},
    {"F_SETOWN", 8},        {"F_GETOWN", 9},
    {"F_SETSIG", 10},       {"F_GETSIG", 11},
    {"F_SETOWN_EX", 15},    {"F_GETOWN_EX", 16},
    {"F_OFD_GETLK", 36},    {"F_OFD_SETLK", 37},
    {"F_OFD_SETLKW", 38},   {"F_SETLEASE", 1024},
    {"F_GETLEASE", 1025},   {"F_NOTIFY", 1026},
    {"F_CANCELLK", 1029},   {"F_DUPFD_CLOEXEC", 1030},
    {"F_SETPIPE_SZ", 1031}, {"F_GETPIPE_SZ", 1032},
    {"F_ADD_SEALS", 1033},  {"F_GET_SEALS", 1034},
};

constexpr NameValue kMountFlagNames[] = {
    {"RDONLY", 1u << 0},     {"NOSUID", 1u << 1},      {"NODEV", 1u << 2},
    {"NOEXEC", 1u << 3},     {"SYNCHRONOUS", 1u << 4}, {"REMOUNT", 1u << 5},
    {"MANDLOCK", 1u << 6},   {"DIRSYNC", 1u << 7},     {"NOSYMFOLLOW", 1u << 8},
    {"NOATIME", 1u << 10},   {"NODIRATIME", 1u << 11}, {"BIND", 1u << 12},
    {"MOVE", 1u << 13},      {"REC", 1u << 14},        {"SILENT", 1u << 15},
    {"POSIXACL", 1u << 16},  {"UNBINDABLE", 1u << 17}, {"PRIVATE", 1u << 18},
    {"SLAVE", 1u << 19},     {"SHARED", 1u << 20},     {"RELATIME", 1u << 21},
    {"KERNMOUNT", 1u << 22}, {"I_VERSION", 1u << 23},  {"STRICTATIME", 1u << 24},
    {"LAZYTIME", 1u << 25},  {"NOSEC", 1u << 28},      {"BORN", 1u << 29},
    {"ACTIVE", 1u << 30},    {"NOUSER", 1u << 31},
};

constexpr NameValue kMemfdNames[] = {
    {"MFD_CLOEXEC", 1},     {"MFD_ALLOW_SEALING", 2}, {"MFD_HUGETLB", 4},
    {"MFD_NOEXEC_SEAL", 8}, {"MFD_EXEC", 0x10},
};

constexpr NameValue kAtFlagNames[] = {
    {"AT_SYMLINK_NOFOLLOW", 0x100}, {"AT_REMOVEDIR", 0x200},   {"AT_SYMLINK_FOLLOW", 0x400},
    {"AT_NO_AUTOMOUNT", 0x800},     {"AT_EMPTY_PATH", 0x1000},
};

constexpr NameValue kProtNames[] = {
    {"PROT_READ", 1},
    {"PROT_WRITE", 2},
    {"PROT_EXEC", 4},
    {"PROT_SEM", 8},
    {"PROT_GROWSDOWN", 0x01000000},
    {"PROT_GROWSUP", 0x02000000},
    {"PROT_NONE", 0},
};

constexpr NameValue kModeNames[] = {
    {"S_IXOTH", 01},   {"S_IWOTH", 02},    {"S_IROTH", 04},    {"S_IXGRP", 010},
    {"S_IWGRP", 020},  {"S_IRGRP", 040},   {"S_IXUSR", 0100},  {"S_IWUSR", 0200},
    {"S_IRUSR", 0400}, {"S_ISVTX", 01000}, {"S_ISGID", 02000}, {"S_ISUID", 04000},
};

constexpr const char* kSignalNames[] = {
    nullptr,     "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
};

constexpr const char* kCapNames[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

uint16_t LoadU16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void AppendPort(std::string& out, uint16_t port) { out += std::to_string(port); }

void AppendEndpoint(std::string& out, const uint8_t* addr, bool v6, uint16_t port) {
  AppendIp(out, addr, v6);
  out += ':';
  AppendPort(out, port);
}

}  // namespace

const FlagTable kOpenFlags{kOpenFlagNames, FlagKind::kBits};
const FlagTable kExeFlags{kExeFlagNames, FlagKind::kBits};
const FlagTable kCloneFlags{kCloneFlagNames, FlagKind::kBits};
const FlagTable kSockFamily{kSockFamilyNames, FlagKind::kEnum};
const FlagTable kPtraceReq{kPtraceNames, FlagKind::kEnum};
const FlagTable kBpfCmd{kBpfCmdNames, FlagKind::kEnum};
const FlagTable kFcntlCmd{kFcntlNames, FlagKind::kEnum};
const FlagTable kMountFlags{kMountFlagNames, FlagKind::kBits};
const FlagTable kMemfdFlags{kMemfdNames, FlagKind::kBits};
const FlagTable kAtFlags{kAtFlagNames, FlagKind::kBits};
const FlagTable kProt{kProtNames, FlagKind::kBits};
const FlagTable kMode{kModeNames, FlagKind::kBits};

std::span<const ParamDesc> Params(uint16_t type) {
  if (type >= VIGIL_EVENT_TYPE_END) return {};
  const TypeParams& t = ParamTable()[type];
  return {t.params, t.count};
}

int ParamIndex(uint16_t type, std::string_view name) {
  std::span<const ParamDesc> params = Params(type);
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

bool AnyEventHasParam(std::string_view name) {
  for (uint16_t t = 0; t < VIGIL_EVENT_TYPE_END; ++t) {
    if (ParamIndex(t, name) >= 0) return true;
  }
  return false;
}

const char* ErrnoName(int64_t err) {
  // Errnos are 1..4095 either way round; anything else (INT64_MIN included) has no name.
  if (err < -4095 || err > 4095 || err == 0) return nullptr;
  return strerrorname_np(static_cast<int>(err < 0 ? -err : err));
}

const char* SignalName(uint64_t sig) {
  if (sig >= std::size(kSignalNames)) return nullptr;
  return kSignalNames[sig];
}

const char* CapName(unsigned bit) { return bit < std::size(kCapNames) ? kCapNames[bit] : nullptr; }

void AppendFlags(std::string& out, const FlagTable& table, uint64_t value) {
  const char* sep = "";
  if (table.kind == FlagKind::kEnum) {
    for (const NameValue& nv : table.names) {
      if (nv.value != value) continue;
      out += sep;
      out += nv.name;
      sep = "|";
    }
    return;
  }
  // Bits, as Falco: a zero-valued name only for a zero value; each match clears its bits so
  // O_RDWR does not also print O_RDONLY and O_WRONLY.
  uint64_t left = value;
  for (const NameValue& nv : table.names) {
    bool match = nv.value == 0 ? value == 0 : (left & nv.value) == nv.value && left != 0;
    if (!match) continue;
    out += sep;
    out += nv.name;
    sep = "|";
    left &= ~nv.value;
  }
}

void AppendCaps(std::string& out, uint64_t caps) {
  const char* sep = "";
  for (unsigned bit = 0; bit < 64; ++bit) {
    if (!(caps & (uint64_t{1} << bit))) continue;
    const char* name = CapName(bit);
    if (!name) continue;
    out += sep;
    out += name;
    sep = " ";
  }
}

std::string_view FdTypeName(state::FdType type) {
  using state::FdType;
  switch (type) {
    case FdType::kFile:
      return "file";
    case FdType::kDirectory:
      return "directory";
    case FdType::kIpv4:
      return "ipv4";
    case FdType::kIpv6:
      return "ipv6";
    case FdType::kUnix:
      return "unix";
    case FdType::kNetlink:
      return "netlink";
    case FdType::kPipe:
      return "pipe";
    case FdType::kEvent:
      return "event";
    case FdType::kSignalFd:
      return "signalfd";
    case FdType::kEventPoll:
      return "eventpoll";
    case FdType::kInotify:
      return "inotify";
    case FdType::kTimerFd:
      return "timerfd";
    case FdType::kMemfd:
      return "memfd";
    case FdType::kBpf:
      return "bpf";
    case FdType::kUserfaultfd:
      return "userfaultfd";
    case FdType::kIoUring:
      return "io_uring";
    case FdType::kPidfd:
      return "pidfd";
    case FdType::kPacket:
    case FdType::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view FdTypeChar(state::FdType type) {
  using state::FdType;
  switch (type) {
    case FdType::kFile:
      return "f";
    case FdType::kDirectory:
      return "d";
    case FdType::kIpv4:
      return "4";
    case FdType::kIpv6:
      return "6";
    case FdType::kUnix:
      return "u";
    case FdType::kNetlink:
      return "n";
    case FdType::kPipe:
      return "p";
    case FdType::kEvent:
      return "e";
    case FdType::kSignalFd:
      return "s";
    case FdType::kEventPoll:
      return "l";
    case FdType::kInotify:
      return "i";
    case FdType::kTimerFd:
      return "t";
    case FdType::kMemfd:
      return "m";
    case FdType::kBpf:
      return "b";
    case FdType::kUserfaultfd:
      return "u";
    case FdType::kIoUring:
      return "r";
    case FdType::kPidfd:
      return "P";
    case FdType::kPacket:
    case FdType::kUnknown:
      break;
  }
  return "o";
}

std::string_view L4ProtoName(uint8_t proto) {
  switch (proto) {
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 1:
    case 58:
      return "icmp";
    case 255:
      return "raw";
    default:
      return "";
  }
}

void AppendIp(std::string& out, const uint8_t* addr, bool v6) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(v6 ? AF_INET6 : AF_INET, addr, buf, sizeof buf)) out += buf;
}

void AppendSockaddr(std::string& out, std::string_view p) {
  if (p.empty()) return;
  const uint8_t family = static_cast<uint8_t>(p[0]);
  const auto* b = reinterpret_cast<const uint8_t*>(p.data());
  if (family == AF_INET && p.size() >= 1 + 4 + 2) {
    AppendEndpoint(out, b + 1, false, LoadU16(p.data() + 5));
  } else if (family == AF_INET6 && p.size() >= 1 + 16 + 2) {
    AppendEndpoint(out, b + 1, true, LoadU16(p.data() + 17));
  } else if (family == AF_UNIX) {
    AppendPrintable(out, p.substr(1));
  } else {
    out += "family ";
    out += std::to_string(family);
  }
}

void AppendSocktuple(std::string& out, std::string_view p) {
  if (p.empty()) return;
  const uint8_t family = static_cast<uint8_t>(p[0]);
  const auto* b = reinterpret_cast<const uint8_t*>(p.data());
  if (family == AF_INET && p.size() >= 13) {
    AppendEndpoint(out, b + 1, false, LoadU16(p.data() + 5));
    out += "->";
    AppendEndpoint(out, b + 7, false, LoadU16(p.data() + 11));
  } else if (family == AF_INET6 && p.size() >= 37) {
    AppendEndpoint(out, b + 1, true, LoadU16(p.data() + 17));
    out += "->";
    AppendEndpoint(out, b + 19, true, LoadU16(p.data() + 35));
  } else if (family == AF_UNIX && p.size() >= 17) {
    uint64_t src, dst;
    std::memcpy(&src, p.data() + 1, 8);
    std::memcpy(&dst, p.data() + 9, 8);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lx->%lx ", static_cast<unsigned long>(src),
                  static_cast<unsigned long>(dst));
    out += buf;
    AppendPrintable(out, p.substr(17));
  } else {
    out += "family ";
    out += std::to_string(family);
  }
}

void AppendPrintable(std::string& out, std::string_view data) {
  for (char c : data) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '.';
  }
}

}  // namespace vigil::fields::syscall
