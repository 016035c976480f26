// Shared by the tests of the rules reader and collector (collect_*_test.cpp, read_paths_test.cpp):
// collecting from strings, finding diagnostics and definitions, and the positions of tokens for the
// position checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline CollectedRules Collect(const std::vector<RulesFile>& files, Diagnostics& diags,
                              LoadOptions options = {}) {
  return CollectRules(files, options, diags);
}

inline CollectedRules CollectOne(const std::string& content, Diagnostics& diags,
                                 LoadOptions options = {}) {
  return CollectRules({RulesFile{"test.yaml", content}}, options, diags);
}

// All diagnostics, one per line, for failure messages.
inline std::string Dump(const Diagnostics& diags) {
  std::string out;
  for (const Diagnostic& d : diags.items()) out += d.ToString() + " [" + d.code + "]\n";
  return out;
}

// The first diagnostic with `code`, or null.
inline const Diagnostic* Find(const Diagnostics& diags, std::string_view code) {
  for (const Diagnostic& d : diags.items()) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

inline size_t Count(const Diagnostics& diags, std::string_view code) {
  return std::count_if(diags.items().begin(), diags.items().end(),
                       [code](const Diagnostic& d) { return d.code == code; });
}

template <typename Def>
const Def* ByName(const std::vector<Def>& defs, std::string_view name) {
  for (const Def& d : defs) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

template <typename Def>
std::vector<std::string> Names(const std::vector<Def>& defs) {
  std::vector<std::string> out;
  for (const Def& d : defs) out.push_back(d.name);
  return out;
}

inline std::vector<std::string> ItemValues(const ListDef& list) {
  std::vector<std::string> out;
  for (const ListItem& i : list.items) out.push_back(i.value);
  return out;
}

struct LineCol {
  uint32_t line = 0, column = 0;
  bool operator==(const LineCol&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const LineCol& p) {
  return os << p.line << ":" << p.column;
}

// The 1-based line and column of the `nth` occurrence of `needle` in `content`, by a plain scan.
inline LineCol PosIn(const std::string& content, std::string_view needle, size_t nth = 0) {
  size_t offset = content.find(needle);
  for (size_t i = 0; i < nth && offset != std::string::npos; ++i) {
    offset = content.find(needle, offset + 1);
  }
  EXPECT_NE(offset, std::string::npos) << needle;
  if (offset == std::string::npos) return {};
  LineCol p{1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (content[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

// Where `token` (its `nth` occurrence in the text) is according to the LocatedText.
inline LineCol TokenPos(const LocatedText& t, std::string_view token, size_t nth = 0) {
  size_t offset = t.text.find(token);
  for (size_t i = 0; i < nth && offset != std::string::npos; ++i) {
    offset = t.text.find(token, offset + 1);
  }
  EXPECT_NE(offset, std::string::npos) << token << " in " << t.text;
  if (offset == std::string::npos) return {};
  const Located at = t.At(offset);
  return {at.line, at.column};
}

inline LineCol DiagPos(const Diagnostic& d) { return {d.pos.line, d.pos.column}; }

// Every byte of `token` in the text is at consecutive columns of one line (a sanity check that
// the whole token, not just its first byte, is mapped).
inline void ExpectContiguous(const LocatedText& t, std::string_view token) {
  const size_t offset = t.text.find(token);
  ASSERT_NE(offset, std::string::npos);
  for (size_t i = 1; i < token.size(); ++i) {
    EXPECT_EQ(t.At(offset + i).line, t.At(offset).line);
    EXPECT_EQ(t.At(offset + i).column, t.At(offset).column + i) << token;
  }
}

}  // namespace vigil::rules::collect_test
