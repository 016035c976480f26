// The upstream rule files (../shared/upstream) through vigil's rule engine: they must load and
// mean what they mean in Falco.
//   - With Falco's fields declared (tests/support/falco_fields), all four files collect, expand and
//     compile with no error: every list and macro resolves, overrides apply, every operator and
//     value fits its field's type.
//   - With only the fields vigil provides today (the core's), the only errors are unknown fields
//     (their providers, the eBPF source and the enrichers, come later) and the plugins the files
//     require; nothing else.
//   - Spot checks that the compiled rules mean what Falco means, on synthetic events.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "falco_fields.hpp"
#include "vigil/core/event_type_names.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules {
namespace {
namespace fs = std::filesystem;
using ::testing::ElementsAre;

const fs::path kUpstream = fs::path(VIGIL_SOURCE_DIR) / ".." / "shared" / "upstream";

std::vector<std::string> Syscall() {
  return {(kUpstream / "falco-rules/falco_rules.yaml").string(),
          (kUpstream / "falco-rules/falco-incubating_rules.yaml").string(),
          (kUpstream / "falco-rules/falco-sandbox_rules.yaml").string()};
}
std::vector<std::string> K8sAudit() {
  return {(kUpstream / "k8saudit-rules/k8s_audit_rules.yaml").string()};
}

class Upstream : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kUpstream)) GTEST_SKIP() << kUpstream << " is not there";
    values_ = std::make_shared<testing::FalcoFieldValues>();
    registry_ = testing::MakeFalcoTestRegistry(values_, "node-1");
    options_.registry = &registry_;
    options_.plugin_versions = {{"container", "0.4.0"}, {"k8saudit", "0.18.0"}, {"json", "0.7.0"}};
  }

  std::unique_ptr<Ruleset> Load(const std::vector<std::string>& paths, const LoadOptions& options) {
    diags_ = Diagnostics();
    auto files = ReadRulesPaths(paths, diags_);
    return LoadRuleset(files, options, diags_, &stats_);
  }

  std::string Errors() const {
    std::string s;
    for (const auto& d : diags_.items()) {
      if (d.severity == Severity::kError) s += d.ToString() + "\n";
    }
    return s;
  }

  std::vector<std::string> Fire(Ruleset& rs, const std::string& type,
                                testing::FalcoFieldValues::Row row) {
    values_->Assign(++evtnum_, row);
    fields::EventContext ctx;
    ctx.evtnum = evtnum_;
    ctx.ts_ns = 1700000000000000000ull;
    ctx.type = *EventTypeCode(type);
    ctx.source_name = &source_;
    ctx.source_index = 0;
    std::vector<size_t> m;
    rs.Evaluate(ctx, &m);
    std::vector<std::string> names;
    for (size_t i : m) names.push_back(rs.rules()[i].name);
    return names;
  }

  std::shared_ptr<testing::FalcoFieldValues> values_;
  fields::FieldRegistry registry_;
  LoadOptions options_;
  Diagnostics diags_;
  LoadStats stats_;
  uint64_t evtnum_ = 0;
  std::string source_ = "syscall";
};

TEST_F(Upstream, SyscallFilesLoadFullyWithFalcosFields) {
  auto rs = Load(Syscall(), options_);
  ASSERT_TRUE(rs) << Errors();
  EXPECT_EQ(diags_.errors(), 0u);
  EXPECT_EQ(stats_.rules, rs->rules().size());
  EXPECT_GT(stats_.rules, 80u);
  EXPECT_GT(stats_.macros, 300u);
  EXPECT_GT(stats_.lists, 100u);
  // Every rule that names event types is indexed by them (none matches every type).
  for (const auto& d : diags_.items()) EXPECT_NE(d.code, "all-event-types") << d.ToString();
}

TEST_F(Upstream, K8sAuditFileLoadsFullyWithItsFields) {
  auto rs = Load(K8sAudit(), options_);
  ASSERT_TRUE(rs) << Errors();
  EXPECT_EQ(diags_.errors(), 0u);
  EXPECT_GT(rs->rules().size(), 30u);
  for (const CompiledRule& r : rs->rules()) EXPECT_EQ(r.source, "k8s_audit") << r.name;
}

