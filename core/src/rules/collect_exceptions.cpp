#include "collect_exceptions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace vigil::rules::internal {
namespace {

const std::vector<std::string_view> kExceptionKeys = {"name", "fields", "comps", "values"};

// libsinsp's binary comparison operators (`exists` takes no value, so no exception can use it).
constexpr std::string_view kOperators[] = {"=",         "==",         "!=",         "<",
                                           "<=",        ">",          ">=",         "contains",
                                           "icontains", "bcontains",  "startswith", "bstartswith",
                                           "endswith",  "glob",       "iglob",      "regex",
                                           "in",        "intersects", "pmatch"};
// With a single field, the values are one set the field is compared with.
constexpr std::string_view kSingleFieldOperators[] = {"in", "pmatch", "intersects"};

template <size_t N>
bool Contains(const std::string_view (&set)[N], std::string_view word) {
  return std::find(std::begin(set), std::end(set), word) != std::end(set);
}

void ExceptionError(ItemReader& r, const Located& at, const std::string& name,
                    std::string_view message, std::string token = "") {
  r.Error(at, "bad-exception", fmt::format("exception '{}': {}", name, message), std::move(token));
}

// `fields:` or `comps:`: a non-empty string, or a list of them. Empty lists are refused for
// fields (nothing to compare) and allowed for comps (then the length check speaks).
std::optional<std::vector<std::string>> ReadNames(ItemReader& r, const ItemEntry& e,
                                                  const std::string& ex_name, bool* is_list) {
  const std::string what = fmt::format("exception '{}': '{}'", ex_name, e.key);
  if (!e.value.IsSequence()) {
    std::optional<std::string> one = r.ReadScalar(e.value, r.ValuePos(e), what);
    if (!one) return std::nullopt;
    *is_list = false;
    return std::vector<std::string>{*one};
  }
  *is_list = true;
  std::vector<std::string> out;
  bool ok = true;
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    std::optional<std::string> name =
        r.ReadScalar(*it, r.ValuePos(e), fmt::format("an item of {}", what));
    if (name) out.push_back(*name);
    ok = ok && name.has_value();
  }
  if (!ok) return std::nullopt;
  if (out.empty() && e.key == "fields") {
    ExceptionError(r, r.ValuePos(e), ex_name, "'fields' must name at least one field");
    return std::nullopt;
  }
  return out;
}

std::optional<ExceptionInput> ReadException(ItemReader& r, const YAML::Node& node,
                                            const Located& list_pos, bool fields_optional) {
  if (!node.IsMap()) {
    r.Error(node.IsNull() ? list_pos : r.PosOf(node), "bad-exception",
            fmt::format("each exception must be a mapping, not {}", DescribeNode(node)));
    return std::nullopt;
  }
  const ItemFields fields(node);
  bool ok = r.CheckKeys(fields, kExceptionKeys);
  ExceptionInput in;
  in.def.pos = r.PosOf(node);
  const ItemEntry* name = fields.Find("name");
  if (name == nullptr) {
    r.Error(in.def.pos, "missing-key", "an exception needs a 'name'", "name");
    return std::nullopt;
  }
  std::optional<std::string> name_value =
      r.ReadScalar(name->value, r.ValuePos(*name), "exception 'name'");
  if (!name_value) return std::nullopt;
  in.def.name = *name_value;

  if (const ItemEntry* f = fields.Find("fields")) {
    auto names = ReadNames(r, *f, in.def.name, &in.def.fields_is_list);
    if (names) in.def.fields = std::move(*names);
    in.def.fields_pos = r.ValuePos(*f);
    in.has_fields = names.has_value();
    ok = ok && names.has_value();
  } else if (!fields_optional) {
    ExceptionError(r, in.def.pos, in.def.name, "missing required key 'fields'", "fields");
    ok = false;
  }
  in.def.comps_pos = in.def.fields_pos;
  // A null `comps:` is no comps, as in Falco.
  if (const ItemEntry* c = fields.Find("comps"); c != nullptr && !c->value.IsNull()) {
    auto comps = ReadNames(r, *c, in.def.name, &in.comps_is_list);
    if (comps) in.def.comps = std::move(*comps);
    in.def.comps_pos = r.ValuePos(*c);
    in.has_comps = comps.has_value();
    ok = ok && comps.has_value();
  }
  if (const ItemEntry* v = fields.Find("values")) {
    if (!v->value.IsSequence()) {
      ExceptionError(r, r.ValuePos(*v), in.def.name,
                     fmt::format("'values' must be a list, not {}", DescribeNode(v->value)));
      ok = false;
    }
    in.values = v->value;
  } else if (fields_optional) {
    r.Warning(in.def.pos, "exception-without-values",
              fmt::format("exception '{}': overriding or appending an exception with no values",
                          in.def.name));
  }
  if (!ok) return std::nullopt;
  return in;
}

// One item of a tuple: a value, or an inline list of values (`[apk, [/usr/lib, /usr/bin]]`).
std::optional<ExceptionValue> ReadTupleItem(ItemReader& r, const YAML::Node& node,
                                            const Located& tuple_pos, const std::string& ex_name) {
  ExceptionValue out;
  out.pos = node.IsNull() ? tuple_pos : r.PosOf(node);
  const std::string what = fmt::format("exception '{}': a value", ex_name);
  if (!node.IsSequence()) {
    std::optional<std::string> one = r.ReadScalar(node, out.pos, what);
    if (!one) return std::nullopt;
    out.items.push_back(*one);
    return out;
  }
  out.is_list = true;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::optional<std::string> member = r.ReadScalar(*it, out.pos, what);
    if (member) out.items.push_back(*member);
    ok = ok && member.has_value();
  }
  if (!ok) return std::nullopt;
  return out;
}

