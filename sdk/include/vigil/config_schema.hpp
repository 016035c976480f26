// How a vigil host reads a plugin's config schema: the one rule shared by the core (which checks
// every plugin's config before init) and the SDK's fake host (which does the same in plugin
// tests), so a plugin behaves alike under both.
//
//   rapidjson::Document schema;
//   std::string why = vigil::config_schema::Prepare(plugin_schema_json, &schema);
//   if (!why.empty()) fail("its config schema is " + why);
//   rapidjson::SchemaDocument compiled(schema);   // safe to compile and validate against now
//
// Prepare parses the schema (iteratively, valid UTF-8 only), refuses shapes RapidJSON 1.1
// (Debian 12) takes on trust and crashes on (found by fuzzing), and closes object schemas: one with
// `properties` and no `additionalProperties` takes no other keys. Header-only; needs RapidJSON.
#ifndef VIGIL_CONFIG_SCHEMA_HPP
#define VIGIL_CONFIG_SCHEMA_HPP

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace vigil::config_schema {
namespace detail {

namespace rj = rapidjson;

// RapidJSON 1.1 recurses while compiling a schema.
constexpr int kMaxSchemaDepth = 32;
constexpr size_t kMaxPatternLength = 1000;

inline const rj::Value* Find(const rj::Value* obj, std::string_view key) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(rj::Value(rj::StringRef(key.data(), key.size())));
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

// Unknown keys are always errors: close every object schema that lists `properties` and says
// nothing about others. Recurses only through keywords that hold schemas, so a property that
// happens to be called "properties" is not mistaken for a schema.
inline void CloseObjectSchemas(rj::Value& s, rj::Document::AllocatorType& a, int depth) {
  if (!s.IsObject() || depth > kMaxSchemaDepth) return;
  const rj::Value* props = Find(&s, "properties");
  if (props != nullptr && props->IsObject() && Find(&s, "additionalProperties") == nullptr) {
    s.AddMember("additionalProperties", false, a);
  }
  for (const char* map_keyword :
       {"properties", "patternProperties", "definitions", "dependencies"}) {
    auto it = s.FindMember(map_keyword);
    if (it == s.MemberEnd() || !it->value.IsObject()) continue;
    for (auto& m : it->value.GetObject()) CloseObjectSchemas(m.value, a, depth + 1);
  }
  for (const char* keyword : {"items", "additionalItems", "additionalProperties", "not"}) {
    auto it = s.FindMember(keyword);
    if (it == s.MemberEnd()) continue;
    if (it->value.IsObject()) CloseObjectSchemas(it->value, a, depth + 1);
    if (it->value.IsArray()) {
      for (auto& item : it->value.GetArray()) CloseObjectSchemas(item, a, depth + 1);
    }
  }
  for (const char* keyword : {"allOf", "anyOf", "oneOf"}) {
    auto it = s.FindMember(keyword);
    if (it == s.MemberEnd() || !it->value.IsArray()) continue;
    for (auto& item : it->value.GetArray()) CloseObjectSchemas(item, a, depth + 1);
  }
}

// RapidJSON reads the pattern up to its first NUL; std::regex (ECMAScript, a superset of the
// syntax RapidJSON accepts) rejects the malformed ones that crash RapidJSON's parser.
inline bool IsValidPattern(const rj::Value& v) {
  if (!v.IsString() || v.GetStringLength() > kMaxPatternLength) return false;
  if (std::strlen(v.GetString()) != v.GetStringLength()) return false;
  try {
    std::regex(v.GetString(), v.GetStringLength(), std::regex::ECMAScript);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

// Checks what RapidJSON 1.1's schema compiler takes on trust. It compiles every object in the
// schema document as a schema (not only those under schema keywords), recursing as it goes, and
// asserts (or reads out of bounds) on a `patternProperties` that is not an object and on some
// malformed patterns. So: nesting is bounded, and in every object `patternProperties` must be an
// object whose keys are regular expressions, in a schema of "type": "object", a string `pattern`
// must be one, a `$ref` must resolve inside the schema, and every keyword that holds schemas must
// hold objects. Returns "" when
// usable, else why, with the JSON pointer of the problem.
inline std::string CheckSchemaShape(const rj::Value& root, const rj::Value& v,
                                    const std::string& at, int depth) {
  if (depth > kMaxSchemaDepth) return (at.empty() ? "/" : at) + ": nested more than 32 levels";
  if (v.IsArray()) {
    for (rj::SizeType i = 0; i < v.Size(); ++i) {
      std::string why = CheckSchemaShape(root, v[i], at + "/" + std::to_string(i), depth + 1);
      if (!why.empty()) return why;
    }
    return "";
  }
  if (!v.IsObject()) return "";
  if (const rj::Value* pp = Find(&v, "patternProperties")) {
    if (!pp->IsObject()) return at + "/patternProperties: must be an object";
    // RapidJSON 1.1 loses its validation stack on a matching key of an untyped object schema
    // with patternProperties and additionalProperties: false.
    const rj::Value* type = Find(&v, "type");
    if (type == nullptr || !type->IsString() || std::string_view(type->GetString()) != "object") {
      return at + "/patternProperties: needs \"type\": \"object\" beside it";
    }
    for (const auto& m : pp->GetObject()) {
      if (!IsValidPattern(m.name)) {
        return at + "/patternProperties/" + m.name.GetString() + ": not a valid regular expression";
      }
    }
  }
  // Where RapidJSON expects a schema (an object) it leaves a null or uninitialised pointer for
  // anything else and still validates through it. Draft 4 has no boolean schemas.
  auto all_objects = [](const rj::Value& list) {
    return std::all_of(list.Begin(), list.End(), [](const rj::Value& e) { return e.IsObject(); });
  };
  auto members_objects = [](const rj::Value& map, bool or_array) {
    return std::all_of(map.MemberBegin(), map.MemberEnd(), [or_array](const auto& m) {
      return m.value.IsObject() || (or_array && m.value.IsArray());
    });
  };
  if (const rj::Value* n = Find(&v, "not"); n != nullptr && !n->IsObject()) {
    return at + "/not: must be a schema (an object)";
  }
  for (const char* keyword : {"allOf", "anyOf", "oneOf", "items"}) {
    const rj::Value* list = Find(&v, keyword);
    if (list != nullptr && list->IsArray() && !all_objects(*list)) {
      return at + "/" + keyword + ": every entry must be a schema (an object)";
    }
  }
  for (const char* keyword : {"properties", "patternProperties", "dependencies"}) {
    const rj::Value* map = Find(&v, keyword);
    if (map != nullptr && map->IsObject() &&
        !members_objects(*map, std::string_view(keyword) == "dependencies")) {
      return at + "/" + keyword + ": every value must be a schema (an object)";
    }
  }
  for (const char* keyword : {"additionalProperties", "additionalItems"}) {
    const rj::Value* extra = Find(&v, keyword);
    if (extra != nullptr && !extra->IsObject() && !extra->IsBool()) {
      return at + "/" + keyword + ": must be true, false or a schema (an object)";
    }
  }
  if (const rj::Value* ref = Find(&v, "$ref"); ref != nullptr && ref->IsString()) {
    // Only references inside the schema itself, and only to something that is there: RapidJSON
    // fails an assertion while validating against a reference it could not resolve.
    const std::string_view target(ref->GetString(), ref->GetStringLength());
    const rj::Value* found = nullptr;
    if (!target.empty() && target[0] == '#') {
      const rj::Pointer pointer(target.data() + 1, target.size() - 1);
      if (pointer.IsValid()) found = pointer.Get(root);
    }
    if (found == nullptr || !found->IsObject()) {
      return at + "/$ref: must point to a schema inside this schema (\"#/...\")";
    }
  }
  if (const rj::Value* p = Find(&v, "pattern");
      p != nullptr && p->IsString() && !IsValidPattern(*p)) {
    return at + "/pattern: not a valid regular expression";
  }
  for (const auto& m : v.GetObject()) {
    std::string why = CheckSchemaShape(root, m.value, at + "/" + m.name.GetString(), depth + 1);
    if (!why.empty()) return why;
  }
  return "";
}

}  // namespace detail

// Parses `schema_json` into `*out` and makes it safe and strict to validate against. Returns ""
// on success, else what is wrong, phrased to follow "its config schema is ".
inline std::string Prepare(std::string_view schema_json, rapidjson::Document* out) {
  namespace rj = rapidjson;
  // Iterative: no recursion on deep input. Valid UTF-8 only: RapidJSON's regex engine fails an
  // assertion on a pattern that is not.
  out->Parse<rj::kParseIterativeFlag | rj::kParseValidateEncodingFlag>(schema_json.data(),
                                                                       schema_json.size());
  if (out->HasParseError()) {
    return std::string("not valid JSON (a bug in the plugin): ") +
           rj::GetParseError_En(out->GetParseError()) + " at offset " +
           std::to_string(out->GetErrorOffset());
  }
  if (!out->IsObject()) return "not a JSON object (a bug in the plugin)";
  if (std::string why = detail::CheckSchemaShape(*out, *out, "", 0); !why.empty()) {
    return "not usable (a bug in the plugin): " + why;
  }
  detail::CloseObjectSchemas(*out, out->GetAllocator(), 0);
  return "";
}

namespace detail {

inline std::string JsonText(const rj::Value& v) {
  rj::StringBuffer buf;
  rj::Writer<rj::StringBuffer> writer(buf);
  v.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

// "text, json": strings bare, anything else as JSON.
inline std::string ValueList(const rj::Value& list, std::string_view sep) {
  auto text = [](const rj::Value& v) {
    return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : JsonText(v);
  };
  if (!list.IsArray()) return text(list);
  std::string out;
  for (rj::SizeType i = 0; i < list.Size(); ++i)
    out += (i > 0 ? std::string(sep) : "") + text(list[i]);
  return out;
}

}  // namespace detail

// How a JSON value is named in "got ..." messages: JSON Schema's type names, since a plugin's
// README documents its config in those terms.
inline std::string Describe(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return std::string("boolean ") + (v.GetBool() ? "true" : "false");
  if (v.IsString()) return "string " + detail::JsonText(v);
  if (v.IsInt64() || v.IsUint64()) return "integer " + detail::JsonText(v);
  if (v.IsNumber()) return "number " + detail::JsonText(v);
  if (v.IsObject()) return "object";
  return "array";
}

// What `value`, which failed `keyword` of `schema` (the schema object holding the keyword), is
// told: the one wording of config errors, for the core and the fake host alike.
inline std::string ValueMessage(std::string_view keyword, const rapidjson::Value* schema,
                                const rapidjson::Value& value) {
  auto num = [&](const char* key) {
    const rapidjson::Value* v = detail::Find(schema, key);
    return v != nullptr ? detail::JsonText(*v) : std::string("?");
  };
  auto flag = [&](const char* key) {
    const rapidjson::Value* v = detail::Find(schema, key);
    return v != nullptr && v->IsBool() && v->GetBool();
  };
  auto list = [&](const char* key, std::string_view sep) {
    const rapidjson::Value* v = detail::Find(schema, key);
    return v != nullptr ? detail::ValueList(*v, sep) : std::string("?");
  };
  if (keyword == "type") return "expected " + list("type", " or ") + ", got " + Describe(value);
  if (keyword == "enum") {
    return "must be one of: " + list("enum", ", ") + " (got " + Describe(value) + ")";
  }
  if (keyword == "minimum") {
    return std::string("must be ") + (flag("exclusiveMinimum") ? ">" : ">=") + " " + num("minimum");
  }
  if (keyword == "maximum") {
    return std::string("must be ") + (flag("exclusiveMaximum") ? "<" : "<=") + " " + num("maximum");
  }
  if (keyword == "multipleOf") return "must be a multiple of " + num("multipleOf");
  if (keyword == "minLength") return "must be at least " + num("minLength") + " characters long";
  if (keyword == "maxLength") return "must be at most " + num("maxLength") + " characters long";
  if (keyword == "pattern") return "must match the pattern " + num("pattern");
  if (keyword == "minItems") return "must have at least " + num("minItems") + " items";
  if (keyword == "maxItems") return "must have at most " + num("maxItems") + " items";
  if (keyword == "uniqueItems") return "items must be unique";
  if (keyword == "additionalItems") {
    const rapidjson::Value* items = detail::Find(schema, "items");
    return "must have at most " +
           (items != nullptr && items->IsArray() ? std::to_string(items->Size()) : "?") + " items";
  }
  if (keyword == "minProperties") return "must have at least " + num("minProperties") + " keys";
  if (keyword == "maxProperties") return "must have at most " + num("maxProperties") + " keys";
  if (keyword == "dependencies") {
    const rapidjson::Value* deps = detail::Find(schema, "dependencies");
    if (deps != nullptr && deps->IsObject() && value.IsObject()) {
      for (const auto& d : deps->GetObject()) {
        if (!value.HasMember(d.name) || !d.value.IsArray()) continue;
        for (const auto& need : d.value.GetArray()) {
          if (need.IsString() && !value.HasMember(need)) {
            return std::string("key '") + d.name.GetString() + "' requires key '" +
                   need.GetString() + "'";
          }
        }
      }
    }
    return "does not satisfy the schema's dependencies";
  }
  if (keyword == "anyOf") return "does not match any of the allowed forms";
  if (keyword == "oneOf") return "must match exactly one of the allowed forms";
  if (keyword == "allOf") return "does not match all of the required forms";
  if (keyword == "not") return "matches a form that is not allowed";
  return "fails the schema's '" + std::string(keyword) + "' rule";
}

// A key path as config errors show it: "servers[1].port"; "" for the config itself.
inline std::string PathOf(const rapidjson::Value& config, const rapidjson::Pointer& pointer) {
  std::string path;
  const rapidjson::Value* at = &config;
  for (size_t i = 0; i < pointer.GetTokenCount(); ++i) {
    const auto& t = pointer.GetTokens()[i];
    std::string name(t.name, t.length);
    if (at != nullptr && at->IsArray()) {
      path += "[" + name + "]";
      at = t.index < at->Size() ? &(*at)[static_cast<rapidjson::SizeType>(t.index)] : nullptr;
    } else {
      path += (path.empty() ? "" : ".") + name;
      at = detail::Find(at, name);
    }
  }
  return path;
}

// The first way `config` fails a schema made by Prepare, worded as the core words it: `path` of
// the key ("" for the config itself) and `message` ("required key missing", "unknown key",
// "expected integer, got string \"x\""). nullopt when the config is valid. The core goes on past
// the first failure to report every one (core/src/config/plugin_config.cpp); a plugin test needs
// the first.
struct Failure {
  std::string path;
  std::string message;
};
inline std::optional<Failure> FirstFailure(const rapidjson::Document& schema,
                                           const rapidjson::Value& config) {
  namespace rj = rapidjson;
  const rj::SchemaDocument compiled(schema);
  rj::SchemaValidator validator(compiled);
  if (config.Accept(validator)) return std::nullopt;
  const std::string_view keyword = validator.GetInvalidSchemaKeyword();
  const rj::Value* schema_node = validator.GetInvalidSchemaPointer().Get(schema);
  const rj::Pointer& where = validator.GetInvalidDocumentPointer();
  const rj::Value* value = where.Get(config);
  std::string path = PathOf(config, where);
  if (keyword == "required" && value != nullptr && value->IsObject()) {
    if (const rj::Value* req = detail::Find(schema_node, "required"); req && req->IsArray()) {
      for (const auto& name : req->GetArray()) {
        if (!name.IsString() || value->HasMember(name)) continue;
        return Failure{(path.empty() ? "" : path + ".") + name.GetString(), "required key missing"};
      }
    }
  }
  if (keyword == "additionalProperties") return Failure{path, "unknown key"};
  return Failure{path, value != nullptr ? ValueMessage(keyword, schema_node, *value)
                                        : "fails the schema's '" + std::string(keyword) + "' rule"};
}

}  // namespace vigil::config_schema

#endif  // VIGIL_CONFIG_SCHEMA_HPP
