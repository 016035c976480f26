// The rule-language semantics suite: data-driven end-to-end cases (tests/rules/cases/*.yaml) run
// against the real vigil binary, so what is checked is what an operator gets: Falco rules files in,
// alerts (or diagnostics) out. See tests/rules/README.md for the case format.
//
// Each case becomes one test, named <file>_<case>. A case with `expect` writes its rules files, its
// events (JSON lines for the test_jsonl / test_syscall_jsonl source) and a config to a temporary
// directory, runs `vigil run -c config.yaml -r f1.yaml -r f2.yaml ...` with the test_record output,
// and compares the recorded alerts with `expect`. A case with `expect_diagnostics`,
// `expect_no_diagnostics` or `expect_no_errors` runs `vigil validate --json` and checks the rules
// diagnostics it prints.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "vigil_process.hpp"

namespace {
namespace fs = std::filesystem;
using vigil::testing::ReadFile;
using vigil::testing::VigilProcess;

// ---- Cases ---------------------------------------------------------------------------------

struct ExpectedAlert {
  std::string rule;
  std::optional<std::string> priority;
  std::optional<std::string> output;        // the message, without Falco's "time: Priority " prefix
  std::optional<std::string> output_regex;  // ECMAScript, matched against the whole message
  std::optional<std::string> output_fields;  // a JSON object, compared whole
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> source;
  std::optional<std::string> hostname;
  int line = 0;  // in the case file, for messages
};

// One expected diagnostic: only the keys given are compared.
struct ExpectedDiagnostic {
  std::vector<std::pair<std::string, std::string>> keys;  // key → value as text
  int line = 0;
};

struct EventSource {
  std::string plugin;
  std::vector<std::string> events;  // JSON lines
};

struct Case {
  std::string file;  // stem of the case file
  std::string name;
  int line = 0;                      // of the case in its file
  std::string load_error;            // the case file or this case is malformed
  std::vector<EventSource> sources;  // the first is `source_plugin` + `events`
  std::vector<std::string> rules;
  std::optional<std::vector<ExpectedAlert>> expect;
  std::vector<ExpectedDiagnostic> expect_diagnostics;
  std::vector<ExpectedDiagnostic> expect_no_diagnostics;
  bool expect_no_errors = false;
  std::optional<int> expect_exit;  // of `vigil run` (default 0)

  bool RunsValidate() const {
    return !expect_diagnostics.empty() || !expect_no_diagnostics.empty() || expect_no_errors;
  }
};

// gtest prints parameters on failure; the name is enough.
void PrintTo(const Case& c, std::ostream* os) { *os << c.file << ".yaml: " << c.name; }

std::string Where(const Case& c, int line) { return c.file + ".yaml:" + std::to_string(line); }

// A YAML scalar as JSON: plain scalars that look like numbers, booleans or null become those;
// quoted scalars and everything else are strings.
void ScalarToJson(const YAML::Node& node, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  const std::string& s = node.Scalar();
  if (node.Tag() != "!") {
    static const std::regex kInt("-?[0-9]+");
    static const std::regex kFloat("-?[0-9]+\\.[0-9]+([eE][-+]?[0-9]+)?");
    if (s == "true" || s == "false") {
      w.Bool(s == "true");
      return;
    }
    if (s == "null" || s == "~" || s.empty()) {
      w.Null();
      return;
    }
    if (std::regex_match(s, kInt)) {
      errno = 0;
      if (s[0] == '-') {
        long long v = std::strtoll(s.c_str(), nullptr, 10);
        if (errno == 0) {
          w.Int64(v);
          return;
        }
      } else {
        unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
        if (errno == 0) {
          w.Uint64(v);
          return;
        }
      }
    }
    if (std::regex_match(s, kFloat)) {
      w.Double(std::strtod(s.c_str(), nullptr));
      return;
    }
  }
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

void NodeToJson(const YAML::Node& node, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      w.StartObject();
      for (const auto& kv : node) {
        const std::string& k = kv.first.Scalar();
        w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
        NodeToJson(kv.second, w);
      }
      w.EndObject();
      break;
    case YAML::NodeType::Sequence:
      w.StartArray();
      for (const auto& item : node) NodeToJson(item, w);
      w.EndArray();
      break;
    case YAML::NodeType::Scalar:
      ScalarToJson(node, w);
      break;
    default:
      w.Null();
  }
}

std::string ToJson(const YAML::Node& node) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  NodeToJson(node, w);
  return buf.GetString();
}

