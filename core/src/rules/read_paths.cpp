// ReadRulesPaths: rules files and directories of rules files, read whole, in Falco's order.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "vigil/core/rules.hpp"

namespace vigil::rules {
namespace {

namespace fs = std::filesystem;

// Far above any real rules file; stops a wrong path (a disk image, /dev/zero) from eating memory.
constexpr uintmax_t kMaxRulesFileSize = uintmax_t{64} << 20;

void ReportUnreadable(const std::string& path, const std::string& message, std::string code,
                      Diagnostics& diags) {
  Diagnostic d;
  d.pos.file = path;
  d.code = std::move(code);
  d.message = message;
  diags.Add(std::move(d));
}

// Reads at most kMaxRulesFileSize + 1 bytes, so a file growing while read is still refused.
void ReadOneFile(const std::string& path, std::vector<RulesFile>& out, Diagnostics& diags) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    ReportUnreadable(path, fmt::format("cannot read rules file: {}", ec.message()),
                     "unreadable-file", diags);
    return;
  }
  if (size > kMaxRulesFileSize) {
    ReportUnreadable(
        path,
        fmt::format("rules file is too large ({} bytes, at most {})", size, kMaxRulesFileSize),
        "file-too-large", diags);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ReportUnreadable(path,
                     fmt::format("cannot open rules file: {}",
                                 std::error_code(errno, std::generic_category()).message()),
                     "unreadable-file", diags);
    return;
  }
  std::string content;
  char chunk[65536];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    content.append(chunk, static_cast<size_t>(in.gcount()));
    if (content.size() > kMaxRulesFileSize) {
      ReportUnreadable(path, "rules file is too large", "file-too-large", diags);
      return;
    }
  }
  if (in.bad()) {
    ReportUnreadable(path, "error while reading rules file", "unreadable-file", diags);
    return;
  }
  out.push_back(RulesFile{path, std::move(content)});
}

bool IsRulesFileName(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

void ReadDirectory(const std::string& dir, std::vector<RulesFile>& out, Diagnostics& diags) {
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && IsRulesFileName(it->path())) {
      names.push_back(it->path().filename().string());
    }
  }
  if (ec) {
    ReportUnreadable(dir, fmt::format("cannot list rules directory: {}", ec.message()),
                     "unreadable-file", diags);
    return;
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) ReadOneFile((fs::path(dir) / name).string(), out, diags);
}

}  // namespace

std::vector<RulesFile> ReadRulesPaths(const std::vector<std::string>& paths, Diagnostics& diags) {
  std::vector<RulesFile> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      ReportUnreadable(path,
                       fmt::format("cannot read rules path: {}",
                                   ec ? ec.message() : "no such file or directory"),
                       "unreadable-file", diags);
    } else if (fs::is_directory(status)) {
      ReadDirectory(path, out, diags);
    } else if (fs::is_regular_file(status)) {
      ReadOneFile(path, out, diags);
    } else {
      ReportUnreadable(path, "rules path is neither a regular file nor a directory",
                       "unreadable-file", diags);
    }
  }
  return out;
}

}  // namespace vigil::rules
