// SPDX-License-Identifier: MIT
// Scenario family: managed vectors. One timed iteration is the life of a
// managed interrupt on one CPU: reserve_managed({cpu}), alloc_managed({cpu}),
// free(managed) and remove_managed({cpu}). The CPU advances by one each
// iteration, so every CPU's bitmaps are visited; the matrix stays half full.
// For the library and for the naive model.
#include "model_engines.hpp"

namespace irqmatrix_bench {
namespace {

template <class E>
void managed_cycle(benchmark::State& st, unsigned nr_cpus) {
    workload& w = workload_for(nr_cpus);
    const auto e = engine_copy<E>(w, st);
    if (!e) return;
    std::uint64_t sum = 0;
    unsigned cpu = 0;
    for (auto _ : st) {
        e->select(cpu);
        if (!e->reserve_managed_one()) {
            fail(st, "reserve_managed refused in the timed loop");
            break;
        }
        const got p = e->alloc_managed_one();
        if (!p.ok || !e->free_managed(p.cpu, p.base) || !e->remove_managed_one()) {
            fail(st, "alloc_managed, free or remove_managed refused in the timed loop");
            break;
        }
        sum += key(p);
        if (++cpu == nr_cpus) cpu = 0;
    }
    if (st.error_occurred()) return;
    // The reservation, hence the allocation, is each CPU's lowest free vector.
    std::uint64_t want = 0;
    cpu = 0;
    for (benchmark::IterationCount i = 0; i < st.iterations(); ++i) {
        want += key({true, cpu, w.lowest_free[cpu]});
        if (++cpu == nr_cpus) cpu = 0;
    }
    check_sum(st, sum, want);
    back_to_start(st, *e, w);
    set_common_counters(st, w);
    st.SetLabel(E::name);
}

}  // namespace

void register_managed() {
    for (const unsigned n : cpu_counts) {
        const std::string stem = "managed_cycle/cpus:" + std::to_string(n);
        tune(benchmark::RegisterBenchmark(bench_name<lib_engine>(stem).c_str(),
                                          managed_cycle<lib_engine>, n),
             false, n);
        tune(benchmark::RegisterBenchmark(bench_name<model_engine>(stem).c_str(),
                                          managed_cycle<model_engine>, n),
             true, n);
    }
}

}  // namespace irqmatrix_bench
