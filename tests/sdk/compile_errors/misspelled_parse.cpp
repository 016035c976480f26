// expect: VIGIL_CAP_PARSE needs vigil_rc Parse(const vigil_event_input&) (or void)
// A parser whose Parse is misspelled: without kCapabilities it used to load as a plugin without
// the parse capability and never run.
#include "vigil/sdk.hpp"

class Parser : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "parser";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_PARSE;
  std::vector<uint16_t> ParseEventTypes() { return {}; }
  vigil_rc Prase(const vigil_event_input&) { return VIGIL_OK; }
};

VIGIL_PLUGIN(Parser)
