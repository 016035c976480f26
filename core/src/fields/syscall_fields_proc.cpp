// proc.*, thread.*, user.*, group.*: read from the event's thread (SyscallView::thread) and its
// process; parents and ancestors through ThreadLookup (ptid → the parent's main thread), as
// Falco's thread filterchecks (libsinsp sinsp_filtercheck_thread.cpp) read its thread table.
// Strings already in the state are returned as views; joined ones (cmdline, args, env, cwd,
// capabilities) are built in the extractor's own buffers.
#include <array>
#include <string_view>

#include "syscall_fields.hpp"
#include "syscall_names.hpp"

namespace vigil::fields::syscall {
namespace {

using state::Process;
using state::ThreadInfo;

const ThreadInfo* ThreadOf(const EventContext& e) {
  return e.syscall ? e.syscall->thread : nullptr;
}
const Process* ProcessOf(const ThreadInfo* t) { return t ? t->process.get() : nullptr; }

bool IsShell(std::string_view comm) {
  static constexpr std::string_view kShells[] = {"ash", "bash", "csh", "ksh",
                                                 "sh",  "tcsh", "zsh", "dash"};
  for (std::string_view s : kShells) {
    if (comm == s) return true;
  }
  return false;
}

void JoinArgs(std::string& out, const Process& p) {
  for (size_t i = 0; i < p.args.size(); ++i) {
    if (i) out += ' ';
    out += p.args[i];
  }
}

// What a family of fields reads from one thread (proc.X, proc.pX, proc.aX[N] share it).
enum class Attr : uint8_t { kExe, kExePath, kName, kCmdline, kPid };

class ProcExtractor final : public SingleValueExtractor {
 public:
  ProcExtractor(Field field, const FieldArg& arg, Shared* shared)
      : field_(field), arg_(arg), shared_(shared) {}

