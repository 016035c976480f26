// Event type names (`evt.type`) ↔ the codes in event records (sdk/include/vigil/event_types.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil {

// "openat", "pluginevent"; "" for a code nobody defined.
std::string_view EventTypeName(uint16_t type);
// The code of a name; nullopt for a name no event type has.
std::optional<uint16_t> EventTypeCode(std::string_view name);

}  // namespace vigil
