// SyscallState's handlers of the events that change threads and processes (see
// syscall_state_impl.hpp): clone/fork, exec, the set*id calls, chdir and fchdir.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "paths.hpp"
#include "syscall_state_impl.hpp"

namespace vigil::state {
namespace {

constexpr uint64_t kCloneThread = 0x10000;
constexpr uint32_t kNoId = UINT32_MAX;  // setre*id/setres*id: "unchanged"

void AssignStrings(std::string_view buf, std::vector<std::string>* out) {
  out->clear();
  ForEachString(buf, [&](std::string_view s) { out->emplace_back(s); });
}

// setuid/setgid: a privileged caller sets every id, others only the effective one.
void SetIds(uint32_t* real, uint32_t* eff, uint32_t r, uint32_t e, bool privileged_all,
            uint32_t all) {
  if (privileged_all) {
    *real = all;
    *eff = all;
    return;
  }
  if (r != kNoId) *real = r;
  if (e != kNoId) *eff = e;
}

// As the kernel does when the effective/real user ids leave root (without file capabilities).
void DropCapsOnUidChange(ThreadInfo& t, uint32_t old_uid, uint32_t old_euid) {
  if (old_euid == 0 && t.euid != 0) t.cap_effective = 0;
  if ((old_uid == 0 || old_euid == 0) && t.uid != 0 && t.euid != 0) {
    t.cap_permitted = 0;
    t.cap_effective = 0;
  }
}

}  // namespace

void SyscallState::Impl::ReadIdentity(uint32_t base, ThreadInfo& t, Process* p) {
  const RecordParams& r = params;
  auto i64 = [&](uint32_t k, int64_t* dst) {
    if (r.Has(base + k)) *dst = r.I64(base + k, *dst);
  };
  auto u32 = [&](uint32_t k, uint32_t* dst) {
    if (r.Has(base + k)) *dst = r.U32(base + k, *dst);
  };
  auto u64 = [&](uint32_t k, uint64_t* dst) {
    if (r.Has(base + k)) *dst = r.U64(base + k, *dst);
  };
  i64(proc_p::ptid, &t.ptid);
  if (r.Has(base + proc_p::comm)) t.comm.assign(r.Str(base + proc_p::comm));
  u32(proc_p::uid, &t.uid);
  u32(proc_p::gid, &t.gid);
  u32(proc_p::euid, &t.euid);
  u32(proc_p::egid, &t.egid);
  u32(proc_p::loginuid, &t.loginuid);
  u64(proc_p::cap_inheritable, &t.cap_inheritable);
  u64(proc_p::cap_permitted, &t.cap_permitted);
  u64(proc_p::cap_effective, &t.cap_effective);
  u32(proc_p::tty, &t.tty);
  i64(proc_p::sid, &t.sid);
  i64(proc_p::pgid, &t.pgid);
  i64(proc_p::vtid, &t.vtid);
  i64(proc_p::vpid, &t.vpid);
  i64(proc_p::vpgid, &t.vpgid);
  if (p == nullptr) return;
  if (r.Has(base + proc_p::cgroups)) AssignStrings(r.Str(base + proc_p::cgroups), &p->cgroups);
  auto ns = [&](uint32_t k, uint64_t* dst) {
    if (r.Has(base + k)) *dst = r.U32(base + k, 0);
  };
  ns(proc_p::pidns_ino, &p->pidns_ino);
  ns(proc_p::mntns_ino, &p->mntns_ino);
  ns(proc_p::netns_ino, &p->netns_ino);
}

void SyscallState::Impl::OnClone(ThreadEntry* parent) {
  constexpr uint32_t base = clone_p::tid;
  const int64_t res = params.I64(clone_p::res, -1);
  if (res <= 0) return;  // failed, or the child's side
  const int64_t ctid = params.I64(base + proc_p::tid, res);
  if (ctid <= 0 || ctid == current_tid) return;
  const uint64_t flags = params.U64(clone_p::flags, 0);
  const bool thread = (flags & kCloneThread) != 0;
  const ThreadInfo* pinfo = parent ? &parent->info : nullptr;
  const int64_t cpid = params.I64(base + proc_p::pid, thread && pinfo ? pinfo->pid : ctid);
  ThreadInfo t;
  if (pinfo != nullptr) {  // what the record does not say is inherited
    t = *pinfo;
    t.process.reset();
  }
  t.tid = ctid;
  t.pid = cpid;
  t.ptid = pinfo ? (thread ? pinfo->ptid : pinfo->pid) : -1;
  t.vtid = t.vpid = -1;
  bool fresh = false;
  if (thread) {
    if (pinfo != nullptr && pinfo->pid == cpid) {
      t.process = pinfo->process;
    } else if (ThreadEntry* leader = Find(cpid); leader && leader->info.pid == cpid) {
      t.process = leader->info.process;
    }
  }
  if (!t.process) {
    t.process = pinfo && pinfo->process ? std::make_shared<Process>(*pinfo->process)
                                        : std::make_shared<Process>();
    t.process->pid = cpid;
    fresh = true;
  }
  Process* p = fresh ? t.process.get() : nullptr;
  ReadIdentity(base, t, p);
  if (params.Has(base + proc_p::start_ts)) {
    t.start_ts = params.U64(base + proc_p::start_ts, 0);
    if (fresh) t.process->start_ts = t.start_ts;
  }
  Insert(std::move(t), fresh);
}

void SyscallState::Impl::OnExec(ThreadEntry* self, uint16_t type) {
  if (self == nullptr || params.I64(execve_p::res, -1) != 0) return;  // failed: nothing changes
  ThreadInfo& t = self->info;
  Process& p = *t.process;
  AssignStrings(params.Str(execve_p::args), &p.args);
  if (!p.args.empty()) {
    p.exe = std::move(p.args.front());
    p.args.erase(p.args.begin());
  } else {
    p.exe.assign(params.Str(execve_p::exe));
  }
  if (std::string_view cwd = params.Str(execve_p::cwd); !cwd.empty() && cwd.front() == '/') {
    ResolvePath("", cwd, &p.cwd);
  }
  std::string_view trusted = params.Str(execve_p::trusted_exepath);
  if (!trusted.empty()) {
    p.exepath.assign(trusted);
  } else {
    int64_t dirfd = type == Code("execveat") ? params.I64(execveat_p::dirfd, kAtFdcwd) : kAtFdcwd;
    ResolveAt(&p, dirfd, params.Str(execve_p::exe), &p.exepath);
  }
  view.abs_paths[execve_p::exe] = p.exepath;
  if (params.Has(execve_p::env)) AssignStrings(params.Str(execve_p::env), &p.env);
  p.exe_flags = params.U32(execve_p::flags, 0);
  p.exe_ino = params.U64(execve_p::exe_ino, 0);
  p.exe_ino_ctime = params.U64(execve_p::exe_ino_ctime, 0);
  p.exe_ino_mtime = params.U64(execve_p::exe_ino_mtime, 0);
  ReadIdentity(execve_p::tid, t, &p);
  for (auto it = p.fds.begin(); it != p.fds.end();) {
    if (it->second.open_flags & VIGIL_O_CLOEXEC) {
      it = p.fds.erase(it);
      --n_fds;
    } else {
      ++it;
    }
  }
}

void SyscallState::Impl::OnSetId(ThreadInfo& t, uint16_t type) {
  if (params.I64(0, -1) != 0) return;
  const uint32_t a = params.U32(1, kNoId), b = params.U32(2, kNoId);
  const uint32_t old_uid = t.uid, old_euid = t.euid;
  if (type == Code("setuid")) {
    if (a == kNoId) return;
    SetIds(&t.uid, &t.euid, kNoId, a, t.euid == 0, a);
  } else if (type == Code("setgid")) {
    if (a == kNoId) return;
    SetIds(&t.gid, &t.egid, kNoId, a, t.euid == 0, a);
  } else if (type == Code("setreuid") || type == Code("setresuid")) {
    SetIds(&t.uid, &t.euid, a, b, false, 0);
  } else {
    SetIds(&t.gid, &t.egid, a, b, false, 0);
  }
  if (type == Code("setuid") || type == Code("setreuid") || type == Code("setresuid")) {
    DropCapsOnUidChange(t, old_uid, old_euid);
  }
}

void SyscallState::Impl::OnChdir(Process* p, uint16_t type) {
  if (p == nullptr || params.I64(0, -1) != 0) return;
  std::string_view cwd = params.Str(2);  // chdir and fchdir both carry the new cwd there
  if (!cwd.empty() && cwd.front() == '/') {
    ResolvePath("", cwd, &p->cwd);
  } else if (type == Code("chdir")) {
    if (!view.abs_paths[chdir_p::path].empty()) p->cwd = view.abs_paths[chdir_p::path];
  } else if (const FdInfo* d = FindFd(p, params.I64(fchdir_p::fd, -1))) {
    if (!d->name.empty() && d->name.front() == '/') p->cwd = d->name;
  }
}

}  // namespace vigil::state
