#include "output_format.hpp"

namespace vigil::rules {
namespace {

bool IsFieldChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

// A field's values as the message shows them.
void AppendText(std::span<const Value> values, const fields::FieldInfo& info, std::string* out) {
  if (info.name == "evt.time") {
    // Falco prints %evt.time as a time of day.
    out->append(alert_format::FormatTimeOfDay(values[0].num));
  } else if (info.is_list) {
    out->push_back('(');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out->push_back(',');
      AppendRendered(values[i], info.type, out);
    }
    out->push_back(')');
  } else {
    AppendRendered(values[0], info.type, out);
  }
}

}  // namespace

OutputFormat OutputFormat::Parse(std::string_view text, const BindFn& bind,
                                 std::vector<Problem>* problems) {
  OutputFormat f;
  Piece cur;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '%') {
      cur.literal.push_back(c);
      ++i;
      continue;
    }
    size_t start = i + 1, end = start;
    while (end < text.size() && IsFieldChar(text[end])) ++end;
    if (end < text.size() && text[end] == '[' && end > start) {
      size_t close = text.find(']', end);
      if (close == std::string_view::npos) {
        problems->push_back({"bad-output", start, std::string(text.substr(start)),
                             "the '[' of a field argument is never closed"});
        cur.literal.append(text.substr(i));
        break;
      }
      end = close + 1;
    }
    if (end == start) {  // a lone '%' is text
      cur.literal.push_back('%');
      ++i;
      continue;
    }
    // "%fd.name." ends a sentence: the longest reference that is a field wins, as in Falco.
    std::string_view token = text.substr(start, end - start);
    std::string error;
    fields::BindError why = fields::BindError::kNone, first_why = fields::BindError::kNone;
    FieldSlot* slot = nullptr;
    std::string_view bound = token;
    while (true) {
      std::string e;
      slot = bind(bound, &e, &why);
      if (error.empty()) {
        error = e;
        first_why = why;
      }
      if (slot || bound.empty() || bound.back() != '.') break;
      bound.remove_suffix(1);
    }
    if (!slot) {
      problems->push_back(
          {first_why == fields::BindError::kUnknownField ? "unknown-field" : "bad-field-argument",
           start, std::string(token), error});
      cur.literal.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    cur.slot = slot;
    cur.field_text = std::string(bound);
    f.pieces_.push_back(std::move(cur));
    cur = Piece{};
    i = start + bound.size();
  }
  if (!cur.literal.empty()) f.pieces_.push_back(std::move(cur));
  return f;
}

void OutputFormat::Append(std::string_view extra_output,
                          const std::vector<std::string>& extra_fields,
                          const std::vector<std::pair<std::string, std::string>>& static_fields,
                          const BindFn& bind, std::vector<Problem>* problems) {
  if (!extra_output.empty()) {
    OutputFormat extra = Parse(extra_output, bind, problems);
    pieces_.push_back(Piece{" "});
    for (Piece& p : extra.pieces_) pieces_.push_back(std::move(p));
  }
  for (const std::string& name : extra_fields) {
    std::string error;
    fields::BindError why = fields::BindError::kNone;
    if (FieldSlot* slot = bind(name, &error, &why)) {
      pieces_.push_back(Piece{"", slot, name, false});
    } else {
      problems->push_back(
          {why == fields::BindError::kUnknownField ? "unknown-field" : "bad-field-argument", 0,
           name, error});
    }
  }
  for (const auto& [name, value] : static_fields) {
    pieces_.push_back(Piece{value, nullptr, name, false, true});
  }
}

void OutputFormat::Render(const EvalState& s, std::string* message,
                          std::vector<router::AlertField>* fields) const {
  message->clear();
  fields->clear();
  for (const Piece& p : pieces_) {
    if (p.is_static) {
      fields->push_back({p.field_text, p.literal});
      continue;
    }
    if (p.in_message) message->append(p.literal);
    if (!p.slot) continue;
    std::span<const Value> values = p.slot->Get(s);
    const fields::FieldInfo& info = p.slot->info();
    bool seen = false;
    for (const router::AlertField& f : *fields) seen = seen || f.name == p.field_text;
    if (values.empty()) {
      if (p.in_message) message->append("<NA>");
      if (!seen) fields->push_back({p.field_text, std::monostate{}});
      continue;
    }
    if (p.in_message) AppendText(values, info, message);
    if (seen) continue;
    if (info.is_list) {
      std::vector<router::AlertFieldItem> items;
      for (const Value& v : values) items.push_back(ToAlertItem(v, info.type));
      fields->push_back({p.field_text, std::move(items)});
    } else {
      fields->push_back({p.field_text, ToAlertValue(values[0], info.type)});
    }
  }
}

}  // namespace vigil::rules
