// The plugin host's checks, one broken table or file at a time, each with its own message.
#include "vigil/core/plugin_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "vigil/core/runtime.hpp"
#include "vigil/sdk.hpp"

namespace vigil {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

vigil_plugin* GoodInit(const vigil_init_input*, vigil_rc* rc) {
  *rc = VIGIL_OK;
  static int state;
  return reinterpret_cast<vigil_plugin*>(&state);
}
vigil_plugin* FailingInit(const vigil_init_input*, vigil_rc* rc) {
  *rc = VIGIL_FAILURE;
  return nullptr;
}
void Destroy(vigil_plugin*) {}
const char* NoError(vigil_plugin*) { return ""; }
const char* InitError(vigil_plugin*) { return "config file /etc/x is missing"; }
vigil_delivery Deliver(vigil_plugin*, const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
vigil_rc NextBatch(vigil_plugin*, vigil_source_instance*, vigil_event_batch*) { return VIGIL_EOF; }

// A complete output plugin; each test breaks one thing.
vigil_plugin_api GoodTable() {
  vigil_plugin_api t{};
  t.api_version_major = VIGIL_PLUGIN_API_VERSION_MAJOR;
  t.api_version_minor = VIGIL_PLUGIN_API_VERSION_MINOR;
  t.table_size = sizeof(t);
  t.capabilities = VIGIL_CAP_OUTPUT;
  t.name = "demo";
  t.version = "0.1.0";
  t.init = GoodInit;
  t.destroy = Destroy;
  t.last_error = NoError;
  t.deliver = Deliver;
  return t;
}

std::string LoadError(const vigil_plugin_api& t) {
  auto lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
  return lib.ok() ? "" : lib.status().message();
}

TEST(PluginTable, GoodTableLoads) {
  vigil_plugin_api t = GoodTable();
  auto lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  EXPECT_EQ((*lib)->name(), "demo");
  EXPECT_EQ((*lib)->version(), "0.1.0");
  EXPECT_TRUE((*lib)->Has(VIGIL_CAP_OUTPUT));
  EXPECT_FALSE((*lib)->Has(VIGIL_CAP_SOURCE));
  EXPECT_EQ((*lib)->InitSchema(), "");
}

TEST(PluginTable, NullTable) {
  EXPECT_EQ(plugin_host::PluginLibrary::FromTable(nullptr, "x.so").status().message(),
            "plugin at x.so: its entry returned no table");
}

TEST(PluginTable, WrongMajor) {
  vigil_plugin_api t = GoodTable();
  t.api_version_major = 2;
  EXPECT_EQ(LoadError(t),
            "plugin at built-in: built for plugin API 2." +
                std::to_string(VIGIL_PLUGIN_API_VERSION_MINOR) + ", this vigil speaks " +
                std::string(VIGIL_PLUGIN_API_VERSION_STRING) + "; the major versions differ");
}

TEST(PluginTable, NewerMinor) {
  vigil_plugin_api t = GoodTable();
  t.api_version_minor = VIGIL_PLUGIN_API_VERSION_MINOR + 1;
  EXPECT_THAT(LoadError(t), HasSubstr("requires plugin API 1." +
                                      std::to_string(VIGIL_PLUGIN_API_VERSION_MINOR + 1) +
                                      ", newer than this vigil's"));
}

TEST(PluginTable, TableTooSmall) {
  vigil_plugin_api t = GoodTable();
  t.table_size = 16;
  EXPECT_THAT(LoadError(t), HasSubstr("its table is 16 bytes, smaller than the"));
}

TEST(PluginTable, OlderShorterTableReadsMissingMembersAsNull) {
  // A table that ends right after last_error: every capability member reads as NULL, so a plugin
  // declaring output is incomplete, not garbage.
  vigil_plugin_api t = GoodTable();
  t.table_size = offsetof(vigil_plugin_api, event_source);
  EXPECT_THAT(LoadError(t), HasSubstr("declares capability 'output' but lacks its 'deliver'"));
}

TEST(PluginTable, MissingRequiredFunction) {
  vigil_plugin_api t = GoodTable();
  t.init = nullptr;
  EXPECT_EQ(LoadError(t), "plugin at built-in: missing required 'init'");
  t = GoodTable();
  t.last_error = nullptr;
  EXPECT_EQ(LoadError(t), "plugin at built-in: missing required 'last_error'");
  t = GoodTable();
  t.name = "";
  EXPECT_EQ(LoadError(t), "plugin at built-in: missing required 'name'");
}

TEST(PluginTable, BadNameAndVersion) {
  vigil_plugin_api t = GoodTable();
  t.name = "Demo-Plugin";
  EXPECT_THAT(LoadError(t), HasSubstr("name 'Demo-Plugin' is not made of [a-z0-9_] only"));
  t = GoodTable();
  t.version = "1.0";
  EXPECT_THAT(LoadError(t), HasSubstr("version '1.0' is not a semantic version"));
}

TEST(PluginTable, NoOrUnknownCapability) {
  vigil_plugin_api t = GoodTable();
  t.capabilities = 0;
  t.deliver = nullptr;
  EXPECT_EQ(LoadError(t), "plugin 'demo' (built-in): declares no capability");
  t = GoodTable();
  t.capabilities |= 0x100;
  EXPECT_EQ(LoadError(t), "plugin 'demo' (built-in): declares unknown capability bits 0x100");
}

TEST(PluginTable, HalfACapability) {
  vigil_plugin_api t = GoodTable();
  t.capabilities |= VIGIL_CAP_SOURCE;
  t.event_source = "demo";
  t.next_batch = NextBatch;  // but no open / close
  EXPECT_EQ(LoadError(t),
            "plugin 'demo' (built-in): declares capability 'source' but lacks its 'open'");
}

TEST(PluginTable, FunctionWithoutItsCapability) {
  vigil_plugin_api t = GoodTable();
  t.next_batch = NextBatch;
  EXPECT_EQ(LoadError(t),
            "plugin 'demo' (built-in): has 'next_batch' but does not declare capability 'source'");
}

vigil_rc Extract(vigil_plugin*, const vigil_event_input*, uint32_t, vigil_extract_field*) {
  return VIGIL_OK;
}

std::string FieldsError(const char* fields) {
  vigil_plugin_api t = GoodTable();
  t.capabilities |= VIGIL_CAP_EXTRACT;
  t.fields = fields;
  t.extract_fields = Extract;
  return LoadError(t);
}

TEST(PluginTable, BadFieldJson) {
  const std::string prefix = "plugin 'demo' (built-in): bad fields JSON: ";
  EXPECT_EQ(FieldsError("[{"), prefix + "offset 2: Missing a name for object member.");
  EXPECT_EQ(FieldsError("{}"), prefix + "not an array");
  EXPECT_EQ(FieldsError(R"([{"type": "string", "desc": "d"}])"),
            prefix + "fields[0]: no string 'name'");
  EXPECT_EQ(FieldsError(R"([{"name": "nodot", "type": "string", "desc": "d"}])"),
            prefix + "fields[0] (nodot): name must look like 'class.field'");
  EXPECT_EQ(FieldsError(R"([{"name": "d.x", "type": "strng", "desc": "d"}])"),
            prefix + "fields[0] (d.x): unknown type 'strng'");
  EXPECT_EQ(FieldsError(R"([{"name": "d.x", "type": "string"}])"),
            prefix + "fields[0] (d.x): no 'desc'");
  EXPECT_EQ(FieldsError(R"([{"name": "d.x", "type": "string", "desc": "d", "list": 1}])"),
            prefix + "fields[0] (d.x): 'list' must be true or false");
  EXPECT_EQ(FieldsError(R"([{"name": "d.x", "type": "string", "desc": "d",
                             "arg": {"kind": "name"}}])"),
            prefix + "fields[0] (d.x): arg.kind must be one of none, index, key");
  EXPECT_EQ(FieldsError(R"([{"name": "d.x", "type": "string", "desc": "d"},
                            {"name": "d.x", "type": "uint64", "desc": "e"}])"),
            prefix + "fields[1] (d.x): declared twice");
}

