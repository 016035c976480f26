// Fuzzes the syscall state (core/src/state) and the syscall fields (core/src/fields) with the
// records a kernel source could send: any batch of records that passes vigil_event_check, of any
// type, with parameters of any length. Checks that every event gets a thread, that the tables stay
// within their bounds, and that neither the state nor any field's extraction (every syscall field,
// with a sample argument where it takes one) reads outside a record (ASan). Input: one batch,
// records laid end to end; a record's type outside the syscall range is mapped into it, so most
// inputs reach a handler.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/core/syscall_state.hpp"
#include "vigil/event_record.h"
#include "vigil/event_types.h"

namespace {

using vigil::fuzz::Require;

constexpr size_t kMaxThreads = 64;
constexpr size_t kMaxFds = 16;

// Every syscall field bound once, against a state: evt.arg[N] for the first params, the common
// evt.arg names, index/key arguments where a field takes one. The registry owns the providers the
// extractors use, so it lives as long as they do.
struct AllFields {
  vigil::fields::FieldRegistry registry;
  std::vector<std::unique_ptr<vigil::fields::Extractor>> extractors;
};

void BindAll(const vigil::state::SyscallState& state, AllFields& all) {
  vigil::fields::FieldRegistry& registry = all.registry;
  vigil::fields::RegisterSyscallFields(registry, &state);
  std::vector<std::string> texts;
  for (const auto& provider : registry.providers()) {
    for (const vigil::fields::FieldInfo& f : provider->fields()) {
      switch (f.arg) {
        case vigil::fields::ArgKind::kNone:
          texts.push_back(f.name);
          break;
        case vigil::fields::ArgKind::kIndex:
          texts.push_back(f.name + "[0]");
          texts.push_back(f.name + "[2]");
          if (!f.arg_required) texts.push_back(f.name);
          break;
        case vigil::fields::ArgKind::kKey:
          for (const char* key :
               {"0", "1", "2", "3", "flags", "name", "fd", "res", "tuple", "uid", "HOME", "args"}) {
            texts.push_back(f.name + "[" + key + "]");
          }
          break;
      }
    }
  }
  for (const std::string& text : texts) {
    auto bound = registry.Bind(text, "syscall");
    if (bound.ok()) all.extractors.push_back(std::move(bound->extractor));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigil::state::StateOptions options;
  options.max_threads = kMaxThreads;
  options.max_fds_per_process = kMaxFds;
  options.proc_root = "/nonexistent/vigil-fuzz-proc";  // deterministic: no host /proc
  vigil::state::SyscallState state(options);
  AllFields fields;
  BindAll(state, fields);

  std::vector<uint8_t> rec;
  uint64_t left = size;
  const uint8_t* p = data;
  uint32_t len = 0;
  while (left > 0 && vigil_event_check(p, left, &len) == VIGIL_EVENT_OK) {
    rec.assign(p, p + len);  // an exact copy, so ASan sees reads past the record
    vigil_event_header h = vigil_event_get_header(rec.data());
    if (h.type < VIGIL_EVENT_SYSCALL_FIRST || h.type >= VIGIL_EVENT_TYPE_END) {
      h.type = static_cast<uint16_t>(VIGIL_EVENT_SYSCALL_FIRST +
                                     h.type % (VIGIL_EVENT_TYPE_END - VIGIL_EVENT_SYSCALL_FIRST));
    }
    std::memcpy(rec.data(), &h, sizeof h);
    vigil::fields::EventContext ctx;
    ctx.record = rec.data();
    ctx.len = len;
    ctx.type = h.type;
    const vigil::state::SyscallView& view = state.Before(ctx);
    Require(view.thread != nullptr, "every event has a thread");
    if (view.fd != nullptr) Require(view.fd->name.size() < (1u << 20), "fd name is sane");
    ctx.syscall = &view;
    for (const auto& x : fields.extractors) {
      for (const vigil::fields::Value& v : x->Extract(ctx)) {
        Require(v.bytes.size() < (64u << 20), "a value is sane");
      }
    }
    state.After();
    vigil::state::StateCounters c = state.counters();
    Require(c.threads <= kMaxThreads, "thread table within max_threads");
    p += len;
    left -= len;
  }
  return 0;
}
