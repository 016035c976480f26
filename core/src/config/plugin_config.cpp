// A plugin's `config:` block: YAML -> JSON, then its JSON Schema, with errors pointing back into
// the YAML. RapidJSON 1.1's validator stops at the first failure, so to report every problem we
// validate, report, take the offending part out of the picture (the value, the unknown key, or the
// `required` entry) and validate again, mapping pointers back to the original YAML as we go.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/config_schema.hpp"  // Prepare: how every host reads a schema
#include "vigil/core/config.hpp"
#include "yaml_support.hpp"

namespace vigil::config {
namespace {

namespace rj = rapidjson;
using internal::JoinIndex;
using internal::JoinKey;

constexpr int kMaxDepth = 64;
// Values one config block may hold: YAML aliases can make a small text expand exponentially
// (`&a [*b, *b]` nested), and a block is hand-written configuration, never this large.
constexpr size_t kMaxValues = 100000;
// Enough rounds for any hand-written config; a pathological one just reports the first ones.
constexpr int kMaxRounds = 200;

std::vector<std::string> Tokens(const rj::Pointer& p) {
  std::vector<std::string> out;
  for (size_t i = 0; i < p.GetTokenCount(); ++i) {
    out.emplace_back(p.GetTokens()[i].name, p.GetTokens()[i].length);
  }
  return out;
}

using config_schema::detail::JsonText;

const rj::Value* Find(const rj::Value* obj, std::string_view key) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(rj::Value(rj::StringRef(key.data(), key.size())));
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

std::string EscapeToken(std::string_view t) {
  std::string out;
  for (char c : t) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

struct Failure {
  std::string keyword;
  std::vector<std::string> schema_tokens;
  std::vector<std::string> doc_tokens;
};

std::optional<Failure> Validate(const rj::Document& schema, const rj::Document& doc) {
  const rj::SchemaDocument compiled(schema);
  rj::SchemaValidator validator(compiled);
  if (doc.Accept(validator)) return std::nullopt;
  return Failure{validator.GetInvalidSchemaKeyword(), Tokens(validator.GetInvalidSchemaPointer()),
                 Tokens(validator.GetInvalidDocumentPointer())};
}

rj::Value* WalkSchema(rj::Value& root, const std::vector<std::string>& tokens) {
  rj::Value* cur = &root;
  for (const std::string& t : tokens) {
    if (cur->IsObject()) {
      auto it = cur->FindMember(rj::Value(rj::StringRef(t.data(), t.size())));
      if (it == cur->MemberEnd()) return nullptr;
      cur = &it->value;
    } else if (cur->IsArray()) {
      size_t i = 0;
      if (std::from_chars(t.data(), t.data() + t.size(), i).ec != std::errc() || i >= cur->Size()) {
        return nullptr;
      }
      cur = &(*cur)[static_cast<rj::SizeType>(i)];
    } else {
      return nullptr;
    }
  }
  return cur;
}

class PluginConfigCheck {
 public:
  PluginConfigCheck(const SourceMap& sources, const SourcePos& root_pos,
                    std::string_view plugin_name)
      : sources_(sources), root_pos_(root_pos), plugin_(plugin_name) {}

  StatusOr<std::string> Run(const YAML::Node& node, std::string_view schema_json);

 private:
  // A place in the document being validated, found from the validator's pointer.
  struct Place {
    rj::Value* value = nullptr;
    rj::Value* parent = nullptr;
    std::string token;     // The last pointer token: a member name or a current index.
    std::string orig_ptr;  // JSON pointer in the original document, for bookkeeping.
    std::string parent_orig_ptr;
    size_t orig_index = 0;  // When the parent is an array.
    std::string path;       // "servers[1].port"
    SourcePos key_pos;      // The member's key, or the item.
    SourcePos value_pos;    // The value where it has a useful mark, else key_pos.
  };

  void Report(const SourcePos& pos, std::string_view path, std::string_view message) {
    errors_.Add(pos, path.empty() ? fmt::format("plugin {}: config: {}", plugin_, message)
                                  : fmt::format("plugin {}: key {}: {}", plugin_, path, message));
  }

  bool ToJson(const YAML::Node& n, rj::Value& out, rj::Document::AllocatorType& a,
              const std::string& path, const SourcePos& pos, int depth);
  void NoSchema(const YAML::Node& node);
  std::optional<Place> Locate(const YAML::Node& yaml_root, rj::Document& doc,
                              const std::vector<std::string>& tokens);
  size_t OriginalIndex(const std::string& array_ptr, size_t current) const;
  // Takes a reported value out of the document so validation can go on past it.
  void Remove(const Place& p);

  const SourceMap& sources_;
  SourcePos root_pos_;
  std::string plugin_;
  internal::ErrorList errors_;
  std::map<std::string, std::set<size_t>> removed_items_;  // original array ptr -> indices
  std::set<std::string> removed_members_;                  // original member ptrs
  size_t values_ = 0;  // ToJson calls so far, against kMaxValues
};

bool PluginConfigCheck::ToJson(const YAML::Node& n, rj::Value& out, rj::Document::AllocatorType& a,
                               const std::string& path, const SourcePos& pos, int depth) {
  if (++values_ > kMaxValues) {
    if (values_ == kMaxValues + 1) {
      Report(pos, path, fmt::format("more than {} values (a recursive YAML alias?)", kMaxValues));
    }
    return false;
  }
  if (depth > kMaxDepth) {
    Report(pos, path, "nested too deeply");
    return false;
  }
  if (!n.IsDefined() || n.IsNull()) {
    out.SetNull();
    return true;
  }
  if (n.IsMap()) {
    out.SetObject();
    std::set<std::string> seen;
    bool ok = true;
    for (const auto& kv : n) {
      const SourcePos key_pos = sources_.PosOf(kv.first, pos);
      if (!kv.first.IsScalar()) {
        Report(key_pos, path, "map keys must be strings");
        ok = false;
        continue;
      }
      const std::string& key = kv.first.Scalar();
      const std::string child = JoinKey(path, key);
      if (!seen.insert(key).second) {
        Report(key_pos, child, "duplicate key");
        ok = false;
        continue;
      }
      rj::Value v;
      if (!ToJson(kv.second, v, a, child, internal::MemberPos(sources_, kv.first, kv.second, pos),
                  depth + 1)) {
        ok = false;
        continue;
      }
      out.AddMember(rj::Value(key.c_str(), static_cast<rj::SizeType>(key.size()), a), v, a);
    }
    return ok;
  }
  if (n.IsSequence()) {
    out.SetArray();
    bool ok = true;
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      rj::Value v;
      if (!ToJson(item, v, a, JoinIndex(path, i), sources_.PosOf(item, pos), depth + 1)) {
        ok = false;
        continue;
      }
      out.PushBack(v, a);
    }
    return ok;
  }
  const internal::Scalar s = internal::ResolveScalar(n);
  switch (s.kind) {
    case internal::Scalar::Kind::kNull:
      out.SetNull();
      break;
    case internal::Scalar::Kind::kBool:
      out.SetBool(s.b);
      break;
    case internal::Scalar::Kind::kInt:
      out.SetInt64(s.i);
      break;
    case internal::Scalar::Kind::kUint:
      out.SetUint64(s.u);
      break;
    case internal::Scalar::Kind::kDouble:
      if (!std::isfinite(s.d)) {
        Report(pos, path,
               fmt::format("{} cannot be represented in JSON (quote it for a string)", s.text));
        return false;
      }
      out.SetDouble(s.d);
      break;
    case internal::Scalar::Kind::kString:
      out.SetString(s.text.c_str(), static_cast<rj::SizeType>(s.text.size()), a);
      break;
  }
  return true;
}

void PluginConfigCheck::NoSchema(const YAML::Node& node) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      Report(sources_.PosOf(kv.first, root_pos_), kv.first.IsScalar() ? kv.first.Scalar() : "?",
             "unknown key (the plugin takes no config)");
    }
    return;
  }
  Report(root_pos_, "", "the plugin takes no config");
}

