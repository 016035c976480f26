// RegisterSyscallFields: the syscall fields on the syscall state's thread table. Kept apart from
// the provider so the provider and its tests do not need the state library (they fake the
// lineage through ThreadLookup).
#include "syscall_fields.hpp"

namespace vigil::fields {
namespace {

class StateLookup final : public ThreadLookup {
 public:
  explicit StateLookup(const state::SyscallState* state) : state_(state) {}
  const state::ThreadInfo* FindThread(int64_t tid) const override {
    return state_->FindThread(tid);
  }
  const state::ThreadInfo* FindProcessLeader(int64_t pid) const override {
    return state_->FindProcessLeader(pid);
  }

 private:
  const state::SyscallState* state_;
};

}  // namespace

void RegisterSyscallFields(FieldRegistry& registry, const state::SyscallState* state) {
  std::shared_ptr<const ThreadLookup> lookup;
  if (state) lookup = std::make_shared<StateLookup>(state);
  registry.Add(MakeSyscallFieldProvider(std::move(lookup)));
}

}  // namespace vigil::fields
