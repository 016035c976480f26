#include "vigil/core/syscall_state.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>

#include "paths.hpp"
#include "state_test_util.hpp"

namespace vigil::state {
namespace {

using namespace vigil::state::testing;  // NOLINT

constexpr uint64_t kCloneThread = 0x10000;

std::string Resolve(std::string_view base, std::string_view path) {
  std::string out;
  ResolvePath(base, path, &out);
  return out;
}

TEST(ResolvePathTest, NormalisesLexically) {
  EXPECT_EQ(Resolve("", "/etc/../etc/shadow"), "/etc/shadow");
  EXPECT_EQ(Resolve("/home/u", "a/../b.txt"), "/home/u/b.txt");
  EXPECT_EQ(Resolve("/", "x"), "/x");
  EXPECT_EQ(Resolve("/a/b", "../../../../etc//passwd/"), "/etc/passwd");
  EXPECT_EQ(Resolve("/a", "./././"), "/a");
  EXPECT_EQ(Resolve("/x", "/"), "/");
  EXPECT_EQ(Resolve("//a//b/.", ".."), "/a");
  EXPECT_EQ(Resolve("", "a/b/../c"), "a/c");  // no base: stays relative
  EXPECT_EQ(Resolve("", "../a"), "../a");
}

class SyscallStateTest : public StateFixture {};

// Plugins' per-process values (set_process_value) go to a forked child and survive an exec.
TEST_F(SyscallStateTest, PluginValuesFollowForkAndExec) {
  Apply(Exec(100, 0, {"bash"}, "/root", "/usr/bin/bash"));
  state_.FindThread(100)->process->plugin_values = {std::nullopt, std::string("c0ffee")};
  Apply(Clone(100, 200, 200, 0, "fork"));
  const ThreadInfo* child = state_.FindThread(200);
  ASSERT_NE(child, nullptr);
  ASSERT_EQ(child->process->plugin_values.size(), 2u);
  EXPECT_EQ(child->process->plugin_values[1], "c0ffee");
  EXPECT_FALSE(child->process->plugin_values[0]);
  Apply(Exec(200, 0, {"/bin/cat"}, "/tmp", "/usr/bin/cat", 0, 100));
  EXPECT_EQ(ProcOf(200)->plugin_values.at(1), "c0ffee");
}

TEST_F(SyscallStateTest, LineageThroughForkAndExec) {
  Apply(Exec(100, 0, {"bash", "-l"}, "/root", "/usr/bin/bash"));
  EXPECT_EQ(state_.counters().missing_thread, 1u);
  Apply(Clone(100, 200, 200, 0, "fork"));
  const ThreadInfo* child = state_.FindThread(200);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->pid, 200);
  EXPECT_EQ(child->ptid, 100);
  EXPECT_EQ(child->comm, "child");
  // A fork copies the parent's image until the child execs.
  EXPECT_EQ(child->process->exe, "bash");
  EXPECT_EQ(child->process->exepath, "/usr/bin/bash");
  EXPECT_EQ(child->process->cwd, "/root");
  EXPECT_NE(child->process.get(), state_.FindThread(100)->process.get());

  Apply(Exec(200, 0, {"/bin/cat", "/etc/shadow"}, "/tmp", "/usr/bin/cat", 0, 100));
  const Process* p = ProcOf(200);
  EXPECT_EQ(p->exe, "/bin/cat");
  EXPECT_EQ(p->exepath, "/usr/bin/cat");
  EXPECT_EQ(p->args, std::vector<std::string>{"/etc/shadow"});
  EXPECT_EQ(p->cwd, "/tmp");
  EXPECT_EQ(p->env.size(), 2u);
  EXPECT_EQ(p->exe_ino, 77u);
  EXPECT_EQ(ProcOf(100)->exe, "bash");  // the parent is untouched

  const ThreadInfo* parent = state_.FindProcessLeader(state_.FindThread(200)->ptid);
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(parent->tid, 100);
  EXPECT_EQ(parent->process->exe, "bash");

