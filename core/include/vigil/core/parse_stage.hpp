// The parse stage of the engine: every plugin with the parse capability sees each event of the
// types it asks for (parse_event_types, read once) exactly once, on the engine thread, after the
// core's syscall state update and before any rule, so what it learns (an enricher's cache) is there
// for the fields the rules extract. A parser that fails is counted and logged; the event goes on.
//
//   ParseStage parsers;
//   for (auto& p : running.plugins) if (p->library().Has(VIGIL_CAP_PARSE)) parsers.Add(*p);
//   engine.AttachParsers(&parsers);                          // before bus.Start
#pragma once

#include <atomic>
#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/core/fields.hpp"
#include "vigil/core/plugin_host.hpp"

namespace vigil::runtime {

struct ParserCounters {
  std::string name;
  uint64_t parsed = 0;  // parse_event calls
  uint64_t failed = 0;  // of which answered VIGIL_FAILURE (or anything but VIGIL_OK)
};

class ParseStage {
 public:
  // Adds an initialised parser; asks it for its event types now. The instance must outlive the
  // stage's use of it.
  void Add(plugin_host::PluginInstance& parser);
  bool empty() const { return parsers_.empty(); }

  // Engine thread: hands `event` to every parser that wants its type, in the order added.
  void Parse(const fields::EventContext& event);

  // Approximate while running, exact once the bus has stopped. Safe from any thread.
  std::vector<ParserCounters> counters() const;

 private:
  // More failures than this of one parser are counted, not logged.
  static constexpr uint64_t kLoggedFailures = 10;

  struct Parser {
    plugin_host::PluginInstance* instance;
    std::bitset<65536> types;  // by event type; all set when the parser asks for every type
    std::atomic<uint64_t> parsed{0}, failed{0};
  };
  std::vector<std::unique_ptr<Parser>> parsers_;
};

}  // namespace vigil::runtime