// Found by fuzzing: each once overflowed the stack (std::regex per character, recursive parse).
TEST(PluginTable, HostileFieldJsonIsRefusedWithoutRecursion) {
  const std::string prefix = "plugin 'demo' (built-in): bad fields JSON: ";
  std::string long_name =
      R"([{"name": "a.)" + std::string(100000, 'b') + R"(", "type": "string", "desc": "d"}])";
  EXPECT_EQ(FieldsError(long_name.c_str()), "");
  std::string bad_long_name =
      R"([{"name": "a.)" + std::string(100000, '-') + R"(", "type": "string", "desc": "d"}])";
  EXPECT_THAT(FieldsError(bad_long_name.c_str()), HasSubstr("name must look like 'class.field'"));
  EXPECT_EQ(FieldsError(std::string(100000, '[').c_str()),
            prefix + "offset 100000: Invalid value.");
}

TEST(PluginTable, GoodFieldsAreParsed) {
  vigil_plugin_api t = GoodTable();
  t.capabilities |= VIGIL_CAP_EXTRACT;
  t.fields = R"([{"name": "d.x", "type": "uint64", "desc": "x"},
                 {"name": "d.label", "type": "string", "list": true, "desc": "labels",
                  "arg": {"kind": "key", "required": true}}])";
  t.extract_fields = Extract;
  auto lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  const auto& f = (*lib)->fields();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].type, fields::FieldType::kUint64);
  EXPECT_EQ(f[1].arg, fields::ArgKind::kKey);
  EXPECT_TRUE(f[1].arg_required);
  EXPECT_TRUE(f[1].is_list);
}

