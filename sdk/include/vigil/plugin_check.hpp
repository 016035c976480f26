// How a vigil host checks a plugin table: the one set of checks shared by the core's loader and the
// SDK's fake host, so a plugin that passes its own tests is one vigil loads.
//
//   vigil::plugin_check::Table checked;
//   std::string why = vigil::plugin_check::Check(table, "/usr/lib/.../libk8saudit.so", &checked);
//   if (!why.empty()) fail(why);    // "plugin 'k8saudit' (/usr/...): declares capability ..."
//   checked.api;                    // the table, zero-extended: members it lacks read as NULL
//   checked.fields;                 // the fields JSON, parsed (extractors)
//
// The checks, in order, each with its own message:
//   1. version       major equal to the host's, minor not newer, table large enough
//   2. required      name ([a-z0-9_]+), version (semver), init, destroy, last_error
//   3. capabilities  every declared capability complete, no function without its capability, a
//                    source's event_source a name
//   4. fields        an extractor's fields JSON: an array of objects with a 'class.field' name
//                    (each once), a known type, a non-empty desc, optional list and arg
//   5. sources       extract_event_sources, when given: a non-empty JSON array of source names
// description and contact are optional. Header-only, C++17; needs RapidJSON.
#ifndef VIGIL_PLUGIN_CHECK_HPP
#define VIGIL_PLUGIN_CHECK_HPP

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/plugin_api.h"
#include "vigil/syntax.hpp"

