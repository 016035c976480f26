// CollectRules: Falco's rules-file semantics (its rule_loader_reader and rule_loader_collector):
// items read in file order; lists, macros and rules defined, redefined in place, appended and
// overridden; version requirements checked. Every problem is reported, not just the first.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collect_exceptions.hpp"
#include "collect_yaml.hpp"
#include "item_reader.hpp"
#include "rule_items.hpp"
#include "vigil/alert_format.hpp"

namespace vigil::rules {

Located LocatedText::At(size_t offset) const {
  if (offset < where.size()) return where[offset];
  if (where.empty()) return start;
  Located after = where.back();
  ++after.column;
  return after;
}

void LocatedText::Append(const LocatedText& more) {
  where.resize(text.size(), start);
  const Located space = At(text.size());
  text += ' ';
  where.push_back(space);
  text += more.text;
  where.insert(where.end(), more.where.begin(), more.where.end());
  where.resize(text.size(), more.start);
}

SourcePos CollectedRules::ToSourcePos(const Located& where) const {
  return SourcePos{where.file < files.size() ? files[where.file] : std::string(), where.line,
                   where.column};
}

namespace {

using internal::ExceptionInput;
using internal::ItemEntry;
using internal::ItemFields;
using internal::ItemReader;

// The item kinds in the order Falco's reader tests for them (an item is of the first it has).
const std::vector<std::string_view> kItemKinds = {
    "required_engine_version", "required_plugin_versions", "list", "macro", "rule"};
const std::vector<std::string_view> kListKeys = {"list", "items", "append", "override"};
const std::vector<std::string_view> kMacroKeys = {"macro", "condition", "append", "override"};
// Falco's rule schema; the capture_* keys (Falco 0.41's capture on match) are accepted and
// ignored.
// clang-format off
const std::vector<std::string_view> kRuleKeys = {
    "rule", "desc", "condition", "output", "priority", "source", "tags", "enabled", "exceptions",
    "override", "append", "warn_evttypes", "skip-if-unknown-filter",
    "capture", "capture_duration", "capture_events", "capture_filesize"};
// Falco's reader: what `override:` may append to, and what it may replace.
const std::vector<std::string_view> kRuleAppendable = {
    "condition", "output", "desc", "tags", "exceptions"};
const std::vector<std::string_view> kRuleReplaceable = {
    "condition", "output", "desc", "priority", "tags", "exceptions", "enabled", "warn_evttypes",
    "skip-if-unknown-filter",
    "capture", "capture_duration", "capture_events", "capture_filesize"};
// clang-format on
const std::vector<std::string_view> kRuleCaptureKeys = {"capture", "capture_duration",
                                                        "capture_events", "capture_filesize"};
const std::vector<std::string_view> kPluginKeys = {"name", "version", "alternatives"};
const std::vector<std::string_view> kAlternativeKeys = {"name", "version"};

bool Contains(const std::vector<std::string_view>& set, std::string_view word) {
  return std::find(set.begin(), set.end(), word) != set.end();
}

// Falco's name rules (libsinsp's filter grammar): a macro name is an identifier, a list name a
// bare string.
bool IsIdentifier(std::string_view name) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (name.empty() || !alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || digit(c) || c == '_'; });
}
bool IsBareString(std::string_view name) {
  return !name.empty() && name.find_first_of("()\"' \t\n\r\f\v=,") == std::string_view::npos;
}

void Trim(LocatedText& t) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  t.where.resize(t.text.size(), t.start);
  const size_t last = t.text.find_last_not_of(kSpace);
  const size_t end = last == std::string::npos ? 0 : last + 1;
  const size_t begin = std::min(t.text.find_first_not_of(kSpace), end);
  t.text = t.text.substr(begin, end - begin);
  t.where = std::vector<Located>(t.where.begin() + static_cast<ptrdiff_t>(begin),
                                 t.where.begin() + static_cast<ptrdiff_t>(end));
}

void AddTags(std::vector<std::string>& tags, const std::vector<internal::NodeString>& more) {
  for (const auto& tag : more) {
    if (std::find(tags.begin(), tags.end(), tag.value) == tags.end()) tags.push_back(tag.value);
  }
}

// `override:` of one item: the keys to append and the keys to replace.
struct Overrides {
  std::vector<std::string> append;
  std::vector<std::string> replace;
  bool empty() const { return append.empty() && replace.empty(); }
};

// Definitions by name, in first-definition order (Falco's indexed_vector).
template <typename Def>
class NamedDefs {
 public:
  Def* Find(const std::string& name) {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &defs_[it->second];
  }
  // Replaces an earlier definition in place, or adds at the end.
  void Define(Def def) {
    if (Def* prev = Find(def.name)) {
      *prev = std::move(def);
      return;
    }
    index_.emplace(def.name, defs_.size());
    defs_.push_back(std::move(def));
  }
  std::vector<Def> Take() { return std::move(defs_); }

