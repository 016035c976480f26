# vigil_add_plugin(NAME name SOURCES src... [LIBS lib...])
# Builds plugin `name` as lib<name>.so with only the entry symbol exported.
function(vigil_add_plugin)
  cmake_parse_arguments(P "" "NAME" "SOURCES;LIBS" ${ARGN})
  set(target vigil_plugin_${P_NAME})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE vigil::sdk ${P_LIBS})
  if(TARGET vigil::compile_options)
    target_link_libraries(${target} PRIVATE vigil::compile_options)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib" OUTPUT_NAME ${P_NAME}
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(VIGIL_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${VIGIL_PLUGIN_OUTPUT_DIR})
  endif()
endfunction()
