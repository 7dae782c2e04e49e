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
    unsigned cpu = 0;
    const std::uint64_t sum = timed_round_trips(
        st, "reserve_managed, alloc_managed, free or remove_managed refused in the timed loop",
        [&] {
            e->select(cpu);
            if (!e->reserve_managed_one()) return std::uint64_t{0};
            const got p = e->alloc_managed_one();
            if (!p.ok || !e->free_managed(p.cpu, p.base) || !e->remove_managed_one())
                return std::uint64_t{0};
            if (++cpu == nr_cpus) cpu = 0;
            return key(p);
        });
    if (st.error_occurred()) return;
    // The reservation, hence the allocation, is each CPU's lowest free vector.
    finish(st, *e, w, sum, rotating_sum(st, nr_cpus, [&](std::size_t c) {
               return key({true, static_cast<unsigned>(c), w.lowest_free[c]});
           }));
}

}  // namespace

void register_managed() {
    register_per_cpu_count("managed_cycle", managed_cycle<lib_engine>, managed_cycle<model_engine>);
}

}  // namespace irqmatrix_bench
