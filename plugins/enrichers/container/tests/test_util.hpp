// What the container enricher's tests share: test data files, and for the real-runtime tests a
// shell command's output and a process's cgroups as the core's /proc reader gives them.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "shell.hpp"

namespace vigil::container::testing {

#ifdef VIGIL_CONTAINER_TEST_DATA
// A file of tests/data.
inline std::string Data(const std::string& name) {
  std::ifstream in(std::string(VIGIL_CONTAINER_TEST_DATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_TRUE(in.good()) << name;
  return s.str();
}
#endif

using vigil::testing::RandomContainerId;
using vigil::testing::Shell;

// /proc/PID/cgroup's "id:subsys:/path" lines as "subsys=/path", as the core's /proc reader gives
// them.
inline std::vector<std::string> Cgroups(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/cgroup");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (b != std::string::npos)
      out.push_back(line.substr(a + 1, b - a - 1) + "=" + line.substr(b + 1));
  }
  return out;
}

}  // namespace vigil::container::testing
