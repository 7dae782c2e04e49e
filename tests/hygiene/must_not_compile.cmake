# SPDX-License-Identifier: MIT
# The must-not-compile test (cmake -P): SOURCE compiled with
# -DIRQMATRIX_TEST_CAPACITY=<each of BAD> must fail and print EXPECT (the
# static_assert's message), and with GOOD must compile, so that the failures
# are the capacity's and not a broken include path or flag. The value may
# name something else than a capacity (a variant of the source): WHAT says
# how to name it in messages, @ standing for the value.
#   -DCXX=compiler -DSTD=-std=c++20 -DINCLUDE=dir -DSOURCE=file
#   -DGOOD=capacity -DBAD=c1,c2 "-DEXPECT=text" [-DWHAT=basic_matrix<@>]
cmake_minimum_required(VERSION 3.20)  # script mode: current policies (IN_LIST)
foreach(var CXX STD INCLUDE SOURCE GOOD BAD EXPECT)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "must_not_compile.cmake: -D${var}=... is required")
    endif()
endforeach()

function(compile capacity)
    execute_process(
        COMMAND "${CXX}" ${STD} -fsyntax-only "-I${INCLUDE}"
                "-DIRQMATRIX_TEST_CAPACITY=${capacity}" "${SOURCE}"
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    set(rc "${rc}" PARENT_SCOPE)
    set(out "${out}" PARENT_SCOPE)
endfunction()

if(NOT DEFINED WHAT)
    set(WHAT "basic_matrix<@>")
endif()

compile(${GOOD})
if(NOT rc EQUAL 0)
    string(REPLACE "@" "${GOOD}" label "${WHAT}")
    message(FATAL_ERROR "the control (${label}) does not compile, so the test "
                        "proves nothing:\n${out}")
endif()

string(REPLACE "," ";" BAD "${BAD}")
foreach(capacity IN LISTS BAD)
    string(REPLACE "@" "${capacity}" label "${WHAT}")
    compile(${capacity})
    if(rc EQUAL 0)
        message(FATAL_ERROR "${label} compiled; it must be refused")
    endif()
    string(FIND "${out}" "${EXPECT}" pos)
    if(pos EQUAL -1)
        message(FATAL_ERROR "${label} failed without the message '${EXPECT}':\n${out}")
    endif()
    message(STATUS "${label}: refused with '${EXPECT}'")
endforeach()