size_t PluginConfigCheck::OriginalIndex(const std::string& array_ptr, size_t current) const {
  auto it = removed_items_.find(array_ptr);
  if (it == removed_items_.end()) return current;
  size_t seen = 0;
  for (size_t orig = 0;; ++orig) {
    if (it->second.count(orig) != 0) continue;
    if (seen == current) return orig;
    ++seen;
  }
}

void PluginConfigCheck::Remove(const Place& p) {
  if (p.parent->IsObject()) {
    p.parent->EraseMember(
        p.parent->FindMember(rj::Value(rj::StringRef(p.token.data(), p.token.size()))));
    removed_members_.insert(p.orig_ptr);
  } else {
    size_t current = 0;
    std::from_chars(p.token.data(), p.token.data() + p.token.size(), current);
    p.parent->Erase(p.parent->Begin() + current);
    removed_items_[p.parent_orig_ptr].insert(p.orig_index);
  }
}

std::optional<PluginConfigCheck::Place> PluginConfigCheck::Locate(
    const YAML::Node& yaml_root, rj::Document& doc, const std::vector<std::string>& tokens) {
  Place p;
  p.value = &doc;
  p.key_pos = root_pos_;
  p.value_pos = root_pos_;
  YAML::Node yaml;
  yaml.reset(yaml_root);
  bool yaml_ok = yaml_root.IsDefined();
  for (const std::string& t : tokens) {
    p.parent = p.value;
    p.parent_orig_ptr = p.orig_ptr;
    p.token = t;
    const SourcePos parent_pos = p.value_pos;
    if (p.value->IsObject()) {
      auto it = p.value->FindMember(rj::Value(rj::StringRef(t.data(), t.size())));
      if (it == p.value->MemberEnd()) return std::nullopt;
      p.value = &it->value;
      p.orig_ptr += "/" + EscapeToken(t);
      p.path = JoinKey(p.path, t);
      bool found = false;
      if (yaml_ok && yaml.IsMap()) {
        for (const auto& kv : yaml) {
          if (kv.first.IsScalar() && kv.first.Scalar() == t) {
            p.key_pos = sources_.PosOf(kv.first, parent_pos);
            p.value_pos = internal::MemberPos(sources_, kv.first, kv.second, parent_pos);
            yaml.reset(kv.second);
            found = true;
            break;
          }
        }
      }
      yaml_ok = found;
    } else if (p.value->IsArray()) {
      size_t current = 0;
      if (std::from_chars(t.data(), t.data() + t.size(), current).ec != std::errc() ||
          current >= p.value->Size()) {
        return std::nullopt;
      }
      p.value = &(*p.value)[static_cast<rj::SizeType>(current)];
      p.orig_index = OriginalIndex(p.orig_ptr, current);
      p.orig_ptr += "/" + std::to_string(p.orig_index);
      p.path = JoinIndex(p.path, p.orig_index);
      if (yaml_ok && yaml.IsSequence() && p.orig_index < yaml.size()) {
        const YAML::Node item = std::as_const(yaml)[p.orig_index];
        p.key_pos = sources_.PosOf(item, parent_pos);
        p.value_pos = p.key_pos;
        yaml.reset(item);
      } else {
        yaml_ok = false;
      }
    } else {
      return std::nullopt;
    }
  }
  return p;
}