  std::span<const Value> Extract(const EventContext& e) override {
    shared_->Event(e);
    const ThreadInfo* t = ThreadOf(e);
    if (!t) return {};
    const Process* p = ProcessOf(t);
    switch (field_) {
      case Field::kProcExe:
        return One(t, Attr::kExe);
      case Field::kProcPExe:
        return One(shared_->Parent(t), Attr::kExe);
      case Field::kProcAExe:
        return Ancestors(t, Attr::kExe);
      case Field::kProcExePath:
        return One(t, Attr::kExePath);
      case Field::kProcPExePath:
        return One(shared_->Parent(t), Attr::kExePath);
      case Field::kProcAExePath:
        return Ancestors(t, Attr::kExePath);
      case Field::kProcName:
        return One(t, Attr::kName);
      case Field::kProcPName:
        return One(shared_->Parent(t), Attr::kName);
      case Field::kProcAName:
        return Ancestors(t, Attr::kName);
      case Field::kProcArgs:
        if (!p) return {};
        text_.clear();
        JoinArgs(text_, *p);
        return Str(text_);
      case Field::kProcCmdline:
        return One(t, Attr::kCmdline);
      case Field::kProcPCmdline:
        return One(shared_->Parent(t), Attr::kCmdline);
      case Field::kProcACmdline:
        return Ancestors(t, Attr::kCmdline);
      case Field::kProcCmdNArgs:
        if (!p) return {};
        return Num(p->args.size());
      case Field::kProcCmdLenArgs: {
        if (!p) return {};
        uint64_t n = 0;
        for (const std::string& a : p->args) n += a.size();
        return Num(n);
      }
      case Field::kProcExeline:
        if (!p) return {};
        text_ = p->exe;
        for (const std::string& a : p->args) {
          text_ += ' ';
          text_ += a;
        }
        return Str(text_);
      case Field::kProcEnv:
        if (!p) return {};
        if (arg_.present) return EnvVar(*p);
        text_.clear();
        for (size_t i = 0; i < p->env.size(); ++i) {
          if (i) text_ += ' ';
          text_ += p->env[i];
        }
        return Str(text_);
      case Field::kProcAEnv: {
        if (!arg_.present) {
          if (!p) return {};
          text_.clear();
          for (size_t i = 0; i < p->env.size(); ++i) {
            if (i) text_ += ' ';
            text_ += p->env[i];
          }
          return Str(text_);
        }
        const ThreadInfo* a = t;
        for (int i = 0; a && i <= kMaxLineage; ++i, a = shared_->Parent(a)) {
          if (const Process* ap = ProcessOf(a)) {
            auto v = EnvVar(*ap);
            if (!v.empty()) return v;
          }
        }
        return {};
      }
      case Field::kProcCwd:
        if (!p || p->cwd.empty()) return {};
        if (p->cwd.back() == '/') return Str(p->cwd);
        text_ = p->cwd;
        text_ += '/';  // Falco prints the cwd with a trailing '/'
        return Str(text_);
      case Field::kProcLoginShellId: {
        int64_t found = -1;
        const ThreadInfo* a = t;
        for (int i = 0; a && i <= kMaxLineage; ++i, a = shared_->Parent(a)) {
          if (IsShell(a->comm)) found = a->pid;
        }
        if (found < 0) return {};
        return Int(found);
      }
      case Field::kProcTty:
        return Num(t->tty);
      case Field::kProcPid:
        return Int(t->pid);
      case Field::kProcPPid:
        return Int(t->ptid);
      case Field::kProcAPid:
        return Ancestors(t, Attr::kPid);
      case Field::kProcVPid:
        return Int(t->vpid);
      case Field::kProcPVPid: {
        const ThreadInfo* parent = shared_->Parent(t);
        if (!parent) return {};
        return Int(parent->vpid);
      }
      case Field::kProcSid:
        return Int(t->sid);
      case Field::kProcSName:
        return One(GroupLeader(t, /*session=*/true), Attr::kName);
      case Field::kProcSidExe:
        return One(GroupLeader(t, true), Attr::kExe);
      case Field::kProcSidExePath:
        return One(GroupLeader(t, true), Attr::kExePath);
      case Field::kProcVPgid:
        return Int(t->vpgid);
      case Field::kProcVPgidName:
        return One(GroupLeader(t, false), Attr::kName);
      case Field::kProcVPgidExe:
        return One(GroupLeader(t, false), Attr::kExe);
      case Field::kProcVPgidExePath:
        return One(GroupLeader(t, false), Attr::kExePath);
      case Field::kProcDuration:
      case Field::kProcPPidDuration:
      case Field::kProcPidTs:
      case Field::kProcPPidTs: {
        const bool parent = field_ == Field::kProcPPidDuration || field_ == Field::kProcPPidTs;
        const uint64_t start = StartOf(parent ? shared_->Parent(t) : t);
        if (start == 0) return {};
        if (field_ == Field::kProcPidTs || field_ == Field::kProcPPidTs) return Num(start);
        if (e.ts_ns < start) return {};
        return Num(e.ts_ns - start);
      }
      case Field::kProcIsExeWritable:
        return p ? Num((p->exe_flags & 1u) != 0) : Empty();
      case Field::kProcIsExeUpperLayer:
        return p ? Num((p->exe_flags & 2u) != 0) : Empty();
      case Field::kProcIsExeFromMemfd:
        return p ? Num((p->exe_flags & 4u) != 0) : Empty();
      case Field::kProcIsExeLowerLayer:
        return p ? Num((p->exe_flags & 8u) != 0) : Empty();
      case Field::kProcIsSidLeader:
        return Num(t->sid == t->vpid);
      case Field::kProcIsVPgidLeader:
        return Num(t->vpgid == t->vpid);
      case Field::kProcExeIno:
        if (!p || p->exe_ino == 0) return {};
        return Num(p->exe_ino);
      case Field::kProcExeInoCtime:
        if (!p || p->exe_ino_ctime == 0) return {};
        return Num(p->exe_ino_ctime);
      case Field::kProcExeInoMtime:
        if (!p || p->exe_ino_mtime == 0) return {};
        return Num(p->exe_ino_mtime);
      case Field::kProcExeInoCtimeDurationProcStart: {
        const uint64_t start = StartOf(t);
        if (!p || p->exe_ino_ctime == 0 || start == 0 || start < p->exe_ino_ctime) return {};
        return Num(start - p->exe_ino_ctime);
      }
      case Field::kProcExeInoCtimeDurationPidnsStart:
        if (!p || p->exe_ino_ctime == 0 || p->pidns_init_start_ts == 0 ||
            p->exe_ino_ctime < p->pidns_init_start_ts) {
          return {};
        }
        return Num(p->exe_ino_ctime - p->pidns_init_start_ts);
      case Field::kProcPidnsInitStartTs:
        if (!p || p->pidns_init_start_ts == 0) return {};
        return Num(p->pidns_init_start_ts);
      case Field::kProcFdOpenCount:
        if (!p) return {};
        return Num(p->fds.size());
      case Field::kThreadTid:
        return Int(t->tid);
      case Field::kThreadVTid:
        return Int(t->vtid);
      case Field::kThreadIsMain:
        return Num(t->tid == t->pid);
      case Field::kThreadCapPermitted:
        return Caps(t->cap_permitted);
      case Field::kThreadCapInheritable:
        return Caps(t->cap_inheritable);
      case Field::kThreadCapEffective:
        return Caps(t->cap_effective);
      case Field::kUserUid:
        return Num(t->euid);
      case Field::kUserRuid:
        return Num(t->uid);
      case Field::kUserName:
      case Field::kUserHomedir:
      case Field::kUserShell: {
        const auto& u = shared_->users.GetUser(t->euid);
        if (!u.found) return {};
        return Str(field_ == Field::kUserName      ? u.name
                   : field_ == Field::kUserHomedir ? u.homedir
                                                   : u.shell);
      }
      case Field::kUserLoginUid:
        return Int(t->loginuid == UINT32_MAX ? -1 : static_cast<int64_t>(t->loginuid));
      case Field::kUserLoginName: {
        if (t->loginuid == UINT32_MAX) return {};
        const auto& u = shared_->users.GetUser(t->loginuid);
        if (!u.found) return {};
        return Str(u.name);
      }
      case Field::kGroupGid:
        return Num(t->egid);
      case Field::kGroupName: {
        const auto& g = shared_->users.GetGroup(t->egid);
        if (!g.found) return {};
        return Str(g.name);
      }
      default:
        return {};
    }
  }