TEST_F(Upstream, WithTodaysFieldsTheOnlyErrorsAreUnknownFieldsAndMissingPlugins) {
  fields::FieldRegistry core;
  fields::RegisterCoreFields(core, {.hostname = "node-1"});
  LoadOptions options;
  options.registry = &core;  // no plugins loaded either
  std::vector<std::string> all = Syscall();
  all.push_back(K8sAudit()[0]);
  EXPECT_FALSE(Load(all, options));
  std::set<std::string> codes;
  std::set<std::string> unknown;
  for (const auto& d : diags_.items()) {
    if (d.severity != Severity::kError) continue;
    codes.insert(d.code);
    if (d.code == "unknown-field") unknown.insert(d.token);
  }
  EXPECT_THAT(codes, ElementsAre("plugin-version", "unknown-field")) << Errors();
  // What is unknown is exactly what a later provider brings.
  for (const std::string& f : unknown) {
    EXPECT_TRUE(f.starts_with("proc.") || f.starts_with("fd.") || f.starts_with("evt.") ||
                f.starts_with("user.") || f.starts_with("group.") || f.starts_with("thread.") ||
                f.starts_with("container.") || f.starts_with("k8s.") || f.starts_with("ka.") ||
                f.starts_with("jevt.") || f.starts_with("fs."))
        << f;
    EXPECT_FALSE(f == "evt.type" || f == "evt.num" || f == "evt.time") << f;
  }
  EXPECT_TRUE(unknown.count("proc.name"));
  EXPECT_TRUE(unknown.count("ka.verb"));
}

TEST_F(Upstream, RulesMeanWhatTheyMeanInFalco) {
  auto rs = Load(Syscall(), options_);
  ASSERT_TRUE(rs) << Errors();
  using Row = testing::FalcoFieldValues::Row;
  using Fields = std::map<std::string, std::string>;
  auto make_row = [&](const Fields& fields) {
    Row row = values_->AddRow();
    for (const auto& [f, v] : fields) EXPECT_TRUE(values_->Set(row, f, v).ok()) << f;
    return row;
  };
  // A plain `cat /etc/shadow` by a login shell's child: Read sensitive file untrusted.
  Fields read_shadow = {{"fd.name", "/etc/shadow"},
                        {"fd.directory", "/etc"},
                        {"fd.filename", "shadow"},
                        {"fd.typechar", "f"},
                        {"fd.num", "3"},
                        {"evt.is_open_read", "true"},
                        {"evt.is_open_write", "false"},
                        {"evt.arg.flags", "O_RDONLY"},
                        {"proc.name", "cat"},
                        {"proc.pname", "bash"},
                        {"proc.exepath", "/usr/bin/cat"},
                        {"proc.cmdline", "cat /etc/shadow"},
                        {"proc.aname[2]", "sshd"},
                        {"user.name", "root"},
                        {"container.id", "host"}};
  Row shadow = make_row(read_shadow);
  EXPECT_THAT(Fire(*rs, "openat", shadow), ::testing::Contains("Read sensitive file untrusted"));
  // The same read by a trusted program (sshd): Falco's exception list applies.
  Fields by_sshd = read_shadow;
  by_sshd["proc.name"] = "sshd";
  by_sshd["proc.pname"] = "sshd";
  by_sshd["proc.exepath"] = "/usr/sbin/sshd";
  by_sshd["proc.cmdline"] = "sshd -D";
  by_sshd.erase("proc.aname[2]");
  Row trusted = make_row(by_sshd);
  EXPECT_THAT(Fire(*rs, "openat", trusted),
              ::testing::Not(::testing::Contains("Read sensitive file untrusted")));
  // The read as an execve event: the rule's event types exclude it.
  EXPECT_THAT(Fire(*rs, "execve", shadow),
              ::testing::Not(::testing::Contains("Read sensitive file untrusted")));
}

}  // namespace
}  // namespace vigil::rules