// Throws std::runtime_error naming the case file line on a malformed case.
[[noreturn]] void Malformed(const YAML::Node& node, const std::string& what) {
  throw std::runtime_error("line " + std::to_string(node.Mark().line + 1) + ": " + what);
}

void CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed, const char* what) {
  if (!map.IsMap()) Malformed(map, std::string(what) + " must be a mapping");
  for (const auto& kv : map) {
    if (!allowed.count(kv.first.Scalar())) {
      Malformed(kv.first, std::string("unknown key '") + kv.first.Scalar() + "' in " + what);
    }
  }
}

std::vector<std::string> EventsOf(const YAML::Node& events) {
  std::vector<std::string> lines;
  if (!events) return lines;
  if (!events.IsSequence()) Malformed(events, "events must be a list of objects");
  for (const auto& e : events) {
    if (!e.IsMap()) Malformed(e, "each event must be an object");
    lines.push_back(ToJson(e));
  }
  return lines;
}

std::vector<ExpectedDiagnostic> DiagnosticsOf(const YAML::Node& list, const char* what) {
  static const std::set<std::string> kKeys = {"severity",  "code",      "line",    "column", "file",
                                              "item_kind", "item_name", "message", "token"};
  std::vector<ExpectedDiagnostic> out;
  if (!list.IsSequence()) Malformed(list, std::string(what) + " must be a list");
  for (const auto& d : list) {
    CheckKeys(d, kKeys, what);
    ExpectedDiagnostic e;
    e.line = d.Mark().line + 1;
    for (const auto& kv : d) e.keys.emplace_back(kv.first.Scalar(), kv.second.Scalar());
    if (e.keys.empty()) Malformed(d, std::string("empty entry in ") + what);
    out.push_back(std::move(e));
  }
  return out;
}

