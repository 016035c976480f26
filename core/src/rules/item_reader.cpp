#include "item_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "collect_yaml.hpp"

namespace vigil::rules::internal {

ItemFields::ItemFields(const YAML::Node& map) {
  if (!map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    entries_.push_back(
        ItemEntry{it->first.IsScalar() ? it->first.Scalar() : "", it->first, it->second});
  }
}

const ItemEntry* ItemFields::Find(std::string_view key) const {
  for (const ItemEntry& e : entries_) {
    if (e.key == key && e.key_node.IsScalar()) return &e;
  }
  return nullptr;
}

std::string_view DescribeNode(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return "a string";
}

ItemReader::ItemReader(Diagnostics& diags, std::string file_name, uint32_t file_index,
                       std::string_view source)
    : diags_(diags),
      file_name_(std::move(file_name)),
      file_index_(file_index),
      source_(source),
      item_pos_{file_index, 0, 0} {}

void ItemReader::BeginItem(std::string kind, const YAML::Node& item) {
  item_kind_ = std::move(kind);
  item_name_.clear();
  item_pos_ = ToLocated(item.Mark(), file_index_, Located{file_index_, 0, 0});
}

Located ItemReader::PosOf(const YAML::Node& node) const {
  return ToLocated(node.Mark(), file_index_, item_pos_);
}

Located ItemReader::ValuePos(const ItemEntry& e) const {
  return (!e.value.IsDefined() || e.value.IsNull()) ? PosOf(e.key_node) : PosOf(e.value);
}

void ItemReader::Report(Severity severity, const Located& at, std::string code, std::string message,
                        std::string token) {
  Diagnostic d;
  d.severity = severity;
  d.pos = SourcePos{file_name_, at.line, at.column};
  d.item_kind = item_kind_;
  d.item_name = item_name_;
  d.code = std::move(code);
  d.message = std::move(message);
  d.token = std::move(token);
  diags_.Add(std::move(d));
}

void ItemReader::Error(const Located& at, std::string code, std::string message,
                       std::string token) {
  ++errors_;
  Report(Severity::kError, at, std::move(code), std::move(message), std::move(token));
}

void ItemReader::Warning(const Located& at, std::string code, std::string message,
                         std::string token) {
  Report(Severity::kWarning, at, std::move(code), std::move(message), std::move(token));
}

bool ItemReader::CheckKeys(const ItemFields& fields, const std::vector<std::string_view>& allowed) {
  bool ok = true;
  const auto& entries = fields.entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    const ItemEntry& e = entries[i];
    if (!e.key_node.IsScalar()) {
      Error(PosOf(e.key_node), "unknown-key",
            fmt::format("a key must be a string, not {}", DescribeNode(e.key_node)));
      ok = false;
      continue;
    }
    auto first =
        std::find_if(entries.begin(), entries.begin() + static_cast<ptrdiff_t>(i),
                     [&e](const ItemEntry& o) { return o.key_node.IsScalar() && o.key == e.key; });
    if (first != entries.begin() + static_cast<ptrdiff_t>(i)) {
      Error(PosOf(e.key_node), "duplicate-key",
            fmt::format("key '{}' appears more than once (first at line {})", e.key,
                        PosOf(first->key_node).line),
            e.key);
      ok = false;
    } else if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      Error(PosOf(e.key_node), "unknown-key",
            fmt::format("unknown key '{}'{}", e.key, DidYouMean(e.key, allowed)), e.key);
      ok = false;
    }
  }
  return ok;
}

std::optional<std::string> ItemReader::ReadScalar(const YAML::Node& node, const Located& null_pos,
                                                  std::string_view what) {
  if (!node.IsDefined() || node.IsNull()) {
    Error(null_pos, "empty-value", fmt::format("{} is empty", what));
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    Error(PosOf(node), "wrong-type",
          fmt::format("{} must be a string, not {}", what, DescribeNode(node)));
    return std::nullopt;
  }
  if (node.Scalar().empty()) {
    Error(PosOf(node), "empty-value", fmt::format("{} must not be empty", what));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> ItemReader::ReadString(const ItemEntry& e) {
  return ReadScalar(e.value, PosOf(e.key_node), fmt::format("'{}'", e.key));
}

std::optional<LocatedText> ItemReader::ReadText(const ItemEntry& e) {
  if (!ReadString(e)) return std::nullopt;
  return LocateScalar(source_, e.value, file_index_);
}

std::optional<bool> ItemReader::ReadBool(const ItemEntry& e) {
  if (!ReadString(e)) return std::nullopt;
  std::optional<bool> value = DecodeBool(e.value);
  if (!value) {
    Error(PosOf(e.value), "wrong-type",
          fmt::format("'{}' must be a boolean (true or false), not '{}'", e.key, e.value.Scalar()),
          e.value.Scalar());
  }
  return value;
}

std::optional<int64_t> ItemReader::ReadInteger(const ItemEntry& e) {
  std::optional<std::string> text = ReadString(e);
  if (!text) return std::nullopt;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [next, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || next != end) {
    Error(PosOf(e.value), "wrong-type",
          fmt::format("'{}' must be an integer, not '{}'", e.key, *text), *text);
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<NodeString>> ItemReader::ReadScalarList(const ItemEntry& e) {
  if (!e.value.IsSequence()) {
    Error(ValuePos(e), "wrong-type",
          fmt::format("'{}' must be a list, not {}", e.key, DescribeNode(e.value)));
    return std::nullopt;
  }
  std::vector<NodeString> out;
  bool ok = true;
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    const YAML::Node item = *it;
    if (!item.IsScalar()) {
      Error(item.IsNull() ? ValuePos(e) : PosOf(item), "wrong-type",
            fmt::format("each item of '{}' must be a string, not {}", e.key, DescribeNode(item)));
      ok = false;
      continue;
    }
    out.push_back(NodeString{item.Scalar(), item});
  }
  if (!ok) return std::nullopt;
  return out;
}

const ItemEntry* ItemReader::Require(const ItemFields& fields, std::string_view key) {
  const ItemEntry* e = fields.Find(key);
  if (e == nullptr) {
    Error(item_pos_, "missing-key", fmt::format("missing required key '{}'", key),
          std::string(key));
  }
  return e;
}

}  // namespace vigil::rules::internal
