# Proves the packaging the way users consume it:
#  1. `cmake --install` into a staging prefix, then the examples project (a
#     consumer) configured with find_package(irqmatrix) against it, built and run;
#  2. with the C interface (CC given): find_package(irqmatrix) defines
#     irqmatrix::irqmatrix, irqmatrix::c and irqmatrix::c_static (the examples
#     project builds and runs its C example; a C program links the static
#     one), and a C program builds and runs with `pkg-config --cflags --libs
#     irqmatrix`, against the shared library and against the static one;
#  3. find_package(irqmatrix 99) must fail: SameMajorVersion compatibility;
#  4. a consumer that add_subdirectory()s the source tree.
# Arguments: -DBUILD_DIR= -DSOURCE_DIR= -DWORK= -DCXX= [-DCC=] [-DLINKER_FLAGS=]
# (LINKER_FLAGS: the build's executable link flags, which consumers of the
# compiled C library need too, e.g. the sanitizer runtime under the asan preset.)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(step)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
    endif()
endfunction()

set(stage "${WORK}/stage")
step("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${stage}")
set(expected include/irqmatrix/matrix.hpp share/irqmatrix/irqmatrixConfig.cmake
             share/irqmatrix/irqmatrixConfigVersion.cmake share/irqmatrix/irqmatrixTargets.cmake)
if(CC)
    list(APPEND expected include/irqmatrix/irqmatrix.h)
endif()
foreach(f IN LISTS expected)
    if(NOT EXISTS "${stage}/${f}")
        message(FATAL_ERROR "the install lacks ${f}")
    endif()
endforeach()

set(c_compiler "")
if(CC)
    set(c_compiler "-DCMAKE_C_COMPILER=${CC}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")
endif()
separate_arguments(link_flags UNIX_COMMAND "${LINKER_FLAGS}")
step("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples" -B "${WORK}/installed"
     "-DCMAKE_PREFIX_PATH=${stage}" "-DCMAKE_CXX_COMPILER=${CXX}" ${c_compiler})
step("${CMAKE_COMMAND}" --build "${WORK}/installed")
step("${WORK}/installed/irqmatrix-example-basic")