  // Without trusted_exepath the exe is resolved against the cwd.
  Apply(Exec(200, 0, {"./tool"}, "/opt/x", ""));
  EXPECT_EQ(ProcOf(200)->exepath, "/opt/x/tool");
  EXPECT_EQ(state_.counters().processes, 2u);
  EXPECT_EQ(state_.counters().threads, 2u);
}

TEST_F(SyscallStateTest, ThreadsShareTheirProcess) {
  Apply(Exec(300, 0, {"srv"}, "/"));
  Apply(Clone(300, 301, 300, kCloneThread));
  const ThreadInfo* t = state_.FindThread(301);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->pid, 300);
  EXPECT_EQ(t->process.get(), ProcOf(300));
  EXPECT_EQ(state_.counters().processes, 1u);
  EXPECT_EQ(state_.counters().threads, 2u);

  // An fd opened by one thread is the process's.
  Apply(Openat(301, 5, -100, "/etc/hosts"));
  ASSERT_NE(Fd(300, 5), nullptr);

  // The leader exits first: it stays (dead) for the lineage of the remaining thread.
  Apply(Procexit(300));
  EXPECT_NE(state_.FindProcessLeader(300), nullptr);
  EXPECT_EQ(state_.counters().processes, 1u);
  // The procexit's thread is still readable by the rules before After.
  const SyscallView& v = Begin(Procexit(301));
  EXPECT_EQ(v.thread->tid, 301);
  Finish();
  EXPECT_EQ(state_.FindThread(301), nullptr);
  EXPECT_EQ(state_.FindProcessLeader(300), nullptr);
  EXPECT_EQ(state_.counters().processes, 0u);
  EXPECT_EQ(state_.counters().threads, 0u);
  EXPECT_EQ(state_.counters().fds, 0u);
}

TEST_F(SyscallStateTest, ExecReplacesImageAndClosesCloexecFds) {
  Apply(Exec(400, 0, {"sh"}, "/"));
  Apply(Openat(400, 3, -100, "/etc/passwd", VIGIL_O_RDONLY | VIGIL_O_CLOEXEC));
  Apply(Openat(400, 4, -100, "/var/log/x", VIGIL_O_WRONLY));
  EXPECT_EQ(state_.counters().fds, 2u);

  // A failed exec changes nothing.
  Apply(Exec(400, -2, {"/nope"}, "/elsewhere"));
  EXPECT_EQ(ProcOf(400)->exe, "sh");
  EXPECT_NE(Fd(400, 3), nullptr);

  Apply(Exec(400, 0, {"python3", "x.py"}, "/srv", "/usr/bin/python3.11", 1000));
  EXPECT_EQ(ProcOf(400)->exe, "python3");
  EXPECT_EQ(Fd(400, 3), nullptr);
  EXPECT_NE(Fd(400, 4), nullptr);
  EXPECT_EQ(state_.FindThread(400)->uid, 1000u);
  EXPECT_EQ(state_.counters().fds, 1u);
}

