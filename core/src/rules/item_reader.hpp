// Reading one item of a rules file: its keys checked against the keys its kind allows, its values
// decoded with Falco's rules (strings non-empty, booleans as yaml-cpp reads them), and every
// problem reported with the item's kind and name and the position of the offending node.
// Private to the rules collector.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rule_items.hpp"

namespace vigil::rules::internal {

// One `key: value` of an item's mapping.
struct ItemEntry {
  std::string key;  // "" when the key is not a scalar
  YAML::Node key_node;
  YAML::Node value;
};

// The entries of an item's mapping, in file order (duplicates kept; CheckKeys reports them).
class ItemFields {
 public:
  explicit ItemFields(const YAML::Node& map);
  const ItemEntry* Find(std::string_view key) const;  // the first one
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  const std::vector<ItemEntry>& entries() const { return entries_; }

 private:
  std::vector<ItemEntry> entries_;
};

// A string value and its node (for positions).
struct NodeString {
  std::string value;
  YAML::Node node;
};

// The file being read and the item being read in it, for diagnostics and decoding.
class ItemReader {
 public:
  ItemReader(Diagnostics& diags, std::string file_name, uint32_t file_index,
             std::string_view source);

  // Starts a new item: later diagnostics name it.
  void BeginItem(std::string kind, const YAML::Node& item);
  void SetItemName(std::string name) { item_name_ = std::move(name); }
  const std::string& item_name() const { return item_name_; }
  const Located& item_pos() const { return item_pos_; }
  uint32_t file_index() const { return file_index_; }
  size_t errors_reported() const { return errors_; }

  Located PosOf(const YAML::Node& node) const;
  // A value's own position; its key's when the value is null (a null has no useful mark).
  Located ValuePos(const ItemEntry& e) const;

  void Error(const Located& at, std::string code, std::string message, std::string token = "");
  void Warning(const Located& at, std::string code, std::string message, std::string token = "");

  // Duplicate keys and keys outside `allowed` (with a "did you mean"); false if any.
  bool CheckKeys(const ItemFields& fields, const std::vector<std::string_view>& allowed);

  // Falco's decode_val: a non-empty scalar. `what` names the value in messages ("'condition'").
  std::optional<std::string> ReadScalar(const YAML::Node& node, const Located& null_pos,
                                        std::string_view what);
  std::optional<std::string> ReadString(const ItemEntry& e);
  std::optional<LocatedText> ReadText(const ItemEntry& e);
  std::optional<bool> ReadBool(const ItemEntry& e);
  std::optional<int64_t> ReadInteger(const ItemEntry& e);
  // A sequence of scalars (empty strings allowed, as Falco allows them).
  std::optional<std::vector<NodeString>> ReadScalarList(const ItemEntry& e);
  // A `required` key: reports "missing-key" when absent.
  const ItemEntry* Require(const ItemFields& fields, std::string_view key);

 private:
  void Report(Severity severity, const Located& at, std::string code, std::string message,
              std::string token);

  Diagnostics& diags_;
  std::string file_name_;
  uint32_t file_index_;
  std::string_view source_;
  std::string item_kind_;
  std::string item_name_;
  Located item_pos_;
  size_t errors_ = 0;
};

// "a list", "a mapping", "null", "a string": for "must be X, not Y" messages.
std::string_view DescribeNode(const YAML::Node& node);

}  // namespace vigil::rules::internal
