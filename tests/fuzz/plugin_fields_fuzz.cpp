// Fuzzes the check of an extractor plugin's fields JSON by the plugin host:
// vigil::PluginLibrary::FromTable on a valid in-memory table (VIGIL_CAP_EXTRACT) whose `fields`
// string is the input. Input: the fields JSON (a C string in the ABI, so it ends at a NUL byte).
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_util.hpp"
#include "vigil/core/plugin_host.hpp"
#include "vigil/plugin_api.h"
#include "vigil/plugin_check.hpp"

namespace {

using vigil::fuzz::Require;

vigil_plugin* Init(const vigil_init_input*, vigil_rc* rc) {
  *rc = VIGIL_OK;
  static int state;
  return reinterpret_cast<vigil_plugin*>(&state);
}
void Destroy(vigil_plugin*) {}
const char* LastError(vigil_plugin*) { return ""; }
vigil_rc Extract(vigil_plugin*, const vigil_event_input*, uint32_t, vigil_extract_field*) {
  return VIGIL_OK;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string fields(reinterpret_cast<const char*>(data), size);
  vigil_plugin_api table{};
  table.api_version_major = VIGIL_PLUGIN_API_VERSION_MAJOR;
  table.api_version_minor = VIGIL_PLUGIN_API_VERSION_MINOR;
  table.table_size = sizeof(table);
  table.capabilities = VIGIL_CAP_EXTRACT;
  table.name = "fuzz";
  table.version = "0.1.0";
  table.init = Init;
  table.destroy = Destroy;
  table.last_error = LastError;
  table.fields = fields.c_str();
  table.extract_fields = Extract;

  const auto lib = vigil::plugin_host::PluginLibrary::FromTable(&table, "built-in");
  if (!lib.ok()) {
    Require(!lib.status().message().empty(), "an error says what is wrong");
    return 0;
  }
  std::set<std::string> names;
  for (const vigil::fields::FieldInfo& field : (*lib)->fields()) {
    Require(field.name.find('.') != std::string::npos, "a field name is class.field");
    Require(names.insert(field.name).second, "field names are unique");
    Require(!field.description.empty(), "a field has a description");
    Require(
        std::string(vigil::plugin_check::FieldTypeName(vigil::fields::ToAbi(field.type))) != "?",
        "a field has a known type");
  }
  return 0;
}
