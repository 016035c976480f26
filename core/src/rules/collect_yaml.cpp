#include "collect_yaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <sstream>

#include "vigil/core/edit_distance.hpp"

namespace vigil::rules::internal {
namespace {

// Thrown out of yaml-cpp's parser by NodeCounter; never escapes ParseYaml.
struct TooManyNodes {
  enum class Why { kTooMany, kRecursiveAlias, kNoProgress };
  YAML::Mark mark;  // the node that crossed the limit
  Why why;
};

// Counts the nodes of a parse without building them, aliases expanded: each anchor's expanded
// size is known when its node ends, so an alias adds that size. An alias of a node still being
// parsed (`&a [*a]`) would make the tree infinite, and counts as too many.
//
// yaml-cpp 0.7 loops forever on some malformed input (a document starting with ','), emitting
// events without consuming text; every event of a real parse consumes some text, so more events
// than a few per byte means that loop.
class NodeCounter : public YAML::EventHandler {
 public:
  NodeCounter(uint64_t limit, uint64_t max_events) : limit_(limit), max_events_(max_events) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { Leaf(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchor_sizes_.size() || anchor_sizes_[anchor] == 0) {
      throw TooManyNodes{mark, TooManyNodes::Why::kRecursiveAlias};
    }
    Add(mark, anchor_sizes_[anchor]);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    Leaf(mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    uint64_t size;  // expanded, so far
  };
  // Adds `n` nodes to the innermost open collection and to the file's total.
  void Add(const YAML::Mark& mark, uint64_t n) {
    if (++events_ > max_events_) throw TooManyNodes{mark, TooManyNodes::Why::kNoProgress};
    total_ += n;
    if (total_ > limit_) throw TooManyNodes{mark, TooManyNodes::Why::kTooMany};
    if (!open_.empty()) open_.back().size += n;
  }
  void SetAnchorSize(YAML::anchor_t anchor, uint64_t size) {
    if (anchor == YAML::NullAnchor) return;
    if (anchor >= anchor_sizes_.size()) anchor_sizes_.resize(anchor + 1, 0);
    anchor_sizes_[anchor] = size;
  }
  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    SetAnchorSize(anchor, 1);
    Add(mark, 1);
  }
  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    SetAnchorSize(anchor, 0);  // in progress
    Add(mark, 1);
    open_.push_back({anchor, 1});
  }
  void Close() {
    if (open_.empty()) return;
    const Frame done = open_.back();
    open_.pop_back();
    SetAnchorSize(done.anchor, done.size);
    // The parent already counted this node; it still lacks the children.
    if (!open_.empty()) open_.back().size += done.size - 1;
  }

  uint64_t limit_;
  uint64_t max_events_;
  uint64_t events_ = 0;
  uint64_t total_ = 0;
  std::vector<Frame> open_;
  std::vector<uint64_t> anchor_sizes_;  // by anchor id; 0 = not known yet
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t Utf8Length(uint32_t code_point) {
  if (code_point < 0x80) return 1;
  if (code_point < 0x800) return 2;
  if (code_point < 0x10000) return 3;
  return 4;
}

// Walks the source text of one scalar, keeping the 1-based line and column of the cursor.
class SourceCursor {
 public:
  SourceCursor(std::string_view src, size_t pos, Located at) : src_(src), pos_(pos), at_(at) {}

