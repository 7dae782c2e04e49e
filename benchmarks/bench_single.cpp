// SPDX-License-Identifier: MIT
// Scenario family: single vectors. One timed iteration is irq_matrix_alloc()
// of one vector over the mask of all online CPUs followed by its free(), on a
// matrix kept half full, for the library and for the naive model.
#include "model_engines.hpp"

namespace irqmatrix_bench {
namespace {

template <class E>
void alloc_free(benchmark::State& st, unsigned nr_cpus) {
    workload& w = workload_for(nr_cpus);
    const auto e = engine_copy<E>(w, st);
    if (!e) return;
    std::uint64_t sum = 0;
    for (auto _ : st) {
        const got p = e->alloc_all();
        if (!p.ok || !e->free(p.cpu, p.base)) {
            fail(st, "alloc or free refused in the timed loop");
            break;
        }
        sum += key(p);
    }
    if (st.error_occurred()) return;
    check_sum(st, sum, key(w.expect_all) * static_cast<std::uint64_t>(st.iterations()));
    back_to_start(st, *e, w);
    set_common_counters(st, w);
    st.SetLabel(E::name);
}

}  // namespace

void register_single() {
    for (const unsigned n : cpu_counts) {
        const std::string stem = "alloc_free/cpus:" + std::to_string(n);
        tune(benchmark::RegisterBenchmark(bench_name<lib_engine>(stem).c_str(),
                                          alloc_free<lib_engine>, n),
             false, n);
        tune(benchmark::RegisterBenchmark(bench_name<model_engine>(stem).c_str(),
                                          alloc_free<model_engine>, n),
             true, n);
    }
}

}  // namespace irqmatrix_bench
