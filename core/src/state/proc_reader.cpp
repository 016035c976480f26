#include "proc_reader.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>

#include "vigil/syscall_schema.h"

namespace vigil::state {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;  // cmdline/environ/net tables beyond this are cut

bool ReadFile(const std::string& path, std::string* out, size_t max = kMaxFileBytes) {
  out->clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() >= max) {
      out->resize(max);
      break;
    }
  }
  ::close(fd);
  return true;
}

bool ReadLink(const std::string& path, std::string* out) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return false;
  out->assign(buf, static_cast<size_t>(n));
  return true;
}

template <typename T>
bool ParseNum(std::string_view s, T* out, int base = 10) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p != s.data();
}

bool IsNumber(const char* s) {
  if (*s == '\0') return false;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

std::vector<int64_t> ListNumeric(const std::string& dir) {
  std::vector<int64_t> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (!IsNumber(e->d_name)) continue;
    int64_t v = 0;
    if (ParseNum(e->d_name, &v)) out.push_back(v);
  }
  ::closedir(d);
  return out;
}

// Splits on whitespace.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

template <typename F>
void ForEachLine(std::string_view text, F&& f) {
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    f(text.substr(i, j - i));
    i = j + 1;
  }
}

// The rows of a /proc/net table: every line but the first (the column header).
template <class F>
void ForEachTableRow(std::string_view text, F&& f) {
  bool header = true;
  ForEachLine(text, [&](std::string_view line) {
    if (header) {
      header = false;
      return;
    }
    f(line);
  });
}

void SplitNul(std::string_view buf, std::vector<std::string>* out) {
  out->clear();
  size_t start = 0;
  while (start < buf.size()) {
    size_t end = buf.find('\0', start);
    if (end == std::string_view::npos) end = buf.size();
    out->emplace_back(buf.substr(start, end - start));
    start = end + 1;
  }
}

uint64_t NsInode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

uint32_t KernelDev(dev_t d) { return (major(d) << 20) | minor(d); }

// "0100007F:1F90" (IPv4) or 32 hex digits:port (IPv6), as /proc/net/{tcp,udp}{,6} print them:
// the address as host-order 32-bit words.
bool ParseHexAddr(std::string_view s, std::array<uint8_t, 16>* ip, uint16_t* port) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view addr = s.substr(0, colon);
  if (addr.size() != 8 && addr.size() != 32) return false;
  ip->fill(0);
  for (size_t w = 0; w < addr.size() / 8; ++w) {
    uint32_t v = 0;
    if (!ParseNum(addr.substr(w * 8, 8), &v, 16)) return false;
    std::memcpy(ip->data() + 4 * w, &v, 4);
  }
  return ParseNum(s.substr(colon + 1), port, 16);
}

}  // namespace

ProcReader::ProcReader(std::string root, size_t max_fds)
    : root_(std::move(root)), max_fds_(max_fds) {
  std::string stat;
  if (ReadFile(root_ + "/stat", &stat)) {
    ForEachLine(stat, [&](std::string_view line) {
      if (line.substr(0, 6) == "btime ") {
        uint64_t s = 0;
        if (ParseNum(line.substr(6), &s)) btime_ns_ = s * 1000000000ull;
      }
    });
  }
  long tck = ::sysconf(_SC_CLK_TCK);
  if (tck > 0) clk_tck_ = tck;
}

std::vector<int64_t> ProcReader::ListPids() const { return ListNumeric(root_); }

std::vector<int64_t> ProcReader::ListTasks(int64_t pid) const {
  auto tasks = ListNumeric(root_ + "/" + std::to_string(pid) + "/task");
  if (tasks.empty()) tasks.push_back(pid);
  return tasks;
}

bool ProcReader::ThreadExists(int64_t tid) const {
  std::string path = root_ + "/" + std::to_string(tid);
  return ::access(path.c_str(), F_OK) == 0;
}

bool ProcReader::ListFds(int64_t pid, std::vector<int64_t>* out) const {
  out->clear();
  std::string dir = root_ + "/" + std::to_string(pid) + "/fd";
  if (::access(dir.c_str(), F_OK) != 0) return false;
  *out = ListNumeric(dir);
  return true;
}

