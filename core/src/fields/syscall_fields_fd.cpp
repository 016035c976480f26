// fd.*: the fd the event is about (SyscallView::fd, fd_num) and, for fd.types, the process's fd
// table. Client/server follow the socket tuple (s = client, d = server); local/remote follow the
// socket's role (a server's local side is d, a client's, or an unknown role's, is s), as Falco.
#include <array>
#include <bitset>
#include <cstring>

#include "syscall_fields.hpp"
#include "syscall_names.hpp"

namespace vigil::fields::syscall {
namespace {

using state::FdInfo;
using state::FdType;

bool IsIp(const FdInfo& f) { return f.type == FdType::kIpv4 || f.type == FdType::kIpv6; }

class FdExtractor final : public SingleValueExtractor {
 public:
  FdExtractor(Field field, const FieldArg& arg, Shared* shared)
      : field_(field), arg_(arg), shared_(shared) {}

  std::span<const Value> Extract(const EventContext& e) override {
    const state::SyscallView* view = e.syscall;
    if (!view) return {};
    if (field_ == Field::kFdTypes) return Types(*view);
    if (field_ == Field::kFdNum) {
      if (!view->fd && view->fd_num < 0) return {};
      return Num(static_cast<uint64_t>(view->fd_num));
    }
    const FdInfo* f = view->fd;
    if (!f) return {};
    // Client (s) and server (d) sides; local/remote by role.
    const bool server_role = f->role == state::SocketRole::kServer;
    switch (field_) {
      case Field::kFdType:
        return Str(FdTypeName(f->type));
      case Field::kFdTypeChar:
        return Str(FdTypeChar(f->type));
      case Field::kFdName:
        if (f->name.empty()) return {};
        return Str(f->name);
      case Field::kFdDirectory: {
        if (f->type == FdType::kDirectory) return f->name.empty() ? Empty() : Str(f->name);
        if (f->type != FdType::kFile) return {};
        std::string_view name = f->name;
        size_t slash = name.rfind('/');
        if (slash == std::string_view::npos) return {};
        return Str(slash == 0 ? name.substr(0, 1) : name.substr(0, slash));
      }
      case Field::kFdFilename: {
        if (f->type != FdType::kFile) return {};
        std::string_view name = f->name;
        size_t slash = name.rfind('/');
        if (slash == std::string_view::npos) return name.empty() ? Empty() : Str(name);
        return Str(name.substr(slash + 1));
      }
      case Field::kFdIp:
        if (!IsIp(*f)) return {};
        values_[0] = Value{Addr(*f, f->sip), 0};
        values_[1] = Value{Addr(*f, f->dip), 0};
        return {values_.data(), 2};
      case Field::kFdCIp:
        return IsIp(*f) ? Str(Addr(*f, f->sip)) : Empty();
      case Field::kFdSIp:
        return IsIp(*f) ? Str(Addr(*f, f->dip)) : Empty();
      case Field::kFdLIp:
        return IsIp(*f) ? Str(Addr(*f, server_role ? f->dip : f->sip)) : Empty();
      case Field::kFdRIp:
        return IsIp(*f) ? Str(Addr(*f, server_role ? f->sip : f->dip)) : Empty();
      case Field::kFdPort:
        if (!IsIp(*f)) return {};
        values_[0] = Value{{}, f->sport};
        values_[1] = Value{{}, f->dport};
        return {values_.data(), 2};
      case Field::kFdCPort:
        return IsIp(*f) ? Num(f->sport) : Empty();
      case Field::kFdSPort:
        return IsIp(*f) ? Num(f->dport) : Empty();
      case Field::kFdLPort:
        return IsIp(*f) ? Num(server_role ? f->dport : f->sport) : Empty();
      case Field::kFdRPort:
        return IsIp(*f) ? Num(server_role ? f->sport : f->dport) : Empty();
      case Field::kFdNet:
        if (!IsIp(*f)) return {};
        values_[0] = Value{Net(*f, f->sip, 0), 0};
        values_[1] = Value{Net(*f, f->dip, 1), 0};
        return {values_.data(), 2};
      case Field::kFdCNet:
        return IsIp(*f) ? Str(Net(*f, f->sip, 0)) : Empty();
      case Field::kFdSNet:
        return IsIp(*f) ? Str(Net(*f, f->dip, 0)) : Empty();
      case Field::kFdLNet:
        return IsIp(*f) ? Str(Net(*f, server_role ? f->dip : f->sip, 0)) : Empty();
      case Field::kFdRNet:
        return IsIp(*f) ? Str(Net(*f, server_role ? f->sip : f->dip, 0)) : Empty();
      case Field::kFdL4Proto: {
        if (!IsIp(*f)) return {};
        std::string_view name = L4ProtoName(f->l4proto);
        return name.empty() ? Empty() : Str(name);
      }
      case Field::kFdSockFamily:
        if (IsIp(*f)) return Str("ip");
        if (f->type == FdType::kUnix) return Str("unix");
        return {};
      case Field::kFdIsServer:
        return Num(server_role);
      case Field::kFdUid:
        if (!view->thread) return {};
        text_ = std::to_string(view->thread->tid);
        text_ += std::to_string(view->fd_num);
        return Str(text_);
      case Field::kFdConnected:
        return Num(f->connected);
      case Field::kFdNameChanged:
        return Num(view->fd_name_changed);
      case Field::kFdDev:
        return Num(f->dev);
      case Field::kFdDevMajor:
        return Num(f->dev >> 20);  // the kernel's dev_t layout (MINORBITS 20), as Falco
      case Field::kFdDevMinor:
        return Num(f->dev & 0xfffffu);
      case Field::kFdIno:
        return Num(f->ino);
      case Field::kFdNameRaw:
        if (f->name_raw.empty()) return {};
        return Str(f->name_raw);
      default:
        // fd.containername, fd.containerdirectory (container fields come later), fd.*proto (no
        // port names), fd.*ip.name (no DNS cache): no value.
        return {};
    }
  }

