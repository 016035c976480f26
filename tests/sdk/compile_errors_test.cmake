# Compiles each compile_errors/*.cpp against the SDK headers and checks a plugin author's mistake
# fails with the static_assert its first line names ("// expect: <message>"), and that the control
# ("// expect: (compiles)") compiles.
#   cmake -DCXX_COMPILER=... -DSDK_INCLUDE=... -DCASES_DIR=... -P compile_errors_test.cmake
file(GLOB cases ${CASES_DIR}/*.cpp)
if(NOT cases)
  message(FATAL_ERROR "no cases in ${CASES_DIR}")
endif()
foreach(case ${cases})
  file(STRINGS ${case} first LIMIT_COUNT 1)
  string(REGEX REPLACE "^// expect: " "" expected "${first}")
  execute_process(COMMAND ${CXX_COMPILER} -std=c++17 -fsyntax-only -I${SDK_INCLUDE} ${case}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  get_filename_component(name ${case} NAME)
  if(expected STREQUAL "(compiles)")
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${name} should compile:\n${out}")
    endif()
  elseif(rc EQUAL 0)
    message(FATAL_ERROR "${name} compiled; expected the error: ${expected}")
  else()
    string(FIND "${out}" "${expected}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${name} failed without '${expected}':\n${out}")
    endif()
  endif()
  message(STATUS "ok: ${name}")
endforeach()
