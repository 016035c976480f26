#include "vigil/core/parse_stage.hpp"

#include <string_view>

#include "vigil/core/event_type_names.hpp"
#include "vigil/core/log.hpp"

namespace vigil::runtime {

void ParseStage::Add(plugin_host::PluginInstance& parser) {
  auto p = std::make_unique<Parser>();
  p->instance = &parser;
  uint32_t n = 0;
  const uint16_t* types = parser.api().parse_event_types(parser.state(), &n);
  if (n == 0 || types == nullptr) {  // 0: every type (plugin_api.h)
    p->types.set();
  } else {
    for (uint32_t i = 0; i < n; ++i) p->types.set(types[i]);
  }
  log::info("plugin {}: parses {} event types", parser.instance_name(),
            p->types.all() ? std::string("all") : std::to_string(p->types.count()));
  parsers_.push_back(std::move(p));
}

void ParseStage::Parse(const fields::EventContext& event) {
  const vigil_event_input input{event.record, event.len, event.evtnum,
                                event.source_name ? event.source_name->c_str() : ""};
  for (const auto& p : parsers_) {
    if (!p->types.test(event.type)) continue;
    p->parsed.fetch_add(1, std::memory_order_relaxed);
    const vigil_rc rc = p->instance->api().parse_event(p->instance->state(), &input);
    if (rc == VIGIL_OK) continue;
    const uint64_t failures = p->failed.fetch_add(1, std::memory_order_relaxed) + 1;
    if (failures <= kLoggedFailures) {
      log::warning("plugin {}: parsing event {} ({}): {}{}", p->instance->instance_name(),
                   event.evtnum, EventTypeName(event.type), p->instance->LastError(),
                   failures == kLoggedFailures ? " (further failures are only counted)" : "");
    }
  }
}

std::vector<ParserCounters> ParseStage::counters() const {
  std::vector<ParserCounters> out;
  for (const auto& p : parsers_) {
    out.push_back({p->instance->instance_name(), p->parsed.load(std::memory_order_relaxed),
                   p->failed.load(std::memory_order_relaxed)});
  }
  return out;
}

}  // namespace vigil::runtime