Case ParseCase(const YAML::Node& node, const std::string& file) {
  static const std::set<std::string> kKeys = {"name",
                                              "source_plugin",
                                              "rules",
                                              "events",
                                              "expect",
                                              "expect_diagnostics",
                                              "expect_no_diagnostics",
                                              "expect_no_errors",
                                              "expect_exit",
                                              "extra_sources",
                                              "doc"};
  static const std::set<std::string> kAlertKeys = {
      "rule", "priority", "output", "output_regex", "output_fields", "tags", "source", "hostname"};
  Case c;
  c.file = file;
  c.line = node.Mark().line + 1;
  CheckKeys(node, kKeys, "a case");
  if (!node["name"] || !node["name"].IsScalar()) Malformed(node, "a case needs a name");
  c.name = node["name"].Scalar();
  std::string plugin =
      node["source_plugin"] ? node["source_plugin"].Scalar() : std::string("test_syscall_jsonl");
  c.sources.push_back({plugin, EventsOf(node["events"])});
  if (const auto& extra = node["extra_sources"]) {
    if (!extra.IsSequence()) Malformed(extra, "extra_sources must be a list");
    for (const auto& s : extra) {
      CheckKeys(s, {"plugin", "events"}, "an extra source");
      if (!s["plugin"]) Malformed(s, "an extra source needs a plugin");
      c.sources.push_back({s["plugin"].Scalar(), EventsOf(s["events"])});
    }
  }
  const auto& rules = node["rules"];
  if (!rules || !rules.IsSequence() || rules.size() == 0) {
    Malformed(node, "a case needs `rules`: a list of rules file contents");
  }
  for (const auto& r : rules) {
    if (!r.IsScalar()) Malformed(r, "each rules file is a string (use `- |`)");
    c.rules.push_back(r.Scalar());
  }
  if (const auto& expect = node["expect"]) {
    if (!expect.IsSequence()) Malformed(expect, "expect must be a list of alerts");
    c.expect.emplace();
    for (const auto& a : expect) {
      CheckKeys(a, kAlertKeys, "an expected alert");
      ExpectedAlert e;
      e.line = a.Mark().line + 1;
      if (!a["rule"]) Malformed(a, "an expected alert needs a rule");
      e.rule = a["rule"].Scalar();
      if (a["priority"]) e.priority = a["priority"].Scalar();
      if (a["output"]) e.output = a["output"].Scalar();
      if (a["output_regex"]) e.output_regex = a["output_regex"].Scalar();
      if (a["output_fields"]) {
        if (!a["output_fields"].IsMap()) Malformed(a, "output_fields must be a mapping");
        e.output_fields = ToJson(a["output_fields"]);
      }
      if (a["tags"]) {
        e.tags.emplace();
        for (const auto& t : a["tags"]) e.tags->push_back(t.Scalar());
      }
      if (a["source"]) e.source = a["source"].Scalar();
      if (a["hostname"]) e.hostname = a["hostname"].Scalar();
      c.expect->push_back(std::move(e));
    }
  }
  if (node["expect_diagnostics"]) {
    c.expect_diagnostics = DiagnosticsOf(node["expect_diagnostics"], "expect_diagnostics");
  }
  if (node["expect_no_diagnostics"]) {
    c.expect_no_diagnostics = DiagnosticsOf(node["expect_no_diagnostics"], "expect_no_diagnostics");
  }
  if (node["expect_no_errors"]) c.expect_no_errors = node["expect_no_errors"].as<bool>();
  if (node["expect_exit"]) c.expect_exit = node["expect_exit"].as<int>();
  if (!c.expect && !c.RunsValidate()) {
    Malformed(node, "case '" + c.name + "' asserts nothing: give expect or expect_diagnostics");
  }
  if (c.expect_no_errors) {
    for (const auto& d : c.expect_diagnostics) {
      for (const auto& [k, v] : d.keys) {
        if (k == "severity" && v == "error") {
          Malformed(node, "expect_no_errors with an expected error");
        }
      }
    }
  }
  return c;
}

