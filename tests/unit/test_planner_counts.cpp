// SPDX-License-Identifier: MIT
// The planner's kept free-block counts and its guarded picks (planner.hpp),
// each against something deliberately simple written here:
//   * the closed form of admission (R_k >= need_k) against demand_fits();
//   * largest_breakable() against taking a real block out of a real free map
//     and asking demand_fits() again;
//   * the counts the planner keeps against a bit-by-bit recount, after every
//     operation of a seeded random run (hotplug, managed masks, blocks,
//     moves, evacuations, system vectors);
//   * every built-in policy under guarantees: each success keeps the demand
//     placeable, each refusal for lack of room is right (no free block of the
//     mask would have kept it), every refusal changes nothing, and an
//     outstanding reservation can always be allocated over every online CPU.
#include <cstdint>
#include <random>
#include <string>

#include <irqmatrix/planner.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

namespace {

using irqmatrix::block_demand;
using irqmatrix::cpu_set;
using irqmatrix::max_order;

// Free aligned blocks of each order, bit by bit.
template <class Bitmap>
block_demand naive_runs(const Bitmap& free) {
    block_demand r{};
    for (unsigned k = 0; k <= max_order; ++k)
        for (unsigned base = 0; base + (1u << k) <= Bitmap::capacity; base += 1u << k)
            r[k] += free.all_set(base, 1u << k) ? 1u : 0u;
    return r;
}

template <class P>
block_demand naive_online_runs(const P& p) {
    block_demand total{};
    for (unsigned c = 0; c < p.nr_cpus(); ++c) {
        if (!p.matrix().cpu_map(c).online) continue;
        const block_demand r = naive_runs(p.matrix().free_map(c));
        for (unsigned k = 0; k <= max_order; ++k) total[k] += r[k];
    }
    return total;
}

unsigned below(std::mt19937& rng, unsigned n) { return static_cast<unsigned>(rng() % n); }

block_demand random_demand(std::mt19937& rng, unsigned most) {
    block_demand d{};
    for (auto& n : d) n = below(rng, most + 1);
    return d;
}

irqmatrix::bitmap<256> random_map(std::mt19937& rng) {
    irqmatrix::bitmap<256> b;
    const unsigned density = below(rng, 100);
    for (unsigned v = 0; v < 256; ++v)
        if (below(rng, 100) < density) b.set(v);
    return b;
}

}  // namespace

TEST_CASE("planner counts: admission's closed form is demand_fits", "[planner][counts]") {
    std::mt19937 rng(1);
    for (int trial = 0; trial < 20000; ++trial) {
        const block_demand runs = naive_runs(random_map(rng));
        const block_demand demand = random_demand(rng, trial % 2 ? 3 : 40);
        bool closed_form = true;
        for (unsigned k = 0; k <= max_order; ++k) {
            std::uint64_t need = 0;
            for (unsigned i = k; i <= max_order; ++i) need += demand[i] << (i - k);
            closed_form = closed_form && runs[k] >= need;
        }
        REQUIRE(irqmatrix::detail::demand_fits(runs, demand) == closed_form);
    }
}

TEST_CASE("planner counts: largest_breakable is where taking a block stops keeping the demand",
          "[planner][counts]") {
    std::mt19937 rng(2);
    for (int trial = 0; trial < 20000; ++trial) {
        // Several maps' worth of free space, and a block taken from the first.
        irqmatrix::bitmap<256> free = random_map(rng);
        const unsigned order = below(rng, max_order + 1);
        const unsigned n = 1u << order;
        unsigned base = ~0u;
        for (unsigned b = 0; b + n <= 256 && base == ~0u; b += n)
            if (free.all_set(b, n) && below(rng, 3) == 0) base = b;
        if (base == ~0u) continue;
        block_demand runs = naive_runs(free);
        const block_demand others = naive_runs(random_map(rng));
        for (unsigned k = 0; k <= max_order; ++k) runs[k] += others[k];
        block_demand demand = random_demand(rng, 4);
        if (!irqmatrix::detail::demand_fits(runs, demand)) demand = {};
        // The block's fit: the largest wholly free aligned block containing it.
        unsigned fit = order;
        while (fit < max_order && free.all_set(base & ~((2u << fit) - 1), 2u << fit)) ++fit;
        irqmatrix::bitmap<256> after = free;
        after.reset_range(base, n);
        block_demand runs_after = naive_runs(after);
        for (unsigned k = 0; k <= max_order; ++k) runs_after[k] += others[k];
        const bool keeps = irqmatrix::detail::demand_fits(runs_after, demand);
        const int limit = irqmatrix::detail::largest_breakable(runs, demand, order);
        INFO("order " << order << " base " << base << " fit " << fit << " limit " << limit);
        REQUIRE(keeps == (limit >= 0 && fit <= static_cast<unsigned>(limit)));
    }
}

