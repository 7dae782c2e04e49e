// SPDX-License-Identifier: MIT
// main() of irqmatrix-bench: registers the scenario families in a fixed order
// (each benchmark as a lib/model pair) and, on the console, ends the run with
// a summary that pairs every `.../lib` row with its `.../model` row and prints
// the ratio model / lib. Other output formats (--benchmark_format=json|csv)
// and --benchmark_out are Google Benchmark's own, untouched.
#include "bench_common.hpp"

int main(int argc, char** argv) {
    const auto flags = irqmatrix_benchsupport::read_flags(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
#ifdef NDEBUG
    benchmark::AddCustomContext("irqmatrix_build", "NDEBUG, IRQMATRIX_DEBUG_LEVEL=0");
#else
    benchmark::AddCustomContext("irqmatrix_build",
                                "no NDEBUG: build with -DCMAKE_BUILD_TYPE=Release for real figures");
#endif
    irqmatrix_bench::register_single();
    irqmatrix_bench::register_block();
    irqmatrix_bench::register_managed();
    irqmatrix_benchsupport::run_paired(flags, "model", /*cpu_time=*/false);
    benchmark::Shutdown();
    return 0;
}
