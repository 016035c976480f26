// RulesSetup: what the rules of a config can use, shared by `vigil run` and `vigil validate`.
#include "vigil/core/log.hpp"
#include "vigil/core/runtime.hpp"
#include "vigil/core/sources.hpp"

namespace vigil {

RulesSetup::RulesSetup(const ResolvedPlugins& resolved, const RunningPlugins* running,
                       const std::string& hostname, const state::SyscallState* syscall_state) {
  fields::RegisterCoreFields(registry_, {.hostname = hostname});
  fields::RegisterSyscallFields(registry_, syscall_state);
  options_.known_sources.emplace_back(kSyscallSource);
  auto add = [&](const std::vector<ResolvedPlugin>& list,
                 const std::vector<std::unique_ptr<PluginInstance>>* instances) {
    for (size_t i = 0; i < list.size(); ++i) {
      const PluginLibrary& lib = *list[i].library;
      options_.plugin_versions[lib.name()] = lib.version();
      PluginInstance* instance = instances ? (*instances)[i].get() : nullptr;
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

}  // namespace vigil
