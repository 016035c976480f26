// The syscall fields' internals (private to vigil::fields): the field ids, what extractors share
// (how to find other threads, the user and group name cache) and one factory per field family.
//
// Tests build a provider on a fake lineage instead of a SyscallState:
//
//   struct Fake : fields::ThreadLookup { ... };
//   auto provider = fields::MakeSyscallFieldProvider(std::make_shared<Fake>());
//   registry.Add(provider);
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "vigil/core/fields.hpp"
#include "vigil/core/syscall_state.hpp"

namespace vigil::fields {

// How extractors find threads other than the event's: parents and ancestors (proc.pname,
// proc.aname[N]), session and process-group leaders, the comm of a pid argument. The state
// implements it; tests fake it. Engine thread only, like the state.
class ThreadLookup {
 public:
  virtual ~ThreadLookup() = default;
  virtual const state::ThreadInfo* FindThread(int64_t tid) const = 0;
  // The main thread of process `pid`.
  virtual const state::ThreadInfo* FindProcessLeader(int64_t pid) const = 0;
};

// The provider of every syscall field, with `lookup` (may be null: no lineage, so proc.p*,
// proc.a*[N>0], proc.s*, proc.vpgid.* have no value).
std::shared_ptr<FieldProvider> MakeSyscallFieldProvider(std::shared_ptr<const ThreadLookup> lookup);

namespace syscall {

// User and group names by id from the host's passwd/group databases (getpwuid_r/getgrgid_r),
// looked up once per id and kept (misses too). Engine thread only. Entries never move, so views
// into them stay valid for the cache's life.
class UserGroupCache {
 public:
  struct User {
    bool found = false;
    std::string name, homedir, shell;
  };
  struct Group {
    bool found = false;
    std::string name;
  };
  const User& GetUser(uint32_t uid);
  const Group& GetGroup(uint32_t gid);

 private:
  // Bound on cached ids; past it lookups still work but are not kept.
  static constexpr size_t kMaxEntries = 65536;
  std::unordered_map<uint32_t, User> users_;
  std::unordered_map<uint32_t, Group> groups_;
  User scratch_user_;
  Group scratch_group_;
};

// What every extractor of one provider shares.
// An extractor that answers with one value at a time: Str/Num/Int fill it and return it.
class SingleValueExtractor : public Extractor {
 protected:
  std::span<const Value> Str(std::string_view s) {
    value_ = Value{s, 0};
    return {&value_, 1};
  }
  std::span<const Value> Num(uint64_t n) {
    value_ = Value{{}, n};
    return {&value_, 1};
  }
  std::span<const Value> Int(int64_t n) { return Num(static_cast<uint64_t>(n)); }
  std::span<const Value> SetValue(const Value& v) {
    value_ = v;
    return {&value_, 1};
  }

 private:
  Value value_;
};

struct Shared {
  std::shared_ptr<const ThreadLookup> lookup;  // may be null
  UserGroupCache users;

  // The main thread of t's parent process, or null.
  const state::ThreadInfo* Parent(const state::ThreadInfo* t) const;
  // t for level 0, its parent for 1, grandparent for 2...; null past the known lineage.
  const state::ThreadInfo* Ancestor(const state::ThreadInfo* t, uint64_t level) const;
  // Starts an extraction for `e`. The rules ask for several ancestors of one thread per event
  // (proc.pname, proc.aname[2], [3], [4]: ten parent lookups), so Parent keeps its answers until
  // the event changes (the state does not change within an event).
  void Event(const EventContext& e) {
    if (e.record == event_record_ && e.evtnum == event_num_) return;
    event_record_ = e.record;
    event_num_ = e.evtnum;
    parents_used_ = 0;
  }

