#include "vigil/syntax.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vigil::syntax {
namespace {

TEST(Syntax, Names) {
  EXPECT_TRUE(IsPluginName("k8s_audit2"));
  EXPECT_FALSE(IsPluginName(""));
  EXPECT_FALSE(IsPluginName("K8s"));
  EXPECT_FALSE(IsPluginName("a-b"));
  EXPECT_TRUE(IsInstanceName("Slack.team-1_x"));
  EXPECT_FALSE(IsInstanceName("a b"));
  EXPECT_TRUE(IsHexDigits(std::string(64, 'a'), 64));
  EXPECT_FALSE(IsHexDigits(std::string(63, 'a'), 64));
  EXPECT_FALSE(IsHexDigits(std::string(63, 'a') + "g", 64));
}

TEST(Syntax, FieldNames) {
  EXPECT_TRUE(IsFieldName("proc.name"));
  EXPECT_TRUE(IsFieldName("ka.target.namespace"));
  EXPECT_FALSE(IsFieldName("proc"));
  EXPECT_FALSE(IsFieldName("proc."));
  EXPECT_FALSE(IsFieldName(".name"));
  EXPECT_FALSE(IsFieldName("proc..name"));
  EXPECT_FALSE(IsFieldName("proc.na-me"));
  EXPECT_TRUE(IsFieldName("a." + std::string(1000000, 'b')));  // no recursion per character
}

TEST(Syntax, Semver) {
  for (const char* ok : {"0.0.0", "1.2.3", "10.20.30-rc.1", "1.0.0+build.5", "1.0.0-alpha-1"}) {
    EXPECT_TRUE(IsSemver(ok)) << ok;
  }
  for (const char* bad : {"", "1", "1.2", "1.2.", "1.2.3.4", "a.b.c", "1.2.3-", "1.2.3_x"}) {
    EXPECT_FALSE(IsSemver(bad)) << bad;
  }
}

TEST(Syntax, YamlNumbers) {
  for (const char* ok : {"0", "-12", "+7"}) EXPECT_TRUE(IsYamlInt(ok)) << ok;
  for (const char* bad : {"", "-", "1.0", "0x1", "1e3"}) EXPECT_FALSE(IsYamlInt(bad)) << bad;
  for (const char* ok : {"1.0", ".5", "5.", "-1e3", "+2.5E-7", "1e3"}) {
    EXPECT_TRUE(IsYamlFloat(ok)) << ok;
  }
  for (const char* bad : {"", ".", "e3", "1e", "1.2.3", "1e+", "--1"}) {
    EXPECT_FALSE(IsYamlFloat(bad)) << bad;
  }
}

}  // namespace
}  // namespace vigil::syntax
