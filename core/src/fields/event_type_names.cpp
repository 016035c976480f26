#include "vigil/core/event_type_names.hpp"

#include <array>

#include "vigil/event_record.h"
#include "vigil/event_types.h"

namespace vigil {
namespace {

constexpr std::array<std::string_view, VIGIL_EVENT_TYPE_END> MakeNames() {
  std::array<std::string_view, VIGIL_EVENT_TYPE_END> names{};
  names[VIGIL_EVENT_PLUGIN] = VIGIL_PLUGIN_EVENT_NAME;
#define VIGIL_NAME_TYPE(code, name) names[code] = #name;
  VIGIL_SYSCALL_EVENT_TYPES(VIGIL_NAME_TYPE)
#undef VIGIL_NAME_TYPE
  return names;
}
constexpr auto kNames = MakeNames();

}  // namespace

std::string_view EventTypeName(uint16_t type) {
  return type < kNames.size() ? kNames[type] : std::string_view();
}

std::optional<uint16_t> EventTypeCode(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<uint16_t>(i);
  }
  return std::nullopt;
}

}  // namespace vigil
