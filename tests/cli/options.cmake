# SPDX-License-Identifier: MIT
# cli-options: every option of the tool has an observable effect, and this
# checks that effect (not just the exit status): where sim and demo write by
# default and with --out, that --seed changes the results and the same seed
# reproduces them, that --duration changes the event count, that --policies
# limits the rows; the import options' effect on the imported trace's
# `matrix` line and on show and fit; show and fit on a trace; replay of
# several files; -V.
#   cmake -DTOOL=irqmatrix -DDATA=tests/cli -DDUMPS=tests/data -DWORK=dir
#         -DVERSION=x.y.z -P options.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var TOOL DATA DUMPS WORK VERSION)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "options.cmake: -D${var}=... is required")
    endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

set(churn "${DATA}/churn.toml")  # 4 CPUs, seed 1, duration 200
set(lab_files summary.csv timeseries.csv result.json success-rate.svg fragmentation.svg
              cpus-with-block.svg failures.svg heatmap-kernel.svg)

# ---- -V is --version ------------------------------------------------------
run(0 "${TOOL}" --version)
set(long "${out}")
run(0 "${TOOL}" -V)
expect_equal("${out}" "${long}" "-V and --version")
if(NOT out MATCHES "^irqmatrix ${VERSION}\n")
    message(FATAL_ERROR "-V: the first line is not 'irqmatrix ${VERSION}':\n${out}")
endif()

# ---- default output directories: each subcommand its own -------------------
# The help promises irqmatrix-sim/ for sim and irqmatrix-demo/ for demo; both
# are run in a fresh directory, which must then hold exactly that one.
run(0 "${TOOL}" sim --help)
expect("irqmatrix-sim" out)
run(0 "${TOOL}" demo --help)
expect("irqmatrix-demo" out)

set(fresh "${WORK}/sim-default")
file(MAKE_DIRECTORY "${fresh}")
run(0 "${TOOL}" sim "${churn}" -q --duration 20 IN "${fresh}")
expect("\n  irqmatrix-sim/summary.csv  (" out)
expect_files("${fresh}/irqmatrix-sim" ${lab_files})
file(GLOB entries RELATIVE "${fresh}" "${fresh}/*")
if(NOT entries STREQUAL "irqmatrix-sim")
    message(FATAL_ERROR "sim without -o: expected only irqmatrix-sim/ in ${fresh}, found '${entries}'")
endif()
file(READ "${fresh}/irqmatrix-sim/result.json" json)
expect("\"name\":\"cli test churn\"" json)

set(fresh "${WORK}/demo-default")
file(MAKE_DIRECTORY "${fresh}")
run(0 "${TOOL}" demo -q --duration 20 IN "${fresh}")
expect("\n  irqmatrix-demo/summary.csv  (" out)
expect_files("${fresh}/irqmatrix-demo" ${lab_files})
file(GLOB entries RELATIVE "${fresh}" "${fresh}/*")
if(NOT entries STREQUAL "irqmatrix-demo")
    message(FATAL_ERROR "demo without -o: expected only irqmatrix-demo/ in ${fresh}, found '${entries}'")
endif()

# ---- sim --out / -o: the files go there (created, parents too), not to the
# default directory.
set(fresh "${WORK}/sim-out-cwd")
file(MAKE_DIRECTORY "${fresh}")
run(0 "${TOOL}" sim "${churn}" -q --duration 20 --out "${WORK}/sim-out/a/b" IN "${fresh}")
expect("\n  ${WORK}/sim-out/a/b/result.json  (" out)
expect_files("${WORK}/sim-out/a/b" ${lab_files})
file(GLOB entries "${fresh}/*")
if(entries)
    message(FATAL_ERROR "sim --out wrote into the working directory too: ${entries}")
endif()
run(0 "${TOOL}" sim "${churn}" -q --duration 20 -o "${WORK}/sim-o" IN "${fresh}")
expect_files("${WORK}/sim-o" ${lab_files})

# ---- sim --seed: the workload's seed (1) unless given; another seed gives
# other results, the same seed the same ones.
run(0 "${TOOL}" sim "${churn}" --no-files)
title_numbers("${out}")
if(NOT seed EQUAL 1)
    message(FATAL_ERROR "sim: the title names seed ${seed}, the workload's is 1")
endif()
set(full_events "${events}")
sim_results("${out}" base)
policy_rows("${out}" full_rows)
run(0 "${TOOL}" sim "${churn}" --no-files --seed 1)
sim_results("${out}" again)
expect_equal("${again}" "${base}" "sim --seed 1 (the workload's own seed) against no --seed")
run(0 "${TOOL}" sim "${churn}" --no-files --seed 2)
title_numbers("${out}")
if(NOT seed EQUAL 2)
    message(FATAL_ERROR "sim --seed 2: the title names seed ${seed}")
