// The syscall fields on hand-built records and state (ThreadInfo/Process/FdInfo/SyscallView), with
// a fake lineage; their declarations against Falco's; the upstream rule files against them.
#include "syscall_fields.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>

#include <map>

#include "falco_fields.hpp"
#include "syscall_record.hpp"

namespace vigil::fields {
namespace {

using state::FdInfo;
using state::FdType;
using state::Process;
using state::SyscallView;
using state::ThreadInfo;
using test::SyscallRecord;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class FakeLookup final : public ThreadLookup {
 public:
  const ThreadInfo* FindThread(int64_t tid) const override {
    auto it = threads.find(tid);
    return it == threads.end() ? nullptr : it->second;
  }
  const ThreadInfo* FindProcessLeader(int64_t pid) const override {
    auto it = threads.find(pid);
    return it != threads.end() && it->second->tid == pid ? it->second : nullptr;
  }
  void Add(const ThreadInfo* t) { threads[t->tid] = t; }
  std::map<int64_t, const ThreadInfo*> threads;
};

constexpr uint64_t kTs = 1700000000000000000ull;
constexpr uint64_t kSec = 1000000000ull;

// A process with one thread.
struct Proc {
  ThreadInfo thread;
  std::shared_ptr<Process> process = std::make_shared<Process>();
  Proc(int64_t pid, int64_t ppid, std::string comm) {
    thread.tid = thread.pid = pid;
    thread.ptid = ppid;
    thread.vtid = thread.vpid = pid;
    thread.comm = std::move(comm);
    thread.process = process;
    process->pid = pid;
  }
};

class SyscallFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lookup_ = std::make_shared<FakeLookup>();
    RegisterCoreFields(registry_, {.hostname = "node-1"});
    registry_.Add(MakeSyscallFieldProvider(lookup_));
    // init(1) → sshd(100) → bash(200) → curl(300), the event from curl's thread 301.
    init_.thread.comm = "systemd";
    init_.process->exe = "/sbin/init";
    init_.process->exepath = "/usr/lib/systemd/systemd";
    init_.process->start_ts = kTs - 1000 * kSec;
    sshd_.process->exe = "/usr/sbin/sshd";
    sshd_.process->exepath = "/usr/sbin/sshd";
    sshd_.process->args = {"-D"};
    sshd_.process->env = {"ONLY_IN_SSHD=yes"};
    sshd_.process->start_ts = kTs - 100 * kSec;
    bash_.process->exe = "-bash";
    bash_.process->exepath = "/usr/bin/bash";
    bash_.process->env = {"HOME=/root", "ONLY_IN_BASH=1"};
    bash_.process->start_ts = kTs - 10 * kSec;
    bash_.thread.sid = 200;
    bash_.thread.vpgid = 300;
    sshd_.thread.sid = 100;
    curl_.process->exe = "curl";
    curl_.process->exepath = "/usr/bin/curl";
    curl_.process->args = {"-s", "http://x"};
    curl_.process->env = {"HOME=/root", "LANG=C"};
    curl_.process->cwd = "/tmp";
    curl_.process->exe_flags = VIGIL_EXE_WRITABLE | VIGIL_EXE_UPPER_LAYER;
    curl_.process->exe_ino = 4242;
    curl_.process->exe_ino_ctime = kTs - 5 * kSec;
    curl_.process->exe_ino_mtime = kTs - 6 * kSec;
    curl_.process->pidns_init_start_ts = kTs - 2000 * kSec;
    curl_.process->start_ts = kTs - 2 * kSec;
    curl_.thread.sid = 200;
    curl_.thread.vpgid = 300;
    curl_.thread.tty = 34816;
    curl_.thread.euid = 0;
    curl_.thread.uid = 1000;
    curl_.thread.egid = 0;
    curl_.thread.cap_permitted = (1ull << 21) | (1ull << 0);  // CAP_SYS_ADMIN, CAP_CHOWN
    curl_.thread.cap_effective = 1ull << 12;
    worker_ = curl_.thread;
    worker_.tid = 301;
    worker_.vtid = 301;
    worker_.comm = "curl-worker";
    for (const ThreadInfo* t :
         {&init_.thread, &sshd_.thread, &bash_.thread, &curl_.thread, &worker_})
      lookup_->Add(t);
    // curl's fds: 3 a file, 4 a TCP client socket.
    FdInfo file;
    file.type = FdType::kFile;
    file.name = "/etc/shadow";
    file.name_raw = "../etc/shadow";
    file.dev = (8u << 20) | 1u;
    file.ino = 77;
    curl_.process->fds[3] = file;
    FdInfo sock;
    sock.type = FdType::kIpv4;
    sock.l4proto = 6;
    sock.role = state::SocketRole::kClient;
    sock.connected = true;
    uint8_t sip[4] = {10, 0, 0, 1}, dip[4] = {93, 184, 216, 34};
    std::memcpy(sock.sip.data(), sip, 4);
    std::memcpy(sock.dip.data(), dip, 4);
    sock.sport = 40000;
    sock.dport = 443;
    sock.name = "10.0.0.1:40000->93.184.216.34:443";
    curl_.process->fds[4] = sock;
    view_.thread = &worker_;
  }

