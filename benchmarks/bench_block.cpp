// SPDX-License-Identifier: MIT
// Scenario family: aligned blocks by order. One timed iteration is
// alloc_block() of 2^order vectors over the mask of all online CPUs followed
// by free_block(), for every order 0..5, on a matrix kept half full, for the
// library and for the naive model.
#include "model_engines.hpp"

namespace irqmatrix_bench {
namespace {

template <class E>
void alloc_block_free(benchmark::State& st, unsigned nr_cpus, unsigned order) {
    workload& w = workload_for(nr_cpus);
    const auto e = engine_copy<E>(w, st);
    if (!e) return;
    std::uint64_t sum = 0;
    for (auto _ : st) {
        const got p = e->alloc_block_all(order);
        if (!p.ok || !e->free_block(p.cpu, p.base, order)) {
            fail(st, "alloc_block or free_block refused in the timed loop");
            break;
        }
        sum += key(p);
    }
    if (st.error_occurred()) return;
    check_sum(st, sum, key(w.expect_block[order]) * static_cast<std::uint64_t>(st.iterations()));
    back_to_start(st, *e, w);
    set_common_counters(st, w);
    st.counters["order"] = order;
    st.counters["room_pct"] = w.facts.room_pct[order];  // CPUs that have such a free block
    st.SetLabel(E::name);
}

}  // namespace

void register_block() {
    for (const unsigned n : cpu_counts) {
        for (unsigned k = 0; k <= max_order; ++k) {
            const std::string stem =
                "alloc_block/cpus:" + std::to_string(n) + "/order:" + std::to_string(k);
            tune(benchmark::RegisterBenchmark(bench_name<lib_engine>(stem).c_str(),
                                              alloc_block_free<lib_engine>, n, k),
                 false, n);
            tune(benchmark::RegisterBenchmark(bench_name<model_engine>(stem).c_str(),
                                              alloc_block_free<model_engine>, n, k),
                 true, n);
        }
    }
}

}  // namespace irqmatrix_bench
