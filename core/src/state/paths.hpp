// Internal to core/src/state: lexical path resolution as Falco does it (no file system access).
#pragma once

#include <string>
#include <string_view>

namespace vigil::state {

// Writes into *out the absolute, lexically normalised form of `path`: an absolute path is
// normalised as is, a relative one is joined to `base` (an absolute directory) first. `.` and empty
// components go, `..` removes the previous component (never above "/"), no trailing '/' except for
// "/" itself: "/etc/../etc//shadow" -> "/etc/shadow". Reuses out's capacity. When `path` is
// relative and `base` is not absolute (unknown), *out is `path` normalised as a relative path.
void ResolvePath(std::string_view base, std::string_view path, std::string* out);

}  // namespace vigil::state