TEST_F(SyscallStateTest, ResolvesPaths) {
  Apply(Exec(500, 0, {"app"}, "/home/u"));
  const SyscallView& v = Begin(Openat(500, 3, -100, "a/../b.txt"));
  ASSERT_NE(v.fd, nullptr);
  EXPECT_EQ(v.fd->name, "/home/u/b.txt");
  EXPECT_EQ(v.fd->name_raw, "a/../b.txt");
  EXPECT_EQ(v.fd_num, 3);
  EXPECT_EQ(v.abs_paths[2], "/home/u/b.txt");
  Finish();

  Apply(Openat(500, 4, -100, "/var/log", VIGIL_O_RDONLY | VIGIL_O_DIRECTORY));
  EXPECT_EQ(Fd(500, 4)->type, FdType::kDirectory);
  EXPECT_EQ(Begin(Openat(500, 5, 4, "syslog")).fd->name, "/var/log/syslog");
  Finish();
  EXPECT_EQ(Begin(Openat(500, 6, -100, "/etc/../etc/shadow")).fd->name, "/etc/shadow");
  Finish();
  // An unknown dirfd: the name stays as given and abs_paths has nothing.
  const SyscallView& u = Begin(Openat(500, 7, 99, "rel"));
  EXPECT_EQ(u.fd->name, "rel");
  EXPECT_EQ(u.abs_paths[2], "");
  Finish();

  // A failed open still names the file, on a temporary entry.
  const SyscallView& f = Begin(Openat(500, -13, -100, "../../etc/shadow"));
  ASSERT_NE(f.fd, nullptr);
  EXPECT_EQ(f.fd->name, "/etc/shadow");
  EXPECT_EQ(f.fd_num, -1);
  Finish();
  EXPECT_EQ(ProcOf(500)->fds.count(-13), 0u);

  // Paths of calls that change no table: by param index.
  SyscallRecord ren("renameat", 500, 1);
  ren.Int("res", 0).Int("olddirfd", 4).Str("oldpath", "a").Int("newdirfd", -100);
  ren.Str("newpath", "../b");
  const SyscallView& r = Begin(ren);
  EXPECT_EQ(r.abs_paths[2], "/var/log/a");
  EXPECT_EQ(r.abs_paths[4], "/home/b");
  Finish();
  SyscallRecord un("unlink", 500, 1);
  un.Int("res", 0).Str("path", "x/./y");
  EXPECT_EQ(Begin(un).abs_paths[1], "/home/u/x/y");
  Finish();

  // chdir: the record's cwd, else the path resolved.
  SyscallRecord cd("chdir", 500, 1);
  cd.Int("res", 0).Str("path", "sub/..//deeper").Empty("cwd");
  Apply(cd);
  EXPECT_EQ(ProcOf(500)->cwd, "/home/u/deeper");
  SyscallRecord cd2("chdir", 500, 1);
  cd2.Int("res", 0).Str("path", "ignored").Str("cwd", "/real/cwd");
  Apply(cd2);
  EXPECT_EQ(ProcOf(500)->cwd, "/real/cwd");
  SyscallRecord fcd("fchdir", 500, 1);
  fcd.Int("res", 0).Int("fd", 4).Empty("cwd");
  Apply(fcd);
  EXPECT_EQ(ProcOf(500)->cwd, "/var/log");
}

TEST_F(SyscallStateTest, DupFcntlClose) {
  Apply(Exec(600, 0, {"app"}, "/"));
  Apply(Openat(600, 3, -100, "/data/f", VIGIL_O_RDWR | VIGIL_O_CLOEXEC));
  SyscallRecord d2("dup2", 600, 1);
  d2.Int("res", 10).Int("oldfd", 3).Int("newfd", 10);
  const SyscallView& v = Begin(d2);
  ASSERT_NE(v.fd, nullptr);
  EXPECT_EQ(v.fd_num, 10);
  EXPECT_EQ(v.fd->name, "/data/f");
  EXPECT_EQ(v.fd->open_flags & VIGIL_O_CLOEXEC, 0u);  // dup2 clears it
  Finish();

  SyscallRecord fc("fcntl", 600, 1);
  fc.Int("res", 11).Int("fd", 3).U32("cmd", 1030).Int("arg", 5);
  Apply(fc);
  ASSERT_NE(Fd(600, 11), nullptr);
  EXPECT_NE(Fd(600, 11)->open_flags & VIGIL_O_CLOEXEC, 0u);
  SyscallRecord d("dup", 600, 1);
  d.Int("res", 12).Int("oldfd", 10);
  Apply(d);
  EXPECT_EQ(Fd(600, 12)->name, "/data/f");
  SyscallRecord setfd("fcntl", 600, 1);
  setfd.Int("res", 0).Int("fd", 12).U32("cmd", 2).Int("arg", 1);
  Apply(setfd);
  EXPECT_NE(Fd(600, 12)->open_flags & VIGIL_O_CLOEXEC, 0u);

  // close: the rules still see the fd; it goes in After.
  const SyscallView& c = Begin(Close(600, 3));
  ASSERT_NE(c.fd, nullptr);
  EXPECT_EQ(c.fd->name, "/data/f");
  EXPECT_EQ(c.fd_num, 3);
  EXPECT_NE(Fd(600, 3), nullptr);
  Finish();
  EXPECT_EQ(Fd(600, 3), nullptr);
  EXPECT_EQ(state_.counters().fds, 3u);

  // read/write carry an fd argument the view resolves.
  SyscallRecord rd("read", 600, 1);
  rd.Int("res", 5).Int("fd", 10).U32("size", 5).Empty("data");
  const SyscallView& r = Begin(rd);
  ASSERT_NE(r.fd, nullptr);
  EXPECT_EQ(r.fd->name, "/data/f");
  Finish();
}

