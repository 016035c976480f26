// Rules: Falco's rule language, loaded, compiled and evaluated centrally in the core.
//
// Pipeline: read (YAML with positions) → collect (lists, macros and rules after override/append
// and redefinition) → compile (macros and lists expanded, exceptions folded into the condition,
// fields bound to extractors through the FieldRegistry, constants folded, `in`/`pmatch` lists as
// hash sets / prefix sets) → index by source and event type. Per event only the rules that can
// match its source and type run; every matching rule fires, in file order.
//
//   Diagnostics diags;
//   auto files = ReadRulesPaths({"/etc/vigil/rules.d"}, diags);
//   std::unique_ptr<Ruleset> rs = LoadRuleset(files, {.registry = &registry}, diags);
//   for (const Diagnostic& d : diags.items()) std::cerr << d.ToString() << "\n";
//   if (!rs) return 1;                                       // at least one error
//   rs->Evaluate(ctx, &matches);                               // indexes into rs->rules()
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vigil/core/alert.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/core/source_pos.hpp"
#include "vigil/plugin_api.h"

namespace vigil::rules {

// The version of Falco's rule language vigil implements (`required_engine_version`).
inline constexpr const char* kEngineVersion = "0.57.0";

using vigil::SourcePos;  // a place in a rules file

enum class Severity : uint8_t { kError, kWarning };

// One problem in the rules, with where it is and what it is about:
//   rules.yaml:12:21: error: rule 'Shell in container': unknown field 'proc.nmae' (did you mean
//   'proc.name'?)
struct Diagnostic {
  Severity severity = Severity::kError;
  SourcePos pos;
  std::string item_kind;  // "rule", "macro", "list", "exception", "required_engine_version", ""
  std::string item_name;
  std::string code;  // stable, machine-readable: "unknown-field", "undefined-macro", ...
  std::string message;
  std::string token;  // the offending token as written, when there is one

  std::string ToString() const;
};

class Diagnostics {
 public:
  void Add(Diagnostic d) { items_.push_back(std::move(d)); }
  const std::vector<Diagnostic>& items() const { return items_; }
  size_t errors() const;
  size_t warnings() const;
  bool has_errors() const { return errors() > 0; }
  // [{"severity": "error", "file": ..., "line": .., "column": .., "item_kind": .., "item_name": ..,
  //   "code": .., "message": .., "token": ..}, ...]
  std::string ToJson() const;

 private:
  std::vector<Diagnostic> items_;
};

// One rules file as read: `name` is the path as given (for messages), `content` its bytes.
struct RulesFile {
  std::string name;
  std::string content;
};

// Files and directories in the given order; a directory contributes its *.yaml / *.yml files in
// name order (not recursive), as Falco does. Unreadable paths are errors in `diags`.
std::vector<RulesFile> ReadRulesPaths(const std::vector<std::string>& paths, Diagnostics& diags);

// One entry of Falco's `append_output`: more output for the rules it matches. A rule matches when
// it meets every condition given (none given: every rule).
struct AppendOutput {
  std::string source;                     // the rule's source
  std::vector<std::string> tags;          // the rule has each of these tags
  std::string rule;                       // the rule's name
  std::string extra_output;               // format text appended to the message, after a space
  std::vector<std::string> extra_fields;  // fields added to output_fields only
  std::vector<std::pair<std::string, std::string>> static_fields;  // (name, fixed value), the same
  bool suggested_output = false;  // Falco's; no vigil plugin suggests fields, so it adds nothing
  SourcePos pos;                  // in the config, for errors
  std::string path;               // "append_output[0]", for errors
};

struct LoadOptions {
  const fields::FieldRegistry* registry = nullptr;
  // Loaded plugins by name → version, for `required_plugin_versions`.
  std::map<std::string, std::string> plugin_versions;
  // Event sources that exist (for the warning about rules of a source nobody produces); empty =
  // do not check.
  std::vector<std::string> known_sources;
  // Index rules by event type (the normal case). Off: every rule of the event's source runs on
  // every event; for the benchmark that shows what the index saves.
  bool index_by_event_type = true;
  std::vector<AppendOutput> append_output;  // applied in order
};

struct CompiledRule {
  std::string name;
  std::string description;
  vigil_priority priority = VIGIL_PRIORITY_DEBUG;
  std::string source;
  std::vector<std::string> tags;
  SourcePos pos;
  size_t order = 0;  // position in file order
};

// A compiled rule set. Immutable once built, except that extraction scratch space is reused:
// Evaluate and MakeAlert must be called from one thread at a time (the engine thread).
class Ruleset {
 public:
  virtual ~Ruleset() = default;
  virtual const std::vector<CompiledRule>& rules() const = 0;
  // Replaces `*matches` with the index of every rule that can match `event` (by source index and
  // type) and does, in file order.
  virtual void Evaluate(const fields::EventContext& event, std::vector<size_t>* matches) = 0;
  // The alert for rule `rule_index` matching `event`: output formatted, output_fields filled.
  virtual router::Alert MakeAlert(size_t rule_index, const fields::EventContext& event,
                                  const std::string& hostname) = 0;
  // The event sources the rules were indexed for, in index order: EventContext::source_index.
  virtual const std::vector<std::string>& sources() const = 0;
  // Event types (event_types.h codes) some enabled rule of `source` needs; all types when a rule
  // matches every type. For sources to capture only what is needed.
  virtual std::vector<uint16_t> EventTypesFor(const std::string& source) const = 0;
};

// What a load found, for `vigil validate` and the log.
struct LoadStats {
  size_t rules = 0, enabled_rules = 0, macros = 0, lists = 0;
};

// Reads, collects and compiles `files` (in order). Returns null when there is an error; warnings
// never fail a load. Every problem found goes to `diags`, not just the first.
std::unique_ptr<Ruleset> LoadRuleset(const std::vector<RulesFile>& files,
                                     const LoadOptions& options, Diagnostics& diags,
                                     LoadStats* stats = nullptr);

}  // namespace vigil::rules
