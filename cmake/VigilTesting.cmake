# vigil_add_test(NAME name SOURCES a.cpp ... [LIBS lib ...] [LABELS label ...])
# One GoogleTest executable, registered with CTest test by test.
function(vigil_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  if(VIGIL_SANITIZE)
    target_sources(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support/lsan_default_options.cpp)
  endif()
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock
                        vigil::compile_options)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  target_compile_definitions(${T_NAME} PRIVATE
    VIGIL_SOURCE_DIR="${PROJECT_SOURCE_DIR}" VIGIL_BINARY_DIR="${PROJECT_BINARY_DIR}"
    VIGIL_PLUGIN_DIR="${VIGIL_PLUGIN_OUTPUT_DIR}"
    VIGIL_TEST_PLUGIN_DIR="${VIGIL_TEST_PLUGIN_OUTPUT_DIR}")
  gtest_discover_tests(${T_NAME} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
