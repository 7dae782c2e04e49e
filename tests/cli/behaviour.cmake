# The tool's command-line contract: GNU --help/--version, usage errors with
# exit 2, print mode, standard input, and check mode reporting mismatches
# with line numbers and exit 1.
file(MAKE_DIRECTORY "${WORK}")

include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")  # run(), expect()

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

# The demo's small boot trace replays to the kernel's table.
run(0 "${TOOL}" demo --trace)
file(WRITE "${WORK}/demo.trace" "${out}")
run(0 "${TOOL}" replay --show "${WORK}/demo.trace")
expect("Online bitmaps:        4\n" out)
expect(" | CPU | avl | man | mac | act | vectors\n" out)

# The fragmentation demo (shortened): the table on stdout, every file written.
file(REMOVE_RECURSE "${WORK}/demo-out")
run(0 "${TOOL}" demo --duration 300 -q -o "${WORK}/demo-out")
expect("policy      blocks  granted  capacity  fragment." out)
foreach(policy kernel pack best_fit freebsd)
    expect("\n${policy} " out)
    if(NOT EXISTS "${WORK}/demo-out/heatmap-${policy}.svg")
        message(FATAL_ERROR "demo wrote no heatmap-${policy}.svg")
    endif()
endforeach()
foreach(f summary.csv timeseries.csv result.json success-rate.svg fragmentation.svg
          cpus-with-block.svg failures.svg)
    if(NOT EXISTS "${WORK}/demo-out/${f}")
        message(FATAL_ERROR "demo wrote no ${f}")
    endif()
endforeach()
file(READ "${WORK}/demo-out/success-rate.svg" svg)
expect("<svg" svg)
run(0 "${TOOL}" demo --workload)
expect("[machine]" out)

# sim: a workload file; its errors name the line; unknown policies refused.
file(WRITE "${WORK}/w.toml" "[machine]\ncpus = 2\n[[devices]]\nname = \"a\"\nkind = \"multi_msi\"\nvectors = 32\ncount = 3\n")
run(0 "${TOOL}" sim "${WORK}/w.toml" --no-files --policies kernel,pack)
expect("\nkernel " out)
expect("\npack " out)
file(WRITE "${WORK}/bad.toml" "[machine]\ncpus = 2\nwheels = 4\n")
run(2 "${TOOL}" sim "${WORK}/bad.toml")
expect("bad.toml: line 3: unknown key 'wheels'" err)
run(2 "${TOOL}" sim "${WORK}/w.toml" --policies worst)
run(2 "${TOOL}" sim "${WORK}/missing.toml")

# Real machine states: show reproduces a shipped dump's table byte for byte,
# import writes a trace that replays with every result as stated, fit
# answers for each multi-MSI size; a non-dump is a clear error.
set(dump "${DATA}/../data/vector-dump-13.txt")
run(0 "${TOOL}" show "${dump}")
expect("Online bitmaps:       32\nGlobal available:   6316\n" out)
expect("\n     0   197     2     1    3  33-34,38\n" out)
run(0 "${TOOL}" import "${dump}")
file(WRITE "${WORK}/imported.trace" "${out}")
run(0 "${TOOL}" replay --check "${WORK}/imported.trace")
expect("0 mismatched" out)
run(0 "${TOOL}" fit "${dump}")
expect("     32      5" out)
file(WRITE "${WORK}/not-a-dump.txt" "hello\n")
run(2 "${TOOL}" import "${WORK}/not-a-dump.txt")
expect("not-a-dump.txt" err)
run(2 "${TOOL}" show "${WORK}/no-such-file.txt")

# The planning operations replay with every stated result.
run(0 "${TOOL}" replay --check "${DATA}/planning.trace")
expect("0 mismatched" out)
