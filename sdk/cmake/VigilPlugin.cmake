# vigil_add_plugin(NAME name SOURCES src... [LIBS lib...])
#
# Builds plugin `name` as lib<name>.so: a MODULE library (loaded with dlopen, never linked),
# compiled with hidden visibility and linked with a version script so that only the entry symbol
# (vigil_plugin_entry, which the VIGIL_PLUGIN macro defines) is exported, and linked with
# --no-undefined so a missing symbol fails the build rather than the load. The target is
# vigil_plugin_<name>.
#
# In the vigil tree the library lands in ${VIGIL_PLUGIN_OUTPUT_DIR} and takes vigil's warning flags
# (vigil::compile_options). Out of tree, after find_package(VigilSDK), it lands in the usual
# output directory (or ${VIGIL_PLUGIN_OUTPUT_DIR} if the project sets it).
function(vigil_add_plugin)
  cmake_parse_arguments(P "" "NAME" "SOURCES;LIBS" ${ARGN})
  if(P_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vigil_add_plugin: unknown arguments: ${P_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT P_NAME OR NOT P_SOURCES)
    message(FATAL_ERROR "vigil_add_plugin: NAME and SOURCES are required")
  endif()
  if(NOT P_NAME MATCHES "^[a-z0-9_]+$")
    message(FATAL_ERROR "vigil_add_plugin: NAME '${P_NAME}' must match [a-z0-9_]+ (the ABI's rule)")
  endif()
  if(NOT TARGET vigil::sdk)
    message(FATAL_ERROR "vigil_add_plugin: no target vigil::sdk; call find_package(VigilSDK)")
  endif()

  set(target vigil_plugin_${P_NAME})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE vigil::sdk ${P_LIBS})
  if(TARGET vigil::compile_options)
    target_link_libraries(${target} PRIVATE vigil::compile_options)
  endif()
  target_compile_features(${target} PRIVATE cxx_std_17)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib" OUTPUT_NAME ${P_NAME}
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
  # Hidden visibility does not cover template instances from the standard library (namespace std
  # has default visibility), so a version script makes the entry the only exported symbol.
  set(version_script ${CMAKE_CURRENT_BINARY_DIR}/${target}.map)
  file(CONFIGURE OUTPUT ${version_script} CONTENT "{ global: vigil_plugin_entry; local: *; };\n")
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${target} PRIVATE LINKER:--version-script=${version_script})
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${version_script})
  endif()
  # Undefined symbols would only show at dlopen time; with sanitizers the runtime provides symbols
  # from the host executable, so the check is skipped there.
  if(NOT VIGIL_SANITIZE AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${target} PRIVATE LINKER:--no-undefined)
  endif()
  if(VIGIL_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${VIGIL_PLUGIN_OUTPUT_DIR})
  endif()
  # Where `cmake --install` puts it: ${VIGIL_PLUGIN_INSTALL_DIR} when the project sets it (vigil's
  # own tree does; its test plugins clear it), else ${CMAKE_INSTALL_LIBDIR}/vigil/plugins.
  if(DEFINED VIGIL_PLUGIN_INSTALL_DIR)
    set(destination "${VIGIL_PLUGIN_INSTALL_DIR}")
  else()
    include(GNUInstallDirs)
    set(destination "${CMAKE_INSTALL_LIBDIR}/vigil/plugins")
  endif()
  if(destination)
    install(TARGETS ${target} LIBRARY DESTINATION ${destination} COMPONENT plugins)
  endif()
endfunction()

# vigil_add_plugin_test(NAME name SOURCES test.cpp... PLUGIN plugin [LIBS lib...] [LABELS l...])
#
# One line for a plugin's unit test against the fake host: a GoogleTest executable (GTest found if
# the project has not), registered with CTest test by test, built after lib<plugin>.so, which it
# knows as VIGIL_PLUGIN_PATH:
#   vigil::testing::FakeHost host(VIGIL_PLUGIN_PATH);   // the real shared object, dlopened
# Call enable_testing() first.
function(vigil_add_plugin_test)
  cmake_parse_arguments(T "" "NAME;PLUGIN" "SOURCES;LIBS;LABELS" ${ARGN})
  if(T_UNPARSED_ARGUMENTS OR NOT T_NAME OR NOT T_SOURCES OR NOT T_PLUGIN)
    message(FATAL_ERROR "vigil_add_plugin_test: NAME, SOURCES and PLUGIN are required "
                        "(unknown: ${T_UNPARSED_ARGUMENTS})")
  endif()
  if(NOT TARGET vigil_plugin_${T_PLUGIN})
    message(FATAL_ERROR "vigil_add_plugin_test: no plugin '${T_PLUGIN}'; "
                        "call vigil_add_plugin(NAME ${T_PLUGIN} ...) first")
  endif()
  if(NOT TARGET GTest::gtest_main)
    find_package(GTest REQUIRED)
  endif()
  include(GoogleTest)
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE vigil::sdk_testing ${T_LIBS} GTest::gtest
                        GTest::gtest_main GTest::gmock)
  target_compile_features(${T_NAME} PRIVATE cxx_std_17)
  target_compile_definitions(${T_NAME} PRIVATE
    VIGIL_PLUGIN_PATH="$<TARGET_FILE:vigil_plugin_${T_PLUGIN}>")
  add_dependencies(${T_NAME} vigil_plugin_${T_PLUGIN})
  # In vigil's own tree: its warnings and sanitizer set-up, as for every test there.
  if(COMMAND vigil_test_setup)
    vigil_test_setup(${T_NAME})
  endif()
  gtest_discover_tests(${T_NAME} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
