// FieldRegistry: resolves a field as written in a rule to the provider that declares it.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "vigil/core/edit_distance.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/plugin_check.hpp"

namespace vigil::fields {

const char* FieldTypeName(FieldType type) { return plugin_check::FieldTypeName(ToAbi(type)); }

std::optional<FieldText> SplitFieldText(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t open = text.find('[');
  if (open == std::string_view::npos) return FieldText{text, std::nullopt};
  if (open == 0 || text.back() != ']') return std::nullopt;
  return FieldText{text.substr(0, open), text.substr(open + 1, text.size() - open - 2)};
}

void FieldRegistry::Add(std::shared_ptr<FieldProvider> provider) {
  providers_.push_back(std::move(provider));
}

namespace {

struct Found {
  FieldProvider* provider = nullptr;
  size_t index = 0;
};

// The first provider (in registration order) declaring `name` for `source`.
Found FindIn(const std::vector<std::shared_ptr<FieldProvider>>& providers, std::string_view name,
             std::string_view source) {
  for (const auto& p : providers) {
    if (!p->AppliesTo(source)) continue;
    const auto& fields = p->fields();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == name) return {p.get(), i};
    }
  }
  return {};
}


std::string Suggest(const std::vector<std::shared_ptr<FieldProvider>>& providers,
                    std::string_view name, std::string_view source) {
  if (name.size() > 128) return "";
  std::string best;
  size_t best_d = 3;  // suggest only near misses
  for (const auto& p : providers) {
    if (!p->AppliesTo(source)) continue;
    for (const FieldInfo& f : p->fields()) {
      size_t d = EditDistance(name, f.name);
      if (d < best_d) {
        best_d = d;
        best = f.name;
      }
    }
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

}  // namespace

const FieldInfo* FieldRegistry::Find(std::string_view name, std::string_view source) const {
  Found f = FindIn(providers_, name, source);
  return f.provider ? &f.provider->fields()[f.index] : nullptr;
}

StatusOr<BoundField> FieldRegistry::Bind(std::string_view text, std::string_view source,
                                         BindError* why) const {
  auto fail = [&](BindError kind, std::string message) -> StatusOr<BoundField> {
    if (why) *why = kind;
    return Status::Error(std::move(message));
  };
  if (why) *why = BindError::kNone;
  auto split = SplitFieldText(text);
  if (!split) return fail(BindError::kUnknownField, fmt::format("'{}' is not a field", text));

  std::string_view name = split->name;
  std::optional<std::string_view> arg = split->bracket_arg;
  Found found = FindIn(providers_, name, source);
  // `evt.arg.flags`: a key argument written after a dot.
  if (!found.provider && !arg) {
    for (size_t dot = name.rfind('.'); dot != std::string_view::npos && dot > 0;
         dot = name.rfind('.', dot - 1)) {
      Found f = FindIn(providers_, name.substr(0, dot), source);
      if (f.provider && f.provider->fields()[f.index].arg == ArgKind::kKey) {
        found = f;
        arg = name.substr(dot + 1);
        name = name.substr(0, dot);
        break;
      }
      if (dot == 0) break;
    }
  }
  if (!found.provider) {
    // Declared for another source only?
    for (const auto& p : providers_) {
      for (const FieldInfo& f : p->fields()) {
        if (f.name == name) {
          return fail(BindError::kUnknownField,
                      fmt::format("field '{}' is not available for source '{}' (provider '{}')",
                                  name, source, p->name()));
        }
      }
    }
    return fail(BindError::kUnknownField,
                fmt::format("unknown field '{}'{}", name, Suggest(providers_, name, source)));
  }

  const FieldInfo& info = found.provider->fields()[found.index];
  BoundField bound;
  bound.info = &info;
  bound.provider = found.provider->name();
  if (arg) {
    if (info.arg == ArgKind::kNone) {
      return fail(BindError::kBadArgument,
                  fmt::format("field '{}' takes no argument, got '[{}]'", info.name, *arg));
    }
    bound.arg.present = true;
    bound.arg.text = std::string(*arg);
    if (info.arg == ArgKind::kIndex) {
      auto [p, ec] = std::from_chars(arg->data(), arg->data() + arg->size(), bound.arg.index);
      if (ec != std::errc() || p != arg->data() + arg->size() || arg->empty()) {
        return fail(BindError::kBadArgument,
                    fmt::format("field '{}' takes a numeric index, got '[{}]'", info.name, *arg));
      }
    }
  } else if (info.arg_required) {
    return fail(
        BindError::kBadArgument,
        fmt::format("field '{}' requires an argument, e.g. '{}[...]'", info.name, info.name));
  }
  auto extractor = found.provider->Bind(found.index, bound.arg);
  if (!extractor.ok()) {
    return fail(BindError::kProvider, fmt::format("field '{}' (provider '{}'): {}", text,
                                                  bound.provider, extractor.status().message()));
  }
  bound.extractor = std::move(*extractor);
  return bound;
}

}  // namespace vigil::fields