 private:
  std::vector<Def> defs_;
  std::unordered_map<std::string, size_t> index_;
};

class Collector {
 public:
  Collector(const LoadOptions& options, Diagnostics& diags) : options_(options), diags_(diags) {}

  void ReadFile(const RulesFile& file);
  CollectedRules Take();

 private:
  void ReadDocument(ItemReader& r, const YAML::Node& doc);
  void ReadItem(ItemReader& r, const YAML::Node& item);
  void ReadEngineVersion(ItemReader& r, const ItemFields& fields);
  void ReadPluginVersions(ItemReader& r, const ItemFields& fields);
  std::optional<RequiredPlugin> ReadPluginRequirement(ItemReader& r, const YAML::Node& node);
  void CheckPluginRequirement(ItemReader& r, const RequiredPlugin& req);
  void ReadList(ItemReader& r, const ItemFields& fields);
  void ReadMacro(ItemReader& r, const ItemFields& fields);
  void ReadRule(ItemReader& r, const ItemFields& fields);
  void DefineRule(ItemReader& r, const ItemFields& fields);
  void EnableRule(ItemReader& r, const ItemFields& fields);
  void AppendToRule(ItemReader& r, const ItemFields& fields);
  void OverrideRule(ItemReader& r, const ItemFields& fields, const Overrides& overrides);
  bool ApplyRuleAppends(ItemReader& r, const ItemFields& fields,
                        const std::vector<std::string>& keys, RuleDef& rule);
  bool ApplyRuleReplaces(ItemReader& r, const ItemFields& fields,
                         const std::vector<std::string>& keys, RuleDef& rule);
  bool MergeExceptions(ItemReader& r, const ItemEntry& e, RuleDef& rule);

  // How an item merges with an earlier one: `append: true` (deprecated) or `override:`, never both.
  struct Merge {
    bool append = false;
    Overrides overrides;
  };
  std::optional<Merge> ReadMerge(ItemReader& r, const ItemFields& fields,
                                 const std::vector<std::string_view>& appendable,
                                 const std::vector<std::string_view>& replaceable);
  std::optional<bool> ReadAppendFlag(ItemReader& r, const ItemFields& fields);
  std::optional<Overrides> ReadOverrides(ItemReader& r, const ItemFields& fields,
                                         const std::vector<std::string_view>& appendable,
                                         const std::vector<std::string_view>& replaceable);
  void WarnIgnored(ItemReader& r, const ItemFields& fields,
                   const std::vector<std::string_view>& used, std::string_view why);

  const LoadOptions& options_;
  Diagnostics& diags_;
  std::vector<std::string> files_;
  std::vector<RequiredPlugin> required_plugins_;
  NamedDefs<ListDef> lists_;
  NamedDefs<MacroDef> macros_;
  NamedDefs<RuleDef> rules_;
};

CollectedRules Collector::Take() {
  CollectedRules out;
  out.files = std::move(files_);
  out.lists = lists_.Take();
  out.macros = macros_.Take();
  out.rules = rules_.Take();
  out.required_plugins = std::move(required_plugins_);
  return out;
}

void Collector::ReadFile(const RulesFile& file) {
  const auto file_index = static_cast<uint32_t>(files_.size());
  files_.push_back(file.name);
  ItemReader r(diags_, file.name, file_index, file.content);
  constexpr size_t kMaxContent = size_t{64} << 20;
  if (file.content.size() > kMaxContent) {
    r.Error(Located{file_index, 0, 0}, "file-too-large",
            fmt::format("rules file is too large ({} bytes, at most {})", file.content.size(),
                        kMaxContent));
    return;
  }
  const internal::YamlParse parse = internal::ParseYaml(file.content, internal::kMaxYamlNodes);
  const Located where = internal::ToLocated(parse.mark, file_index, Located{file_index, 0, 0});
  if (parse.outcome == internal::YamlParse::Outcome::kSyntaxError) {
    r.Error(where, "yaml-syntax", fmt::format("invalid YAML: {}", parse.message));
    return;
  }
  if (parse.outcome == internal::YamlParse::Outcome::kTooLarge) {
    r.Error(where, "too-large",
            fmt::format("rules file is too large: more than {} YAML nodes once aliases are "
                        "expanded",
                        internal::kMaxYamlNodes));
    return;
  }
  if (parse.outcome == internal::YamlParse::Outcome::kRecursiveAlias) {
    r.Error(where, "too-large", "an alias refers to a node that contains it (an infinite tree)");
    return;
  }
  for (const YAML::Node& doc : parse.documents) {
    // A malformed file must never take the process down: whatever yaml-cpp or the allocator
    // throws ends this document with an error.
    try {
      ReadDocument(r, doc);
    } catch (const std::exception& e) {
      r.Error(r.item_pos(), "internal", fmt::format("cannot read this item: {}", e.what()));
    } catch (...) {
      r.Error(r.item_pos(), "internal", "cannot read this item");
    }
  }
}

