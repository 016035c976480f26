// The core's own fields, for events of every source: what the event header says.
#include <array>
#include <string_view>

#include "vigil/alert_format.hpp"
#include "vigil/core/event_type_names.hpp"
#include "vigil/core/fields.hpp"

namespace vigil::fields {
namespace {

enum class CoreField {
  kNum,
  kTime,
  kTimeIso,
  kRawTime,
  kRawTimeS,
  kRawTimeNs,
  kType,
  kSource,
  kHostname
};

std::vector<FieldInfo> CoreFieldInfos() {
  auto f = [](std::string name, FieldType type, std::string desc) {
    FieldInfo info;
    info.name = std::move(name);
    info.type = type;
    info.description = std::move(desc);
    return info;
  };
  // In CoreField order.
  return {
      f("evt.num", FieldType::kUint64, "the event's number, 1, 2, 3... in processing order"),
      f("evt.time", FieldType::kAbsTime,
        "the event's time; printed as local time of day with nanoseconds (HH:MM:SS.nnnnnnnnn)"),
      f("evt.time.iso8601", FieldType::kString,
        "the event's time in RFC 3339 UTC with nanoseconds"),
      f("evt.rawtime", FieldType::kAbsTime, "the event's time in ns since the epoch"),
      f("evt.rawtime.s", FieldType::kUint64, "the seconds part of evt.rawtime"),
      f("evt.rawtime.ns", FieldType::kUint64, "the nanoseconds part of evt.rawtime"),
      f("evt.type", FieldType::kString,
        "the event type: a syscall name (open, execve, ...) or pluginevent"),
      f("evt.source", FieldType::kString, "the event source: syscall, k8s_audit, ..."),
      f("evt.hostname", FieldType::kString, "the name of the host vigil runs on"),
  };
}

class CoreExtractor final : public Extractor {
 public:
  CoreExtractor(CoreField field, const std::string* hostname)
      : field_(field), hostname_(hostname) {}

  std::span<const Value> Extract(const EventContext& e) override {
    Value& v = value_;
    switch (field_) {
      case CoreField::kNum:
        v.num = e.evtnum;
        break;
      case CoreField::kTime:
      case CoreField::kRawTime:
        v.num = e.ts_ns;
        break;
      case CoreField::kTimeIso:
        text_.clear();
        alert_format::AppendTimeIso8601(e.ts_ns, &text_);
        v.bytes = text_;
        break;
      case CoreField::kRawTimeS:
        v.num = e.ts_ns / 1000000000u;
        break;
      case CoreField::kRawTimeNs:
        v.num = e.ts_ns % 1000000000u;
        break;
      case CoreField::kType: {
        std::string_view name = EventTypeName(e.type);
        if (name.empty()) return {};
        v.bytes = name;
        break;
      }
      case CoreField::kSource:
        if (!e.source_name) return {};
        v.bytes = *e.source_name;
        break;
      case CoreField::kHostname:
        v.bytes = *hostname_;
        break;
    }
    return {&value_, 1};
  }

 private:
  CoreField field_;
  const std::string* hostname_;
  Value value_;
  std::string text_;
};

class CoreProvider final : public FieldProvider {
 public:
  explicit CoreProvider(const CoreFieldOptions& options)
      : hostname_(options.hostname), fields_(CoreFieldInfos()) {}
  const std::string& name() const override { return name_; }
  const std::vector<FieldInfo>& fields() const override { return fields_; }
  bool AppliesTo(std::string_view) const override { return true; }
  std::vector<std::string> Sources() const override { return {}; }
  StatusOr<std::unique_ptr<Extractor>> Bind(size_t index, const FieldArg&) override {
    return std::unique_ptr<Extractor>(
        std::make_unique<CoreExtractor>(static_cast<CoreField>(index), &hostname_));
  }

 private:
  std::string name_ = "core";
  std::string hostname_;
  std::vector<FieldInfo> fields_;
};

}  // namespace

void RegisterCoreFields(FieldRegistry& registry, const CoreFieldOptions& options) {
  registry.Add(std::make_shared<CoreProvider>(options));
}

}  // namespace vigil::fields
