// The `vigil` subcommands. Each returns the process exit code: 0 success, 1 a runtime failure or an
// invalid config/rules (validate), 2 a usage or config error.
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

struct CommonArgs {
  std::string config_path;            // -c; empty = the default path
  std::vector<std::string> overrides; // -o key.path=value
  std::vector<std::string> rules;     // -r; when given, replaces rules_files
  bool json = false;                  // --json
};

int Run(const CommonArgs& args);
int Validate(const CommonArgs& args);
int Plugins(const CommonArgs& args);
int Fields(const CommonArgs& args);
int Version(const CommonArgs& args);

}  // namespace vigil::cli