void Collector::ReadDocument(ItemReader& r, const YAML::Node& doc) {
  if (!doc.IsDefined() || doc.IsNull()) return;  // an empty file or document is fine
  r.BeginItem("", doc);
  if (!doc.IsSequence()) {
    r.Error(r.PosOf(doc), "not-a-sequence",
            fmt::format("rules content must be a list of items (- rule: ..., - macro: ..., "
                        "- list: ...), not {}",
                        internal::DescribeNode(doc)));
    return;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const YAML::Node item = *it;
    if (!item.IsNull()) ReadItem(r, item);
  }
}

void Collector::ReadItem(ItemReader& r, const YAML::Node& item) {
  r.BeginItem("", item);
  if (!item.IsMap()) {
    r.Error(r.PosOf(item), "not-a-mapping",
            fmt::format("each item must be a mapping (rule, macro, list, ...), not {}",
                        internal::DescribeNode(item)));
    return;
  }
  const ItemFields fields(item);
  auto kind = std::find_if(kItemKinds.begin(), kItemKinds.end(),
                           [&fields](std::string_view k) { return fields.Has(k); });
  if (kind == kItemKinds.end()) {
    std::string hint;
    for (const ItemEntry& e : fields.entries()) {
      hint = internal::DidYouMean(e.key, kItemKinds);
      if (!hint.empty()) break;
    }
    r.Error(r.item_pos(), "unknown-item",
            fmt::format("unknown item: it has none of the keys rule, macro, list, "
                        "required_engine_version, required_plugin_versions{}",
                        hint));
    return;
  }
  r.BeginItem(std::string(*kind), item);
  if (*kind == "required_engine_version") {
    ReadEngineVersion(r, fields);
  } else if (*kind == "required_plugin_versions") {
    ReadPluginVersions(r, fields);
  } else if (*kind == "list") {
    ReadList(r, fields);
  } else if (*kind == "macro") {
    ReadMacro(r, fields);
  } else {
    ReadRule(r, fields);
  }
}

void Collector::ReadEngineVersion(ItemReader& r, const ItemFields& fields) {
  r.CheckKeys(fields, {"required_engine_version"});
  const ItemEntry& e = *fields.Find("required_engine_version");
  std::optional<std::string> text = r.ReadString(e);
  if (!text) return;
  // An integer N is Falco's old engine version numbering: 0.N.0.
  std::optional<internal::Semver> required;
  if (std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    required = internal::ParseSemver(fmt::format("0.{}.0", *text));
  } else {
    required = internal::ParseSemver(*text);
  }
  if (!required) {
    r.Error(r.PosOf(e.value), "invalid-version",
            fmt::format("cannot parse engine version '{}': expected \"x.y.z\"", *text), *text);
    return;
  }
  const internal::Semver engine = *internal::ParseSemver(kEngineVersion);
  if (!internal::IsCompatible(engine, *required)) {
    r.Error(r.PosOf(e.value), "engine-version",
            fmt::format("rules require engine version {}, but this engine implements {}",
                        required->ToString(), engine.ToString()),
            *text);
  }
}

void Collector::ReadPluginVersions(ItemReader& r, const ItemFields& fields) {
  r.CheckKeys(fields, {"required_plugin_versions"});
  const ItemEntry& e = *fields.Find("required_plugin_versions");
  if (!e.value.IsSequence()) {
    r.Error(r.ValuePos(e), "wrong-type",
            fmt::format("'required_plugin_versions' must be a list, not {}",
                        internal::DescribeNode(e.value)));
    return;
  }
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    std::optional<RequiredPlugin> req = ReadPluginRequirement(r, *it);
    if (!req) continue;
    CheckPluginRequirement(r, *req);
    required_plugins_.push_back(std::move(*req));
  }
}

