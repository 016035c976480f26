// Fuzzes the loading of vigil.yaml: vigil::config::LoadConfigFromString, the `-o` overrides it
// applies (vigil::config::ApplyOverride), and PluginConfigToJson on every `config:` block it
// keeps, against a fixed schema and against none.
// Input: the YAML text, then optionally a line "#--- overrides" followed by one override
// ("key.path=value") per line. Every failure must come back as a Status: an exception escaping,
// unbounded recursion or a hang is a finding.
#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "vigil/core/config.hpp"

namespace {

using vigil::fuzz::Require;

constexpr std::string_view kSeparator = "\n#--- overrides\n";
constexpr size_t kMaxOverrides = 16;

// The kind of schema a plugin ships: typed keys, nesting, arrays, required keys.
constexpr std::string_view kSchema = R"({
  "type": "object",
  "properties": {
    "format": {"type": "string", "enum": ["text", "json"]},
    "buffer": {"type": "integer", "minimum": 1},
    "ratio": {"type": "number", "maximum": 1, "exclusiveMaximum": true},
    "name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
    "tls": {"type": "object", "properties": {"cert": {"type": "string"},
            "verify": {"type": "boolean"}}, "required": ["cert"]},
    "servers": {"type": "array", "items": {"type": "object", "properties": {
        "host": {"type": "string"}, "port": {"type": "integer", "minimum": 1, "maximum": 65535}},
        "required": ["host"]}},
    "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1}
  },
  "required": ["format"]
})";

void CheckBlock(const vigil::config::ConfigBlock& block, const std::string& name) {
  for (const std::string_view schema : {kSchema, std::string_view()}) {
    const vigil::StatusOr<std::string> json =
        vigil::config::PluginConfigToJson(block, schema, name);
    if (!json.ok()) {
      Require(!json.status().message().empty(), "an error says what is wrong");
      continue;
    }
    rapidjson::Document doc;
    doc.Parse(json->data(), json->size());
    Require(!doc.HasParseError() && doc.IsObject(), "an accepted config is a JSON object");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto [yaml, rest] = vigil::fuzz::SplitAt(input, kSeparator);
  std::vector<std::string> overrides;
  for (std::string_view lines = rest; !lines.empty() && overrides.size() < kMaxOverrides;) {
    const auto [line, next] = vigil::fuzz::SplitAt(lines, "\n");
    overrides.emplace_back(line);
    lines = next;
  }

  const vigil::StatusOr<vigil::config::Config> cfg =
      vigil::config::LoadConfigFromString(yaml, "fuzz.yaml", overrides);
  if (!cfg.ok()) {
    Require(!cfg.status().message().empty(), "an error says what is wrong");
    return 0;
  }
  for (const vigil::config::PluginSpec& plugin : cfg->plugins) {
    CheckBlock(plugin.config, plugin.name);
  }
  for (const vigil::config::OutputSpec& output : cfg->outputs) {
    CheckBlock(output.config, output.name);
  }
  return 0;
}
