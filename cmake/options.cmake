# Options default from "am I the top-level project": a consumer that
# add_subdirectory()s us builds nothing but the INTERFACE target.
include(GNUInstallDirs)

option(IRQMATRIX_BUILD_TESTS "Build the test suite" ${PROJECT_IS_TOP_LEVEL})
option(IRQMATRIX_BUILD_TOOL "Build the irqmatrix command-line tool" ${PROJECT_IS_TOP_LEVEL})
option(IRQMATRIX_BUILD_EXAMPLES "Build the examples" ${PROJECT_IS_TOP_LEVEL})
option(IRQMATRIX_BUILD_C_API "Build the C interface irqmatrix::c (a compiled shim; needs only C++)"
       ${PROJECT_IS_TOP_LEVEL})
option(IRQMATRIX_BUILD_BENCHMARKS "Build the Google Benchmark programs" ${PROJECT_IS_TOP_LEVEL})
option(IRQMATRIX_BUILD_FUZZERS "Build the libFuzzer programs fuzz-trace and fuzz-ops (clang++ only)" OFF)
option(IRQMATRIX_WERROR "Treat warnings as errors in our own targets" OFF)
option(IRQMATRIX_SYSTEM_HEADERS "Consumers see our headers as SYSTEM headers" ON)
set(IRQMATRIX_DEBUG_LEVEL "" CACHE STRING
    "IRQMATRIX_DEBUG_LEVEL for our own targets (0-3; empty: the header's default, 1)")
set(IRQMATRIX_GOLDEN_DIR "${PROJECT_SOURCE_DIR}/tests/golden" CACHE PATH
    "Directory of the golden kernel traces the tests replay")

if(IRQMATRIX_SYSTEM_HEADERS AND NOT PROJECT_IS_TOP_LEVEL)
    set(IRQMATRIX_WARNING_GUARD SYSTEM)
else()
    set(IRQMATRIX_WARNING_GUARD "")
endif()

# Optional packages: a part whose package is missing is skipped with one line
# naming the part and the Debian package that brings it, so that a bare
# `cmake -S . -B build` works with only a compiler and CMake.
#   irqmatrix_find_optional(VAR PACKAGE VERSION DEBIAN_PACKAGE "what is skipped")
# sets VAR to TRUE when find_package(PACKAGE VERSION) succeeds.
function(irqmatrix_find_optional var package version debian what)
    find_package(${package} ${version} QUIET)
    if(${package}_FOUND)
        set(${var} TRUE PARENT_SCOPE)
        set(${package}_VERSION "${${package}_VERSION}" PARENT_SCOPE)
    else()
        set(${var} FALSE PARENT_SCOPE)
        message(STATUS "irqmatrix: skipping ${what}: ${package} ${version} not found "
                       "(Debian: apt-get install ${debian})")
    endif()
endfunction()
