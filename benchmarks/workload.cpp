// SPDX-License-Identifier: MIT
// The benchmarks' starting state: an x86 matrix (256 vectors, window [32,
// 236)) with every CPU online and each CPU's window about half allocated by a
// seeded mix of single vectors and aligned blocks, with holes punched in it.
// Built once per CPU count by the library, replayed on the model, and the two
// fills' placement checksums compared.
#include <map>
#include <utility>

#include "model_engines.hpp"

namespace irqmatrix_bench {
namespace {

constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
    return (h ^ v) * 0x0000'0100'0000'01b3ull;  // FNV-1a step
}

// Brings every CPU online and fills it. Returns an error message, or "".
// The sequence of operations depends only on the seed and on the placements
// the engine returns, so two correct engines make identical fills.
template <class E>
std::string fill(E& e, unsigned nr_cpus, std::uint64_t& checksum) {
    for (unsigned c = 0; c < nr_cpus; ++c)
        if (!e.online(c)) return "online(" + std::to_string(c) + ") failed";
    rng r(workload_seed ^ nr_cpus);
    std::uint64_t h = 0xcbf2'9ce4'8422'2325ull;
    for (unsigned c = 0; c < nr_cpus; ++c) {
        e.select(c);
        // target is window/2 +- 4, so CPUs differ a little in available
        // vectors and the "most available" scan has a definite winner.
        const unsigned target = window_size / 2 - 4 + r.below(9);
        const auto alloc = [&](unsigned order, unsigned& base) {
            const got p = order == 0 ? e.alloc_one() : e.alloc_block_one(order);
            if (!p.ok || p.cpu != c) return false;
            base = p.base;
            h = mix(h, (key(p) << 3) | order);
            return true;
        };
        const auto free = [&](unsigned base, unsigned order) {
            h = mix(h, ~std::uint64_t{base});
            return order == 0 ? e.free(c, base) : e.free_block(c, base, order);
        };
        if (std::string err = irqmatrix_benchsupport::fill_window(
                r, target, target + irqmatrix_benchsupport::overshoot, /*shrink=*/false,
                " on cpu " + std::to_string(c), alloc, free);
            !err.empty())
            return err;
    }
    checksum = h;
    return {};
}

// Reads the facts the benchmarks report and check from the library's state.
std::string describe(workload& w) {
    const irqmatrix::matrix& m = w.lib->matrix();
    if (std::string v = m.verify(); !v.empty()) return "verify() after the fill: " + v;
    const unsigned n = w.nr_cpus;
    w.facts = irqmatrix_benchsupport::facts_of(m);
    w.lowest_free.resize(n);
    for (unsigned c = 0; c < n; ++c) {
        w.lowest_free[c] = m.free_map(c).find_aligned_run(0);
        if (w.lowest_free[c] >= x86_alloc_end) return "cpu " + std::to_string(c) + " is full";
    }

    // Where the all-CPU allocations go: try each on a scratch copy and put it back.
    lib_engine scratch(*w.lib);
    w.expect_all = scratch.alloc_all();
    if (!w.expect_all.ok || !scratch.free(w.expect_all.cpu, w.expect_all.base))
        return "alloc(all CPUs) fails in the filled state";
    for (unsigned k = 0; k <= max_order; ++k) {
        w.expect_block[k] = scratch.alloc_block_all(k);
        if (!w.expect_block[k].ok ||
            !scratch.free_block(w.expect_block[k].cpu, w.expect_block[k].base, k))
            return "alloc_block(all CPUs, order " + std::to_string(k) +
                   ") fails in the filled state";
    }
    if (!(scratch.matrix() == m)) return "alloc + free did not restore the filled state";
    return {};
}

// Where the model's state differs from the library's, in words, or "".
std::string compare(const irqmatrix_model::naive_matrix& model, const irqmatrix::matrix& lib) {
    const irqmatrix::matrix_stats g = lib.stats();
    if (model.online_maps() != g.online_maps || model.global_available() != g.global_available ||
        model.global_reserved() != g.global_reserved ||
        model.total_allocated() != g.total_allocated ||
        model.systembits_inalloc() != g.systembits_inalloc)
        return "global counters";
    for (unsigned c = 0; c < lib.nr_cpus(); ++c) {
        const irqmatrix_model::cpu_state& a = model.cpu(c);
        const auto& b = lib.cpu_map(c);
        if (a.online != b.online || a.available != b.available || a.allocated != b.allocated ||
            a.managed != b.managed || a.managed_allocated != b.managed_allocated)
            return "counters of cpu " + std::to_string(c);
        for (unsigned bit = 0; bit < x86_bits; ++bit)
            if (a.alloc_map[bit] != b.alloc_map.test(bit) ||
                a.managed_map[bit] != b.managed_map.test(bit))
                return "bitmaps of cpu " + std::to_string(c);
    }
    return {};
}

}  // namespace

bool same_state(const irqmatrix_model::naive_matrix& a, const irqmatrix_model::naive_matrix& b) {
    if (a.nr_cpus() != b.nr_cpus() || a.system_map() != b.system_map() ||
        a.online_maps() != b.online_maps() || a.global_available() != b.global_available() ||
        a.global_reserved() != b.global_reserved() || a.total_allocated() != b.total_allocated() ||
        a.systembits_inalloc() != b.systembits_inalloc())
        return false;
    for (unsigned c = 0; c < a.nr_cpus(); ++c) {
        const irqmatrix_model::cpu_state& x = a.cpu(c);
        const irqmatrix_model::cpu_state& y = b.cpu(c);
        if (x.online != y.online || x.initialized != y.initialized || x.available != y.available ||
            x.allocated != y.allocated || x.managed != y.managed ||
            x.managed_allocated != y.managed_allocated || x.alloc_map != y.alloc_map ||
            x.managed_map != y.managed_map)
            return false;
    }
    return true;
}

workload& workload_for(unsigned nr_cpus) {
    static std::map<unsigned, workload> cache;
    auto [it, fresh] = cache.try_emplace(nr_cpus);
    workload& w = it->second;
    if (fresh) {
        w.nr_cpus = nr_cpus;
        w.lib = std::make_unique<lib_engine>(nr_cpus);
        w.error = fill(*w.lib, nr_cpus, w.fill_checksum);
        if (w.error.empty()) w.error = describe(w);
    }
    return w;
}

const model_engine* model_for(workload& w, benchmark::State& st) {
    if (!w.model && w.model_error.empty()) {
        auto m = std::make_unique<model_engine>(w.nr_cpus);
        std::uint64_t sum = 0;
        if (std::string e = fill(*m, w.nr_cpus, sum); !e.empty())
            w.model_error = "model " + e;
        else if (sum != w.fill_checksum)
            w.model_error = "the model's fill placed differently from the library's";
        else if (std::string d = compare(m->matrix(), w.lib->matrix()); !d.empty())
            w.model_error = "after the fill the model and the library differ: " + d;
        else
            w.model = std::move(m);
    }
    if (!w.model) fail(st, w.model_error);
    return w.model.get();
}

void set_common_counters(benchmark::State& st, const workload& w) {
    irqmatrix_benchsupport::set_fill_counters(st, w.nr_cpus, w.facts);
}

}  // namespace irqmatrix_bench