// A plugin that names its sources wrongly is refused, not applied to every source.
TEST(PluginTable, ABrokenTableIsInvalid) {
  vigil_plugin_api t = GoodTable();
  t.capabilities = 0;
  auto lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kInvalid);
}

TEST(PluginTable, MalformedExtractEventSourcesAreRefused) {
  vigil_plugin_api t = GoodTable();
  t.capabilities |= VIGIL_CAP_EXTRACT;
  t.fields = R"([{"name": "d.x", "type": "uint64", "desc": "x"}])";
  t.extract_fields = Extract;
  for (const char* bad : {"", "[", "{}", "[]", R"(["k8s audit"])", R"(["a", "a"])", "[1]"}) {
    t.extract_event_sources = bad;
    auto lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
    ASSERT_FALSE(lib.ok()) << bad;
    EXPECT_THAT(lib.status().message(), HasSubstr("bad extract_event_sources JSON")) << bad;
  }
  t.extract_event_sources = R"(["k8s_audit", "aws_cloudtrail"])";
  auto lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  EXPECT_EQ((*lib)->extract_sources(), (std::vector<std::string>{"k8s_audit", "aws_cloudtrail"}));
}

TEST(PluginInstance, InitFailureSaysWhy) {
  vigil_plugin_api t = GoodTable();
  t.init = FailingInit;
  t.last_error = InitError;
  auto lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
  ASSERT_TRUE(lib.ok());
  auto inst = plugin_host::PluginInstance::Create(*lib, "demo", "{}");
  EXPECT_EQ(inst.status().message(), "plugin 'demo': init failed: config file /etc/x is missing");

  t.last_error = NoError;
  lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
  EXPECT_EQ(plugin_host::PluginInstance::Create(*lib, "demo", "{}").status().message(),
            "plugin 'demo': init failed: (the plugin gave no reason)");
}

TEST(PluginInstance, InitSucceeds) {
  vigil_plugin_api t = GoodTable();
  auto lib = plugin_host::PluginLibrary::FromTable(&t, "built-in");
  ASSERT_TRUE(lib.ok());
  auto inst = plugin_host::PluginInstance::Create(*lib, "out1", "{}");
  ASSERT_TRUE(inst.ok()) << inst.status().message();
  EXPECT_EQ((*inst)->instance_name(), "out1");
  EXPECT_NE((*inst)->state(), nullptr);
}

// ---- Loading from disk ------------------------------------------------------------------------

class PluginFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-plugin-host-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    options_.search_paths = {dir_.string()};
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Copies a built test library (see CMakeLists.txt) into the plugin dir as `as`.
  fs::path Install(const std::string& variant, const std::string& as) {
    fs::path to = dir_ / as;
    fs::copy_file(fs::path(TEST_PLUGIN_LIBS) / (variant + ".so"), to,
                  fs::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0755);
    return to;
  }
  std::string Error(const std::string& library,
                    const std::optional<std::string>& sha = std::nullopt) {
    auto lib = plugin_host::LoadPluginLibrary(library, sha, options_);
    return lib.ok() ? "" : lib.status().message();
  }

  fs::path dir_;
  plugin_host::PluginLoadOptions options_;
};

TEST_F(PluginFiles, LoadsByNameAndByAbsolutePath) {
  fs::path p = Install("good", "libminimal.so");
  auto lib = plugin_host::LoadPluginLibrary(plugin_host::DefaultLibraryFileName("minimal"),
                                            std::nullopt, options_);
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  EXPECT_EQ((*lib)->name(), "minimal");
  EXPECT_EQ((*lib)->origin(), p.string());
  auto inst = plugin_host::PluginInstance::Create(*lib, "minimal", "{}");
  ASSERT_TRUE(inst.ok()) << inst.status().message();
  EXPECT_TRUE(plugin_host::LoadPluginLibrary(p.string(), std::nullopt, options_).ok());
}

