// What the rules reader and collector hand to the compiler: the lists, macros and rules of a set
// of rules files after Falco's override / append / redefinition semantics, each with where it
// came from. Nothing here is compiled: conditions are still text, list items still names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/rules.hpp"
#include "vigil/core/sources.hpp"

namespace vigil::rules {

// A position in one of the loaded files (index into CollectedRules::files).
struct Located {
  uint32_t file = 0;
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based
};

// Text from the rules files that the compiler parses further (conditions, outputs), with the
// file position of every byte, so an error at offset N of a condition names its line and column
// even inside a folded block scalar or after an `override: append` joined two pieces.
struct LocatedText {
  std::string text;
  std::vector<Located> where;  // where.size() == text.size(); where[i] is the position of text[i]
  Located start;               // the scalar's own position (for empty text, and whole-text errors)

  // Position of byte `offset`; past the end: just after the last byte (or `start` when empty).
  Located At(size_t offset) const;
  // Falco's append: this + " " + more.
  void Append(const LocatedText& more);
};

struct ListItem {
  std::string value;  // as written; may name another list
  Located pos;
};

struct ListDef {
  std::string name;
  Located pos;
  std::vector<ListItem> items;
};

struct MacroDef {
  std::string name;
  Located pos;
  LocatedText condition;
};

// One exception of a rule (Falco 0.28+):
//   exceptions:
//     - name: known_writers
//       fields: [proc.name, fd.directory]      # or one field: `fields: proc.name`
//       comps: [=, in]                         # default: `=` for each field (`in` for one field)
//       values:
//         - [apk, [/usr/lib, /usr/bin]]        # one tuple per line; an item may be a list
struct ExceptionValue {
  std::vector<std::string> items;  // one item, or the members of an inline list
  bool is_list = false;            // written as a YAML sequence
  Located pos;
};
struct ExceptionDef {
  std::string name;
  Located pos;
  std::vector<std::string> fields;
  bool fields_is_list = true;      // `fields: [a, b]` (tuples) vs `fields: a` (one field)
  std::vector<std::string> comps;  // same length as fields after defaults
  Located fields_pos, comps_pos;
  // fields_is_list: each entry is a tuple of fields.size() values.
  // !fields_is_list: each entry holds one value (the values of the single field).
  std::vector<std::vector<ExceptionValue>> values;
};

struct RuleDef {
  std::string name;
  Located pos;
  std::string desc;
  LocatedText condition;
  LocatedText output;
  vigil_priority priority = VIGIL_PRIORITY_DEBUG;
  std::string source{kSyscallSource};
  std::vector<std::string> tags;  // in first-seen order, no duplicates
  bool enabled = true;
  bool skip_if_unknown_filter = false;
  bool warn_evttypes = true;
  std::vector<ExceptionDef> exceptions;
};

struct RequiredPlugin {
  std::string name;
  std::string version;
  std::vector<std::pair<std::string, std::string>> alternatives;  // (name, version)
  Located pos;
};

struct CollectedRules {
  std::vector<std::string> files;  // names, indexed by Located::file
  // Definition order (a redefinition keeps the place of the first definition, as Falco does).
  std::vector<ListDef> lists;
  std::vector<MacroDef> macros;
  std::vector<RuleDef> rules;
  // Every `required_plugin_versions` entry read, in file order (already checked against
  // LoadOptions::plugin_versions; kept for reporting).
  std::vector<RequiredPlugin> required_plugins;

  SourcePos ToSourcePos(const Located& where) const;
};

// Reads every file (YAML with positions) and applies Falco's semantics in file order:
// `required_engine_version` (string semver or integer N meaning 0.N.0) checked against
// kEngineVersion; `required_plugin_versions` checked against options.plugin_versions; lists,
// macros and rules defined, redefined (replaced), appended (`append: true`) and overridden
// (`override: {key: append|replace}`); enabled-only rule entries; unknown keys, wrong types and
// missing required keys reported with file:line:col. Errors go to `diags`; what could be read is
// still returned, so the compiler can report its own errors too.
CollectedRules CollectRules(const std::vector<RulesFile>& files, const LoadOptions& options,
                            Diagnostics& diags);

}  // namespace vigil::rules
