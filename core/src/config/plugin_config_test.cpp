#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>

#include "vigil/core/config.hpp"

namespace vigil::config {
namespace {

using ::testing::StartsWith;

constexpr std::string_view kSchema = R"({
  "type": "object",
  "properties": {
    "format": {"type": "string", "enum": ["text", "json"]},
    "buffer": {"type": "integer", "minimum": 1},
    "ratio": {"type": "number", "maximum": 1, "exclusiveMaximum": true},
    "name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
    "tls": {
      "type": "object",
      "properties": {"cert": {"type": "string"}, "verify": {"type": "boolean"}},
      "required": ["cert"]
    },
    "servers": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "host": {"type": "string"},
          "port": {"type": "integer", "minimum": 1, "maximum": 65535}
        },
        "required": ["host"]
      }
    },
    "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1}
  },
  "required": ["format"]
})";

// Loads `config_yaml` as plugins[0].config of a vigil.yaml and checks it against `schema`.
StatusOr<std::string> Check(const std::string& config_yaml, std::string_view schema = kSchema,
                            const std::vector<std::string>& overrides = {}) {
  // Line 3 is `config:`; the block starts on line 4, indented by 6.
  std::string text = "plugins:\n  - name: demo\n    config:\n";
  for (size_t start = 0; start < config_yaml.size();) {
    const size_t end = config_yaml.find('\n', start);
    text += "      " + config_yaml.substr(start, end - start) + "\n";
    start = end == std::string::npos ? config_yaml.size() : end + 1;
  }
  StatusOr<Config> cfg = LoadConfigFromString(text, "vigil.yaml", overrides);
  if (!cfg.ok()) return cfg.status();
  return PluginConfigToJson(cfg->plugins.at(0).config, schema, "demo");
}

std::string CheckError(const std::string& config_yaml, std::string_view schema = kSchema) {
  StatusOr<std::string> json = Check(config_yaml, schema);
  EXPECT_FALSE(json.ok()) << "accepted: " << (json.ok() ? *json : "");
  return json.ok() ? "" : json.status().message();
}

TEST(PluginConfig, ValidConfigBecomesJson) {
  StatusOr<std::string> json = Check(
      "format: json\n"
      "buffer: 10\n"
      "ratio: 0.5\n"
      "tls: {cert: /c.pem, verify: true}\n"
      "servers:\n"
      "  - host: a\n"
      "    port: 80\n"
      "tags: [x, \"1\"]\n");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(*json,
            R"({"format":"json","buffer":10,"ratio":0.5,"tls":{"cert":"/c.pem","verify":true},)"
            R"("servers":[{"host":"a","port":80}],"tags":["x","1"]})");
}

TEST(PluginConfig, ScalarsFollowTheYaml12CoreSchema) {
  StatusOr<std::string> json = Check(
      "a: 012\nb: 0x1F\nc: 0o17\nd: 1e3\ne: -2.5\nf: \"5\"\ng: ~\nh: null\ni: True\nj: yes\n"
      "k: 'true'\nl: 1.0\nm: 18446744073709551615\nn: -9223372036854775808\no: 0x\np: |\n  x\n",
      R"({"type": "object"})");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(*json,
            R"({"a":12,"b":31,"c":15,"d":1000.0,"e":-2.5,"f":"5","g":null,"h":null,"i":true,)"
            R"("j":"yes","k":"true","l":1.0,"m":18446744073709551615,)"
            R"("n":-9223372036854775808,"o":"0x","p":"x\n"})");
}

TEST(PluginConfig, NullOrAbsentConfigIsAnEmptyObject) {
  StatusOr<std::string> json = Check("", R"({"type": "object", "properties": {"a": {}}})");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(*json, "{}");

  StatusOr<Config> cfg = LoadConfigFromString("plugins:\n  - name: demo\n", "vigil.yaml");
  ASSERT_TRUE(cfg.ok());
  // Required keys of an absent block are reported at the plugin's entry.
  EXPECT_EQ(PluginConfigToJson(cfg->plugins[0].config, kSchema, "demo").status().message(),
            "vigil.yaml:2:5: plugin demo: key format: required key missing");
}

