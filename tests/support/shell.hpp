// For tests that drive real tools (docker, ctr, script): a shell command's output, and a fresh
// container id.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <random>
#include <string>

namespace vigil::testing {

// Runs `command` with /bin/sh; its stdout without the trailing newlines. `check`: a non-zero exit
// fails the test.
inline std::string Shell(const std::string& command, bool check = true) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen: " << command;
    return out;
  }
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int rc = pclose(pipe);
  if (check) {
    EXPECT_EQ(rc, 0) << command << "\n" << out;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A random 64-hex container id, as runtimes make them (for `ctr run`, which takes the id).
inline std::string RandomContainerId() {
  std::random_device rd;
  std::string id;
  while (id.size() < 64) id += "0123456789abcdef"[rd() % 16];
  return id;
}

}  // namespace vigil::testing
