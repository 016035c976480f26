// What the container enricher's tests share: test data files, and for the real-runtime tests a
// shell command's output and a process's cgroups as the core's /proc reader gives them.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

// Runs a shell command; its stdout without the trailing newline. `check`: a failure fails the test.
inline std::string Shell(const std::string& command, bool check = true) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int rc = pclose(pipe);
  if (check) {
    EXPECT_EQ(rc, 0) << command;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

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
