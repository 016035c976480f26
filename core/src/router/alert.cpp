#include "vigil/core/alert.hpp"

#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <numeric>

namespace vigil {
namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000;

// RapidJSON output stream appending to a std::string.
class StringSink {
 public:
  using Ch = char;
  explicit StringSink(std::string* out) : out_(out) {}
  void Put(char c) { out_->push_back(c); }
  void Flush() {}

 private:
  std::string* out_;
};

using JsonWriter = rapidjson::Writer<StringSink>;

// Appends `s` as a JSON string literal exactly as nlohmann::json::dump(-1, ' ', false, replace)
// does, which is what Falco prints: control characters as \b \t \n \f \r or \u00xx (lower-case
// hex), UTF-8 kept as is, each maximal invalid UTF-8 subpart replaced by U+FFFD. RapidJSON's own
// escaping differs (upper-case hex, invalid bytes passed through), hence this.
void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      switch (b) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          if (b < 0x20) {
            const char esc[] = {'\\', 'u', '0', '0', kHex[b >> 4], kHex[b & 0xF]};
            out->append(esc, sizeof esc);
          } else {
            out->push_back(static_cast<char>(b));
          }
      }
      ++i;
      continue;
    }
    // Well-formed sequences (Unicode table 3-7): the lead byte fixes the length and the range of
    // the second byte; later bytes are 80..BF.
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    }
    if (len == 0) {  // a continuation byte or a lead that can never start a sequence
      out->append(kReplacement);
      ++i;
      continue;
    }
    size_t k = 1;
    for (; k < len && i + k < n; ++k) {
      const unsigned char c = p[i + k];
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) break;
    }
    if (k == len) {
      out->append(s.substr(i, len));
    } else {
      // The byte that broke the sequence is read again: it may start a valid one.
      out->append(kReplacement);
    }
    i += k;
  }
  out->push_back('"');
}

void WriteString(JsonWriter& w, std::string_view s, std::string* scratch) {
  scratch->clear();
  AppendJsonString(s, scratch);
  w.RawValue(scratch->data(), scratch->size(), rapidjson::kStringType);
}

void WriteFieldValue(JsonWriter& w, const AlertFieldValue& value, std::string* scratch) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          w.Null();
        } else if constexpr (std::is_same_v<T, std::string>) {
          WriteString(w, v, scratch);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          w.Int64(v);
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          w.Uint64(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          w.Bool(v);
        } else if constexpr (std::is_same_v<T, std::vector<AlertFieldItem>>) {
          w.StartArray();
          for (const AlertFieldItem& item : v) {
            std::visit(
                [&](const auto& x) {
                  using X = std::decay_t<decltype(x)>;
                  if constexpr (std::is_same_v<X, std::string>) {
                    WriteString(w, x, scratch);
                  } else if constexpr (std::is_same_v<X, int64_t>) {
                    w.Int64(x);
                  } else if constexpr (std::is_same_v<X, uint64_t>) {
                    w.Uint64(x);
                  } else {
                    w.Bool(x);
                  }
                },
                item);
          }
          w.EndArray();
        } else {
          // nlohmann prints NaN and infinities as null; RapidJSON would refuse them.
          if (std::isfinite(v)) {
            w.Double(v);
          } else {
            w.Null();
          }
        }
      },
      value);
}

bool ToTm(uint64_t time_ns, bool local, std::tm* tm) {
  const auto secs = static_cast<std::time_t>(time_ns / kNsPerSec);
  return (local ? localtime_r(&secs, tm) : gmtime_r(&secs, tm)) != nullptr;
}

}  // namespace

std::string FormatTimeIso8601(uint64_t time_ns) {
  std::tm tm{};
  if (!ToTm(time_ns, /*local=*/false, &tm)) return {};
  char buf[64];
  const size_t len = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + len, sizeof buf - len, ".%09lluZ",
                static_cast<unsigned long long>(time_ns % kNsPerSec));
  return buf;
}

std::string FormatTimeOfDay(uint64_t time_ns) {
  std::tm tm{};
  if (!ToTm(time_ns, /*local=*/true, &tm)) return {};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%09llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(time_ns % kNsPerSec));
  return buf;
}

std::string FormatAlertLine(const Alert& alert, bool time_format_iso_8601) {
  std::string line =
      time_format_iso_8601 ? FormatTimeIso8601(alert.time_ns) : FormatTimeOfDay(alert.time_ns);
  line += ": ";
  line += PriorityName(alert.priority);
  line += ' ';
  line += alert.output;
  return line;
}

void AppendAlertJson(const Alert& alert, const AlertJsonOptions& options, std::string* out) {
  StringSink sink(out);
  JsonWriter w(sink);
  std::string scratch;
  auto key = [&](std::string_view k) { WriteString(w, k, &scratch); };

  // Keys in nlohmann's (std::map) order, which is what Falco prints.
  w.StartObject();
  key("hostname");
  WriteString(w, alert.hostname, &scratch);
  if (options.include_message) {
    key("message");
    WriteString(w, alert.output, &scratch);
  }
  if (options.include_output) {
    key("output");
    WriteString(w, FormatAlertLine(alert, options.time_format_iso_8601), &scratch);
  }
  if (options.include_output_fields) {
    key("output_fields");
    std::vector<size_t> order(alert.output_fields.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return alert.output_fields[a].name < alert.output_fields[b].name;
    });
    w.StartObject();
    for (size_t i = 0; i < order.size(); ++i) {
      const AlertField& f = alert.output_fields[order[i]];
      // Of equal names only the last given is kept (a map assigned in order).
      if (i + 1 < order.size() && alert.output_fields[order[i + 1]].name == f.name) continue;
      key(f.name);
      WriteFieldValue(w, f.value, &scratch);
    }
    w.EndObject();
  }
  key("priority");
  WriteString(w, PriorityName(alert.priority), &scratch);
  key("rule");
  WriteString(w, alert.rule, &scratch);
  key("source");
  WriteString(w, alert.source, &scratch);
  if (options.include_tags) {
    key("tags");
    std::vector<std::string_view> tags(alert.tags.begin(), alert.tags.end());
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    w.StartArray();
    for (std::string_view t : tags) WriteString(w, t, &scratch);
    w.EndArray();
  }
  key("time");
  WriteString(w, FormatTimeIso8601(alert.time_ns), &scratch);
  w.EndObject();
}

std::string RenderAlertJson(const Alert& alert, const AlertJsonOptions& options) {
  std::string out;
  AppendAlertJson(alert, options, &out);
  return out;
}

void FillAlertView(const Alert& alert, const std::string& json, std::vector<const char*>* tag_ptrs,
                   vigil_alert* view) {
  tag_ptrs->clear();
  for (const std::string& t : alert.tags) tag_ptrs->push_back(t.c_str());
  *view = vigil_alert{};
  view->time_ns = alert.time_ns;
  view->priority = static_cast<uint32_t>(alert.priority);
  view->rule = alert.rule.c_str();
  view->source = alert.source.c_str();
  view->hostname = alert.hostname.c_str();
  view->output = alert.output.c_str();
  view->tags = tag_ptrs->empty() ? nullptr : tag_ptrs->data();
  view->ntags = static_cast<uint32_t>(tag_ptrs->size());
  view->json = json.c_str();
  view->json_len = static_cast<uint32_t>(json.size());
}

}  // namespace vigil
