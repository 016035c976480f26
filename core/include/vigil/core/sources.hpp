// The one event source the core itself knows by name: syscall events, which the core keeps state
// for and whose fields it provides (every other source is a plugin's, known by its event_source).
#pragma once

#include <string_view>

#include "vigil/syscall_schema.h"

namespace vigil {

inline constexpr std::string_view kSyscallSource = VIGIL_SYSCALL_EVENT_SOURCE;

}  // namespace vigil
