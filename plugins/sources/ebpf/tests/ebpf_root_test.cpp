// Root-only tests of the ebpf source: load the real probe through the fake host, do real
// syscalls, find their records. Each test skips itself (GTEST_SKIP) unless the process is root on
// a kernel with BTF; CI runs them as root.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vigil/sdk.hpp"
#include "vigil/syscall_schema.h"
#include "vigil/testing/fake_host.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::testing::FakeHost;
using vigil::testing::Record;

const char kPluginPath[] = VIGIL_PLUGIN_DIR "/libebpf.so";

#define TYPE_CODE(code, name) constexpr uint16_t k_##name = code;
VIGIL_SYSCALL_EVENT_TYPES(TYPE_CODE)
#undef TYPE_CODE
#define IDX(name, type) name,
struct OpenatP {
  enum { VIGIL_PARAMS_openat(IDX) };
};
struct ExecP {
  enum { VIGIL_PARAMS_execve(IDX) };
};
struct ForkP {
  enum { VIGIL_PARAMS_clone(IDX) };
};
struct ExitP {
  enum { VIGIL_PARAMS_procexit(IDX) };
};
struct ConnectP {
  enum { VIGIL_PARAMS_connect(IDX) };
};
#undef IDX

// Parameter types of every event type, from the schema, to check each record's shape.
const std::map<uint16_t, std::vector<int>>& SchemaTypes() {
  static const std::map<uint16_t, std::vector<int>> table = [] {
    std::map<uint16_t, std::vector<int>> t;
#define PT(name, type) type,
#define ROW(code, name) t[code] = std::vector<int>{VIGIL_PARAMS_##name(PT)};
    VIGIL_SYSCALL_EVENT_TYPES(ROW)
#undef ROW
#undef PT
    return t;
  }();
  return table;
}

// "" when the record matches the schema: its parameter count, and every fixed-size parameter
// either empty or of its size.
std::string SchemaMismatch(const Record& r) {
  auto it = SchemaTypes().find(r.type());
  if (it == SchemaTypes().end()) return "unknown type " + std::to_string(r.type());
  if (r.nparams() != it->second.size()) {
    return "type " + std::to_string(r.type()) + ": " + std::to_string(r.nparams()) +
           " params, schema has " + std::to_string(it->second.size());
  }
  for (uint32_t i = 0; i < r.nparams(); ++i) {
    size_t want = VIGIL_PT_SIZE(it->second[i]);
    size_t got = r.param(i).size();
    if (want != 0 && got != 0 && got != want) {
      return "type " + std::to_string(r.type()) + " param " + std::to_string(i) + ": " +
             std::to_string(got) + " bytes, schema says " + std::to_string(want);
    }
  }
  return "";
}

int64_t I64(const Record& r, uint32_t i) {
  std::string p = r.param(i);
  int64_t v = 0;
  if (p.size() == 8) std::memcpy(&v, p.data(), 8);
  if (p.size() == 4) {
    uint32_t u;
    std::memcpy(&u, p.data(), 4);
    v = u;
  }
  return v;
}

std::string SkipReason() {
  if (geteuid() != 0) return "needs root: loads a BPF probe (CI runs it as root)";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "the kernel has no BTF";
  return "";
}

class EbpfRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = SkipReason(); !why.empty()) GTEST_SKIP() << why;
    host_ = std::make_unique<FakeHost>(kPluginPath);
    ASSERT_TRUE(host_->Init(R"({"stats_interval_s": 0})")) << host_->LastError();
    ASSERT_TRUE(host_->Open()) << host_->LastError();
    std::string pattern = (fs::temp_directory_path() / "vigil_ebpf_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (host_) host_->Close();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Reads until `match` holds for a record or `seconds` pass; keeps everything read in seen_.
  std::optional<Record> WaitFor(const std::function<bool(const Record&)>& match,
                                double seconds = 5) {
    for (const auto& r : seen_) {
      if (match(r)) return r;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<Record> batch;
      vigil_rc rc = host_->NextBatch(&batch);
      EXPECT_NE(rc, VIGIL_FAILURE) << host_->LastError();
      if (rc == VIGIL_FAILURE) return std::nullopt;
      std::optional<Record> found;
      for (auto& r : batch) {
        EXPECT_EQ(SchemaMismatch(r), "");
        if (!found && match(r)) found = r;
        seen_.push_back(std::move(r));
      }
      if (found) return found;
    }
    return std::nullopt;
  }

  std::unique_ptr<FakeHost> host_;
  fs::path dir_;
  std::vector<Record> seen_;
};

int64_t Tid() { return static_cast<int64_t>(syscall(SYS_gettid)); }

