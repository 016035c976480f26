// The syscall fields: Falco's evt.arg/res/..., proc.*, thread.*, user.*, group.*, fd.* and
// fs.path.* for source "syscall", read from the event record and the syscall state's SyscallView.
// Declarations (names, types, arguments) match Falco's (libsinsp filterchecks); the extractors
// live in syscall_fields_{evt,proc,fd}.cpp.
#include "syscall_fields.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <vector>
#include "vigil/core/sources.hpp"

namespace vigil::fields {
namespace syscall {
namespace {

constexpr FieldType S = FieldType::kString;
constexpr FieldType U = FieldType::kUint64;
constexpr FieldType I = FieldType::kInt64;
constexpr FieldType B = FieldType::kBool;
constexpr FieldType IP = FieldType::kIpAddr;
constexpr FieldType NET = FieldType::kIpNet;
constexpr FieldType REL = FieldType::kRelTime;
constexpr FieldType ABS = FieldType::kAbsTime;
constexpr FieldType BYTES = FieldType::kBytes;

enum Arg : uint8_t { kNo, kIdxOpt, kKeyOpt, kKeyReq };

struct Decl {
  Field field;
  const char* name;
  FieldType type;
  bool list;
  Arg arg;
  const char* desc;
};

// In Field order (checked at start).
constexpr Decl kDecls[] = {
    {Field::kArg, "evt.arg", S, false, kKeyReq,
     "One argument of the syscall by name or position, rendered as text as Falco does (flags as "
     "O_RDONLY|O_CLOEXEC, fds as <f>/path, errors as ENOENT, uids as user names): evt.arg.flags, "
     "evt.arg[flags], evt.arg[0]."},
    {Field::kRawArg, "evt.rawarg", I, false, kKeyReq,
     "One numeric argument by name, as a number (vigil: int64; string arguments have no value): "
     "evt.rawarg.res."},
    {Field::kArgs, "evt.args", S, false, kNo,
     "Every argument of the event as 'name=value name=value(resolved)', as Falco prints them."},
    {Field::kRes, "evt.res", S, false, kNo,
     "Return value as text: SUCCESS when >= 0, else the error name (e.g. ENOENT)."},
    {Field::kRawRes, "evt.rawres", I, false, kNo,
     "Return value as a number (e.g. -2); for open-like calls the new fd."},
    {Field::kFailed, "evt.failed", B, false, kNo, "true for events that returned an error."},
    {Field::kDir, "evt.dir", S, false, kNo,
     "Event direction: always '<' (vigil's syscall events are exit events)."},
    {Field::kBuffer, "evt.buffer", BYTES, false, kNo,
     "The data buffer of I/O events (read, write, send*, recv*): use with contains/bcontains."},
    {Field::kBufLen, "evt.buflen", U, false, kNo,
     "Length of the I/O data transferred (the return value of a successful I/O event)."},
    {Field::kIsOpenRead, "evt.is_open_read", B, false, kNo,
     "true for open/openat/openat2 events where the path was opened for reading."},
    {Field::kIsOpenWrite, "evt.is_open_write", B, false, kNo,
     "true for open/openat/openat2 events where the path was opened for writing."},
    {Field::kIsOpenExec, "evt.is_open_exec", B, false, kNo,
     "true for open/openat/openat2/creat events creating a file with execute permission."},
    {Field::kIsOpenCreate, "evt.is_open_create", B, false, kNo,
     "true for open/openat/openat2 events that created the file."},
    // --- proc ---
    {Field::kProcExe, "proc.exe", S, false, kNo,
     "argv[0] of the process (usually, not always, the executable's path as given)."},
    {Field::kProcPExe, "proc.pexe", S, false, kNo, "proc.exe of the parent process."},
    {Field::kProcAExe, "proc.aexe", S, false, kIdxOpt,
     "proc.exe of an ancestor: [1] parent, [2] grandparent...; no index: every ancestor."},
    {Field::kProcExePath, "proc.exepath", S, false, kNo,
     "Full path of the executable, symlinks resolved."},
    {Field::kProcPExePath, "proc.pexepath", S, false, kNo, "proc.exepath of the parent process."},
    {Field::kProcAExePath, "proc.aexepath", S, false, kIdxOpt,
     "proc.exepath of an ancestor by level; no index: every ancestor."},
    {Field::kProcName, "proc.name", S, false, kNo,
     "Name of the process (the thread's comm, at most 15 characters)."},
    {Field::kProcPName, "proc.pname", S, false, kNo, "proc.name of the parent process."},
    {Field::kProcAName, "proc.aname", S, false, kIdxOpt,
     "proc.name of an ancestor: [0] the process, [1] parent, [2] grandparent...; no index: every "
     "ancestor (so proc.aname in (...) matches any)."},
    {Field::kProcArgs, "proc.args", S, false, kNo,
     "Command-line arguments without argv[0], space-separated."},
    {Field::kProcCmdline, "proc.cmdline", S, false, kNo, "proc.name followed by proc.args."},
    {Field::kProcPCmdline, "proc.pcmdline", S, false, kNo, "proc.cmdline of the parent process."},
    {Field::kProcACmdline, "proc.acmdline", S, false, kIdxOpt,
     "proc.cmdline of an ancestor by level; no index: every ancestor."},
    {Field::kProcCmdNArgs, "proc.cmdnargs", U, false, kNo,
     "Number of command-line arguments (without argv[0])."},
    {Field::kProcCmdLenArgs, "proc.cmdlenargs", U, false, kNo,
     "Total length of the command-line arguments, without separators."},
    {Field::kProcExeline, "proc.exeline", S, false, kNo, "proc.exe followed by proc.args."},
    {Field::kProcEnv, "proc.env", S, false, kKeyOpt,
     "Environment as 'NAME=value NAME=value'; proc.env[NAME]: the value of one variable."},
    {Field::kProcAEnv, "proc.aenv", S, false, kKeyOpt,
     "proc.aenv[NAME]: the variable from the process or its nearest ancestor that has it; no "
     "key: the process environment."},
    {Field::kProcCwd, "proc.cwd", S, false, kNo,
     "Current working directory, with a trailing '/' as Falco prints it."},
    {Field::kProcLoginShellId, "proc.loginshellid", I, false, kNo,
     "pid of the oldest shell (sh, bash, zsh...) among the process and its ancestors."},
    {Field::kProcTty, "proc.tty", U, false, kNo, "Controlling terminal; 0 when none."},
    {Field::kProcPid, "proc.pid", I, false, kNo, "Process id."},
    {Field::kProcPPid, "proc.ppid", I, false, kNo, "Parent process id."},
    {Field::kProcAPid, "proc.apid", I, false, kIdxOpt,
     "pid of an ancestor by level; no index: every ancestor."},
    {Field::kProcVPid, "proc.vpid", I, false, kNo, "Process id as seen in its pid namespace."},
    {Field::kProcPVPid, "proc.pvpid", I, false, kNo,
     "Parent process id as seen in its pid namespace."},
    {Field::kProcSid, "proc.sid", I, false, kNo, "Session id."},
    {Field::kProcSName, "proc.sname", S, false, kNo, "proc.name of the session leader."},
    {Field::kProcSidExe, "proc.sid.exe", S, false, kNo, "proc.exe of the session leader."},
    {Field::kProcSidExePath, "proc.sid.exepath", S, false, kNo,
     "proc.exepath of the session leader."},
    {Field::kProcVPgid, "proc.vpgid", I, false, kNo,
     "Process group id as seen in its pid namespace."},
    {Field::kProcVPgidName, "proc.vpgid.name", S, false, kNo,
     "proc.name of the process group leader."},
    {Field::kProcVPgidExe, "proc.vpgid.exe", S, false, kNo,
     "proc.exe of the process group leader."},
    {Field::kProcVPgidExePath, "proc.vpgid.exepath", S, false, kNo,
     "proc.exepath of the process group leader."},
    {Field::kProcDuration, "proc.duration", REL, false, kNo,
     "Nanoseconds since the process started."},
    {Field::kProcPPidDuration, "proc.ppid.duration", REL, false, kNo,
     "Nanoseconds since the parent process started."},
    {Field::kProcPidTs, "proc.pid.ts", REL, false, kNo,
     "Start of the process in ns since the epoch (declared reltime, as in Falco)."},
    {Field::kProcPPidTs, "proc.ppid.ts", REL, false, kNo,
     "Start of the parent process in ns since the epoch (declared reltime, as in Falco)."},
    {Field::kProcIsExeWritable, "proc.is_exe_writable", B, false, kNo,
     "true when the executable is writable by the user that ran it."},
    {Field::kProcIsExeUpperLayer, "proc.is_exe_upper_layer", B, false, kNo,
     "true when the executable lives in an overlayfs upper layer (written in the container)."},
    {Field::kProcIsExeFromMemfd, "proc.is_exe_from_memfd", B, false, kNo,
     "true when the executable is a memfd (fileless execution)."},
    {Field::kProcIsExeLowerLayer, "proc.is_exe_lower_layer", B, false, kNo,
     "true when the executable lives in an overlayfs lower layer (from the image)."},
    {Field::kProcIsSidLeader, "proc.is_sid_leader", B, false, kNo,
     "true when the process leads its session (sid == vpid)."},
    {Field::kProcIsVPgidLeader, "proc.is_vpgid_leader", B, false, kNo,
     "true when the process leads its process group (vpgid == vpid)."},
    {Field::kProcExeIno, "proc.exe_ino", I, false, kNo, "Inode number of the executable."},
    {Field::kProcExeInoCtime, "proc.exe_ino.ctime", ABS, false, kNo,
     "Status-change time (ctime) of the executable, ns since the epoch."},
    {Field::kProcExeInoMtime, "proc.exe_ino.mtime", ABS, false, kNo,
     "Modification time (mtime) of the executable, ns since the epoch."},
    {Field::kProcExeInoCtimeDurationProcStart, "proc.exe_ino.ctime_duration_proc_start", ABS, false,
     kNo,
     "ns between the executable's ctime and the process start (declared abstime, as in Falco)."},
    {Field::kProcExeInoCtimeDurationPidnsStart, "proc.exe_ino.ctime_duration_pidns_start", ABS,
     false, kNo,
     "ns between the pid namespace start and the executable's ctime (declared abstime, as in "
     "Falco)."},
    {Field::kProcPidnsInitStartTs, "proc.pidns_init_start_ts", U, false, kNo,
     "Start of the pid namespace's init process, ns since the epoch."},
    {Field::kProcFdOpenCount, "proc.fdopencount", U, false, kNo,
     "Number of open file descriptors of the process."},
    // --- thread ---
    {Field::kThreadTid, "thread.tid", I, false, kNo, "Thread id."},
    {Field::kThreadVTid, "thread.vtid", I, false, kNo, "Thread id as seen in its pid namespace."},
    {Field::kThreadIsMain, "thread.ismain", B, false, kNo,
     "true for the main thread of the process (tid == pid)."},
    {Field::kThreadCapPermitted, "thread.cap_permitted", S, false, kNo,
     "Permitted capability set, space-separated names (CAP_CHOWN CAP_KILL ...)."},
    {Field::kThreadCapInheritable, "thread.cap_inheritable", S, false, kNo,
     "Inheritable capability set, space-separated names."},
    {Field::kThreadCapEffective, "thread.cap_effective", S, false, kNo,
     "Effective capability set, space-separated names."},
    // --- user / group ---
    {Field::kUserUid, "user.uid", U, false, kNo, "Effective user id of the thread."},
    {Field::kUserRuid, "user.ruid", U, false, kNo,
     "Real user id of the thread (vigil's; Falco has none): who a setuid program runs for."},
    {Field::kUserName, "user.name", S, false, kNo, "Name of user.uid (host passwd database)."},
    {Field::kUserHomedir, "user.homedir", S, false, kNo, "Home directory of user.uid."},
    {Field::kUserShell, "user.shell", S, false, kNo, "Login shell of user.uid."},
    {Field::kUserLoginUid, "user.loginuid", I, false, kNo,
     "Audit login uid (the user that logged in, kept across su/sudo); -1 when unset."},
    {Field::kUserLoginName, "user.loginname", S, false, kNo, "Name of user.loginuid."},
    {Field::kGroupGid, "group.gid", U, false, kNo, "Effective group id of the thread."},
    {Field::kGroupName, "group.name", S, false, kNo, "Name of group.gid (host group database)."},
    // --- fd ---
    {Field::kFdNum, "fd.num", I, false, kNo,
     "Number of the fd the event is about; -1 for a failed open."},
    {Field::kFdType, "fd.type", S, false, kNo,
     "Type of the fd: file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, "
     "inotify, timerfd, netlink, memfd, bpf, userfaultfd, io_uring, pidfd, unknown."},
    {Field::kFdTypeChar, "fd.typechar", S, false, kNo,
     "Type of the fd as one character: f, d, 4, 6, u, p, e, s, l, i, t, n, m, b, r, P, o."},
    {Field::kFdName, "fd.name", S, false, kNo,
     "Full path for files; client:port->server:port for IP sockets; the path for unix sockets."},
    {Field::kFdDirectory, "fd.directory", S, false, kNo,
     "Directory of a file fd (the path itself for a directory fd)."},
    {Field::kFdFilename, "fd.filename", S, false, kNo,
     "File name of a file fd, without the directory."},
    {Field::kFdIp, "fd.ip", IP, false, kNo,
     "Client or server IP address (matches either; for filters)."},
    {Field::kFdCIp, "fd.cip", IP, false, kNo, "Client IP address."},
    {Field::kFdSIp, "fd.sip", IP, false, kNo, "Server IP address."},
    {Field::kFdLIp, "fd.lip", IP, false, kNo, "Local IP address."},
    {Field::kFdRIp, "fd.rip", IP, false, kNo, "Remote IP address."},
    {Field::kFdPort, "fd.port", U, false, kNo,
     "Client or server port (matches either; for filters)."},
    {Field::kFdCPort, "fd.cport", U, false, kNo, "Client port."},
    {Field::kFdSPort, "fd.sport", U, false, kNo, "Server port."},
    {Field::kFdLPort, "fd.lport", U, false, kNo, "Local port."},
    {Field::kFdRPort, "fd.rport", U, false, kNo, "Remote port."},
    {Field::kFdL4Proto, "fd.l4proto", S, false, kNo,
     "IP protocol of a socket: tcp, udp, icmp or raw."},
    {Field::kFdSockFamily, "fd.sockfamily", S, false, kNo,
     "Socket family: ip (IPv4 or IPv6) or unix."},
    {Field::kFdIsServer, "fd.is_server", B, false, kNo,
     "true when the process is the server end of the connection."},
    {Field::kFdUid, "fd.uid", S, false, kNo, "Unique fd id: thread id and fd number."},
    {Field::kFdContainerName, "fd.containername", S, false, kNo,
     "Container id and fd name (no value until container fields exist)."},
    {Field::kFdContainerDirectory, "fd.containerdirectory", S, false, kNo,
     "Container id and directory (no value until container fields exist)."},
    {Field::kFdProto, "fd.proto", U, false, kNo,
     "Client or server protocol (declared as a port in Falco; no value in vigil)."},
    {Field::kFdCProto, "fd.cproto", S, false, kNo,
     "Client protocol name (no value in vigil: no port-name resolution)."},
    {Field::kFdSProto, "fd.sproto", S, false, kNo,
     "Server protocol name (no value in vigil: no port-name resolution)."},
    {Field::kFdLProto, "fd.lproto", S, false, kNo,
     "Local protocol name (no value in vigil: no port-name resolution)."},
    {Field::kFdRProto, "fd.rproto", S, false, kNo,
     "Remote protocol name (no value in vigil: no port-name resolution)."},
    {Field::kFdNet, "fd.net", NET, false, kNo,
     "Client or server IP network: compare with a CIDR (fd.net = 10.0.0.0/8)."},
    {Field::kFdCNet, "fd.cnet", NET, false, kNo, "Client IP network, to compare with a CIDR."},
    {Field::kFdSNet, "fd.snet", NET, false, kNo, "Server IP network, to compare with a CIDR."},
    {Field::kFdLNet, "fd.lnet", NET, false, kNo, "Local IP network, to compare with a CIDR."},
    {Field::kFdRNet, "fd.rnet", NET, false, kNo, "Remote IP network, to compare with a CIDR."},
    {Field::kFdConnected, "fd.connected", B, false, kNo, "true when the socket is connected."},
    {Field::kFdNameChanged, "fd.name_changed", B, false, kNo,
     "true when this event changed the fd's name (connect, bind, a UDP peer...)."},
    {Field::kFdCIpName, "fd.cip.name", S, false, kNo,
     "Domain name of the client IP (no value in vigil: no DNS cache)."},
    {Field::kFdSIpName, "fd.sip.name", S, false, kNo,
     "Domain name of the server IP (no value in vigil: no DNS cache)."},
    {Field::kFdLIpName, "fd.lip.name", S, false, kNo,
     "Domain name of the local IP (no value in vigil: no DNS cache)."},
    {Field::kFdRIpName, "fd.rip.name", S, false, kNo,
     "Domain name of the remote IP (no value in vigil: no DNS cache)."},
    {Field::kFdDev, "fd.dev", I, false, kNo, "Device number of the file's file system."},
    {Field::kFdDevMajor, "fd.dev.major", I, false, kNo, "Major number of fd.dev."},
    {Field::kFdDevMinor, "fd.dev.minor", I, false, kNo, "Minor number of fd.dev."},
    {Field::kFdIno, "fd.ino", I, false, kNo, "Inode number of the file."},
    {Field::kFdNameRaw, "fd.nameraw", S, false, kNo,
     "The path as the syscall passed it, not made absolute."},
    {Field::kFdTypes, "fd.types", S, true, kIdxOpt,
     "Types of the process's open fds (each once); fd.types[N]: the type of fd N."},
    // --- fs.path ---
    {Field::kFsPathName, "fs.path.name", S, false, kNo,
     "The absolute path a one-path filesystem syscall (open, mkdir, unlink, chmod...) works on."},
    {Field::kFsPathNameRaw, "fs.path.nameraw", S, false, kNo,
     "fs.path.name as the syscall passed it."},
    {Field::kFsPathSource, "fs.path.source", S, false, kNo,
     "Source path of rename/link/symlink (for symlink: the link target as given)."},
    {Field::kFsPathSourceRaw, "fs.path.sourceraw", S, false, kNo,
     "fs.path.source as the syscall passed it."},
    {Field::kFsPathTarget, "fs.path.target", S, false, kNo,
     "Target path of rename/link/symlink, absolute."},
    {Field::kFsPathTargetRaw, "fs.path.targetraw", S, false, kNo,
     "fs.path.target as the syscall passed it."},
};
static_assert(std::size(kDecls) == static_cast<size_t>(Field::kCount));

std::vector<FieldInfo> Infos() {
  std::vector<FieldInfo> out;
  out.reserve(std::size(kDecls));
  for (size_t i = 0; i < std::size(kDecls); ++i) {
    const Decl& d = kDecls[i];
    if (static_cast<size_t>(d.field) != i) std::abort();  // table out of Field order
    FieldInfo f;
    f.name = d.name;
    f.type = d.type;
    f.is_list = d.list;
    f.arg = d.arg == kNo ? ArgKind::kNone : d.arg == kIdxOpt ? ArgKind::kIndex : ArgKind::kKey;
    f.arg_required = d.arg == kKeyReq;
    f.description = d.desc;
    out.push_back(std::move(f));
  }
  return out;
}

class SyscallProvider final : public FieldProvider {
 public:
  explicit SyscallProvider(std::shared_ptr<const ThreadLookup> lookup) : fields_(Infos()) {
    shared_.lookup = std::move(lookup);
  }
  const std::string& name() const override { return name_; }
  const std::vector<FieldInfo>& fields() const override { return fields_; }
  bool AppliesTo(std::string_view source) const override { return source == kSyscallSource; }
  std::vector<std::string> Sources() const override { return {std::string(kSyscallSource)}; }