std::vector<uint8_t> Tuple4(std::array<uint8_t, 4> s, uint16_t sport, std::array<uint8_t, 4> d,
                            uint16_t dport) {
  std::vector<uint8_t> b{AF_INET};
  b.insert(b.end(), s.begin(), s.end());
  auto sp = Le(sport), dp = Le(dport);
  b.insert(b.end(), sp.begin(), sp.end());
  b.insert(b.end(), d.begin(), d.end());
  b.insert(b.end(), dp.begin(), dp.end());
  return b;
}

TEST_F(SyscallStateTest, Sockets) {
  Apply(Exec(700, 0, {"curl"}, "/"));
  SyscallRecord s("socket", 700, 1);
  s.Int("fd", 3).U32("domain", AF_INET).U32("type", SOCK_STREAM | SOCK_CLOEXEC).U32("proto", 0);
  Apply(s);
  ASSERT_NE(Fd(700, 3), nullptr);
  EXPECT_EQ(Fd(700, 3)->type, FdType::kIpv4);
  EXPECT_EQ(Fd(700, 3)->l4proto, 6);
  EXPECT_NE(Fd(700, 3)->open_flags & VIGIL_O_CLOEXEC, 0u);

  SyscallRecord c("connect", 700, 1);
  c.Int("res", 0).Bytes("tuple", Tuple4({10, 0, 0, 1}, 40000, {93, 184, 216, 34}, 443));
  c.Int("fd", 3).Empty("addr");
  const SyscallView& v = Begin(c);
  ASSERT_NE(v.fd, nullptr);
  EXPECT_EQ(v.fd->name, "10.0.0.1:40000->93.184.216.34:443");
  EXPECT_EQ(v.fd->role, SocketRole::kClient);
  EXPECT_TRUE(v.fd->connected);
  EXPECT_TRUE(v.fd_name_changed);
  EXPECT_EQ(v.fd->dport, 443);
  Finish();

  // IPv6, Falco's format without brackets; a socket the state never saw created.
  std::vector<uint8_t> t6{AF_INET6};
  std::array<uint8_t, 16> lo{};
  lo[15] = 1;
  for (int side = 0; side < 2; ++side) {
    t6.insert(t6.end(), lo.begin(), lo.end());
    auto port = Le<uint16_t>(side == 0 ? 5000 : 443);
    t6.insert(t6.end(), port.begin(), port.end());
  }
  SyscallRecord c6("connect", 700, 1);
  c6.Int("res", -115).Bytes("tuple", t6).Int("fd", 9).Empty("addr");
  EXPECT_EQ(Begin(c6).fd->name, "::1:5000->::1:443");
  Finish();
  EXPECT_EQ(Fd(700, 9)->type, FdType::kIpv6);

  // Server: bind, listen, accept.
  SyscallRecord ls("socket", 700, 1);
  ls.Int("fd", 4).U32("domain", AF_INET).U32("type", SOCK_STREAM).U32("proto", 0);
  Apply(ls);
  std::vector<uint8_t> addr{AF_INET, 0, 0, 0, 0};
  auto port = Le<uint16_t>(8080);
  addr.insert(addr.end(), port.begin(), port.end());
  SyscallRecord b("bind", 700, 1);
  b.Int("res", 0).Bytes("addr", addr).Int("fd", 4);
  const SyscallView& bv = Begin(b);
  EXPECT_EQ(bv.fd->name, "0.0.0.0:8080");
  EXPECT_TRUE(bv.fd_name_changed);
  Finish();
  SyscallRecord l("listen", 700, 1);
  l.Int("res", 0).Int("fd", 4).Int("backlog", 128);
  Apply(l);
  EXPECT_EQ(Fd(700, 4)->role, SocketRole::kServer);
  SyscallRecord a("accept4", 700, 1);
  a.Int("fd", 5).Bytes("tuple", Tuple4({192, 168, 1, 9}, 51000, {192, 168, 1, 2}, 8080));
  a.Int("listen_fd", 4).U32("flags", SOCK_CLOEXEC);
  const SyscallView& av = Begin(a);
  ASSERT_NE(av.fd, nullptr);
  EXPECT_EQ(av.fd_num, 5);
  EXPECT_EQ(av.fd->role, SocketRole::kServer);
  EXPECT_EQ(av.fd->name, "192.168.1.9:51000->192.168.1.2:8080");
  EXPECT_EQ(av.fd->l4proto, 6);
  EXPECT_NE(av.fd->open_flags & VIGIL_O_CLOEXEC, 0u);
  Finish();

  // UDP: the tuple comes with the first sendto.
  SyscallRecord u("socket", 700, 1);
  u.Int("fd", 6).U32("domain", AF_INET).U32("type", SOCK_DGRAM).U32("proto", 0);
  Apply(u);
  EXPECT_EQ(Fd(700, 6)->l4proto, 17);
  SyscallRecord st("sendto", 700, 1);
  st.Int("res", 10).Int("fd", 6).U32("size", 10);
  st.Bytes("tuple", Tuple4({10, 0, 0, 1}, 33000, {8, 8, 8, 8}, 53)).Empty("data");
  Apply(st);
  EXPECT_EQ(Fd(700, 6)->name, "10.0.0.1:33000->8.8.8.8:53");

  // Unix socketpair.
  SyscallRecord sp("socketpair", 700, 1);
  sp.Int("res", 0).Int("fd1", 7).Int("fd2", 8).U32("domain", AF_UNIX).U32("type", SOCK_STREAM);
  sp.U32("proto", 0);
  Apply(sp);
  EXPECT_EQ(Fd(700, 7)->type, FdType::kUnix);
  EXPECT_EQ(Fd(700, 8)->type, FdType::kUnix);
}

