// Fuzzes the check of a plugin's `config:` block against the plugin's JSON Schema,
// vigil::config::PluginConfigToJson(node, pos, schema_json, plugin_name), in both its inputs.
// Input: the schema text, then optionally a line "#--- config" followed by the YAML block; without
// that line the block is a fixed sample. Every failure must come back as a Status (a bad schema
// is the plugin's bug, reported as such): an exception escaping, unbounded recursion or a hang is
// a finding.
#include <rapidjson/document.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "vigil/core/config.hpp"

namespace {

using vigil::fuzz::Require;

constexpr std::string_view kSeparator = "\n#--- config\n";

constexpr std::string_view kSampleBlock =
    "format: json\nbuffer: 10\nratio: 0.5\nname: ab\ntls: {cert: /c.pem, verify: true}\n"
    "servers:\n  - host: a\n    port: 80\n  - port: x\ntags: [x, \"1\", 2]\nextra: ~\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool has_block = input.find(kSeparator) != std::string_view::npos;
  const auto [schema, rest] = vigil::fuzz::SplitAt(input, kSeparator);
  const std::string_view block = has_block ? rest : kSampleBlock;

  // Parsing the block is the config loader's job, fuzzed by config_fuzz; here a block yaml-cpp
  // rejects is simply not an input.
  YAML::Node node;
  try {
    node = YAML::Load(std::string(block));
  } catch (const YAML::Exception&) {
    return 0;
  }

  const vigil::config::SourcePos where{"fuzz.yaml", 4, 7};
  const vigil::StatusOr<std::string> json =
      vigil::config::PluginConfigToJson(node, where, schema, "fuzz");
  if (!json.ok()) {
    Require(!json.status().message().empty(), "an error says what is wrong");
    return 0;
  }
  rapidjson::Document doc;
  doc.Parse(json->data(), json->size());
  Require(!doc.HasParseError(), "an accepted config is valid JSON");
  return 0;
}