TEST(PluginConfig, ReportsEverySchemaErrorWithItsPosition) {
  EXPECT_EQ(CheckError("format: xml\n"      // 4
                       "buffer: 0\n"        // 5
                       "bufer: 3\n"         // 6
                       "servers:\n"         // 7
                       "  - host: a\n"      // 8
                       "    port: 80\n"     // 9
                       "  - port: abc\n"    // 10
                       "  - host: c\n"      // 11
                       "    port: 70000\n"  // 12
                       "    extra: 1\n"     // 13
                       "tls:\n"             // 14
                       "  verify: yes\n"),  // 15
            "vigil.yaml:4:15: plugin demo: key format: must be one of: text, json (got string "
            "\"xml\")\n"
            "vigil.yaml:5:15: plugin demo: key buffer: must be >= 1\n"
            "vigil.yaml:6:7: plugin demo: key bufer: unknown key (did you mean 'buffer'?)\n"
            "vigil.yaml:10:11: plugin demo: key servers[1].host: required key missing\n"
            "vigil.yaml:10:17: plugin demo: key servers[1].port: expected integer, got string "
            "\"abc\"\n"
            "vigil.yaml:12:17: plugin demo: key servers[2].port: must be <= 65535\n"
            "vigil.yaml:13:11: plugin demo: key servers[2].extra: unknown key\n"
            "vigil.yaml:14:7: plugin demo: key tls.cert: required key missing\n"
            "vigil.yaml:15:17: plugin demo: key tls.verify: expected boolean, got string \"yes\"");
}

TEST(PluginConfig, UnknownKey) {
  EXPECT_EQ(CheckError("format: text\nfromat: json\n"),
            "vigil.yaml:5:7: plugin demo: key fromat: unknown key (did you mean 'format'?)");
  EXPECT_EQ(CheckError("format: text\ntls:\n  cert: a\n  ca: b\n"),
            "vigil.yaml:7:9: plugin demo: key tls.ca: unknown key");
}

TEST(PluginConfig, ExplicitAdditionalPropertiesIsKept) {
  StatusOr<std::string> json = Check(
      "a: 1\nb: 2\n", R"({"type":"object","properties":{"a":{}},"additionalProperties":true})");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(*json, R"({"a":1,"b":2})");
}

TEST(PluginConfig, TypeErrors) {
  EXPECT_EQ(CheckError("format: 5\n"),
            "vigil.yaml:4:15: plugin demo: key format: expected string, got integer 5");
  EXPECT_EQ(CheckError("format: text\nbuffer: 1.5\n"),
            "vigil.yaml:5:15: plugin demo: key buffer: expected integer, got number 1.5");
  EXPECT_EQ(CheckError("format: text\nbuffer:\n"),
            "vigil.yaml:5:7: plugin demo: key buffer: expected integer, got null");
  EXPECT_EQ(CheckError("format: text\ntls: [a]\n"),
            "vigil.yaml:5:12: plugin demo: key tls: expected object, got array");
  EXPECT_EQ(CheckError("format: text\nservers:\n  host: a\n"),
            "vigil.yaml:5:7: plugin demo: key servers: expected array, got object");
  EXPECT_EQ(CheckError("- a\n", kSchema),
            "vigil.yaml:3:5: plugin demo: config: expected object, got array");
}

TEST(PluginConfig, EnumMinimumAndOtherKeywords) {
  EXPECT_EQ(CheckError("format: JSON\n"),
            "vigil.yaml:4:15: plugin demo: key format: must be one of: text, json (got string "
            "\"JSON\")");
  EXPECT_EQ(CheckError("format: text\nbuffer: -3\n"),
            "vigil.yaml:5:15: plugin demo: key buffer: must be >= 1");
  EXPECT_EQ(CheckError("format: text\nratio: 1\n"),
            "vigil.yaml:5:14: plugin demo: key ratio: must be < 1");
  EXPECT_EQ(CheckError("format: text\nname: a\n"),
            "vigil.yaml:5:13: plugin demo: key name: must be at least 2 characters long");
  EXPECT_EQ(CheckError("format: text\nname: ab1\n"),
            "vigil.yaml:5:13: plugin demo: key name: must match the pattern \"^[a-z]+$\"");
  EXPECT_EQ(CheckError("format: text\ntags: []\n"),
            "vigil.yaml:5:13: plugin demo: key tags: must have at least 1 items");
}