endif()
sim_results("${out}" seed2)
if(seed2 STREQUAL base)
    message(FATAL_ERROR "sim --seed 2 gave the same results as seed 1:\n${base}")
endif()
run(0 "${TOOL}" sim "${churn}" --no-files --seed 2)
sim_results("${out}" again)
expect_equal("${again}" "${seed2}" "sim --seed 2 run twice")

# ---- sim --duration: half the duration, fewer events (arrivals, departures,
# moves are spread over time); reproducible.
run(0 "${TOOL}" sim "${churn}" --no-files --duration 100)
title_numbers("${out}")
if(NOT events LESS full_events)
    message(FATAL_ERROR "sim --duration 100: ${events} events, not fewer than the ${full_events} of duration 200")
endif()
set(short_events "${events}")
sim_results("${out}" short)
run(0 "${TOOL}" sim "${churn}" --no-files --duration 100)
title_numbers("${out}")
if(NOT events EQUAL short_events)
    message(FATAL_ERROR "sim --duration 100 twice: ${short_events} then ${events} events")
endif()
run(0 "${TOOL}" sim "${churn}" --no-files --duration 400)
title_numbers("${out}")
if(NOT events GREATER full_events)
    message(FATAL_ERROR "sim --duration 400: ${events} events, not more than the ${full_events} of duration 200")
endif()

# ---- sim --policies: only those rows, in the order given, in each of the
# three sections; each policy's numbers are those of the full run (every
# policy replays the same event stream).
run(0 "${TOOL}" sim "${churn}" --no-files --policies freebsd,pack)
policy_names("${out}" names)
if(NOT names STREQUAL "freebsd;pack;freebsd;pack;freebsd;pack")
    message(FATAL_ERROR "sim --policies freebsd,pack: table rows for '${names}'")
endif()
policy_rows("${out}" rows)
foreach(row IN LISTS rows)
    if(NOT row IN_LIST full_rows)
        message(FATAL_ERROR "sim --policies: row '${row}' is not in the run of every policy:\n${base}")
    endif()
endforeach()
run(2 "${TOOL}" sim "${churn}" --no-files --policies kernel,worst)
expect("worst" err)

# ---- demo --seed and --policies (shortened: --duration 100). The built-in
# seed is 2026.
set(demo_cmd "${TOOL}" demo --no-files -q --duration 100)
run(0 ${demo_cmd})
title_numbers("${out}")
if(NOT seed EQUAL 2026)
    message(FATAL_ERROR "demo: the title names seed ${seed}, the built-in workload's is 2026")
endif()
sim_results("${out}" demo_base)
policy_rows("${out}" demo_rows)
run(0 ${demo_cmd} --seed 7)
title_numbers("${out}")
if(NOT seed EQUAL 7)
    message(FATAL_ERROR "demo --seed 7: the title names seed ${seed}")
endif()
sim_results("${out}" demo7)
if(demo7 STREQUAL demo_base)
    message(FATAL_ERROR "demo --seed 7 gave the same results as seed 2026:\n${demo_base}")
endif()
run(0 ${demo_cmd} --seed 7)
sim_results("${out}" again)
expect_equal("${again}" "${demo7}" "demo --seed 7 run twice")

run(0 ${demo_cmd} --policies best_fit,kernel)
policy_names("${out}" names)
if(NOT names STREQUAL "best_fit;kernel;best_fit;kernel;best_fit;kernel")
    message(FATAL_ERROR "demo --policies best_fit,kernel: table rows for '${names}'")
endif()
policy_rows("${out}" rows)
foreach(row IN LISTS rows)
    if(NOT row IN_LIST demo_rows)
        message(FATAL_ERROR "demo --policies: row '${row}' is not in the run of every policy:\n${demo_base}")
    endif()
endforeach()

