// Fuzzes the rules pipeline: a rules file read (YAML with positions), collected (lists, macros,
// overrides, exceptions), compiled against the core's fields (macro and list expansion, typed
// constants, regexes, outputs) and, when it loads, evaluated on one event and rendered. Every
// problem must come back as a diagnostic: a crash, an exception, unbounded recursion or a hang is
// a finding.
#include <cstdint>
#include <string>

#include "vigil/core/rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vigil::fields::FieldRegistry* registry = [] {
    auto* r = new vigil::fields::FieldRegistry;
    vigil::fields::RegisterCoreFields(*r, {.hostname = "fuzz"});
    return r;
  }();
  vigil::rules::LoadOptions options;
  options.registry = registry;
  options.plugin_versions = {{"container", "0.4.0"}};
  std::vector<vigil::rules::RulesFile> files{
      {"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)}};
  vigil::rules::Diagnostics diags;
  auto rs = vigil::rules::LoadRuleset(files, options, diags);
  for (const auto& d : diags.items()) (void)d.ToString();
  (void)diags.ToJson();
  if (!rs) return 0;
  const std::string source = "syscall";
  vigil::fields::EventContext ctx;
  ctx.evtnum = 1;
  ctx.ts_ns = 1;
  ctx.type = 17;  // openat
  ctx.source_name = &source;
  std::vector<size_t> matches;
  for (uint32_t s = 0; s < rs->sources().size(); ++s) {
    ctx.source_index = s;
    rs->Evaluate(ctx, &matches);
    for (size_t m : matches) (void)rs->MakeAlert(m, ctx, "fuzz");
  }
  return 0;
}