// `values` in the shape of `shape`'s fields: tuples of fields.size() items, or single values.
bool ConvertValues(ItemReader& r, const YAML::Node& values, const ExceptionDef& shape,
                   std::vector<std::vector<ExceptionValue>>& out) {
  if (!values.IsSequence()) return true;  // absent (or already reported)
  bool ok = true;
  for (auto it = values.begin(); it != values.end(); ++it) {
    const YAML::Node value = *it;
    const Located pos = r.PosOf(value);
    std::vector<ExceptionValue> entry;
    if (!shape.fields_is_list) {
      if (value.IsSequence()) {
        ExceptionError(r, pos, shape.name,
                       "with a single field ('fields' a string), each value must be a string, "
                       "not a list");
        ok = false;
        continue;
      }
      std::optional<ExceptionValue> one = ReadTupleItem(r, value, pos, shape.name);
      if (one) out.push_back({std::move(*one)});
      ok = ok && one.has_value();
      continue;
    }
    if (!value.IsSequence()) {
      ExceptionError(r, pos, shape.name,
                     fmt::format("each value must be a list of {} items, one per field, not {}",
                                 shape.fields.size(), DescribeNode(value)));
      ok = false;
      continue;
    }
    if (value.size() != shape.fields.size()) {
      ExceptionError(r, pos, shape.name,
                     fmt::format("a value has {} items but there are {} fields", value.size(),
                                 shape.fields.size()));
      ok = false;
      continue;
    }
    bool tuple_ok = true;
    for (auto t = value.begin(); t != value.end(); ++t) {
      std::optional<ExceptionValue> item = ReadTupleItem(r, *t, pos, shape.name);
      if (item) entry.push_back(std::move(*item));
      tuple_ok = tuple_ok && item.has_value();
    }
    if (tuple_ok) out.push_back(std::move(entry));
    ok = ok && tuple_ok;
  }
  return ok;
}

bool CheckComps(ItemReader& r, const ExceptionInput& in, ExceptionDef& def) {
  if (def.fields_is_list) {
    if (!in.has_comps) def.comps.assign(def.fields.size(), "=");
    if (in.has_comps && !in.comps_is_list) {
      ExceptionError(r, def.comps_pos, def.name,
                     "'fields' is a list, so 'comps' must be a list of the same length");
      return false;
    }
    if (def.comps.size() != def.fields.size()) {
      ExceptionError(r, def.comps_pos, def.name,
                     fmt::format("'fields' has {} items but 'comps' has {}", def.fields.size(),
                                 def.comps.size()));
      return false;
    }
    bool ok = true;
    for (const std::string& comp : def.comps) {
      if (!Contains(kOperators, comp)) {
        ExceptionError(r, def.comps_pos, def.name,
                       fmt::format("'{}' is not a supported comparison operator", comp), comp);
        ok = false;
      }
    }
    return ok;
  }
  if (!in.has_comps) def.comps = {"in"};
  if (in.has_comps && in.comps_is_list) {
    ExceptionError(r, def.comps_pos, def.name,
                   "'fields' is a single field, so 'comps' must be a single operator");
    return false;
  }
  if (!Contains(kSingleFieldOperators, def.comps[0])) {
    ExceptionError(r, def.comps_pos, def.name,
                   fmt::format("with a single field, 'comps' must be in, pmatch or intersects, "
                               "not '{}'",
                               def.comps[0]),
                   def.comps[0]);
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<ExceptionInput>> ReadExceptions(ItemReader& reader, const ItemEntry& e,
                                                          bool fields_optional) {
  std::vector<ExceptionInput> out;
  // No exceptions, or an empty `exceptions:`, are fine (Falco).
  if (e.value.IsNull()) return out;
  if (!e.value.IsSequence()) {
    reader.Error(reader.PosOf(e.value), "wrong-type",
                 fmt::format("'exceptions' must be a list, not {}", DescribeNode(e.value)));
    return std::nullopt;
  }
  bool ok = true;
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    std::optional<ExceptionInput> in =
        ReadException(reader, *it, reader.ValuePos(e), fields_optional);
    if (!in) {
      ok = false;
      continue;
    }
    const bool duplicate = std::any_of(out.begin(), out.end(), [&in](const ExceptionInput& o) {
      return o.def.name == in->def.name;
    });
    if (duplicate) {
      ExceptionError(reader, in->def.pos, in->def.name,
                     "exception names must be unique within a rule", in->def.name);
      ok = false;
      continue;
    }
    out.push_back(std::move(*in));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<ExceptionDef> CompleteException(ItemReader& reader, const ExceptionInput& in) {
  ExceptionDef def = in.def;
  if (!in.has_fields) {
    ExceptionError(reader, def.pos, def.name, "missing required key 'fields'", "fields");
    return std::nullopt;
  }
  bool ok = CheckComps(reader, in, def);
  // Values are checked even after a comps error, so that all problems show at once.
  ok = ConvertValues(reader, in.values, def, def.values) && ok;
  if (!ok) return std::nullopt;
  return def;
}

bool AppendExceptionValues(ItemReader& reader, const ExceptionInput& in, ExceptionDef& target) {
  bool ok = true;
  if (in.has_fields) {
    ExceptionError(reader, in.def.fields_pos, in.def.name,
                   "cannot append fields to an existing exception, only values", "fields");
    ok = false;
  }
  if (in.has_comps) {
    ExceptionError(reader, in.def.comps_pos, in.def.name,
                   "cannot append comps to an existing exception, only values", "comps");
    ok = false;
  }
  if (!ok) return false;
  return ConvertValues(reader, in.values, target, target.values);
}

}  // namespace vigil::rules::internal
