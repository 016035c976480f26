// A parsed, read-only view of a plugin's config, so a plugin reads keys instead of parsing JSON
// text. The host has validated the config against the plugin's schema before init, so a plugin
// reads required keys directly and gives optional ones their default:
//
//   explicit MyPlugin(const vigil::sdk::InitContext& ctx) {
//     vigil::sdk::ConfigView config(ctx.config_json());
//     path_ = config.String("path");                    // required by the schema
//     count_ = config.Uint64("count", 10);              // optional: 10 when absent
//     verbose_ = config.Bool("verbose", false);
//     tags_ = config.Strings("tags");                   // absent: empty
//     vigil::sdk::ConfigView tls = config.Object("tls"); // absent: an empty view
//     const rapidjson::Value& raw = config.json();      // anything else
//   }
//
// A key that is absent with no default, or of another type than asked (a schema that does not
// say what the code reads), throws std::runtime_error naming the key: thrown from the
// constructor, it fails init with that message. Header-only, C++17; needs RapidJSON.
#ifndef VIGIL_CONFIG_VIEW_HPP
#define VIGIL_CONFIG_VIEW_HPP

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace vigil::sdk {

class ConfigView {
 public:
  // Parses `json` ("" and "null" read as {}); throws when it is not a JSON object.
  explicit ConfigView(std::string_view json) : doc_(std::make_shared<rapidjson::Document>()) {
    if (json.empty()) json = "{}";
    doc_->Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc_->HasParseError()) throw std::runtime_error("config: not valid JSON");
    if (doc_->IsNull()) doc_->SetObject();
    if (!doc_->IsObject()) throw std::runtime_error("config: not a JSON object");
    value_ = doc_.get();
  }

  bool Has(std::string_view key) const { return Find(key) != nullptr; }

  std::string String(std::string_view key) const { return Get<std::string>(key, nullptr); }
  std::string String(std::string_view key, std::string fallback) const {
    return Get<std::string>(key, &fallback);
  }
  uint64_t Uint64(std::string_view key) const { return Get<uint64_t>(key, nullptr); }
  uint64_t Uint64(std::string_view key, uint64_t fallback) const {
    return Get<uint64_t>(key, &fallback);
  }
  int64_t Int64(std::string_view key) const { return Get<int64_t>(key, nullptr); }
  int64_t Int64(std::string_view key, int64_t fallback) const {
    return Get<int64_t>(key, &fallback);
  }
  double Double(std::string_view key) const { return Get<double>(key, nullptr); }
  double Double(std::string_view key, double fallback) const { return Get<double>(key, &fallback); }
  bool Bool(std::string_view key) const { return Get<bool>(key, nullptr); }
  bool Bool(std::string_view key, bool fallback) const { return Get<bool>(key, &fallback); }

  // A list of strings; empty when absent.
  std::vector<std::string> Strings(std::string_view key) const {
    std::vector<std::string> out;
    const rapidjson::Value* v = Find(key);
    if (v == nullptr) return out;
    if (!v->IsArray()) throw Mistyped(key, "a list of strings");
    for (const auto& item : v->GetArray()) {
      if (!item.IsString()) throw Mistyped(key, "a list of strings");
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return out;
  }

  // A nested object (its keys named "outer.inner" in errors); an empty view when absent.
  ConfigView Object(std::string_view key) const {
    const rapidjson::Value* v = Find(key);
    if (v != nullptr && !v->IsObject()) throw Mistyped(key, "an object");
    ConfigView child(*this);
    child.prefix_ = prefix_ + std::string(key) + ".";
    child.value_ = v != nullptr ? v : &Empty();
    return child;
  }

  // The object this view reads, for what the accessors do not cover.
  const rapidjson::Value& json() const { return *value_; }

 private:
  const rapidjson::Value* Find(std::string_view key) const {
    auto it = value_->FindMember(rapidjson::Value(
        rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
    if (it == value_->MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
  }

  std::runtime_error Mistyped(std::string_view key, const char* expected) const {
    return std::runtime_error("config: key " + prefix_ + std::string(key) + ": expected " +
                              expected + " (the plugin's schema should say so)");
  }

  template <class T>
  T Get(std::string_view key, const T* fallback) const {
    const rapidjson::Value* v = Find(key);
    if (v == nullptr) {
      if (fallback != nullptr) return *fallback;
      throw std::runtime_error("config: key " + prefix_ + std::string(key) +
                               ": required key missing (the plugin's schema should require it)");
    }
    if constexpr (std::is_same_v<T, std::string>) {
      if (!v->IsString()) throw Mistyped(key, "a string");
      return std::string(v->GetString(), v->GetStringLength());
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!v->IsBool()) throw Mistyped(key, "true or false");
      return v->GetBool();
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      if (!v->IsUint64()) throw Mistyped(key, "a non-negative integer");
      return v->GetUint64();
    } else if constexpr (std::is_same_v<T, int64_t>) {
      if (!v->IsInt64()) throw Mistyped(key, "an integer");
      return v->GetInt64();
    } else {
      if (!v->IsNumber()) throw Mistyped(key, "a number");
      return v->GetDouble();
    }
  }

  static const rapidjson::Value& Empty() {
    static const rapidjson::Value empty(rapidjson::kObjectType);
    return empty;
  }

  std::shared_ptr<rapidjson::Document> doc_;  // shared by nested views
  const rapidjson::Value* value_ = nullptr;
  std::string prefix_;
};

}  // namespace vigil::sdk

#endif  // VIGIL_CONFIG_VIEW_HPP