std::string Sanitize(const std::string& s) {
  std::string out;
  for (char ch : s) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

std::vector<Case> LoadCases() {
  std::vector<Case> cases;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(VIGIL_RULES_CASES_DIR, ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (ec || files.empty()) {
    Case c;
    c.file = "cases";
    c.name = "load_error";
    c.load_error = std::string("no case files in ") + VIGIL_RULES_CASES_DIR;
    cases.push_back(c);
    return cases;
  }
  std::set<std::string> names;
  for (const auto& path : files) {
    std::string stem = path.stem().string();
    try {
      YAML::Node doc = YAML::LoadFile(path.string());
      if (!doc.IsSequence()) Malformed(doc, "a case file is a list of cases");
      for (const auto& node : doc) {
        Case c;
        try {
          c = ParseCase(node, stem);
        } catch (const std::exception& e) {
          c = Case{};
          c.file = stem;
          c.name = node.IsMap() && node["name"] ? node["name"].Scalar()
                                                : "line_" + std::to_string(node.Mark().line + 1);
          c.load_error = e.what();
        }
        if (!names.insert(Sanitize(stem + "_" + c.name)).second) {
          c.load_error = "duplicate case name '" + c.name + "'";
          c.name += "_dup" + std::to_string(node.Mark().line + 1);
          names.insert(Sanitize(stem + "_" + c.name));
        }
        cases.push_back(std::move(c));
      }
    } catch (const std::exception& e) {
      Case c;
      c.file = stem;
      c.name = "load_error";
      c.load_error = e.what();
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// ---- Running vigil ------------------------------------------------------------------------

class SemanticsTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-rules-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!HasFailure() || std::getenv("VIGIL_KEEP_CASE_DIRS") == nullptr) fs::remove_all(dir_);
  }

  // Writes the rules files, the events and the config; returns the arguments after the command.
  std::vector<std::string> Prepare(const Case& c) {
    std::vector<std::string> args = {"-c", (dir_ / "config.yaml").string()};
    for (size_t i = 0; i < c.rules.size(); ++i) {
      fs::path p = dir_ / ("f" + std::to_string(i + 1) + ".yaml");
      std::ofstream(p) << c.rules[i];
      args.push_back("-r");
      args.push_back(p.string());
    }
    std::ofstream cfg(dir_ / "config.yaml");
    cfg << "plugin_paths: [" << VIGIL_PLUGIN_DIR << ", " << VIGIL_TEST_PLUGIN_DIR << "]\n"
        << "allow_insecure_plugins: true\n"
        << "hostname: vigil-test\n"
        << "rules_files: []\n"
        << "plugins:\n";
    for (size_t i = 0; i < c.sources.size(); ++i) {
      fs::path events = dir_ / ("events" + std::to_string(i + 1) + ".jsonl");
      std::ofstream out(events);
      for (const auto& line : c.sources[i].events) out << line << "\n";
      cfg << "  - name: " << c.sources[i].plugin << "\n"
          << "    config: {path: \"" << events.string() << "\"}\n";
    }
    cfg << "outputs:\n"
        << "  - name: record\n"
        << "    plugin: test_record\n"
        << "    min_priority: debug\n"
        << "    config: {path: \"" << (dir_ / "alerts.jsonl").string() << "\"}\n"
        << "engine: {shutdown_timeout_ms: 5000}\n";
    return args;
  }

  std::string Context(const VigilProcess& p) const {
    std::string rules;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().filename().string().rfind('f', 0) == 0 &&
          entry.path().extension() == ".yaml") {
        rules += "--- " + entry.path().filename().string() + "\n" + ReadFile(entry.path());
      }
    }
    return "\n=== stdout\n" + p.Out() + "\n=== stderr\n" + p.Err() + "\n=== rules\n" + rules;
  }

  void CheckDiagnostics(const Case& c);
  void CheckAlerts(const Case& c);

  fs::path dir_;
};

