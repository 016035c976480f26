# Warning and sanitizer flags shared by every vigil target (in-tree plugins included).
add_library(vigil_compile_options INTERFACE)
add_library(vigil::compile_options ALIAS vigil_compile_options)
target_compile_options(vigil_compile_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers
  $<$<BOOL:${VIGIL_WERROR}>:-Werror>)
if(VIGIL_SANITIZE)
  target_compile_options(vigil_compile_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(vigil_compile_options INTERFACE -fsanitize=address,undefined)
endif()
