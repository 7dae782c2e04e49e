// SPDX-License-Identifier: MIT
// How often a move still succeeds under the MSI two-step rule
// (planner.hpp, move_rule::two_step) compared with the plain rule, on states
// filled like the lab's demo machine (tools/irqmatrix/scenarios.hpp): 64
// CPUs, Linux 6.10's window and system vectors, a managed queue per CPU for
// four NVMe controllers, four NICs with a vector per CPU, SR-IOV virtual
// functions of 4 MSI-X vectors and multi-MSI devices of 4, 8, 16 and 32
// vectors, arriving in the demo's proportions of vectors and leaving again
// (churn) until the fill settles at 50, 70 or 85% of the window.
//
// On each state, on copies: every non-managed group is moved (a) to one
// random other online CPU, as the lab's irqbalance moves, and (b) to any
// other online CPU; and every CPU is evacuated. Each under both rules.
// Prints success rates per order. A measurement, not a timed benchmark;
// docs/porting.md quotes its output.
//
//   irqmatrix-two-step [--seed N] [--states N]
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <irqmatrix/planner.hpp>

#include "irqmatrix_common/seeded_rng.hpp"
#include "lab/workload.hpp"

namespace {

using planner = irqmatrix::basic_planner<256>;
using irqmatrix::move_rule;
using rng = irqmatrix_common::seeded_rng;

constexpr unsigned nr_cpus = 64;
constexpr unsigned window_start = 32, window_end = 235;  // Linux 6.10

// A device: its groups (a multi-MSI block is one; MSI-X vectors one each).
struct device {
    std::vector<irqmatrix::group_ref> groups;
};

// The demo's device mix by arrival rate x vectors: VFs (4 MSI-X vectors)
// 2.1/unit, accel (32) and ahci (16) 0.012, sensor hubs (8) and legacy
// devices (4) 0.02.
struct kind {
    unsigned order;  // a multi-MSI block's order, or none for MSI-X
    bool msix;
    double weight;
};
constexpr std::array<kind, 5> kinds{{
    {2, true, 2.1},  // vf: 4 single vectors
    {5, false, 0.012},
    {4, false, 0.012},
    {3, false, 0.02},
    {2, false, 0.02},
}};

const kind& draw_kind(rng& r) {
    double total = 0;
    for (const kind& k : kinds) total += k.weight;
    double x = r.uniform() * total;
    for (const kind& k : kinds) {
        if (x < k.weight) return k;
        x -= k.weight;
    }
    return kinds.back();
}

irqmatrix::cpu_set all_cpus() { return irqmatrix::cpu_set::all(nr_cpus); }

bool arrive(planner& p, rng& r, std::vector<device>& live) {
    const kind& k = draw_kind(r);
    device d;
    const auto all = all_cpus();
    if (k.msix) {
        for (unsigned i = 0; i < (1u << k.order); ++i) {
            auto v = p.alloc(all.view(), false);
            if (!v) break;
            d.groups.push_back({v->cpu, v->base, 0});
        }
    } else if (auto b = p.alloc_block(all.view(), k.order, false)) {
        d.groups.push_back({b->cpu, b->base, k.order});
    }
    if (d.groups.empty()) return false;
    live.push_back(std::move(d));
    return true;
}

void depart(planner& p, rng& r, std::vector<device>& live) {
    if (live.empty()) return;
    const unsigned i = r.below(static_cast<unsigned>(live.size()));
    for (const auto& g : live[i].groups)
        if (!p.free_block(g.cpu, g.base, g.order, false)) std::abort();
    live[i] = std::move(live.back());
    live.pop_back();
}

unsigned allocated(const planner& p) { return p.stats().total_allocated; }

// The demo machine at `fill` of its window's vectors, after churn.
planner make_state(rng& r, double fill) {
    auto made = planner::create(256, window_start, window_end, nr_cpus);
    if (!made) std::abort();
    planner p = std::move(*made);
    for (unsigned v : irqmatrix::lab::x86_system_vectors(6, 10)) (void)p.assign_system(0, v, false);
    for (unsigned c = 0; c < nr_cpus; ++c) (void)p.online(c);
    irqmatrix::cpu_set one(nr_cpus);
    for (unsigned c = 0; c < nr_cpus; ++c) {
        one.set(c);
        for (unsigned nvme = 0; nvme < 4; ++nvme) {
            (void)p.reserve_managed(one.view());
            (void)p.alloc_managed(one.view());
        }
        for (unsigned nic = 0; nic < 4; ++nic) (void)p.alloc(one.view(), false);
        one.reset(c);
    }
    const auto target = static_cast<unsigned>(fill * nr_cpus * (window_end - window_start - 0.0));
    std::vector<device> live;
    unsigned refusals = 0;
    while (allocated(p) < target && refusals < 1000)
        if (!arrive(p, r, live)) ++refusals;
    // Churn: a departure and arrivals back to the fill, ten times the
    // population over.
    const std::size_t turns = 10 * live.size();
    for (std::size_t t = 0; t < turns; ++t) {
        depart(p, r, live);
        refusals = 0;
        while (allocated(p) < target && refusals < 20)
            if (!arrive(p, r, live)) ++refusals;
    }
    return p;
}

struct rate {
    std::uint64_t tried = 0, plain = 0, two_step = 0;
    void add(bool a, bool b) {
        ++tried;
        plain += a;
        two_step += b;
    }
};

std::string pct(std::uint64_t n, std::uint64_t d) {
    return d ? fmt::format("{:5.1f}%", 100.0 * static_cast<double>(n) / static_cast<double>(d))
             : std::string("    -");
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t seed = 2026;
    unsigned states = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view a = argv[i];
        if (a == "--seed")
            seed = std::strtoull(argv[i + 1], nullptr, 0);
        else if (a == "--states")
            states = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 0));
        else {
            fmt::print(stderr, "usage: {} [--seed N] [--states N]\n", argv[0]);
            return 2;
        }
    }
    rng r(seed);
    fmt::print(
        "two-step move rule vs plain: {} CPUs, window [{},{}), seed {}, {} states per fill\n",
        nr_cpus, window_start, window_end, seed, states);
    for (const double fill : {0.5, 0.7, 0.85}) {
        std::array<rate, irqmatrix::max_order + 1> to_one{}, to_any{};
        rate evac;
        for (unsigned s = 0; s < states; ++s) {
            const planner p = make_state(r, fill);
            for (unsigned c = 0; c < nr_cpus; ++c) {
                for (const auto& g : p.groups_on(c)) {
                    if (p.is_managed(g)) continue;
                    unsigned other = r.below(nr_cpus - 1);
                    if (other >= c) ++other;
                    irqmatrix::cpu_set one(nr_cpus), rest = all_cpus();
                    one.set(other);
                    rest.reset(c);
                    for (auto [mask, out] : {std::pair{&one, &to_one}, std::pair{&rest, &to_any}}) {
                        planner a = p, b = p;
                        (*out)[g.order].add(
                            static_cast<bool>(a.move_block(c, g.base, mask->view())),
                            static_cast<bool>(
                                b.move_block(c, g.base, mask->view(), move_rule::two_step)));
                    }
                }
                planner a = p, b = p;
                evac.add(static_cast<bool>(a.evacuate(c)),
                         static_cast<bool>(b.evacuate(c, nullptr, move_rule::two_step)));
            }
        }
        fmt::print("\nfill {:.0f}%: move succeeded, plain -> two-step\n", fill * 100);
        fmt::print("  order  groups   to one random CPU     to any other CPU\n");
        for (unsigned k = 0; k <= irqmatrix::max_order; ++k) {
            if (!to_one[k].tried) continue;
            fmt::print(
                "  {:5}  {:6}   {} -> {}      {} -> {}\n", k, to_one[k].tried,
                pct(to_one[k].plain, to_one[k].tried), pct(to_one[k].two_step, to_one[k].tried),
                pct(to_any[k].plain, to_any[k].tried), pct(to_any[k].two_step, to_any[k].tried));
        }
        fmt::print("  evacuate a CPU ({} tries): {} -> {}\n", evac.tried,
                   pct(evac.plain, evac.tried), pct(evac.two_step, evac.tried));
    }
    return 0;
}