# ---- import/show/fit: --cpus, --alloc-start, --alloc-end -----------------
# vector-6.10-cat.txt: 32 CPUs, window [32,235) inferred, vector 32 in use.
set(d610 "${DUMPS}/vector-6.10-cat.txt")
run(0 "${TOOL}" import "${d610}")
expect("\nmatrix 256 32 235 32 => 0\n" out)
# More possible CPUs than the table lists: the rest are offline, never onlined.
run(0 "${TOOL}" import "${d610}" --cpus 40)
expect("\nmatrix 256 32 235 40 => 0\n" out)
expect("offline, never onlined: 32-39" out)
file(WRITE "${WORK}/cpus40.trace" "${out}")
run(0 "${TOOL}" replay --check "${WORK}/cpus40.trace")
expect(" 0 mismatched" out)
# Fewer than the table lists: refused, naming the value.
run(2 "${TOOL}" import "${d610}" --cpus 16)
expect("nr_cpus 16" err)
# A window end given: the trace uses it; the avl column no longer fits the
# formula, which is reported as drift on stderr (not an error).
run(0 "${TOOL}" import "${d610}" --alloc-end 236)
expect("\nmatrix 256 32 236 32 => 0\n" out)
expect("drift" err)
# A window start given: import keeps the window's size the table implies.
run(0 "${TOOL}" import "${d610}" --alloc-start 20)
expect("\nmatrix 256 20 224 32 => 0\n" out)
run(0 "${TOOL}" import "${d610}" --alloc-start 20 --alloc-end 236 --cpus 33)
expect("\nmatrix 256 20 236 33 => 0\n" out)
# Vector 32 is allocated, so a window from 40 cannot hold the table.
run(2 "${TOOL}" import "${d610}" --alloc-start 40)
expect("holds every allocated vector" err)

# show: the rebuilt table follows the window (one more vector per CPU in
# [32,236), 32 CPUs: Global available 6414 + 32); extra possible CPUs are
# offline and so not listed; too few are refused.
run(0 "${TOOL}" show "${d610}")
set(show610 "${out}")
expect("Global available:   6414\n" out)
run(0 "${TOOL}" show "${d610}" --alloc-end 236)
expect("Global available:   6446\n" out)
expect("drift" err)
run(0 "${TOOL}" show "${d610}" --alloc-start 20 --alloc-end 236)
# 6414 + 32 CPUs x 12 more vectors each: 20 and 22-31 (21 is a system
# vector) and 235.
expect("Global available:   6798\n" out)
run(0 "${TOOL}" show "${d610}" --cpus 40)
expect_equal("${out}" "${show610}" "show --cpus 40 against show")
run(2 "${TOOL}" show "${d610}" --cpus 16)
expect("nr_cpus 16" err)
run(2 "${TOOL}" show "${d610}" --alloc-start 40)
expect("holds every allocated vector" err)

# fit: the window it reports and the blocks it finds follow the options.
run(0 "${TOOL}" fit "${d610}")
set(fit610 "${out}")
expect("32 online CPU(s), window [32,235)\n" out)
run(0 "${TOOL}" fit "${d610}" --alloc-start 20 --alloc-end 236)
expect("32 online CPU(s), window [20,236)\n" out)
expect("      2      1  cpu 2 base 22 " out)  # 22: the lowest free aligned pair from 20
run(0 "${TOOL}" fit "${d610}" --alloc-end 200)
expect("32 online CPU(s), window [32,200)\n" out)
run(0 "${TOOL}" fit "${d610}" --cpus 40)
expect_equal("${out}" "${fit610}" "fit --cpus 40 against fit")
run(2 "${TOOL}" fit "${d610}" --cpus 16)
expect("nr_cpus 16" err)

# ---- --table: a file with two different tables (the 6.10 dump, then the
# pre-6.6 DMAR-MSI one): each table is the one its file alone gives; one past
# the last is a clear error.
set(ddmar "${DUMPS}/vector-dmar-msi-cat.txt")
file(READ "${d610}" text610)
file(READ "${ddmar}" textdmar)
set(two "${WORK}/two-tables.txt")
file(WRITE "${two}" "${text610}${textdmar}")
run(0 "${TOOL}" show "${ddmar}")
set(showdmar "${out}")
run(0 "${TOOL}" fit "${ddmar}")
set(fitdmar_alone "${out}")
string(REPLACE "${ddmar}: " "${two}: " fitdmar "${out}")
string(REPLACE "${d610}: " "${two}: " fit610_two "${fit610}")

run(0 "${TOOL}" import "${two}")
expect("VECTOR table 0 of 2 " out)
expect("\nmatrix 256 32 235 32 => 0\n" out)
run(0 "${TOOL}" import "${two}" --table 1)
expect("VECTOR table 1 of 2 " out)
expect("\nmatrix 256 32 236 8 => 0\n" out)
file(WRITE "${WORK}/table1.trace" "${out}")
run(0 "${TOOL}" replay --check "${WORK}/table1.trace")
expect(" 0 mismatched" out)
run(0 "${TOOL}" show "${two}")
expect_equal("${out}" "${show610}" "show of table 0 against the 6.10 dump alone")
run(0 "${TOOL}" show "${two}" --table 1)
expect_equal("${out}" "${showdmar}" "show --table 1 against the DMAR-MSI dump alone")
run(0 "${TOOL}" fit "${two}" --table 0)
expect_equal("${out}" "${fit610_two}" "fit --table 0 against the 6.10 dump alone")
run(0 "${TOOL}" fit "${two}" --table 1)
expect_equal("${out}" "${fitdmar}" "fit --table 1 against the DMAR-MSI dump alone")
foreach(cmd import show fit)
    run(2 "${TOOL}" ${cmd} "${two}" --table 2)
    expect("the text has 2 VECTOR table(s), so there is no table 2 (counting from 0)" err)