  // The event: `record` seen from curl's worker thread with `view_`.
  EventContext Ctx(const std::vector<uint8_t>& record) {
    EventContext ctx;
    ctx.record = record.data();
    ctx.len = static_cast<uint32_t>(record.size());
    ctx.evtnum = ++evtnum_;
    ctx.ts_ns = kTs;
    ctx.type = vigil_event_get_header(record.data()).type;
    ctx.source_name = &source_;
    ctx.syscall = &view_;
    return ctx;
  }

  // Every value of `field` for `ctx`, as text (numbers in decimal, bools true/false, addresses
  // as text, networks as addr/prefix).
  std::vector<std::string> Get(const std::string& field, const EventContext& ctx) {
    auto bound = registry_.Bind(field, "syscall");
    EXPECT_TRUE(bound.ok()) << field << ": " << bound.status().message();
    if (!bound.ok()) return {"<bind error>"};
    std::vector<std::string> out;
    for (const Value& v : bound->extractor->Extract(ctx)) {
      switch (bound->info->type) {
        case FieldType::kString:
        case FieldType::kBytes:
          out.emplace_back(v.bytes);
          break;
        case FieldType::kInt64:
          out.push_back(std::to_string(static_cast<int64_t>(v.num)));
          break;
        case FieldType::kBool:
          out.push_back(v.num ? "true" : "false");
          break;
        case FieldType::kIpAddr:
        case FieldType::kIpNet: {
          size_t n = v.bytes.size() - (bound->info->type == FieldType::kIpNet ? 1 : 0);
          char buf[INET6_ADDRSTRLEN] = {};
          inet_ntop(n == 4 ? AF_INET : AF_INET6, v.bytes.data(), buf, sizeof buf);
          std::string s = buf;
          if (bound->info->type == FieldType::kIpNet) {
            s += "/" + std::to_string(static_cast<uint8_t>(v.bytes.back()));
          }
          out.push_back(s);
          break;
        }
        default:
          out.push_back(std::to_string(v.num));
          break;
      }
    }
    return out;
  }
  std::string One(const std::string& field, const EventContext& ctx) {
    auto v = Get(field, ctx);
    EXPECT_EQ(v.size(), 1u) << field;
    return v.empty() ? "<none>" : v[0];
  }

  std::shared_ptr<FakeLookup> lookup_;
  FieldRegistry registry_;
  Proc init_{1, 0, "systemd"}, sshd_{100, 1, "sshd"}, bash_{200, 100, "bash"},
      curl_{300, 200, "curl"};
  ThreadInfo worker_;
  SyscallView view_;
  std::string source_ = "syscall";
  uint64_t evtnum_ = 0;
};

std::vector<uint8_t> Openat(int64_t fd, std::string_view name, uint32_t flags, uint32_t mode) {
  return SyscallRecord("openat", 301, kTs)
      .Int("fd", fd)
      .Int("dirfd", -100)
      .Str("name", name)
      .U32("flags", flags)
      .U32("mode", mode)
      .U32("dev", 0)
      .U64("ino", 0)
      .Finish();
}

