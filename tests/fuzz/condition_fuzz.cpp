// Fuzzes the condition parser on raw text: any bytes must parse or give a positioned error,
// within bounded recursion.
#include <cstdint>
#include <string_view>

#include "condition_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::rules::ParseResult r = vigil::rules::ParseCondition(text);
  if (!r.expr && r.error.pos > size) __builtin_trap();  // an error must point inside the text
  return 0;
}