TEST(PluginConfig, Required) {
  EXPECT_EQ(CheckError("buffer: 2\n"),
            "vigil.yaml:3:5: plugin demo: key format: required key missing");
  EXPECT_EQ(CheckError("format: text\nservers:\n  - port: 1\n  - host: b\n  - port: 3\n"),
            "vigil.yaml:6:11: plugin demo: key servers[0].host: required key missing\n"
            "vigil.yaml:8:11: plugin demo: key servers[2].host: required key missing");
  // A key reported for its value is not reported missing as well.
  EXPECT_EQ(CheckError("format: text\ntls: {cert: 5}\n"),
            "vigil.yaml:5:19: plugin demo: key tls.cert: expected string, got integer 5");
}

TEST(PluginConfig, ArrayItemPathsSurviveEarlierErrors) {
  EXPECT_EQ(CheckError("format: text\ntags: [1, x, 2, [y]]\n"),
            "vigil.yaml:5:14: plugin demo: key tags[0]: expected string, got integer 1\n"
            "vigil.yaml:5:20: plugin demo: key tags[2]: expected string, got integer 2\n"
            "vigil.yaml:5:23: plugin demo: key tags[3]: expected string, got array");
}

TEST(PluginConfig, NoSchemaMeansNoConfig) {
  StatusOr<std::string> json = Check("", "");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(*json, "{}");
  json = Check("{}", "");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(*json, "{}");
  EXPECT_EQ(CheckError("a: 1\nb: 2\n", ""),
            "vigil.yaml:4:7: plugin demo: key a: unknown key (the plugin takes no config)\n"
            "vigil.yaml:5:7: plugin demo: key b: unknown key (the plugin takes no config)");
  EXPECT_EQ(CheckError("- a\n", ""),
            "vigil.yaml:3:5: plugin demo: config: the plugin takes no config");
}

TEST(PluginConfig, BadSchemaIsThePluginsFault) {
  EXPECT_EQ(CheckError("a: 1\n", "{\"type\": "),
            "plugin demo: its config schema is not valid JSON (a bug in the plugin): Invalid "
            "value. at offset 9");
  EXPECT_EQ(CheckError("a: 1\n", "[1]"),
            "plugin demo: its config schema is not a JSON object (a bug in the plugin)");
}

TEST(PluginConfig, ValuesThatJsonCannotHold) {
  EXPECT_EQ(CheckError("format: text\nratio: .inf\n", R"({"type":"object"})"),
            "vigil.yaml:5:14: plugin demo: key ratio: .inf cannot be represented in JSON (quote "
            "it for a string)");
  EXPECT_EQ(CheckError("format: text\n? [a]\n: 1\n", R"({"type":"object"})"),
            "vigil.yaml:5:9: plugin demo: config: map keys must be strings");
  EXPECT_EQ(CheckError("a: 1\na: 2\n", R"({"type":"object"})"),
            "vigil.yaml:5:7: plugin demo: key a: duplicate key");
}

TEST(PluginConfig, OverriddenValuesPointAtTheCommandLine) {
  StatusOr<std::string> json = Check("format: text\n", kSchema, {"plugins[0].config.format=xml"});
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().message(),
            "command line: -o plugins[0].config.format: plugin demo: key format: must be one of: "
            "text, json (got string \"xml\")");
  json = Check("format: text\n", kSchema, {"plugins[0].config.tls={verify: true}"});
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().message(),
            "command line: -o plugins[0].config.tls: plugin demo: key tls.cert: required key "
            "missing");
}

TEST(PluginConfig, BareNodeOverload) {
  StatusOr<std::string> json = PluginConfigToJson(YAML::Load("format: text\nx: 1\n"),
                                                  SourcePos{"f.yaml", 7, 3}, kSchema, "demo");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().message(), "f.yaml:2:1: plugin demo: key x: unknown key");
  json = PluginConfigToJson(YAML::Node(), SourcePos{"f.yaml", 7, 3}, kSchema, "demo");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().message(), "f.yaml:7:3: plugin demo: key format: required key missing");
}

