// Falco's field declarations for tests and benchmarks; see falco_fields.hpp.
//
// Names, types, list flags and arguments follow Falco's own declarations: libsinsp's filter
// checks (falcosecurity/libs userspace/libsinsp/sinsp_filtercheck_{event,thread,user,group,fd,
// fspath}.cpp) for evt/proc/thread/user/group/fd/fs, the container plugin
// (falcosecurity/plugins plugins/container, extract.cpp) for container.* and k8s.*, the k8saudit
// plugin (plugins/k8saudit/pkg/k8saudit/fields.go) for ka.*, and the json plugin for json.* /
// jevt.*. Type mapping: PT_CHARBUF / FSPATH / FSRELPATH → string; PT_BYTEBUF → bytes; unsigned
// integers (PT_UINT*, PT_PORT) → uint64; signed (PT_INT*, PT_PID, PT_FD) → int64; PT_BOOL → bool;
// PT_IPADDR / IPV4ADDR → ipaddr; PT_IPNET / IPV4NET → ipnet; PT_RELTIME → reltime; PT_ABSTIME →
// abstime. Descriptions are short paraphrases.
#include "falco_fields.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <utility>

namespace vigil::testing {
namespace {

using fields::ArgKind;
using fields::FieldInfo;
using fields::FieldType;

constexpr FieldType S = FieldType::kString;
constexpr FieldType U = FieldType::kUint64;
constexpr FieldType I = FieldType::kInt64;
constexpr FieldType B = FieldType::kBool;
constexpr FieldType IP = FieldType::kIpAddr;
constexpr FieldType NET = FieldType::kIpNet;
constexpr FieldType REL = FieldType::kRelTime;
constexpr FieldType ABS = FieldType::kAbsTime;
constexpr FieldType BYTES = FieldType::kBytes;

// Argument shapes.
enum Arg : uint8_t {
  kNo,      // no argument
  kIdxOpt,  // optional index: proc.aname, proc.aname[2]
  kKeyOpt,  // optional key: proc.env, proc.env[HOME]
  kKeyReq,  // required key: evt.arg.flags / evt.arg[flags], ka.uri.param[pretty]
};

struct Decl {
  const char* name;
  FieldType type;
  bool list;
  Arg arg;
  const char* desc;
};

FieldInfo ToInfo(const Decl& d) {
  FieldInfo f;
  f.name = d.name;
  f.type = d.type;
  f.is_list = d.list;
  switch (d.arg) {
    case kNo:
      f.arg = ArgKind::kNone;
      break;
    case kIdxOpt:
      f.arg = ArgKind::kIndex;
      break;
    case kKeyOpt:
      f.arg = ArgKind::kKey;
      break;
    case kKeyReq:
      f.arg = ArgKind::kKey;
      f.arg_required = true;
      break;
  }
  f.description = d.desc;
  return f;
}

// Source "syscall". Falco's core evt fields (evt.num, evt.time*, evt.datetime, evt.rawtime,
// evt.type, evt.source, evt.hostname, evt.plugininfo) are vigil's core fields and not here.
constexpr Decl kSyscallDecls[] = {
    // --- evt (syscall-specific) ---
    {"evt.arg", S, false, kKeyReq,
     "One syscall argument by name or position, as text: evt.arg.flags, evt.arg[0]."},
    {"evt.args", S, false, kNo, "Every argument of the event, joined into one string."},
    {"evt.res", S, false, kNo, "Return value as text: SUCCESS, or the error name (e.g. ENOENT)."},
    {"evt.rawres", I, false, kNo, "Return value as a number (negative errno on failure)."},
    {"evt.failed", B, false, kNo, "true when the syscall returned an error."},
    {"evt.buffer", BYTES, false, kNo, "The I/O data buffer of read/write-like events."},
    {"evt.buflen", U, false, kNo, "Length of the I/O data buffer."},
    {"evt.is_open_read", B, false, kNo, "true for open-like events opening the path for reading."},
    {"evt.is_open_write", B, false, kNo, "true for open-like events opening the path for writing."},
    {"evt.is_open_exec", B, false, kNo,
     "true for open/creat events creating a file with execute permission."},
    {"evt.is_open_create", B, false, kNo, "true for open-like events that created the file."},
    // --- proc / thread ---
    {"proc.exe", S, false, kNo, "argv[0] of the process (usually, not always, the executable)."},
    {"proc.pexe", S, false, kNo, "proc.exe of the parent process."},
    {"proc.aexe", S, false, kIdxOpt,
     "proc.exe of an ancestor: [1] parent, [2] grandparent; no index: any ancestor."},
    {"proc.exepath", S, false, kNo, "Full path of the executable (symlinks resolved)."},
    {"proc.pexepath", S, false, kNo, "proc.exepath of the parent process."},
    {"proc.aexepath", S, false, kIdxOpt,
     "proc.exepath of an ancestor by level; no index: any ancestor."},
    {"proc.name", S, false, kNo, "Process name (comm, at most 16 characters)."},
    {"proc.pname", S, false, kNo, "proc.name of the parent process."},
    {"proc.aname", S, false, kIdxOpt, "proc.name of an ancestor by level; no index: any ancestor."},
    {"proc.args", S, false, kNo, "Command-line arguments without argv[0]."},
    {"proc.cmdline", S, false, kNo, "proc.name followed by proc.args."},
    {"proc.pcmdline", S, false, kNo, "proc.cmdline of the parent process."},
    {"proc.acmdline", S, false, kIdxOpt,
     "proc.cmdline of an ancestor by level; no index: any ancestor."},
    {"proc.cmdnargs", U, false, kNo, "Number of command-line arguments."},
    {"proc.cmdlenargs", U, false, kNo, "Total length of the command-line arguments."},
    {"proc.exeline", S, false, kNo, "proc.exe followed by proc.args."},
    {"proc.env", S, false, kKeyOpt,
     "Environment as 'NAME=value ...'; proc.env[NAME]: one variable."},
    {"proc.aenv", S, false, kKeyOpt, "Environment of ancestors (experimental in Falco)."},
    {"proc.cwd", S, false, kNo, "Current working directory."},
    {"proc.loginshellid", I, false, kNo, "pid of the oldest shell among the ancestors."},
    {"proc.tty", U, false, kNo, "Controlling terminal; 0 when none."},
    {"proc.pid", I, false, kNo, "Process id."},
    {"proc.ppid", I, false, kNo, "Parent process id."},
    {"proc.apid", I, false, kIdxOpt, "pid of an ancestor by level; no index: any ancestor."},
    {"proc.vpid", I, false, kNo, "Process id as seen in its pid namespace."},
    {"proc.pvpid", I, false, kNo, "Parent process id as seen in its pid namespace."},
    {"proc.sid", I, false, kNo, "Session id."},
    {"proc.sname", S, false, kNo, "Name of the session leader."},
    {"proc.sid.exe", S, false, kNo, "proc.exe of the session leader."},
    {"proc.sid.exepath", S, false, kNo, "proc.exepath of the session leader."},
    {"proc.vpgid", I, false, kNo, "Process group id as seen in its pid namespace."},
    {"proc.vpgid.name", S, false, kNo, "Name of the process group leader."},
    {"proc.vpgid.exe", S, false, kNo, "proc.exe of the process group leader."},
    {"proc.vpgid.exepath", S, false, kNo, "proc.exepath of the process group leader."},
    {"proc.duration", REL, false, kNo, "Nanoseconds since the process started."},
    {"proc.ppid.duration", REL, false, kNo, "Nanoseconds since the parent process started."},
    {"proc.pid.ts", REL, false, kNo, "Process start as epoch ns (declared RELTIME by Falco)."},
    {"proc.ppid.ts", REL, false, kNo,
     "Parent process start as epoch ns (declared RELTIME by Falco)."},
    {"proc.is_exe_writable", B, false, kNo,
     "true when the executable is writable by the user that ran it."},
    {"proc.is_exe_upper_layer", B, false, kNo,
     "true when the executable lives in an overlayfs upper layer."},
    {"proc.is_exe_from_memfd", B, false, kNo,
     "true when the executable is a memfd (fileless execution)."},
    {"proc.is_sid_leader", B, false, kNo, "true when the process leads its session."},
    {"proc.is_vpgid_leader", B, false, kNo, "true when the process leads its process group."},
    {"proc.exe_ino", I, false, kNo, "Inode number of the executable."},
    {"proc.exe_ino.ctime", ABS, false, kNo,
     "Status-change time (ctime) of the executable, epoch ns."},
    {"proc.exe_ino.mtime", ABS, false, kNo,
     "Modification time (mtime) of the executable, epoch ns."},
    {"proc.exe_ino.ctime_duration_proc_start", ABS, false, kNo,
     "ns between the executable's ctime and the process start (declared ABSTIME by Falco)."},
    {"proc.exe_ino.ctime_duration_pidns_start", ABS, false, kNo,
     "ns between the pid namespace start and the executable's ctime (declared ABSTIME by Falco)."},
    {"proc.pidns_init_start_ts", U, false, kNo, "Start of the pid namespace, epoch ns."},
    {"proc.fdopencount", U, false, kNo, "Number of open file descriptors."},
    {"thread.tid", I, false, kNo, "Thread id."},
    {"thread.vtid", I, false, kNo, "Thread id as seen in its pid namespace."},
    {"thread.ismain", B, false, kNo, "true for the main thread of the process."},
    {"thread.cap_permitted", S, false, kNo, "Permitted capability set, e.g. CAP_CHOWN CAP_KILL."},
    {"thread.cap_inheritable", S, false, kNo, "Inheritable capability set."},
    {"thread.cap_effective", S, false, kNo, "Effective capability set."},
    // --- user / group ---
    {"user.uid", U, false, kNo, "User id."},
    {"user.name", S, false, kNo, "User name."},
    {"user.homedir", S, false, kNo, "Home directory of the user."},
    {"user.shell", S, false, kNo, "Login shell of the user."},
    {"user.loginuid", I, false, kNo, "Audit login uid; -1 when unset."},
    {"user.loginname", S, false, kNo, "Name of the audit login user."},
    {"group.gid", U, false, kNo, "Group id."},
    {"group.name", S, false, kNo, "Group name."},
    // --- fd ---
    {"fd.num", I, false, kNo, "File descriptor number."},
    {"fd.type", S, false, kNo, "fd type: file, directory, ipv4, ipv6, unix, pipe, event, ..."},
    {"fd.typechar", S, false, kNo, "fd type as one character: f, 4, 6, u, p, e, ..."},
    {"fd.name", S, false, kNo, "Full path for files; the connection tuple for sockets."},
    {"fd.directory", S, false, kNo, "Directory of a file fd."},
    {"fd.filename", S, false, kNo, "File name of a file fd, without the directory."},
    {"fd.ip", IP, false, kNo, "Client or server IP address (filters only)."},
    {"fd.cip", IP, false, kNo, "Client IP address."},
    {"fd.sip", IP, false, kNo, "Server IP address."},
    {"fd.lip", IP, false, kNo, "Local IP address."},
    {"fd.rip", IP, false, kNo, "Remote IP address."},
    {"fd.port", U, false, kNo, "Client or server port (filters only)."},
    {"fd.cport", U, false, kNo, "Client port."},
    {"fd.sport", U, false, kNo, "Server port."},
    {"fd.lport", U, false, kNo, "Local port."},
    {"fd.rport", U, false, kNo, "Remote port."},
    {"fd.l4proto", S, false, kNo, "IP protocol of a socket: tcp, udp, icmp, raw."},
    {"fd.sockfamily", S, false, kNo, "Socket family: ip or unix."},
    {"fd.is_server", B, false, kNo, "true when the process is the server end of the connection."},
    {"fd.uid", S, false, kNo, "Unique fd id: fd number and thread id."},
    {"fd.containername", S, false, kNo, "Container id and fd name."},
    {"fd.containerdirectory", S, false, kNo, "Container id and directory."},
    {"fd.proto", U, false, kNo, "Client or server protocol (filters only; declared PT_PORT)."},
    {"fd.cproto", S, false, kNo, "Client protocol."},
    {"fd.sproto", S, false, kNo, "Server protocol."},
    {"fd.lproto", S, false, kNo, "Local protocol."},
    {"fd.rproto", S, false, kNo, "Remote protocol."},
    {"fd.net", NET, false, kNo, "Client or server IP network (filters only)."},
    {"fd.cnet", NET, false, kNo, "Client IP network (filters only)."},
    {"fd.snet", NET, false, kNo, "Server IP network (filters only)."},
    {"fd.lnet", NET, false, kNo, "Local IP network (filters only)."},
    {"fd.rnet", NET, false, kNo, "Remote IP network (filters only)."},
    {"fd.connected", B, false, kNo, "true when the socket is connected."},
    {"fd.name_changed", B, false, kNo,
     "true when this event changed the fd's name (e.g. UDP tuple)."},
    {"fd.cip.name", S, false, kNo, "Domain name of the client IP."},
    {"fd.sip.name", S, false, kNo, "Domain name of the server IP."},
    {"fd.lip.name", S, false, kNo, "Domain name of the local IP."},
    {"fd.rip.name", S, false, kNo, "Domain name of the remote IP."},
    {"fd.dev", I, false, kNo, "Device number of the file (declared PT_INT32)."},
    {"fd.dev.major", I, false, kNo, "Major device number of the file."},
    {"fd.dev.minor", I, false, kNo, "Minor device number of the file."},
    {"fd.ino", I, false, kNo, "Inode number of the file."},
    {"fd.nameraw", S, false, kNo, "The path as the syscall passed it, not made absolute."},
    {"fd.types", S, true, kIdxOpt,
     "Types of the process's open fds; fd.types[N]: the type of fd N."},
    // --- fs (FSPATH fields) ---
    {"fs.path.name", S, false, kNo, "The resolved path a filesystem syscall operates on."},
    {"fs.path.nameraw", S, false, kNo, "fs.path.name as passed, not resolved."},
    {"fs.path.source", S, false, kNo,
     "Source path of two-path syscalls (rename, link, ...), resolved."},
    {"fs.path.sourceraw", S, false, kNo, "fs.path.source as passed."},
    {"fs.path.target", S, false, kNo, "Target path of two-path syscalls, resolved."},
    {"fs.path.targetraw", S, false, kNo, "fs.path.target as passed."},
    // --- container plugin ---
    {"container.id", S, false, kNo, "Container id (12 characters); 'host' outside containers."},
    {"container.full_id", S, false, kNo, "Full container id."},
    {"container.name", S, false, kNo, "Container name; 'host' outside containers."},
    {"container.image", S, false, kNo, "Image name with tag."},
    {"container.image.id", S, false, kNo, "Image id."},
    {"container.type", S, false, kNo, "Container engine: docker, cri-o, containerd, ..."},
    {"container.privileged", B, false, kNo, "true for privileged containers."},
    {"container.mounts", S, false, kNo,
     "Mounts as space-separated source:dest:mode:rdrw:propagation."},
    {"container.mount", S, false, kKeyReq,
     "One mount by index or source glob: container.mount[/usr/*]."},
    {"container.mount.source", S, false, kKeyReq, "Mount source by index or destination glob."},
    {"container.mount.dest", S, false, kKeyReq, "Mount destination by index or source glob."},
    {"container.mount.mode", S, false, kKeyReq, "Mount mode by index or source glob."},
    {"container.mount.rdwr", S, false, kKeyReq, "Mount read/write flag by index or source glob."},
    {"container.mount.propagation", S, false, kKeyReq,
     "Mount propagation by index or source glob."},
    {"container.image.repository", S, false, kNo, "Image repository, e.g. falcosecurity/falco."},
    {"container.image.tag", S, false, kNo, "Image tag."},
    {"container.image.digest", S, false, kNo, "Image registry digest."},
    {"container.healthcheck", S, false, kNo, "The container's health-check command."},
    {"container.liveness_probe", S, false, kNo, "The container's liveness-probe command."},
    {"container.readiness_probe", S, false, kNo, "The container's readiness-probe command."},
    {"container.start_ts", ABS, false, kNo, "Container start, epoch ns."},
    {"container.duration", REL, false, kNo, "ns since container.start_ts."},
    {"container.ip", S, false, kNo, "Primary IPv4 address of the container or pod."},
    {"container.cni.json", S, false, kNo, "CNI result of the pod as JSON."},
    {"container.host_pid", B, false, kNo, "true when the container shares the host pid namespace."},
    {"container.host_network", B, false, kNo,
     "true when the container shares the host network namespace."},
    {"container.host_ipc", B, false, kNo, "true when the container shares the host IPC namespace."},
    {"container.label", S, false, kKeyReq, "One container label: container.label.foo."},
    {"container.labels", S, false, kNo, "Container labels as key:value,key:value."},
    {"proc.is_container_healthcheck", B, false, kNo,
     "true when the process runs a container health check."},
    {"proc.is_container_liveness_probe", B, false, kNo,
     "true when the process runs a liveness probe."},
    {"proc.is_container_readiness_probe", B, false, kNo,
     "true when the process runs a readiness probe."},
    {"k8s.pod.name", S, false, kNo, "Kubernetes pod name (from the container runtime)."},
    {"k8s.ns.name", S, false, kNo, "Kubernetes namespace name."},
    {"k8s.pod.id", S, false, kNo, "Legacy alias of k8s.pod.uid."},
    {"k8s.pod.uid", S, false, kNo, "Kubernetes pod UID."},
    {"k8s.pod.sandbox_id", S, false, kNo, "Pod sandbox id (12 characters)."},
    {"k8s.pod.full_sandbox_id", S, false, kNo, "Full pod sandbox id."},
    {"k8s.pod.label", S, false, kKeyReq, "One pod label: k8s.pod.label.app."},
    {"k8s.pod.labels", S, false, kNo, "Pod labels as key:value,key:value."},
    {"k8s.pod.ip", S, false, kNo, "Pod IPv4 address."},
    {"k8s.pod.cni.json", S, false, kNo, "CNI result of the pod as JSON."},
};

// Source "k8s_audit": the k8saudit plugin (ka.*, as of its 0.18 README field table) and the json
// plugin (json.*, jevt.*). Every k8saudit field is a string (booleans and numbers included, as the
// plugin declares them); most list fields take an optional index.
constexpr Decl kK8sAuditDecls[] = {
    {"ka.auditid", S, false, kNo, "Unique id of the audit event."},
    {"ka.stage", S, false, kNo, "Request stage: RequestReceived, ResponseComplete, ..."},
    {"ka.auth.decision", S, false, kNo, "Authorization decision."},
    {"ka.auth.reason", S, false, kNo, "Authorization reason."},
    {"ka.user.name", S, false, kNo, "User making the request."},
    {"ka.user.groups", S, true, kNo, "Groups of the user."},
    {"ka.impuser.name", S, false, kNo, "Impersonated user."},
    {"ka.verb", S, false, kNo, "Action: create, get, delete, ..."},
    {"ka.uri", S, false, kNo, "Request URI."},
    {"ka.uri.param", S, false, kKeyReq, "One query parameter of the URI: ka.uri.param[command]."},
    {"ka.target.name", S, false, kNo, "Name of the target object."},
    {"ka.target.namespace", S, false, kNo, "Namespace of the target object."},
    {"ka.target.resource", S, false, kNo, "Resource of the target object."},
    {"ka.target.subresource", S, false, kNo, "Subresource of the target object."},
    {"ka.req.binding.subjects", S, true, kNo, "Subjects of a (cluster) role binding."},
    {"ka.req.binding.role", S, false, kNo, "Role of a (cluster) role binding."},
    {"ka.req.binding.subject.has_name", S, false, kKeyReq, "Deprecated; always N/A."},
    {"ka.req.configmap.name", S, false, kNo, "Name of a configmap."},
    {"ka.req.configmap.obj", S, false, kNo, "The whole configmap object."},
    {"ka.req.pod.containers.image", S, true, kIdxOpt, "Images of the pod's containers."},
    {"ka.req.container.image", S, false, kNo, "Deprecated: image of the first container."},
    {"ka.req.pod.containers.image.repository", S, true, kIdxOpt,
     "Image repositories of the pod's containers."},
    {"ka.req.container.image.repository", S, false, kNo,
     "Deprecated: repository of the first container."},
    {"ka.req.pod.host_ipc", S, false, kNo, "hostIPC of the pod."},
    {"ka.req.pod.host_network", S, false, kNo, "hostNetwork of the pod."},
    {"ka.req.container.host_network", S, false, kNo,
     "Deprecated alias of ka.req.pod.host_network."},
    {"ka.req.pod.host_pid", S, false, kNo, "hostPID of the pod."},
    {"ka.req.pod.containers.host_port", S, true, kIdxOpt,
     "hostPort values of the pod's containers."},
    {"ka.req.pod.containers.privileged", S, true, kIdxOpt, "privileged flag of each container."},
    {"ka.req.container.privileged", S, false, kNo,
     "Deprecated: true when any container is privileged."},
    {"ka.req.pod.containers.allow_privilege_escalation", S, true, kIdxOpt,
     "allowPrivilegeEscalation of each container."},
    {"ka.req.pod.containers.read_only_fs", S, true, kIdxOpt,
     "readOnlyRootFilesystem of each container."},
    {"ka.req.pod.run_as_user", S, false, kNo, "runAsUser of the pod security context."},
    {"ka.req.pod.containers.run_as_user", S, true, kIdxOpt, "runAsUser of each container."},
    {"ka.req.pod.containers.eff_run_as_user", S, true, kIdxOpt, "Effective uid of each container."},
    {"ka.req.pod.run_as_group", S, false, kNo, "runAsGroup of the pod security context."},
    {"ka.req.pod.containers.run_as_group", S, true, kIdxOpt, "runAsGroup of each container."},
    {"ka.req.pod.containers.eff_run_as_group", S, true, kIdxOpt,
     "Effective gid of each container."},
    {"ka.req.pod.containers.proc_mount", S, true, kIdxOpt, "procMount of each container."},
    {"ka.req.role.rules", S, true, kNo, "Rules of a (cluster) role."},
    {"ka.req.role.rules.apiGroups", S, true, kIdxOpt, "API groups of the role's rules."},
    {"ka.req.role.rules.nonResourceURLs", S, true, kIdxOpt,
     "Non-resource URLs of the role's rules."},
    {"ka.req.role.rules.verbs", S, true, kIdxOpt, "Verbs of the role's rules."},
    {"ka.req.role.rules.resources", S, true, kIdxOpt, "Resources of the role's rules."},
    {"ka.req.pod.fs_group", S, false, kNo, "fsGroup of the pod security context."},
    {"ka.req.pod.supplemental_groups", S, true, kNo, "supplementalGroups of the pod."},
    {"ka.req.pod.containers.add_capabilities", S, true, kIdxOpt,
     "Capabilities added to each container."},
    {"ka.req.service.type", S, false, kNo, "Type of a service."},
    {"ka.req.service.ports", S, true, kIdxOpt, "Ports of a service."},
    {"ka.req.pod.volumes.hostpath", S, true, kIdxOpt, "hostPath paths of the pod's volumes."},
    {"ka.req.volume.hostpath", S, false, kKeyReq,
     "Deprecated: whether a host path prefix is mounted."},
    {"ka.req.pod.volumes.flexvolume_driver", S, true, kIdxOpt,
     "flexVolume drivers of the pod's volumes."},
    {"ka.req.pod.volumes.volume_type", S, true, kIdxOpt, "Types of the pod's volumes."},
    {"ka.resp.name", S, false, kNo, "Name of the response object."},
    {"ka.response.code", S, false, kNo, "Response code."},
    {"ka.response.reason", S, false, kNo, "Response reason (usually failures only)."},
    {"ka.useragent", S, false, kNo, "User agent of the client."},
    {"ka.sourceips", S, true, kIdxOpt, "IP addresses of the client."},
    {"ka.cluster.name", S, false, kNo, "Name of the cluster."},
    {"ka.req.pod.initContainers.name", S, true, kIdxOpt, "Names of the pod's init containers."},
    {"ka.req.pod.initContainers.image", S, true, kIdxOpt, "Images of the pod's init containers."},
    {"ka.req.pod.initContainers.image.repository", S, true, kIdxOpt,
     "Image repositories of the pod's init containers."},
    {"ka.req.pod.initContainers.command", S, true, kIdxOpt,
     "Commands of the pod's init containers."},
    {"ka.req.pod.initContainers.args", S, true, kIdxOpt, "Arguments of the pod's init containers."},
    {"ka.req.pod.initContainers.privileged", S, true, kIdxOpt,
     "Privileged flags of the pod's init containers."},
    {"ka.req.pod.initContainers.allow_privilege_escalation", S, true, kIdxOpt,
     "AllowPrivilegeEscalation flags of the pod's init containers."},
    {"ka.req.pod.initContainers.read_only_fs", S, true, kIdxOpt,
     "ReadOnlyRootFilesystem flags of the pod's init containers."},
    {"ka.req.pod.initContainers.run_as_user", S, true, kIdxOpt,
     "RunAsUser uids of the pod's init containers."},
    {"ka.req.pod.initContainers.eff_run_as_user", S, true, kIdxOpt,
     "Effective uids of the pod's init containers."},
    {"ka.req.pod.initContainers.run_as_group", S, true, kIdxOpt,
     "RunAsGroup gids of the pod's init containers."},
    {"ka.req.pod.initContainers.eff_run_as_group", S, true, kIdxOpt,
     "Effective gids of the pod's init containers."},
    {"ka.req.pod.initContainers.proc_mount", S, true, kIdxOpt,
     "ProcMount types of the pod's init containers."},
    {"ka.req.pod.initContainers.add_capabilities", S, true, kIdxOpt,
     "Added capabilities of the pod's init containers."},
    {"ka.req.pod.initContainers.host_port", S, true, kIdxOpt,
     "HostPort values of the pod's init containers."},
    {"ka.req.pod.ephemeralContainers.name", S, true, kIdxOpt,
     "Names of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.image", S, true, kIdxOpt,
     "Images of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.image.repository", S, true, kIdxOpt,
     "Image repositories of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.command", S, true, kIdxOpt,
     "Commands of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.args", S, true, kIdxOpt,
     "Arguments of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.privileged", S, true, kIdxOpt,
     "Privileged flags of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.allow_privilege_escalation", S, true, kIdxOpt,
     "AllowPrivilegeEscalation flags of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.read_only_fs", S, true, kIdxOpt,
     "ReadOnlyRootFilesystem flags of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.run_as_user", S, true, kIdxOpt,
     "RunAsUser uids of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.eff_run_as_user", S, true, kIdxOpt,
     "Effective uids of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.run_as_group", S, true, kIdxOpt,
     "RunAsGroup gids of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.eff_run_as_group", S, true, kIdxOpt,
     "Effective gids of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.proc_mount", S, true, kIdxOpt,
     "ProcMount types of the pod's ephemeral containers."},
    {"ka.req.pod.ephemeralContainers.add_capabilities", S, true, kIdxOpt,
     "Added capabilities of the pod's ephemeral containers."},
    {"json.value", S, false, kKeyReq, "Value at a JSON pointer: json.value[/user/name]."},
    {"json.obj", S, false, kNo, "The whole JSON object."},
    {"json.rawtime", S, false, kNo, "Event time, identical to evt.rawtime."},
    {"jevt.value", S, false, kKeyReq, "Alias of json.value."},
    {"jevt.obj", S, false, kNo, "Alias of json.obj."},
    {"jevt.rawtime", S, false, kNo, "Alias of json.rawtime."},
};

template <size_t N>
std::vector<FieldInfo> ToInfos(const Decl (&decls)[N]) {
  std::vector<FieldInfo> out;
  out.reserve(N);
  for (const Decl& d : decls) out.push_back(ToInfo(d));
  return out;
}

// Every declared field by name, both sources (names do not overlap).
const std::unordered_map<std::string_view, const FieldInfo*>& AllFields() {
  static const auto* const kAll = [] {
    auto* m = new std::unordered_map<std::string_view, const FieldInfo*>();
    for (const auto* list : {&FalcoSyscallFields(), &FalcoK8sAuditFields()}) {
      for (const FieldInfo& f : *list) m->emplace(f.name, &f);
    }
    return m;
  }();
  return *kAll;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The key for a declaration and its argument text (already split).
StatusOr<std::string> KeyFor(const FieldInfo& f, std::optional<std::string_view> arg) {
  if (!arg) {
    if (f.arg_required) return Status::Error("field '" + f.name + "' needs an argument");
    return f.name;
  }
  if (f.arg == ArgKind::kNone) return Status::Error("field '" + f.name + "' takes no argument");
  std::string_view text = Trim(*arg);
  if (f.arg == ArgKind::kIndex) {
    uint64_t index = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
    if (ec != std::errc() || p != text.data() + text.size()) {
      return Status::Error("field '" + f.name + "' takes a numeric index, not '" +
                           std::string(text) + "'");
    }
    return f.name + "[" + std::to_string(index) + "]";
  }
  return f.name + "[" + std::string(text) + "]";
}

bool ParseUint(std::string_view s, uint64_t* out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseInt(std::string_view s, int64_t* out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Address text → 4 or 16 bytes appended to `out`.
bool ParseAddr(std::string_view s, std::string* out) {
  const std::string text(s);
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    out->append(reinterpret_cast<const char*>(buf), 4);
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    out->append(reinterpret_cast<const char*>(buf), 16);
    return true;
  }
  return false;
}

class ValuesExtractor : public fields::Extractor {
 public:
  ValuesExtractor(std::shared_ptr<FalcoFieldValues> values, uint32_t column)
      : values_(std::move(values)), column_(column) {}
  std::span<const fields::Value> Extract(const fields::EventContext& event) override {
    return values_->Get(column_, event.evtnum);
  }

 private:
  std::shared_ptr<FalcoFieldValues> values_;
  uint32_t column_;
};

class NoValueExtractor : public fields::Extractor {
 public:
  std::span<const fields::Value> Extract(const fields::EventContext&) override { return {}; }
};

class FalcoDeclProvider : public fields::FieldProvider {
 public:
  FalcoDeclProvider(std::string name, std::string source, const std::vector<FieldInfo>& fields,
                    std::shared_ptr<FalcoFieldValues> values)
      : name_(std::move(name)),
        source_(std::move(source)),
        fields_(fields),
        values_(std::move(values)) {}

  const std::string& name() const override { return name_; }
  const std::vector<FieldInfo>& fields() const override { return fields_; }
  bool AppliesTo(std::string_view source) const override { return source == source_; }
  std::vector<std::string> Sources() const override { return {source_}; }

  StatusOr<std::unique_ptr<fields::Extractor>> Bind(size_t index,
                                                    const fields::FieldArg& arg) override {
    if (index >= fields_.size())
      return Status::Error(name_ + ": no field #" + std::to_string(index));
    const FieldInfo& f = fields_[index];
    std::optional<std::string_view> text;
    std::string index_text;
    if (arg.present) {
      if (f.arg == ArgKind::kIndex) {
        index_text = std::to_string(arg.index);
        text = index_text;
      } else {
        text = arg.text;
      }
    }
    StatusOr<std::string> key = KeyFor(f, text);
    if (!key.ok()) return key.status();
    if (!values_) return std::unique_ptr<fields::Extractor>(std::make_unique<NoValueExtractor>());
    const uint32_t column = values_->Column(*key);
    return std::unique_ptr<fields::Extractor>(std::make_unique<ValuesExtractor>(values_, column));
  }

 private:
  std::string name_;
  std::string source_;
  const std::vector<FieldInfo>& fields_;
  std::shared_ptr<FalcoFieldValues> values_;
};

}  // namespace

const std::vector<FieldInfo>& FalcoSyscallFields() {
  static const auto* const kFields = new std::vector<FieldInfo>(ToInfos(kSyscallDecls));
  return *kFields;
}

const std::vector<FieldInfo>& FalcoK8sAuditFields() {
  static const auto* const kFields = new std::vector<FieldInfo>(ToInfos(kK8sAuditDecls));
  return *kFields;
}

StatusOr<std::string> FalcoFieldValues::CanonicalKey(std::string_view field) {
  const auto& all = AllFields();
  field = Trim(field);
  // `name[arg]`
  if (const size_t open = field.find('['); open != std::string_view::npos) {
    if (field.back() != ']') return Status::Error("bad field '" + std::string(field) + "'");
    const auto it = all.find(field.substr(0, open));
    if (it == all.end()) {
      return Status::Error("unknown field '" + std::string(field.substr(0, open)) + "'");
    }
    return KeyFor(*it->second, field.substr(open + 1, field.size() - open - 2));
  }
  if (const auto it = all.find(field); it != all.end()) return KeyFor(*it->second, std::nullopt);
  // `name.key`: the longest declared name that takes a key.
  for (size_t dot = field.rfind('.'); dot != std::string_view::npos && dot > 0;
       dot = field.rfind('.', dot - 1)) {
    const auto it = all.find(field.substr(0, dot));
    if (it != all.end() && it->second->arg == ArgKind::kKey) {
      return KeyFor(*it->second, field.substr(dot + 1));
    }
  }
  return Status::Error("unknown field '" + std::string(field) + "'");
}

FalcoFieldValues::Row FalcoFieldValues::AddRow() {
  rows_.emplace_back();
  return static_cast<Row>(rows_.size() - 1);
}

uint32_t FalcoFieldValues::Column(const std::string& key) {
  const auto [it, added] = columns_.emplace(key, static_cast<uint32_t>(columns_.size()));
  return it->second;
}

void FalcoFieldValues::Assign(uint64_t evtnum, Row row) {
  if (evtnum >= row_of_event_.size()) row_of_event_.resize(evtnum + 1, kNoRow);
  row_of_event_[evtnum] = row;
}

Status FalcoFieldValues::Set(Row row, std::string_view field, std::string_view text) {
  return Store(row, field, {text});
}

Status FalcoFieldValues::SetList(Row row, std::string_view field,
                                 const std::vector<std::string_view>& texts) {
  return Store(row, field, texts);
}

Status FalcoFieldValues::Clear(Row row, std::string_view field) { return Store(row, field, {}); }

Status FalcoFieldValues::Store(Row row, std::string_view field,
                               const std::vector<std::string_view>& texts) {
  if (row >= rows_.size()) return Status::Error("no row " + std::to_string(row));
  StatusOr<std::string> key = CanonicalKey(field);
  if (!key.ok()) return key.status();
  const std::string name = key->substr(0, key->find('['));
  const FieldInfo& info = *AllFields().at(name);

  std::vector<fields::Value> values;
  values.reserve(texts.size());
  for (std::string_view text : texts) {
    fields::Value v;
    const auto bad = [&](const char* what) {
      return Status::Error("field '" + std::string(field) + "': '" + std::string(text) +
                           "' is not " + what);
    };
    switch (info.type) {
      case FieldType::kString:
      case FieldType::kBytes:
        v.bytes = string_store_.emplace_back(text);
        break;
      case FieldType::kUint64:
      case FieldType::kRelTime:
      case FieldType::kAbsTime:
        if (!ParseUint(text, &v.num)) return bad("an unsigned integer");
        break;
      case FieldType::kInt64: {
        int64_t n = 0;
        if (!ParseInt(text, &n)) return bad("an integer");
        v.num = static_cast<uint64_t>(n);
        break;
      }
      case FieldType::kBool:
        if (text == "true") {
          v.num = 1;
        } else if (text == "false") {
          v.num = 0;
        } else {
          return bad("true or false");
        }
        break;
      case FieldType::kIpAddr: {
        std::string bytes;
        if (!ParseAddr(text, &bytes)) return bad("an IP address");
        v.bytes = string_store_.emplace_back(std::move(bytes));
        break;
      }
      case FieldType::kIpNet: {
        std::string bytes;
        const size_t slash = text.find('/');
        if (!ParseAddr(text.substr(0, slash), &bytes)) return bad("an IP network");
        uint64_t prefix = bytes.size() * 8;  // a bare address: the whole address
        if (slash != std::string_view::npos &&
            (!ParseUint(text.substr(slash + 1), &prefix) || prefix > bytes.size() * 8)) {
          return bad("an IP network");
        }
        bytes.push_back(static_cast<char>(prefix));
        v.bytes = string_store_.emplace_back(std::move(bytes));
        break;
      }
    }
    values.push_back(v);
  }

  const uint32_t column = Column(*key);
  std::vector<std::span<const fields::Value>>& cols = rows_[row];
  if (column >= cols.size()) cols.resize(column + 1);
  if (values.empty()) {
    cols[column] = {};
  } else {
    const std::vector<fields::Value>& stored = value_store_.emplace_back(std::move(values));
    cols[column] = std::span<const fields::Value>(stored.data(), stored.size());
  }
  return Status::Ok();
}

std::shared_ptr<fields::FieldProvider> MakeFalcoSyscallProvider(
    std::shared_ptr<FalcoFieldValues> values) {
  return std::make_shared<FalcoDeclProvider>("falco-decl", kFalcoSyscallSource,
                                             FalcoSyscallFields(), std::move(values));
}

std::shared_ptr<fields::FieldProvider> MakeFalcoK8sAuditProvider(
    std::shared_ptr<FalcoFieldValues> values) {
  return std::make_shared<FalcoDeclProvider>("falco-decl-k8saudit", kFalcoK8sAuditSource,
                                             FalcoK8sAuditFields(), std::move(values));
}

fields::FieldRegistry MakeFalcoTestRegistry(std::shared_ptr<FalcoFieldValues> values,
                                            const std::string& hostname) {
  fields::FieldRegistry registry;
  fields::RegisterCoreFields(registry, {.hostname = hostname});
  registry.Add(MakeFalcoSyscallProvider(values));
  registry.Add(MakeFalcoK8sAuditProvider(std::move(values)));
  return registry;
}

}  // namespace vigil::testing
