// SPDX-License-Identifier: MIT
// The one main() of the benchmark programs. Each program (irqmatrix-bench,
// irqmatrix-scale) links this file with its own program() (bench_common.hpp):
// main registers the program's scenario families in a fixed order (each
// benchmark as a pair, `.../lib` beside `.../model` or `.../baseline`), adds
// the build to the run's context and, on the console, ends the run with a
// summary that pairs every `.../lib` row with its partner and prints the
// ratio partner / lib. Other output formats (--benchmark_format=json|csv) and
// --benchmark_out are Google Benchmark's own, untouched.
//
// Our own flag, removed before Google Benchmark sees the arguments, for a
// program that names a quick filter:
//   --quick   only the quick filter's rows, 0.02 s per row (seconds, not
//             minutes); a --benchmark_filter given as well wins over it.
#include <cstdio>
#include <string_view>
#include <vector>

#include "bench_common.hpp"
#include "support/report.hpp"

int main(int argc, char** argv) {
    namespace bs = irqmatrix_benchsupport;
    const bs::program_info& program = bs::program();
    std::vector<char*> args;
    bool quick = false;
    for (int i = 0; i < argc; ++i) {
        if (i > 0 && program.quick_filter && std::string_view(argv[i]) == "--quick")
            quick = true;
        else
            args.push_back(argv[i]);
    }
    int n = static_cast<int>(args.size());
    const auto flags = bs::read_flags(n, args.data());
    std::string quick_filter = "--benchmark_filter=";
    if (quick && !flags.filter) args.push_back((quick_filter += program.quick_filter).data());
    n = static_cast<int>(args.size());
    args.push_back(nullptr);
    if (quick) {
        bs::settings().quick = true;
        bs::settings().min_time = 0.02;
        bs::settings().slow_min_time = 0.02;
    }

    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
#ifdef NDEBUG
    benchmark::AddCustomContext("irqmatrix_build", "NDEBUG, IRQMATRIX_DEBUG_LEVEL=0");
#else
    benchmark::AddCustomContext(
        "irqmatrix_build", "no NDEBUG: build with -DCMAKE_BUILD_TYPE=Release for real figures");
#endif
    if (program.add_context) program.add_context();
    program.register_all();
    bs::run_paired(flags, program.other, program.cpu_time);
    benchmark::Shutdown();
    if (bs::error_count() > 0) {
        std::fprintf(stderr, "%s: some benchmarks failed their self-checks (see ERROR OCCURRED)\n",
                     args[0]);
        return 1;
    }
    return 0;
}
