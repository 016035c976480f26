// evt.* (arguments, results, buffers, open kinds) and fs.path.*: read from the record, with
// arguments rendered as Falco renders them (libsinsp sinsp_evt::get_param_as_str): a raw text and,
// for some types, a resolved one (flag names, the fd's name, the errno name, the user name).
// evt.arg.X gives the resolved text when there is one, else the raw; evt.args prints every
// argument as name=raw or name=raw(resolved).
#include <array>
#include <charconv>
#include <cstring>
#include <optional>

#include "syscall_fields.hpp"
#include "syscall_names.hpp"
#include "vigil/event_record.h"
#include "vigil/syscall_schema.h"

namespace vigil::fields::syscall {
namespace {

// Per event type, what the evt fields need to know, computed once from the schema.
struct TypeInfo {
  int8_t res = -1;    // the return value's param (res, fd, res_or_fd), or -1
  int8_t data = -1;   // the I/O buffer (data)
  int8_t flags = -1;  // open flags (open-like events)
  int8_t mode = -1;   // open mode
  bool is_io = false;
  enum OpenKind : uint8_t { kNotOpen, kOpen, kCreat } open = kNotOpen;
  int8_t fs_name = -1, fs_source = -1, fs_target = -1;
};

const std::array<TypeInfo, VIGIL_EVENT_TYPE_END>& Types() {
  static const std::array<TypeInfo, VIGIL_EVENT_TYPE_END> table = [] {
    std::array<TypeInfo, VIGIL_EVENT_TYPE_END> t{};
    for (uint16_t type = 0; type < VIGIL_EVENT_TYPE_END; ++type) {
      std::span<const ParamDesc> params = Params(type);
      if (params.empty()) continue;
      TypeInfo& ti = t[type];
      const std::string_view first = params[0].name;
      const uint8_t first_type = params[0].type;
      if ((first == "res" || first == "fd" || first == "res_or_fd") &&
          (first_type == VIGIL_PT_RES || first_type == VIGIL_PT_FD ||
           first_type == VIGIL_PT_UINT64)) {
        ti.res = 0;
      }
      ti.data = static_cast<int8_t>(ParamIndex(type, "data"));
      ti.is_io = ti.data >= 0;
    }
#define VIGIL_OPEN(code, name, kind)                              \
  t[code].open = kind;                                            \
  t[code].flags = static_cast<int8_t>(ParamIndex(code, "flags")); \
  t[code].mode = static_cast<int8_t>(ParamIndex(code, "mode"));
    VIGIL_OPEN(16, open, TypeInfo::kOpen)
    VIGIL_OPEN(17, openat, TypeInfo::kOpen)
    VIGIL_OPEN(18, openat2, TypeInfo::kOpen)
    VIGIL_OPEN(19, creat, TypeInfo::kCreat)
#undef VIGIL_OPEN
    // fs.path: one-path calls name their path; two-path calls have a source and a target.
    struct OnePath {
      uint16_t type;
      const char* param;
    };
    constexpr OnePath kOne[] = {
        {16, "name"}, {17, "name"}, {18, "name"}, {19, "name"},     {43, "path"},     {44, "name"},
        {45, "path"}, {46, "path"}, {47, "path"}, {48, "filename"}, {50, "filename"},
    };
    for (const OnePath& o : kOne) {
      t[o.type].fs_name = static_cast<int8_t>(ParamIndex(o.type, o.param));
    }
    struct TwoPath {
      uint16_t type;
      const char* source;
      const char* target;
    };
    constexpr TwoPath kTwo[] = {
        {40, "oldpath", "newpath"}, {41, "oldpath", "newpath"}, {42, "oldpath", "newpath"},
        {53, "oldpath", "newpath"}, {54, "oldpath", "newpath"}, {51, "target", "linkpath"},
        {52, "target", "linkpath"},
    };
    for (const TwoPath& p : kTwo) {
      t[p.type].fs_source = static_cast<int8_t>(ParamIndex(p.type, p.source));
      t[p.type].fs_target = static_cast<int8_t>(ParamIndex(p.type, p.target));
    }
    return t;
  }();
  return table;
}

const TypeInfo* InfoOf(uint16_t type) {
  return type < VIGIL_EVENT_TYPE_END ? &Types()[type] : nullptr;
}

// Parameter `idx` of the event's record; nullopt when absent, empty when the source could not
// read it.
std::optional<std::string_view> RawParam(const EventContext& e, int idx) {
  if (!e.record || idx < 0) return std::nullopt;
  vigil_bytes b;
  if (vigil_event_param(e.record, static_cast<uint32_t>(idx), &b) != VIGIL_EVENT_OK) {
    return std::nullopt;
  }
  return std::string_view(reinterpret_cast<const char*>(b.data), b.len);
}

// A fixed-size parameter as a number (sign-extended for 8-byte types, as the schema's 8-byte
// types are int64 or carry bits where the sign does not matter).
std::optional<uint64_t> NumParam(const EventContext& e, int idx) {
  auto p = RawParam(e, idx);
  if (!p) return std::nullopt;
  if (p->size() == 8) {
    uint64_t v;
    std::memcpy(&v, p->data(), 8);
    return v;
  }
  if (p->size() == 4) {
    uint32_t v;
    std::memcpy(&v, p->data(), 4);
    return v;
  }
  return std::nullopt;
}

std::optional<int64_t> ResOf(const EventContext& e) {
  const TypeInfo* ti = InfoOf(e.type);
  if (!ti || ti->res < 0) return std::nullopt;
  auto v = NumParam(e, ti->res);
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v);
}

void AppendDec(std::string& out, int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void AppendUDec(std::string& out, uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

// One argument rendered: views into the record, the state or the caller's buffers.
struct Rendered {
  std::string_view raw;
  std::string_view resolved;  // empty: none
  std::string_view value() const { return resolved.empty() ? raw : resolved; }
};

// Renders params; owns the buffers the views point into (valid until the next Render).
class ArgRenderer {
 public:
  explicit ArgRenderer(Shared* shared) : shared_(shared) {}

  // nullopt when the event has no such param or it is empty.
  std::optional<Rendered> Render(const EventContext& e, int idx) {
    std::span<const ParamDesc> params = Params(e.type);
    if (idx < 0 || static_cast<size_t>(idx) >= params.size()) return std::nullopt;
    auto p = RawParam(e, idx);
    if (!p || p->empty()) return std::nullopt;
    raw_.clear();
    resolved_.clear();
    Rendered r;
    const uint8_t type = params[idx].type;
    const size_t size = VIGIL_PT_SIZE(type);
    uint64_t num = 0;
    if (size == 8 || size == 4) {
      if (p->size() != size) return std::nullopt;
      if (size == 8) {
        std::memcpy(&num, p->data(), 8);
      } else {
        uint32_t v;
        std::memcpy(&v, p->data(), 4);
        num = v;
      }
    }
    const auto snum = static_cast<int64_t>(num);
    switch (type) {
      case VIGIL_PT_INT64:
      case VIGIL_PT_ABSTIME:
        AppendDec(raw_, snum);
        break;
      case VIGIL_PT_UINT64:
      case VIGIL_PT_UINT32:
        AppendUDec(raw_, num);
        break;
      case VIGIL_PT_RES:
        AppendDec(raw_, snum);
        if (snum < 0) {
          if (const char* name = ErrnoName(snum)) resolved_ = name;
        }
        break;
      case VIGIL_PT_FD:
        AppendDec(raw_, snum);
        ResolveFd(e, snum);
        break;
      case VIGIL_PT_PID:
        AppendDec(raw_, snum);
        if (shared_->lookup && snum > 0) {
          if (const state::ThreadInfo* t = shared_->lookup->FindThread(snum)) resolved_ = t->comm;
        }
        break;
      case VIGIL_PT_PATH: {
        r.raw = *p;
        const state::SyscallView* view = e.syscall;
        if (view && p->front() != '/' && static_cast<size_t>(idx) < view->abs_paths.size() &&
            !view->abs_paths[idx].empty()) {
          r.resolved = view->abs_paths[idx];
        }
        return r;
      }
      case VIGIL_PT_CHARBUF:
        r.raw = *p;
        return r;
      case VIGIL_PT_CHARBUFARRAY: {
        // Falco joins the strings with '.'.
        std::string_view rest = *p;
        bool first = true;
        while (!rest.empty()) {
          size_t nul = rest.find('\0');
          if (!first) raw_ += '.';
          raw_.append(rest.substr(0, nul));
          first = false;
          if (nul == std::string_view::npos) break;
          rest.remove_prefix(nul + 1);
        }
        break;
      }
      case VIGIL_PT_BYTEBUF:
        AppendPrintable(raw_, *p);
        break;
      case VIGIL_PT_SOCKADDR:
        AppendSockaddr(raw_, *p);
        break;
      case VIGIL_PT_SOCKTUPLE:
        AppendSocktuple(raw_, *p);
        break;
      case VIGIL_PT_UID:
      case VIGIL_PT_GID:
        if (num == UINT32_MAX) {
          raw_ = "-1";
          resolved_ = "<NONE>";
        } else {
          AppendUDec(raw_, num);
          const auto id = static_cast<uint32_t>(num);
          if (type == VIGIL_PT_UID) {
            const auto& u = shared_->users.GetUser(id);
            resolved_ = u.found && !u.name.empty() ? u.name : "<NA>";
          } else {
            const auto& g = shared_->users.GetGroup(id);
            resolved_ = g.found && !g.name.empty() ? g.name : "<NA>";
          }
        }
        break;
      case VIGIL_PT_MODE: {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0%o", static_cast<unsigned>(num));
        raw_ = buf;
        AppendFlags(resolved_, kMode, num);
        break;
      }
      case VIGIL_PT_SIGNAL:
        AppendUDec(raw_, num);
        if (const char* name = SignalName(num)) resolved_ = name;
        break;
      case VIGIL_PT_CAPS:
        AppendUDec(raw_, num);
        AppendCaps(resolved_, num);
        break;
      default:
        if (const FlagTable* table = TableOf(type)) {
          if (type == VIGIL_PT_BPF_CMD) {
            AppendDec(raw_, snum);
          } else {
            AppendUDec(raw_, num);
          }
          AppendFlags(resolved_, *table, num);
          if (resolved_.empty() && (type == VIGIL_PT_PTRACE_REQ || type == VIGIL_PT_FCNTL_CMD)) {
            resolved_ = type == VIGIL_PT_PTRACE_REQ ? "PTRACE_UNKNOWN" : "UNKNOWN";
          }
        } else {
          return std::nullopt;
        }
        break;
    }
    r.raw = raw_;
    r.resolved = resolved_;
    return r;
  }

 private:
  static const FlagTable* TableOf(uint8_t type) {
    switch (type) {
      case VIGIL_PT_OPEN_FLAGS:
        return &kOpenFlags;
      case VIGIL_PT_EXE_FLAGS:
        return &kExeFlags;
      case VIGIL_PT_CLONE_FLAGS:
      case VIGIL_PT_NS_TYPE:
        return &kCloneFlags;
      case VIGIL_PT_SOCK_FAMILY:
        return &kSockFamily;
      case VIGIL_PT_PTRACE_REQ:
        return &kPtraceReq;
      case VIGIL_PT_BPF_CMD:
        return &kBpfCmd;
      case VIGIL_PT_FCNTL_CMD:
        return &kFcntlCmd;
      case VIGIL_PT_MOUNT_FLAGS:
        return &kMountFlags;
      case VIGIL_PT_MEMFD_FLAGS:
        return &kMemfdFlags;
      case VIGIL_PT_AT_FLAGS:
        return &kAtFlags;
      case VIGIL_PT_PROT:
        return &kProt;
      default:
        return nullptr;
    }
  }

  // Falco's render_fd: "<f>/etc/passwd" (type char, l4 char for IP sockets, then the name) for
  // an fd of the thread's table, AT_FDCWD, or the errno name of a negative result.
  void ResolveFd(const EventContext& e, int64_t fd) {
    if (fd == -100) {
      resolved_ = "AT_FDCWD";
      return;
    }
    if (fd < 0) {
      if (const char* name = ErrnoName(fd)) resolved_ = name;
      return;
    }
    const state::SyscallView* view = e.syscall;
    if (!view || !view->thread || !view->thread->process) return;
    const auto& fds = view->thread->process->fds;
    auto it = fds.find(fd);
    if (it == fds.end()) return;
    const state::FdInfo& f = it->second;
    resolved_ += '<';
    resolved_ += FdTypeChar(f.type);
    if (f.type == state::FdType::kIpv4 || f.type == state::FdType::kIpv6) {
      std::string_view l4 = L4ProtoName(f.l4proto);
      if (!l4.empty()) resolved_ += l4 == "icmp" ? 'i' : l4[0];
    }
    resolved_ += '>';
    resolved_ += f.name;
  }

  Shared* shared_;
  std::string raw_, resolved_;
};

class EvtExtractor final : public SingleValueExtractor {
 public:
  EvtExtractor(Field field, Shared* shared) : field_(field), renderer_(shared) {}

  // evt.arg / evt.rawarg: the param by name (index per event type, resolved now) or position.
  void BindArg(std::string_view name) {
    by_type_.fill(-1);
    for (uint16_t t = 0; t < VIGIL_EVENT_TYPE_END; ++t) {
      by_type_[t] = static_cast<int8_t>(ParamIndex(t, name));
    }
  }
  void BindIndex(uint64_t index) {
    fixed_index_ = static_cast<int>(std::min<uint64_t>(index, 127));
  }

  // evt.arg.X and evt.args render text per event (flags, addresses, paths).
  bool costly() const override { return field_ == Field::kArg || field_ == Field::kArgs; }

  std::span<const Value> Extract(const EventContext& e) override {
    switch (field_) {
      case Field::kArg: {
        auto r = renderer_.Render(e, ArgIndex(e));
        if (!r) return {};
        return Str(r->value());
      }
      case Field::kRawArg: {
        const int idx = ArgIndex(e);
        std::span<const ParamDesc> params = Params(e.type);
        if (idx < 0 || static_cast<size_t>(idx) >= params.size()) return {};
        if (VIGIL_PT_SIZE(params[idx].type) == 0) return {};
        auto v = NumParam(e, idx);
        if (!v) return {};
        return Num(*v);
      }
      case Field::kArgs: {
        std::span<const ParamDesc> params = Params(e.type);
        text_.clear();
        for (size_t i = 0; i < params.size(); ++i) {
          if (i) text_ += ' ';
          text_ += params[i].name;
          text_ += '=';
          auto r = renderer_.Render(e, static_cast<int>(i));
          if (!r) {
            const uint8_t t = params[i].type;
            text_ +=
                (t == VIGIL_PT_BYTEBUF || t == VIGIL_PT_SOCKTUPLE || t == VIGIL_PT_CHARBUFARRAY)
                    ? "NULL"
                    : "<NA>";
            continue;
          }
          text_ += r->raw;
          if (!r->resolved.empty()) {
            text_ += '(';
            text_ += r->resolved;
            text_ += ')';
          }
        }
        return Str(text_);
      }
      case Field::kRes: {
        auto res = ResOf(e);
        if (!res) return {};
        if (*res >= 0) return Str("SUCCESS");
        if (const char* name = ErrnoName(*res)) return Str(name);
        text_.clear();
        AppendDec(text_, *res);
        return Str(text_);
      }
      case Field::kRawRes: {
        auto res = ResOf(e);
        if (!res) return {};
        return Num(static_cast<uint64_t>(*res));
      }
      case Field::kFailed: {
        auto res = ResOf(e);
        if (!res) return {};
        return Num(*res < 0 ? 1 : 0);
      }
      case Field::kDir:
        if (!InfoOf(e.type) || Params(e.type).empty()) return {};
        return Str("<");
      case Field::kBuffer: {
        const TypeInfo* ti = InfoOf(e.type);
        if (!ti || ti->data < 0) return {};
        auto p = RawParam(e, ti->data);
        if (!p) return {};
        return Str(*p);
      }
      case Field::kBufLen: {
        const TypeInfo* ti = InfoOf(e.type);
        if (!ti || !ti->is_io || !e.syscall || !e.syscall->fd) return {};
        auto res = ResOf(e);
        if (!res || *res < 0) return {};
        return Num(static_cast<uint64_t>(*res));
      }
      case Field::kIsOpenRead:
      case Field::kIsOpenWrite:
      case Field::kIsOpenExec:
      case Field::kIsOpenCreate:
        return Num(IsOpen(e) ? 1 : 0);
      case Field::kFsPathName:
      case Field::kFsPathNameRaw:
      case Field::kFsPathSource:
      case Field::kFsPathSourceRaw:
      case Field::kFsPathTarget:
      case Field::kFsPathTargetRaw:
        return FsPath(e);
      default:
        return {};
    }
  }

 private:
  int ArgIndex(const EventContext& e) const {
    if (fixed_index_ >= 0) return fixed_index_;
    return e.type < VIGIL_EVENT_TYPE_END ? by_type_[e.type] : -1;
  }

  // Falco's evt.is_open_*: open/openat/openat2 by their flags; creat only for exec (its mode).
  bool IsOpen(const EventContext& e) const {
    const TypeInfo* ti = InfoOf(e.type);
    if (!ti || ti->open == TypeInfo::kNotOpen) return false;
    constexpr uint32_t kExecBits = 0111;  // S_IXUSR | S_IXGRP | S_IXOTH
    if (ti->open == TypeInfo::kCreat) {
      if (field_ != Field::kIsOpenExec) return false;
      auto mode = NumParam(e, ti->mode);
      return mode && (*mode & kExecBits);
    }
    auto flags_param = NumParam(e, ti->flags);
    const uint64_t flags = flags_param.value_or(0);
    switch (field_) {
      case Field::kIsOpenRead:
        return flags & VIGIL_O_RDONLY;
      case Field::kIsOpenWrite:
        return flags & VIGIL_O_WRONLY;
      case Field::kIsOpenCreate: {
        if (flags & VIGIL_O_F_CREATED) return true;
        auto res = ResOf(e);
        return (flags & VIGIL_O_TMPFILE) && res && *res >= 0;
      }
      case Field::kIsOpenExec: {
        if (!(flags & (VIGIL_O_TMPFILE | VIGIL_O_CREAT))) return false;
        auto mode = NumParam(e, ti->mode);
        return mode && (*mode & kExecBits);
      }
      default:
        return false;
    }
  }

  std::span<const Value> FsPath(const EventContext& e) {
    const TypeInfo* ti = InfoOf(e.type);
    if (!ti) return {};
    int idx = -1;
    bool raw = false;
    switch (field_) {
      case Field::kFsPathName:
      case Field::kFsPathNameRaw:
        idx = ti->fs_name;
        raw = field_ == Field::kFsPathNameRaw;
        break;
      case Field::kFsPathSource:
      case Field::kFsPathSourceRaw:
        idx = ti->fs_source;
        raw = field_ == Field::kFsPathSourceRaw;
        break;
      default:
        idx = ti->fs_target;
        raw = field_ == Field::kFsPathTargetRaw;
        break;
    }
    auto p = RawParam(e, idx);
    if (!p || p->empty()) return {};
    if (!raw && e.syscall && static_cast<size_t>(idx) < e.syscall->abs_paths.size() &&
        !e.syscall->abs_paths[idx].empty() && Params(e.type)[idx].type == VIGIL_PT_PATH) {
      return Str(e.syscall->abs_paths[idx]);
    }
    return Str(*p);
  }

  Field field_;
  ArgRenderer renderer_;
  std::array<int8_t, VIGIL_EVENT_TYPE_END> by_type_{};
  int fixed_index_ = -1;
  std::string text_;
};

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

StatusOr<std::unique_ptr<Extractor>> MakeEvtExtractor(Field field, const FieldArg& arg,
                                                      Shared* shared) {
  auto x = std::make_unique<EvtExtractor>(field, shared);
  if (field == Field::kArg || field == Field::kRawArg) {
    if (field == Field::kArg && AllDigits(arg.text)) {
      uint64_t index = 0;
      std::from_chars(arg.text.data(), arg.text.data() + arg.text.size(), index);
      x->BindIndex(index);
    } else {
      if (!AnyEventHasParam(arg.text)) {
        return Status::Error("no syscall event has an argument '" + arg.text + "'");
      }
      x->BindArg(arg.text);
    }
  }
  return std::unique_ptr<Extractor>(std::move(x));
}

}  // namespace vigil::fields::syscall
