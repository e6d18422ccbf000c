# cmake -P script run by the install.embed test (see CMakeLists.txt for the variables).
cmake_minimum_required(VERSION 3.25)

set(TEST_NAME install.embed)
include(${CMAKE_CURRENT_LIST_DIR}/install_steps.cmake)  # step(); installs into ${prefix}
set(embed_build ${WORK_DIR}/embed-build)

# What a user gets: headers, libraries, the package config, the command line.
set(expected include/partnerkit/partner_spec.hpp include/partnerkit/input.hpp
    include/partnerkit/adapters/builtin.hpp include/partnerkit/text/ascii.hpp include/partnerkit/text/utf8.hpp
    include/partnerkit/testing/matchers.hpp include/partnerkit/testing/scripted_adapter.hpp
    include/partnerkit/sandbox/simulator_kit.hpp include/partnerkit/sandbox/simulator_kit/email.hpp)
if(EXPECT_CLI)
  list(APPEND expected bin/partnerkit)
endif()
if(EXPECT_CLI AND PG_HELPER)
  list(APPEND expected ${PG_HELPER})
endif()
foreach(f ${expected})
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install.embed: ${f} is not installed")
  endif()
endforeach()
file(GLOB_RECURSE package_config ${prefix}/*/partnerkitConfig.cmake)
if(NOT package_config)
  message(FATAL_ERROR "install.embed: no partnerkitConfig.cmake under ${prefix}")
endif()
if(EXPECT_CLI)
  step("installed partnerkit --version" ${prefix}/bin/partnerkit --version)
endif()
if(EXPECT_CLI AND PG_HELPER)
  # A PostgreSQL command runs in the installed helper: libpq's own refusal (exit 1), not the CLI's
  # "cannot be run" (exit 2). The tests under tests/pg run them against a real server.
  execute_process(COMMAND ${prefix}/bin/partnerkit status --database "host=${WORK_DIR}/no-server dbname=x"
    RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "PostgreSQL connection")
    message(FATAL_ERROR "install.embed: the installed partnerkit status did not reach libpq (${rc})\n${err}")
  endif()
endif()

# 2. Configure and build examples/embed against the prefix only.
consumer_configure_args(configure_args ${EMBED_SOURCE_DIR} ${embed_build})
step("configuring examples/embed" ${CMAKE_COMMAND} ${configure_args})
step("building examples/embed" ${CMAKE_COMMAND} --build ${embed_build} ${config_args})

# 3. Run it.
find_program(app embed_app PATHS ${embed_build} ${embed_build}/${CONFIG} NO_DEFAULT_PATH REQUIRED)
step("running embed_app" ${app})
message("${step_output}")
if(NOT step_output MATCHES "embed: ok")
  message(FATAL_ERROR "install.embed: embed_app did not confirm its request")
endif()
# 4. A user's tests: partnerkit::testing (matchers, scripted adapter and transport) from the package.
if(TESTING_SOURCE_DIR)
  set(testing_build ${WORK_DIR}/testing-build)
  consumer_configure_args(configure_args ${TESTING_SOURCE_DIR} ${testing_build})
  step("configuring the partnerkit::testing consumer" ${CMAKE_COMMAND} ${configure_args})
  step("building the partnerkit::testing consumer" ${CMAKE_COMMAND} --build ${testing_build} ${config_args})
  find_program(kit_test kit_test PATHS ${testing_build} ${testing_build}/${CONFIG} NO_DEFAULT_PATH REQUIRED)
  step("running the partnerkit::testing consumer" ${kit_test})
  if(NOT step_output MATCHES "\\[  PASSED  \\] 1 test")
    message(FATAL_ERROR "install.embed: the partnerkit::testing consumer ran no test\n${step_output}")
  endif()
endif()

file(REMOVE_RECURSE ${WORK_DIR})
message("install.embed: ok")