endforeach()
# A multi-table capture (grep -r of every domain, 21 tables): the last one.
run(0 "${TOOL}" import "${DUMPS}/vector-dump-13.txt" --table 20)
expect("VECTOR table 20 of 21 " out)
run(2 "${TOOL}" show "${DUMPS}/vector-dump-13.txt" --table 21)
expect("no table 21" err)

# ---- show and fit on a trace: the state at its end. The trace import makes
# of a dump rebuilds it, so both must answer as for the dump itself.
run(0 "${TOOL}" import "${ddmar}")
file(WRITE "${WORK}/dmar.trace" "${out}")
run(0 "${TOOL}" show "${WORK}/dmar.trace")
expect_equal("${out}" "${showdmar}" "show of the imported trace against show of the dump")
run(0 "${TOOL}" fit "${WORK}/dmar.trace")
string(REPLACE "${ddmar}: " "${WORK}/dmar.trace: " fit_expected "${fitdmar_alone}")
expect_equal("${out}" "${fit_expected}" "fit of the imported trace against fit of the dump")
# The demo's boot trace: show prints the table replay --show prints after it.
run(0 "${TOOL}" demo --trace)
file(WRITE "${WORK}/demo.trace" "${out}")
run(0 "${TOOL}" replay --show "${WORK}/demo.trace")
string(FIND "${out}" "Online bitmaps:" at)
string(SUBSTRING "${out}" ${at} -1 replay_table)
run(0 "${TOOL}" show "${WORK}/demo.trace")
expect_equal("${out}" "${replay_table}" "show of the demo trace against replay --show")
expect("Online bitmaps:        4\n" out)
run(0 "${TOOL}" fit "${WORK}/demo.trace")
expect("${WORK}/demo.trace: 4 online CPU(s), window [32,235)\n" out)
# A trace whose stated results do not hold is not a state to show or fit.
foreach(cmd show fit)
    run(2 "${TOOL}" ${cmd} "${DATA}/mismatch.trace")
    expect("mismatch.trace: line 7: alloc 0-1 0 => expected 1 2, got 0 2" err)
endforeach()

# ---- replay of several files: each from a fresh matrix, in order. --------
run(0 "${TOOL}" replay "${DATA}/small.trace")
set(small "${out}")
run(0 "${TOOL}" replay "${DATA}/planning.trace")
set(planning "${out}")
run(0 "${TOOL}" replay "${DATA}/small.trace" "${DATA}/planning.trace")
expect_equal("${out}" "${small}${planning}" "replay of two files against each alone")
# '-' among them reads standard input at its place.
run(0 "${TOOL}" replay "${DATA}/planning.trace" - STDIN "${DATA}/small.trace")
expect_equal("${out}" "${planning}${small}" "replay FILE - against each alone")
# --check: one summary per file in order; one mismatch in the middle file
# makes the exit status 1 and is charged to that file only.
run(1 "${TOOL}" replay --check "${DATA}/small.trace" "${DATA}/mismatch.trace" "${DATA}/planning.trace")
expect_equal("${out}"
             "${DATA}/small.trace: 6 operations, 6 results checked, 0 mismatched\n\
${DATA}/mismatch.trace:7: alloc 0-1 0 => expected 1 2, got 0 2\n\
${DATA}/mismatch.trace: 4 operations, 4 results checked, 1 mismatched\n\
${DATA}/planning.trace: 31 operations, 31 results checked, 0 mismatched\n"
             "replay --check of three files")
run(0 "${TOOL}" replay --check "${DATA}/small.trace" "${DATA}/planning.trace")
# --show: a table after each trace, each its own trace's.
run(0 "${TOOL}" replay --show "${DATA}/small.trace" "${WORK}/demo.trace")
string(REGEX MATCHALL "Online bitmaps: +[0-9]+\n" shown "${out}")
if(NOT shown STREQUAL "Online bitmaps:        1\n;Online bitmaps:        4\n")
    message(FATAL_ERROR "replay --show of two traces: tables '${shown}'\n${out}")
endif()
