// expect: has extract members (Fields, Extract, kExtractEventSources) but kCapabilities lacks VIGIL_CAP_EXTRACT
// An output that also extracts but forgot to say so.
#include "vigil/sdk.hpp"

class Output : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "output";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  static const char* Fields() { return "[]"; }
  vigil_rc Extract(const vigil_event_input&, uint32_t, vigil_extract_field*) { return VIGIL_OK; }
  vigil_delivery Deliver(const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
};

VIGIL_PLUGIN(Output)