TEST_F(SyscallStateTest, PipesMemfdAndOtherFds) {
  Apply(Exec(800, 0, {"x"}, "/"));
  SyscallRecord p("pipe2", 800, 1);
  p.Int("res", 0).Int("fd1", 3).Int("fd2", 4).U64("ino", 12345).U32("flags", VIGIL_O_CLOEXEC);
  Apply(p);
  EXPECT_EQ(Fd(800, 3)->type, FdType::kPipe);
  EXPECT_EQ(Fd(800, 3)->name, "pipe:[12345]");
  EXPECT_EQ(Fd(800, 4)->name, "pipe:[12345]");
  EXPECT_NE(Fd(800, 4)->open_flags & VIGIL_O_CLOEXEC, 0u);

  SyscallRecord m("memfd_create", 800, 1);
  m.Int("fd", 5).Str("name", "payload").U32("flags", 1);
  const SyscallView& v = Begin(m);
  EXPECT_EQ(v.fd->type, FdType::kMemfd);
  EXPECT_EQ(v.fd->name, "memfd:payload");
  Finish();

  SyscallRecord b("bpf", 800, 1);
  b.Int("res_or_fd", 6).Int("cmd", 5);
  Apply(b);
  EXPECT_EQ(Fd(800, 6)->type, FdType::kBpf);
  SyscallRecord b2("bpf", 800, 1);
  b2.Int("res_or_fd", 0).Int("cmd", 2);  // BPF_MAP_UPDATE_ELEM: no fd
  Apply(b2);
  EXPECT_EQ(Fd(800, 0), nullptr);

  SyscallRecord po("pidfd_open", 800, 1);
  po.Int("fd", 7).Int("pid", 800).U32("flags", 0);
  Apply(po);
  EXPECT_EQ(Fd(800, 7)->type, FdType::kPidfd);
  SyscallRecord pg("pidfd_getfd", 800, 1);
  pg.Int("fd", 8).Int("pidfd", 7).Int("targetfd", 5).U32("flags", 0);
  Apply(pg);
  EXPECT_EQ(Fd(800, 8)->name, "memfd:payload");

  SyscallRecord io("io_uring_setup", 800, 1);
  io.Int("res", 9).U32("entries", 8).U32("flags", 0);
  Apply(io);
  EXPECT_EQ(Fd(800, 9)->type, FdType::kIoUring);
  SyscallRecord uf("userfaultfd", 800, 1);
  uf.Int("res", 10).U32("flags", 0);
  Apply(uf);
  EXPECT_EQ(Fd(800, 10)->type, FdType::kUserfaultfd);
}

