// Tests of Diagnostic and Diagnostics: text and JSON renderings, counts.
#include <gtest/gtest.h>

#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

TEST(Diagnostics, ToStringAndJson) {
  Diagnostic d;
  d.pos = {"rules.yaml", 12, 21};
  d.item_kind = "rule";
  d.item_name = "Shell";
  d.code = "unknown-field";
  d.message = "unknown field 'proc.nmae'";
  d.token = "proc.nmae";
  EXPECT_EQ(d.ToString(), "rules.yaml:12:21: error: rule 'Shell': unknown field 'proc.nmae'");
  Diagnostic w;
  w.severity = Severity::kWarning;
  w.pos = {"rules.yaml", 0, 0};
  w.message = "m";
  EXPECT_EQ(w.ToString(), "rules.yaml: warning: m");
  w.pos.line = 3;
  w.item_kind = "required_engine_version";
  EXPECT_EQ(w.ToString(), "rules.yaml:3: warning: required_engine_version: m");
  w.pos.file.clear();
  EXPECT_EQ(w.ToString(), "warning: required_engine_version: m");

  Diagnostics diags;
  diags.Add(d);
  diags.Add(w);
  EXPECT_EQ(diags.errors(), 1u);
  EXPECT_EQ(diags.warnings(), 1u);
  EXPECT_TRUE(diags.has_errors());
  EXPECT_EQ(diags.ToJson(),
            "[{\"severity\":\"error\",\"file\":\"rules.yaml\",\"line\":12,\"column\":21,"
            "\"item_kind\":\"rule\",\"item_name\":\"Shell\",\"code\":\"unknown-field\","
            "\"message\":\"unknown field 'proc.nmae'\",\"token\":\"proc.nmae\"},"
            "{\"severity\":\"warning\",\"file\":\"\",\"line\":3,\"column\":0,"
            "\"item_kind\":\"required_engine_version\",\"item_name\":\"\",\"code\":\"\","
            "\"message\":\"m\",\"token\":\"\"}]");
  EXPECT_EQ(Diagnostics().ToJson(), "[]");
}

}  // namespace
}  // namespace vigil::rules::collect_test
