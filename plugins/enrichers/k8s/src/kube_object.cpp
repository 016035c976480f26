#include "kube_object.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <stdexcept>

namespace vigil::k8s {

namespace {

using rapidjson::Value;

[[noreturn]] void Bad(const std::string& what) { throw std::runtime_error(what); }

const Value* Member(const Value& v, const char* key) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(key);
  return it == v.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string String(const Value& v, const char* key, const std::string& where) {
  const Value* m = Member(v, key);
  if (m == nullptr) return "";
  if (!m->IsString()) Bad(where + ": " + key + " is not a string");
  return std::string(m->GetString(), m->GetStringLength());
}

Labels StringMap(const Value& v, const char* key, const std::string& where) {
  Labels out;
  const Value* m = Member(v, key);
  if (m == nullptr) return out;
  if (!m->IsObject()) Bad(where + ": " + key + " is not an object");
  for (const auto& kv : m->GetObject()) {
    if (!kv.value.IsString())
      Bad(where + ": " + key + "." + kv.name.GetString() + " is not a string");
    out.emplace(kv.name.GetString(), std::string(kv.value.GetString(), kv.value.GetStringLength()));
  }
  return out;
}

const Value& Array(const Value& v, const char* key, const std::string& where) {
  static const Value kEmpty(rapidjson::kArrayType);
  const Value* m = Member(v, key);
  if (m == nullptr) return kEmpty;
  if (!m->IsArray()) Bad(where + ": " + key + " is not an array");
  return *m;
}

KubeObject ParseObject(const Value& v, const std::string& where_outer) {
  if (!v.IsObject()) Bad(where_outer + ": not an object");
  const Value* meta = Member(v, "metadata");
  if (meta == nullptr || !meta->IsObject()) Bad(where_outer + ": no metadata");
  KubeObject o;
  o.name = String(*meta, "name", where_outer);
  const std::string where = where_outer + " (" + (o.name.empty() ? "unnamed" : o.name) + ")";
  o.ns = String(*meta, "namespace", where);
  o.uid = String(*meta, "uid", where);
  o.resource_version = String(*meta, "resourceVersion", where);
  o.labels = StringMap(*meta, "labels", where + " metadata");
  for (const auto& ref : Array(*meta, "ownerReferences", where).GetArray()) {
    OwnerRef r{String(ref, "kind", where), String(ref, "name", where), String(ref, "uid", where)};
    const Value* c = Member(ref, "controller");
    r.controller = c != nullptr && c->IsBool() && c->GetBool();
    o.owners.push_back(std::move(r));
  }
  if (const Value* spec = Member(v, "spec")) {
    o.node = String(*spec, "nodeName", where + " spec");
    // A service's selector is a plain map; a workload's is {matchLabels, matchExpressions}.
    const Value* selector = Member(*spec, "selector");
    if (selector != nullptr && selector->IsObject() && !Member(*selector, "matchLabels") &&
        !Member(*selector, "matchExpressions")) {
      o.selector = StringMap(*spec, "selector", where + " spec");
    }
  }
  if (const Value* status = Member(v, "status")) {
    o.ip = String(*status, "podIP", where + " status");
    for (const char* list :
         {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
      for (const auto& c : Array(*status, list, where).GetArray()) {
        std::string id = String(c, "containerID", where + " " + list);
        if (size_t scheme = id.find("://"); scheme != std::string::npos) id.erase(0, scheme + 3);
        if (!id.empty()) o.container_ids.push_back(std::move(id));
      }
    }
  }
  return o;
}

rapidjson::Document Parse(std::string_view json, const char* what) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    Bad(std::string("bad JSON in ") + what + " at offset " + std::to_string(doc.GetErrorOffset()) +
        ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) Bad(std::string(what) + " is not a JSON object");
  return doc;
}

}  // namespace

const OwnerRef* KubeObject::Owner(std::string_view kind) const {
  for (const auto& o : owners) {
    if (o.kind == kind && o.controller) return &o;
  }
  for (const auto& o : owners) {
    if (o.kind == kind) return &o;
  }
  return nullptr;
}

ObjectList ParseList(std::string_view json) {
  rapidjson::Document doc = Parse(json, "a list");
  ObjectList list;
  if (const Value* meta = Member(doc, "metadata")) {
    list.resource_version = String(*meta, "resourceVersion", "list metadata");
    list.continue_token = String(*meta, "continue", "list metadata");
  }
  const Value& items = Array(doc, "items", "list");
  list.items.reserve(items.Size());
  for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
    list.items.push_back(ParseObject(items[i], "list item " + std::to_string(i)));
  }
  return list;
}

WatchEvent ParseWatchEvent(std::string_view line) {
  rapidjson::Document doc = Parse(line, "a watch event");
  const std::string type = String(doc, "type", "watch event");
  const Value* object = Member(doc, "object");
  if (object == nullptr) Bad("watch event " + type + " without an object");
  WatchEvent e;
  if (type == "ERROR") {
    e.type = WatchEvent::Type::kError;
    const Value* code = Member(*object, "code");
    e.code = code != nullptr && code->IsInt() ? code->GetInt() : 0;
    e.message = String(*object, "message", "watch ERROR");
    return e;
  }
  if (type == "ADDED") {
    e.type = WatchEvent::Type::kAdded;
  } else if (type == "MODIFIED") {
    e.type = WatchEvent::Type::kModified;
  } else if (type == "DELETED") {
    e.type = WatchEvent::Type::kDeleted;
  } else if (type == "BOOKMARK") {
    e.type = WatchEvent::Type::kBookmark;
  } else {
    Bad("watch event of unknown type '" + type + "'");
  }
  e.object = ParseObject(*object, "watch " + type);
  return e;
}

std::string StatusMessage(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return "";
  const Value* kind = Member(doc, "kind");
  const Value* message = Member(doc, "message");
  if (kind == nullptr || !kind->IsString() || std::string_view(kind->GetString()) != "Status" ||
      message == nullptr || !message->IsString()) {
    return "";
  }
  return message->GetString();
}

}  // namespace vigil::k8s