TEST_F(SyscallStateTest, SetIdFamily) {
  Apply(Exec(900, 0, {"sudo"}, "/"));  // root
  SyscallRecord r("setresuid", 900, 1);
  r.Int("res", 0).U32("ruid", 1000).U32("euid", 1001).U32("suid", UINT32_MAX);
  Apply(r);
  const ThreadInfo* t = state_.FindThread(900);
  EXPECT_EQ(t->uid, 1000u);
  EXPECT_EQ(t->euid, 1001u);
  EXPECT_EQ(t->cap_effective, 0u);  // left root

  SyscallRecord g("setregid", 900, 1);
  g.Int("res", 0).U32("rgid", UINT32_MAX).U32("egid", 50);
  Apply(g);
  EXPECT_EQ(t->gid, 0u);
  EXPECT_EQ(t->egid, 50u);

  SyscallRecord failed("setuid", 900, 1);
  failed.Int("res", -1).U32("uid", 0);
  Apply(failed);
  EXPECT_EQ(t->euid, 1001u);

  // Unprivileged setuid changes only the effective id.
  SyscallRecord su("setuid", 900, 1);
  su.Int("res", 0).U32("uid", 1000);
  Apply(su);
  EXPECT_EQ(t->uid, 1000u);
  EXPECT_EQ(t->euid, 1000u);

  // A privileged one changes both.
  Apply(Exec(901, 0, {"login"}, "/"));
  SyscallRecord su2("setuid", 901, 1);
  su2.Int("res", 0).U32("uid", 33);
  Apply(su2);
  EXPECT_EQ(state_.FindThread(901)->uid, 33u);
  EXPECT_EQ(state_.FindThread(901)->euid, 33u);

  SyscallRecord sg("setgid", 901, 1);
  sg.Int("res", 0).U32("gid", 44);
  Apply(sg);
  EXPECT_EQ(state_.FindThread(901)->egid, 44u);

  SyscallRecord cap("capset", 901, 1);
  cap.Int("res", 0).U64("cap_inheritable", 1).U64("cap_permitted", 2).U64("cap_effective", 4);
  Apply(cap);
  EXPECT_EQ(state_.FindThread(901)->cap_inheritable, 1u);
  EXPECT_EQ(state_.FindThread(901)->cap_permitted, 2u);
  EXPECT_EQ(state_.FindThread(901)->cap_effective, 4u);
}