bool ProcReader::ReadThread(int64_t pid, int64_t tid, ThreadInfo* out) {
  std::string dir = root_ + "/" + std::to_string(pid) + "/task/" + std::to_string(tid);
  std::string text;
  if (!ReadFile(dir + "/stat", &text)) {
    dir = root_ + "/" + std::to_string(tid);
    if (!ReadFile(dir + "/stat", &text)) return false;
  }
  out->tid = tid;
  out->pid = pid;
  // "tid (comm) S ppid pgrp session tty_nr tpgid flags ... starttime(22)": comm may hold spaces and
  // parentheses, so fields are counted from the last ')'.
  size_t close = text.rfind(')');
  if (close != std::string::npos) {
    size_t open = text.find('(');
    if (open != std::string::npos && open < close)
      out->comm = text.substr(open + 1, close - open - 1);
    auto f = Fields(std::string_view(text).substr(close + 1));
    // f[0] = state (field 3), so field N is f[N - 3].
    auto field = [&](size_t n) -> std::string_view { return n - 3 < f.size() ? f[n - 3] : ""; };
    ParseNum(field(4), &out->ptid);
    ParseNum(field(5), &out->pgid);
    ParseNum(field(6), &out->sid);
    int64_t tty = 0;
    if (ParseNum(field(7), &tty)) out->tty = static_cast<uint32_t>(tty);
    uint64_t start_ticks = 0;
    if (ParseNum(field(22), &start_ticks)) {
      out->start_ts = btime_ns_ + start_ticks * (1000000000ull / static_cast<uint64_t>(clk_tck_));
    }
  }
  if (ReadFile(dir + "/comm", &text)) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    out->comm = text;
  }
  if (ReadFile(dir + "/status", &text)) {
    auto last = [](std::string_view v, int64_t* dst) {
      auto f = Fields(v);
      if (!f.empty()) ParseNum(f.back(), dst);
    };
    ForEachLine(text, [&](std::string_view line) {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return;
      std::string_view key = line.substr(0, colon), v = line.substr(colon + 1);
      if (key == "Uid" || key == "Gid") {
        auto f = Fields(v);
        uint32_t real = 0, eff = 0;
        if (f.size() >= 2 && ParseNum(f[0], &real) && ParseNum(f[1], &eff)) {
          (key == "Uid" ? out->uid : out->gid) = real;
          (key == "Uid" ? out->euid : out->egid) = eff;
        }
      } else if (key == "CapInh") {
        ParseNum(v, &out->cap_inheritable, 16);
      } else if (key == "CapPrm") {
        ParseNum(v, &out->cap_permitted, 16);
      } else if (key == "CapEff") {
        ParseNum(v, &out->cap_effective, 16);
      } else if (key == "NSpid") {
        last(v, &out->vtid);
      } else if (key == "NStgid") {
        last(v, &out->vpid);
      } else if (key == "NSpgid") {
        last(v, &out->vpgid);
      } else if (key == "Tgid") {
        ParseNum(v, &out->pid);
      }
    });
  }
  if (ReadFile(dir + "/loginuid", &text)) {
    uint32_t v = 0;
    if (ParseNum(text, &v)) out->loginuid = v;
  }
  return true;
}