std::optional<RequiredPlugin> Collector::ReadPluginRequirement(ItemReader& r,
                                                               const YAML::Node& node) {
  // The requirement and its alternatives alike: {name, version}.
  auto read_pair =
      [&r](const YAML::Node& n, const std::vector<std::string_view>& keys,
           std::string_view what) -> std::optional<std::pair<std::string, std::string>> {
    if (!n.IsMap()) {
      r.Error(r.PosOf(n), "wrong-type",
              fmt::format("{} must be a mapping with name and version, not {}", what,
                          internal::DescribeNode(n)));
      return std::nullopt;
    }
    const ItemFields fields(n);
    bool ok = r.CheckKeys(fields, keys);
    const ItemEntry* name = r.Require(fields, "name");
    const ItemEntry* version = r.Require(fields, "version");
    std::optional<std::string> name_value = name ? r.ReadString(*name) : std::nullopt;
    std::optional<std::string> version_value = version ? r.ReadString(*version) : std::nullopt;
    if (!ok || !name_value || !version_value) return std::nullopt;
    if (!internal::ParseSemver(*version_value)) {
      r.Error(
          r.PosOf(version->value), "invalid-version",
          fmt::format("invalid required version '{}' for plugin '{}'", *version_value, *name_value),
          *version_value);
      return std::nullopt;
    }
    return std::make_pair(*name_value, *version_value);
  };

  auto main = read_pair(node, kPluginKeys, "a plugin requirement");
  if (!main) return std::nullopt;
  RequiredPlugin req{main->first, main->second, {}, r.PosOf(node)};
  const ItemFields fields(node);
  if (const ItemEntry* alts = fields.Find("alternatives")) {
    if (!alts->value.IsSequence()) {
      r.Error(r.ValuePos(*alts), "wrong-type",
              fmt::format("'alternatives' must be a list, not {}",
                          internal::DescribeNode(alts->value)));
      return std::nullopt;
    }
    for (auto it = alts->value.begin(); it != alts->value.end(); ++it) {
      auto alt = read_pair(*it, kAlternativeKeys, "a plugin alternative");
      if (!alt) return std::nullopt;
      const bool repeated = alt->first == req.name ||
                            std::any_of(req.alternatives.begin(), req.alternatives.end(),
                                        [&alt](const auto& a) { return a.first == alt->first; });
      if (repeated) {
        r.Error(r.PosOf(*it), "invalid-version",
                fmt::format("plugin '{}' is named more than once in one requirement", alt->first),
                alt->first);
        return std::nullopt;
      }
      req.alternatives.push_back(std::move(*alt));
    }
  }
  return req;
}

void Collector::CheckPluginRequirement(ItemReader& r, const RequiredPlugin& req) {
  std::vector<std::pair<std::string, std::string>> all{{req.name, req.version}};
  all.insert(all.end(), req.alternatives.begin(), req.alternatives.end());
  std::string loaded;  // "'k8saudit' 0.17.0, ..." of the loaded ones that do not fit
  for (const auto& [name, version] : all) {
    auto it = options_.plugin_versions.find(name);
    if (it == options_.plugin_versions.end()) continue;
    std::optional<internal::Semver> have = internal::ParseSemver(it->second);
    if (have && internal::IsCompatible(*have, *internal::ParseSemver(version))) return;
    loaded += fmt::format("{}'{}' {}", loaded.empty() ? "" : ", ", name, it->second);
  }
  std::string message = fmt::format("requires plugin '{}' >= {}", req.name, req.version);
  if (!req.alternatives.empty()) {
    std::string alternatives;
    for (const auto& [name, version] : req.alternatives) {
      alternatives += fmt::format("{}'{}' >= {}", alternatives.empty() ? "" : ", ", name, version);
    }
    message += fmt::format(" (or alternatives {})", alternatives);
  }
  message += loaded.empty() ? ", which is not loaded"
                            : fmt::format(" (same major version), but loaded is {}", loaded);
  r.Error(req.pos, "plugin-version", std::move(message), req.name);
}

std::optional<Collector::Merge> Collector::ReadMerge(
    ItemReader& r, const ItemFields& fields, const std::vector<std::string_view>& appendable,
    const std::vector<std::string_view>& replaceable) {
  const std::optional<bool> append = ReadAppendFlag(r, fields);
  const std::optional<Overrides> overrides = ReadOverrides(r, fields, appendable, replaceable);
  if (!append || !overrides) return std::nullopt;
  if (*append && !overrides->empty()) {
    r.Error(r.item_pos(), "append-and-override",
            "'override' and 'append: true' cannot be used together");
    return std::nullopt;
  }
  return Merge{*append, *overrides};
}

std::optional<bool> Collector::ReadAppendFlag(ItemReader& r, const ItemFields& fields) {
  const ItemEntry* e = fields.Find("append");
  if (e == nullptr) return false;
  std::optional<bool> append = r.ReadBool(*e);
  if (append.value_or(false)) {
    r.Warning(r.PosOf(e->key_node), "deprecated",
              "'append' is deprecated: add an entry under 'override' instead (e.g. "
              "'condition: append')",
              "append");
  }
  return append;
}