 private:
  static std::string_view Addr(const FdInfo& f, const std::array<uint8_t, 16>& a) {
    return {reinterpret_cast<const char*>(a.data()), f.type == FdType::kIpv4 ? 4u : 16u};
  }

  // The address as an ipnet value: address bytes, then its full length as prefix.
  std::string_view Net(const FdInfo& f, const std::array<uint8_t, 16>& a, int slot) {
    const size_t n = f.type == FdType::kIpv4 ? 4 : 16;
    std::memcpy(net_[slot].data(), a.data(), n);
    net_[slot][n] = static_cast<char>(n * 8);
    return {net_[slot].data(), n + 1};
  }

  std::span<const Value> Types(const state::SyscallView& view) {
    if (!view.thread || !view.thread->process) return {};
    const auto& fds = view.thread->process->fds;
    if (arg_.present) {
      auto it = fds.find(static_cast<int64_t>(arg_.index));
      if (it == fds.end()) return {};
      return Str(FdTypeName(it->second.type));
    }
    std::bitset<32> seen;
    for (const auto& [num, fd] : fds) seen.set(static_cast<size_t>(fd.type) % 32);
    types_.clear();
    for (size_t t = 0; t < 32; ++t) {
      if (seen.test(t)) types_.push_back(Value{FdTypeName(static_cast<FdType>(t)), 0});
    }
    return types_;
  }

  static std::span<const Value> Empty() { return {}; }

  Field field_;
  FieldArg arg_;
  Shared* shared_;
  std::array<Value, 2> values_;
  std::array<std::array<char, 17>, 2> net_{};
  std::vector<Value> types_;
  std::string text_;
};

}  // namespace

std::unique_ptr<Extractor> MakeFdExtractor(Field field, const FieldArg& arg, Shared* shared) {
  return std::make_unique<FdExtractor>(field, arg, shared);
}

}  // namespace vigil::fields::syscall
