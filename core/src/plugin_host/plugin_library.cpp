// PluginLibrary: a plugin table that passed the checks every host runs (plugin_check.hpp).
#include <utility>

#include "vigil/core/plugin_host.hpp"
#include "vigil/plugin_check.hpp"

namespace vigil::plugin_host {

StatusOr<std::shared_ptr<const PluginLibrary>> PluginLibrary::FromTable(
    const vigil_plugin_api* table, std::string origin, std::shared_ptr<void> keep_alive) {
  plugin_check::Table checked;
  if (std::string why = plugin_check::Check(table, origin, &checked); !why.empty()) {
    return Status::Invalid(why);
  }
  std::shared_ptr<PluginLibrary> lib(new PluginLibrary());
  lib->api_ = checked.api;
  for (const plugin_check::Field& f : checked.fields) {
    fields::FieldInfo info;
    info.name = f.name;
    info.type = static_cast<fields::FieldType>(f.type);
    info.is_list = f.is_list;
    info.arg = f.arg == plugin_check::ArgKind::kIndex ? fields::ArgKind::kIndex
               : f.arg == plugin_check::ArgKind::kKey ? fields::ArgKind::kKey
                                                      : fields::ArgKind::kNone;
    info.arg_required = f.arg_required;
    info.description = f.description;
    lib->fields_.push_back(std::move(info));
  }
  lib->extract_sources_ = std::move(checked.extract_sources);
  lib->name_ = lib->api_.name;
  lib->version_ = lib->api_.version;
  lib->origin_ = std::move(origin);
  lib->keep_alive_ = std::move(keep_alive);
  return std::shared_ptr<const PluginLibrary>(std::move(lib));
}

std::string PluginLibrary::InitSchema() const {
  if (api_.get_init_schema == nullptr) return "";
  const char* schema = api_.get_init_schema();
  return schema ? schema : "";
}

}  // namespace vigil::plugin_host
