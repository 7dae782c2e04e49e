# The tool's command-line contract: GNU --help/--version, usage errors with
# exit 2, print mode, standard input, and check mode reporting mismatches
# with line numbers and exit 1.
file(MAKE_DIRECTORY "${WORK}")

function(run expected_rc)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL expected_rc)
        message(FATAL_ERROR "'${ARGN}' exited ${rc}, expected ${expected_rc}\n${out}\n${err}")
    endif()
    set(out "${out}" PARENT_SCOPE)
    set(err "${err}" PARENT_SCOPE)
endfunction()

function(expect text where)
    string(FIND "${${where}}" "${text}" pos)
    if(pos EQUAL -1)
        message(FATAL_ERROR "expected '${text}' in ${where}:\n${${where}}")
    endif()
endfunction()

run(0 "${TOOL}" --help)
expect("Usage: irqmatrix" out)
run(0 "${TOOL}" replay --help)
expect("--check" out)
run(0 "${TOOL}" --version)
expect("irqmatrix " out)
run(2 "${TOOL}")
expect("Try 'irqmatrix --help'" err)
run(2 "${TOOL}" frobnicate)
run(2 "${TOOL}" replay --bogus "${DATA}/small.trace")
run(2 "${TOOL}" replay "${WORK}/does-not-exist.trace")
expect("does-not-exist.trace" err)

# Print mode: comments dropped, blanks normalised, ' => RESULT' appended,
# malformed lines give -22 and the replay goes on.
run(0 "${TOOL}" replay "${DATA}/small.trace")
expect("matrix 64 2 56 2 => 0\n" out)
expect("alloc 0-1 0 => 0 2\n" out)
expect("frobnicate 1 2 => -22\n" out)
expect("stats => 1 52 0 1\n" out)

# Standard input.
run(0 "${CMAKE_COMMAND}" -E echo "matrix 64 0 64 1")
execute_process(COMMAND "${TOOL}" replay - INPUT_FILE "${DATA}/small.trace"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "replay - exited ${rc}")
endif()
expect("alloc 0-1 0 => 0 2\n" out)

# Check mode: the wrong expectation on line 7 is reported with its line.
run(1 "${TOOL}" replay --check "${DATA}/mismatch.trace")
expect("mismatch.trace:7: alloc 0-1 0 => expected 1 2, got 0 2" out)
expect("1 mismatched" out)
run(0 "${TOOL}" replay --check "${DATA}/small.trace")

# The demo prints the kernel's table.
run(0 "${TOOL}" demo)
expect("Online bitmaps:        4\n" out)
expect(" | CPU | avl | man | mac | act | vectors\n" out)
