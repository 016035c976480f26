// vigil::sdk::ConfigView: a plugin reads its (validated) config by key, with defaults, and a key
// read as another type than it holds fails with the key's name.
#include "vigil/config_view.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using vigil::sdk::ConfigView;

TEST(ConfigViewTest, ReadsKeysAndDefaults) {
  ConfigView c(R"({"path": "/x", "count": 3, "delta": -2, "rate": 1.5, "on": true,
                   "tags": ["a", "b"], "tls": {"cert": "c.pem"}, "none": null})");
  EXPECT_EQ(c.String("path"), "/x");
  EXPECT_EQ(c.Uint64("count"), 3u);
  EXPECT_EQ(c.Int64("delta"), -2);
  EXPECT_EQ(c.Double("rate"), 1.5);
  EXPECT_EQ(c.Double("count"), 3.0);  // an integer is a number
  EXPECT_TRUE(c.Bool("on"));
  EXPECT_THAT(c.Strings("tags"), ElementsAre("a", "b"));
  EXPECT_EQ(c.Object("tls").String("cert"), "c.pem");
  // Absent (or null): the default, an empty list, an empty object.
  EXPECT_EQ(c.Uint64("missing", 7), 7u);
  EXPECT_EQ(c.String("none", "d"), "d");
  EXPECT_FALSE(c.Has("none"));
  EXPECT_TRUE(c.Strings("missing").empty());
  EXPECT_FALSE(c.Object("missing").Has("x"));
  EXPECT_TRUE(c.json().IsObject());
}

TEST(ConfigViewTest, AnEmptyConfigIsAnEmptyObject) {
  EXPECT_FALSE(ConfigView("").Has("x"));
  EXPECT_FALSE(ConfigView("{}").Has("x"));
  EXPECT_EQ(ConfigView("null").Uint64("n", 1), 1u);
}

TEST(ConfigViewTest, MistakesNameTheKey) {
  ConfigView c(R"({"count": "three", "tls": {"port": -1}})");
  try {
    c.Uint64("count");
    FAIL() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("config: key count: expected a non-negative integer"));
  }
  try {
    c.Object("tls").Uint64("port");
    FAIL() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("config: key tls.port: expected a non-negative integer"));
  }
  try {
    c.String("path");
    FAIL() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("config: key path: required key missing"));
  }
  EXPECT_THROW(ConfigView("[1]"), std::runtime_error);
  EXPECT_THROW(ConfigView("{"), std::runtime_error);
}

}  // namespace