TEST_F(SyscallFieldsTest, OpenArgumentsRenderAsFalco) {
  auto rec = Openat(3, "../etc/shadow",
                    VIGIL_O_WRONLY | VIGIL_O_CREAT | VIGIL_O_CLOEXEC | VIGIL_O_F_CREATED, 0755);
  view_.fd = &curl_.process->fds[3];
  view_.fd_num = 3;
  view_.abs_paths[2] = "/etc/shadow";
  EventContext ctx = Ctx(rec);
  EXPECT_EQ(One("evt.arg.flags", ctx), "O_CREAT|O_WRONLY|O_CLOEXEC|O_F_CREATED");
  EXPECT_EQ(One("evt.arg[flags]", ctx), "O_CREAT|O_WRONLY|O_CLOEXEC|O_F_CREATED");
  EXPECT_EQ(One("evt.arg[0]", ctx), "<f>/etc/shadow");
  EXPECT_EQ(One("evt.arg.fd", ctx), "<f>/etc/shadow");
  EXPECT_EQ(One("evt.arg.dirfd", ctx), "AT_FDCWD");
  EXPECT_EQ(One("evt.arg.name", ctx), "/etc/shadow");  // relative: the resolved path
  EXPECT_EQ(One("evt.arg.mode", ctx), "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR");
  EXPECT_EQ(One("evt.rawarg.flags", ctx),
            std::to_string(VIGIL_O_WRONLY | VIGIL_O_CREAT | VIGIL_O_CLOEXEC | VIGIL_O_F_CREATED));
  EXPECT_EQ(One("evt.args", ctx),
            "fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=../etc/shadow(/etc/shadow) "
            "flags=266246(O_CREAT|O_WRONLY|O_CLOEXEC|O_F_CREATED) "
            "mode=0755(S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR) dev=0 ino=0");
  EXPECT_EQ(One("evt.res", ctx), "SUCCESS");
  EXPECT_EQ(One("evt.rawres", ctx), "3");
  EXPECT_EQ(One("evt.failed", ctx), "false");
  EXPECT_EQ(One("evt.dir", ctx), "<");
  EXPECT_EQ(One("evt.is_open_write", ctx), "true");
  EXPECT_EQ(One("evt.is_open_read", ctx), "false");
  EXPECT_EQ(One("evt.is_open_create", ctx), "true");
  EXPECT_EQ(One("evt.is_open_exec", ctx), "true");
  EXPECT_EQ(One("fs.path.name", ctx), "/etc/shadow");
  EXPECT_EQ(One("fs.path.nameraw", ctx), "../etc/shadow");
  // No such argument on this event: no value. No event has it: a bind error.
  EXPECT_THAT(Get("evt.arg.request", ctx), IsEmpty());
  EXPECT_THAT(Get("evt.buffer", ctx), IsEmpty());
  EXPECT_FALSE(registry_.Bind("evt.arg.nosuchargument", "syscall").ok());
  EXPECT_FALSE(registry_.Find("evt.arg", "k8s_audit"));

  // Read-only, absolute path: the raw path, O_RDONLY named, not exec (no O_CREAT).
  auto ro = Openat(3, "/etc/../etc/shadow", VIGIL_O_RDONLY, 0755);
  EventContext c2 = Ctx(ro);
  EXPECT_EQ(One("evt.arg.name", c2), "/etc/../etc/shadow");
  EXPECT_EQ(One("evt.arg.flags", c2), "O_RDONLY");
  EXPECT_EQ(One("evt.is_open_read", c2), "true");
  EXPECT_EQ(One("evt.is_open_exec", c2), "false");
  EXPECT_EQ(One("evt.is_open_create", c2), "false");
  EXPECT_EQ(One("evt.arg.mode", c2), "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR");
  auto none = Openat(3, "/x", VIGIL_O_NONE, 0);
  EXPECT_EQ(One("evt.arg.flags", Ctx(none)), "O_NONE");
  EXPECT_EQ(One("evt.arg.mode", Ctx(none)), "00");  // no name: the octal number
}

TEST_F(SyscallFieldsTest, FailedOpenHasErrnoAndTheFileStillNamed) {
  FdInfo temp;
  temp.type = FdType::kFile;
  temp.name = "/etc/shadow";
  view_.fd = &temp;
  view_.fd_num = -1;
  auto rec = Openat(-13, "/etc/shadow", VIGIL_O_RDONLY, 0);
  EventContext ctx = Ctx(rec);
  EXPECT_EQ(One("evt.res", ctx), "EACCES");
  EXPECT_EQ(One("evt.rawres", ctx), "-13");
  EXPECT_EQ(One("evt.failed", ctx), "true");
  EXPECT_EQ(One("evt.arg.fd", ctx), "EACCES");
  EXPECT_EQ(One("fd.num", ctx), "-1");
  EXPECT_EQ(One("fd.typechar", ctx), "f");
  EXPECT_EQ(One("fd.name", ctx), "/etc/shadow");
}

