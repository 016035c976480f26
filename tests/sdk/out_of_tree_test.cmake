# Installs the SDK on its own (cmake -S sdk, none of the engine), builds sdk/examples against it as a
# third party would, and runs the example's own unit test (vigil_add_plugin_test).
#   cmake -DSDK_DIR=... -DEXAMPLES_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCXX_COMPILER=...
#         -P out_of_tree_test.cmake
foreach(var SDK_DIR EXAMPLES_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "out_of_tree_test: -D${var}=... is required")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  message(STATUS "ok: ${ARGN}")
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(sdk_build ${WORK_DIR}/sdk-build)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

run(${CMAKE_COMMAND} -S ${SDK_DIR} -B ${sdk_build} -G ${GENERATOR})
run(${CMAKE_COMMAND} --install ${sdk_build} --prefix ${prefix})
# Only the SDK: headers and the CMake package, no core library or plugin.
file(GLOB_RECURSE installed RELATIVE ${prefix} ${prefix}/*)
foreach(file ${installed})
  if(NOT file MATCHES "^include/vigil/|/cmake/VigilSDK/")
    message(FATAL_ERROR "the sdk component installed more than the SDK: ${file}")
  endif()
endforeach()

# A clean environment: nothing from the vigil tree but the installed prefix.
run(${CMAKE_COMMAND} -S ${EXAMPLES_DIR} -B ${build} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Debug
    "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Wshadow -Werror")
run(${CMAKE_COMMAND} --build ${build})

set(plugin ${build}/libcounter.so)
if(NOT EXISTS ${plugin})
  message(FATAL_ERROR "the example build did not produce ${plugin}")
endif()
# Only the entry symbol is exported.
find_program(NM nm)
if(NM)
  execute_process(COMMAND ${NM} -D --defined-only ${plugin} OUTPUT_VARIABLE symbols)
  string(REGEX MATCHALL "[0-9a-f]+ [TDBRW] [^\n]+" exported "${symbols}")
  foreach(line ${exported})
    if(NOT line MATCHES " vigil_plugin_entry$")
      message(FATAL_ERROR "libcounter.so exports more than the entry symbol: ${line}")
    endif()
  endforeach()
endif()

run(${CMAKE_COMMAND} -E chdir ${build} ctest --output-on-failure --no-tests=error)
file(REMOVE_RECURSE ${WORK_DIR})