// The loader names each library by its descriptor: two libraries, loaded one after the other and
// with the first already released, must still be two libraries.
TEST_F(PluginFiles, EachFileLoadsItsOwnLibrary) {
  Install("good", "libminimal.so");
  fs::path other = Install("half_source", "libhalf.so");
  {
    auto first = plugin_host::LoadPluginLibrary("libminimal.so", std::nullopt, options_);
    ASSERT_TRUE(first.ok()) << first.status().message();
  }
  auto second = plugin_host::LoadPluginLibrary("libhalf.so", std::nullopt, options_);
  EXPECT_THAT(second.status().message(), HasSubstr(other.string()));
  EXPECT_THAT(second.status().message(), HasSubstr("declares capability 'source'"));
  auto kept = plugin_host::LoadPluginLibrary("libminimal.so", std::nullopt, options_);
  ASSERT_TRUE(kept.ok());
  auto again = plugin_host::LoadPluginLibrary("libhalf.so", std::nullopt, options_);
  EXPECT_FALSE(again.ok());
}

TEST_F(PluginFiles, NotFound) {
  EXPECT_EQ(Error("libnothere.so"),
            "plugin library 'libnothere.so' not found in plugin_paths (" + dir_.string() + ")");
  auto lib = plugin_host::LoadPluginLibrary("libnothere.so", std::nullopt, options_);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(lib.status().Prefixed("plugins[0]").code(), StatusCode::kNotFound);
}

TEST_F(PluginFiles, RefusesFilesOutsideThePluginPaths) {
  fs::path p = Install("good", "libminimal.so");
  options_.search_paths = {"/usr/lib"};
  EXPECT_THAT(Error(p.string()), HasSubstr("is not in a configured plugin path (/usr/lib)"));
  EXPECT_THAT(Error("relative/libminimal.so"), HasSubstr("give a file name"));
}

TEST_F(PluginFiles, RefusesGroupOrWorldWritableFiles) {
  fs::path p = Install("good", "libminimal.so");
  ::chmod(p.c_str(), 0775);
  EXPECT_EQ(Error("libminimal.so"),
            "plugin file " + p.string() +
                " is group-writable (mode 0775); refusing to load it (allow_insecure_plugins: "
                "true relaxes this for development)");
  ::chmod(p.c_str(), 0757);
  EXPECT_THAT(Error("libminimal.so"), HasSubstr("is world-writable (mode 0757)"));
}

TEST_F(PluginFiles, RefusesWritableDirectories) {
  Install("good", "libminimal.so");
  ::chmod(dir_.c_str(), 0777);
  EXPECT_THAT(Error("libminimal.so"),
              HasSubstr("plugin directory " + dir_.string() + " is world-writable (mode 0777)"));
}

TEST_F(PluginFiles, RefusesFilesNotOwnedByRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  fs::path p = Install("good", "libminimal.so");
  ASSERT_EQ(::chown(p.c_str(), 65534, 65534), 0);
  EXPECT_THAT(Error("libminimal.so"), HasSubstr("is owned by uid 65534, not root"));
  options_.allow_insecure = true;
  EXPECT_EQ(Error("libminimal.so"), "");
}

TEST_F(PluginFiles, AllowInsecureRelaxesPermissionChecks) {
  fs::path p = Install("good", "libminimal.so");
  ::chmod(p.c_str(), 0777);
  options_.allow_insecure = true;
  EXPECT_EQ(Error("libminimal.so"), "");
}

TEST_F(PluginFiles, Sha256Pin) {
  fs::path p = Install("good", "libminimal.so");
  // Compute the expected digest independently of the host's code.
  std::string cmd = "sha256sum " + p.string() + " | cut -d' ' -f1";
  FILE* f = ::popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[128] = {};
  ASSERT_NE(fgets(buf, sizeof buf, f), nullptr);
  ::pclose(f);
  std::string digest(buf, 64);
  EXPECT_EQ(Error("libminimal.so", digest), "");
  EXPECT_EQ(Error("libminimal.so", "sha256:" + digest), "");
  std::string wrong(64, '0');
  EXPECT_EQ(Error("libminimal.so", wrong),
            "plugin " + p.string() + ": SHA-256 is " + digest + ", but the config pins " + wrong);
}

TEST_F(PluginFiles, NotASharedObject) {
  fs::path p = dir_ / "libjunk.so";
  std::ofstream(p) << "this is not ELF";
  ::chmod(p.c_str(), 0644);
  EXPECT_THAT(Error("libjunk.so"), HasSubstr("cannot load plugin " + p.string() + ": "));
}