TEST_F(SyscallFieldsTest, NamedArgumentsOfOtherEvents) {
  auto ptrace = SyscallRecord("ptrace", 301, kTs)
                    .Int("res", 0)
                    .U32("request", 16)
                    .Int("pid", 200)
                    .U64("addr", 0)
                    .U64("data", 0)
                    .Finish();
  EXPECT_EQ(One("evt.arg.request", Ctx(ptrace)), "PTRACE_ATTACH");
  EXPECT_EQ(One("evt.arg.pid", Ctx(ptrace)), "bash");  // Falco resolves a pid to its comm
  EXPECT_EQ(One("evt.args", Ctx(ptrace)),
            "res=0 request=16(PTRACE_ATTACH) pid=200(bash) addr=0 data=0");

  auto sock = SyscallRecord("socket", 301, kTs)
                  .Int("fd", 5)
                  .U32("domain", 17)
                  .U32("type", 3)
                  .U32("proto", 768)
                  .Finish();
  EXPECT_EQ(One("evt.arg.domain", Ctx(sock)), "AF_PACKET");
  auto unix_sock = SyscallRecord("socket", 301, kTs)
                       .Int("fd", 5)
                       .U32("domain", 1)
                       .U32("type", 1)
                       .U32("proto", 0)
                       .Finish();
  EXPECT_EQ(One("evt.arg.domain", Ctx(unix_sock)), "AF_LOCAL|AF_UNIX");

  auto bpf = SyscallRecord("bpf", 301, kTs).Int("res_or_fd", 7).Int("cmd", 5).Finish();
  EXPECT_EQ(One("evt.arg.cmd", Ctx(bpf)), "BPF_PROG_LOAD");
  EXPECT_EQ(One("evt.arg.res_or_fd", Ctx(bpf)), "7");
  EXPECT_EQ(One("evt.res", Ctx(bpf)), "SUCCESS");
  EXPECT_EQ(One("evt.rawres", Ctx(bpf)), "7");

  auto chmod = SyscallRecord("chmod", 301, kTs)
                   .Int("res", 0)
                   .Str("filename", "/usr/bin/x")
                   .U32("mode", 04755)
                   .Finish();
  EXPECT_THAT(One("evt.arg.mode", Ctx(chmod)), HasSubstr("S_ISUID"));
  EXPECT_THAT(One("evt.arg.mode", Ctx(chmod)), HasSubstr("S_IXUSR"));
  EXPECT_EQ(One("evt.arg.filename", Ctx(chmod)), "/usr/bin/x");
  EXPECT_EQ(One("fs.path.name", Ctx(chmod)), "/usr/bin/x");

  auto setuid = SyscallRecord("setuid", 301, kTs).Int("res", 0).U32("uid", 0).Finish();
  EXPECT_EQ(One("evt.arg.uid", Ctx(setuid)), "root");
  if (passwd* pw = getpwuid(65534)) {
    auto nobody = SyscallRecord("setuid", 301, kTs).Int("res", 0).U32("uid", 65534).Finish();
    EXPECT_EQ(One("evt.arg.uid", Ctx(nobody)), pw->pw_name);
  }
  auto unknown_uid = SyscallRecord("setuid", 301, kTs).Int("res", 0).U32("uid", 3999999).Finish();
  EXPECT_EQ(One("evt.arg.uid", Ctx(unknown_uid)), "<NA>");
  auto minus_one = SyscallRecord("setuid", 301, kTs).Int("res", -1).U32("uid", UINT32_MAX).Finish();
  EXPECT_EQ(One("evt.arg.uid", Ctx(minus_one)), "<NONE>");
  EXPECT_EQ(One("evt.res", Ctx(minus_one)), "EPERM");

  auto kill = SyscallRecord("kill", 301, kTs).Int("res", 0).Int("pid", 999).U32("sig", 9).Finish();
  EXPECT_EQ(One("evt.arg.sig", Ctx(kill)), "SIGKILL");
  EXPECT_EQ(One("evt.arg.pid", Ctx(kill)), "999");  // unknown pid: the number

  auto unshare =
      SyscallRecord("unshare", 301, kTs).Int("res", 0).U64("flags", 0x10000000 | 0x20000).Finish();
  EXPECT_EQ(One("evt.arg.flags", Ctx(unshare)), "CLONE_NEWNS|CLONE_NEWUSER");

  auto connect = SyscallRecord("connect", 301, kTs)
                     .Int("res", -115)
                     .Bytes("tuple", {2, 10, 0, 0, 1, 0x40, 0x9c, 93, 184, 216, 34, 0xbb, 0x01})
                     .Int("fd", 4)
                     .Bytes("addr", {2, 93, 184, 216, 34, 0xbb, 0x01})
                     .Finish();
  EventContext cc = Ctx(connect);
  EXPECT_EQ(One("evt.res", cc), "EINPROGRESS");
  EXPECT_EQ(One("evt.arg.tuple", cc), "10.0.0.1:40000->93.184.216.34:443");
  EXPECT_EQ(One("evt.arg.addr", cc), "93.184.216.34:443");
  EXPECT_EQ(One("evt.arg.fd", cc), "<4t>10.0.0.1:40000->93.184.216.34:443");

  auto exec = SyscallRecord("execve", 301, kTs)
                  .Int("res", 0)
                  .Str("exe", "/usr/bin/curl")
                  .Strs("args", {"-s", "http://x"})
                  .RestEmpty()
                  .Finish();
  EXPECT_EQ(One("evt.arg.args", Ctx(exec)), "-s.http://x");  // Falco joins with '.'
  EXPECT_THAT(Get("evt.arg.flags", Ctx(exec)), IsEmpty());   // empty param: no value
}

