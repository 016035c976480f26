// expect: a plugin needs static constexpr uint32_t kCapabilities
#include "vigil/sdk.hpp"

class Output : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "output";
  static constexpr const char* kVersion = "0.1.0";
  vigil_delivery Deliver(const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
};

VIGIL_PLUGIN(Output)
