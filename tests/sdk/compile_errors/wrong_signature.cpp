// expect: VIGIL_CAP_OUTPUT needs vigil_delivery Deliver(const vigil_alert*, uint32_t)
// Deliver with a wrong parameter list is not Deliver.
#include "vigil/sdk.hpp"

class Output : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "output";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  vigil_delivery Deliver(const vigil_alert*) { return VIGIL_DELIVERED; }
};

VIGIL_PLUGIN(Output)
