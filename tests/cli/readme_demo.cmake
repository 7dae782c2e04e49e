# SPDX-License-Identifier: MIT
# cli-readme-demo: the table README.md shows under "## The demo: does
# multi-MSI exhaust the vector space?" is what `irqmatrix demo --no-files -q`
# prints. The README shows the first section of the table (block requests by
# cause); it cuts long rows at a column boundary and marks the cut with
# " ...". So: each README row is the output row, or, ending in " ...", a
# prefix of it that stops right before a column gap, at the same column for
# every cut row; the README block must cover the whole section (the output
# line after it is the blank line that ends it), so a policy left out fails
# too. The cut must come before the last column, events/s: wall-clock speed,
# different in every run.
#   cmake -DTOOL=irqmatrix -DREADME=README.md -P readme_demo.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var TOOL README)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "readme_demo.cmake: -D${var}=... is required")
    endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")

set(heading "## The demo: does multi-MSI exhaust the vector space?")
set(first_line "Multi-MSI block requests and why they failed")

# lines(<text> <variable>): the text's lines as a list. A ';' would split a
# line and a '[' could keep a ';' from splitting, so these are swapped for
# control characters first, and back by line_at(); the tables hold none
# today.
string(ASCII 1 _semicolon)
string(ASCII 2 _open)
string(ASCII 3 _close)
function(lines text var)
    string(REPLACE ";" "${_semicolon}" text "${text}")
    string(REPLACE "[" "${_open}" text "${text}")
    string(REPLACE "]" "${_close}" text "${text}")
    string(REPLACE "\n" ";" text "${text}")
    set(${var} "${text}" PARENT_SCOPE)
endfunction()
function(line_at list index var)
    list(GET list ${index} line)
    string(REPLACE "${_semicolon}" ";" line "${line}")
    string(REPLACE "${_open}" "[" line "${line}")
    string(REPLACE "${_close}" "]" line "${line}")
    set(${var} "${line}" PARENT_SCOPE)
endfunction()

# The README's block: the first fenced block after the heading.
file(READ "${README}" readme)
string(FIND "${readme}" "\n${heading}\n" at)
if(at EQUAL -1)
    message(FATAL_ERROR "${README}: no heading '${heading}'")
endif()
string(SUBSTRING "${readme}" ${at} -1 rest)
string(FIND "${rest}" "\n```\n" open)
if(open EQUAL -1)
    message(FATAL_ERROR "${README}: no fenced block after '${heading}'")
endif()
math(EXPR open "${open} + 5")
string(SUBSTRING "${rest}" ${open} -1 rest)
string(FIND "${rest}" "\n```\n" close)
if(close EQUAL -1)
    message(FATAL_ERROR "${README}: the block after '${heading}' is not closed")
endif()
string(SUBSTRING "${rest}" 0 ${close} block)
string(FIND "${block}" "${first_line}" pos)
if(NOT pos EQUAL 0)
    message(FATAL_ERROR "${README}: the block after '${heading}' does not start with "
                        "'${first_line}':\n${block}")
endif()

# The demo's output from the same line on.
string(TIMESTAMP t0 "%s")
run(0 "${TOOL}" demo --no-files -q)
string(TIMESTAMP t1 "%s")
math(EXPR seconds "${t1} - ${t0}")
message(STATUS "irqmatrix demo --no-files -q: ${seconds} s")
string(FIND "${out}" "\n${first_line}" pos)
if(pos EQUAL -1)
    message(FATAL_ERROR "the demo printed no '${first_line}' line:\n${out}")
endif()
math(EXPR pos "${pos} + 1")
string(SUBSTRING "${out}" ${pos} -1 printed)
# Up to the blank line that ends the section, which stays as the last line.
string(FIND "${printed}" "\n\n" end)
if(NOT end EQUAL -1)
    math(EXPR end "${end} + 1")
    string(SUBSTRING "${printed}" 0 ${end} printed)
endif()

lines("${block}" want)
lines("${printed}" got)
list(LENGTH want n_want)
list(LENGTH got n_got)
if(n_got LESS_EQUAL n_want)
    message(FATAL_ERROR "${README}: the block has more lines than the demo's table "
                        "(${n_want}, the table ${n_got} with the blank line after it):\n"
                        "${block}\nThe demo printed:\n${printed}")
endif()
set(problems "")
math(EXPR last "${n_want} - 1")
foreach(i RANGE ${last})
    line_at("${want}" ${i} w)
    line_at("${got}" ${i} g)
    math(EXPR line_no "${i} + 1")
    if(w MATCHES "^(.*) \\.\\.\\.$")
        # Cut: the kept part is the row's start, and the row goes on with the
        # gap before its next column (not in the middle of a number).
        set(kept "${CMAKE_MATCH_1}")
        string(LENGTH "${kept}" len)
        string(LENGTH "${g}" glen)
        if(glen GREATER len)
            string(SUBSTRING "${g}" 0 ${len} head)
            string(SUBSTRING "${g}" ${len} 1 next)
        else()
            set(head "")
            set(next "")
        endif()
        if(NOT head STREQUAL kept OR NOT next STREQUAL " ")
            string(APPEND problems "line ${line_no} of the block, cut with ' ...':\n"
                                   "  README: ${w}\n  demo:   ${g}\n")
        endif()
        # The columns line up, so every cut row is cut at the same column:
        # a row cut short would hide a column the others show.
        if(NOT DEFINED cut_at)
            set(cut_at ${len})
        elseif(NOT len EQUAL cut_at)
            string(APPEND problems "line ${line_no} of the block is cut at column ${len}, "
                                   "the first cut row at ${cut_at}:\n  README: ${w}\n")
        endif()
    elseif(NOT w STREQUAL g)
        string(APPEND problems "line ${line_no} of the block:\n  README: ${w}\n  demo:   ${g}\n")
    endif()
endforeach()
line_at("${got}" ${n_want} after)
if(NOT after STREQUAL "")
    string(APPEND problems "the README's block ends before the demo's table does; next row:\n"
                           "  demo:   ${after}\n")
endif()
if(problems)
    message(FATAL_ERROR "${README}: the demo table differs from `irqmatrix demo`'s output:\n"
                        "${problems}The demo printed:\n${printed}")
endif()
