#include "values.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace vigil::rules {

TypeClass ClassOf(FieldType type) {
  switch (type) {
    case FieldType::kString:
    case FieldType::kBytes:
      return TypeClass::kString;
    case FieldType::kInt64:
      return TypeClass::kSigned;
    case FieldType::kUint64:
    case FieldType::kRelTime:
    case FieldType::kAbsTime:
      return TypeClass::kUnsigned;
    case FieldType::kBool:
      return TypeClass::kBool;
    case FieldType::kIpAddr:
    case FieldType::kIpNet:
      return TypeClass::kIp;
  }
  return TypeClass::kString;
}

namespace {

IpAddr V4Mapped(const uint8_t* v4) {
  IpAddr a;
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  std::memcpy(a.bytes.data() + 12, v4, 4);
  return a;
}

IpAddr V6(const uint8_t* v6) {
  IpAddr a;
  a.v6 = true;
  std::memcpy(a.bytes.data(), v6, 16);
  return a;
}

}  // namespace

bool IpNet::Contains(const IpAddr& a) const {
  if (a.v6 != addr.v6) return false;
  uint32_t full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(addr.bytes.data(), a.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr.bytes[full] & mask) == (a.bytes[full] & mask);
}

std::optional<IpNet> ParseIpNet(std::string_view text, bool allow_prefix) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string_view host = text;
  std::optional<uint32_t> bits;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    if (!allow_prefix) return std::nullopt;
    host = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    uint32_t n = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (ec != std::errc() || end != p.data() + p.size() || p.empty()) return std::nullopt;
    bits = n;
  }
  std::string h(host);
  IpNet net;
  uint8_t buf[16];
  if (inet_pton(AF_INET, h.c_str(), buf) == 1) {
    if (bits && *bits > 32) return std::nullopt;
    net.addr = V4Mapped(buf);
    net.prefix = 96 + bits.value_or(32);
  } else if (inet_pton(AF_INET6, h.c_str(), buf) == 1) {
    if (bits && *bits > 128) return std::nullopt;
    net.addr = V6(buf);
    net.prefix = bits.value_or(128);
  } else {
    return std::nullopt;
  }
  return net;
}

std::optional<IpAddr> IpOfValue(const Value& v, FieldType type) {
  if (type == FieldType::kIpNet && v.bytes.empty()) return std::nullopt;
  size_t n = v.bytes.size() - (type == FieldType::kIpNet ? 1 : 0);
  const auto* p = reinterpret_cast<const uint8_t*>(v.bytes.data());
  if (n == 4) return V4Mapped(p);
  if (n == 16) return V6(p);
  return std::nullopt;
}