bool ProcReader::ReadProcess(int64_t pid, Process* out) {
  std::string dir = root_ + "/" + std::to_string(pid);
  std::string text;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return false;
  out->pid = pid;
  if (ReadFile(dir + "/cmdline", &text)) {
    SplitNul(text, &out->args);
    if (!out->args.empty()) {
      out->exe = std::move(out->args.front());
      out->args.erase(out->args.begin());
    }
  }
  if (ReadFile(dir + "/environ", &text)) SplitNul(text, &out->env);
  if (ReadLink(dir + "/exe", &text)) {
    constexpr std::string_view kDeleted = " (deleted)";
    if (text.size() >= kDeleted.size() &&
        std::string_view(text).substr(text.size() - kDeleted.size()) == kDeleted) {
      text.resize(text.size() - kDeleted.size());
    }
    if (text.rfind("/memfd:", 0) == 0) out->exe_flags |= VIGIL_EXE_FROM_MEMFD;
    out->exepath = text;
    struct stat est {};
    if (::stat((dir + "/exe").c_str(), &est) == 0) {
      out->exe_ino = est.st_ino;
      out->exe_ino_ctime = uint64_t(est.st_ctim.tv_sec) * 1000000000ull + est.st_ctim.tv_nsec;
      out->exe_ino_mtime = uint64_t(est.st_mtim.tv_sec) * 1000000000ull + est.st_mtim.tv_nsec;
    }
  }
  if (ReadLink(dir + "/cwd", &text)) out->cwd = text;
  out->cgroups.clear();
  if (ReadFile(dir + "/cgroup", &text)) {
    std::string v2_path;
    bool have_v2 = false;
    ForEachLine(text, [&](std::string_view line) {
      // "hierarchy:controllers:path"; cgroup v2 is "0::/path".
      size_t c1 = line.find(':');
      if (c1 == std::string_view::npos) return;
      size_t c2 = line.find(':', c1 + 1);
      if (c2 == std::string_view::npos) return;
      std::string_view ctrls = line.substr(c1 + 1, c2 - c1 - 1), path = line.substr(c2 + 1);
      if (ctrls.empty()) {
        have_v2 = true;
        v2_path = path;
        return;
      }
      size_t i = 0;
      while (i <= ctrls.size()) {
        size_t j = ctrls.find(',', i);
        if (j == std::string_view::npos) j = ctrls.size();
        std::string_view c = ctrls.substr(i, j - i);
        if (c.rfind("name=", 0) == 0) c.remove_prefix(5);
        if (!c.empty()) out->cgroups.push_back(std::string(c) + "=" + std::string(path));
        i = j + 1;
      }
    });
    if (have_v2) {
      for (const char* subsys : {"cpuset", "cpu", "memory", "pids"}) {
        std::string prefix = std::string(subsys) + "=";
        bool present = false;
        for (const auto& e : out->cgroups) present |= e.rfind(prefix, 0) == 0;
        if (!present) out->cgroups.push_back(prefix + v2_path);
      }
    }
  }
  out->pidns_ino = NsInode(dir + "/ns/pid");
  out->mntns_ino = NsInode(dir + "/ns/mnt");
  out->netns_ino = NsInode(dir + "/ns/net");
  ReadFds(pid, out->netns_ino, out);
  return true;
}

uint32_t ProcReader::OpenFlagsFromKernel(uint64_t k) {
  uint32_t f = 0;
  switch (k & O_ACCMODE) {
    case O_RDONLY:
      f |= VIGIL_O_RDONLY;
      break;
    case O_WRONLY:
      f |= VIGIL_O_WRONLY;
      break;
    case O_RDWR:
      f |= VIGIL_O_RDWR;
      break;
  }
  struct Bit {
    uint64_t kernel;
    uint32_t vigil;
  };
#if defined(__x86_64__) || defined(__i386__)
  constexpr uint64_t kLargeFile = 0100000;
#else
  constexpr uint64_t kLargeFile = O_LARGEFILE;
#endif
  static const Bit bits[] = {
      {O_CREAT, VIGIL_O_CREAT},        {O_APPEND, VIGIL_O_APPEND},
      {O_DSYNC, VIGIL_O_DSYNC},        {O_EXCL, VIGIL_O_EXCL},
      {O_NONBLOCK, VIGIL_O_NONBLOCK},  {O_TRUNC, VIGIL_O_TRUNC},
      {O_DIRECT, VIGIL_O_DIRECT},      {O_DIRECTORY, VIGIL_O_DIRECTORY},
      {kLargeFile, VIGIL_O_LARGEFILE}, {O_CLOEXEC, VIGIL_O_CLOEXEC},
      {O_NOFOLLOW, VIGIL_O_NOFOLLOW},  {O_NOATIME, VIGIL_O_NOATIME},
      {O_PATH, VIGIL_O_PATH},          {O_NOCTTY, VIGIL_O_NOCTTY},
  };
  for (const Bit& b : bits) {
    if (b.kernel != 0 && (k & b.kernel) == b.kernel) f |= b.vigil;
  }
  if ((k & O_SYNC) == O_SYNC) f |= VIGIL_O_SYNC;
  if ((k & O_TMPFILE) == O_TMPFILE) f |= VIGIL_O_TMPFILE;
  return f;
}