  StatusOr<std::unique_ptr<Extractor>> Bind(size_t index, const FieldArg& arg) override {
    if (index >= fields_.size()) return Status::Error("no field #" + std::to_string(index));
    const auto field = static_cast<Field>(index);
    if (field <= Field::kIsOpenCreate || field >= Field::kFsPathName) {
      return MakeEvtExtractor(field, arg, &shared_);
    }
    if (field >= Field::kFdNum) return MakeFdExtractor(field, arg, &shared_);
    return MakeProcExtractor(field, arg, &shared_);
  }

 private:
  std::string name_{kSyscallSource};
  std::vector<FieldInfo> fields_;
  // Extractors point here: the provider outlives them (the registry holds it as long as any
  // rule set it compiled).
  Shared shared_;
};

}  // namespace

const UserGroupCache::User& UserGroupCache::GetUser(uint32_t uid) {
  if (auto it = users_.find(uid); it != users_.end()) return it->second;
  User u;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* res = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) == 0 && res) {
    u.found = true;
    u.name = pw.pw_name ? pw.pw_name : "";
    u.homedir = pw.pw_dir ? pw.pw_dir : "";
    u.shell = pw.pw_shell ? pw.pw_shell : "";
  }
  if (users_.size() >= kMaxEntries) {
    scratch_user_ = std::move(u);
    return scratch_user_;
  }
  return users_.emplace(uid, std::move(u)).first->second;
}

