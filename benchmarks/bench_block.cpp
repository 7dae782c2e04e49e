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
    const bool ok = time_round_trip<E>(
        st, nr_cpus, "alloc_block or free_block refused in the timed loop",
        [order](E& e) {
            const got p = e.alloc_block_all(order);
            return p.ok && e.free_block(p.cpu, p.base, order) ? key(p) : 0;
        },
        [order](const workload& w) { return w.expect_block[order]; });
    if (!ok) return;
    st.counters["order"] = order;
    // CPUs that have such a free block
    st.counters["room_pct"] = workload_for(nr_cpus).facts.room_pct[order];
}

}  // namespace

void register_block() {
    for (const unsigned n : cpu_counts) {
        for (unsigned k = 0; k <= max_order; ++k) {
            const std::string stem =
                "alloc_block/cpus:" + std::to_string(n) + "/order:" + std::to_string(k);
            register_pair(stem, alloc_block_free<lib_engine>, alloc_block_free<model_engine>, n, k);
        }
    }
}

}  // namespace irqmatrix_bench