bool ProcReader::ClassifyLink(std::string_view link, FdInfo* fd) {
  if (link.rfind("pipe:[", 0) == 0) {
    fd->type = FdType::kPipe;
    fd->name = link;
    ParseNum(link.substr(6), &fd->ino);
    return true;
  }
  constexpr std::string_view kMemfd = "/memfd:";
  if (link.rfind(kMemfd, 0) == 0) {
    std::string_view name = link.substr(kMemfd.size());
    constexpr std::string_view kDeleted = " (deleted)";
    if (name.size() >= kDeleted.size() && name.substr(name.size() - kDeleted.size()) == kDeleted) {
      name.remove_suffix(kDeleted.size());
    }
    fd->type = FdType::kMemfd;
    fd->name = "memfd:";
    fd->name.append(name);
    return true;
  }
  constexpr std::string_view kAnon = "anon_inode:";
  if (link.rfind(kAnon, 0) == 0) {
    std::string_view what = link.substr(kAnon.size());
    fd->name = link;
    if (what.rfind("bpf", 0) == 0) {
      fd->type = FdType::kBpf;
      return true;
    }
    static const std::pair<std::string_view, FdType> kinds[] = {
        {"[eventpoll]", FdType::kEventPoll}, {"[eventfd]", FdType::kEvent},
        {"[signalfd]", FdType::kSignalFd},   {"inotify", FdType::kInotify},
        {"[timerfd]", FdType::kTimerFd},     {"[userfaultfd]", FdType::kUserfaultfd},
        {"[io_uring]", FdType::kIoUring},    {"[pidfd]", FdType::kPidfd},
    };
    for (const auto& [n, t] : kinds) {
      if (what == n) {
        fd->type = t;
        return true;
      }
    }
    fd->type = FdType::kUnknown;
    return true;
  }
  return false;
}

const ProcReader::SocketTable& ProcReader::SocketsOf(int64_t pid, uint64_t netns) {
  SocketTable* table = &scratch_sockets_;
  if (netns != 0) {
    auto it = sockets_.find(netns);
    if (it != sockets_.end()) return it->second;
    table = &sockets_[netns];
  }
  table->by_inode.clear();
  std::string net = root_ + "/" + std::to_string(pid) + "/net/";
  std::string text;
  // TCP and UDP, v4 and v6.
  struct InetFile {
    const char* name;
    uint8_t family;
    uint8_t l4proto;
  };
  static const InetFile inet_files[] = {
      {"tcp", AF_INET, 6}, {"tcp6", AF_INET6, 6}, {"udp", AF_INET, 17}, {"udp6", AF_INET6, 17}};
  std::unordered_map<uint64_t, bool> listening_ports;  // (family << 16 | port) of listening sockets
  std::vector<std::pair<uint64_t, FdInfo>> entries;
  std::vector<bool> is_listen;
  for (const InetFile& f : inet_files) {
    if (!ReadFile(net + f.name, &text)) continue;
    ForEachTableRow(text, [&](std::string_view line) {
      auto cols = Fields(line);
      if (cols.size() < 10) return;
      FdInfo fd;
      fd.family = f.family;
      fd.type = f.family == AF_INET ? FdType::kIpv4 : FdType::kIpv6;
      fd.l4proto = f.l4proto;
      std::array<uint8_t, 16> lip{}, rip{};
      uint16_t lport = 0, rport = 0;
      unsigned st = 0;
      uint64_t ino = 0;
      if (!ParseHexAddr(cols[1], &lip, &lport) || !ParseHexAddr(cols[2], &rip, &rport) ||
          !ParseNum(cols[3], &st, 16) || !ParseNum(cols[9], &ino)) {
        return;
      }
      fd.ino = ino;
      bool listen = (f.l4proto == 6 && st == 0x0A) || (f.l4proto == 17 && rport == 0);
      if (listen) {
        fd.dip = lip;
        fd.dport = lport;
        fd.role = SocketRole::kServer;
        listening_ports[(uint64_t{f.l4proto} << 32) | lport] = true;
      } else {
        fd.sip = lip;
        fd.sport = lport;
        fd.dip = rip;
        fd.dport = rport;
        fd.connected = true;
      }
      entries.emplace_back(ino, std::move(fd));
      is_listen.push_back(listen);
    });
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    FdInfo& fd = entries[i].second;
    if (!is_listen[i]) {
      // A connected socket whose local port is listening was accepted: the peer is the client.
      if (listening_ports.count((uint64_t{fd.l4proto} << 32) | fd.sport)) {
        std::swap(fd.sip, fd.dip);
        std::swap(fd.sport, fd.dport);
        fd.role = SocketRole::kServer;
      } else {
        fd.role = SocketRole::kClient;
      }
    }
    FormatSocketName(fd, &fd.name);
    if (entries[i].first != 0) table->by_inode[entries[i].first] = std::move(fd);
  }
  // Unix: "Num RefCount Protocol Flags Type St Inode [Path]".
  if (ReadFile(net + "unix", &text)) {
    ForEachTableRow(text, [&](std::string_view line) {
      auto cols = Fields(line);
      uint64_t ino = 0;
      if (cols.size() < 7 || !ParseNum(cols[6], &ino) || ino == 0) return;
      FdInfo fd;
      fd.type = FdType::kUnix;
      fd.family = AF_UNIX;
      fd.ino = ino;
      unsigned flags = 0;
      if (ParseNum(cols[3], &flags, 16) && (flags & 0x10000)) fd.role = SocketRole::kServer;
      if (cols.size() >= 8) fd.name = cols[7];
      table->by_inode[ino] = std::move(fd);
    });
  }
  // Netlink and packet: the inode is the last column.
  struct RawTable {
    const char* file;
    FdType type;
    uint8_t family;
  };
  for (const RawTable& raw : {RawTable{"netlink", FdType::kNetlink, AF_NETLINK},
                              RawTable{"packet", FdType::kPacket, AF_PACKET}}) {
    if (!ReadFile(net + raw.file, &text)) continue;
    ForEachTableRow(text, [&](std::string_view line) {
      auto cols = Fields(line);
      uint64_t ino = 0;
      if (cols.empty() || !ParseNum(cols.back(), &ino) || ino == 0) return;
      FdInfo fd;
      fd.type = raw.type;
      fd.family = raw.family;
      fd.ino = ino;
      table->by_inode[ino] = std::move(fd);
    });
  }
  return *table;
}

