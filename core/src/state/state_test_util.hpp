// Test helpers for the syscall state: records for the common events, and a fixture that feeds them.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "syscall_record.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/core/syscall_state.hpp"

namespace vigil::state::testing {

using vigil::test::SyscallRecord;

struct Ident {
  int64_t tid = -1, pid = -1, ptid = -1;
  std::string comm = "proc";
  uint32_t uid = 0, gid = 0, euid = 0, egid = 0;
  uint64_t start_ts = 0;
  std::vector<std::string> cgroups;
};

inline SyscallRecord& AddIdent(SyscallRecord& r, const Ident& id) {
  r.Int("tid", id.tid).Int("pid", id.pid).Int("ptid", id.ptid).Str("comm", id.comm);
  if (id.cgroups.empty()) {
    r.Empty("cgroups");
  } else {
    r.Strs("cgroups", id.cgroups);
  }
  r.U32("uid", id.uid).U32("gid", id.gid).U32("euid", id.euid).U32("egid", id.egid);
  r.U32("loginuid", 1000).U64("cap_inheritable", 0).U64("cap_permitted", 0x1ff);
  r.U64("cap_effective", 0x1ff).U32("tty", 0).Int("sid", id.pid).Int("pgid", id.pid);
  r.Int("vtid", id.tid).Int("vpid", id.pid).Int("vpgid", id.pid);
  r.U32("pidns_ino", 4026531836u).U32("mntns_ino", 4026531840u).U32("netns_ino", 4026531992u);
  r.U64("start_ts", id.start_ts);
  return r;
}

// A clone-family record written in `parent` for the child `child` of process `child_pid`.
inline SyscallRecord Clone(int64_t parent, int64_t child, int64_t child_pid, uint64_t flags,
                           std::string_view type = "clone") {
  SyscallRecord r(type, parent, 1);
  r.Int("res", child);
  Ident id;
  id.tid = child;
  id.pid = child_pid;
  id.ptid = parent;
  id.comm = "child";
  AddIdent(r, id).U64("flags", flags);
  return r;
}

inline SyscallRecord Exec(int64_t tid, int64_t res, const std::vector<std::string>& args,
                          std::string_view cwd = "/", std::string_view trusted = "",
                          uint32_t uid = 0, int64_t ptid = 1) {
  SyscallRecord r("execve", tid, 1);
  r.Int("res", res).Str("exe", args.empty() ? "" : args[0]).Strs("args", args);
  Ident id;
  id.tid = tid;
  id.pid = tid;
  id.ptid = ptid;
  id.comm = args.empty() ? "" : args[0];
  id.uid = id.euid = uid;
  AddIdent(r, id);
  r.Str("cwd", cwd).Strs("env", {"PATH=/bin", "HOME=/root"}).U32("flags", 0).U64("exe_ino", 77);
  r.U64("exe_ino_ctime", 0).U64("exe_ino_mtime", 0).Str("trusted_exepath", trusted);
  return r;
}

inline SyscallRecord Openat(int64_t tid, int64_t fd, int64_t dirfd, std::string_view path,
                            uint32_t flags = VIGIL_O_RDONLY) {
  SyscallRecord r("openat", tid, 1);
  r.Int("fd", fd).Int("dirfd", dirfd).Str("name", path).U32("flags", flags).U32("mode", 0);
  r.U32("dev", 0).U64("ino", 0);
  return r;
}

inline SyscallRecord Close(int64_t tid, int64_t fd, int64_t res = 0) {
  SyscallRecord r("close", tid, 1);
  r.Int("res", res).Int("fd", fd);
  return r;
}

inline SyscallRecord Procexit(int64_t tid) {
  SyscallRecord r("procexit", tid, 1);
  r.Int("status", 0).Int("ret", 0).U32("sig", 0).U32("core", 0);
  return r;
}

// A record from raw parameter bytes (for malformed ones the builder refuses to write).
inline std::vector<uint8_t> RawRecord(uint16_t type, int64_t tid,
                                      const std::vector<std::vector<uint8_t>>& params) {
  size_t total = VIGIL_EVENT_HEADER_SIZE + 4 * params.size();
  for (const auto& p : params) total += p.size();
  std::vector<uint8_t> out(total);
  vigil_event_writer w;
  vigil_event_begin(&w, out.data(), out.size(), type, 1, tid, static_cast<uint16_t>(params.size()));
  for (const auto& p : params) vigil_event_add_param(&w, p.data(), static_cast<uint32_t>(p.size()));
  uint32_t len = 0;
  vigil_event_end(&w, &len);
  return out;
}

template <typename T>
std::vector<uint8_t> Le(T v) {
  std::vector<uint8_t> out(sizeof v);
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

class StateFixture : public ::testing::Test {
 protected:
  explicit StateFixture(StateOptions options = Defaults()) : state_(std::move(options)) {}

  static StateOptions Defaults() {
    StateOptions o;
    o.proc_root = "/nonexistent/vigil-proc";  // no /proc lookups unless a test asks
    return o;
  }

  // Before only: the view stays valid until Finish().
  const SyscallView& Begin(const std::vector<uint8_t>& bytes) {
    bytes_ = bytes;
    ctx_ = {};
    ctx_.record = bytes_.data();
    ctx_.len = static_cast<uint32_t>(bytes_.size());
    ctx_.type = vigil_event_get_header(bytes_.data()).type;
    return state_.Before(ctx_);
  }
  const SyscallView& Begin(const SyscallRecord& r) { return Begin(r.Finish()); }
  void Finish() { state_.After(); }
  // Before and After.
  void Apply(const SyscallRecord& r) {
    Begin(r);
    Finish();
  }
  void Apply(const std::vector<uint8_t>& bytes) {
    Begin(bytes);
    Finish();
  }

  const Process* ProcOf(int64_t tid) {
    const ThreadInfo* t = state_.FindThread(tid);
    return t ? t->process.get() : nullptr;
  }
  const FdInfo* Fd(int64_t tid, int64_t fd) {
    const Process* p = ProcOf(tid);
    if (!p) return nullptr;
    auto it = p->fds.find(fd);
    return it == p->fds.end() ? nullptr : &it->second;
  }

  SyscallState state_;
  std::vector<uint8_t> bytes_;
  fields::EventContext ctx_;
};

}  // namespace vigil::state::testing
