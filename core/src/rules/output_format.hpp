// A rule's output: text with `%field` and `%field[arg]` references, rendered per alert as Falco
// does (`<NA>` for a field without a value, lists as `(a,b)`, %evt.time as local time of day).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eval.hpp"
#include "vigil/core/alert.hpp"

namespace vigil::rules {

class OutputFormat {
 public:
  // Binds a field as written; null (with *error set) when it is not a field.
  using BindFn =
      std::function<FieldSlot*(std::string_view text, std::string* error, fields::BindError* why)>;
  struct Problem {
    std::string code;  // "unknown-field", "bad-field-argument", "bad-output"
    size_t offset;
    std::string token;
    std::string message;
  };
  // Parses `text`; every reference that does not bind is reported in `problems`.
  static OutputFormat Parse(std::string_view text, const BindFn& bind,
                            std::vector<Problem>* problems);

  // Falco's append_output: `extra_output` after the message (with a space), `extra_fields` in
  // output_fields only, `static_fields` (name, value) as fixed text in output_fields.
  void Append(std::string_view extra_output, const std::vector<std::string>& extra_fields,
              const std::vector<std::pair<std::string, std::string>>& static_fields,
              const BindFn& bind, std::vector<Problem>* problems);

  // The message, and output_fields (each referenced field once, by the text written).
  void Render(const EvalState& s, std::string* message,
              std::vector<router::AlertField>* fields) const;

 private:
  struct Piece {
    std::string literal;  // text before the field
    FieldSlot* slot = nullptr;
    std::string field_text;  // as written, the output_fields key
    bool in_message = true;  // false: only in output_fields (append_output's extra_fields)
    bool is_static = false;  // a fixed value (`literal`) under `field_text`, output_fields only
  };
  std::vector<Piece> pieces_;
};

}  // namespace vigil::rules
