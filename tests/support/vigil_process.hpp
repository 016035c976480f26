// VigilProcess: runs the real vigil binary from a test, with stdout and stderr captured to files,
// so end-to-end tests (tests/integration, tests/rules) can check what an operator sees.
//
//   VigilProcess vigil(dir, {"run", "-c", config.string()});   // binary: VIGIL_BINARY
//   ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
//   EXPECT_THAT(vigil.Out(), HasSubstr("..."));
//
// The child gets the tests' LeakSanitizer options (lsan_options.hpp). A process still running when
// the object is destroyed is killed (SIGKILL) and reaped.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "lsan_options.hpp"

#ifndef VIGIL_BINARY
#error "VIGIL_BINARY (the vigil executable's path) must be defined by the test target"
#endif

namespace vigil::testing {

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class VigilProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts VIGIL_BINARY with `args`; stdout and stderr go to `dir`/stdout.txt and
  // `dir`/stderr.txt, truncated.
  VigilProcess(const std::filesystem::path& dir, std::vector<std::string> args)
      : out_(dir / "stdout.txt"), err_(dir / "stderr.txt") {
    args.insert(args.begin(), VIGIL_BINARY);
    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string lsan = std::string("LSAN_OPTIONS=") + kLsanOptions;
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string_view(*e).substr(0, 13) != "LSAN_OPTIONS=") envp.push_back(*e);
    }
    envp.push_back(lsan.data());
    envp.push_back(nullptr);
    std::string out = out_.string(), err = err_.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  VigilProcess(const VigilProcess&) = delete;
  VigilProcess& operator=(const VigilProcess&) = delete;
  ~VigilProcess() {
    if (pid_ > 0 && status_ < 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The exit code (128 + signal if it died of one), or -1 if it did not end by the timeout.
  int Wait(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    if (status_ >= 0) return status_;
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  // Waits until stderr contains `text`; false at the timeout.
  bool WaitForLog(const std::string& text,
                  std::chrono::seconds timeout = std::chrono::seconds(30)) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (Err().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  void Signal(int sig) { ::kill(pid_, sig); }
  // Whether it has ended (reaps it if so).
  bool Exited() { return Wait(std::chrono::seconds(0)) >= 0; }
  std::string Out() const { return ReadFile(out_); }
  std::string Err() const { return ReadFile(err_); }

 private:
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace vigil::testing
