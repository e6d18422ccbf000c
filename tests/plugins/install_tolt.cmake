# cmake -P script run by the install.plugin_tolt test (see CMakeLists.txt for the variables).
# Needs the whole tree built first (as `make test` does).
cmake_minimum_required(VERSION 3.25)

set(TEST_NAME install.plugin_tolt)
include(${CMAKE_CURRENT_LIST_DIR}/../install/install_steps.cmake)  # step(); installs into ${prefix}
set(tolt_build ${WORK_DIR}/tolt-build)
set(tolt_source ${prefix}/share/partnerkit/examples/plugin-tolt)
foreach(f include/partnerkit/plugin.hpp include/partnerkit/testing/adapter_conformance.hpp
          include/partnerkit/adapter_kit.hpp include/partnerkit/sandbox/vendors.hpp
          share/partnerkit/examples/plugin-tolt/CMakeLists.txt)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install.plugin_tolt: ${f} is not installed")
  endif()
endforeach()

# 2. Configure and build the installed copy of examples/plugin-tolt against the prefix only.
consumer_configure_args(configure_args ${tolt_source} ${tolt_build})
step("configuring examples/plugin-tolt" ${CMAKE_COMMAND} ${configure_args})
step("building examples/plugin-tolt" ${CMAKE_COMMAND} --build ${tolt_build} ${config_args})

# 3. Its conformance tests (the author's kit, installed with partnerkit).
step("examples/plugin-tolt tests" ${CMAKE_CTEST_COMMAND} --test-dir ${tolt_build} --output-on-failure ${config_args})
message("${step_output}")

# 4. The plugin it built, loaded into a registry beside the built-ins.
file(GLOB_RECURSE module ${tolt_build}/libpartnerkit_tolt.so)
if(NOT module)
  message(FATAL_ERROR "install.plugin_tolt: libpartnerkit_tolt.so was not built")
endif()
list(GET module 0 module)
step("loading ${module}" ${HOST} ${module})
message("${step_error}${step_output}")
if(NOT step_output MATCHES "(^|\n)tolt\n")
  message(FATAL_ERROR "install.plugin_tolt: the loaded plugin did not register the tolt adapter")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
message("install.plugin_tolt: ok")
