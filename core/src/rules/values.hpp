// Typed values for the rule engine: constants parsed by field type, and their Falco renderings.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "vigil/core/alert.hpp"
#include "vigil/core/fields.hpp"

namespace vigil::rules {

using fields::FieldType;
using fields::Value;

// How values of a type compare.
enum class TypeClass : uint8_t { kString, kSigned, kUnsigned, kBool, kIp };
TypeClass ClassOf(FieldType type);

// An address in 16 bytes (IPv4 as ::ffff:a.b.c.d) with its family: IPv4 and IPv6 never compare
// equal, as in Falco.
struct IpAddr {
  std::array<uint8_t, 16> bytes{};
  bool v6 = false;
};
// An IP network: an address and a prefix length in bits of its 16 bytes (IPv4: 96 + n). A plain
// address is a /128.
struct IpNet {
  IpAddr addr;
  uint32_t prefix = 128;
  bool Contains(const IpAddr& a) const;
};
// "10.0.0.1", "::1", and with `allow_prefix` "10.0.0.0/8", "fe80::/10"; nullopt otherwise.
std::optional<IpNet> ParseIpNet(std::string_view text, bool allow_prefix);
// The address of an extracted ipaddr/ipnet value (4 or 16 address bytes, for ipnet followed by
// one prefix byte); nullopt for a malformed value.
std::optional<IpAddr> IpOfValue(const Value& v, FieldType type);

// A constant from a rule, parsed for a field of `type`. The string-like types keep `text`.
struct Constant {
  std::string text;
  uint64_t num = 0;
  IpNet net;
};
// Parses `text` as a constant of `type`; on failure says why in `*error`.
std::optional<Constant> ParseConstant(FieldType type, std::string_view text, std::string* error);

// Hex text ("48656c6c6f", spaces allowed between bytes) to bytes, for bcontains/bstartswith.
std::optional<std::string> DecodeHex(std::string_view text);
// Standard base64 (with or without padding); nullopt when it is not base64.
std::optional<std::string> DecodeBase64(std::string_view text);

// fnmatch-style glob (`*`, `?`, `[a-z]`, `[!x]`, `\` escapes; `*` also matches '/'), in
// O(pattern × value) time whatever the pattern: glibc's fnmatch backtracks exponentially on
// patterns like `*a*a*a*b`, and patterns come from rules files.
bool GlobMatch(std::string_view pattern, std::string_view value, bool icase);

// Case-insensitive (ASCII) substring search, without allocating.
bool IContains(std::string_view haystack, std::string_view lowered_needle);
std::string AsciiLower(std::string_view s);
std::string AsciiUpper(std::string_view s);

// Transparent hashing so string sets are searched by string_view without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// Falco's pmatch: a path matches when one of the prefixes is the path itself or one of its
// parent directories, compared component by component ("/etc" matches "/etc" and "/etc/passwd",
// not "/etcd").
class PathPrefixSet {
 public:
  void Add(std::string_view prefix);
  bool Match(std::string_view path) const;
  bool empty() const { return prefixes_.empty(); }

 private:
  StringSet prefixes_;  // normalised: no trailing '/', no empty components
};

// A value as Falco prints it in an output: strings as they are, numbers in decimal, bools as
// true/false, addresses as text, networks as CIDR, bytes as they are.
void AppendRendered(const Value& v, FieldType type, std::string* out);
// A value as Falco puts it in output_fields (numbers stay numbers), and one item of a list field.
router::AlertFieldValue ToAlertValue(const Value& v, FieldType type);
router::AlertFieldItem ToAlertItem(const Value& v, FieldType type);

}  // namespace vigil::rules
