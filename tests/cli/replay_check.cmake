# Replaying a trace with the tool, for the scripts that replay imported or
# generated traces (TOOL is the irqmatrix tool).
#
# irqmatrix_replay_check(NAME TRACE MIN_OPERATIONS OUT_VAR): replays TRACE
# with `${TOOL} replay --check`; fails unless every one of at least
# MIN_OPERATIONS operations had its result checked and none mismatched.
# Sets OUT_VAR to the number of operations.
function(irqmatrix_replay_check name trace min_operations out_var)
    execute_process(COMMAND "${TOOL}" replay --check "${trace}"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT out MATCHES ": ([0-9]+) operations, ([0-9]+) results checked, 0 mismatched")
        message(FATAL_ERROR "${name}: ${trace} does not replay cleanly (${rc}):\n${out}${err}")
    endif()
    if(NOT CMAKE_MATCH_1 EQUAL CMAKE_MATCH_2 OR CMAKE_MATCH_1 LESS min_operations)
        message(FATAL_ERROR "${name}: ${CMAKE_MATCH_2} of ${CMAKE_MATCH_1} operations checked "
                            "(at least ${min_operations} expected)")
    endif()
    set(${out_var} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

# irqmatrix_replay_events(NAME TRACE OUT_VAR): the event lines that
# `${TOOL} replay --events TRACE` prints, as a list.
function(irqmatrix_replay_events name trace out_var)
    execute_process(COMMAND "${TOOL}" replay --events "${trace}"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE replayed ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${name}: replay --events failed (${rc}):\n${err}")
    endif()
    string(REGEX MATCHALL "[^\n]+" lines "${replayed}")
    set(${out_var} "${lines}" PARENT_SCOPE)
endfunction()
