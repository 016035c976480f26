// SyscallState: the thread/process/fd tables kept from syscall events (see syscall_state.hpp).
//
// This file: the per-event dispatch (Before: resolve the event's paths and fd, then the switch on
// its type; After: the removals that wait for the rules), path resolution, and the public API. The
// tables and the handlers live beside it; syscall_state_impl.hpp has the layout and the file map.
#include "vigil/core/syscall_state.hpp"

#include <errno.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "paths.hpp"
#include "record_params.hpp"
#include "syscall_state_impl.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/event_record.h"
#include "vigil/syscall_schema.h"

namespace vigil::state {
namespace {

// Per event type, from the schema's parameter names: where the `fd` argument is (for events that
// act on an fd), and which PATH parameters (within SyscallView::abs_paths) go with which dirfd.
struct TypeLayout {
  uint32_t fd_arg = kNoIndex;
  std::array<uint32_t, 8> path_dirfd{};  // kNoIndex: not a path; kAtFdcwd-like marker below
  std::array<bool, 8> is_path{};
};

const TypeLayout& LayoutFor(uint16_t type) {
  static const std::array<TypeLayout, VIGIL_EVENT_TYPE_END> table = [] {
    std::array<TypeLayout, VIGIL_EVENT_TYPE_END> t{};
    struct P {
      std::string_view name;
      int type;
    };
#define VIGIL_STATE_PARAM(n, ty) P{#n, ty},
#define VIGIL_STATE_ROW(code, name)                                     \
  {                                                                     \
    static const P params[] = {VIGIL_PARAMS_##name(VIGIL_STATE_PARAM)}; \
    fill(t[code], params, sizeof params / sizeof params[0]);            \
  }
    auto fill = [](TypeLayout& l, const P* params, size_t n) {
      l.path_dirfd.fill(kNoIndex);
      uint32_t dirfd = kNoIndex;
      for (uint32_t i = 0; i < n; ++i) {
        if (params[i].name == "fd" && params[i].type == VIGIL_PT_FD && i != 0) l.fd_arg = i;
        if (params[i].type == VIGIL_PT_FD && params[i].name.find("dir") != std::string_view::npos) {
          dirfd = i;
        }
        if (params[i].type == VIGIL_PT_PATH && i < l.is_path.size()) {
          l.is_path[i] = true;
          l.path_dirfd[i] = dirfd;
        }
      }
    };
    VIGIL_SYSCALL_SCHEMA(VIGIL_STATE_ROW)
#undef VIGIL_STATE_ROW
#undef VIGIL_STATE_PARAM
    return t;
  }();
  static const TypeLayout kNone{};
  return type < table.size() ? table[type] : kNone;
}

}  // namespace

void SyscallState::Impl::ResolveAt(Process* p, int64_t dirfd, std::string_view path,
                                   std::string* out) {
  out->clear();
  if (path.empty()) return;
  std::string_view base;
  if (path.front() != '/' && p != nullptr) {
    if (dirfd == kAtFdcwd) {
      base = p->cwd;
    } else if (const FdInfo* d = FindFd(p, dirfd)) {
      base = d->name;
    }
  }
  ResolvePath(base, path, out);
  if (out->empty() || out->front() != '/') out->clear();
}

const SyscallView& SyscallState::Impl::Before(const fields::EventContext& ev) {
  view.thread = nullptr;
  view.fd = nullptr;
  view.fd_num = -1;
  view.fd_name_changed = false;
  for (std::string& s : view.abs_paths) s.clear();
  pending_close = -1;
  pending_close_proc = nullptr;
  pending_exit = -1;
  current_tid = -1;

  int64_t tid = -1;
  if (ev.record != nullptr && ev.len >= VIGIL_EVENT_HEADER_SIZE) {
    tid = vigil_event_get_header(ev.record).tid;
  }
  current_tid = tid;
  if (!params.Load(ev.record, ev.len) || !params.MatchesSchema(ev.type)) {
    ++malformed;
    ThreadEntry* e = Find(tid);
    if (e != nullptr) {
      view.thread = &e->info;
    } else {
      unknown.tid = tid;
      view.thread = &unknown;
    }
    Publish();
    return view;
  }

  ThreadEntry* self = Ensure(tid);
  if (self == nullptr) unknown.tid = tid;
  view.thread = self ? &self->info : &unknown;
  Process* p = self ? self->info.process.get() : nullptr;

  const uint16_t type = ev.type;
  const TypeLayout& layout = LayoutFor(type);
  for (uint32_t i = 0; i < layout.is_path.size(); ++i) {
    if (!layout.is_path[i]) continue;
    int64_t dirfd =
        layout.path_dirfd[i] == kNoIndex ? kAtFdcwd : params.I64(layout.path_dirfd[i], kAtFdcwd);
    ResolveAt(p, dirfd, params.Str(i), &view.abs_paths[i]);
  }
  if (layout.fd_arg != kNoIndex) {
    const int64_t fd = params.I64(layout.fd_arg, -1);
    if (fd >= 0) SetView(FindFd(p, fd), fd);
  }

  switch (type) {
    case Code("clone"):
    case Code("clone3"):
    case Code("fork"):
    case Code("vfork"):
      OnClone(self);
      break;
    case Code("execve"):
    case Code("execveat"):
      OnExec(self, type);
      break;
    case Code("procexit"):
      pending_exit = tid;
      break;
    case Code("open"):
    case Code("creat"):
      OnOpen(p, kNoIndex, open_p::name);
      break;
    case Code("openat"):
    case Code("openat2"):
      OnOpen(p, openat_p::dirfd, openat_p::name);
      break;
    case Code("close"):
      if (p != nullptr && params.I64(close_p::res, 0) != -EBADF) {
        pending_close = params.I64(close_p::fd, -1);
        pending_close_proc = p;
      }
      break;
    case Code("dup"):
      if (params.I64(dup_p::res, -1) >= 0) {
        Dup(p, params.I64(dup_p::oldfd, -1), params.I64(dup_p::res, -1), false);
      }
      break;
    case Code("dup2"):
    case Code("dup3"):
      if (params.I64(dup2_p::res, -1) >= 0) {
        bool cloexec =
            type == Code("dup3") && (params.U32(dup3_p::flags, 0) & VIGIL_O_CLOEXEC) != 0;
        Dup(p, params.I64(dup2_p::oldfd, -1), params.I64(dup2_p::res, -1), cloexec);
      }
      break;
    case Code("fcntl"):
      OnFcntl(p);
      break;
    case Code("socket"):
      OnSocket(p);
      break;
    case Code("socketpair"):
      OnSocketpair(p);
      break;
    case Code("connect"):
      OnConnect(p);
      break;
    case Code("accept"):
    case Code("accept4"):
      OnAccept(p, type);
      break;
    case Code("bind"):
      OnBind(p);
      break;
    case Code("listen"):
      if (params.I64(listen_p::res, -1) == 0) {
        if (FdInfo* e = FindFd(p, params.I64(listen_p::fd, -1))) e->role = SocketRole::kServer;
      }
      break;
    case Code("sendto"):
    case Code("sendmsg"):
    case Code("recvfrom"):
    case Code("recvmsg"):
      OnIo(p);
      break;
    case Code("pipe"):
    case Code("pipe2"):
      OnPipe(p, type);
      break;
    case Code("memfd_create"):
      OnMemfd(p);
      break;
    case Code("userfaultfd"):
      NewFd(p, params.I64(userfaultfd_p::res, -1), FdType::kUserfaultfd, "anon_inode:[userfaultfd]",
            VIGIL_O_RDWR | (params.U32(userfaultfd_p::flags, 0) & VIGIL_O_CLOEXEC));
      break;
    case Code("bpf"):
      OnBpf(p);
      break;
    case Code("pidfd_open"):
      if (FdInfo* e = NewFd(p, params.I64(pidfd_open_p::fd, -1), FdType::kPidfd,
                            "anon_inode:[pidfd]", VIGIL_O_RDWR | VIGIL_O_CLOEXEC)) {
        e->pid = params.I64(pidfd_open_p::pid, -1);
      }
      break;
    case Code("pidfd_getfd"):
      OnPidfdGetfd(p);
      break;
    case Code("io_uring_setup"):
      NewFd(p, params.I64(io_uring_setup_p::res, -1), FdType::kIoUring, "anon_inode:[io_uring]",
            VIGIL_O_RDWR | VIGIL_O_CLOEXEC);
      break;
    case Code("chdir"):
    case Code("fchdir"):
      OnChdir(p, type);
      break;
    case Code("setuid"):
    case Code("setgid"):
    case Code("setreuid"):
    case Code("setregid"):
    case Code("setresuid"):
    case Code("setresgid"):
      if (self != nullptr) OnSetId(self->info, type);
      break;
    case Code("capset"):
      if (self != nullptr && params.I64(capset_p::res, -1) == 0) {
        ThreadInfo& t = self->info;
        t.cap_inheritable = params.U64(capset_p::cap_inheritable, t.cap_inheritable);
        t.cap_permitted = params.U64(capset_p::cap_permitted, t.cap_permitted);
        t.cap_effective = params.U64(capset_p::cap_effective, t.cap_effective);
      }
      break;
    default:
      break;  // chroot, setns, unshare, rename*, ...: paths resolved above, tables unchanged
  }
  Publish();
  return view;
}

void SyscallState::Impl::After() {
  if (pending_close >= 0 && pending_close_proc != nullptr) {
    // The process is still referenced by the event's thread, which nothing removed since.
    EraseFd(*pending_close_proc, pending_close);
  }
  if (pending_exit >= 0) {
    auto it = threads.find(pending_exit);
    if (it != threads.end()) {
      ThreadEntry& e = it->second;
      if (e.info.tid == e.info.pid && e.info.process && e.info.process.use_count() > 1) {
        e.dead = true;  // other threads still run: lineage needs the leader until they end
      } else {
        EraseThread(it);
      }
    }
  }
  pending_close = -1;
  pending_close_proc = nullptr;
  pending_exit = -1;
  view.thread = nullptr;
  view.fd = nullptr;
  Publish();
}

SyscallState::SyscallState(StateOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
SyscallState::~SyscallState() = default;

Status SyscallState::ScanProc() { return impl_->ScanProc(); }

SyscallViewCopy::SyscallViewCopy(const SyscallView& view) : view_(view) {
  if (view.thread != nullptr) {
    thread_ = *view.thread;
    if (thread_.process) thread_.process = std::make_shared<Process>(*thread_.process);
    view_.thread = &thread_;
  }
  if (view.fd != nullptr) {
    fd_ = *view.fd;
    view_.fd = &*fd_;
  }
}

const SyscallView& SyscallState::Before(const fields::EventContext& event) {
  return impl_->Before(event);
}

void SyscallState::After() { impl_->After(); }

std::vector<uint16_t> StateEventTypes() {
  static constexpr uint16_t kCodes[] = {
      Code("clone"),        Code("clone3"),         Code("fork"),        Code("vfork"),
      Code("execve"),       Code("execveat"),       Code("procexit"),    Code("open"),
      Code("openat"),       Code("openat2"),        Code("creat"),       Code("close"),
      Code("dup"),          Code("dup2"),           Code("dup3"),        Code("fcntl"),
      Code("socket"),       Code("socketpair"),     Code("connect"),     Code("accept"),
      Code("accept4"),      Code("bind"),           Code("pipe"),        Code("pipe2"),
      Code("memfd_create"), Code("chdir"),          Code("fchdir"),      Code("setuid"),
      Code("setgid"),       Code("setreuid"),       Code("setregid"),    Code("setresuid"),
      Code("setresgid"),    Code("capset"),         Code("userfaultfd"), Code("pidfd_open"),
      Code("pidfd_getfd"),  Code("io_uring_setup"), Code("bpf"),
  };
  std::vector<uint16_t> out(std::begin(kCodes), std::end(kCodes));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace vigil::state