std::optional<Overrides> Collector::ReadOverrides(
    ItemReader& r, const ItemFields& fields, const std::vector<std::string_view>& appendable,
    const std::vector<std::string_view>& replaceable) {
  Overrides out;
  const ItemEntry* e = fields.Find("override");
  if (e == nullptr) return out;
  if (!e->value.IsMap() || e->value.size() == 0) {
    r.Error(r.ValuePos(*e), "override-mismatch",
            fmt::format("'override' must be a mapping of keys to append or replace, not {}",
                        e->value.IsMap() ? "an empty mapping" : internal::DescribeNode(e->value)));
    return std::nullopt;
  }
  const ItemFields ops(e->value);
  std::vector<std::string_view> overridable = replaceable;
  for (std::string_view k : appendable) {
    if (!Contains(overridable, k)) overridable.push_back(k);
  }
  bool ok = r.CheckKeys(ops, overridable);
  for (const ItemEntry& op : ops.entries()) {
    if (!Contains(overridable, op.key)) continue;  // reported by CheckKeys
    std::optional<std::string> how = r.ReadString(op);
    if (!how) {
      ok = false;
    } else if (*how == "append" && Contains(appendable, op.key)) {
      out.append.push_back(op.key);
    } else if (*how == "replace" && Contains(replaceable, op.key)) {
      out.replace.push_back(op.key);
    } else if (*how == "append" || *how == "replace") {
      r.Error(r.PosOf(op.value), "override-mismatch",
              fmt::format("'{}' cannot be {}; use '{}'", op.key,
                          *how == "append" ? "appended to" : "replaced",
                          *how == "append" ? "replace" : "append"),
              *how);
      ok = false;
    } else {
      r.Error(r.PosOf(op.value), "override-mismatch",
              fmt::format("invalid override of '{}': '{}' (allowed: {}{}{})", op.key, *how,
                          Contains(appendable, op.key) ? "append" : "",
                          Contains(appendable, op.key) && Contains(replaceable, op.key) ? ", " : "",
                          Contains(replaceable, op.key) ? "replace" : ""),
              *how);
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

void Collector::WarnIgnored(ItemReader& r, const ItemFields& fields,
                            const std::vector<std::string_view>& used, std::string_view why) {
  for (const ItemEntry& e : fields.entries()) {
    if (e.key_node.IsScalar() && !Contains(used, e.key)) {
      r.Warning(r.PosOf(e.key_node), "ignored-key", fmt::format("'{}' is ignored {}", e.key, why),
                e.key);
    }
  }
}

void Collector::ReadList(ItemReader& r, const ItemFields& fields) {
  std::optional<std::string> name = r.ReadString(*fields.Find("list"));
  if (!name) return;
  r.SetItemName(*name);
  r.CheckKeys(fields, kListKeys);
  if (!IsBareString(*name)) {
    r.Error(r.item_pos(), "invalid-name",
            "list names must not be empty nor contain spaces, quotes, parentheses, '=' or ','",
            *name);
    return;
  }
  const std::optional<Merge> merge = ReadMerge(r, fields, {"items"}, {"items"});
  if (!merge) return;
  const bool append = merge->append;
  const Overrides& overrides = merge->overrides;
  const ItemEntry* items_entry = r.Require(fields, "items");
  if (items_entry == nullptr) return;
  auto items = r.ReadScalarList(*items_entry);
  if (!items) return;
  ListDef def{*name, r.item_pos(), {}};
  for (const auto& item : *items) def.items.push_back(ListItem{item.value, r.PosOf(item.node)});

  if (append || !overrides.append.empty()) {
    ListDef* prev = lists_.Find(*name);
    if (prev == nullptr) {
      r.Error(r.item_pos(), "undefined-item",
              "list uses 'append' or 'override: {items: append}' but no list by that name is "
              "defined before",
              *name);
      return;
    }
    prev->items.insert(prev->items.end(), def.items.begin(), def.items.end());
    return;
  }
  lists_.Define(std::move(def));
}

void Collector::ReadMacro(ItemReader& r, const ItemFields& fields) {
  std::optional<std::string> name = r.ReadString(*fields.Find("macro"));
  if (!name) return;
  r.SetItemName(*name);
  r.CheckKeys(fields, kMacroKeys);
  if (!IsIdentifier(*name)) {
    r.Error(r.item_pos(), "invalid-name",
            "macro names must be identifiers: a letter, then letters, digits or '_'", *name);
    return;
  }
  const std::optional<Merge> merge = ReadMerge(r, fields, {"condition"}, {"condition"});
  if (!merge) return;
  const bool append = merge->append;
  const Overrides& overrides = merge->overrides;
  const ItemEntry* condition_entry = r.Require(fields, "condition");
  if (condition_entry == nullptr) return;
  std::optional<LocatedText> condition = r.ReadText(*condition_entry);
  if (!condition) return;

  if (append || !overrides.append.empty()) {
    MacroDef* prev = macros_.Find(*name);
    if (prev == nullptr) {
      r.Error(r.item_pos(), "undefined-item",
              "macro uses 'append' or 'override: {condition: append}' but no macro by that name "
              "is defined before",
              *name);
      return;
    }
    prev->condition.Append(*condition);
    return;
  }
  macros_.Define(MacroDef{*name, r.item_pos(), std::move(*condition)});
}

void Collector::ReadRule(ItemReader& r, const ItemFields& fields) {
  std::optional<std::string> name = r.ReadString(*fields.Find("rule"));
  if (!name) return;
  r.SetItemName(*name);
  r.CheckKeys(fields, kRuleKeys);
  const std::optional<Merge> merge = ReadMerge(r, fields, kRuleAppendable, kRuleReplaceable);
  if (!merge) return;
  const bool append = merge->append;
  const Overrides& overrides = merge->overrides;
  if (!overrides.empty()) {
    OverrideRule(r, fields, overrides);
  } else if (append) {
    AppendToRule(r, fields);
  } else if (!fields.Has("condition") && !fields.Has("output") && !fields.Has("desc") &&
             !fields.Has("priority")) {
    EnableRule(r, fields);
  } else {
    DefineRule(r, fields);
  }
}

void Collector::DefineRule(ItemReader& r, const ItemFields& fields) {
  RuleDef rule;
  rule.name = r.item_name();
  rule.pos = r.item_pos();
  bool complete = true;  // every required key present and readable
  const ItemEntry* condition = r.Require(fields, "condition");
  const ItemEntry* output = r.Require(fields, "output");
  const ItemEntry* desc = r.Require(fields, "desc");
  const ItemEntry* priority = r.Require(fields, "priority");
  if (auto v = condition ? r.ReadText(*condition) : std::nullopt) {
    rule.condition = std::move(*v);
  } else {
    complete = false;
  }
  if (auto v = output ? r.ReadText(*output) : std::nullopt) {
    rule.output = std::move(*v);
    Trim(rule.output);  // as Falco does for a new rule's output
  } else {
    complete = false;
  }
  if (auto v = desc ? r.ReadString(*desc) : std::nullopt) {
    rule.desc = std::move(*v);
  } else {
    complete = false;
  }
  if (auto v = priority ? r.ReadString(*priority) : std::nullopt) {
    if (std::optional<vigil_priority> p = alert_format::ParsePriority(*v)) {
      rule.priority = *p;
    } else {
      std::string lower = *v;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const std::vector<std::string_view>& names = alert_format::PriorityChoices();
      std::string hint = internal::DidYouMean(lower, names);
      r.Error(r.PosOf(priority->value), "bad-priority",
              hint.empty()
                  ? fmt::format("invalid priority '{}' (one of {})", *v, fmt::join(names, ", "))
                  : fmt::format("invalid priority '{}'{}", *v, hint),
              *v);
    }
  } else {
    complete = false;
  }
  // Optional keys: a bad one is reported and the rule still defined, so the compiler can report
  // the rule's own problems too.
  if (const ItemEntry* e = fields.Find("source")) {
    if (auto v = r.ReadString(*e)) rule.source = *v;
  }
  if (const ItemEntry* e = fields.Find("enabled")) rule.enabled = r.ReadBool(*e).value_or(true);
  if (const ItemEntry* e = fields.Find("warn_evttypes")) {
    rule.warn_evttypes = r.ReadBool(*e).value_or(true);
  }
  if (const ItemEntry* e = fields.Find("skip-if-unknown-filter")) {
    rule.skip_if_unknown_filter = r.ReadBool(*e).value_or(false);
  }
  if (const ItemEntry* e = fields.Find("tags")) {
    if (auto tags = r.ReadScalarList(*e)) AddTags(rule.tags, *tags);
  }
  if (const ItemEntry* e = fields.Find("capture")) r.ReadBool(*e);
  for (std::string_view key : {"capture_duration", "capture_events", "capture_filesize"}) {
    if (const ItemEntry* e = fields.Find(key)) r.ReadInteger(*e);
  }
  if (const ItemEntry* e = fields.Find("exceptions")) {
    if (auto inputs = internal::ReadExceptions(r, *e, /*fields_optional=*/false)) {
      for (const ExceptionInput& in : *inputs) {
        if (auto ex = internal::CompleteException(r, in)) rule.exceptions.push_back(*ex);
      }
    }
  }
  if (!complete) return;
  if (const RuleDef* prev = rules_.Find(rule.name);
      prev != nullptr && prev->source != rule.source) {
    r.Error(r.item_pos(), "source-mismatch",
            fmt::format("rule is redefined with source '{}', but it was defined with source '{}'",
                        rule.source, prev->source));
    return;
  }
  rules_.Define(std::move(rule));
}

void Collector::EnableRule(ItemReader& r, const ItemFields& fields) {
  const ItemEntry* e = fields.Find("enabled");
  if (e == nullptr) {
    r.Error(r.item_pos(), "missing-key",
            "missing required keys condition, output, desc and priority (an item without them "
            "may only set 'enabled' of an existing rule, but has no 'enabled' either)",
            "enabled");
    return;
  }
  std::optional<bool> enabled = r.ReadBool(*e);
  if (!enabled) return;
  r.Warning(r.item_pos(), "deprecated",
            "a rule item with only 'enabled' is deprecated: add 'override: {enabled: replace}'");
  WarnIgnored(r, fields, {"rule", "enabled", "append"},
              "in a rule item that only changes 'enabled'");
  RuleDef* prev = rules_.Find(r.item_name());
  if (prev == nullptr) {
    r.Error(r.item_pos(), "undefined-item",
            "rule item has only 'enabled' but no rule by that name is defined before",
            r.item_name());
    return;
  }
  prev->enabled = *enabled;
}

void Collector::AppendToRule(ItemReader& r, const ItemFields& fields) {
  WarnIgnored(r, fields, {"rule", "append", "condition", "exceptions"},
              "with 'append: true' (only condition and exceptions are appended)");
  const ItemEntry* condition_entry = fields.Find("condition");
  const ItemEntry* exceptions_entry = fields.Find("exceptions");
  std::optional<LocatedText> condition;
  if (condition_entry != nullptr) {
    condition = r.ReadText(*condition_entry);
    if (!condition) return;
  }
  RuleDef* prev = rules_.Find(r.item_name());
  if (prev == nullptr) {
    r.Error(r.item_pos(), "undefined-item",
            "rule uses 'append' but no rule by that name is defined before", r.item_name());
    return;
  }
  if (condition_entry == nullptr && exceptions_entry == nullptr) {
    r.Error(r.item_pos(), "missing-key", "an appended rule must have 'condition' or 'exceptions'");
    return;
  }
  if (condition) prev->condition.Append(*condition);
  if (exceptions_entry != nullptr) MergeExceptions(r, *exceptions_entry, *prev);
}

bool Collector::MergeExceptions(ItemReader& r, const ItemEntry& e, RuleDef& rule) {
  auto inputs = internal::ReadExceptions(r, e, /*fields_optional=*/true);
  if (!inputs) return false;
  bool ok = true;
  for (const ExceptionInput& in : *inputs) {
    auto existing = std::find_if(rule.exceptions.begin(), rule.exceptions.end(),
                                 [&in](const ExceptionDef& ex) { return ex.name == in.def.name; });
    if (existing != rule.exceptions.end()) {
      ok = internal::AppendExceptionValues(r, in, *existing) && ok;
      continue;
    }
    if (!in.values.IsDefined() || in.values.size() == 0) {
      r.Error(in.def.pos, "bad-exception",
              fmt::format("exception '{}': a new exception added to a rule must have values",
                          in.def.name),
              in.def.name);
      ok = false;
      continue;
    }
    if (auto ex = internal::CompleteException(r, in)) {
      rule.exceptions.push_back(std::move(*ex));
    } else {
      ok = false;
    }
  }
  return ok;
}

void Collector::OverrideRule(ItemReader& r, const ItemFields& fields, const Overrides& overrides) {
  // Every overridable key present must be listed under `override`, and every listed key present.
  bool ok = true;
  std::set<std::string> listed(overrides.append.begin(), overrides.append.end());
  listed.insert(overrides.replace.begin(), overrides.replace.end());
  for (const std::string& key : listed) {
    if (!fields.Has(key)) {
      const bool append = std::find(overrides.append.begin(), overrides.append.end(), key) !=
                          overrides.append.end();
      r.Error(r.item_pos(), "override-mismatch",
              fmt::format("an {} override for '{}' is given, but '{}' is not defined",
                          append ? "append" : "replace", key, key),
              key);
      ok = false;
    }
  }
  for (const ItemEntry& e : fields.entries()) {
    const bool overridable = Contains(kRuleAppendable, e.key) || Contains(kRuleReplaceable, e.key);
    if (overridable && listed.count(e.key) == 0) {
      r.Error(r.PosOf(e.key_node), "override-mismatch",
              fmt::format("unexpected key '{}': no entry for it under 'override'", e.key), e.key);
      ok = false;
    }
  }
  std::vector<std::string_view> used = {"rule", "override", "append"};
  used.insert(used.end(), listed.begin(), listed.end());
  WarnIgnored(r, fields, used, "in a rule item with 'override'");
  if (!ok) return;
  RuleDef* prev = rules_.Find(r.item_name());
  if (prev == nullptr) {
    r.Error(r.item_pos(), "undefined-item",
            overrides.append.empty()
                ? "rule uses 'override: {<key>: replace}' but no rule by that name is defined "
                  "before"
                : "rule uses 'override: {<key>: append}' but no rule by that name is defined "
                  "before",
            r.item_name());
    return;
  }
  // Falco applies the appends, then the replaces.
  if (ApplyRuleAppends(r, fields, overrides.append, *prev)) {
    ApplyRuleReplaces(r, fields, overrides.replace, *prev);
  }
}

bool Collector::ApplyRuleAppends(ItemReader& r, const ItemFields& fields,
                                 const std::vector<std::string>& keys, RuleDef& rule) {
  // Read everything first, so that an error leaves the rule unchanged.
  RuleDef updated = rule;
  bool ok = true;
  for (const std::string& key : keys) {
    const ItemEntry& e = *fields.Find(key);
    if (key == "condition" || key == "output") {
      std::optional<LocatedText> text = r.ReadText(e);
      if (text) (key == "condition" ? updated.condition : updated.output).Append(*text);
      ok = ok && text.has_value();
    } else if (key == "desc") {
      std::optional<std::string> desc = r.ReadString(e);
      if (desc) updated.desc += " " + *desc;
      ok = ok && desc.has_value();
    } else if (key == "tags") {
      auto tags = r.ReadScalarList(e);
      if (tags) AddTags(updated.tags, *tags);
      ok = ok && tags.has_value();
    } else if (key == "exceptions") {
      ok = MergeExceptions(r, e, updated) && ok;
    }
  }
  if (ok) rule = std::move(updated);
  return ok;
}

bool Collector::ApplyRuleReplaces(ItemReader& r, const ItemFields& fields,
                                  const std::vector<std::string>& keys, RuleDef& rule) {
  RuleDef updated = rule;
  bool ok = true;
  for (const std::string& key : keys) {
    const ItemEntry& e = *fields.Find(key);
    if (key == "condition" || key == "output") {
      std::optional<LocatedText> text = r.ReadText(e);
      if (text) (key == "condition" ? updated.condition : updated.output) = std::move(*text);
      ok = ok && text.has_value();
    } else if (key == "desc") {
      std::optional<std::string> desc = r.ReadString(e);
      if (desc) updated.desc = *desc;
      ok = ok && desc.has_value();
    } else if (key == "tags") {
      auto tags = r.ReadScalarList(e);
      if (tags) {
        updated.tags.clear();
        AddTags(updated.tags, *tags);
      }
      ok = ok && tags.has_value();
    } else if (key == "exceptions") {
      updated.exceptions.clear();
      auto inputs = internal::ReadExceptions(r, e, /*fields_optional=*/false);
      ok = ok && inputs.has_value();
      for (const ExceptionInput& in : inputs.value_or(std::vector<ExceptionInput>{})) {
        auto ex = internal::CompleteException(r, in);
        if (ex) updated.exceptions.push_back(std::move(*ex));
        ok = ok && ex.has_value();
      }
    } else if (key == "priority") {
      std::optional<std::string> text = r.ReadString(e);
      std::optional<vigil_priority> p = text ? alert_format::ParsePriority(*text) : std::nullopt;
      if (text && !p) {
        r.Error(r.PosOf(e.value), "bad-priority", fmt::format("invalid priority '{}'", *text),
                *text);
      }
      if (p) updated.priority = *p;
      ok = ok && p.has_value();
    } else if (key == "enabled" || key == "warn_evttypes" || key == "skip-if-unknown-filter" ||
               key == "capture") {
      std::optional<bool> value = r.ReadBool(e);
      if (value && key == "enabled") updated.enabled = *value;
      if (value && key == "warn_evttypes") updated.warn_evttypes = *value;
      if (value && key == "skip-if-unknown-filter") updated.skip_if_unknown_filter = *value;
      ok = ok && value.has_value();
    } else if (Contains(kRuleCaptureKeys, key)) {
      ok = r.ReadInteger(e).has_value() && ok;
    }
  }
  if (ok) rule = std::move(updated);
  return ok;
}

}  // namespace

CollectedRules CollectRules(const std::vector<RulesFile>& files, const LoadOptions& options,
                            Diagnostics& diags) {
  Collector collector(options, diags);
  for (const RulesFile& file : files) collector.ReadFile(file);
  return collector.Take();
}

}  // namespace vigil::rules
