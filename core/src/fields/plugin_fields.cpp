// Fields of extract-capable plugins: declarations from the plugin's fields JSON, values from its
// extract_fields, one call per field and event (results cached per event by the rule engine).
#include <cstring>

#include "vigil/core/fields.hpp"
#include "vigil/core/log.hpp"
#include "vigil/core/plugin_host.hpp"

namespace vigil::fields {
namespace {

// More values than this from one extraction is a plugin bug; the field has no value then.
constexpr uint64_t kMaxValues = 1u << 20;

class PluginExtractor final : public Extractor {
 public:
  PluginExtractor(plugin_host::PluginInstance* instance, const FieldInfo& field, uint32_t id,
                  const FieldArg& arg)
      : instance_(instance), field_(field), type_(ToAbi(field.type)), arg_(arg) {
    request_.field_id = id;
    request_.field = field_.name.c_str();
    request_.arg_present = arg_.present ? 1 : 0;
    request_.arg_key =
        arg_.present && field_.arg == ArgKind::kKey ? arg_.text.c_str() : nullptr;
    request_.arg_index = arg_.index;
    request_.ftype = static_cast<uint32_t>(type_);
    request_.flist = field_.is_list ? 1 : 0;
  }

  bool costly() const override { return true; }  // a call through the plugin ABI

  std::span<const Value> Extract(const EventContext& e) override {
    values_.clear();
    if (!instance_) return {};
    vigil_event_input input{e.record, e.len, e.evtnum, e.source_name ? e.source_name->c_str() : ""};
    vigil_extract_field f = request_;
    vigil_rc rc = instance_->api().extract_fields(instance_->state(), &input, 1, &f);
    if (rc != VIGIL_OK) {
      if (rc != VIGIL_NOT_FOUND && failures_++ < 10) {
        log::warning("plugin {}: extracting {}: {}", instance_->instance_name(), field_.name,
                     instance_->LastError());
      }
      return {};
    }
    if (f.res_len == 0 || f.res_len > kMaxValues || !f.res.str) return {};
    // The plugin's result memory lasts only until its next extract_fields call (the next field of
    // the same event): strings and bytes are copied here.
    bool copy = type_ == VIGIL_FT_STRING || type_ == VIGIL_FT_IPADDR || type_ == VIGIL_FT_IPNET ||
                type_ == VIGIL_FT_BYTES;
    if (copy) storage_.resize(f.res_len);
    for (uint64_t i = 0; i < f.res_len; ++i) {
      Value v;
      switch (type_) {
        case VIGIL_FT_STRING:
          if (!f.res.str[i]) continue;
          storage_[i].assign(f.res.str[i]);
          v.bytes = storage_[i];
          break;
        case VIGIL_FT_UINT64:
        case VIGIL_FT_RELTIME:
        case VIGIL_FT_ABSTIME:
          v.num = f.res.u64[i];
          break;
        case VIGIL_FT_INT64:
          v.num = static_cast<uint64_t>(f.res.s64[i]);
          break;
        case VIGIL_FT_BOOL:
          v.num = f.res.boolean[i] != 0;
          break;
        case VIGIL_FT_IPADDR:
        case VIGIL_FT_IPNET:
        case VIGIL_FT_BYTES: {
          const vigil_bytes& b = f.res.bytes[i];
          if (!b.data && b.len) continue;
          uint32_t extra = type_ == VIGIL_FT_IPNET ? 1 : 0;
          if (type_ != VIGIL_FT_BYTES && b.len != 4 + extra && b.len != 16 + extra) continue;
          storage_[i].assign(reinterpret_cast<const char*>(b.data), b.len);
          v.bytes = storage_[i];
          break;
        }
      }
      values_.push_back(v);
    }
    return values_;
  }

