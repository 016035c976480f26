// RegisterSyscallFields: the syscall fields on the syscall state's thread table. Kept apart from
// the provider so the provider and its tests do not need the state library (they fake the
// lineage through ThreadLookup).
#include "syscall_fields.hpp"

namespace vigil::fields {
namespace {

#if VIGIL_FIELDS_HAVE_STATE
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
#endif

}  // namespace

void RegisterSyscallFields(FieldRegistry& registry, const state::SyscallState* state) {
  std::shared_ptr<const ThreadLookup> lookup;
#if VIGIL_FIELDS_HAVE_STATE
  if (state) lookup = std::make_shared<StateLookup>(state);
#else
  // Built before core/src/state existed: no lineage lookups (proc.p*, proc.a*[N>0] have no
  // value); everything read from the event's own view still works.
  (void)state;
#endif
  registry.Add(MakeSyscallFieldProvider(std::move(lookup)));
}

}  // namespace vigil::fields
