// Parses one Falco condition (a rule's, a macro's) into a syntax tree.
//
//   condition := or
//   or        := and ('or' and)*
//   and       := not ('and' not)*
//   not       := 'not' not | primary
//   primary   := '(' condition ')' | macro-name | check
//   check     := operand 'exists' | operand op value | operand list-op list
//                | operand op 'val' '(' field ')' | operand op transformer '(' operand ')'
//   operand   := field | transformer '(' operand ')'
//   list      := '(' [item (',' item)*] ')'     item := value | list   (nested lists flatten)
//   value     := bare word | '...' | "..."      (backslash escapes in quoted strings)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "condition_ast.hpp"
#include "vigil/core/status.hpp"

namespace vigil::rules {

struct ParseError {
  std::string code;  // "syntax" or "unbalanced-parenthesis"
  std::string message;
  std::string token;
  uint32_t pos = 0;  // byte offset in the condition
};

struct ParseResult {
  ast::ExprPtr expr;  // null on error
  ParseError error;
};

// Nesting deeper than this is refused (the input is untrusted; recursion is bounded).
inline constexpr int kMaxConditionDepth = 200;

ParseResult ParseCondition(std::string_view text);

// True when `word` is a valid macro/list name (identifier without dots).
bool IsIdentifier(std::string_view word);

}  // namespace vigil::rules
