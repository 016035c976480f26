// vigil's command line: parses arguments and hands over to one command.
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "vigil/core/log.hpp"

int main(int argc, char** argv) {
  using vigil::cli::CommonArgs;
  CLI::App app{"vigil: runtime security for Linux hosts and Kubernetes nodes"};
  app.require_subcommand(1);
  app.fallthrough();  // --log-level may come after the command too
  std::string log_level;
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warning, error, critical or off (overrides log.level)");

  CommonArgs args;
  auto add_config = [&](CLI::App* cmd) {
    cmd->add_option("-c,--config", args.config_path,
                    "configuration file (default /etc/vigil/vigil.yaml)");
    cmd->add_option("-o,--option", args.overrides,
                    "override a config key, e.g. -o log.level=debug or -o outputs[0].min_priority=warning")
        ->take_all();
  };
  auto add_rules = [&](CLI::App* cmd) {
    cmd->add_option("-r,--rules", args.rules,
                    "rules file or directory; repeat for several (replaces rules_files)")
        ->take_all();
  };

  CLI::App* run = app.add_subcommand("run", "watch the host and raise alerts");
  add_config(run);
  add_rules(run);
  run->add_flag("--json", args.json, "stdout outputs print JSON lines");

  CLI::App* validate = app.add_subcommand("validate", "check the config, plugins and rules");
  add_config(validate);
  add_rules(validate);
  validate->add_flag("--json", args.json, "print the result as JSON");

  CLI::App* plugins = app.add_subcommand("plugins", "list the plugins found in plugin_paths");
  add_config(plugins);
  plugins->add_flag("--json", args.json, "print JSON");

  CLI::App* fields = app.add_subcommand("fields", "list every field rules can use");
  add_config(fields);
  fields->add_flag("--json", args.json, "print JSON");

  CLI::App* version = app.add_subcommand("version", "print vigil's version");
  version->add_flag("--json", args.json, "print JSON");

  CLI11_PARSE(app, argc, argv);
  if (!log_level.empty()) {
    auto level = vigil::log::ParseLevel(log_level);
    if (!level) {
      std::fprintf(stderr, "--log-level: unknown level '%s'\n", log_level.c_str());
      return 2;
    }
    args.overrides.push_back("log.level=" + log_level);
  }
  if (run->parsed()) return vigil::cli::Run(args);
  if (validate->parsed()) return vigil::cli::Validate(args);
  if (plugins->parsed()) return vigil::cli::Plugins(args);
  if (fields->parsed()) return vigil::cli::Fields(args);
  return vigil::cli::Version(args);
}