// Parent lookups are kept for one event (Shared::Event): the next event sees the state as it is
// then, e.g. curl re-parented to init when bash exits.
TEST_F(SyscallFieldsTest, LineageIsTheStateOfEachEvent) {
  auto rec = Openat(3, "/etc/shadow", VIGIL_O_RDONLY, 0);
  EventContext first = Ctx(rec);
  EXPECT_EQ(One("proc.pname", first), "bash");
  EXPECT_EQ(One("proc.aname[2]", first), "sshd");
  curl_.thread.ptid = worker_.ptid = 1;
  EventContext next = Ctx(rec);
  EXPECT_EQ(One("proc.pname", next), "systemd");
  EXPECT_THAT(Get("proc.aname[2]", next), IsEmpty());
  EXPECT_THAT(Get("proc.aname", next), ElementsAre("systemd"));
}

TEST_F(SyscallFieldsTest, IoBuffers) {
  auto write = SyscallRecord("write", 301, kTs)
                   .Int("res", 4)
                   .Int("fd", 4)
                   .U32("size", 4)
                   .Bytes("data", {0xca, 0xfe, 0xba, 0xbe})
                   .Finish();
  view_.fd = &curl_.process->fds[4];
  view_.fd_num = 4;
  EventContext ctx = Ctx(write);
  EXPECT_EQ(One("evt.buffer", ctx), std::string("\xca\xfe\xba\xbe"));
  EXPECT_EQ(One("evt.buflen", ctx), "4");
  EXPECT_EQ(One("evt.arg.data", ctx), "....");
  view_.fd = nullptr;
  EXPECT_THAT(Get("evt.buflen", ctx), IsEmpty());
}