 private:
  plugin_host::PluginInstance* instance_;
  const FieldInfo& field_;
  vigil_field_type type_;
  FieldArg arg_;
  vigil_extract_field request_{};
  std::vector<Value> values_;
  std::vector<std::string> storage_;  // reused: no allocation once strings fit
  uint64_t failures_ = 0;
};

class PluginProvider final : public FieldProvider {
 public:
  PluginProvider(std::shared_ptr<const plugin_host::PluginLibrary> library,
                 plugin_host::PluginInstance* instance)
      : library_(std::move(library)), instance_(instance), name_(library_->name()) {
    if (!library_->extract_sources().empty()) {
      sources_ = library_->extract_sources();
    } else if (library_->Has(VIGIL_CAP_SOURCE)) {
      sources_.emplace_back(library_->api().event_source);
    }
  }

  const std::string& name() const override { return name_; }
  const std::vector<FieldInfo>& fields() const override { return library_->fields(); }
  bool AppliesTo(std::string_view source) const override {
    if (sources_.empty()) return true;
    for (const std::string& s : sources_) {
      if (s == source) return true;
    }
    return false;
  }
  std::vector<std::string> Sources() const override { return sources_; }
  StatusOr<std::unique_ptr<Extractor>> Bind(size_t index, const FieldArg& arg) override {
    return std::unique_ptr<Extractor>(std::make_unique<PluginExtractor>(
        instance_, library_->fields()[index], static_cast<uint32_t>(index), arg));
  }

 private:
  std::shared_ptr<const plugin_host::PluginLibrary> library_;
  plugin_host::PluginInstance* instance_;
  std::string name_;
  std::vector<std::string> sources_;
};

// evt.plugininfo: the source plugin's one-line rendering of its event (event_to_string).
class PluginInfoExtractor final : public Extractor {
 public:
  explicit PluginInfoExtractor(plugin_host::PluginInstance* instance) : instance_(instance) {}
  std::span<const Value> Extract(const EventContext& e) override {
    if (!instance_) return {};
    vigil_event_input input{e.record, e.len, e.evtnum, e.source_name ? e.source_name->c_str() : ""};
    const char* text = instance_->api().event_to_string(instance_->state(), &input);
    if (text == nullptr) return {};
    text_.assign(text);  // the plugin's memory lasts only until its next call
    value_.bytes = text_;
    return {&value_, 1};
  }

 private:
  plugin_host::PluginInstance* instance_;
  std::string text_;
  Value value_;
};

class PluginInfoProvider final : public FieldProvider {
 public:
  PluginInfoProvider(std::shared_ptr<const plugin_host::PluginLibrary> library,
                     plugin_host::PluginInstance* instance)
      : library_(std::move(library)),
        instance_(instance),
        name_(library_->name()),
        source_(library_->api().event_source) {
    FieldInfo info;
    info.name = "evt.plugininfo";
    info.type = FieldType::kString;
    info.description = "a one-line summary of the event, as its source plugin renders it";
    fields_.push_back(std::move(info));
  }
  const std::string& name() const override { return name_; }
  const std::vector<FieldInfo>& fields() const override { return fields_; }
  bool AppliesTo(std::string_view source) const override { return source == source_; }
  std::vector<std::string> Sources() const override { return {source_}; }
  StatusOr<std::unique_ptr<Extractor>> Bind(size_t, const FieldArg&) override {
    return std::unique_ptr<Extractor>(std::make_unique<PluginInfoExtractor>(instance_));
  }

 private:
  std::shared_ptr<const plugin_host::PluginLibrary> library_;
  plugin_host::PluginInstance* instance_;
  std::string name_, source_;
  std::vector<FieldInfo> fields_;
};

}  // namespace

std::shared_ptr<FieldProvider> MakePluginInfoProvider(
    std::shared_ptr<const plugin_host::PluginLibrary> library,
    plugin_host::PluginInstance* instance) {
  return std::make_shared<PluginInfoProvider>(std::move(library), instance);
}

std::shared_ptr<FieldProvider> MakePluginFieldProvider(
    std::shared_ptr<const plugin_host::PluginLibrary> library,
    plugin_host::PluginInstance* instance) {
  return std::make_shared<PluginProvider>(std::move(library), instance);
}

}  // namespace vigil::fields
