// LeakSanitizer options for tests and the processes they spawn; see lsan_default_options.cpp.
#pragma once

namespace vigil::testing {
inline constexpr const char* kLsanOptions =
    "use_tls=0:suppressions=" VIGIL_SOURCE_DIR "/tests/support/lsan.supp";
}  // namespace vigil::testing
