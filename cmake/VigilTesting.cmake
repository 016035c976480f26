# vigil_test_setup(target): what every test executable of this tree gets (vigil's warnings, the
# sanitizers' defaults, the tree's paths); vigil_add_test and the SDK's vigil_add_plugin_test call it.
function(vigil_test_setup target)
  if(VIGIL_SANITIZE)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support/lsan_default_options.cpp)
  endif()
  target_link_libraries(${target} PRIVATE vigil::compile_options)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  target_compile_definitions(${target} PRIVATE
    VIGIL_SOURCE_DIR="${PROJECT_SOURCE_DIR}" VIGIL_BINARY_DIR="${PROJECT_BINARY_DIR}"
    VIGIL_PLUGIN_DIR="${VIGIL_PLUGIN_OUTPUT_DIR}"
    VIGIL_TEST_PLUGIN_DIR="${VIGIL_TEST_PLUGIN_OUTPUT_DIR}")
endfunction()

# vigil_add_test(NAME name SOURCES a.cpp ... [LIBS lib ...] [LABELS label ...])
# One GoogleTest executable, registered with CTest test by test.
function(vigil_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  vigil_test_setup(${T_NAME})
  gtest_discover_tests(${T_NAME} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
