// SPDX-License-Identifier: MIT
// main() of irqmatrix-scale: the library against the kernel baseline at 4 to
// 8192 CPUs and 10%, 50% and 90% fill. Registers the families in a fixed
// order, each benchmark as a lib/baseline pair, adds the build and the memory
// per CPU to the run's context, and on the console ends with a table pairing
// every `.../lib` row with its `.../baseline` row and the ratio baseline / lib.
// The table uses CPU time, not real time: on a shared machine (other jobs on
// the same cores) the process's CPU time is what the code cost; a
// single-threaded benchmark has the same CPU time and real time otherwise.
//
// Our own flag, removed before Google Benchmark sees the arguments:
//   --quick   only the 50% fill rows, 0.02 s per row (about 5 seconds);
//             a --benchmark_filter given as well wins over its filter.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>


#include "scale_common.hpp"

namespace {

// The library's memory per CPU, if it reports it (bytes_per_cpu() or
// memory_per_cpu()); otherwise sizeof its per-CPU state alone.
template <class M>
std::string library_bytes_per_cpu() {
    const auto number = [](double v) { return irqmatrix_common::general(v); };
    if constexpr (requires { M::bytes_per_cpu(); })
        return number(static_cast<double>(M::bytes_per_cpu())) +
               " (bytes_per_cpu(): per-CPU state and index; sizeof(cpumap<256>) = " +
               std::to_string(sizeof(typename M::cpumap_type)) + ")";
    else if constexpr (requires { M::memory_per_cpu(); })
        return number(static_cast<double>(M::memory_per_cpu())) +
               " (memory_per_cpu(): per-CPU state and index; sizeof(cpumap<256>) = " +
               std::to_string(sizeof(typename M::cpumap_type)) + ")";
    else
        return std::to_string(sizeof(typename M::cpumap_type)) +
               " (sizeof(cpumap<256>); the library reports no index size)";
}

}  // namespace

int main(int argc, char** argv) {
    // Our --quick, taken out before Google Benchmark parses the rest.
    std::vector<char*> args;
    bool quick = false;
    for (int i = 0; i < argc; ++i) {
        if (i > 0 && std::string_view(argv[i]) == "--quick")
            quick = true;
        else
            args.push_back(argv[i]);
    }
    int n = static_cast<int>(args.size());
    const auto flags = irqmatrix_benchsupport::read_flags(n, args.data());
    static char quick_filter[] = "--benchmark_filter=fill:50/";
    if (quick && !flags.filter) args.push_back(quick_filter);
    n = static_cast<int>(args.size());
    args.push_back(nullptr);
    irqmatrix_scale::run_settings& s = irqmatrix_scale::settings();
    if (quick) {
        s.quick = true;
        s.min_time = 0.02;
        s.slow_min_time = 0.02;
    }

    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
#ifdef NDEBUG
    benchmark::AddCustomContext("irqmatrix_build", "NDEBUG, IRQMATRIX_DEBUG_LEVEL=0");
#else
    benchmark::AddCustomContext("irqmatrix_build",
                                "no NDEBUG: build with -DCMAKE_BUILD_TYPE=Release for real figures");
#endif
    benchmark::AddCustomContext("lib_bytes_per_cpu", library_bytes_per_cpu<irqmatrix::matrix>());
    benchmark::AddCustomContext("baseline_bytes_per_cpu",
                                std::to_string(sizeof(irqmatrix_baseline::cpumap)) +
                                    " (sizeof(struct cpumap), 256-bit maps)");
    irqmatrix_scale::register_single();
    irqmatrix_scale::register_managed();
    irqmatrix_scale::register_block();
    irqmatrix_scale::register_search();
    irqmatrix_benchsupport::run_paired(flags, "baseline", /*cpu_time=*/true);
    benchmark::Shutdown();
    if (irqmatrix_scale::error_count() > 0) {
        std::fprintf(stderr, "irqmatrix-scale: some benchmarks failed their self-checks (see ERROR OCCURRED)\n");
        return 1;
    }
    return 0;
}
