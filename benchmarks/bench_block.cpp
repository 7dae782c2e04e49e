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
    const std::uint64_t sum =
        timed_round_trips(st, "alloc_block or free_block refused in the timed loop", [&] {
            const got p = e->alloc_block_all(order);
            return p.ok && e->free_block(p.cpu, p.base, order) ? key(p) : 0;
        });
    if (!finish(st, *e, w, sum, repeated(st, w.expect_block[order]))) return;
    st.counters["order"] = order;
    st.counters["room_pct"] = w.facts.room_pct[order];  // CPUs that have such a free block
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
