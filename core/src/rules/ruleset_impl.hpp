// The compiled rule set: rules in file order, their condition trees and outputs, the shared field
// slots, and the index (source × event type → rules).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eval.hpp"
#include "output_format.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules {

class RulesetImpl final : public Ruleset {
 public:
  struct Exec {
    NodePtr condition;
    OutputFormat output;
    TypeSet types;
    bool enabled = true;
    size_t source_index = 0;
  };

  const std::vector<CompiledRule>& rules() const override { return rules_; }
  void Evaluate(const fields::EventContext& event, std::vector<size_t>* matches) override;
  router::Alert MakeAlert(size_t rule_index, const fields::EventContext& event,
                          const std::string& hostname) override;
  const std::vector<std::string>& sources() const override { return sources_; }
  std::vector<uint16_t> EventTypesFor(const std::string& source) const override;

  // Building (the compiler).
  size_t SourceIndex(const std::string& source);
  FieldSlot* Slot(const std::string& source, std::string_view text,
                  const fields::FieldRegistry& registry, fields::BindError* why,
                  std::string* error);
  void AddRule(CompiledRule rule, Exec exec);
  // Keeps a node several rules refer to (MakeRef) for the life of the set.
  Node* Share(NodePtr node) {
    shared_nodes_.push_back(std::move(node));
    return shared_nodes_.back().get();
  }
  void BuildIndex(bool by_event_type);

 private:
  // Keeps the cache of shared slots valid: a new number per event.
  const EvalState& StateFor(const fields::EventContext& event);

  std::vector<CompiledRule> rules_;
  std::vector<NodePtr> shared_nodes_;  // before exec_: rules' RefNodes point into these
  std::vector<Exec> exec_;
  std::vector<std::string> sources_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<FieldSlot>> slots_;
  // Rules of one (source, type) that start with the same shared node (a macro such as
  // `open_write`): when it is false for an event, none of them can match and none runs.
  struct Group {
    Node* guard = nullptr;  // null: rules without a shared first conjunct
    std::vector<uint32_t> rules;
  };
  // index_[source][type]: the groups of rules to run; the last entry of each source is for types
  // past the known table.
  std::vector<std::vector<std::vector<Group>>> index_;
  EvalState state_;
  const uint8_t* last_record_ = nullptr;
  uint64_t last_evtnum_ = 0;
};

// Compiles collected rules into `out`, reporting every problem.
void CompileRules(const CollectedRules& collected, const LoadOptions& options, Diagnostics& diags,
                  RulesetImpl* out);

}  // namespace vigil::rules