TEST_F(SyscallFieldsTest, ProcessAndLineage) {
  auto rec = Openat(3, "/etc/shadow", VIGIL_O_RDONLY, 0);
  EventContext ctx = Ctx(rec);
  EXPECT_EQ(One("proc.name", ctx), "curl-worker");
  EXPECT_EQ(One("proc.pname", ctx), "bash");
  EXPECT_EQ(One("proc.aname[0]", ctx), "curl-worker");
  EXPECT_EQ(One("proc.aname[1]", ctx), "bash");
  EXPECT_EQ(One("proc.aname[2]", ctx), "sshd");
  EXPECT_EQ(One("proc.aname[3]", ctx), "systemd");
  EXPECT_THAT(Get("proc.aname[4]", ctx), IsEmpty());
  EXPECT_THAT(Get("proc.aname", ctx), ElementsAre("bash", "sshd", "systemd"));
  EXPECT_EQ(One("proc.apid[2]", ctx), "100");
  EXPECT_THAT(Get("proc.apid", ctx), ElementsAre("200", "100", "1"));
  EXPECT_EQ(One("proc.exe", ctx), "curl");
  EXPECT_EQ(One("proc.pexe", ctx), "-bash");
  EXPECT_EQ(One("proc.aexe[2]", ctx), "/usr/sbin/sshd");
  EXPECT_EQ(One("proc.exepath", ctx), "/usr/bin/curl");
  EXPECT_EQ(One("proc.pexepath", ctx), "/usr/bin/bash");
  EXPECT_EQ(One("proc.aexepath[3]", ctx), "/usr/lib/systemd/systemd");
  EXPECT_EQ(One("proc.args", ctx), "-s http://x");
  EXPECT_EQ(One("proc.cmdline", ctx), "curl-worker -s http://x");
  EXPECT_EQ(One("proc.pcmdline", ctx), "bash");
  EXPECT_EQ(One("proc.acmdline[2]", ctx), "sshd -D");
  EXPECT_THAT(Get("proc.acmdline", ctx), ElementsAre("bash", "sshd -D", "systemd"));
  EXPECT_EQ(One("proc.cmdnargs", ctx), "2");
  EXPECT_EQ(One("proc.cmdlenargs", ctx), "10");
  EXPECT_EQ(One("proc.exeline", ctx), "curl -s http://x");
  EXPECT_EQ(One("proc.env", ctx), "HOME=/root LANG=C");
  EXPECT_EQ(One("proc.env[HOME]", ctx), "/root");
  EXPECT_THAT(Get("proc.env[NOPE]", ctx), IsEmpty());
  EXPECT_EQ(One("proc.aenv[ONLY_IN_SSHD]", ctx), "yes");
  EXPECT_EQ(One("proc.cwd", ctx), "/tmp/");
  EXPECT_EQ(One("proc.tty", ctx), "34816");
  EXPECT_EQ(One("proc.pid", ctx), "300");
  EXPECT_EQ(One("proc.ppid", ctx), "200");
  EXPECT_EQ(One("proc.vpid", ctx), "300");
  EXPECT_EQ(One("proc.pvpid", ctx), "200");
  EXPECT_EQ(One("proc.sid", ctx), "200");
  EXPECT_EQ(One("proc.sname", ctx), "bash");
  EXPECT_EQ(One("proc.sid.exe", ctx), "-bash");
  EXPECT_EQ(One("proc.sid.exepath", ctx), "/usr/bin/bash");
  EXPECT_EQ(One("proc.vpgid", ctx), "300");
  EXPECT_EQ(One("proc.vpgid.name", ctx), "curl-worker");
  EXPECT_EQ(One("proc.is_vpgid_leader", ctx), "true");
  EXPECT_EQ(One("proc.is_sid_leader", ctx), "false");
  EXPECT_EQ(One("proc.loginshellid", ctx), "200");
  EXPECT_EQ(One("proc.duration", ctx), std::to_string(2 * kSec));
  EXPECT_EQ(One("proc.ppid.duration", ctx), std::to_string(10 * kSec));
  EXPECT_EQ(One("proc.pid.ts", ctx), std::to_string(kTs - 2 * kSec));
  EXPECT_EQ(One("proc.ppid.ts", ctx), std::to_string(kTs - 10 * kSec));
  EXPECT_EQ(One("proc.is_exe_writable", ctx), "true");
  EXPECT_EQ(One("proc.is_exe_upper_layer", ctx), "true");
  EXPECT_EQ(One("proc.is_exe_from_memfd", ctx), "false");
  EXPECT_EQ(One("proc.exe_ino", ctx), "4242");
  EXPECT_EQ(One("proc.exe_ino.ctime", ctx), std::to_string(kTs - 5 * kSec));
  EXPECT_EQ(One("proc.exe_ino.mtime", ctx), std::to_string(kTs - 6 * kSec));
  EXPECT_EQ(One("proc.exe_ino.ctime_duration_proc_start", ctx), std::to_string(3 * kSec));
  EXPECT_EQ(One("proc.exe_ino.ctime_duration_pidns_start", ctx), std::to_string(1995 * kSec));
  EXPECT_EQ(One("proc.pidns_init_start_ts", ctx), std::to_string(kTs - 2000 * kSec));
  EXPECT_EQ(One("proc.fdopencount", ctx), "2");
  EXPECT_EQ(One("thread.tid", ctx), "301");
  EXPECT_EQ(One("thread.vtid", ctx), "301");
  EXPECT_EQ(One("thread.ismain", ctx), "false");
  EXPECT_EQ(One("thread.cap_permitted", ctx), "CAP_CHOWN CAP_SYS_ADMIN");
  EXPECT_EQ(One("thread.cap_effective", ctx), "CAP_NET_ADMIN");
  EXPECT_EQ(One("thread.cap_inheritable", ctx), "");
  EXPECT_EQ(One("user.uid", ctx), "0");  // the effective uid
  EXPECT_EQ(One("user.ruid", ctx), "1000");
  EXPECT_EQ(One("user.name", ctx), "root");
  EXPECT_EQ(One("user.homedir", ctx), "/root");
  EXPECT_EQ(One("user.loginuid", ctx), "-1");
  EXPECT_THAT(Get("user.loginname", ctx), IsEmpty());
  EXPECT_EQ(One("group.gid", ctx), "0");
  EXPECT_EQ(One("group.name", ctx), "root");
  worker_.loginuid = 0;
  EXPECT_EQ(One("user.loginuid", ctx), "0");
  EXPECT_EQ(One("user.loginname", ctx), "root");

  // Without a view (not a syscall event of the state) or without lineage: no value.
  EventContext bare = ctx;
  bare.syscall = nullptr;
  EXPECT_THAT(Get("proc.name", bare), IsEmpty());
  EXPECT_THAT(Get("fd.name", bare), IsEmpty());
  EXPECT_EQ(One("evt.res", bare), "SUCCESS");  // the record alone
  FieldRegistry no_lineage;
  no_lineage.Add(MakeSyscallFieldProvider(nullptr));
  auto pname = no_lineage.Bind("proc.pname", "syscall");
  ASSERT_TRUE(pname.ok());
  EXPECT_THAT(pname->extractor->Extract(ctx), IsEmpty());
  auto name = no_lineage.Bind("proc.name", "syscall");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->extractor->Extract(ctx).size(), 1u);
}

