# partnerkit_library(<name> [DEPS ...]): a library from <dir>/src/**/*.cpp with public headers in
# <dir>/include, exported as partnerkit::<alias> and installed.
function(partnerkit_library name alias)
  cmake_parse_arguments(ARG "" "" "PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  if(sources)
    add_library(${name} ${sources})
    target_include_directories(${name} PUBLIC
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_compile_features(${name} PUBLIC cxx_std_20)
    target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  else()  # header-only (or not written yet)
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${name} INTERFACE ${ARG_PUBLIC_DEPS})
  endif()
  add_library(partnerkit::${alias} ALIAS ${name})
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${alias} OUTPUT_NAME ${name})
  install(TARGETS ${name} EXPORT partnerkitTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
    install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endfunction()

# partnerkit_test(<name> SOURCES ... DEPS ... [LABELS ...]): a GoogleTest executable run by ctest.
function(partnerkit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  list(LENGTH ARG_LABELS n_labels)
  if(NOT n_labels EQUAL 1)
    # gtest_discover_tests (CMake 3.25) flattens a label list into separate properties: one label only.
    message(FATAL_ERROR "partnerkit_test(${name}): give exactly one LABELS value")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" ENVIRONMENT "PARTNERKIT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# partnerkit_enable_plugin_host(<target> [LIBS...]): lets the executable <target> load adapter
# plugins (plugin.hpp). Plugins link no partnerkit library; their references resolve against the
# host, so the host exports its symbols (ENABLE_EXPORTS, -rdynamic) and links the whole of the
# given partnerkit archives (default partnerkit_core), not only the members it uses itself.
# Hosts of the sandbox pass partnerkit_core partnerkit_sandbox (plugin simulators derive from
# sandbox::VendorSimulator).
function(partnerkit_enable_plugin_host target)
  set(libs ${ARGN})
  if(NOT libs)
    set(libs partnerkit_core)
  endif()
  set(files "")
  foreach(lib ${libs})
    string(APPEND files " $<TARGET_FILE:${lib}>")
  endforeach()
  set_target_properties(${target} PROPERTIES ENABLE_EXPORTS ON)
  target_link_options(${target} PRIVATE "SHELL:-Wl,--whole-archive${files} -Wl,--no-whole-archive")
endfunction()

# partnerkit_fast_allocator(<target>): the executable allocates with mimalloc (Debian's
# libmimalloc-dev, installed by `make setup`) instead of glibc's malloc. A create on the batch path
# makes ~100 allocations, and glibc's malloc and free were a tenth of its instructions; mimalloc
# takes 16k instructions per create off at the same peak memory. Linked as a needed library ahead
# of libc, it serves the whole process, plugins included. Not with sanitizers (they bring their
# own allocator). -DPARTNERKIT_ALLOCATOR=system keeps glibc's.
set(PARTNERKIT_ALLOCATOR "mimalloc" CACHE STRING "The command line's allocator: mimalloc or system")
function(partnerkit_fast_allocator target)
  if(PARTNERKIT_SANITIZE OR NOT PARTNERKIT_ALLOCATOR STREQUAL "mimalloc")
    return()
  endif()
  find_library(PARTNERKIT_MIMALLOC_LIBRARY NAMES mimalloc)
  if(NOT PARTNERKIT_MIMALLOC_LIBRARY)
    message(WARNING "partnerkit: mimalloc not found (apt-get install libmimalloc-dev): ${target} keeps the system allocator")
    return()
  endif()
  target_link_libraries(${target} PRIVATE "-Wl,--push-state,--no-as-needed" ${PARTNERKIT_MIMALLOC_LIBRARY} "-Wl,--pop-state")
  set_property(GLOBAL APPEND PROPERTY PARTNERKIT_MIMALLOC_TARGETS ${target})
endfunction()