std::optional<Constant> ParseConstant(FieldType type, std::string_view text, std::string* error) {
  Constant c;
  switch (ClassOf(type)) {
    case TypeClass::kString:
      c.text = std::string(text);
      return c;
    case TypeClass::kUnsigned: {
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), c.num);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return c;
      *error = ec == std::errc::result_out_of_range ? "is out of range for an unsigned number"
                                                    : "is not an unsigned number";
      return std::nullopt;
    }
    case TypeClass::kSigned: {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
        c.num = static_cast<uint64_t>(n);
        return c;
      }
      *error = ec == std::errc::result_out_of_range ? "is out of range for a signed number"
                                                    : "is not a number";
      return std::nullopt;
    }
    case TypeClass::kBool:
      if (text == "true") {
        c.num = 1;
        return c;
      }
      if (text == "false") return c;
      *error = "is not a bool (true or false)";
      return std::nullopt;
    case TypeClass::kIp:
      // An ipnet field (fd.snet) compares with networks; an ipaddr field with addresses.
      if (auto net = ParseIpNet(text, type == FieldType::kIpNet)) {
        c.net = *net;
        c.text = std::string(text);
        return c;
      }
      *error = type == FieldType::kIpNet ? "is not an IP network (CIDR) or address"
                                         : "is not an IP address";
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> DecodeHex(std::string_view text) {
  std::string out;
  int hi = -1;
  for (char ch : text) {
    if (ch == ' ') continue;
    int d = (ch >= '0' && ch <= '9')   ? ch - '0'
            : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
            : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10
                                       : -1;
    if (d < 0) return std::nullopt;
    if (hi < 0) {
      hi = d;
    } else {
      out.push_back(static_cast<char>(hi * 16 + d));
      hi = -1;
    }
  }
  if (hi >= 0 || out.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  auto digit = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    int d = digit(ch);
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

namespace {
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
}  // namespace

namespace {

// Matches the bracket expression starting at pattern[*i] ('[') against `c`; advances *i past it.
// A '[' without its ']' is an ordinary character, as in fnmatch.
bool MatchClass(std::string_view p, size_t* i, char c, bool icase, bool* ok) {
  size_t j = *i + 1;
  bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
  if (negate) ++j;
  bool matched = false;
  bool first = true;
  while (j < p.size() && (p[j] != ']' || first)) {
    first = false;
    char lo = p[j];
    if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
    char hi = lo;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      hi = p[j + 2];
      if (hi == '\\' && j + 3 < p.size()) hi = p[++j + 2];
      j += 2;
    }
    auto in = [&](char x) { return x >= lo && x <= hi; };
    if (in(c) || (icase && (in(Lower(c)) || in(Upper(c))))) matched = true;
    ++j;
  }
  if (j >= p.size()) {  // no closing ']': a literal '['
    *ok = false;
    return false;
  }
  *ok = true;
  *i = j + 1;
  return matched != negate;
}

// One pattern element at pattern[*i] against `c` (not '*'); advances *i.
bool MatchOne(std::string_view p, size_t* i, char c, bool icase) {
  char pc = p[*i];
  if (pc == '?') {
    ++*i;
    return true;
  }
  if (pc == '[') {
    bool ok = false;
    size_t j = *i;
    bool m = MatchClass(p, &j, c, icase, &ok);
    if (ok) {
      *i = j;
      return m;
    }
  }
  if (pc == '\\' && *i + 1 < p.size()) pc = p[++*i];
  ++*i;
  return icase ? Lower(pc) == Lower(c) : pc == c;
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view v, bool icase) {
  // Greedy with one backtrack point (the last '*'): a later '*' makes earlier choices final.
  size_t pi = 0, vi = 0;
  size_t star_p = std::string_view::npos, star_v = 0;
  while (vi < v.size()) {
    if (pi < p.size() && p[pi] == '*') {
      while (pi < p.size() && p[pi] == '*') ++pi;
      star_p = pi;
      star_v = vi;
      continue;
    }
    size_t next = pi;
    if (pi < p.size() && MatchOne(p, &next, v[vi], icase)) {
      pi = next;
      ++vi;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    vi = ++star_v;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool IContains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && Lower(hay[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Upper(c);
  return out;
}

namespace {
// "/a//b/" -> "/a/b": components joined by single slashes, a leading slash kept.
std::string NormalisePath(std::string_view p) {
  std::string out;
  if (!p.empty() && p[0] == '/') out.push_back('/');
  size_t i = 0;
  while (i < p.size()) {
    while (i < p.size() && p[i] == '/') ++i;
    size_t start = i;
    while (i < p.size() && p[i] != '/') ++i;
    if (i > start) {
      if (!out.empty() && out.back() != '/') out.push_back('/');
      out.append(p.substr(start, i - start));
    }
  }
  return out;
}
}  // namespace

void PathPrefixSet::Add(std::string_view prefix) { prefixes_.insert(NormalisePath(prefix)); }

bool PathPrefixSet::Match(std::string_view path) const {
  if (prefixes_.empty()) return false;
  std::string norm = NormalisePath(path);
  // Every component boundary is a candidate prefix: "/", "/etc", "/etc/passwd".
  if (!norm.empty() && norm[0] == '/' && prefixes_.count(std::string_view("/"))) return true;
  for (size_t i = 1; i <= norm.size(); ++i) {
    if (i == norm.size() || norm[i] == '/') {
      if (prefixes_.find(std::string_view(norm).substr(0, i)) != prefixes_.end()) return true;
    }
  }
  return false;
}

void AppendRendered(const Value& v, FieldType type, std::string* out) {
  switch (type) {
    case FieldType::kString:
    case FieldType::kBytes:
      out->append(v.bytes);
      return;
    case FieldType::kUint64:
    case FieldType::kRelTime:
    case FieldType::kAbsTime:
      out->append(std::to_string(v.num));
      return;
    case FieldType::kInt64:
      out->append(std::to_string(static_cast<int64_t>(v.num)));
      return;
    case FieldType::kBool:
      out->append(v.num ? "true" : "false");
      return;
    case FieldType::kIpAddr:
    case FieldType::kIpNet: {
      size_t n = v.bytes.size() - (type == FieldType::kIpNet ? 1 : 0);
      char buf[INET6_ADDRSTRLEN] = "<NA>";
      if (type == FieldType::kIpNet && v.bytes.empty()) n = 0;
      if (n == 4) inet_ntop(AF_INET, v.bytes.data(), buf, sizeof buf);
      if (n == 16) inet_ntop(AF_INET6, v.bytes.data(), buf, sizeof buf);
      out->append(buf);
      if (type == FieldType::kIpNet && (n == 4 || n == 16)) {
        out->push_back('/');
        out->append(std::to_string(static_cast<uint8_t>(v.bytes[n])));
      }
      return;
    }
  }
}

router::AlertFieldItem ToAlertItem(const Value& v, FieldType type) {
  switch (type) {
    case FieldType::kUint64:
    case FieldType::kRelTime:
    case FieldType::kAbsTime:
      return v.num;
    case FieldType::kInt64:
      return static_cast<int64_t>(v.num);
    case FieldType::kBool:
      return v.num != 0;
    default: {
      std::string s;
      AppendRendered(v, type, &s);
      return s;
    }
  }
}

router::AlertFieldValue ToAlertValue(const Value& v, FieldType type) {
  return std::visit([](auto&& x) -> router::AlertFieldValue { return x; }, ToAlertItem(v, type));
}

}  // namespace vigil::rules
