#include "proc_reader.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "vigil/core/fields.hpp"
#include "vigil/core/syscall_state.hpp"
#include "vigil/event_record.h"
#include "vigil/syscall_schema.h"

namespace vigil::state {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

void Link(const fs::path& p, const std::string& target) {
  fs::create_directories(p.parent_path());
  fs::create_symlink(target, p);
}

class FakeProc : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-state-procXXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    Write(root_ / "stat", "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n");
    // Process 100 with threads 100 and 101; its parent is 1.
    MakeThread(100, 100, "nginx: master", 1);
    MakeThread(100, 101, "worker", 1);
    Write(root_ / "100/cmdline", std::string("nginx\0-g\0daemon off;\0", 21));
    Write(root_ / "100/environ", std::string("A=1\0B=2\0", 8));
    Link(root_ / "100/exe", "/memfd:evil (deleted)");
    Link(root_ / "100/cwd", "/srv/www");
    Write(root_ / "100/cgroup", "0::/system.slice/nginx.service\n");
    Link(root_ / "100/fd/0", "/dev/null");
    Link(root_ / "100/fd/3", "socket:[5555]");
    Link(root_ / "100/fd/4", "socket:[6666]");
    Link(root_ / "100/fd/5", "pipe:[777]");
    Link(root_ / "100/fd/6", "anon_inode:[eventpoll]");
    Link(root_ / "100/fd/7", "/memfd:stage2 (deleted)");
    Link(root_ / "100/fd/8", "socket:[8888]");
    Write(root_ / "100/fdinfo/0", "pos:\t0\nflags:\t02100002\nmnt_id:\t1\n");
    Write(root_ / "100/fdinfo/3", "pos:\t0\nflags:\t02\n");
    Write(root_ / "100/net/tcp",
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
          "timeout inode\n"
          "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0  "
          "      0 5555 1 0000000000000000 100 0 0 10 0\n"
          "   1: 0100007F:1F90 0200007F:C350 01 00000000:00000000 00:00000000 00000000     0  "
          "      0 6666 1 0000000000000000 20 4 30 10 -1\n");
    Write(root_ / "100/net/unix",
          "Num       RefCount Protocol Flags    Type St Inode Path\n"
          "0000000000000000: 00000002 00000000 00010000 0001 01 8888 /run/nginx.sock\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  void MakeThread(int pid, int tid, const std::string& comm, int ppid) {
    fs::path d = root_ / std::to_string(pid) / "task" / std::to_string(tid);
    Write(d / "stat", std::to_string(tid) + " (" + comm + ") S " + std::to_string(ppid) +
                          " 100 100 34816 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 250 0 0\n");
    Write(d / "comm", comm + "\n");
    Write(d / "status", "Name:\t" + comm + "\nTgid:\t" + std::to_string(pid) +
                            "\nUid:\t1000\t0\t0\t0\nGid:\t33\t34\t34\t34\n"
                            "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
                            "CapEff:\t000001ffffffffff\nNStgid:\t" +
                            std::to_string(pid) + "\t7\nNSpid:\t" + std::to_string(tid) + "\t" +
                            std::to_string(tid - 93) + "\nNSpgid:\t100\t7\n");
    Write(d / "loginuid", "1000");
  }

  fs::path root_;
};

