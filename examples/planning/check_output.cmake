# cmake -DEXE=<irqmatrix-example-planning> -P check_output.cmake
# Runs the planning example and checks the lines that carry its story: exit
# status 0 (the program also checks every step itself) and, in order of
# appearance, the results below. PASS_REGULAR_EXPRESSION would accept any
# one of several patterns; every one must match here.
if(NOT EXE)
    message(FATAL_ERROR "usage: cmake -DEXE=<path> -P check_output.cmake")
endif()
execute_process(COMMAND "${EXE}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} exited with ${rc}\n${out}${err}")
endif()

set(expected
    "reserve_block\\(5\\) += 0\n"
    "alloc_reserved_block\\(0-3, 5\\) += cpu 1, base 64\n"
    "move_block\\(1, 64, 2\\) += cpu 2, base 64\n"
    "pin\\(2, 64\\) += 0\n"
    "move_block\\(2, 64, 3\\) += -16 \\(EBUSY\\)\n"
    "unpin\\(2, 64\\) += 0\n"
    "kernel: lapic_can_unplug_cpu\\(2\\): allocated 103 <= available 330 -> 0, yes\n"
    "planner: can_offline\\(2\\) += -28 \\(ENOSPC\\)\n"
    "alloc_block\\(0,1,3, 5\\): re-place fpga0 += -28 \\(ENOSPC\\)\n"
    "  can_offline\\(2\\) += 91\n"
    "evacuate\\(2\\) += 91\n"
    "fpga0 now on cpu 1, base 64\n"
    "  offline\\(2\\) += 0\n"
    "Online bitmaps: +3\n"
    "Total allocated: +284\n")
set(rest "${out}")
foreach(re IN LISTS expected)
    string(REGEX MATCH "${re}" hit "${rest}")
    if(hit STREQUAL "")
        message(FATAL_ERROR "planning example: no line matching \"${re}\" "
                            "(after the lines matched before it) in:\n${out}")
    endif()
    # Later patterns must come later in the output.
    string(FIND "${rest}" "${hit}" at)
    string(LENGTH "${hit}" len)
    math(EXPR from "${at} + ${len}")
    string(SUBSTRING "${rest}" ${from} -1 rest)
endforeach()
if(out MATCHES "!!")
    message(FATAL_ERROR "planning example reported an unexpected result:\n${out}")
endif()
