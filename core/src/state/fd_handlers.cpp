// SyscallState's fd table and the handlers of the events that change it (see
// syscall_state_impl.hpp): open*, dup*, fcntl, sockets (socket, socketpair, connect, accept, bind,
// send/recv), pipes, memfd, bpf, pidfd_getfd. close is applied in After, once the rules have read
// the closed fd.
#include <errno.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "syscall_state_impl.hpp"

namespace vigil::state {

// A SOCKTUPLE or SOCKADDR parameter (syscall_schema.h), bounds-checked.
struct SockAddr {
  uint8_t family = 0;
  std::array<uint8_t, 16> sip{}, dip{};
  uint16_t sport = 0, dport = 0;
  std::string_view path;  // AF_UNIX
};

namespace {

constexpr uint32_t kSockCloexec = 02000000;
constexpr uint32_t kSockNonblock = 04000;
constexpr uint32_t kMfdCloexec = 1;
constexpr int64_t kFdupfd = 0, kFdupfdCloexec = 1030, kFsetfd = 2;
constexpr uint8_t kIpprotoTcp = 6, kIpprotoUdp = 17, kIpprotoIcmp = 1, kIpprotoIcmpv6 = 58,
                  kL4Raw = 255;

FdType TypeForFamily(uint32_t family) {
  switch (family) {
    case AF_INET:
      return FdType::kIpv4;
    case AF_INET6:
      return FdType::kIpv6;
    case AF_UNIX:
      return FdType::kUnix;
    case AF_NETLINK:
      return FdType::kNetlink;
    default:
      return FdType::kPacket;
  }
}

bool ParseTuple(std::string_view b, SockAddr* out) {
  if (b.empty()) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  out->family = p[0];
  auto addr = [&](size_t off, size_t n, std::array<uint8_t, 16>* ip, uint16_t* port) {
    std::memcpy(ip->data(), p + off, n);
    std::memcpy(port, p + off + n, 2);
  };
  switch (out->family) {
    case AF_INET:
      if (b.size() < 13) return false;
      addr(1, 4, &out->sip, &out->sport);
      addr(7, 4, &out->dip, &out->dport);
      return true;
    case AF_INET6:
      if (b.size() < 37) return false;
      addr(1, 16, &out->sip, &out->sport);
      addr(19, 16, &out->dip, &out->dport);
      return true;
    case AF_UNIX:
      if (b.size() < 17) return false;
      out->path = b.substr(17);
      return true;
    default:
      return true;
  }
}

bool ParseSockaddr(std::string_view b, SockAddr* out) {
  if (b.empty()) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  out->family = p[0];
  switch (out->family) {
    case AF_INET:
      if (b.size() < 7) return false;
      std::memcpy(out->dip.data(), p + 1, 4);
      std::memcpy(&out->dport, p + 5, 2);
      return true;
    case AF_INET6:
      if (b.size() < 19) return false;
      std::memcpy(out->dip.data(), p + 1, 16);
      std::memcpy(&out->dport, p + 17, 2);
      return true;
    case AF_UNIX:
      out->path = b.substr(1);
      return true;
    default:
      return true;
  }
}

// Resets an entry, keeping its strings' capacity.
void ResetFd(FdInfo* fd) {
  std::string name = std::move(fd->name), raw = std::move(fd->name_raw);
  *fd = FdInfo{};
  name.clear();
  raw.clear();
  fd->name = std::move(name);
  fd->name_raw = std::move(raw);
}

void ApplyAddr(const SockAddr& a, FdInfo& e, bool tuple) {
  e.family = a.family;
  if (e.type == FdType::kUnknown || e.type == FdType::kFile) e.type = TypeForFamily(a.family);
  if (a.family == AF_INET || a.family == AF_INET6) {
    if (tuple) {
      e.sip = a.sip;
      e.sport = a.sport;
    }
    e.dip = a.dip;
    e.dport = a.dport;
    if (e.l4proto == 0) e.l4proto = kIpprotoTcp;
  }
}

}  // namespace

FdInfo* SyscallState::Impl::FindFd(Process* p, int64_t fd) {
  if (p == nullptr) return nullptr;
  auto it = p->fds.find(fd);
  return it == p->fds.end() ? nullptr : &it->second;
}

void SyscallState::Impl::MakeFdRoom(Process& p) {
  Clock::time_point now = Clock::now();
  if (now >= next_fd_sweep) {
    next_fd_sweep = now + std::chrono::milliseconds(opt.proc_sweep_interval_ms);
    if (reader.ListFds(p.pid, &fd_list)) {
      std::sort(fd_list.begin(), fd_list.end());
      for (auto it = p.fds.begin(); it != p.fds.end();) {
        if (std::binary_search(fd_list.begin(), fd_list.end(), it->first)) {
          ++it;
        } else {
          it = p.fds.erase(it);
          --n_fds;
          ++fds_evicted;
        }
      }
    }
  }
  while (p.fds.size() >= opt.max_fds_per_process && !p.fds.empty()) {
    p.fds.erase(p.fds.begin());
    --n_fds;
    ++fds_evicted;
  }
}

FdInfo& SyscallState::Impl::AddFd(Process& p, int64_t fd) {
  if (auto it = p.fds.find(fd); it != p.fds.end()) {
    ResetFd(&it->second);
    return it->second;
  }
  if (p.fds.size() >= opt.max_fds_per_process) MakeFdRoom(p);
  ++n_fds;
  return p.fds[fd];
}

void SyscallState::Impl::EraseFd(Process& p, int64_t fd) {
  if (p.fds.erase(fd) > 0) --n_fds;
}

void SyscallState::Impl::OnOpen(Process* p, uint32_t dirfd_idx, uint32_t name_idx) {
  const int64_t fd = params.I64(0, -1);
  std::string_view raw = params.Str(name_idx);
  std::string& abs = view.abs_paths[name_idx];
  if (abs.empty()) {
    ResolveAt(p, dirfd_idx == kNoIndex ? kAtFdcwd : params.I64(dirfd_idx, kAtFdcwd), raw, &abs);
  }
  FdInfo* e;
  if (fd >= 0 && p != nullptr) {
    e = &AddFd(*p, fd);
    SetView(e, fd);
  } else {
    ResetFd(&scratch_fd);
    e = &scratch_fd;
    SetView(e, -1);
  }
  const uint32_t flags = params.U32(name_idx + 1, 0);
  e->type = (flags & VIGIL_O_DIRECTORY) ? FdType::kDirectory : FdType::kFile;
  e->name.assign(abs.empty() ? raw : std::string_view(abs));
  e->name_raw.assign(raw);
  e->open_flags = flags;
  e->dev = params.U32(name_idx + 3, 0);
  e->ino = params.U64(name_idx + 4, 0);
}

FdInfo* SyscallState::Impl::NewFd(Process* p, int64_t fd, FdType type, std::string_view name,
                                  uint32_t flags) {
  if (p == nullptr || fd < 0) {
    SetView(nullptr, -1);
    return nullptr;
  }
  FdInfo& e = AddFd(*p, fd);
  e.type = type;
  e.name.assign(name);
  e.open_flags = flags;
  SetView(&e, fd);
  return &e;
}

FdInfo& SyscallState::Impl::SocketEntry(Process& p, int64_t fd) {
  if (FdInfo* e = FindFd(&p, fd)) return *e;
  return AddFd(p, fd);
}

void SyscallState::Impl::Name(FdInfo& e, const SockAddr& a) {
  if (a.family == AF_UNIX) {
    if (!a.path.empty()) e.name.assign(a.path);
  } else {
    FormatSocketName(e, &e.name);
  }
  view.fd_name_changed = true;
}

void SyscallState::Impl::OnConnect(Process* p) {
  const int64_t res = params.I64(connect_p::res, 0);
  const int64_t fd = params.I64(connect_p::fd, -1);
  if (p == nullptr || fd < 0 || (res < 0 && res != -EINPROGRESS)) return;
  SockAddr a;
  bool tuple = ParseTuple(params.Bytes(connect_p::tuple), &a);
  if (!tuple && !ParseSockaddr(params.Bytes(connect_p::addr), &a)) return;
  FdInfo& e = SocketEntry(*p, fd);
  ApplyAddr(a, e, tuple);
  e.role = SocketRole::kClient;
  e.connected = true;
  Name(e, a);
  SetView(&e, fd);
}

void SyscallState::Impl::OnAccept(Process* p, uint16_t type) {
  const int64_t fd = params.I64(accept_p::fd, -1);
  if (p == nullptr || fd < 0) {
    SetView(nullptr, -1);
    return;
  }
  uint8_t l4 = 0;
  if (const FdInfo* l = FindFd(p, params.I64(accept_p::listen_fd, -1))) l4 = l->l4proto;
  FdInfo& e = AddFd(*p, fd);
  SockAddr a;
  if (ParseTuple(params.Bytes(accept_p::tuple), &a)) {
    e.l4proto = l4;
    ApplyAddr(a, e, true);
    e.connected = true;
    Name(e, a);
  }
  e.role = SocketRole::kServer;
  if (type == Code("accept4")) {
    uint32_t flags = params.U32(accept4_p::flags, 0);
    if (flags & kSockCloexec) e.open_flags |= VIGIL_O_CLOEXEC;
    if (flags & kSockNonblock) e.open_flags |= VIGIL_O_NONBLOCK;
  }
  e.open_flags |= VIGIL_O_RDWR;
  SetView(&e, fd);
}

void SyscallState::Impl::OnBind(Process* p) {
  const int64_t fd = params.I64(bind_p::fd, -1);
  if (p == nullptr || fd < 0 || params.I64(bind_p::res, -1) != 0) return;
  SockAddr a;
  if (!ParseSockaddr(params.Bytes(bind_p::addr), &a)) return;
  FdInfo& e = SocketEntry(*p, fd);
  if (e.connected) return;
  ApplyAddr(a, e, false);
  if (a.family == AF_INET || a.family == AF_INET6) e.role = SocketRole::kServer;
  Name(e, a);
  SetView(&e, fd);
}

void SyscallState::Impl::OnSocket(Process* p) {
  const uint32_t family = params.U32(socket_p::domain, 0);
  const uint32_t stype = params.U32(socket_p::type, 0);
  const uint32_t proto = params.U32(socket_p::proto, 0);
  uint32_t flags = VIGIL_O_RDWR;
  if (stype & kSockCloexec) flags |= VIGIL_O_CLOEXEC;
  if (stype & kSockNonblock) flags |= VIGIL_O_NONBLOCK;
  FdInfo* e = NewFd(p, params.I64(socket_p::fd, -1), TypeForFamily(family), "", flags);
  if (e == nullptr) return;
  e->family = static_cast<uint8_t>(family);
  if (family == AF_INET || family == AF_INET6) {
    switch (stype & 0xf) {
      case SOCK_STREAM:
        e->l4proto = kIpprotoTcp;
        break;
      case SOCK_DGRAM:
        e->l4proto = kIpprotoUdp;
        break;
      case SOCK_RAW:
        e->l4proto = (proto == kIpprotoIcmp || proto == kIpprotoIcmpv6) ? kIpprotoIcmp : kL4Raw;
        break;
      default:
        break;
    }
  }
}

void SyscallState::Impl::OnSocketpair(Process* p) {
  if (p == nullptr || params.I64(socketpair_p::res, -1) < 0) return;
  const uint32_t family = params.U32(socketpair_p::domain, AF_UNIX);
  const uint32_t stype = params.U32(socketpair_p::type, 0);
  uint32_t flags = VIGIL_O_RDWR | ((stype & kSockCloexec) ? VIGIL_O_CLOEXEC : 0);
  const int64_t fd1 = params.I64(socketpair_p::fd1, -1), fd2 = params.I64(socketpair_p::fd2, -1);
  for (int64_t fd : {fd2, fd1}) {
    if (FdInfo* e = NewFd(p, fd, TypeForFamily(family), "", flags)) {
      e->family = static_cast<uint8_t>(family);
    }
  }
}

void SyscallState::Impl::OnIo(Process* p) {
  // sendto/recvfrom/sendmsg/recvmsg share their layout.
  const int64_t fd = params.I64(sendto_p::fd, -1);
  FdInfo* e = FindFd(p, fd);
  if (e == nullptr || params.I64(sendto_p::res, -1) < 0 || e->sport != 0) return;
  if (e->type != FdType::kIpv4 && e->type != FdType::kIpv6) return;
  SockAddr a;
  if (!ParseTuple(params.Bytes(sendto_p::tuple), &a)) return;
  if (a.family != AF_INET && a.family != AF_INET6) return;
  ApplyAddr(a, *e, true);
  e->connected = true;
  Name(*e, a);
}

void SyscallState::Impl::OnPipe(Process* p, uint16_t type) {
  if (p == nullptr || params.I64(pipe_p::res, -1) < 0) return;
  const uint64_t ino = params.U64(pipe_p::ino, 0);
  uint32_t flags = type == Code("pipe2") ? params.U32(pipe2_p::flags, 0) : 0;
  char name[48];
  std::snprintf(name, sizeof name, "pipe:[%llu]", static_cast<unsigned long long>(ino));
  const int64_t fd1 = params.I64(pipe_p::fd1, -1), fd2 = params.I64(pipe_p::fd2, -1);
  if (FdInfo* e = NewFd(p, fd2, FdType::kPipe, name, flags | VIGIL_O_WRONLY)) e->ino = ino;
  if (FdInfo* e = NewFd(p, fd1, FdType::kPipe, name, flags | VIGIL_O_RDONLY)) e->ino = ino;
}

void SyscallState::Impl::OnMemfd(Process* p) {
  std::string name = "memfd:";
  name.append(params.Str(memfd_create_p::name));
  uint32_t flags = VIGIL_O_RDWR;
  if (params.U32(memfd_create_p::flags, 0) & kMfdCloexec) flags |= VIGIL_O_CLOEXEC;
  NewFd(p, params.I64(memfd_create_p::fd, -1), FdType::kMemfd, name, flags);
}

void SyscallState::Impl::OnBpf(Process* p) {
  const int64_t fd = params.I64(bpf_p::res_or_fd, -1);
  const int64_t cmd = params.I64(bpf_p::cmd, -1);
  // The bpf(2) commands that return a new fd.
  static constexpr int64_t kFdCmds[] = {0, 5, 7, 13, 14, 17, 18, 19, 28, 30, 32, 33};
  if (std::find(std::begin(kFdCmds), std::end(kFdCmds), cmd) == std::end(kFdCmds)) return;
  NewFd(p, fd, FdType::kBpf, cmd == 0 ? "anon_inode:bpf-map" : "anon_inode:bpf-prog",
        VIGIL_O_RDWR | VIGIL_O_CLOEXEC);
}

void SyscallState::Impl::OnPidfdGetfd(Process* p) {
  const int64_t fd = params.I64(pidfd_getfd_p::fd, -1);
  if (p == nullptr || fd < 0) return;
  FdInfo copy;
  bool found = false;
  if (const FdInfo* pidfd = FindFd(p, params.I64(pidfd_getfd_p::pidfd, -1))) {
    const ThreadEntry* target = Find(pidfd->pid);
    if (target != nullptr) {
      if (const FdInfo* src =
              FindFd(target->info.process.get(), params.I64(pidfd_getfd_p::targetfd, -1))) {
        copy = *src;
        found = true;
      }
    }
  }
  FdInfo& e = AddFd(*p, fd);
  if (found) e = std::move(copy);
  e.open_flags |= VIGIL_O_CLOEXEC;  // pidfd_getfd always sets it
  SetView(&e, fd);
}

void SyscallState::Impl::Dup(Process* p, int64_t oldfd, int64_t newfd, bool cloexec) {
  if (p == nullptr || newfd < 0) return;
  SetView(FindFd(p, newfd), newfd);
  if (newfd == oldfd) return;
  const FdInfo* old = FindFd(p, oldfd);
  if (old == nullptr) {
    EraseFd(*p, newfd);  // whatever newfd was is closed; what it is now is unknown
    SetView(nullptr, newfd);
    return;
  }
  FdInfo copy = *old;
  FdInfo& e = AddFd(*p, newfd);
  e = std::move(copy);
  if (cloexec) {
    e.open_flags |= VIGIL_O_CLOEXEC;
  } else {
    e.open_flags &= ~VIGIL_O_CLOEXEC;
  }
  SetView(&e, newfd);
}

void SyscallState::Impl::OnFcntl(Process* p) {
  const int64_t res = params.I64(fcntl_p::res, -1);
  const int64_t fd = params.I64(fcntl_p::fd, -1);
  const int64_t cmd = params.U32(fcntl_p::cmd, UINT32_MAX);
  if (res < 0) return;
  if (cmd == kFdupfd || cmd == kFdupfdCloexec) {
    Dup(p, fd, res, cmd == kFdupfdCloexec);
  } else if (cmd == kFsetfd) {
    if (FdInfo* e = FindFd(p, fd)) {
      if (params.I64(fcntl_p::arg, 0) & 1) {
        e->open_flags |= VIGIL_O_CLOEXEC;
      } else {
        e->open_flags &= ~VIGIL_O_CLOEXEC;
      }
    }
  }
}

}  // namespace vigil::state
