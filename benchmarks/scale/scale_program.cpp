// SPDX-License-Identifier: MIT
// irqmatrix-scale, as bench_main.cpp runs it: the library against the kernel
// baseline at 4 to 8192 CPUs and 10%, 50% and 90% fill. The families in a
// fixed order, each benchmark as a lib/baseline pair; the memory per CPU of
// both added to the run's context. The summary uses CPU time, not real time:
// on a shared machine (other jobs on the same cores) the process's CPU time
// is what the code cost; a single-threaded benchmark has the same CPU time
// and real time otherwise. --quick runs the 50% fill rows only (about 5
// seconds).
#include <string>

#include "irqmatrix_common/format.hpp"
#include "scale_engines.hpp"

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

void add_context() {
    benchmark::AddCustomContext("lib_bytes_per_cpu", library_bytes_per_cpu<irqmatrix::matrix>());
    benchmark::AddCustomContext("baseline_bytes_per_cpu",
                                std::to_string(sizeof(irqmatrix_baseline::cpumap)) +
                                    " (sizeof(struct cpumap), 256-bit maps)");
}

void register_all() {
    irqmatrix_scale::register_single();
    irqmatrix_scale::register_managed();
    irqmatrix_scale::register_block();
    irqmatrix_scale::register_search();
}

}  // namespace

const irqmatrix_benchsupport::program_info& irqmatrix_benchsupport::program() {
    static const program_info p{"baseline", /*cpu_time=*/true, "fill:50/", &add_context,
                                &register_all};
    return p;
}
