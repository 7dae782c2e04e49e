// SPDX-License-Identifier: MIT
// Scenario family: aligned blocks. One timed iteration is alloc_block() of
// 2^K vectors (K = 1..5) over every online CPU, then free_block() of it:
//   alloc_block/cpus:N/order:K/fill:F
// At 90% fill no CPU may have a free aligned block of the order (an order-5
// block needs 32 free vectors in an aligned run); the refusal (ENOSPC) is
// then what both engines must return and what the loop times (counter
// found = 0).
#include "scale_engines.hpp"

namespace irqmatrix_scale {
namespace {

template <class E>
void alloc_block_free(benchmark::State& st, unsigned nr_cpus, unsigned fill, unsigned order) {
    // A refused alloc_block is an outcome to time (ENOSPC, key non-zero).
    const workload& w = workload_for(nr_cpus, fill);
    const bool found = w.expect_block[order].ok();
    const bool ok = time_round_trip<E>(
        st, nr_cpus, fill, mask_all, "free_block refused in the timed loop", found ? 2 : 1,
        [order](E& e, const typename E::mask_type& m) {
            const outcome p = e.alloc_block(m, order);
            return !p.ok() || e.free_block(p.cpu, p.base, order, false) ? key(p) : 0;
        },
        [order](const workload& wl) { return wl.expect_block[order]; });
    if (!ok) return;
    st.counters["order"] = order;
    st.counters["found"] = found ? 1 : 0;
    st.counters["room_pct"] =
        w.facts.room_pct[order];  // CPUs with a free aligned block of the order
}

}  // namespace

void register_block() {
    for (const unsigned n : cpu_counts)
        for (unsigned k = 1; k <= max_order; ++k)
            for (const unsigned f : fills)
                register_pair("alloc_block/cpus:" + std::to_string(n) +
                                  "/order:" + std::to_string(k) + "/fill:" + std::to_string(f),
                              n >= 4096, alloc_block_free<lib_engine>,
                              alloc_block_free<baseline_engine>, n, f, k);
}

}  // namespace irqmatrix_scale