TEST_F(SyscallFieldsTest, LineageCyclesEnd) {
  // A corrupt table where 200's parent is 300 and 300's is 200.
  bash_.thread.ptid = 300;
  auto rec = Openat(3, "/x", VIGIL_O_RDONLY, 0);
  EventContext ctx = Ctx(rec);
  EXPECT_LE(Get("proc.aname", ctx).size(), 64u);
  EXPECT_EQ(One("proc.loginshellid", ctx), "200");
}

TEST_F(SyscallFieldsTest, SocketFd) {
  auto rec = SyscallRecord("connect", 301, kTs)
                 .Int("res", 0)
                 .Empty("tuple")
                 .Int("fd", 4)
                 .Empty("addr")
                 .Finish();
  view_.fd = &curl_.process->fds[4];
  view_.fd_num = 4;
  view_.fd_name_changed = true;
  EventContext ctx = Ctx(rec);
  EXPECT_EQ(One("fd.num", ctx), "4");
  EXPECT_EQ(One("fd.type", ctx), "ipv4");
  EXPECT_EQ(One("fd.typechar", ctx), "4");
  EXPECT_EQ(One("fd.name", ctx), "10.0.0.1:40000->93.184.216.34:443");
  EXPECT_EQ(One("fd.cip", ctx), "10.0.0.1");
  EXPECT_EQ(One("fd.sip", ctx), "93.184.216.34");
  EXPECT_EQ(One("fd.lip", ctx), "10.0.0.1");
  EXPECT_EQ(One("fd.rip", ctx), "93.184.216.34");
  EXPECT_THAT(Get("fd.ip", ctx), ElementsAre("10.0.0.1", "93.184.216.34"));
  EXPECT_EQ(One("fd.cport", ctx), "40000");
  EXPECT_EQ(One("fd.sport", ctx), "443");
  EXPECT_EQ(One("fd.lport", ctx), "40000");
  EXPECT_EQ(One("fd.rport", ctx), "443");
  EXPECT_THAT(Get("fd.port", ctx), ElementsAre("40000", "443"));
  EXPECT_EQ(One("fd.snet", ctx), "93.184.216.34/32");
  EXPECT_EQ(One("fd.cnet", ctx), "10.0.0.1/32");
  EXPECT_THAT(Get("fd.net", ctx), ElementsAre("10.0.0.1/32", "93.184.216.34/32"));
  EXPECT_EQ(One("fd.l4proto", ctx), "tcp");
  EXPECT_EQ(One("fd.sockfamily", ctx), "ip");
  EXPECT_EQ(One("fd.is_server", ctx), "false");
  EXPECT_EQ(One("fd.connected", ctx), "true");
  EXPECT_EQ(One("fd.name_changed", ctx), "true");
  EXPECT_THAT(Get("fd.directory", ctx), IsEmpty());
  EXPECT_THAT(Get("fd.sip.name", ctx), IsEmpty());
  // The server's side of the same connection: local is the server end.
  curl_.process->fds[4].role = state::SocketRole::kServer;
  EXPECT_EQ(One("fd.lip", ctx), "93.184.216.34");
  EXPECT_EQ(One("fd.lport", ctx), "443");
  EXPECT_EQ(One("fd.rport", ctx), "40000");
  EXPECT_EQ(One("fd.is_server", ctx), "true");
}