namespace {

// A seeded random run of every kind of operation; after each, the planner's
// counts must equal a recount, verify() must pass, and a refusal must leave
// the planner as it was.
template <class Placement>
void random_run(std::uint32_t seed, unsigned nr_cpus, int steps) {
    using planner = irqmatrix::basic_planner<256, Placement>;
    std::mt19937 rng(seed);
    auto made = planner::create(256, 32, 236, nr_cpus);
    REQUIRE(made.has_value());
    planner p = std::move(*made);
    REQUIRE(p.assign_system(0, 0x80, false));
    REQUIRE(p.assign(0, 0x40));  // before online: a vector taken ahead of the CPU
    for (unsigned c = 0; c < nr_cpus; ++c) REQUIRE(p.online(c));
    const cpu_set all = cpu_set::all(nr_cpus);
    auto some_cpus = [&] {
        cpu_set s(nr_cpus);
        const unsigned first = below(rng, nr_cpus);
        for (unsigned c = first; c < nr_cpus; c += 1 + below(rng, 3)) s.set(c);
        return s;
    };
    for (int step = 0; step < steps; ++step) {
        const planner before = p;
        const unsigned cpu = below(rng, nr_cpus);
        const unsigned order = below(rng, max_order + 1);
        bool changed_nothing_if_refused = true;
        bool refused = false;
        switch (below(rng, 14)) {
        case 0:
        case 1:
        case 2: refused = !p.alloc(all.view(), false); break;
        case 3:
        case 4: refused = !p.alloc_block(some_cpus().view(), order, false); break;
        case 5: {
            const auto gs = p.groups_on(cpu);
            if (gs.empty()) break;
            const auto g = gs[below(rng, static_cast<unsigned>(gs.size()))];
            if (p.is_managed(g)) break;
            refused = !p.free_block(g.cpu, g.base, g.order, false);
            break;
        }
        case 6: refused = !p.reserve_block(below(rng, 3) == 0 ? order : max_order); break;
        case 7: refused = !p.remove_reserved_block(order); break;
        case 8: refused = !p.alloc_reserved_block(all.view(), order); break;
        case 9:
            if (below(rng, 2))
                refused = !p.reserve_managed(some_cpus().view());
            else
                refused = !p.remove_managed(some_cpus().view());
            // The kernel's own failed reserve_managed moves reservations (Q7).
            changed_nothing_if_refused = false;
            break;
        case 10:
            if (p.matrix().cpu_map(cpu).online && p.stats().online_maps > 1)
                refused = !p.offline(cpu);
            else
                refused = !p.online(cpu);
            break;
        case 11: refused = !p.evacuate(cpu); break;
        case 12: {
            const auto gs = p.groups_on(cpu);
            if (gs.empty()) break;
            const auto g = gs[below(rng, static_cast<unsigned>(gs.size()))];
            refused = !p.move_block(g.cpu, g.base, some_cpus().view());
            break;
        }
        case 13: refused = !p.alloc_managed(cpu_set::single(nr_cpus, cpu).view()); break;
        }
        INFO("seed " << seed << " step " << step);
        REQUIRE(p.online_free_blocks() == naive_online_runs(p));
        test::require_consistent(p);
        if (refused && changed_nothing_if_refused) REQUIRE(p == before);
    }
}

}  // namespace

