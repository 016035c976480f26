// RulesSetup: what the rules of a config can use, shared by `vigil run` and `vigil validate`.
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "vigil/core/log.hpp"
#include "vigil/core/runtime.hpp"
#include "vigil/core/sources.hpp"

namespace vigil::runtime {

RulesSetup::RulesSetup(const ResolvedPlugins& resolved, const RunningPlugins* running,
                       const std::string& hostname, const state::SyscallState* syscall_state,
                       std::vector<rules::AppendOutput> append_output) {
  options_.append_output = std::move(append_output);
  fields::RegisterCoreFields(registry_, {.hostname = hostname});
  fields::RegisterSyscallFields(registry_, syscall_state);
  options_.known_sources.emplace_back(kSyscallSource);
  auto add = [&](const std::vector<ResolvedPlugin>& list,
                 const std::vector<std::unique_ptr<plugin_host::PluginInstance>>* instances) {
    for (size_t i = 0; i < list.size(); ++i) {
      const plugin_host::PluginLibrary& lib = *list[i].library;
      options_.plugin_versions[lib.name()] = lib.version();
      plugin_host::PluginInstance* instance = instances ? (*instances)[i].get() : nullptr;
      if (lib.Has(VIGIL_CAP_SOURCE)) {
        options_.known_sources.emplace_back(lib.api().event_source);
        if (lib.api().event_to_string != nullptr) {
          registry_.Add(fields::MakePluginInfoProvider(list[i].library, instance));
        }
      }
      if (lib.Has(VIGIL_CAP_EXTRACT)) {
        registry_.Add(fields::MakePluginFieldProvider(list[i].library, instance));
      }
    }
  };
  add(resolved.plugins, running ? &running->plugins : nullptr);
  add(resolved.outputs, running ? &running->outputs : nullptr);
  options_.registry = &registry_;
}

rules::Diagnostics RulesSetup::WithoutUnprovidedFieldClasses(const rules::Diagnostics& diags,
                                                             size_t* dropped) const {
  std::set<std::string, std::less<>> classes;
  for (const auto& provider : registry_.providers()) {
    for (const fields::FieldInfo& f : provider->fields())
      classes.insert(f.name.substr(0, f.name.find('.')));
  }
  rules::Diagnostics out;
  *dropped = 0;
  for (const rules::Diagnostic& d : diags.items()) {
    std::string_view field_class = std::string_view(d.token).substr(0, d.token.find('.'));
    if (d.code == "unknown-field" && classes.find(field_class) == classes.end()) {
      ++*dropped;
      continue;
    }
    out.Add(d);
  }
  return out;
}

std::unique_ptr<rules::Ruleset> RulesSetup::Load(const std::vector<std::string>& paths,
                                                 rules::Diagnostics& diags,
                                                 rules::LoadStats* stats) const {
  std::vector<rules::RulesFile> files = rules::ReadRulesPaths(paths, diags);
  if (diags.has_errors()) return nullptr;
  return rules::LoadRuleset(files, options_, diags, stats);
}

void LogDiagnostics(const rules::Diagnostics& diags) {
  for (const rules::Diagnostic& d : diags.items()) {
    if (d.severity == rules::Severity::kError) {
      log::error("{}", d.ToString());
    } else {
      log::warning("{}", d.ToString());
    }
  }
}

}  // namespace vigil::runtime