TEST_F(EbpfRootTest, OpenatReadOnlyAndCreatedRecordsNameFlagsDevIno) {
  std::string existing = (dir_ / "existing").string();
  {
    FILE* f = fopen(existing.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fclose(f);
  }
  ASSERT_TRUE(host_->SetEventTypes({k_openat}));
  std::string created = (dir_ / "created").string();
  int fd1 = static_cast<int>(syscall(SYS_openat, AT_FDCWD, existing.c_str(), O_RDONLY));
  ASSERT_GE(fd1, 0);
  int fd2 =
      static_cast<int>(syscall(SYS_openat, AT_FDCWD, created.c_str(), O_WRONLY | O_CREAT, 0640));
  ASSERT_GE(fd2, 0);
  struct stat st1, st2;
  ASSERT_EQ(fstat(fd1, &st1), 0);
  ASSERT_EQ(fstat(fd2, &st2), 0);
  close(fd1);
  close(fd2);
  int64_t tid = Tid();
  auto named = [&](const std::string& name) {
    return [&, name](const Record& r) {
      return r.type() == k_openat && r.tid() == tid && r.param(OpenatP::name) == name;
    };
  };
  auto ro = WaitFor(named(existing));
  ASSERT_TRUE(ro) << "no openat record for " << existing;
  EXPECT_EQ(I64(*ro, OpenatP::fd), fd1);
  EXPECT_EQ(I64(*ro, OpenatP::dirfd), AT_FDCWD);
  EXPECT_EQ(I64(*ro, OpenatP::flags), VIGIL_O_RDONLY);
  EXPECT_EQ(static_cast<uint64_t>(I64(*ro, OpenatP::ino)), st1.st_ino);
  EXPECT_EQ(static_cast<uint32_t>(I64(*ro, OpenatP::dev)), static_cast<uint32_t>(st1.st_dev));
  auto cr = WaitFor(named(created));
  ASSERT_TRUE(cr) << "no openat record for " << created;
  EXPECT_EQ(I64(*cr, OpenatP::fd), fd2);
  EXPECT_EQ(I64(*cr, OpenatP::flags), VIGIL_O_WRONLY | VIGIL_O_CREAT | VIGIL_O_F_CREATED);
  EXPECT_EQ(I64(*cr, OpenatP::mode), 0640);
  EXPECT_EQ(static_cast<uint64_t>(I64(*cr, OpenatP::ino)), st2.st_ino);
  // Timestamps are epoch ns: within a minute of now.
  int64_t now = static_cast<int64_t>(vigil::sdk::NowNs());
  EXPECT_LT(std::llabs(static_cast<long long>(now - static_cast<int64_t>(cr->ts_ns()))),
            60'000'000'000LL);
}

TEST_F(EbpfRootTest, ForkExecveExitOfAChild) {
  ASSERT_TRUE(host_->SetEventTypes({k_execve, k_clone, k_fork, k_procexit}));
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  pid_t child = fork();
  if (child == 0) {
    char* const argv[] = {const_cast<char*>("true"), const_cast<char*>("hello"), nullptr};
    char* const envp[] = {const_cast<char*>("VIGIL_TEST=1"), nullptr};
    execve("/bin/true", argv, envp);
    _exit(127);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_EQ(status, 0);

  auto forked = WaitFor([&](const Record& r) {
    return (r.type() == k_clone || r.type() == k_fork) && I64(r, ForkP::res) == child;
  });
  ASSERT_TRUE(forked) << "no clone/fork record with res = child pid";
  EXPECT_EQ(forked->tid(), Tid());
  EXPECT_EQ(I64(*forked, ForkP::pid), child);
  EXPECT_EQ(I64(*forked, ForkP::ptid), getpid());
  EXPECT_NE(I64(*forked, ForkP::start_ts), 0);

  auto exec = WaitFor([&](const Record& r) { return r.type() == k_execve && r.tid() == child; });
  ASSERT_TRUE(exec) << "no execve record from the child";
  EXPECT_EQ(I64(*exec, ExecP::res), 0);
  EXPECT_EQ(exec->param(ExecP::exe), "/bin/true");
  EXPECT_EQ(exec->param(ExecP::args), std::string("true\0hello\0", 11));
  EXPECT_EQ(exec->param(ExecP::trusted_exepath), fs::canonical("/bin/true").string());
  EXPECT_EQ(I64(*exec, ExecP::pid), child);
  EXPECT_EQ(I64(*exec, ExecP::ptid), getpid());
  EXPECT_EQ(exec->param(ExecP::comm), "true");
  EXPECT_EQ(exec->param(ExecP::cwd), std::string(cwd));
  EXPECT_EQ(exec->param(ExecP::env), std::string("VIGIL_TEST=1\0", 13));
  EXPECT_FALSE(exec->param(ExecP::cgroups).empty());
  EXPECT_NE(exec->param(ExecP::cgroups).find('='), std::string::npos);
  EXPECT_EQ(I64(*exec, ExecP::uid), 0);
  struct stat st;
  ASSERT_EQ(stat("/bin/true", &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(I64(*exec, ExecP::exe_ino)), st.st_ino);
  EXPECT_EQ(static_cast<uint64_t>(I64(*exec, ExecP::exe_ino_mtime)),
            static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + st.st_mtim.tv_nsec);
  // root owns /bin/true with mode 0755: writable by the caller in the approximation
  EXPECT_EQ(I64(*exec, ExecP::flags) & VIGIL_EXE_WRITABLE, VIGIL_EXE_WRITABLE);
  EXPECT_LE(forked->ts_ns(), exec->ts_ns());

  auto exited =
      WaitFor([&](const Record& r) { return r.type() == k_procexit && r.tid() == child; });
  ASSERT_TRUE(exited) << "no procexit record from the child";
  EXPECT_EQ(I64(*exited, ExitP::status), 0);
  EXPECT_EQ(I64(*exited, ExitP::sig), 0);
}

TEST_F(EbpfRootTest, FailedExecveHasResAndArgs) {
  ASSERT_TRUE(host_->SetEventTypes({k_execve}));
  const char* path = "/nonexistent/vigil-test-binary";
  char* const argv[] = {const_cast<char*>("vigil-x"), const_cast<char*>("--flag"), nullptr};
  char* const envp[] = {nullptr};
  ASSERT_EQ(syscall(SYS_execve, path, argv, envp), -1);
  ASSERT_EQ(errno, ENOENT);
  auto rec = WaitFor([&](const Record& r) {
    return r.type() == k_execve && r.tid() == Tid() && r.param(ExecP::exe) == path;
  });
  ASSERT_TRUE(rec) << "no failed execve record";
  EXPECT_EQ(I64(*rec, ExecP::res), -ENOENT);
  EXPECT_EQ(rec->param(ExecP::args), std::string("vigil-x\0--flag\0", 15));
  EXPECT_EQ(I64(*rec, ExecP::pid), getpid());
  EXPECT_TRUE(rec->param(ExecP::trusted_exepath).empty());
}

TEST_F(EbpfRootTest, ConnectHasTupleWithBothPorts) {
  ASSERT_TRUE(host_->SetEventTypes({k_connect}));
  int srv = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(srv, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(srv, 1), 0);
  socklen_t alen = sizeof addr;
  ASSERT_EQ(getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &alen), 0);
  uint16_t server_port = ntohs(addr.sin_port);
  int cli = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(cli, 0);
  ASSERT_EQ(connect(cli, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  sockaddr_in local{};
  alen = sizeof local;
  ASSERT_EQ(getsockname(cli, reinterpret_cast<sockaddr*>(&local), &alen), 0);
  uint16_t client_port = ntohs(local.sin_port);
  close(cli);
  close(srv);

  auto rec = WaitFor([&](const Record& r) {
    return r.type() == k_connect && r.tid() == Tid() && I64(r, ConnectP::fd) == cli;
  });
  ASSERT_TRUE(rec) << "no connect record";
  EXPECT_EQ(I64(*rec, ConnectP::res), 0);
  std::string tuple = rec->param(ConnectP::tuple);
  ASSERT_EQ(tuple.size(), 13u);
  EXPECT_EQ(tuple[0], AF_INET);
  uint32_t sip, dip;
  uint16_t sport, dport;
  std::memcpy(&sip, tuple.data() + 1, 4);
  std::memcpy(&sport, tuple.data() + 5, 2);
  std::memcpy(&dip, tuple.data() + 7, 4);
  std::memcpy(&dport, tuple.data() + 11, 2);
  EXPECT_EQ(sip, htonl(INADDR_LOOPBACK));
  EXPECT_EQ(dip, htonl(INADDR_LOOPBACK));
  EXPECT_EQ(sport, client_port);
  EXPECT_EQ(dport, server_port);
  std::string sa = rec->param(ConnectP::addr);
  ASSERT_EQ(sa.size(), 7u);
  EXPECT_EQ(sa[0], AF_INET);
  uint16_t port;
  std::memcpy(&port, sa.data() + 5, 2);
  EXPECT_EQ(port, server_port);
}

TEST_F(EbpfRootTest, OnlyTheRequestedSyscallsAreCaptured) {
  ASSERT_TRUE(host_->SetEventTypes({k_openat}));
  getppid();
  std::string marker1 = (dir_ / "marker1").string();
  int fd = open(marker1.c_str(), O_RDONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  int64_t tid = Tid();
  ASSERT_TRUE(WaitFor([&](const Record& r) {
    return r.type() == k_openat && r.tid() == tid && r.param(OpenatP::name) == marker1;
  }));
  for (const auto& r : seen_)
    EXPECT_NE(r.type(), k_getppid) << "getppid captured but not asked for";

  // Now getppid only: openat must stop.
  ASSERT_TRUE(host_->SetEventTypes({k_getppid}));
  std::string after = (dir_ / "after").string();
  fd = open(after.c_str(), O_RDONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  long ppid = syscall(SYS_getppid);
  auto got = WaitFor([&](const Record& r) {
    return r.type() == k_getppid && r.tid() == tid && I64(r, 0) == ppid;
  });
  ASSERT_TRUE(got) << "getppid not captured after it was asked for";
  for (const auto& r : seen_) {
    EXPECT_FALSE(r.type() == k_openat && r.param(OpenatP::name) == after)
        << "openat captured after it was removed";
  }
}

TEST_F(EbpfRootTest, RecordsAreInTimeOrder) {
  ASSERT_TRUE(host_->SetEventTypes({k_openat, k_close}));
  for (int i = 0; i < 200; ++i) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
  }
  std::string last = (dir_ / "last").string();
  int fd = open(last.c_str(), O_RDONLY | O_CREAT, 0600);
  close(fd);
  ASSERT_TRUE(WaitFor(
      [&](const Record& r) { return r.type() == k_openat && r.param(OpenatP::name) == last; }));
  // within one batch the merge is by ts; across batches a late CPU may lag, so check batches
  uint64_t prev = 0;
  size_t inversions = 0;
  for (const auto& r : seen_) {
    if (r.ts_ns() < prev) ++inversions;
    prev = r.ts_ns();
  }
  EXPECT_LT(inversions, seen_.size() / 10 + 1);
}

TEST_F(EbpfRootTest, EveryEventTypeMatchesTheSchema) {
  std::vector<uint16_t> all;
  for (const auto& [code, types] : SchemaTypes()) all.push_back(code);
  ASSERT_TRUE(host_->SetEventTypes(all));
  std::string a = (dir_ / "a").string(), b = (dir_ / "b").string(), d = (dir_ / "d").string();
  ASSERT_EQ(mkdir(d.c_str(), 0700), 0);
  int fd = open(a.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "hello", 5), 5);
  ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
  char buf[8];
  ASSERT_EQ(read(fd, buf, sizeof buf), 5);
  int fd2 = dup(fd);
  fcntl(fd2, F_SETFD, FD_CLOEXEC);
  close(fd2);
  fchmod(fd, 0644);
  close(fd);
  chmod(a.c_str(), 0600);
  ASSERT_EQ(rename(a.c_str(), b.c_str()), 0);
  ASSERT_EQ(symlink(b.c_str(), a.c_str()), 0);
  unlink(a.c_str());
  ASSERT_EQ(link(b.c_str(), a.c_str()), 0);
  unlink(a.c_str());
  unlink(b.c_str());
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  close(p[0]);
  close(p[1]);
  int sp[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  ASSERT_EQ(send(sp[0], "x", 1, 0), 1);
  ASSERT_EQ(recv(sp[1], buf, 1, 0), 1);
  close(sp[0]);
  close(sp[1]);
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(chdir(d.c_str()), 0);
  ASSERT_EQ(chdir(cwd), 0);
  rmdir(d.c_str());
  kill(getpid(), 0);
  void* m = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  mprotect(m, 4096, PROT_READ | PROT_WRITE);
  munmap(m, 4096);
  long ppid = syscall(SYS_getppid);
  int64_t tid = Tid();
  ASSERT_TRUE(WaitFor([&](const Record& r) {
    return r.type() == k_getppid && r.tid() == tid && I64(r, 0) == ppid;
  }));
  std::set<uint16_t> types;
  for (const auto& r : seen_) {
    if (r.tid() == tid) types.insert(r.type());
  }
  for (uint16_t t :
       {k_mkdir,    k_openat, k_write,   k_read,   k_dup,  k_fcntl,   k_fchmod,     k_close,
        k_chmod,    k_rename, k_symlink, k_unlink, k_link, k_pipe2,   k_socketpair, k_sendto,
        k_recvfrom, k_chdir,  k_rmdir,   k_kill,   k_mmap, k_mprotect}) {
    EXPECT_TRUE(types.count(t)) << "no record of type " << t;
  }
}

}  // namespace
