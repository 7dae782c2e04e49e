// SPDX-License-Identifier: MIT
// Scenario family: single vectors. One timed iteration is irq_matrix_alloc()
// of one vector followed by its free():
//   alloc_free/cpus:N/fill:F            the mask is every online CPU
//   alloc_free_mask/mask:M/cpus:N/fill:F
//       M = half: a seeded random half of the CPUs;
//       M = node: 64 contiguous CPUs (N/2 .. N/2+63), N >= 128 only;
//       M = one:  the single CPU N/2.
// Library and baseline on the same state; the loop's outcomes are
// checksummed against the placement both agreed on beforehand.
#include "scale_engines.hpp"

namespace irqmatrix_scale {
namespace {

template <class E>
void alloc_free(benchmark::State& st, unsigned nr_cpus, unsigned fill, unsigned mask) {
    const workload& w = workload_for(nr_cpus, fill);
    const auto e = engine_copy<E>(w, st);
    if (!e) return;
    const typename E::mask_type m = E::prepare(w.masks[mask]);
    std::uint64_t sum = 0;
    for (auto _ : st) {
        const outcome p = e->alloc(m);
        if (!p.ok() || !e->free(p.cpu, p.base, false)) {
            fail(st, "alloc or free refused in the timed loop");
            break;
        }
        sum += key(p);
    }
    if (st.error_occurred()) return;
    check_sum(st, sum, key(w.expect_alloc[mask]) * static_cast<std::uint64_t>(st.iterations()));
    back_to_start(st, *e, start_state<E>(w));
    set_common_counters(st, w, 2);
    st.counters["mask_cpus"] = w.masks[mask].count();
    st.SetLabel(E::name);
}

}  // namespace

void register_single() {
    for (const unsigned n : cpu_counts)
        for (const unsigned f : fills)
            register_pair("alloc_free/cpus:" + std::to_string(n) + "/fill:" + std::to_string(f),
                          n >= 4096, alloc_free<lib_engine>, alloc_free<baseline_engine>, n, f,
                          unsigned{mask_all});
    for (const unsigned mask : {unsigned{mask_half}, unsigned{mask_node}, unsigned{mask_one}})
        for (const unsigned n : cpu_counts) {
            if (mask == mask_node && n < 128) continue;
            for (const unsigned f : fills)
                register_pair(std::string("alloc_free_mask/mask:") + mask_names[mask] +
                                  "/cpus:" + std::to_string(n) + "/fill:" + std::to_string(f),
                              n >= 4096 && mask == mask_half, alloc_free<lib_engine>,
                              alloc_free<baseline_engine>, n, f, mask);
        }
}

}  // namespace irqmatrix_scale
