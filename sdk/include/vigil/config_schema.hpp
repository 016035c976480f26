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

#include <algorithm>
#include <cstring>
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

}  // namespace vigil::config_schema

#endif  // VIGIL_CONFIG_SCHEMA_HPP
