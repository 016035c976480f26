#include <algorithm>

#include "ruleset_impl.hpp"

namespace vigil::rules {

const EvalState& RulesetImpl::StateFor(const fields::EventContext& event) {
  // MakeAlert right after Evaluate of the same event reuses what Evaluate extracted.
  if (event.record != last_record_ || event.evtnum != last_evtnum_ || !state_.event) {
    ++state_.seq;
    last_record_ = event.record;
    last_evtnum_ = event.evtnum;
  }
  state_.event = &event;
  return state_;
}

void RulesetImpl::Evaluate(const fields::EventContext& event, std::vector<size_t>* matches) {
  matches->clear();
  if (event.source_index >= index_.size()) return;
  const auto& by_type = index_[event.source_index];
  const auto& candidates =
      event.type < VIGIL_EVENT_TYPE_END ? by_type[event.type] : by_type[VIGIL_EVENT_TYPE_END];
  if (candidates.empty()) return;
  // A new event: cached extractions are stale even if the bus reuses the record's memory.
  ++state_.seq;
  last_record_ = event.record;
  last_evtnum_ = event.evtnum;
  state_.event = &event;
  for (const Group& g : candidates) {
    if (g.guard && !g.guard->Eval(state_)) continue;
    for (uint32_t id : g.rules) {
      if (exec_[id].condition->Eval(state_)) matches->push_back(id);
    }
  }
  // Groups interleave rules; alerts go out in file order.
  if (matches->size() > 1) std::sort(matches->begin(), matches->end());
}

router::Alert RulesetImpl::MakeAlert(size_t rule_index, const fields::EventContext& event,
                                     const std::string& hostname) {
  const CompiledRule& rule = rules_[rule_index];
  router::Alert a;
  a.time_ns = event.ts_ns;
  a.priority = rule.priority;
  a.rule = rule.name;
  a.source = rule.source;
  a.hostname = hostname;
  a.tags = rule.tags;
  exec_[rule_index].output.Render(StateFor(event), &a.output, &a.output_fields);
  return a;
}

std::vector<uint16_t> RulesetImpl::EventTypesFor(const std::string& source) const {
  TypeSet all;
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (!exec_[i].enabled || rules_[i].source != source) continue;
    all.known |= exec_[i].types.known;
    all.others = all.others || exec_[i].types.others;
  }
  std::vector<uint16_t> out;
  for (uint16_t t = 1; t < VIGIL_EVENT_TYPE_END; ++t) {
    if (all.known[t]) out.push_back(t);
  }
  return out;
}

size_t RulesetImpl::SourceIndex(const std::string& source) {
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (sources_[i] == source) return i;
  }
  sources_.push_back(source);
  return sources_.size() - 1;
}

FieldSlot* RulesetImpl::Slot(const std::string& source, std::string_view text,
                             const fields::FieldRegistry& registry, fields::BindError* why,
                             std::string* error) {
  auto key = std::make_pair(source, std::string(text));
  if (auto it = slots_.find(key); it != slots_.end()) return it->second.get();
  auto bound = registry.Bind(text, source, why);
  if (!bound.ok()) {
    *error = bound.status().message();
    return nullptr;
  }
  auto slot = std::make_unique<FieldSlot>(std::move(*bound));
  FieldSlot* p = slot.get();
  slots_.emplace(std::move(key), std::move(slot));
  return p;
}

void RulesetImpl::AddRule(CompiledRule rule, Exec exec) {
  rule.order = rules_.size();
  rules_.push_back(std::move(rule));
  exec_.push_back(std::move(exec));
}

namespace {

// The first shared node along a condition's chain of first conjuncts, or null.
Node* GuardOf(Node* root) {
  for (Node* n = root->Unwrap();;) {
    if (n->IsShared()) return n;
    Node* next = n->FirstConjunct()->Unwrap();
    if (next == n) return nullptr;
    n = next;
  }
}

}  // namespace

void RulesetImpl::BuildIndex(bool by_event_type) {
  index_.assign(sources_.size(), std::vector<std::vector<Group>>(VIGIL_EVENT_TYPE_END + 1));
  for (size_t id = 0; id < exec_.size(); ++id) {
    const Exec& e = exec_[id];
    if (!e.enabled) continue;
    Node* guard = by_event_type ? GuardOf(e.condition.get()) : nullptr;
    auto& by_type = index_[e.source_index];
    for (uint16_t t = 0; t <= VIGIL_EVENT_TYPE_END; ++t) {
      bool can_match =
          !by_event_type || (t < VIGIL_EVENT_TYPE_END ? e.types.known[t] : e.types.others);
      if (!can_match) continue;
      std::vector<Group>& groups = by_type[t];
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const Group& x) { return guard && x.guard == guard; });
      if (g == groups.end()) {
        groups.push_back({guard, {}});
        g = groups.end() - 1;
      }
      g->rules.push_back(static_cast<uint32_t>(id));
    }
  }
}

std::unique_ptr<Ruleset> LoadRuleset(const std::vector<RulesFile>& files,
                                     const LoadOptions& options, Diagnostics& diags,
                                     LoadStats* stats) {
  size_t errors_before = diags.errors();
  CollectedRules collected = CollectRules(files, options, diags);
  if (stats) {
    stats->rules = collected.rules.size();
    stats->macros = collected.macros.size();
    stats->lists = collected.lists.size();
    stats->enabled_rules = 0;
    for (const RuleDef& r : collected.rules) stats->enabled_rules += r.enabled ? 1 : 0;
  }
  auto ruleset = std::make_unique<RulesetImpl>();
  CompileRules(collected, options, diags, ruleset.get());
  if (diags.errors() > errors_before) return nullptr;
  return ruleset;
}

}  // namespace vigil::rules
