// PluginLibrary: the checks every plugin table passes, wherever it came from.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cstddef>
#include <cstring>
#include <set>

#include "vigil/core/plugin_host.hpp"
#include "vigil/core/syntax.hpp"

namespace vigil {
namespace {

constexpr uint32_t kKnownCapabilities =
    VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE | VIGIL_CAP_OUTPUT;

// Members up to and including last_error exist in every 1.x table.
constexpr size_t kMinimumTableSize = offsetof(vigil_plugin_api, event_source);

struct Member {
  const char* name;
  bool present;
  bool required;
};

struct Capability {
  uint32_t bit;
  const char* name;
  std::vector<Member> members;
};

std::vector<Capability> Capabilities(const vigil_plugin_api& a) {
  return {
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
}

bool IsEmpty(const char* s) { return s == nullptr || *s == '\0'; }

Status CheckVersion(const vigil_plugin_api& t, const std::string& who) {
  if (t.api_version_major != VIGIL_PLUGIN_API_VERSION_MAJOR) {
    return Status::Error(fmt::format(
        "{}: built for plugin API {}.{}, this vigil speaks {}; the major versions differ", who,
        t.api_version_major, t.api_version_minor, VIGIL_PLUGIN_API_VERSION_STRING));
  }
  if (t.api_version_minor > VIGIL_PLUGIN_API_VERSION_MINOR) {
    return Status::Error(fmt::format(
        "{}: requires plugin API {}.{}, newer than this vigil's {}; upgrade vigil", who,
        t.api_version_major, t.api_version_minor, VIGIL_PLUGIN_API_VERSION_STRING));
  }
  if (t.table_size < kMinimumTableSize) {
    return Status::Error(fmt::format("{}: its table is {} bytes, smaller than the {} bytes every "
                                     "plugin API {}.x table has",
                                     who, t.table_size, kMinimumTableSize,
                                     VIGIL_PLUGIN_API_VERSION_MAJOR));
  }
  return Status::Ok();
}

Status CheckRequired(const vigil_plugin_api& a, const std::string& who) {
  const std::pair<const char*, bool> required[] = {
      {"name", !IsEmpty(a.name)},       {"version", !IsEmpty(a.version)},
      {"init", a.init != nullptr},      {"destroy", a.destroy != nullptr},
      {"last_error", a.last_error != nullptr},
  };
  for (const auto& [member, present] : required) {
    if (!present) return Status::Error(fmt::format("{}: missing required '{}'", who, member));
  }
  if (!syntax::IsPluginName(a.name)) {
    return Status::Error(
        fmt::format("{}: name '{}' is not made of [a-z0-9_] only", who, a.name));
  }
  if (!syntax::IsSemver(a.version)) {
    return Status::Error(
        fmt::format("{}: version '{}' is not a semantic version (MAJOR.MINOR.PATCH)", who,
                    a.version));
  }
  return Status::Ok();
}

Status CheckCapabilities(const vigil_plugin_api& a, const std::string& who) {
  if (a.capabilities == 0) return Status::Error(fmt::format("{}: declares no capability", who));
  if (a.capabilities & ~kKnownCapabilities) {
    return Status::Error(fmt::format("{}: declares unknown capability bits 0x{:x}", who,
                                     a.capabilities & ~kKnownCapabilities));
  }
  for (const Capability& cap : Capabilities(a)) {
    bool declared = (a.capabilities & cap.bit) != 0;
    for (const Member& m : cap.members) {
      if (declared && m.required && !m.present) {
        return Status::Error(fmt::format("{}: declares capability '{}' but lacks its '{}'", who,
                                         cap.name, m.name));
      }
      if (!declared && m.present) {
        return Status::Error(fmt::format("{}: has '{}' but does not declare capability '{}'", who,
                                         m.name, cap.name));
      }
    }
  }
  if ((a.capabilities & VIGIL_CAP_SOURCE) && !syntax::IsPluginName(a.event_source)) {
    return Status::Error(fmt::format("{}: event_source '{}' is not made of [a-z0-9_] only", who,
                                     a.event_source));
  }
  return Status::Ok();
}

StatusOr<std::vector<PluginField>> ParseFields(const char* json, const std::string& who) {
  auto bad = [&](const std::string& what) {
    return Status::Error(fmt::format("{}: bad fields JSON: {}", who, what));
  };
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json);  // no recursion on deep input
  if (doc.HasParseError()) {
    return bad(fmt::format("offset {}: {}", doc.GetErrorOffset(),
                           rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsArray()) return bad("not an array");
  std::vector<PluginField> fields;
  std::set<std::string> seen;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const auto& f = doc[i];
    std::string at = fmt::format("fields[{}]", i);
    if (!f.IsObject()) return bad(at + ": not an object");
    PluginField field;
    auto name = f.FindMember("name");
    if (name == f.MemberEnd() || !name->value.IsString()) return bad(at + ": no string 'name'");
    field.name = name->value.GetString();
    at += " (" + field.name + ")";
    if (!syntax::IsFieldName(field.name)) {
      return bad(at + ": name must look like 'class.field'");
    }
    if (!seen.insert(field.name).second) return bad(at + ": declared twice");
    auto type = f.FindMember("type");
    if (type == f.MemberEnd() || !type->value.IsString()) return bad(at + ": no string 'type'");
    auto ftype = ParseFieldType(type->value.GetString());
    if (!ftype) return bad(fmt::format("{}: unknown type '{}'", at, type->value.GetString()));
    field.type = *ftype;
    auto desc = f.FindMember("desc");
    if (desc == f.MemberEnd() || !desc->value.IsString() || desc->value.GetStringLength() == 0) {
      return bad(at + ": no 'desc'");
    }
    field.description = desc->value.GetString();
    if (auto list = f.FindMember("list"); list != f.MemberEnd()) {
      if (!list->value.IsBool()) return bad(at + ": 'list' must be true or false");
      field.is_list = list->value.GetBool();
    }
    if (auto arg = f.FindMember("arg"); arg != f.MemberEnd()) {
      if (!arg->value.IsObject()) return bad(at + ": 'arg' must be an object");
      auto kind = arg->value.FindMember("kind");
      std::string k = kind != arg->value.MemberEnd() && kind->value.IsString()
                          ? kind->value.GetString() : "";
      if (k == "none") field.arg = FieldArgKind::kNone;
      else if (k == "index") field.arg = FieldArgKind::kIndex;
      else if (k == "key") field.arg = FieldArgKind::kKey;
      else return bad(at + ": arg.kind must be one of none, index, key");
      if (auto req = arg->value.FindMember("required"); req != arg->value.MemberEnd()) {
        if (!req->value.IsBool()) return bad(at + ": arg.required must be true or false");
        field.arg_required = req->value.GetBool();
      }
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

}  // namespace

std::optional<vigil_field_type> ParseFieldType(std::string_view name) {
  static const std::pair<std::string_view, vigil_field_type> kTypes[] = {
      {"string", VIGIL_FT_STRING}, {"uint64", VIGIL_FT_UINT64},   {"int64", VIGIL_FT_INT64},
      {"bool", VIGIL_FT_BOOL},     {"ipaddr", VIGIL_FT_IPADDR},   {"ipnet", VIGIL_FT_IPNET},
      {"reltime", VIGIL_FT_RELTIME}, {"abstime", VIGIL_FT_ABSTIME}, {"bytes", VIGIL_FT_BYTES},
  };
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

const char* FieldTypeName(vigil_field_type type) {
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

std::string CapabilityNames(uint32_t capabilities) {
  std::string out;
  for (auto [bit, name] : {std::pair{VIGIL_CAP_SOURCE, "source"}, {VIGIL_CAP_EXTRACT, "extract"},
                           {VIGIL_CAP_PARSE, "parse"}, {VIGIL_CAP_OUTPUT, "output"}}) {
    if (capabilities & bit) out += (out.empty() ? "" : ",") + std::string(name);
  }
  return out;
}

StatusOr<std::shared_ptr<const PluginLibrary>> PluginLibrary::FromTable(
    const vigil_plugin_api* table, std::string origin, std::shared_ptr<void> keep_alive) {
  std::string who = "plugin at " + origin;
  if (table == nullptr) return Status::Error(who + ": its entry returned no table");

  if (Status s = CheckVersion(*table, who); !s.ok()) return s;

  std::shared_ptr<PluginLibrary> lib(new PluginLibrary());
  // Zero-extend: members an older table lacks read as NULL.
  std::memcpy(&lib->api_, table, std::min<size_t>(table->table_size, sizeof(vigil_plugin_api)));
  const vigil_plugin_api& a = lib->api_;

  if (Status s = CheckRequired(a, who); !s.ok()) return s;
  who = fmt::format("plugin '{}' ({})", a.name, origin);
  if (Status s = CheckCapabilities(a, who); !s.ok()) return s;
  if (a.capabilities & VIGIL_CAP_EXTRACT) {
    auto fields = ParseFields(a.fields, who);
    if (!fields.ok()) return fields.status();
    lib->fields_ = std::move(*fields);
  }
  lib->name_ = a.name;
  lib->version_ = a.version;
  lib->origin_ = std::move(origin);
  lib->keep_alive_ = std::move(keep_alive);
  return std::shared_ptr<const PluginLibrary>(std::move(lib));
}

std::string PluginLibrary::InitSchema() const {
  if (api_.get_init_schema == nullptr) return "";
  const char* schema = api_.get_init_schema();
  return schema ? schema : "";
}

}  // namespace vigil
