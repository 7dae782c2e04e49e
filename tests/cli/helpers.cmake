# SPDX-License-Identifier: MIT
# Helpers shared by the command-line test scripts (cmake -P), included by
# behaviour.cmake, bad_input.cmake, options.cmake, lab_outputs.cmake and
# readme_demo.cmake.

# Seconds any one command may take: the slowest run here is the full default
# demo (readme_demo.cmake), about 4 s in a Debug build; the limit leaves room
# for sanitizer builds and a busy machine, and turns a hang into a failure.
set(_cli_limit 300)

# run(<expected exit status> <command> [args...] [IN <dir>] [STDIN <file>])
# runs the command (in <dir>, reading <file>), fails unless it exits with the
# expected status, and sets `out` and `err` in the caller.
function(run expected_rc)
    cmake_parse_arguments(PARSE_ARGV 1 R "" "IN;STDIN" "")
    set(extra "")
    if(DEFINED R_IN)
        list(APPEND extra WORKING_DIRECTORY "${R_IN}")
    endif()
    if(DEFINED R_STDIN)
        list(APPEND extra INPUT_FILE "${R_STDIN}")
    endif()
    execute_process(COMMAND ${R_UNPARSED_ARGUMENTS} ${extra} TIMEOUT ${_cli_limit}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    list(JOIN R_UNPARSED_ARGUMENTS " " shown)
    if(NOT rc STREQUAL expected_rc)
        message(FATAL_ERROR "'${shown}' exited ${rc}, expected ${expected_rc}\n"
                            "stdout:\n${out}\nstderr:\n${err}")
    endif()
    set(out "${out}" PARENT_SCOPE)
    set(err "${err}" PARENT_SCOPE)
endfunction()

# expect(<text> <variable>): the variable's value contains the text.
function(expect text where)
    string(FIND "${${where}}" "${text}" pos)
    if(pos EQUAL -1)
        message(FATAL_ERROR "expected '${text}' in ${where}:\n${${where}}")
    endif()
endfunction()

# expect_not(<text> <variable>): the variable's value does not contain it.
function(expect_not text where)
    string(FIND "${${where}}" "${text}" pos)
    if(NOT pos EQUAL -1)
        message(FATAL_ERROR "did not expect '${text}' in ${where}:\n${${where}}")
    endif()
endfunction()

# expect_equal(<a> <b> <what>): two texts are identical.
function(expect_equal a b what)
    if(NOT a STREQUAL b)
        message(FATAL_ERROR "${what}: the texts differ\n--- first:\n${a}\n--- second:\n${b}")
    endif()
endfunction()

# expect_files(<dir> <name>...): each file exists in dir and is not empty.
function(expect_files dir)
    foreach(name IN LISTS ARGN)
        if(NOT EXISTS "${dir}/${name}")
            message(FATAL_ERROR "no ${dir}/${name}")
        endif()
        file(SIZE "${dir}/${name}" size)
        if(size EQUAL 0)
            message(FATAL_ERROR "${dir}/${name} is empty")
        endif()
    endforeach()
endfunction()

# sim_results(<output> <variable>): a sim/demo table without what varies from
# run to run or only restates the options: the title line (it names the seed
# and event count, which the tests check on their own) and the events/s column
# (wall-clock speed, the last number of each row of the first section; the
# other sections' rows end in ")", "-" or "N/M"). What is left are the results.
function(sim_results text var)
    string(REGEX REPLACE "^irqmatrix sim: [^\n]*\n" "" text "${text}")
    string(REGEX REPLACE " +[0-9]+\n" "\n" text "${text}")
    set(${var} "${text}" PARENT_SCOPE)
endfunction()

# policy_rows(<output> <variable>): the table rows, in order, that start with
# a policy name (one per policy in each of the three sections), as a list of
# lines without the events/s column. The rows hold no ';' or '[' that would
# upset a CMake list.
function(policy_rows text var)
    sim_results("${text}" text)
    string(REGEX MATCHALL "\n(kernel|pack|best_fit|freebsd) [^\n]*" rows "${text}")
    string(REPLACE "\n" "" rows "${rows}")
    set(${var} "${rows}" PARENT_SCOPE)
endfunction()

# policy_names(<output> <variable>): the policy of each row policy_rows finds.
function(policy_names text var)
    policy_rows("${text}" rows)
    set(names "")
    foreach(row IN LISTS rows)
        string(REGEX MATCH "^[a-z_]+" name "${row}")
        list(APPEND names "${name}")
    endforeach()
    set(${var} "${names}" PARENT_SCOPE)
endfunction()

# title_numbers(<output>): from the table's title line "(... seed S, N
# events)", sets `seed` and `events` in the caller.
function(title_numbers text)
    if(NOT text MATCHES "^irqmatrix sim: [^\n]*, seed ([0-9]+), ([0-9]+) events\\)\n")
        message(FATAL_ERROR "no 'irqmatrix sim: ... seed S, N events)' title in:\n${text}")
    endif()
    set(seed "${CMAKE_MATCH_1}" PARENT_SCOPE)
    set(events "${CMAKE_MATCH_2}" PARENT_SCOPE)
endfunction()
