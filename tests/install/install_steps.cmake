# Shared by the install-proof scripts (install_embed.cmake, ../plugins/install_tolt.cmake):
# step() runs a command or fails the test with its output, and the build tree is installed into
# ${WORK_DIR}/prefix. Set TEST_NAME, WORK_DIR, BUILD_DIR (and CONFIG) before including.

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TEST_NAME}: ${what} failed (${rc})\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
  set(step_error "${err}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} ${config_args})

# consumer_configure_args(<out-var> <source-dir> <build-dir>): the arguments that configure a
# consumer project against ${prefix} only, with the build's compiler, launcher and sanitizer flags.
function(consumer_configure_args out source build)
  set(args -S ${source} -B ${build} -G ${GENERATOR}
      -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
      -DCMAKE_BUILD_TYPE=${CONFIG} -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
  if(CXX_LAUNCHER)
    list(APPEND args -DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER})
  endif()
  if(SANITIZE_FLAGS)
    list(APPEND args "-DCMAKE_CXX_FLAGS=${SANITIZE_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${SANITIZE_FLAGS}"
         "-DCMAKE_MODULE_LINKER_FLAGS=${SANITIZE_FLAGS}")
  endif()
  set(${out} ${args} PARENT_SCOPE)
endfunction()