StatusOr<std::string> PluginConfigCheck::Run(const YAML::Node& node, std::string_view schema_json) {
  rj::Document doc;
  if (!ToJson(node, doc, doc.GetAllocator(), "", root_pos_, 0)) return errors_.ToStatus();
  if (doc.IsNull()) doc.SetObject();

  if (schema_json.empty()) {
    if ((doc.IsObject() && doc.MemberCount() == 0)) return std::string("{}");
    NoSchema(node);
    return errors_.ToStatus();
  }

  rj::Document schema;
  if (std::string why = config_schema::Prepare(schema_json, &schema); !why.empty()) {
    return Status::Error(fmt::format("plugin {}: its config schema is {}", plugin_, why));
  }

  std::optional<Failure> failure = Validate(schema, doc);
  if (!failure) return JsonText(doc);

  for (int round = 0; failure && round < kMaxRounds; ++round, failure = Validate(schema, doc)) {
    rj::Value* schema_node = WalkSchema(schema, failure->schema_tokens);
    std::optional<Place> place = Locate(node, doc, failure->doc_tokens);
    if (!place) {
      // Should not happen; still say something useful rather than nothing.
      Report(root_pos_, "", fmt::format("fails the schema's '{}' rule", failure->keyword));
      break;
    }

    if (failure->keyword == "additionalProperties" && place->parent != nullptr &&
        place->parent->IsObject()) {
      std::vector<std::string_view> known;
      if (const rj::Value* props = Find(schema_node, "properties"); props && props->IsObject()) {
        for (const auto& m : props->GetObject()) {
          known.emplace_back(m.name.GetString(), m.name.GetStringLength());
        }
      }
      Report(place->key_pos, place->path,
             "unknown key" + internal::DidYouMean(place->token, known));
      Remove(*place);
      continue;
    }

    if (failure->keyword == "required" && schema_node != nullptr && place->value->IsObject()) {
      const rj::Value* req = Find(schema_node, "required");
      if (req == nullptr || !req->IsArray()) break;
      for (const auto& name : req->GetArray()) {
        if (!name.IsString() || place->value->HasMember(name)) continue;
        const std::string key(name.GetString(), name.GetStringLength());
        // A key we already reported and took out is not "missing" a second time.
        if (removed_members_.count(place->orig_ptr + "/" + EscapeToken(key)) == 0) {
          Report(place->key_pos, JoinKey(place->path, key), "required key missing");
        }
      }
      if (place->parent == nullptr) {
        // The root: drop the names from the schema, which only the root uses.
        schema_node->RemoveMember("required");
        continue;
      }
      // Members are checked before `required`, so nothing inside this object is left to report:
      // take the object out, as for a bad value.
      Remove(*place);
      continue;
    }

    Report(place->value_pos, place->path,
           config_schema::ValueMessage(failure->keyword, schema_node, *place->value));
    if (place->parent == nullptr) break;  // The whole config is wrong; nothing more to learn.
    Remove(*place);
  }
  if (errors_.empty()) {
    return Status::Error(fmt::format("plugin {}: config does not match its schema", plugin_));
  }
  return errors_.ToStatus();
}

}  // namespace

StatusOr<std::string> PluginConfigToJson(const ConfigBlock& config, std::string_view schema_json,
                                         std::string_view plugin_name) {
  if (config.sources != nullptr) {
    return PluginConfigCheck(*config.sources, config.pos, plugin_name)
        .Run(config.node, schema_json);
  }
  const SourceMap sources(config.pos.file);
  return PluginConfigCheck(sources, config.pos, plugin_name).Run(config.node, schema_json);
}

StatusOr<std::string> PluginConfigToJson(const YAML::Node& config, const SourcePos& where,
                                         std::string_view schema_json,
                                         std::string_view plugin_name) {
  const SourceMap sources(where.file);
  return PluginConfigCheck(sources, where, plugin_name).Run(config, schema_json);
}

}  // namespace vigil::config
