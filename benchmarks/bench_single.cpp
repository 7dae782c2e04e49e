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
    const std::uint64_t sum = timed_round_trips(st, "alloc or free refused in the timed loop", [&] {
        const got p = e->alloc_all();
        return p.ok && e->free(p.cpu, p.base) ? key(p) : 0;
    });
    finish(st, *e, w, sum, repeated(st, w.expect_all));
}

}  // namespace

void register_single() {
    register_per_cpu_count("alloc_free", alloc_free<lib_engine>, alloc_free<model_engine>);
}

}  // namespace irqmatrix_bench
