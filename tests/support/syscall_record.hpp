// Builds syscall event records (event_record.h + syscall_schema.h) for tests, parameter by
// parameter in schema order, checking each parameter's name and type against the schema:
//
//   SyscallRecord r(VIGIL_EVT_openat, /*tid=*/42, /*ts_ns=*/1000);
//   r.Int("fd", 3).Int("dirfd", -100).Str("name", "/etc/shadow").U32("flags", VIGIL_O_RDONLY)
//    .U32("mode", 0).U32("dev", 0).U64("ino", 0);
//   std::vector<uint8_t> bytes = r.Finish();   // throws if a parameter is missing or misnamed
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/event_record.h"
#include "vigil/syscall_schema.h"

namespace vigil::test {

struct SchemaParam {
  const char* name;
  int type;
};

// The schema's parameters of event type `type` (empty for an unknown type).
inline std::vector<SchemaParam> SchemaParams(uint16_t type) {
#define VIGIL_TEST_P(n, t) {#n, t},
#define VIGIL_TEST_X(code, name)                                             \
  case code: {                                                               \
    static const SchemaParam params[] = {VIGIL_PARAMS_##name(VIGIL_TEST_P)}; \
    return {std::begin(params), std::end(params)};                           \
  }
  switch (type) { VIGIL_SYSCALL_SCHEMA(VIGIL_TEST_X) }
#undef VIGIL_TEST_X
#undef VIGIL_TEST_P
  return {};
}

// Event type code by name ("openat" -> 17).
inline uint16_t EventTypeByName(std::string_view name) {
#define VIGIL_TEST_X(code, n) \
  if (name == #n) return code;
  VIGIL_SYSCALL_EVENT_TYPES(VIGIL_TEST_X)
#undef VIGIL_TEST_X
  throw std::invalid_argument("no event type " + std::string(name));
}

class SyscallRecord {
 public:
  SyscallRecord(uint16_t type, int64_t tid, uint64_t ts_ns, uint32_t flags = 0)
      : type_(type), tid_(tid), ts_(ts_ns), flags_(flags), schema_(SchemaParams(type)) {
    if (schema_.empty()) throw std::invalid_argument("no schema for type " + std::to_string(type));
  }
  SyscallRecord(std::string_view type, int64_t tid, uint64_t ts_ns, uint32_t flags = 0)
      : SyscallRecord(EventTypeByName(type), tid, ts_ns, flags) {}

  SyscallRecord& Int(std::string_view name, int64_t v) { return Fixed(name, &v, 8); }
  SyscallRecord& U64(std::string_view name, uint64_t v) { return Fixed(name, &v, 8); }
  SyscallRecord& U32(std::string_view name, uint32_t v) { return Fixed(name, &v, 4); }
  SyscallRecord& Str(std::string_view name, std::string_view v) {
    return Add(name, v.data(), v.size(), true);
  }
  // CHARBUFARRAY: each string followed by a NUL.
  SyscallRecord& Strs(std::string_view name, const std::vector<std::string>& v) {
    std::string joined;
    for (const auto& s : v) joined.append(s).push_back('\0');
    return Add(name, joined.data(), joined.size(), true);
  }
  SyscallRecord& Bytes(std::string_view name, const std::vector<uint8_t>& v) {
    return Add(name, v.data(), v.size(), true);
  }
  SyscallRecord& Empty(std::string_view name) { return Add(name, nullptr, 0, true); }
  // Fills every remaining parameter with an empty value.
  SyscallRecord& RestEmpty() {
    while (params_.size() < schema_.size()) params_.emplace_back();
    return *this;
  }

  std::vector<uint8_t> Finish() const {
    if (params_.size() != schema_.size()) {
      throw std::logic_error("record has " + std::to_string(params_.size()) + " of " +
                             std::to_string(schema_.size()) + " parameters");
    }
    size_t total = VIGIL_EVENT_HEADER_SIZE + 4 * params_.size();
    for (const auto& p : params_) total += p.size();
    std::vector<uint8_t> out(total);
    vigil_event_writer w;
    vigil_event_begin(&w, out.data(), out.size(), type_, ts_, tid_,
                      static_cast<uint16_t>(params_.size()));
    for (const auto& p : params_) {
      vigil_event_add_param(&w, p.data(), static_cast<uint32_t>(p.size()));
    }
    uint32_t len = 0;
    if (vigil_event_end(&w, &len) != VIGIL_EVENT_OK) throw std::logic_error("record writer");
    std::memcpy(out.data() + 28, &flags_, 4);  // header flags
    return out;
  }

 private:
  SyscallRecord& Fixed(std::string_view name, const void* v, size_t size) {
    int t = Expect(name);
    if (static_cast<size_t>(VIGIL_PT_SIZE(t)) != size) {
      throw std::invalid_argument(std::string(name) + ": wrong size for its type");
    }
    return Add(name, v, size, false);
  }
  SyscallRecord& Add(std::string_view name, const void* v, size_t size, bool check) {
    if (check) {
      int t = Expect(name);
      if (size != 0 && VIGIL_PT_SIZE(t) != 0 && static_cast<size_t>(VIGIL_PT_SIZE(t)) != size) {
        throw std::invalid_argument(std::string(name) + ": wrong size for its type");
      }
    }
    const auto* b = static_cast<const uint8_t*>(v);
    params_.emplace_back(b, b + size);
    return *this;
  }
  int Expect(std::string_view name) const {
    if (params_.size() >= schema_.size()) {
      throw std::invalid_argument("too many parameters at " + std::string(name));
    }
    const SchemaParam& p = schema_[params_.size()];
    if (name != p.name) {
      throw std::invalid_argument("parameter " + std::to_string(params_.size()) + " is " + p.name +
                                  ", not " + std::string(name));
    }
    return p.type;
  }

  uint16_t type_;
  int64_t tid_;
  uint64_t ts_;
  uint32_t flags_;
  std::vector<SchemaParam> schema_;
  std::vector<std::vector<uint8_t>> params_;
};

}  // namespace vigil::test