TEST_CASE("planner counts: the kept counts follow every operation, every policy",
          "[planner][counts]") {
    for (std::uint32_t seed = 1; seed <= 6; ++seed) {
        random_run<irqmatrix::kernel_placement>(seed, 1 + seed % 5, 600);
        random_run<irqmatrix::kernel_placement>(seed, 9 + seed, 400);  // the CPU index's masks
        random_run<irqmatrix::pack_placement>(seed, 1 + seed % 5, 600);
        random_run<irqmatrix::best_fit_placement>(seed, 1 + seed % 5, 600);
        random_run<irqmatrix::freebsd_placement>(seed, 1 + seed % 5, 600);
    }
}

namespace {

// Whether some wholly free aligned block of the order on an online CPU of
// the mask (with an available counter of at least 2^order) could be taken
// with the demand still placeable: the brute-force answer to "should a
// guarded pick have found something?".
template <class P>
bool some_block_keeps(const P& p, const cpu_set& mask, unsigned order, const block_demand& demand) {
    const unsigned n = 1u << order;
    const block_demand total = naive_online_runs(p);
    for (unsigned c = 0; c < p.nr_cpus(); ++c) {
        const auto& cm = p.matrix().cpu_map(c);
        if (!mask.test(c) || !cm.online || cm.available < n) continue;
        const auto free = p.matrix().free_map(c);
        for (unsigned b = 0; b + n <= 256; b += n) {
            if (!free.all_set(b, n)) continue;
            auto after = free;
            after.reset_range(b, n);
            block_demand runs = total;
            const block_demand was = naive_runs(free), now = naive_runs(after);
            for (unsigned k = 0; k <= max_order; ++k) runs[k] = runs[k] - was[k] + now[k];
            if (irqmatrix::detail::demand_fits(runs, demand)) return true;
        }
    }
    return false;
}

template <class Placement>
void guarded_run(std::uint32_t seed) {
    using planner = irqmatrix::basic_planner<256, Placement>;
    std::mt19937 rng(seed);
    const unsigned nr_cpus = 2 + seed % 4;
    planner p = test::make<planner>(256, 32, 236, nr_cpus);
    for (unsigned c = 0; c < nr_cpus; ++c) REQUIRE(p.online(c));
    const cpu_set all = cpu_set::all(nr_cpus);
    for (int step = 0; step < 700; ++step) {
        const unsigned order = below(rng, max_order + 1);
        INFO("seed " << seed << " step " << step << " order " << order);
        if (below(rng, 4) == 0) {
            (void)p.reserve_block(order);
            continue;
        }
        if (below(rng, 3) == 0) {
            // Give something back, so the run keeps moving.
            const auto gs = p.groups_on(below(rng, nr_cpus));
            if (!gs.empty()) REQUIRE(p.free_block(gs[0].cpu, gs[0].base, gs[0].order, false));
            continue;
        }
        cpu_set mask(nr_cpus);
        for (unsigned c = 0; c < nr_cpus; ++c)
            if (below(rng, 2)) mask.set(c);
        if (mask.view().empty()) mask.set(0);
        const bool should = some_block_keeps(p, mask, order, p.reserved_blocks());
        const planner before = p;
        const auto got = p.alloc_block(mask.view(), order, false);
        if (got) {
            REQUIRE(should);
            REQUIRE(mask.test(got->cpu));
        } else {
            REQUIRE(p == before);
            // A refusal of a stateful policy (freebsd: one CPU, no fallback)
            // may be its rule; for the others it means there was no room.
            if (!irqmatrix::placement_halves_on_failure<Placement>) REQUIRE_FALSE(should);
        }
        test::require_consistent(p);
        // Every outstanding reservation can be allocated over all CPUs now.
        for (unsigned k = 0; k <= max_order; ++k) {
            if (p.reserved_blocks()[k] == 0) continue;
            planner trial = p;
            REQUIRE(trial.alloc_reserved_block(all.view(), k));
        }
    }
}

}  // namespace

TEST_CASE("planner counts: every policy's guarded picks are right and keep the guarantee",
          "[planner][counts]") {
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
        guarded_run<irqmatrix::kernel_placement>(seed);
        guarded_run<irqmatrix::kernel_scan_placement>(seed);
        guarded_run<irqmatrix::pack_placement>(seed);
        guarded_run<irqmatrix::best_fit_placement>(seed);
        guarded_run<irqmatrix::freebsd_placement>(seed);
    }
}
