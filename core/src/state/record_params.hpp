// Internal to core/src/state: the syscall schema as tables, and a bounds-checked reader of one
// record's parameters.
//
//   RecordParams p;
//   if (!p.Load(ctx.record, ctx.len) || !p.MatchesSchema(ctx.type)) { ++malformed; ... }
//   int64_t fd = p.I64(openat_p::fd, -1);
//   std::string_view name = p.Str(openat_p::name);
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "vigil/event_record.h"
#include "vigil/syscall_schema.h"

namespace vigil::state {

// Parameter indices of every event type: openat_p::name, clone_p::flags, ...
#define VIGIL_STATE_PARAM_NAME(n, t) n,
#define VIGIL_STATE_PARAM_ENUM(code, name)                                  \
  namespace name##_p {                                                      \
    enum : uint32_t { VIGIL_PARAMS_##name(VIGIL_STATE_PARAM_NAME) kCount }; \
  }
VIGIL_SYSCALL_SCHEMA(VIGIL_STATE_PARAM_ENUM)
#undef VIGIL_STATE_PARAM_ENUM
// The process identity block (VIGIL__PROC) shared by exec and fork records, relative to `tid`.
namespace proc_p {
enum : uint32_t { VIGIL__PROC(VIGIL_STATE_PARAM_NAME) kCount };
}
#undef VIGIL_STATE_PARAM_NAME

// The parameter types of one event type, in record order.
struct SchemaEntry {
  const uint8_t* types = nullptr;
  uint32_t count = 0;
};

inline const SchemaEntry& SchemaFor(uint16_t type) {
  static const std::array<SchemaEntry, VIGIL_EVENT_TYPE_END> table = [] {
    std::array<SchemaEntry, VIGIL_EVENT_TYPE_END> t{};
#define VIGIL_STATE_PARAM_TYPE(n, ty) ty,
#define VIGIL_STATE_SCHEMA_ROW(code, name)                                        \
  {                                                                               \
    static const uint8_t types[] = {VIGIL_PARAMS_##name(VIGIL_STATE_PARAM_TYPE)}; \
    t[code] = {types, sizeof types};                                              \
  }
    VIGIL_SYSCALL_SCHEMA(VIGIL_STATE_SCHEMA_ROW)
#undef VIGIL_STATE_SCHEMA_ROW
#undef VIGIL_STATE_PARAM_TYPE
    return t;
  }();
  static const SchemaEntry kNone{};
  return type < table.size() ? table[type] : kNone;
}

// The parameters of one record. Never reads outside the record, whatever its lengths say.
class RecordParams {
 public:
  static constexpr uint32_t kMaxParams = 64;

  // False when the record does not even hold its own length table.
  bool Load(const uint8_t* rec, uint32_t len) {
    n_ = 0;
    if (rec == nullptr || len < VIGIL_EVENT_HEADER_SIZE) return false;
    vigil_event_header h = vigil_event_get_header(rec);
    if (h.len > len) return false;
    uint64_t table = uint64_t{h.nparams} * 4u;
    if (VIGIL_EVENT_HEADER_SIZE + table > h.len) return false;
    uint64_t off = VIGIL_EVENT_HEADER_SIZE + table;
    uint32_t n = h.nparams < kMaxParams ? h.nparams : kMaxParams;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t l = vigil__load_u32(rec + VIGIL_EVENT_HEADER_SIZE + 4u * i);
      if (off + l > h.len) return false;
      off_[i] = static_cast<uint32_t>(off);
      len_[i] = l;
      off += l;
    }
    rec_ = rec;
    n_ = n;
    total_params_ = h.nparams;
    return true;
  }

  // Whether the record has every parameter of its type's schema, each fixed-size one either empty
  // or exactly its type's size. Types without a schema pass (nothing of them is read).
  bool MatchesSchema(uint16_t type) const {
    const SchemaEntry& s = SchemaFor(type);
    if (s.count == 0) return true;
    if (total_params_ < s.count || s.count > kMaxParams) return false;
    for (uint32_t i = 0; i < s.count; ++i) {
      uint32_t size = VIGIL_PT_SIZE(s.types[i]);
      if (size != 0 && len_[i] != 0 && len_[i] != size) return false;
    }
    return true;
  }

  uint32_t size() const { return n_; }
  bool Has(uint32_t i) const { return i < n_ && len_[i] > 0; }
  std::string_view Bytes(uint32_t i) const {
    if (i >= n_) return {};
    return {reinterpret_cast<const char*>(rec_ + off_[i]), len_[i]};
  }
  std::string_view Str(uint32_t i) const { return Bytes(i); }
  int64_t I64(uint32_t i, int64_t def) const { return Fixed<int64_t>(i, def); }
  uint64_t U64(uint32_t i, uint64_t def) const { return Fixed<uint64_t>(i, def); }
  uint32_t U32(uint32_t i, uint32_t def) const { return Fixed<uint32_t>(i, def); }

 private:
  template <typename T>
  T Fixed(uint32_t i, T def) const {
    if (i >= n_ || len_[i] != sizeof(T)) return def;
    T v;
    std::memcpy(&v, rec_ + off_[i], sizeof v);
    return v;
  }

  const uint8_t* rec_ = nullptr;
  uint32_t n_ = 0;
  uint32_t total_params_ = 0;
  std::array<uint32_t, kMaxParams> off_{}, len_{};
};

// Calls f(string_view) for each string of a CHARBUFARRAY ("a\0b\0"; a last string without its NUL
// counts too).
template <typename F>
void ForEachString(std::string_view buf, F&& f) {
  size_t start = 0;
  while (start < buf.size()) {
    size_t end = buf.find('\0', start);
    if (end == std::string_view::npos) end = buf.size();
    f(buf.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace vigil::state