std::string JsonText(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

bool DiagnosticMatches(const rapidjson::Value& d, const ExpectedDiagnostic& e) {
  if (!d.IsObject()) return false;
  for (const auto& [key, want] : e.keys) {
    auto it = d.FindMember(key.c_str());
    if (it == d.MemberEnd()) return false;
    std::string got = JsonText(it->value);
    if (key == "file") {
      if (fs::path(got).filename().string() != want) return false;
    } else if (key == "message") {
      if (got.find(want) == std::string::npos) return false;
    } else if (got != want) {
      return false;
    }
  }
  return true;
}

std::string Describe(const ExpectedDiagnostic& e) {
  std::string s = "{";
  for (const auto& [k, v] : e.keys) s += (s.size() > 1 ? ", " : "") + k + ": " + v;
  return s + "}";
}

void SemanticsTest::CheckDiagnostics(const Case& c) {
  std::vector<std::string> args = {"validate", "--json"};
  for (auto& a : Prepare(c)) args.push_back(a);
  VigilProcess vigil(dir_, args);
  int code = vigil.Wait(std::chrono::seconds(60));
  ASSERT_NE(code, -1) << "vigil validate did not finish" << Context(vigil);
  rapidjson::Document doc;
  std::string out = vigil.Out();
  doc.Parse(out.c_str(), out.size());
  ASSERT_FALSE(doc.HasParseError())
      << "validate --json printed no JSON (" << rapidjson::GetParseError_En(doc.GetParseError())
      << ")" << Context(vigil);
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("valid") && doc["valid"].IsBool())
      << "no \"valid\" in the output" << Context(vigil);
  ASSERT_TRUE(doc.HasMember("rules") && doc["rules"].IsObject() &&
              doc["rules"].HasMember("diagnostics") && doc["rules"]["diagnostics"].IsArray())
      << "no rules.diagnostics in the output" << Context(vigil);
  const auto& diags = doc["rules"]["diagnostics"];

  bool expect_error = false;
  for (const auto& e : c.expect_diagnostics) {
    for (const auto& [k, v] : e.keys) expect_error |= (k == "severity" && v == "error");
    bool found = false;
    for (const auto& d : diags.GetArray()) found |= DiagnosticMatches(d, e);
    EXPECT_TRUE(found) << Where(c, e.line) << ": no diagnostic matches " << Describe(e)
                       << Context(vigil);
  }
  for (const auto& e : c.expect_no_diagnostics) {
    for (const auto& d : diags.GetArray()) {
      EXPECT_FALSE(DiagnosticMatches(d, e))
          << Where(c, e.line) << ": unexpected diagnostic " << JsonText(d) << Context(vigil);
    }
  }
  if (c.expect_no_errors) {
    for (const auto& d : diags.GetArray()) {
      if (d.IsObject() && d.HasMember("severity") && JsonText(d["severity"]) == "error") {
        ADD_FAILURE() << Where(c, c.line) << ": unexpected error " << JsonText(d) << Context(vigil);
      }
    }
    EXPECT_TRUE(doc["valid"].GetBool()) << Where(c, c.line) << ": not valid" << Context(vigil);
    EXPECT_EQ(code, 0) << Where(c, c.line) << ": validate exit code" << Context(vigil);
  }
  if (expect_error) {
    EXPECT_FALSE(doc["valid"].GetBool())
        << Where(c, c.line) << ": an error is expected, yet valid is true" << Context(vigil);
    EXPECT_EQ(code, 1) << Where(c, c.line) << ": validate exit code" << Context(vigil);
  }
}

// The alert's message: its JSON "output" without Falco's "HH:MM:SS.nnnnnnnnn: Priority " prefix.
std::optional<std::string> Message(const std::string& output, const std::string& priority) {
  static const std::regex kPrefix("^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}: ");
  std::smatch m;
  if (!std::regex_search(output, m, kPrefix)) return std::nullopt;
  std::string rest = output.substr(m.length(0));
  if (rest.rfind(priority + " ", 0) != 0) return std::nullopt;
  return rest.substr(priority.size() + 1);
}

struct ActualAlert {
  std::string json;
  rapidjson::Document doc;
};