const UserGroupCache::Group& UserGroupCache::GetGroup(uint32_t gid) {
  if (auto it = groups_.find(gid); it != groups_.end()) return it->second;
  Group g;
  std::vector<char> buf(16384);
  group gr{};
  group* res = nullptr;
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &res) == 0 && res) {
    g.found = true;
    g.name = gr.gr_name ? gr.gr_name : "";
  }
  if (groups_.size() >= kMaxEntries) {
    scratch_group_ = std::move(g);
    return scratch_group_;
  }
  return groups_.emplace(gid, std::move(g)).first->second;
}

const state::ThreadInfo* Shared::Parent(const state::ThreadInfo* t) const {
  if (!t || !lookup || t->ptid <= 0) return nullptr;
  for (size_t i = 0; i < parents_used_; ++i) {
    if (parents_[i].first == t) return parents_[i].second;
  }
  const state::ThreadInfo* p = lookup->FindProcessLeader(t->ptid);
  if (!p) p = lookup->FindThread(t->ptid);
  if (!p || p == t || p->pid == t->pid) p = nullptr;
  if (parents_used_ < parents_.size()) parents_[parents_used_++] = {t, p};
  return p;
}

const state::ThreadInfo* Shared::Ancestor(const state::ThreadInfo* t, uint64_t level) const {
  if (level > static_cast<uint64_t>(kMaxLineage)) return nullptr;
  for (uint64_t i = 0; t && i < level; ++i) t = Parent(t);
  return t;
}

}  // namespace syscall

std::shared_ptr<FieldProvider> MakeSyscallFieldProvider(
    std::shared_ptr<const ThreadLookup> lookup) {
  return std::make_shared<syscall::SyscallProvider>(std::move(lookup));
}

}  // namespace vigil::fields
