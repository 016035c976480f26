// The default config (packaging/vigil.yaml) with the plugins just built: Falco's three upstream
// syscall rule files load with it and vigil's default rules with zero errors and zero unknown
// fields (`vigil validate`, the operator's check), and the container plugin's fields are
// Falco's (names, types, arguments) as `vigil fields` lists them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "falco_fields.hpp"
#include "vigil_process.hpp"

namespace {
namespace fs = std::filesystem;
using vigil::testing::VigilProcess;

const fs::path kSource = VIGIL_SOURCE_DIR;
const fs::path kUpstream = kSource / ".." / "shared" / "upstream" / "falco-rules";

class DefaultConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-default-config-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // vigil `command` with the default config and the plugins of this build; its stdout as JSON.
  rapidjson::Document Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--json", "-c", (kSource / "packaging" / "vigil.yaml").string(), "-o",
                             "plugin_paths=[" + std::string(VIGIL_PLUGIN_DIR) + "]", "-o",
                             "allow_insecure_plugins=true"});
    VigilProcess vigil(dir_, args);
    const int rc = vigil.Wait();
    rapidjson::Document doc;
    doc.Parse(vigil.Out().c_str());
    EXPECT_FALSE(doc.HasParseError()) << vigil.Out() << vigil.Err();
    EXPECT_EQ(rc, 0) << vigil.Err();
    return doc;
  }

  fs::path dir_;
};

TEST_F(DefaultConfig, UpstreamAndDefaultRulesLoadWithNoErrorAndNoUnknownField) {
  if (!fs::exists(kUpstream)) GTEST_SKIP() << kUpstream << " is not there";
  rapidjson::Document doc =
      Run({"validate", "-r", (kUpstream / "falco_rules.yaml").string(), "-r",
           (kUpstream / "falco-incubating_rules.yaml").string(), "-r",
           (kUpstream / "falco-sandbox_rules.yaml").string(), "-r", (kSource / "rules").string()});
  ASSERT_TRUE(doc.IsObject());
  EXPECT_TRUE(doc["valid"].GetBool());
  EXPECT_EQ(doc["error_count"].GetUint(), 0u);
  EXPECT_EQ(doc["unreported_field_uses"].GetUint(), 0u);
  const auto& rules = doc["rules"];
  EXPECT_EQ(rules["errors"].GetUint(), 0u);
  EXPECT_GT(rules["enabled_rules"].GetUint(), 90u);  // 81 upstream + vigil's
  for (const auto& d : rules["diagnostics"].GetArray()) {
    const std::string code = d["code"].GetString();
    // Warnings only, and none about a field: only unused lists and macros (upstream's own).
    EXPECT_STREQ(d["severity"].GetString(), "warning") << d["message"].GetString();
    EXPECT_TRUE(code == "unused-list" || code == "unused-macro")
        << code << ": " << d["message"].GetString() << " (" << d["file"].GetString() << ":"
        << d["line"].GetUint() << ")";
  }
}

TEST_F(DefaultConfig, DefaultRulesAloneAreValid) {
  rapidjson::Document doc = Run({"validate", "-r", (kSource / "rules").string()});
  ASSERT_TRUE(doc.IsObject());
  EXPECT_TRUE(doc["valid"].GetBool());
  EXPECT_EQ(doc["rules"]["warnings"].GetUint(), 0u);
}

// Every container.*, k8s.* and proc.is_container_* field Falco's container plugin has, with its
// type, list flag and argument kind, from the container plugin.
TEST_F(DefaultConfig, ContainerPluginHasFalcosContainerFields) {
  rapidjson::Document doc = Run({"fields"});
  ASSERT_TRUE(doc.IsArray());
  std::map<std::string, const rapidjson::Value*> listed;
  for (const auto& f : doc.GetArray()) listed[f["name"].GetString()] = &f;
  size_t checked = 0;
  std::vector<std::string> missing;
  for (const vigil::fields::FieldInfo& falco : vigil::testing::FalcoSyscallFields()) {
    if (!falco.name.starts_with("container.") && !falco.name.starts_with("k8s.") &&
        !falco.name.starts_with("proc.is_container_")) {
      continue;
    }
    auto it = listed.find(falco.name);
    if (it == listed.end()) {
      missing.push_back(falco.name);
      continue;
    }
    const rapidjson::Value& f = *it->second;
    EXPECT_STREQ(f["plugin"].GetString(), "container") << falco.name;
    EXPECT_STREQ(f["type"].GetString(), vigil::fields::FieldTypeName(falco.type)) << falco.name;
    EXPECT_EQ(f["list"].GetBool(), falco.is_list) << falco.name;
    const char* arg = falco.arg == vigil::fields::ArgKind::kKey     ? "key"
                      : falco.arg == vigil::fields::ArgKind::kIndex ? "index"
                                                                    : "none";
    EXPECT_STREQ(f["arg"].GetString(), arg) << falco.name;
    EXPECT_EQ(f["arg_required"].GetBool(), falco.arg_required) << falco.name;
    ++checked;
  }
  EXPECT_EQ(checked, 42u);  // every one of them
  EXPECT_THAT(missing, ::testing::IsEmpty());
}

}  // namespace
