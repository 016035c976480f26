// e2e_actions: performs one real action the end-to-end tests expect vigil to see, and prints
// what the test needs to check the alert (pids, ports, paths) as `key=value` lines on stdout.
//
//   e2e_actions read PATH              open PATH for reading, then exit at once
//   e2e_actions symlink TARGET LINK    symlink(TARGET, LINK)
//   e2e_actions hardlink OLD NEW       link(OLD, NEW)
//   e2e_actions connect                listen on 127.0.0.1:0, connect to it, accept
//   e2e_actions ptrace                 PTRACE_ATTACH to a child of its own
//   e2e_actions exec PATH [ARGS...]    fork, exec PATH in the child, wait
//   e2e_actions memfd                  run /bin/true from a memfd (fexecve) in a child
//   e2e_actions setuid                 drop to nobody keeping root saved, then setuid(0)
//   e2e_actions packet                 open an AF_PACKET socket
//   e2e_actions unshare                unshare(CLONE_NEWUTS), then setns back
//   e2e_actions spawn-shell            run `/bin/sh -c 'exit 0'` as a child (the test runs
//                                            this binary under a web server's name)
//   e2e_actions reverse-shell          a reverse shell's wiring on loopback: connect to its own
//                                            listener, dup2 the socket onto stdin and stderr,
//                                            exec `/bin/sh -c 'exit 0'`
//   e2e_actions getppid                  call getppid (a syscall no default rule needs)
//   e2e_actions forkstorm N            fork N children that exit at once, one after another
//   e2e_actions tree MARKER            a three-level tree: this process, a child, a
//                                            grandchild that opens MARKER and waits on stdin
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "e2e_actions: %s: %s\n", what, std::strerror(errno));
  std::exit(2);
}

int WaitChild(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) Die("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int Read(const char* path) {
  std::printf("pid=%d\n", getpid());
  std::fflush(stdout);
  int fd = open(path, O_RDONLY);
  if (fd < 0) Die("open");
  std::printf("fd=%d\n", fd);
  return 0;  // exits at once: the alert must still name this process
}

// A listener on 127.0.0.1 (a free port: *addr) and a socket connected to it (returned).
int ConnectToOwnListener(int* srv, sockaddr_in* addr) {
  *srv = socket(AF_INET, SOCK_STREAM, 0);
  *addr = sockaddr_in{};
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (*srv < 0 || bind(*srv, reinterpret_cast<sockaddr*>(addr), sizeof *addr) < 0) Die("bind");
  if (listen(*srv, 1) < 0) Die("listen");
  socklen_t len = sizeof *addr;
  getsockname(*srv, reinterpret_cast<sockaddr*>(addr), &len);
  int cli = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(cli, reinterpret_cast<sockaddr*>(addr), sizeof *addr) < 0) Die("connect");
  return cli;
}

int Connect() {
  int srv = -1;
  sockaddr_in addr{};
  const int cli = ConnectToOwnListener(&srv, &addr);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  getsockname(cli, reinterpret_cast<sockaddr*>(&local), &len);
  int acc = accept(srv, nullptr, nullptr);
  if (acc < 0) Die("accept");
  std::printf("pid=%d\nserver_port=%d\nclient_port=%d\nclient_fd=%d\naccepted_fd=%d\n", getpid(),
              ntohs(addr.sin_port), ntohs(local.sin_port), cli, acc);
  return 0;
}

int Ptrace() {
  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  if (ptrace(PTRACE_ATTACH, child, nullptr, nullptr) < 0) Die("ptrace");
  waitpid(child, nullptr, 0);
  ptrace(PTRACE_DETACH, child, nullptr, nullptr);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  std::printf("pid=%d\ntarget=%d\n", getpid(), child);
  return 0;
}

int Exec(char** argv) {
  pid_t child = fork();
  if (child == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  std::printf("pid=%d\nchild=%d\n", getpid(), child);
  return WaitChild(child);
}

int Memfd() {
  int in = open("/bin/true", O_RDONLY);
  int mfd = static_cast<int>(syscall(SYS_memfd_create, "vigil-e2e", 0));
  if (in < 0 || mfd < 0) Die("memfd_create");
  char buf[65536];
  for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;) {
    if (write(mfd, buf, static_cast<size_t>(n)) != n) Die("write");
  }
  pid_t child = fork();
  if (child == 0) {
    char* args[] = {const_cast<char*>("vigil-e2e-memfd"), nullptr};
    char* env[] = {nullptr};
    fexecve(mfd, args, env);
    _exit(127);
  }
  std::printf("pid=%d\nchild=%d\n", getpid(), child);
  return WaitChild(child);
}