  bool AtEnd() const { return pos_ >= src_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  const Located& Here() const { return at_; }
  void Advance(size_t n = 1) {
    for (; n > 0 && !AtEnd(); --n, ++pos_) {
      if (src_[pos_] == '\n') {
        ++at_.line;
        at_.column = 1;
      } else {
        ++at_.column;
      }
    }
  }
  // Past the rest of the line and its line break.
  void SkipLine() {
    while (!AtEnd() && Peek() != '\n') Advance();
    Advance();
  }

 private:
  std::string_view src_;
  size_t pos_;
  Located at_;
};

// Steps over one escape of a double-quoted scalar (the cursor is on its backslash) and returns
// how many value bytes it produced.
size_t SkipEscape(SourceCursor& cur) {
  const char kind = cur.Peek(1);
  size_t hex_digits = 0;
  switch (kind) {
    case '\r':
      cur.Advance(cur.Peek(2) == '\n' ? 3 : 2);  // escaped line break: nothing
      return 0;
    case '\n':
      cur.Advance(2);
      return 0;
    case 'x':
      hex_digits = 2;
      break;
    case 'u':
      hex_digits = 4;
      break;
    case 'U':
      hex_digits = 8;
      break;
    case 'N':  // U+0085
    case '_':  // U+00A0
      cur.Advance(2);
      return 2;
    case 'L':  // U+2028
    case 'P':  // U+2029
      cur.Advance(2);
      return 3;
    default:
      cur.Advance(2);
      return 1;
  }
  uint32_t code_point = 0;
  for (size_t i = 0; i < hex_digits; ++i) {
    const char c = cur.Peek(2 + i);
    const int digit = (c >= '0' && c <= '9')   ? c - '0'
                      : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                               : 0;
    code_point = (code_point << 4) | static_cast<uint32_t>(digit);
  }
  cur.Advance(2 + hex_digits);
  return Utf8Length(code_point);
}

enum class ScalarStyle { kPlain, kSingleQuoted, kDoubleQuoted, kBlock };

// Matches the value's bytes to the source in order. Only whitespace (indentation, folded line
// breaks), quote doubling and escapes may lie between matched bytes; anything else means the two
// are out of step, and the rest keeps the scalar's own position.
void MatchValue(SourceCursor& cur, ScalarStyle style, LocatedText& out) {
  const std::string& value = out.text;
  size_t i = 0;
  while (i < value.size() && !cur.AtEnd()) {
    const char want = value[i];
    const char have = cur.Peek();
    if (style == ScalarStyle::kDoubleQuoted && have == '\\') {
      const Located at = cur.Here();
      for (size_t n = SkipEscape(cur); n > 0 && i < value.size(); --n) out.where[i++] = at;
    } else if (style == ScalarStyle::kSingleQuoted && want == '\'' && have == '\'') {
      out.where[i++] = cur.Here();
      cur.Advance(cur.Peek(1) == '\'' ? 2 : 1);
    } else if (IsSpace(want) ? IsSpace(have) : want == have) {
      out.where[i++] = cur.Here();
      cur.Advance();
    } else if (IsSpace(have)) {
      cur.Advance();
    } else {
      return;
    }
  }
}

}  // namespace

YamlParse ParseYaml(const std::string& content, size_t max_nodes) {
  YamlParse out;
  try {
    std::istringstream in(content);
    YAML::Parser parser(in);
    NodeCounter counter(max_nodes, 8 * uint64_t{content.size()} + 64);
    while (parser.HandleNextDocument(counter)) {
    }
    out.documents = YAML::LoadAll(content);
  } catch (const TooManyNodes& e) {
    switch (e.why) {
      case TooManyNodes::Why::kTooMany:
        out.outcome = YamlParse::Outcome::kTooLarge;
        break;
      case TooManyNodes::Why::kRecursiveAlias:
        out.outcome = YamlParse::Outcome::kRecursiveAlias;
        break;
      case TooManyNodes::Why::kNoProgress:
        out.outcome = YamlParse::Outcome::kSyntaxError;
        out.message = "malformed YAML (the parser does not progress)";
        break;
    }
    out.mark = e.mark;
  } catch (const YAML::Exception& e) {
    out.outcome = YamlParse::Outcome::kSyntaxError;
    out.message = e.msg;
    out.mark = e.mark;
  } catch (const std::exception& e) {
    out.outcome = YamlParse::Outcome::kSyntaxError;
    out.message = e.what();
  }
  if (out.outcome != YamlParse::Outcome::kOk) out.documents.clear();
  return out;
}

Located ToLocated(const YAML::Mark& mark, uint32_t file, const Located& fallback) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return fallback;
  return Located{file, static_cast<uint32_t>(mark.line) + 1,
                 static_cast<uint32_t>(mark.column) + 1};
}

LocatedText LocateScalar(std::string_view source, const YAML::Node& node, uint32_t file) {
  LocatedText out;
  out.text = node.Scalar();
  const YAML::Mark mark = node.Mark();
  out.start = ToLocated(mark, file, Located{file, 0, 0});
  out.where.assign(out.text.size(), out.start);
  if (mark.is_null() || mark.pos < 0 || out.start.line == 0) return out;
  // yaml-cpp counts positions after a UTF-8 byte order mark.
  const size_t bom = source.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  SourceCursor cur(source, static_cast<size_t>(mark.pos) + bom, out.start);
  // The mark is on the node's tag or anchor when it has one.
  while (cur.Peek() == '!' || cur.Peek() == '&') {
    while (!cur.AtEnd() && !IsSpace(cur.Peek())) cur.Advance();
    while (!cur.AtEnd() && IsSpace(cur.Peek())) cur.Advance();
  }
  ScalarStyle style = ScalarStyle::kPlain;
  switch (cur.Peek()) {
    case '"':
      style = ScalarStyle::kDoubleQuoted;
      cur.Advance();
      break;
    case '\'':
      style = ScalarStyle::kSingleQuoted;
      cur.Advance();
      break;
    case '|':
    case '>':
      style = ScalarStyle::kBlock;
      cur.SkipLine();  // the header: indicators and perhaps a comment
      break;
    default:
      break;
  }
  MatchValue(cur, style, out);
  return out;
}

std::optional<bool> DecodeBool(const YAML::Node& node) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) return std::nullopt;
  return value;
}

std::string Semver::ToString() const { return fmt::format("{}.{}.{}", major, minor, patch); }

std::optional<Semver> ParseSemver(std::string_view text) {
  Semver v;
  uint64_t* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (size_t i = 0; i < 3; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    auto [next, ec] = std::from_chars(p, end, *parts[i]);
    if (ec != std::errc() || next == p) return std::nullopt;
    p = next;
  }
  if (p != end && *p != '-' && *p != '+') return std::nullopt;
  return v;
}

bool IsCompatible(const Semver& have, const Semver& required) {
  return have.major == required.major && have >= required;
}


std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  // Keys are short; a typo is a third of the word at most, and long input is no typo.
  if (word.empty() || word.size() > 64) return "";
  std::string_view best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (std::string_view c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  const size_t allowed = std::max<size_t>(1, std::max(word.size(), best.size()) / 3);
  if (best.empty() || best_distance > allowed) return "";
  return fmt::format(" (did you mean '{}'?)", best);
}

}  // namespace vigil::rules::internal