 private:
  const uint8_t* event_record_ = nullptr;
  uint64_t event_num_ = 0;
  mutable std::array<std::pair<const state::ThreadInfo*, const state::ThreadInfo*>, 8> parents_;
  mutable size_t parents_used_ = 0;
};

// Deepest lineage walk (guards against cycles in inconsistent state).
inline constexpr int kMaxLineage = 64;

// Field ids, in declaration order (syscall_fields.cpp keeps the table in this order).
enum class Field : uint16_t {
  // evt
  kArg,
  kRawArg,
  kArgs,
  kRes,
  kRawRes,
  kFailed,
  kDir,
  kBuffer,
  kBufLen,
  kIsOpenRead,
  kIsOpenWrite,
  kIsOpenExec,
  kIsOpenCreate,
  // proc
  kProcExe,
  kProcPExe,
  kProcAExe,
  kProcExePath,
  kProcPExePath,
  kProcAExePath,
  kProcName,
  kProcPName,
  kProcAName,
  kProcArgs,
  kProcCmdline,
  kProcPCmdline,
  kProcACmdline,
  kProcCmdNArgs,
  kProcCmdLenArgs,
  kProcExeline,
  kProcEnv,
  kProcAEnv,
  kProcCwd,
  kProcLoginShellId,
  kProcTty,
  kProcPid,
  kProcPPid,
  kProcAPid,
  kProcVPid,
  kProcPVPid,
  kProcSid,
  kProcSName,
  kProcSidExe,
  kProcSidExePath,
  kProcVPgid,
  kProcVPgidName,
  kProcVPgidExe,
  kProcVPgidExePath,
  kProcDuration,
  kProcPPidDuration,
  kProcPidTs,
  kProcPPidTs,
  kProcIsExeWritable,
  kProcIsExeUpperLayer,
  kProcIsExeFromMemfd,
  kProcIsExeLowerLayer,
  kProcIsSidLeader,
  kProcIsVPgidLeader,
  kProcExeIno,
  kProcExeInoCtime,
  kProcExeInoMtime,
  kProcExeInoCtimeDurationProcStart,
  kProcExeInoCtimeDurationPidnsStart,
  kProcPidnsInitStartTs,
  kProcFdOpenCount,
  // thread
  kThreadTid,
  kThreadVTid,
  kThreadIsMain,
  kThreadCapPermitted,
  kThreadCapInheritable,
  kThreadCapEffective,
  // user / group
  kUserUid,
  kUserRuid,
  kUserName,
  kUserHomedir,
  kUserShell,
  kUserLoginUid,
  kUserLoginName,
  kGroupGid,
  kGroupName,
  // fd
  kFdNum,
  kFdType,
  kFdTypeChar,
  kFdName,
  kFdDirectory,
  kFdFilename,
  kFdIp,
  kFdCIp,
  kFdSIp,
  kFdLIp,
  kFdRIp,
  kFdPort,
  kFdCPort,
  kFdSPort,
  kFdLPort,
  kFdRPort,
  kFdL4Proto,
  kFdSockFamily,
  kFdIsServer,
  kFdUid,
  kFdContainerName,
  kFdContainerDirectory,
  kFdProto,
  kFdCProto,
  kFdSProto,
  kFdLProto,
  kFdRProto,
  kFdNet,
  kFdCNet,
  kFdSNet,
  kFdLNet,
  kFdRNet,
  kFdConnected,
  kFdNameChanged,
  kFdCIpName,
  kFdSIpName,
  kFdLIpName,
  kFdRIpName,
  kFdDev,
  kFdDevMajor,
  kFdDevMinor,
  kFdIno,
  kFdNameRaw,
  kFdTypes,
  // fs.path
  kFsPathName,
  kFsPathNameRaw,
  kFsPathSource,
  kFsPathSourceRaw,
  kFsPathTarget,
  kFsPathTargetRaw,
  kCount,
};

// One factory per family; `arg` is already checked against the declaration.
StatusOr<std::unique_ptr<Extractor>> MakeEvtExtractor(Field field, const FieldArg& arg,
                                                      Shared* shared);
std::unique_ptr<Extractor> MakeProcExtractor(Field field, const FieldArg& arg, Shared* shared);
std::unique_ptr<Extractor> MakeFdExtractor(Field field, const FieldArg& arg, Shared* shared);

}  // namespace syscall
}  // namespace vigil::fields
