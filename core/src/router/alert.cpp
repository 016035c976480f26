#include "vigil/core/alert.hpp"

#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vigil::router {
namespace {

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

void WriteString(JsonWriter& w, std::string_view s, std::string* scratch) {
  scratch->clear();
  alert_format::AppendJsonString(s, scratch);
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

}  // namespace

void AppendAlertJson(const Alert& alert, const AlertJsonOptions& options, std::string* out) {
  alert_format::AlertHeader header{alert.time_ns, static_cast<uint32_t>(alert.priority),
                                   alert.rule,    alert.source,
                                   alert.hostname, alert.output,
                                   {alert.tags.begin(), alert.tags.end()}};
  alert_format::AppendFalcoJson(header, options, [&](std::string* fields_out) {
    StringSink sink(fields_out);
    JsonWriter w(sink);
    std::string scratch;
    // Sorted by name, as Falco's map prints them; of equal names the last given wins.
    std::vector<size_t> order(alert.output_fields.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return alert.output_fields[a].name < alert.output_fields[b].name;
    });
    w.StartObject();
    for (size_t i = 0; i < order.size(); ++i) {
      const AlertField& f = alert.output_fields[order[i]];
      if (i + 1 < order.size() && alert.output_fields[order[i + 1]].name == f.name) continue;
      WriteString(w, f.name, &scratch);
      WriteFieldValue(w, f.value, &scratch);
    }
    w.EndObject();
  }, out);
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

}  // namespace vigil::router