// Why `a` does not match `e`, or "" when it does.
std::string Mismatch(const ExpectedAlert& e, const rapidjson::Document& a) {
  auto str = [&](const char* key) -> std::string {
    return a.HasMember(key) && a[key].IsString() ? a[key].GetString() : "<missing>";
  };
  if (str("rule") != e.rule) return "rule: want '" + e.rule + "', got '" + str("rule") + "'";
  if (e.priority && str("priority") != *e.priority) {
    return "priority: want '" + *e.priority + "', got '" + str("priority") + "'";
  }
  if (e.output || e.output_regex) {
    auto msg = Message(str("output"), str("priority"));
    if (!msg) return "output: no 'HH:MM:SS.nnnnnnnnn: Priority ' prefix in '" + str("output") + "'";
    if (e.output && *msg != *e.output)
      return "output: want '" + *e.output + "', got '" + *msg + "'";
    if (e.output_regex && !std::regex_match(*msg, std::regex(*e.output_regex))) {
      return "output: '" + *msg + "' does not match /" + *e.output_regex + "/";
    }
  }
  if (e.output_fields) {
    rapidjson::Document want;
    want.Parse(e.output_fields->c_str());
    if (!a.HasMember("output_fields")) return "output_fields: missing";
    if (!(want == a["output_fields"])) {
      return "output_fields: want " + *e.output_fields + ", got " + JsonText(a["output_fields"]);
    }
  }
  if (e.tags) {
    std::vector<std::string> got;
    if (a.HasMember("tags") && a["tags"].IsArray()) {
      for (const auto& t : a["tags"].GetArray()) got.push_back(JsonText(t));
    }
    if (got != *e.tags) {
      std::string w, g;
      for (const auto& t : *e.tags) w += (w.empty() ? "" : ",") + t;
      for (const auto& t : got) g += (g.empty() ? "" : ",") + t;
      return "tags: want [" + w + "], got [" + g + "]";
    }
  }
  if (e.source && str("source") != *e.source) {
    return "source: want '" + *e.source + "', got '" + str("source") + "'";
  }
  if (e.hostname && str("hostname") != *e.hostname) {
    return "hostname: want '" + *e.hostname + "', got '" + str("hostname") + "'";
  }
  return "";
}

void SemanticsTest::CheckAlerts(const Case& c) {
  std::vector<std::string> args = {"run"};
  for (auto& a : Prepare(c)) args.push_back(a);
  VigilProcess vigil(dir_, args);
  int code = vigil.Wait(std::chrono::seconds(60));
  ASSERT_NE(code, -1) << "vigil run did not finish in 60 s" << Context(vigil);
  ASSERT_EQ(code, c.expect_exit.value_or(0)) << "vigil run exit code" << Context(vigil);

  std::vector<ActualAlert> actual;
  std::istringstream lines(ReadFile(dir_ / "alerts.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    ActualAlert a;
    a.json = line;
    a.doc.Parse(line.c_str(), line.size());
    ASSERT_FALSE(a.doc.HasParseError() || !a.doc.IsObject()) << "bad alert JSON: " << line;
    actual.push_back(std::move(a));
  }
  std::string all;
  for (const auto& a : actual) all += "  " + a.json + "\n";
  std::string context = "\n=== alerts\n" + all + Context(vigil);

  const auto& expect = *c.expect;
  if (c.sources.size() == 1) {
    // One source: alerts come in event order, then rule order.
    ASSERT_EQ(actual.size(), expect.size()) << Where(c, c.line) << ": number of alerts" << context;
    for (size_t i = 0; i < expect.size(); ++i) {
      std::string why = Mismatch(expect[i], actual[i].doc);
      EXPECT_EQ(why, "") << Where(c, expect[i].line) << ": alert " << i << context;
    }
    return;
  }
  // Several sources: their relative order is not defined; match as a multiset.
  std::vector<bool> used(actual.size(), false);
  for (const auto& e : expect) {
    bool found = false;
    for (size_t i = 0; i < actual.size() && !found; ++i) {
      if (!used[i] && Mismatch(e, actual[i].doc).empty()) used[i] = found = true;
    }
    EXPECT_TRUE(found) << Where(c, e.line) << ": no alert matches rule '" << e.rule << "'"
                       << context;
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_TRUE(used[i]) << Where(c, c.line) << ": unexpected alert " << actual[i].json << context;
  }
}

TEST_P(SemanticsTest, Case) {
  const Case& c = GetParam();
  ASSERT_EQ(c.load_error, "") << c.file << ".yaml: case '" << c.name << "' is malformed";
  if (c.RunsValidate()) {
    CheckDiagnostics(c);
    if (HasFatalFailure()) return;
  }
  if (c.expect) CheckAlerts(c);
}

INSTANTIATE_TEST_SUITE_P(Rules, SemanticsTest, ::testing::ValuesIn(LoadCases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return Sanitize(param_info.param.file + "_" + param_info.param.name);
                         });

}  // namespace
