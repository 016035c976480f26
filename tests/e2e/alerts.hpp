// What the end-to-end tests share: a vigil started for the suite, and the JSON alerts its file
// output wrote, read back, with a wait for the one a test expects.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "vigil_process.hpp"

namespace vigil::testing {

using Fields = std::map<std::string, std::string>;

struct Alert {
  std::string rule;
  std::string output;
  Fields fields;  // output_fields, every value as text ("<NA>" for null)
};

// One alert per JSON line; lines that are not alerts are skipped.
inline std::vector<Alert> ParseAlerts(const std::string& text) {
  std::vector<Alert> alerts;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    rapidjson::Document doc;
    if (doc.Parse(line.c_str()).HasParseError() || !doc.IsObject()) continue;
    Alert a;
    a.rule = doc["rule"].GetString();
    a.output = doc["output"].GetString();
    for (const auto& m : doc["output_fields"].GetObject()) {
      const auto& v = m.value;
      std::string s;
      if (v.IsString()) {
        s = v.GetString();
      } else if (v.IsBool()) {
        s = v.GetBool() ? "true" : "false";
      } else if (v.IsInt64()) {
        s = std::to_string(v.GetInt64());
      } else if (v.IsUint64()) {
        s = std::to_string(v.GetUint64());
      } else if (v.IsNull()) {
        s = "<NA>";
      } else if (v.IsArray()) {
        for (const auto& item : v.GetArray()) {
          if (!s.empty()) s += ",";
          s += item.IsString() ? item.GetString() : "?";
        }
      }
      a.fields[m.name.GetString()] = s;
    }
    alerts.push_back(std::move(a));
  }
  return alerts;
}

// The alerts file of a running vigil.
class AlertLog {
 public:
  explicit AlertLog(std::filesystem::path path) : path_(std::move(path)) {}

  std::vector<Alert> All() const { return ParseAlerts(ReadFile(path_)); }

  // The first alert of `rule` for which `match` holds, waiting up to `timeout`.
  std::optional<Alert> Wait(const std::string& rule, const std::function<bool(Alert&)>& match,
                            std::chrono::seconds timeout = std::chrono::seconds(15)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (Alert& a : All()) {
        if (a.rule == rule && match(a)) return a;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }
  // The first alert of `rule` whose output_fields has `key` == `value`.
  std::optional<Alert> Wait(const std::string& rule, const std::string& key,
                            const std::string& value) const {
    return Wait(rule, [&](Alert& a) { return a.fields[key] == value; });
  }

  // For failure messages: the alerts of `rule` seen so far.
  std::string Describe(const std::string& rule) const {
    std::string all;
    for (const Alert& a : All()) {
      if (a.rule == rule) all += "  " + a.output + "\n";
    }
    return "no matching alert of '" + rule + "'; those seen:\n" + all;
  }

 private:
  std::filesystem::path path_;
};

// Starts vigil with `args` (its output in `dir`) and waits until its source attached and the
// engine runs. Null, with *error saying why, when it did not.
inline VigilProcess* StartVigil(const std::filesystem::path& dir, std::vector<std::string> args,
                                std::string* error) {
  auto* vigil = new VigilProcess(dir, std::move(args));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string err = ReadFile(dir / "stderr.txt");
    if (err.find("vigil running") != std::string::npos &&
        err.find("attached") != std::string::npos) {
      return vigil;
    }
    if (vigil->Exited()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  *error = "vigil did not start:\n" + ReadFile(dir / "stderr.txt");
  vigil->Signal(SIGKILL);
  vigil->Wait();
  delete vigil;
  return nullptr;
}

// Stops what StartVigil started (SIGTERM), expecting a clean exit.
inline void StopVigil(VigilProcess*& vigil, const std::filesystem::path& dir) {
  if (vigil == nullptr) return;
  vigil->Signal(SIGTERM);
  EXPECT_EQ(vigil->Wait(), 0) << ReadFile(dir / "stderr.txt");
  delete vigil;
  vigil = nullptr;
}

}  // namespace vigil::testing