TEST_F(PluginFiles, NoEntrySymbol) {
  fs::path p = Install("no_entry", "libnoentry.so");
  EXPECT_EQ(
      Error("libnoentry.so"),
      "plugin " + p.string() + " does not export 'vigil_plugin_entry'; is it a vigil plugin?");
}

// The same checks as the in-memory tables, reached through real shared objects.
TEST_F(PluginFiles, BrokenLibraries) {
  struct Case {
    const char* variant;
    std::string message;
  };
  const Case cases[] = {
      {"wrong_major", "built for plugin API 2." + std::to_string(VIGIL_PLUGIN_API_VERSION_MINOR) +
                          ", this vigil speaks"},
      {"newer_minor", "newer than this vigil's"},
      {"missing_init", "missing required 'init'"},
      {"half_source", "declares capability 'source' but lacks its 'open'"},
      {"bad_fields", "bad fields JSON: fields[0] (minimal.x): unknown type 'strng'"},
  };
  for (const Case& c : cases) {
    fs::path p = Install(c.variant, std::string("lib") + c.variant + ".so");
    std::string error = Error(p.filename());
    EXPECT_THAT(error, HasSubstr(c.message)) << c.variant;
    EXPECT_THAT(error, HasSubstr(p.string())) << c.variant;
  }
}

TEST_F(PluginFiles, InitFailingInALibrary) {
  Install("init_fails", "libinitfails.so");
  auto lib = plugin_host::LoadPluginLibrary("libinitfails.so", std::nullopt, options_);
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  EXPECT_EQ(plugin_host::PluginInstance::Create(*lib, "minimal", "{}").status().message(),
            "plugin 'minimal': init failed: cannot reach the thing it needs");
}

}  // namespace
}  // namespace vigil

namespace vigil {
namespace {

// A plugin written with the SDK's C++ wrapper whose functions throw: the wrapper must turn each
// exception into a return code and last_error, and the host must report that message. It is
// created from its in-memory table, the path built-ins take.
class ThrowingPlugin : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "thrower";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_SOURCE | VIGIL_CAP_OUTPUT;
  static constexpr const char* kEventSource = "thrower";
  static const char* Schema() {
    return R"({"type": "object", "properties": {"fail_init": {"type": "boolean"}}})";
  }

  explicit ThrowingPlugin(const vigil::sdk::InitContext& ctx) {
    if (ctx.config_json().find("true") != std::string::npos) {
      throw std::runtime_error("init threw: the config asked for it");
    }
  }

  struct Instance {
    vigil_rc NextBatch(vigil_event_batch*) { throw std::runtime_error("next_batch threw"); }
  };
  std::unique_ptr<Instance> Open(const std::string& params) {
    if (params == "ok") return std::make_unique<Instance>();
    throw std::runtime_error("open threw: cannot open '" + params + "'");
  }

  vigil_delivery Deliver(const vigil_alert*, uint32_t) {
    throw std::runtime_error("deliver threw: connection refused");
  }
};

TEST(PluginInstance, ExceptionsThroughTheWrapperBecomeMessages) {
  auto lib =
      plugin_host::PluginLibrary::FromTable(vigil::sdk::PluginTable<ThrowingPlugin>(), "built-in");
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  EXPECT_EQ(plugin_host::PluginInstance::Create(*lib, "thrower", R"({"fail_init": true})")
                .status()
                .message(),
            "plugin 'thrower': init failed: init threw: the config asked for it");

  auto inst = plugin_host::PluginInstance::Create(*lib, "thrower", "{}");
  ASSERT_TRUE(inst.ok()) << inst.status().message();
  auto failed = runtime::PluginSource::Open(**inst, "/no/such/trace");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(),
            "plugin 'thrower': open failed: open threw: cannot open '/no/such/trace'");
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);  // it may open later

  auto source = runtime::PluginSource::Open(**inst, "ok");
  ASSERT_TRUE(source.ok()) << source.status().message();
  vigil_event_batch batch{};
  EXPECT_EQ((*source)->NextBatch(&batch), VIGIL_FAILURE);
  EXPECT_EQ((*source)->LastError(), "next_batch threw");

  runtime::PluginOutput output(**inst);
  EXPECT_EQ(output.Deliver(nullptr, 0), VIGIL_RETRY_LATER);
  EXPECT_EQ(output.LastError(), "deliver threw: connection refused");
}

}  // namespace
}  // namespace vigil