TEST_F(FakeProc, ScanReadsProcessesThreadsAndFds) {
  StateOptions o;
  o.proc_root = root_;
  SyscallState state(o);
  ASSERT_TRUE(state.ScanProc().ok());
  StateCounters c = state.counters();
  EXPECT_EQ(c.processes, 1u);
  EXPECT_EQ(c.threads, 2u);
  EXPECT_EQ(c.fds, 7u);

  const ThreadInfo* t = state.FindThread(100);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->pid, 100);
  EXPECT_EQ(t->ptid, 1);
  EXPECT_EQ(t->comm, "nginx: master");
  EXPECT_EQ(t->sid, 100);
  EXPECT_EQ(t->pgid, 100);
  EXPECT_EQ(t->tty, 34816u);
  EXPECT_EQ(t->uid, 1000u);
  EXPECT_EQ(t->euid, 0u);
  EXPECT_EQ(t->gid, 33u);
  EXPECT_EQ(t->egid, 34u);
  EXPECT_EQ(t->loginuid, 1000u);
  EXPECT_EQ(t->cap_effective, 0x1ffffffffffu);
  EXPECT_EQ(t->vpid, 7);
  EXPECT_EQ(t->vtid, 7);
  EXPECT_EQ(t->vpgid, 7);
  EXPECT_EQ(t->start_ts,
            1700000000ull * 1000000000ull + 250ull * 1000000000ull / ::sysconf(_SC_CLK_TCK));

  const ThreadInfo* w = state.FindThread(101);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->pid, 100);
  EXPECT_EQ(w->comm, "worker");
  EXPECT_EQ(w->process.get(), t->process.get());
  EXPECT_EQ(state.FindProcessLeader(100), t);

  const Process& p = *t->process;
  EXPECT_EQ(p.exe, "nginx");
  EXPECT_EQ(p.args, (std::vector<std::string>{"-g", "daemon off;"}));
  EXPECT_EQ(p.env, (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(p.exepath, "/memfd:evil");
  EXPECT_NE(p.exe_flags & VIGIL_EXE_FROM_MEMFD, 0u);
  EXPECT_EQ(p.cwd, "/srv/www");
  EXPECT_EQ(p.start_ts, t->start_ts);
  for (const char* s : {"cpuset", "cpu", "memory", "pids"}) {
    EXPECT_NE(std::find(p.cgroups.begin(), p.cgroups.end(),
                        std::string(s) + "=/system.slice/nginx.service"),
              p.cgroups.end())
        << s;
  }

  ASSERT_EQ(p.fds.count(0), 1u);
  EXPECT_EQ(p.fds.at(0).type, FdType::kFile);
  EXPECT_EQ(p.fds.at(0).name, "/dev/null");
  EXPECT_EQ(p.fds.at(0).open_flags, VIGIL_O_RDWR | VIGIL_O_CLOEXEC | VIGIL_O_LARGEFILE);
  const FdInfo& listen = p.fds.at(3);
  EXPECT_EQ(listen.type, FdType::kIpv4);
  EXPECT_EQ(listen.role, SocketRole::kServer);
  EXPECT_EQ(listen.dport, 8080);
  EXPECT_EQ(listen.name, "0.0.0.0:8080");
  EXPECT_EQ(listen.l4proto, 6);
  EXPECT_EQ(listen.open_flags, VIGIL_O_RDWR);
  // Accepted: its local port listens, so the peer is the client.
  const FdInfo& accepted = p.fds.at(4);
  EXPECT_EQ(accepted.role, SocketRole::kServer);
  EXPECT_TRUE(accepted.connected);
  EXPECT_EQ(accepted.name, "127.0.0.2:50000->127.0.0.1:8080");
  EXPECT_EQ(p.fds.at(5).type, FdType::kPipe);
  EXPECT_EQ(p.fds.at(5).name, "pipe:[777]");
  EXPECT_EQ(p.fds.at(6).type, FdType::kEventPoll);
  EXPECT_EQ(p.fds.at(7).type, FdType::kMemfd);
  EXPECT_EQ(p.fds.at(7).name, "memfd:stage2");
  EXPECT_EQ(p.fds.at(8).type, FdType::kUnix);
  EXPECT_EQ(p.fds.at(8).name, "/run/nginx.sock");
  EXPECT_EQ(p.fds.at(8).role, SocketRole::kServer);
}

TEST_F(FakeProc, UnknownThreadIsReadFromProc) {
  StateOptions o;
  o.proc_root = root_;
  SyscallState state(o);  // no scan: 101 is first seen through an event
  // As in /proc, a thread id has its own (unlisted) entry.
  fs::create_directories(root_ / "101/task");
  fs::copy(root_ / "100/task/101", root_ / "101/task/101", fs::copy_options::recursive);
  std::vector<uint8_t> rec(VIGIL_EVENT_HEADER_SIZE + 4 * 2 + 16);
  vigil_event_writer wr;
  vigil_event_begin(&wr, rec.data(), rec.size(), 20 /* close */, 1, 101, 2);
  int64_t res = 0, fd = 5;
  vigil_event_add_param(&wr, &res, 8);
  vigil_event_add_param(&wr, &fd, 8);
  uint32_t len = 0;
  ASSERT_EQ(vigil_event_end(&wr, &len), VIGIL_EVENT_OK);
  fields::EventContext ctx;
  ctx.record = rec.data();
  ctx.len = len;
  ctx.type = 20;
  const SyscallView& v = state.Before(ctx);
  ASSERT_NE(v.thread, nullptr);
  EXPECT_EQ(v.thread->tid, 101);
  EXPECT_EQ(v.thread->pid, 100);
  EXPECT_EQ(v.thread->comm, "worker");
  EXPECT_EQ(v.thread->process->exe, "nginx");
  ASSERT_NE(v.fd, nullptr);
  EXPECT_EQ(v.fd->name, "pipe:[777]");
  state.After();
  EXPECT_EQ(state.counters().missing_thread, 1u);
  // The leader came with it, for the lineage.
  EXPECT_NE(state.FindProcessLeader(100), nullptr);
  EXPECT_EQ(state.counters().threads, 2u);
  EXPECT_EQ(state.counters().fds, 6u);  // fd 5 closed
}

TEST(ProcReaderTest, OpenFlags) {
  EXPECT_EQ(ProcReader::OpenFlagsFromKernel(O_RDONLY), VIGIL_O_RDONLY);
  EXPECT_EQ(ProcReader::OpenFlagsFromKernel(O_WRONLY | O_APPEND | O_CREAT),
            VIGIL_O_WRONLY | VIGIL_O_APPEND | VIGIL_O_CREAT);
  EXPECT_EQ(ProcReader::OpenFlagsFromKernel(O_RDONLY | O_DIRECTORY | O_CLOEXEC),
            VIGIL_O_RDONLY | VIGIL_O_DIRECTORY | VIGIL_O_CLOEXEC);
}

TEST(ProcReaderTest, ScansTheRealProc) {
  if (::access("/proc/self/stat", R_OK) != 0) GTEST_SKIP() << "no /proc";
  // Something to find: a file and a listening TCP socket on an ephemeral loopback port.
  char tmpl[] = "/tmp/vigil-state-realXXXXXX";
  int file_fd = ::mkstemp(tmpl);
  ASSERT_GE(file_fd, 0);
  int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(sock, 4), 0);
  socklen_t alen = sizeof addr;
  ASSERT_EQ(::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &alen), 0);
  const uint16_t port = ntohs(addr.sin_port);

  SyscallState state({});
  ASSERT_TRUE(state.ScanProc().ok());
  const ThreadInfo* self = state.FindThread(::getpid());
  ::close(sock);
  ::close(file_fd);
  std::string file_path = tmpl;
  ::unlink(tmpl);
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->pid, ::getpid());
  EXPECT_EQ(self->ptid, ::getppid());
  EXPECT_GT(state.counters().processes, 1u);
  EXPECT_GE(state.counters().threads, state.counters().processes);
  EXPECT_EQ(state.FindProcessLeader(::getpid()), self);
  const Process& p = *self->process;
  EXPECT_EQ(p.exepath, fs::read_symlink("/proc/self/exe").string());
  EXPECT_EQ(p.cwd, fs::current_path().string());
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  EXPECT_EQ(p.exe, argv0);
  EXPECT_GT(self->start_ts, 1500000000ull * 1000000000ull);
  EXPECT_NE(p.pidns_ino, 0u);

  ASSERT_EQ(p.fds.count(file_fd), 1u);
  EXPECT_EQ(p.fds.at(file_fd).type, FdType::kFile);
  EXPECT_EQ(p.fds.at(file_fd).name, file_path);
  EXPECT_NE(p.fds.at(file_fd).open_flags & VIGIL_O_RDWR, 0u);
  ASSERT_EQ(p.fds.count(sock), 1u);
  const FdInfo& s = p.fds.at(sock);
  EXPECT_EQ(s.type, FdType::kIpv4);
  EXPECT_EQ(s.role, SocketRole::kServer);
  EXPECT_EQ(s.dport, port);
  EXPECT_EQ(s.name, "127.0.0.1:" + std::to_string(port));
  EXPECT_NE(s.open_flags & VIGIL_O_CLOEXEC, 0u);
}

}  // namespace
}  // namespace vigil::state
