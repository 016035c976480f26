// Rule exceptions as Falco's reader and collector check them: structure only (fields, comps and
// values that fit together); the compiler turns them into conditions. Private to the collector.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <vector>

#include "item_reader.hpp"
#include "rule_items.hpp"

namespace vigil::rules::internal {

// One exception as written in one rule item. An append may name an existing exception and give
// only values, so fields and comps are checked once it is known what the exception adds to.
struct ExceptionInput {
  ExceptionDef def;  // name, pos, fields (if any), comps as written (not defaulted), no values
  bool has_fields = false;
  bool has_comps = false;
  bool comps_is_list = false;
  YAML::Node values;  // the `values` sequence; undefined when absent
};

// Reads an item's `exceptions:`. `fields_optional` for appends and overrides, where an exception
// may only add values to an existing one. Nullopt after an error (all of them reported).
std::optional<std::vector<ExceptionInput>> ReadExceptions(ItemReader& reader, const ItemEntry& e,
                                                          bool fields_optional);

// A new exception: fields required, comps defaulted (`=` per field, `in` for a single field) and
// checked, values converted to the shape of the fields.
std::optional<ExceptionDef> CompleteException(ItemReader& reader, const ExceptionInput& in);

// An append to existing exception `target`: only values may be given; they are added.
bool AppendExceptionValues(ItemReader& reader, const ExceptionInput& in, ExceptionDef& target);

}  // namespace vigil::rules::internal