TEST_F(SyscallStateTest, UnknownThreadGetsAPlaceholder) {
  const SyscallView& v = Begin(Openat(4242, 3, -100, "/etc/hosts"));
  ASSERT_NE(v.thread, nullptr);
  EXPECT_EQ(v.thread->tid, 4242);
  ASSERT_NE(v.thread->process, nullptr);
  Finish();
  EXPECT_EQ(state_.counters().missing_thread, 1u);
  EXPECT_NE(state_.FindThread(4242), nullptr);
  // Seen once, known afterwards.
  Apply(Openat(4242, 4, -100, "/etc/hosts"));
  EXPECT_EQ(state_.counters().missing_thread, 1u);

  // An event without a thread.
  const SyscallView& none = Begin(Openat(-1, 3, -100, "/x"));
  ASSERT_NE(none.thread, nullptr);
  EXPECT_EQ(none.thread->tid, -1);
  Finish();
}

TEST_F(SyscallStateTest, MalformedRecordsAreCountedAndIgnored) {
  const uint16_t openat = vigil::test::EventTypeByName("openat");
  const uint16_t clone = vigil::test::EventTypeByName("clone");
  Apply(Exec(1000, 0, {"x"}, "/"));
  // fd as 4 bytes instead of 8.
  auto bad_size = RawRecord(openat, 1000,
                            {Le<int32_t>(3),
                             Le<int64_t>(-100),
                             {'/', 'x'},
                             Le<uint32_t>(0),
                             Le<uint32_t>(0),
                             Le<uint32_t>(0),
                             Le<uint64_t>(0)});
  const SyscallView& v = Begin(bad_size);
  ASSERT_NE(v.thread, nullptr);
  EXPECT_EQ(v.thread->tid, 1000);
  EXPECT_EQ(v.fd, nullptr);
  Finish();
  EXPECT_EQ(Fd(1000, 3), nullptr);
  // Missing params.
  Apply(RawRecord(openat, 1000, {Le<int64_t>(3), Le<int64_t>(-100)}));
  Apply(RawRecord(clone, 1000, {Le<int64_t>(2000)}));
  Apply(RawRecord(clone, 1000, {}));
  EXPECT_EQ(state_.FindThread(2000), nullptr);
  // Truncated header, empty, garbage.
  std::vector<uint8_t> garbage(40, 0xff);
  fields::EventContext ctx;
  ctx.record = garbage.data();
  ctx.len = static_cast<uint32_t>(garbage.size());
  ctx.type = openat;
  EXPECT_NE(state_.Before(ctx).thread, nullptr);
  state_.After();
  ctx.record = nullptr;
  ctx.len = 0;
  EXPECT_NE(state_.Before(ctx).thread, nullptr);
  state_.After();
  EXPECT_EQ(state_.counters().malformed, 6u);
  // Empty fixed params are "no value", not malformed.
  SyscallRecord ok("openat", 1000, 1);
  ok.Int("fd", 3).Empty("dirfd").Str("name", "/y").RestEmpty();
  Apply(ok);
  EXPECT_EQ(state_.counters().malformed, 6u);
  EXPECT_EQ(Fd(1000, 3)->name, "/y");
  // A bad tuple length is ignored.
  SyscallRecord c("connect", 1000, 1);
  c.Int("res", 0).Bytes("tuple", {AF_INET, 1, 2}).Int("fd", 3).Bytes("addr", {AF_INET6, 1});
  Apply(c);
  EXPECT_FALSE(Fd(1000, 3)->connected);
}

class BoundedStateTest : public StateFixture {
 protected:
  static StateOptions Small() {
    StateOptions o = Defaults();
    o.max_threads = 1000;
    o.max_fds_per_process = 16;
    return o;
  }
  BoundedStateTest() : StateFixture(Small()) {}
};

