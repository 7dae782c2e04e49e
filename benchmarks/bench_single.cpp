// SPDX-License-Identifier: MIT
// Scenario family: single vectors. One timed iteration is irq_matrix_alloc()
// of one vector over the mask of all online CPUs followed by its free(), on a
// matrix kept half full, for the library and for the naive model.
#include "model_engines.hpp"

namespace irqmatrix_bench {
namespace {

template <class E>
void alloc_free(benchmark::State& st, unsigned nr_cpus) {
    time_round_trip<E>(
        st, nr_cpus, "alloc or free refused in the timed loop",
        [](E& e) {
            const got p = e.alloc_all();
            return p.ok && e.free(p.cpu, p.base) ? key(p) : 0;
        },
        [](const workload& w) { return w.expect_all; });
}

}  // namespace

void register_single() {
    register_per_cpu_count("alloc_free", alloc_free<lib_engine>, alloc_free<model_engine>);
}

}  // namespace irqmatrix_bench
