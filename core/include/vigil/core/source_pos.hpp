// A place in a file the operator wrote (a config, a rules file), for messages: "vigil.yaml:12:5".
#pragma once

#include <cstdint>
#include <string>

namespace vigil {

struct SourcePos {
  std::string file;     // or where a value without a file came from ("command line: -o key")
  uint32_t line = 0;    // 1-based; 0 = the whole file (or no line)
  uint32_t column = 0;  // 1-based; 0 = unknown

  // "file:line:column", "file:line" or "file"; "" when there is no file.
  std::string ToString() const {
    if (file.empty() || line == 0) return file;
    std::string out = file + ":" + std::to_string(line);
    if (column != 0) out += ":" + std::to_string(column);
    return out;
  }
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

}  // namespace vigil