namespace vigil::plugin_check {

enum class ArgKind { kNone, kIndex, kKey };

// One field as an extractor declares it in its fields JSON.
struct Field {
  std::string name;
  vigil_field_type type = VIGIL_FT_STRING;
  bool is_list = false;
  ArgKind arg = ArgKind::kNone;
  bool arg_required = false;
  std::string description;
};

// A table that passed Check.
struct Table {
  vigil_plugin_api api{};               // copied, zero-extended to this host's size
  std::vector<Field> fields;            // extractors only
  std::vector<std::string> extract_sources;  // from extract_event_sources; empty: not given
};

// "string", "uint64", ... <-> vigil_field_type.
inline std::optional<vigil_field_type> FieldTypeFromName(std::string_view name) {
  static const std::pair<std::string_view, vigil_field_type> kTypes[] = {
      {"string", VIGIL_FT_STRING},   {"uint64", VIGIL_FT_UINT64},   {"int64", VIGIL_FT_INT64},
      {"bool", VIGIL_FT_BOOL},       {"ipaddr", VIGIL_FT_IPADDR},   {"ipnet", VIGIL_FT_IPNET},
      {"reltime", VIGIL_FT_RELTIME}, {"abstime", VIGIL_FT_ABSTIME}, {"bytes", VIGIL_FT_BYTES},
  };
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

inline const char* FieldTypeName(vigil_field_type type) {
  switch (type) {
    case VIGIL_FT_STRING: return "string";
    case VIGIL_FT_UINT64: return "uint64";
    case VIGIL_FT_INT64: return "int64";
    case VIGIL_FT_BOOL: return "bool";
    case VIGIL_FT_IPADDR: return "ipaddr";
    case VIGIL_FT_IPNET: return "ipnet";
    case VIGIL_FT_RELTIME: return "reltime";
    case VIGIL_FT_ABSTIME: return "abstime";
    case VIGIL_FT_BYTES: return "bytes";
  }
  return "?";
}

// "source", "extract", "parse", "output", comma separated for several bits.
inline std::string CapabilityNames(uint32_t capabilities) {
  std::string out;
  for (auto [bit, name] : {std::pair{VIGIL_CAP_SOURCE, "source"}, {VIGIL_CAP_EXTRACT, "extract"},
                           {VIGIL_CAP_PARSE, "parse"}, {VIGIL_CAP_OUTPUT, "output"}}) {
    if (capabilities & bit) out += (out.empty() ? "" : ",") + std::string(name);
  }
  return out;
}

// A name set_counter accepts: [a-z0-9_]+, at most 64 bytes (plugin_api.h).
inline bool IsCounterName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

namespace detail {

constexpr uint32_t kKnownCapabilities =
    VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE | VIGIL_CAP_OUTPUT;

// Members up to and including last_error exist in every 1.x table.
constexpr size_t kMinimumTableSize = offsetof(vigil_plugin_api, event_source);

inline bool IsEmpty(const char* s) { return s == nullptr || *s == '\0'; }
inline std::string Str(uint64_t n) { return std::to_string(n); }

inline std::string CheckVersion(const vigil_plugin_api& t, const std::string& who) {
  std::string built = Str(t.api_version_major) + "." + Str(t.api_version_minor);
  if (t.api_version_major != VIGIL_PLUGIN_API_VERSION_MAJOR) {
    return who + ": built for plugin API " + built + ", this vigil speaks " +
           VIGIL_PLUGIN_API_VERSION_STRING + "; the major versions differ";
  }
  if (t.api_version_minor > VIGIL_PLUGIN_API_VERSION_MINOR) {
    return who + ": requires plugin API " + built + ", newer than this vigil's " +
           VIGIL_PLUGIN_API_VERSION_STRING + "; upgrade vigil";
  }
  if (t.table_size < kMinimumTableSize) {
    return who + ": its table is " + Str(t.table_size) + " bytes, smaller than the " +
           Str(kMinimumTableSize) + " bytes every plugin API " +
           Str(VIGIL_PLUGIN_API_VERSION_MAJOR) + ".x table has";
  }
  return "";
}

inline std::string CheckRequired(const vigil_plugin_api& a, const std::string& who) {
  const std::pair<const char*, bool> required[] = {
      {"name", !IsEmpty(a.name)},       {"version", !IsEmpty(a.version)},
      {"init", a.init != nullptr},      {"destroy", a.destroy != nullptr},
      {"last_error", a.last_error != nullptr},
  };
  for (const auto& [member, present] : required) {
    if (!present) return who + ": missing required '" + member + "'";
  }
  if (!syntax::IsPluginName(a.name)) {
    return who + ": name '" + a.name + "' is not made of [a-z0-9_] only";
  }
  if (!syntax::IsSemver(a.version)) {
    return who + ": version '" + a.version + "' is not a semantic version (MAJOR.MINOR.PATCH)";
  }
  return "";
}

struct Member {
  const char* name;
  bool present;
  bool required;
};

inline std::string CheckCapabilities(const vigil_plugin_api& a, const std::string& who) {
  if (a.capabilities == 0) return who + ": declares no capability";
  if (a.capabilities & ~kKnownCapabilities) {
    char bits[16];
    std::snprintf(bits, sizeof bits, "0x%x", a.capabilities & ~kKnownCapabilities);
    return who + ": declares unknown capability bits " + bits;
  }
  struct Capability {
    uint32_t bit;
    const char* name;
    std::vector<Member> members;
  };
  const Capability capabilities[] = {
      {VIGIL_CAP_SOURCE, "source",
       {{"event_source", a.event_source != nullptr, true},
        {"open", a.open != nullptr, true},
        {"close", a.close != nullptr, true},
        {"next_batch", a.next_batch != nullptr, true},
        {"progress", a.progress != nullptr, false},
        {"event_to_string", a.event_to_string != nullptr, false},
        {"set_event_types", a.set_event_types != nullptr, false}}},
      {VIGIL_CAP_EXTRACT, "extract",
       {{"fields", a.fields != nullptr, true},
        {"extract_fields", a.extract_fields != nullptr, true},
        {"extract_event_sources", a.extract_event_sources != nullptr, false}}},
      {VIGIL_CAP_PARSE, "parse",
       {{"parse_event_types", a.parse_event_types != nullptr, true},
        {"parse_event", a.parse_event != nullptr, true}}},
      {VIGIL_CAP_OUTPUT, "output",
       {{"deliver", a.deliver != nullptr, true}, {"reopen", a.reopen != nullptr, false}}},
  };
  for (const Capability& cap : capabilities) {
    bool declared = (a.capabilities & cap.bit) != 0;
    for (const Member& m : cap.members) {
      if (declared && m.required && !m.present) {
        return who + ": declares capability '" + cap.name + "' but lacks its '" + m.name + "'";
      }
      if (!declared && m.present) {
        return who + ": has '" + m.name + "' but does not declare capability '" + cap.name + "'";
      }
    }
  }
  if ((a.capabilities & VIGIL_CAP_SOURCE) && !syntax::IsPluginName(a.event_source)) {
    return who + ": event_source '" + a.event_source + "' is not made of [a-z0-9_] only";
  }
  return "";
}

// Parses untrusted JSON without recursion (deep input cannot overflow the stack); "" or why not.
inline std::string ParseJson(const char* json, rapidjson::Document* doc) {
  doc->Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json);
  if (!doc->HasParseError()) return "";
  return "offset " + Str(doc->GetErrorOffset()) + ": " +
         rapidjson::GetParseError_En(doc->GetParseError());
}

inline std::string ParseFields(const char* json, const std::string& who, std::vector<Field>* out) {
  const std::string bad = who + ": bad fields JSON: ";
  rapidjson::Document doc;
  if (std::string why = ParseJson(json, &doc); !why.empty()) return bad + why;
  if (!doc.IsArray()) return bad + "not an array";
  std::set<std::string> seen;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const auto& f = doc[i];
    std::string at = "fields[" + Str(i) + "]";
    if (!f.IsObject()) return bad + at + ": not an object";
    Field field;
    auto name = f.FindMember("name");
    if (name == f.MemberEnd() || !name->value.IsString()) return bad + at + ": no string 'name'";
    field.name = name->value.GetString();
    at += " (" + field.name + ")";
    if (!syntax::IsFieldName(field.name)) return bad + at + ": name must look like 'class.field'";
    if (!seen.insert(field.name).second) return bad + at + ": declared twice";
    auto type = f.FindMember("type");
    if (type == f.MemberEnd() || !type->value.IsString()) return bad + at + ": no string 'type'";
    auto ftype = FieldTypeFromName(type->value.GetString());
    if (!ftype) return bad + at + ": unknown type '" + type->value.GetString() + "'";
    field.type = *ftype;
    auto desc = f.FindMember("desc");
    if (desc == f.MemberEnd() || !desc->value.IsString() || desc->value.GetStringLength() == 0) {
      return bad + at + ": no 'desc'";
    }
    field.description = desc->value.GetString();
    if (auto list = f.FindMember("list"); list != f.MemberEnd()) {
      if (!list->value.IsBool()) return bad + at + ": 'list' must be true or false";
      field.is_list = list->value.GetBool();
    }
    if (auto arg = f.FindMember("arg"); arg != f.MemberEnd()) {
      if (!arg->value.IsObject()) return bad + at + ": 'arg' must be an object";
      auto kind = arg->value.FindMember("kind");
      std::string k = kind != arg->value.MemberEnd() && kind->value.IsString()
                          ? kind->value.GetString() : "";
      if (k == "none") field.arg = ArgKind::kNone;
      else if (k == "index") field.arg = ArgKind::kIndex;
      else if (k == "key") field.arg = ArgKind::kKey;
      else return bad + at + ": arg.kind must be one of none, index, key";
      if (auto req = arg->value.FindMember("required"); req != arg->value.MemberEnd()) {
        if (!req->value.IsBool()) return bad + at + ": arg.required must be true or false";
        field.arg_required = req->value.GetBool();
      }
    }
    out->push_back(std::move(field));
  }
  return "";
}

// A plugin that names sources wrongly must not silently extract from every source instead.
inline std::string ParseSources(const char* json, const std::string& who,
                                std::vector<std::string>* out) {
  const std::string bad = who + ": bad extract_event_sources JSON: ";
  rapidjson::Document doc;
  if (std::string why = ParseJson(json, &doc); !why.empty()) return bad + why;
  if (!doc.IsArray()) return bad + "not an array";
  if (doc.Empty()) return bad + "an empty array (leave it NULL to extract from every source)";
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    std::string at = "[" + Str(i) + "]";
    if (!doc[i].IsString()) return bad + at + ": not a string";
    std::string source(doc[i].GetString(), doc[i].GetStringLength());
    if (!syntax::IsPluginName(source)) {
      return bad + at + ": '" + source + "' is not made of [a-z0-9_] only";
    }
    if (std::find(out->begin(), out->end(), source) != out->end()) {
      return bad + at + ": '" + source + "' named twice";
    }
    out->push_back(std::move(source));
  }
  return "";
}

}  // namespace detail

