// Tests of ReadRulesPaths: files and directories in order, missing paths, size limit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "collect_test_support.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("vigil_collect_test_" + std::to_string(::getpid()) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Write(const std::string& name, const std::string& content) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

TEST(ReadRulesPaths, FilesAndDirectoriesInOrder) {
  TempDir dir;
  dir.Write("rules.d/b.yaml", "b");
  dir.Write("rules.d/a.yml", "a");
  dir.Write("rules.d/c.yaml", "c");
  dir.Write("rules.d/notes.txt", "not rules");
  dir.Write("rules.d/nested/d.yaml", "not read: not recursive");
  dir.Write("first.yaml", "first");
  dir.Write("last.yaml", "last");
  Diagnostics diags;
  std::vector<RulesFile> files =
      ReadRulesPaths({(dir.path() / "first.yaml").string(), (dir.path() / "rules.d").string(),
                      (dir.path() / "last.yaml").string()},
                     diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  std::vector<std::string> contents;
  for (const RulesFile& f : files) contents.push_back(f.content);
  EXPECT_EQ(contents, (std::vector<std::string>{"first", "a", "b", "c", "last"}));
  EXPECT_EQ(files[0].name, (dir.path() / "first.yaml").string());
  EXPECT_EQ(files[1].name, (dir.path() / "rules.d" / "a.yml").string());
}

TEST(ReadRulesPaths, MissingPathIsAnError) {
  TempDir dir;
  dir.Write("ok.yaml", "ok");
  const std::string missing = (dir.path() / "missing.yaml").string();
  Diagnostics diags;
  std::vector<RulesFile> files =
      ReadRulesPaths({missing, (dir.path() / "ok.yaml").string()}, diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].code, "unreadable-file");
  EXPECT_EQ(diags.items()[0].pos.file, missing);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].content, "ok");
}

TEST(ReadRulesPaths, RefusesHugeFiles) {
  TempDir dir;
  const fs::path big = dir.path() / "big.yaml";
  std::ofstream(big, std::ios::binary) << "x";
  fs::resize_file(big, (uintmax_t{64} << 20) + 1);  // sparse: costs no disk
  Diagnostics diags;
  std::vector<RulesFile> files = ReadRulesPaths({big.string()}, diags);
  EXPECT_TRUE(files.empty());
  EXPECT_NE(Find(diags, "file-too-large"), nullptr) << Dump(diags);
}

}  // namespace
}  // namespace vigil::rules::collect_test