int Setuid() {
  if (setresuid(65534, 65534, 0) < 0) Die("setresuid");
  if (setuid(0) < 0) Die("setuid");
  std::printf("pid=%d\n", getpid());
  return 0;
}

int Packet() {
  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd < 0) Die("socket(AF_PACKET)");
  std::printf("pid=%d\nfd=%d\n", getpid(), fd);
  return 0;
}

int Unshare() {
  int own = open("/proc/self/ns/uts", O_RDONLY);
  if (own < 0) Die("open ns");
  if (unshare(CLONE_NEWUTS) < 0) Die("unshare");
  if (setns(own, CLONE_NEWUTS) < 0) Die("setns");
  std::printf("pid=%d\nns_fd=%d\n", getpid(), own);
  return 0;
}

int ReverseShell() {
  int srv = -1;
  sockaddr_in addr{};
  const int cli = ConnectToOwnListener(&srv, &addr);
  std::printf("pid=%d\nserver_port=%d\n", getpid(), ntohs(addr.sin_port));
  std::fflush(stdout);
  if (dup2(cli, 0) < 0 || dup2(cli, 2) < 0) Die("dup2");
  execl("/bin/sh", "sh", "-c", "exit 0", static_cast<char*>(nullptr));
  Die("execl");
}

int SpawnShell() {
  char* argv[] = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"),
                  const_cast<char*>("exit 0"), nullptr};
  return Exec(argv);
}

// Parent -> child -> grandchild; the grandchild opens `marker`, prints its pid and waits for a
// line on stdin so the test can read /proc of all three while they live.
int Tree(const char* marker) {
  pid_t child = fork();
  if (child == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      if (chdir("/tmp") < 0) Die("chdir");
      int fd = open(marker, O_RDONLY);
      if (fd < 0) Die("open marker");
      std::printf("child=%d\ngrandchild=%d\n", getppid(), getpid());
      std::fflush(stdout);
      char line[8];
      if (read(0, line, sizeof line) < 0) Die("read");
      _exit(0);
    }
    _exit(WaitChild(grandchild));
  }
  return WaitChild(child);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc < 2) {
    std::fprintf(stderr, "usage: e2e_actions ACTION [ARGS...]\n");
    return 2;
  }
  std::string action = argv[1];
  if (action == "read" && argc == 3) return Read(argv[2]);
  if (action == "symlink" && argc == 4) {
    if (symlink(argv[2], argv[3]) < 0) Die("symlink");
    std::printf("pid=%d\n", getpid());
    return 0;
  }
  if (action == "hardlink" && argc == 4) {
    if (link(argv[2], argv[3]) < 0) Die("link");
    std::printf("pid=%d\n", getpid());
    return 0;
  }
  if (action == "connect") return Connect();
  if (action == "ptrace") return Ptrace();
  if (action == "exec" && argc >= 3) return Exec(argv + 2);
  if (action == "memfd") return Memfd();
  if (action == "setuid") return Setuid();
  if (action == "packet") return Packet();
  if (action == "unshare") return Unshare();
  if (action == "spawn-shell") return SpawnShell();
  if (action == "reverse-shell") return ReverseShell();
  if (action == "tree" && argc == 3) return Tree(argv[2]);
  if (action == "getppid") {
    std::printf("pid=%d\nppid=%ld\n", getpid(), syscall(SYS_getppid));
    return 0;
  }
  if (action == "forkstorm" && argc == 3) {
    for (long i = 0, n = std::atol(argv[2]); i < n; ++i) {
      pid_t p = fork();
      if (p == 0) _exit(0);
      if (p < 0) Die("fork");
      waitpid(p, nullptr, 0);
    }
    return 0;
  }
  std::fprintf(stderr, "e2e_actions: unknown action or wrong arguments: %s\n", argv[1]);
  return 2;
}