if(CC)
    # The C example exists only if find_package() gave irqmatrix::c.
    if(NOT EXISTS "${WORK}/installed/c/irqmatrix-example-c")
        message(FATAL_ERROR "the examples project found no irqmatrix::c in the install")
    endif()
    step("${WORK}/installed/c/irqmatrix-example-c")

    # All three targets, and a C program on the static library (CMake adds the
    # C++ runtime from the imported target's link language).
    file(WRITE "${WORK}/targets/CMakeLists.txt" [=[
cmake_minimum_required(VERSION 3.20)
project(irqmatrix-targets LANGUAGES C CXX)
find_package(irqmatrix REQUIRED COMPONENTS c)
foreach(t IN ITEMS irqmatrix::irqmatrix irqmatrix::c irqmatrix::c_static)
    if(NOT TARGET ${t})
        message(FATAL_ERROR "find_package(irqmatrix) did not define ${t}")
    endif()
endforeach()
add_executable(c-static "${EXAMPLE}")
set_target_properties(c-static PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)
target_link_libraries(c-static PRIVATE irqmatrix::c_static)
]=])
    step("${CMAKE_COMMAND}" -S "${WORK}/targets" -B "${WORK}/targets/build"
         "-DCMAKE_PREFIX_PATH=${stage}" "-DCMAKE_CXX_COMPILER=${CXX}" ${c_compiler}
         "-DEXAMPLE=${SOURCE_DIR}/examples/c/c_example.c")
    step("${CMAKE_COMMAND}" --build "${WORK}/targets/build")
    step("${WORK}/targets/build/c-static")

    # pkg-config, pointed into the stage; the .pc file finds its own prefix.
    find_program(PKG_CONFIG pkg-config)
    if(NOT PKG_CONFIG)
        message(FATAL_ERROR "pkg-config is needed to test irqmatrix.pc (apt-get install pkg-config)")
    endif()
    file(GLOB_RECURSE pc_files "${stage}/*/irqmatrix.pc")
    list(LENGTH pc_files n)
    if(NOT n EQUAL 1)
        message(FATAL_ERROR "expected one irqmatrix.pc in the install, found: ${pc_files}")
    endif()
    get_filename_component(pc_dir "${pc_files}" DIRECTORY)
    set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
    function(pkg_config out)
        execute_process(COMMAND "${PKG_CONFIG}" ${ARGN} irqmatrix RESULT_VARIABLE rc
                        OUTPUT_VARIABLE text ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
        if(NOT rc EQUAL 0)
            message(FATAL_ERROR "pkg-config ${ARGN} irqmatrix failed (${rc}): ${err}")
        endif()
        set(${out} "${text}" PARENT_SCOPE)
    endfunction()
    pkg_config(libdir --variable=libdir)
    pkg_config(flags --cflags --libs)
    pkg_config(static_flags --static --cflags --libs)
    file(REAL_PATH "${libdir}" libdir)
    file(REAL_PATH "${stage}" real_stage)
    string(FIND "${libdir}" "${real_stage}/" at)
    if(NOT at EQUAL 0)
        message(FATAL_ERROR "irqmatrix.pc's libdir ${libdir} is not in the stage ${real_stage}")
    endif()
    separate_arguments(flags UNIX_COMMAND "${flags}")
    separate_arguments(static_flags UNIX_COMMAND "${static_flags}")
    set(strict -std=c11 -Wall -Wextra -Wpedantic -Werror)
    set(example "${SOURCE_DIR}/examples/c/c_example.c")

    # Shared: found at run time through the rpath.
    step("${CC}" ${strict} "${example}" ${flags} "-Wl,-rpath,${libdir}" ${link_flags}
         -o "${WORK}/pc-shared")
    execute_process(COMMAND "${WORK}/pc-shared" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "nic: cpu 0, vector 32\ndev: cpu 1, vectors 32-63")
        message(FATAL_ERROR "the pkg-config (shared) C program failed (${rc}):\n${out}")
    endif()

    # Static: the archive in place of -lirqmatrix_c, the C++ runtime from
    # Libs.private; it must run with no way to find the shared library.
    list(TRANSFORM static_flags REPLACE "^-lirqmatrix_c$" "${libdir}/libirqmatrix_c.a")
    step("${CC}" ${strict} "${example}" ${static_flags} ${link_flags} -o "${WORK}/pc-static")
    set(ENV{LD_LIBRARY_PATH} "")
    execute_process(COMMAND "${WORK}/pc-static" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "nic: cpu 0, vector 32")
        message(FATAL_ERROR "the pkg-config (static) C program failed (${rc}):\n${out}")
    endif()
    message(STATUS "find_package gives irqmatrix::c and irqmatrix::c_static; pkg-config "
                   "builds C programs against the shared and the static library")
endif()

file(WRITE "${WORK}/too-new/CMakeLists.txt"
     "cmake_minimum_required(VERSION 3.20)\nproject(too-new LANGUAGES CXX)\nfind_package(irqmatrix 99 REQUIRED)\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${WORK}/too-new" -B "${WORK}/too-new/build"
                        "-DCMAKE_PREFIX_PATH=${stage}" "-DCMAKE_CXX_COMPILER=${CXX}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
# Refused for the right reason: CMake names the version it found and says it
# is not compatible, not any configure failure (a typo here would also fail).
if(rc EQUAL 0)
    message(FATAL_ERROR "find_package(irqmatrix 99) should not accept version 0.x")
endif()
if(NOT err MATCHES "requested version \"99\"" OR NOT err MATCHES "irqmatrixConfig.cmake, version: [0-9]")
    message(FATAL_ERROR "find_package(irqmatrix 99) failed, but not on the version:\n${out}${err}")
endif()

step("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/package/subdir" -B "${WORK}/subdir"
     "-DIRQMATRIX_SOURCE_DIR=${SOURCE_DIR}" "-DCMAKE_CXX_COMPILER=${CXX}")
step("${CMAKE_COMMAND}" --build "${WORK}/subdir")
step("${WORK}/subdir/consumer")
message(STATUS "staged install, find_package and add_subdirectory consumers all work")
