# Proves the packaging the way users consume it:
#  1. `cmake --install` into a staging prefix, then the examples project (a
#     consumer) configured with find_package(irqmatrix) against it, built and run;
#  2. find_package(irqmatrix 99) must fail: SameMajorVersion compatibility;
#  3. a consumer that add_subdirectory()s the source tree.
# Arguments: -DBUILD_DIR= -DSOURCE_DIR= -DWORK= -DCXX=
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
foreach(f include/irqmatrix/matrix.hpp share/irqmatrix/irqmatrixConfig.cmake
          share/irqmatrix/irqmatrixConfigVersion.cmake share/irqmatrix/irqmatrixTargets.cmake)
    if(NOT EXISTS "${stage}/${f}")
        message(FATAL_ERROR "the install lacks ${f}")
    endif()
endforeach()

step("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples" -B "${WORK}/installed"
     "-DCMAKE_PREFIX_PATH=${stage}" "-DCMAKE_CXX_COMPILER=${CXX}")
step("${CMAKE_COMMAND}" --build "${WORK}/installed")
step("${WORK}/installed/irqmatrix-example-basic")

file(WRITE "${WORK}/too-new/CMakeLists.txt"
     "cmake_minimum_required(VERSION 3.20)\nproject(too-new LANGUAGES CXX)\nfind_package(irqmatrix 99 REQUIRED)\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${WORK}/too-new" -B "${WORK}/too-new/build"
                        "-DCMAKE_PREFIX_PATH=${stage}" "-DCMAKE_CXX_COMPILER=${CXX}"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
    message(FATAL_ERROR "find_package(irqmatrix 99) should not accept version 0.x")
endif()

step("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/package/subdir" -B "${WORK}/subdir"
     "-DIRQMATRIX_SOURCE_DIR=${SOURCE_DIR}" "-DCMAKE_CXX_COMPILER=${CXX}")
step("${CMAKE_COMMAND}" --build "${WORK}/subdir")
step("${WORK}/subdir/consumer")
message(STATUS "staged install, find_package and add_subdirectory consumers all work")