void ProcReader::ReadFds(int64_t pid, uint64_t netns, Process* out) {
  out->fds.clear();
  std::string dir = root_ + "/" + std::to_string(pid);
  std::vector<int64_t> fds = ListNumeric(dir + "/fd");
  std::string link, info;
  for (int64_t num : fds) {
    if (out->fds.size() >= max_fds_) break;
    std::string path = dir + "/fd/" + std::to_string(num);
    if (!ReadLink(path, &link)) continue;
    FdInfo fd;
    struct stat st {};
    bool have_stat = ::stat(path.c_str(), &st) == 0;
    if (have_stat) {
      fd.dev = KernelDev(st.st_dev);
      fd.ino = st.st_ino;
    }
    if (link.rfind("socket:[", 0) == 0) {
      uint64_t ino = 0;
      ParseNum(std::string_view(link).substr(8), &ino);
      const SocketTable& sockets = SocketsOf(pid, netns);
      if (auto it = sockets.by_inode.find(ino); it != sockets.by_inode.end()) {
        fd = it->second;
      } else {
        fd.type = FdType::kUnknown;
        fd.name = link;
      }
      fd.ino = ino;
    } else if (!ClassifyLink(link, &fd)) {
      if (!link.empty() && link.front() == '/') {
        fd.type = have_stat && S_ISDIR(st.st_mode) ? FdType::kDirectory : FdType::kFile;
        fd.name = link;
        fd.name_raw = link;
      } else {
        fd.type = FdType::kUnknown;
        fd.name = link;
      }
    }
    if (ReadFile(dir + "/fdinfo/" + std::to_string(num), &info, 4096)) {
      ForEachLine(info, [&](std::string_view line) {
        if (line.rfind("flags:", 0) == 0) {
          uint64_t k = 0;
          if (ParseNum(line.substr(6), &k, 8)) fd.open_flags = OpenFlagsFromKernel(k);
        }
      });
    }
    out->fds[num] = std::move(fd);
  }
}

void FormatSocketName(const FdInfo& fd, std::string* out) {
  out->clear();
  if (fd.family != AF_INET && fd.family != AF_INET6) return;
  int af = fd.family;
  char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
  auto ip = [&](const std::array<uint8_t, 16>& bytes, char* buf) {
    if (::inet_ntop(af, bytes.data(), buf, INET6_ADDRSTRLEN) == nullptr) buf[0] = '\0';
  };
  char text[2 * INET6_ADDRSTRLEN + 32];
  ip(fd.dip, b);
  if (fd.connected) {
    ip(fd.sip, a);
    std::snprintf(text, sizeof text, "%s:%u->%s:%u", a, fd.sport, b, fd.dport);
  } else {
    std::snprintf(text, sizeof text, "%s:%u", b, fd.dport);
  }
  out->assign(text);
}

}  // namespace vigil::state