// Checks `table` (steps 1-5 above) and fills *out. `origin` names where the table came from in
// messages: a path, or "built-in". Returns "" when it passes, else the first failure, naming the
// plugin once its name is known.
inline std::string Check(const vigil_plugin_api* table, const std::string& origin, Table* out) {
  std::string who = "plugin at " + origin;
  if (table == nullptr) return who + ": its entry returned no table";
  if (std::string why = detail::CheckVersion(*table, who); !why.empty()) return why;

  *out = Table{};
  // Zero-extend: members an older, shorter table lacks read as NULL.
  std::memcpy(&out->api, table, std::min<size_t>(table->table_size, sizeof(vigil_plugin_api)));
  const vigil_plugin_api& a = out->api;
  if (std::string why = detail::CheckRequired(a, who); !why.empty()) return why;
  who = "plugin '" + std::string(a.name) + "' (" + origin + ")";
  if (std::string why = detail::CheckCapabilities(a, who); !why.empty()) return why;
  if (a.capabilities & VIGIL_CAP_EXTRACT) {
    if (std::string why = detail::ParseFields(a.fields, who, &out->fields); !why.empty()) {
      return why;
    }
    if (a.extract_event_sources != nullptr) {
      std::string why = detail::ParseSources(a.extract_event_sources, who, &out->extract_sources);
      if (!why.empty()) return why;
    }
  }
  return "";
}

}  // namespace vigil::plugin_check

#endif  // VIGIL_PLUGIN_CHECK_HPP