TEST(PluginConfig, NestedSchemasInCombinatorsAreClosed) {
  constexpr std::string_view schema = R"({
    "type": "object",
    "properties": {"auth": {"oneOf": [
      {"type": "object", "properties": {"token": {"type": "string"}}, "required": ["token"]},
      {"type": "object", "properties": {"user": {"type": "string"}}, "required": ["user"]}
    ]}}
  })";
  StatusOr<std::string> json = Check("auth: {token: t}\n", schema);
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_THAT(CheckError("auth: {token: t, user: u}\n", schema),
              StartsWith("vigil.yaml:4:13: plugin demo: key auth: must match exactly one"));
}

}  // namespace
}  // namespace vigil::config

namespace vigil::config {
namespace {

// Inputs found by fuzzing (tests/fuzz): each once crashed, overflowed the stack or never returned.

TEST(PluginConfigHostile, SchemaShapesRapidJsonTakesOnTrust) {
  EXPECT_THAT(CheckError("{}", R"({"": {"": {"patternProperties": 5}}})"),
              testing::HasSubstr("its config schema is not usable (a bug in the plugin): "
                                 "///patternProperties: must be an object"));
  EXPECT_THAT(CheckError("{}", R"({"properties": {"a": {"pattern": "("}}})"),
              testing::HasSubstr("/properties/a/pattern: not a valid regular expression"));
  EXPECT_THAT(CheckError("f: {xa: true}", R"({"properties": {"f": {"additionalProperties": false,
                                             "patternProperties": {"^x": {}}}}})"),
              testing::HasSubstr("/properties/f/patternProperties: needs \"type\": \"object\""));
  EXPECT_THAT(CheckError("{}", R"({"type": "object", "patternProperties": {"[": {}}})"),
              testing::HasSubstr("/patternProperties/[: not a valid regular expression"));
  EXPECT_THAT(CheckError("{}", "{\"type\": \"object\", \"patternProperties\": {\"(\xff)\": {}}}"),
              testing::HasSubstr("not valid JSON (a bug in the plugin): Invalid encoding in string"));
  EXPECT_THAT(CheckError("d: 1", R"({"properties": {"d": {"not": false}}})"),
              testing::HasSubstr("/properties/d/not: must be a schema (an object)"));
  EXPECT_THAT(CheckError("d: 1", R"({"properties": {"d": {"anyOf": [{}, 3]}}})"),
              testing::HasSubstr("/properties/d/anyOf: every entry must be a schema"));
  EXPECT_THAT(CheckError("d: 1", R"({"properties": {"d": 1}})"),
              testing::HasSubstr("/properties: every value must be a schema"));
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += R"({"properties":{"a":)";
  deep += "{}";
  for (int i = 0; i < 20000; ++i) deep += "}}";
  EXPECT_THAT(CheckError("{}", deep), testing::HasSubstr("nested more than 32 levels"));
}

TEST(PluginConfigHostile, AliasesCannotExpandWithoutBound) {
  // Nine levels of ten aliases each: 10^9 values from a few hundred bytes.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += fmt::format("a{}: &a{} [", i, i);
    for (int j = 0; j < 10; ++j) bomb += fmt::format("{}*a{}", j ? ", " : "", i - 1);
    bomb += "]\n";
  }
  EXPECT_THAT(CheckError(bomb, R"({"type": "object"})"),
              testing::HasSubstr("more than 100000 values (a recursive YAML alias?)"));
  EXPECT_THAT(CheckError("x: &x [*x, *x]", R"({"type": "object"})"),
              testing::HasSubstr("vigil.yaml:4:"));
}

TEST(PluginConfigHostile, HugeNumbersAreReportedNotCrashedOn) {
  // A 100000-digit plain scalar: matched without regex recursion, and refused as a number.
  EXPECT_THAT(CheckError("n: " + std::string(100000, '1'), R"({"type": "object"})"),
              testing::HasSubstr("cannot be represented in JSON (quote it for a string)"));
}

}  // namespace
}  // namespace vigil::config
