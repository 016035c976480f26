// expect: (compiles)
// The control: the same shape, written right, compiles, so the failures above are the mistakes'.
#include "vigil/sdk.hpp"

class Output : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "output";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT | VIGIL_CAP_PARSE;
  std::vector<uint16_t> ParseEventTypes() { return {}; }
  void Parse(const vigil_event_input&) {}
  vigil_delivery Deliver(const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
};

VIGIL_PLUGIN(Output)