TEST_F(BoundedStateTest, ForkStormWithoutExitsStaysBounded) {
  Apply(Exec(1, 0, {"init"}, "/"));
  constexpr int64_t kForks = 1000000;
  auto rec = Clone(1, 2, 2, 0).Finish();
  // Patch res/tid/pid in place per event: the clone schema puts res at param 0, tid at 1, pid at 2.
  const uint16_t nparams = vigil_event_get_header(rec.data()).nparams;
  const size_t data = VIGIL_EVENT_HEADER_SIZE + 4u * nparams;
  uint64_t max_seen = 0;
  for (int64_t i = 0; i < kForks; ++i) {
    int64_t child = 2 + i;
    std::memcpy(rec.data() + data, &child, 8);
    std::memcpy(rec.data() + data + 8, &child, 8);
    std::memcpy(rec.data() + data + 16, &child, 8);
    Apply(rec);
    max_seen = std::max(max_seen, state_.counters().threads);
  }
  StateCounters c = state_.counters();
  EXPECT_LE(max_seen, 1000u);
  EXPECT_EQ(c.threads, 1000u - 0u) << "the table stays full";
  EXPECT_EQ(c.processes, c.threads);
  EXPECT_EQ(c.evicted + c.threads, static_cast<uint64_t>(kForks) + 1);
  // The parent is active on every event: it is never evicted.
  EXPECT_NE(state_.FindThread(1), nullptr);
  EXPECT_NE(state_.FindThread(kForks + 1), nullptr);  // the newest child is there
}

TEST_F(BoundedStateTest, ForkStormWithExitsLeavesNothing) {
  Apply(Exec(1, 0, {"init"}, "/"));
  Apply(Openat(1, 3, -100, "/etc/passwd"));
  // Records built once and patched per event (the builder is slow under the sanitizers).
  auto fork = Clone(1, 2, 2, 0, "fork").Finish();
  auto exit = Procexit(2).Finish();
  const size_t data = VIGIL_EVENT_HEADER_SIZE + 4u * vigil_event_get_header(fork.data()).nparams;
  for (int64_t i = 0; i < 300000; ++i) {
    int64_t child = 2 + (i % 30000);
    for (size_t off : {data, data + 8, data + 16}) std::memcpy(fork.data() + off, &child, 8);
    std::memcpy(exit.data() + 8, &child, 8);  // header tid
    Apply(fork);
    Apply(exit);
    if (i % 100000 == 0) {
      ASSERT_LE(state_.counters().threads, 2u);
    }
  }
  StateCounters c = state_.counters();
  EXPECT_EQ(c.threads, 1u);
  EXPECT_EQ(c.processes, 1u);
  EXPECT_EQ(c.fds, 1u);
  EXPECT_EQ(c.evicted, 0u);
}

TEST_F(BoundedStateTest, FdTableStaysBounded) {
  Apply(Exec(1, 0, {"init"}, "/"));
  for (int64_t fd = 0; fd < 1000; ++fd) {
    Apply(Openat(1, fd, -100, "/tmp/f" + std::to_string(fd)));
    ASSERT_LE(ProcOf(1)->fds.size(), 16u);
  }
  StateCounters c = state_.counters();
  EXPECT_EQ(c.fds, 16u);
  EXPECT_EQ(c.fds_evicted, 1000u - 16u);
  EXPECT_NE(Fd(1, 999), nullptr);  // the newest is always there
}

TEST(StateEventTypesTest, BaseSyscalls) {
  std::vector<uint16_t> types = StateEventTypes();
  auto has = [&](const char* n) {
    return std::count(types.begin(), types.end(), vigil::test::EventTypeByName(n)) == 1;
  };
  for (const char* n : {"clone", "execve", "procexit", "openat", "close", "dup2", "connect",
                        "accept4", "pipe2", "setresuid", "capset", "bpf", "fchdir"}) {
    EXPECT_TRUE(has(n)) << n;
  }
  EXPECT_FALSE(has("read"));
  EXPECT_FALSE(has("sendto"));
  EXPECT_EQ(std::count(types.begin(), types.end(), 0), 0);
}

}  // namespace
}  // namespace vigil::state
