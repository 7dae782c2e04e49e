# The kernel port's own tracepoints, captured from a booted kernel: the
# module (examples/kernel-port/) replayed a seeded block workload with its
# irq_matrix_port events on, and the guest dumped the trace buffer
# (scripts/kernel-module.sh; tests/kernel-lab/module-capture/). The capture
# is imported with `irqmatrix import-events` and replayed with --check: every
# event's counters, and every block's CPU and base, must be the library's,
# with nothing inferred (the module's online and offline run on the CPU they
# name, so the trace buffer's CPU column says which). `replay --events` of
# the import must then print exactly the captured event lines, in order.
#
#   cmake -DTOOL=irqmatrix -DCAPTURE=dir -DWORK=dir -P module_capture.cmake
include("${CMAKE_CURRENT_LIST_DIR}/../cli/replay_check.cmake")
set(name module-capture)
execute_process(COMMAND "${TOOL}" import-events "${CAPTURE}/trace.txt"
                RESULT_VARIABLE rc OUTPUT_VARIABLE trace ERROR_VARIABLE summary)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: import-events failed (${rc}):\n${summary}")
endif()
message(STATUS "${summary}")
if(NOT summary MATCHES " 0 inferences, 0 operations inferred")
    message(FATAL_ERROR "${name}: the import inferred something:\n${summary}")
endif()
file(WRITE "${WORK}/${name}.trace" "${trace}")
irqmatrix_replay_check(${name} "${WORK}/${name}.trace" 1000 operations)

irqmatrix_replay_events(${name} "${WORK}/${name}.trace" replayed_lines)
file(STRINGS "${CAPTURE}/trace.txt" captured_raw REGEX "irq_matrix_[a-z_]+: ")
set(captured "")
set(blocks 0)
foreach(line IN LISTS captured_raw)
    string(REGEX REPLACE "^.*(irq_matrix_[a-z_]+: )" "\\1" line "${line}")
    list(APPEND captured "${line}")
    if(line MATCHES "_block: ")
        math(EXPR blocks "${blocks} + 1")
    endif()
endforeach()
if(NOT replayed_lines STREQUAL captured)
    list(LENGTH captured n_captured)
    list(LENGTH replayed_lines n_replayed)
    foreach(i RANGE ${n_captured})
        if(i EQUAL n_captured OR i EQUAL n_replayed)
            break()
        endif()
        list(GET captured ${i} want)
        list(GET replayed_lines ${i} got)
        if(NOT want STREQUAL got)
            message(FATAL_ERROR "${name}: event #${i} differs:\n  module:  ${want}\n  library: ${got}")
        endif()
    endforeach()
    message(FATAL_ERROR "${name}: ${n_captured} events captured, ${n_replayed} replayed")
endif()
if(blocks LESS 100)
    message(FATAL_ERROR "${name}: only ${blocks} block events in the capture")
endif()
list(LENGTH captured n_captured)
message(STATUS "${name}: ${operations} operations replayed with no mismatch; the module's "
               "${n_captured} events (${blocks} of blocks) reproduced line for line")
