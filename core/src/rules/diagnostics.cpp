// Diagnostic text and JSON: the forms the CLI prints and `--validate -o json` emits.
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <string>

#include "vigil/core/rules.hpp"

namespace vigil::rules {
namespace {

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

// "rule 'x'", "rule", "'x'" or "".
std::string Subject(const Diagnostic& d) {
  if (d.item_name.empty()) return d.item_kind;
  if (d.item_kind.empty()) return fmt::format("'{}'", d.item_name);
  return fmt::format("{} '{}'", d.item_kind, d.item_name);
}

}  // namespace

std::string Diagnostic::ToString() const {
  std::string out;
  if (std::string where = pos.ToString(); !where.empty()) out = where + ": ";
  out += SeverityName(severity);
  out += ": ";
  if (std::string subject = Subject(*this); !subject.empty()) out += subject + ": ";
  out += message;
  return out;
}

size_t Diagnostics::errors() const {
  return std::count_if(items_.begin(), items_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

size_t Diagnostics::warnings() const { return items_.size() - errors(); }

std::string Diagnostics::ToJson() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto string_member = [&w](const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartArray();
  for (const Diagnostic& d : items_) {
    w.StartObject();
    string_member("severity", SeverityName(d.severity));
    string_member("file", d.pos.file);
    w.Key("line");
    w.Uint(d.pos.line);
    w.Key("column");
    w.Uint(d.pos.column);
    string_member("item_kind", d.item_kind);
    string_member("item_name", d.item_name);
    string_member("code", d.code);
    string_member("message", d.message);
    string_member("token", d.token);
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace vigil::rules