 private:
  static uint64_t StartOf(const ThreadInfo* t) {
    if (!t) return 0;
    const Process* p = ProcessOf(t);
    if (p && p->start_ts) return p->start_ts;
    return t->start_ts;
  }

  // The session (or process group) leader as Falco finds it: the process itself when it leads,
  // else the eldest ancestor in the same session, stopping at the one whose vpid is the id.
  const ThreadInfo* GroupLeader(const ThreadInfo* t, bool session) const {
    const int64_t id = session ? t->sid : t->vpgid;
    if (t->vpid == id) return t;
    const ThreadInfo* leader = nullptr;
    const ThreadInfo* a = shared_->Parent(t);
    for (int i = 0; a && i < kMaxLineage; ++i, a = shared_->Parent(a)) {
      if ((session ? a->sid : a->vpgid) != id) break;
      leader = a;
      if (a->vpid == id) break;
    }
    return leader;
  }

  // The attribute of one thread into `slot` (text goes to `buf` when it must be built).
  bool AttrOf(const ThreadInfo* t, Attr attr, std::string& buf, Value& slot) {
    if (!t) return false;
    const Process* p = ProcessOf(t);
    switch (attr) {
      case Attr::kExe:
        if (!p) return false;
        slot = Value{p->exe, 0};
        return true;
      case Attr::kExePath:
        if (!p) return false;
        slot = Value{p->exepath, 0};
        return true;
      case Attr::kName:
        slot = Value{t->comm, 0};
        return true;
      case Attr::kCmdline:
        buf = t->comm;
        if (p) {
          for (const std::string& a : p->args) {
            buf += ' ';
            buf += a;
          }
        }
        slot = Value{buf, 0};
        return true;
      case Attr::kPid:
        slot = Value{{}, static_cast<uint64_t>(t->pid)};
        return true;
    }
    return false;
  }

  std::span<const Value> One(const ThreadInfo* t, Attr attr) {
    Value v;
    if (!AttrOf(t, attr, text_, v)) return {};
    return SetValue(v);
  }

  // proc.aX[N]: one level; proc.aX: every ancestor (parent first), so `in` matches any.
  std::span<const Value> Ancestors(const ThreadInfo* t, Attr attr) {
    if (arg_.present) return One(shared_->Ancestor(t, arg_.index), attr);
    values_.clear();
    // Sized once: growing it while filling would move the strings earlier views point into.
    if (bufs_.size() < static_cast<size_t>(kMaxLineage)) bufs_.resize(kMaxLineage);
    size_t n = 0;
    const ThreadInfo* a = shared_->Parent(t);
    for (; a && n < static_cast<size_t>(kMaxLineage); a = shared_->Parent(a), ++n) {
      Value v;
      if (AttrOf(a, attr, bufs_[n], v)) values_.push_back(v);
    }
    return values_;
  }

  std::span<const Value> EnvVar(const Process& p) {
    const std::string& key = arg_.text;
    for (const std::string& kv : p.env) {
      if (kv.size() > key.size() && kv[key.size()] == '=' && kv.compare(0, key.size(), key) == 0) {
        return Str(std::string_view(kv).substr(key.size() + 1));
      }
    }
    return {};
  }

  std::span<const Value> Caps(uint64_t caps) {
    if (!caps_valid_ || caps != caps_last_) {
      caps_text_.clear();
      AppendCaps(caps_text_, caps);
      caps_last_ = caps;
      caps_valid_ = true;
    }
    return Str(caps_text_);
  }

  static std::span<const Value> Empty() { return {}; }

  Field field_;
  FieldArg arg_;
  Shared* shared_;
  std::string text_;
  std::vector<Value> values_;
  std::vector<std::string> bufs_;
  std::string caps_text_;
  uint64_t caps_last_ = 0;
  bool caps_valid_ = false;
};

}  // namespace

std::unique_ptr<Extractor> MakeProcExtractor(Field field, const FieldArg& arg, Shared* shared) {
  return std::make_unique<ProcExtractor>(field, arg, shared);
}

}  // namespace vigil::fields::syscall
