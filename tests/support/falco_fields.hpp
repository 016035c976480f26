// Falco's fields, declared for tests and benchmarks: every field the upstream Falco rule files use
// (falco_rules.yaml, falco-incubating_rules.yaml, falco-sandbox_rules.yaml for source `syscall`;
// k8s_audit_rules.yaml for source `k8s_audit`), with Falco's names, types, list flags and
// arguments, and extractors that return values a test precomputed per synthetic event.
//
// They let the rule engine load and evaluate the real upstream rules in tests and in
// `vigil_rules_bench` without the kernel or the syscall state, and they are the reference the real
// syscall field provider (core/src/fields/syscall_fields*.cpp) is checked against: declarations
// written from Falco's sources, kept apart from the implementation on purpose. They are
// declarations plus a value table, not an implementation of Falco's semantics: `proc.aname`
// returns whatever the test stored for `proc.aname`, nothing is derived from the event record.
//
//   auto values = std::make_shared<vigil::testing::FalcoFieldValues>();
//   FalcoFieldValues::Row row = values->AddRow();              // one event "shape"
//   CHECK(values->Set(row, "proc.name", "nginx").ok());
//   CHECK(values->Set(row, "proc.aname[2]", "systemd").ok());  // an argument is part of the key
//   CHECK(values->Set(row, "evt.arg.flags", "O_RDONLY").ok()); // same key as evt.arg[flags]
//   CHECK(values->Set(row, "fd.sip", "10.0.0.7").ok());        // parsed per the declared type
//   CHECK(values->SetList(row, "ka.req.pod.containers.image", {"nginx", "redis"}).ok());
//   values->Assign(/*evtnum=*/42, row);                        // event 42 has row's values
//
//   vigil::fields::FieldRegistry registry = vigil::testing::MakeFalcoTestRegistry(values);
//   auto ruleset = vigil::rules::LoadRuleset(files, {.registry = &registry}, diags);
//   vigil::fields::EventContext ctx{.evtnum = 42, .type = 17 /* openat */, ...};
//   ruleset->Evaluate(ctx, &matches);       // extractors look up ctx.evtnum in `values`
//
// Values are keyed by EventContext::evtnum only (the record is never read), so a synthetic event
// needs no record at all. Rows are shared: a benchmark builds a few hundred rows and assigns each
// of its events one of them. A field never set for the event's row has no value (empty span).
// Not thread-safe: fill the table, then evaluate, from one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/core/fields.hpp"
#include "vigil/core/status.hpp"

namespace vigil::testing {

// Source names the providers apply to.
inline constexpr const char* kFalcoSyscallSource = "syscall";
inline constexpr const char* kFalcoK8sAuditSource = "k8s_audit";

// The declarations, in Falco's order within each class (evt, proc, thread, user, group, fd, fs,
// container, k8s; then ka, json/jevt). Core fields (evt.num, evt.time, evt.type, ...) are not here:
// RegisterCoreFields provides them.
const std::vector<fields::FieldInfo>& FalcoSyscallFields();
const std::vector<fields::FieldInfo>& FalcoK8sAuditFields();

// Precomputed field values per synthetic event. See the file comment.
class FalcoFieldValues {
 public:
  using Row = uint32_t;
  static constexpr Row kNoRow = ~Row{0};

  // A new row with no values.
  Row AddRow();
  size_t rows() const { return rows_.size(); }

  // Stores one value for `field` as written in a rule (`proc.name`, `proc.aname[2]`,
  // `evt.arg.flags` = `evt.arg[flags]`, `container.mount.dest[/var/run/docker.sock]`), replacing
  // what was there. `text` is parsed per the field's declared type: strings as is; uint64, int64,
  // reltime and abstime as decimal integers (int64 may be negative); bool as true/false; ipaddr as
  // an IPv4 or IPv6 address (stored as 4 or 16 bytes); ipnet as `addr/prefix` or a bare address
  // (address bytes then one prefix byte, the full length for a bare address; what Falco's
  // fd.*net extract is the fd's address); bytes as is. Errors name the field.
  Status Set(Row row, std::string_view field, std::string_view text);
  // Several values (list fields, or `proc.aname` without an index: every ancestor). An empty list
  // is the same as no value.
  Status SetList(Row row, std::string_view field, const std::vector<std::string_view>& texts);
  // Removes the field's value from the row.
  Status Clear(Row row, std::string_view field);

  // Event `evtnum` gets the values of `row` (kNoRow: none). Events never assigned have none.
  void Assign(uint64_t evtnum, Row row);

  // The canonical key of a field as written: `name` or `name[arg]` (index arguments as decimal,
  // `evt.arg.flags` → `evt.arg[flags]`). Error when no declared field matches.
  static StatusOr<std::string> CanonicalKey(std::string_view field);

  // For extractors: the column of a canonical key, created on first use.
  uint32_t Column(const std::string& key);

  // The hot path of every extractor: one bounds-checked load per level.
  std::span<const fields::Value> Get(uint32_t column, uint64_t evtnum) const {
    if (evtnum >= row_of_event_.size()) return {};
    const Row row = row_of_event_[evtnum];
    if (row == kNoRow) return {};
    const std::vector<std::span<const fields::Value>>& cols = rows_[row];
    return column < cols.size() ? cols[column] : std::span<const fields::Value>{};
  }

 private:
  Status Store(Row row, std::string_view field, const std::vector<std::string_view>& texts);

  std::unordered_map<std::string, uint32_t> columns_;
  std::vector<std::vector<std::span<const fields::Value>>> rows_;  // [row][column]
  std::vector<Row> row_of_event_;                                  // [evtnum]
  // Owners of what the spans and views point at; deques never move their elements.
  std::deque<std::vector<fields::Value>> value_store_;
  std::deque<std::string> string_store_;
};

// The providers. `values` may be null: the fields are then declared but never have a value.
//   "falco-decl":          FalcoSyscallFields(), source "syscall"
//   "falco-decl-k8saudit": FalcoK8sAuditFields(), source "k8s_audit"
std::shared_ptr<fields::FieldProvider> MakeFalcoSyscallProvider(
    std::shared_ptr<FalcoFieldValues> values);
std::shared_ptr<fields::FieldProvider> MakeFalcoK8sAuditProvider(
    std::shared_ptr<FalcoFieldValues> values);

// A registry with the core fields (RegisterCoreFields) and both providers above, sharing `values`.
fields::FieldRegistry MakeFalcoTestRegistry(std::shared_ptr<FalcoFieldValues> values,
                                            const std::string& hostname = "vigil-test");

}  // namespace vigil::testing