TEST_F(SyscallFieldsTest, FileFdAndFdTypes) {
  auto rec = Openat(3, "../etc/shadow", VIGIL_O_RDONLY, 0);
  view_.fd = &curl_.process->fds[3];
  view_.fd_num = 3;
  EventContext ctx = Ctx(rec);
  EXPECT_EQ(One("fd.type", ctx), "file");
  EXPECT_EQ(One("fd.typechar", ctx), "f");
  EXPECT_EQ(One("fd.directory", ctx), "/etc");
  EXPECT_EQ(One("fd.filename", ctx), "shadow");
  EXPECT_EQ(One("fd.nameraw", ctx), "../etc/shadow");
  EXPECT_EQ(One("fd.dev.major", ctx), "8");
  EXPECT_EQ(One("fd.dev.minor", ctx), "1");
  EXPECT_EQ(One("fd.ino", ctx), "77");
  EXPECT_THAT(Get("fd.cip", ctx), IsEmpty());
  EXPECT_THAT(Get("fd.sockfamily", ctx), IsEmpty());
  EXPECT_THAT(Get("fd.types", ctx), ElementsAre("file", "ipv4"));
  EXPECT_EQ(One("fd.types[4]", ctx), "ipv4");
  EXPECT_THAT(Get("fd.types[0]", ctx), IsEmpty());
  curl_.process->fds[3].name = "/vmlinuz";
  EXPECT_EQ(One("fd.directory", ctx), "/");
  FdInfo dir;
  dir.type = FdType::kDirectory;
  dir.name = "/etc";
  view_.fd = &dir;
  EXPECT_EQ(One("fd.directory", ctx), "/etc");
  EXPECT_EQ(One("fd.typechar", ctx), "d");
}

// Every syscall field Falco declares (tests/support/falco_fields.cpp) except the container
// plugin's exists here with Falco's type, list flag and argument shape.
TEST(SyscallFieldDecls, MatchFalco) {
  auto provider = MakeSyscallFieldProvider(nullptr);
  std::map<std::string, const FieldInfo*> mine;
  for (const FieldInfo& f : provider->fields()) mine[f.name] = &f;
  size_t checked = 0;
  for (const FieldInfo& falco : testing::FalcoSyscallFields()) {
    if (falco.name.starts_with("container.") || falco.name.starts_with("k8s.") ||
        falco.name.starts_with("proc.is_container_")) {
      continue;
    }
    auto it = mine.find(falco.name);
    ASSERT_NE(it, mine.end()) << falco.name;
    EXPECT_EQ(it->second->type, falco.type) << falco.name;
    EXPECT_EQ(it->second->is_list, falco.is_list) << falco.name;
    EXPECT_EQ(it->second->arg, falco.arg) << falco.name;
    EXPECT_EQ(it->second->arg_required, falco.arg_required) << falco.name;
    EXPECT_FALSE(it->second->description.empty()) << falco.name;
    ++checked;
  }
  EXPECT_GT(checked, 120u);
  EXPECT_TRUE(provider->AppliesTo("syscall"));
  EXPECT_FALSE(provider->AppliesTo("k8s_audit"));
}

}  // namespace
}  // namespace vigil::fields
