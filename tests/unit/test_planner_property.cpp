// SPDX-License-Identifier: MIT
// The planner (planner.hpp) against the naive planner model
// (tests/model/naive_planner.hpp), and the planner's two promises as
// properties:
//
//  (a) differential: seeded random sequences of kernel, block and planning
//      operations, valid and invalid, on small geometries where the model's
//      brute-force placement search is affordable. After every step the
//      results, counters, bitmaps, groups (members, pinned, managed) and
//      outstanding reservations must agree, verify() must pass, and a
//      refused operation must leave the planner exactly as it was (operator==;
//      only the kernel's own reserve_managed rollback, quirk Q7, may move a
//      reservation and keep just the counters);
//  (b) every admitted guaranteed reservation can be allocated: at every
//      step, on a copy, alloc_reserved_block(all online CPUs, k) for each
//      outstanding reservation, largest first, must all succeed;
//  (c) evacuate agrees with can_offline: it succeeds with the same count
//      whenever can_offline says yes (and then offline succeeds and no
//      movable group is left), and otherwise fails with the same error and
//      changes nothing.
//
// (b) and (c) are checked inside the differential walks and again in longer
// walks of the library alone on an x86-sized geometry, where the model would
// be too slow.
//
// (b) and (c) hold where the CPUs' available counters cover their free
// vectors. Kernel quirks can leave a CPU with fewer available than free
// vectors (a managed reservation removed while the CPU was offline is not
// credited, Q1; assign onto a managed or system vector is charged, Q8), and
// the alloc_block rule then skips that CPU although its bitmap has room
// while admission and can_offline look at the bitmaps only. The walks
// check (b) and (c) only in states without such a deficit, and count how
// often they had to skip.
//
// Seeds are fixed, so a run is reproducible; IRQMATRIX_DIFF_SEED=N runs other
// seeds, IRQMATRIX_DIFF_SCALE=K K times as many operations,
// IRQMATRIX_DIFF_VERBOSE=1 prints what each walk covered. On a failure the
// sequence is shrunk and printed as a trace (docs/trace-format.md)
// with the model's results; if a library assertion aborts the process, a
// SIGABRT handler prints the seed and the epoch's operations first.
//
// The comparison of the matrix underneath, the shrinking loop and the trace
// text are shared with test_differential.cpp and the fuzz_ops target
// (support/differential.hpp).
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <irqmatrix/planner.hpp>

#include "model/naive_planner.hpp"
#include "support/catch.hpp"
#include "support/differential.hpp"

namespace {

// What the three differential harnesses share (support/differential.hpp).
using namespace differential;
using irqmatrix_model::naive_planner;

// ---- operations as data ---------------------------------------------------

// Operations are ids of the table of operations (irqmatrix/operations.hpp);
// support/differential.hpp writes them as trace text and runs them on both
// sides.
using kind = op_id;

bool is_planning(kind k) {
    return irqmatrix::trace::signature(k).scope == irqmatrix::trace::op_scope::planner;
}
bool is_query(kind k) { return k == id_of("largest_order") || k == id_of("can_offline"); }

template <unsigned Cap>
using lib_planner = irqmatrix::basic_planner<Cap>;

// The operations a walk generates, with their weights in the balanced, fill
// and drain phases.
constexpr weighted_op generated[] = {
    {id_of("online"), {3, 2, 3}},
    {id_of("offline"), {2, 2, 2}},
    {id_of("assign_system"), {1, 1, 1}},
    {id_of("reserve_managed"), {3, 4, 1}},
    {id_of("remove_managed"), {2, 1, 5}},
    {id_of("alloc_managed"), {3, 4, 1}},
    {id_of("assign"), {2, 3, 1}},
    {id_of("reserve"), {1, 1, 1}},
    {id_of("remove_reserved"), {1, 1, 1}},
    {id_of("alloc"), {5, 9, 2}},
    {id_of("free"), {6, 2, 14}},
    {id_of("alloc_block"), {6, 10, 1}},
    {id_of("free_block"), {4, 2, 10}},
    {id_of("reserve_managed_block"), {2, 3, 1}},
    {id_of("remove_managed_block"), {2, 1, 4}},
    {id_of("alloc_managed_block"), {2, 3, 1}},
    {id_of("largest_order"), {2, 2, 2}},
    {id_of("reserve_block"), {5, 5, 4}},
    {id_of("remove_reserved_block"), {1, 1, 2}},
    {id_of("alloc_reserved_block"), {3, 3, 3}},
    {id_of("can_offline"), {3, 3, 3}},
    {id_of("evacuate"), {2, 2, 3}},
    {id_of("move_block"), {5, 4, 4}},
    {id_of("pin"), {2, 2, 2}},
    {id_of("unpin"), {2, 2, 2}},
};
constexpr unsigned kind_count = sizeof(generated) / sizeof(generated[0]);

// ---- state comparison ---------------------------------------------------------

// A group as both sides describe it: members as a mask over the block's offsets.
struct group_key {
    unsigned base = 0, order = 0;
    std::uint32_t members = 0;
    bool pinned = false, managed = false;
    friend auto operator<=>(const group_key&, const group_key&) = default;
};

std::string text(const std::vector<group_key>& groups) {
    std::string s;
    for (const auto& g : groups) {
        s += (s.empty() ? "" : "; ") + std::to_string(g.base) + "/" + std::to_string(g.order) + ":";
        for (unsigned i = 0; i < 32; ++i)
            if ((g.members >> i) & 1u) s += " " + std::to_string(g.base + i);
        s += std::string(g.pinned ? " pinned" : "") + (g.managed ? " managed" : "");
    }
    return s.empty() ? "(none)" : s;
}

template <unsigned Cap>
std::vector<group_key> library_groups(const lib_planner<Cap>& p, unsigned cpu) {
    std::vector<group_key> out;
    for (const auto& g : p.groups_on(cpu)) {
        // A block never straddles a word.
        const std::uint64_t word = p.members(g).word(g.base / 64) >> (g.base % 64);
        const std::uint64_t block =
            g.order == 5 ? 0xffffffffu : (std::uint64_t{1} << (1u << g.order)) - 1;
        out.push_back({g.base, g.order, static_cast<std::uint32_t>(word & block), p.is_pinned(g),
                       p.is_managed(g)});
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<group_key> model_groups(const naive_planner& m, unsigned cpu) {
    std::vector<group_key> out;
    for (const auto& g : m.groups()) {
        if (g.cpu != cpu) continue;
        group_key k{g.base, g.order, 0, g.pinned, g.managed};
        for (unsigned v : g.members) k.members |= std::uint32_t{1} << (v - g.base);
        out.push_back(k);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Everything observable must agree; returns the first difference, or "".
template <unsigned Cap>
std::string state_diff(const lib_planner<Cap>& lib, const naive_planner& model) {
    // The matrix underneath, but not its verify(): the planner's, below, runs it.
    differential::check_scope matrix_scope;
    matrix_scope.verify = false;
    if (std::string d = differential::matrix_diff(lib.matrix(), model.matrix(), matrix_scope);
        !d.empty())
        return d;
    for (unsigned c = 0; c < lib.nr_cpus(); ++c) {
        const auto lg = library_groups(lib, c);
        const auto mg = model_groups(model, c);
        if (lg != mg) return where("groups", c) + ": library " + text(lg) + ", model " + text(mg);
    }
    const auto want = model.reserved_blocks();
    for (unsigned k = 0; k <= irqmatrix::max_order; ++k)
        if (lib.reserved_blocks()[k] != want[k])
            return "reservations of order " + std::to_string(k) + ": library " +
                   std::to_string(lib.reserved_blocks()[k]) + ", model " + std::to_string(want[k]);
    const std::string violation = lib.verify();
    if (!violation.empty()) return "verify(): " + violation;
    if (!model.reservations_placeable())
        return "model: the outstanding reservations are not placeable";
    return {};
}

// ---- the properties -------------------------------------------------------------

// Whether every online CPU's available counter covers its free vectors
// (see the file comment: otherwise (b) and (c) are not promised).
template <unsigned Cap>
bool counters_cover_free(const lib_planner<Cap>& p) {
    const auto& m = p.matrix();
    for (unsigned c = 0; c < m.nr_cpus(); ++c)
        if (m.cpu_map(c).online && m.cpu_map(c).available < m.free_map(c).count()) return false;
    return true;
}

template <unsigned Cap>
irqmatrix::cpu_set online_cpus(const lib_planner<Cap>& p, unsigned except = irqmatrix::no_cpu) {
    irqmatrix::cpu_set s(p.nr_cpus());
    for (unsigned c = 0; c < p.nr_cpus(); ++c)
        if (c != except && p.matrix().cpu_map(c).online) s.set(c);
    return s;
}

struct property_counts {
    unsigned long b_checked = 0, b_blocks = 0, b_skipped = 0;
    unsigned long c_yes = 0, c_no = 0, c_skipped = 0;
};

// (b): on a copy, every outstanding reservation, largest first, is
// allocated with every online CPU allowed.
template <unsigned Cap>
std::string check_reservations_allocatable(const lib_planner<Cap>& p, property_counts& n) {
    if (!p.outstanding()) return {};
    if (!counters_cover_free(p)) {
        ++n.b_skipped;
        return {};
    }
    ++n.b_checked;
    lib_planner<Cap> copy = p;
    const auto all = online_cpus(p);
    for (unsigned k = irqmatrix::max_order + 1; k-- > 0;) {
        for (std::uint64_t i = p.reserved_blocks()[k]; i > 0; --i) {
            ++n.b_blocks;
            const auto r = copy.alloc_reserved_block(all, k);
            if (!r)
                return "property (b): alloc_reserved_block(" + irqmatrix::format_cpulist(all) +
                       ", " + std::to_string(k) + ") of an admitted reservation gave " +
                       std::to_string(irqmatrix::to_errno(r.error()));
        }
    }
    if (copy.outstanding()) return "property (b): reservations left after allocating them all";
    if (const std::string v = copy.verify(); !v.empty()) return "property (b): verify(): " + v;
    return {};
}

// (c), given can_offline's answer on the state `p`: evacuate on a copy
// agrees, and after a success the CPU holds no movable group and goes offline.
template <unsigned Cap>
std::string check_evacuate_agrees(const lib_planner<Cap>& p, unsigned cpu, const outcome& can,
                                  property_counts& n) {
    if (cpu >= p.nr_cpus()) return {};
    if (!counters_cover_free(p)) {
        ++n.c_skipped;
        return {};
    }
    lib_planner<Cap> copy = p;
    const outcome ev = of_value(copy.evacuate(cpu));
    if (!(ev == can))
        return "property (c): can_offline " + result_text(id_of("can_offline"), can) +
               " but evacuate " + result_text(id_of("evacuate"), ev);
    if (can.err != 0) {
        ++n.c_no;
        if (!(copy == p)) return "property (c): a refused evacuate changed the planner";
        return {};
    }
    ++n.c_yes;
    for (const auto& g : copy.groups_on(cpu))
        if (!copy.is_managed(g))
            return "property (c): group " + std::to_string(g.base) + "/" + std::to_string(g.order) +
                   " still on the evacuated CPU";
    if (const std::string v = copy.verify(); !v.empty()) return "property (c): verify(): " + v;
    if (!copy.offline(cpu)) return "property (c): offline refused after a successful evacuate";
    return {};
}

// ---- one step ---------------------------------------------------------------------

struct step_report {
    std::string mismatch;  // "" when everything agrees
    outcome result;
};

// Applies one operation to the library and (if given) the model, compares,
// and checks the properties.
template <unsigned Cap>
step_report step(lib_planner<Cap>& lib, naive_planner* model, const op& o, property_counts& n) {
    step_report rep;
    const lib_planner<Cap> before = lib;
    const bool was_outstanding = lib.outstanding();
    const outcome got = run_library(lib, o);
    rep.result = got;
    if (model) {
        const outcome want = run_model(*model, o);
        if (!(got == want)) {
            rep.mismatch =
                "result: library " + result_text(o, got) + ", model " + result_text(o, want);
            return rep;
        }
    }
    if (got.err != 0 && !(lib == before)) {
        // Only the kernel's reserve_managed, refused for room with no
        // reservation outstanding, may move a reservation (Q7).
        const bool q7 = o.id == id_of("reserve_managed") && got.err == -28 && !was_outstanding;
        if (!q7 || !(lib.matrix().stats() == before.matrix().stats())) {
            rep.mismatch = "refused operation (" + result_text(o, got) + ") changed the planner";
            return rep;
        }
    }
    if (is_query(o.id) && !(lib == before)) {
        rep.mismatch = "query changed the planner";
        return rep;
    }
    if (model) {
        rep.mismatch = state_diff(lib, *model);
        if (!rep.mismatch.empty()) return rep;
    } else if (const std::string v = lib.verify(); !v.empty()) {
        rep.mismatch = "verify(): " + v;
        return rep;
    }
    if (o.id == id_of("can_offline")) rep.mismatch = check_evacuate_agrees(lib, o.cpu, got, n);
    if (o.id == id_of("evacuate") && o.cpu < before.nr_cpus()) {
        // Evacuate against what can_offline said just before it.
        const outcome can = of_value(before.can_offline(o.cpu));
        if (!counters_cover_free(before)) {
            ++n.c_skipped;
        } else if (!(can == got)) {
            rep.mismatch = "property (c): can_offline said " +
                           result_text(id_of("can_offline"), can) + ", evacuate gave " +
                           result_text(id_of("evacuate"), got);
        } else {
            ++(got.err == 0 ? n.c_yes : n.c_no);
        }
    }
    if (rep.mismatch.empty()) rep.mismatch = check_reservations_allocatable(lib, n);
    return rep;
}

// ---- the generator ----------------------------------------------------------------

// Operations biased towards meaningful ones (frees and moves of existing
// groups, reservations of orders that are outstanding, masks of online
// CPUs), in phases that fill and drain the matrix, with a steady share of
// invalid input. It reads the library's state; both sides get the same
// operation.
template <unsigned Cap>
class generator {
public:
    generator(const geometry& g, std::uint64_t seed) : g_(g), rng_(seed) {}

    void new_epoch() {
        boot_left_ = 6 + below(10);
        mode_ = balanced;
        mode_left_ = 100;
    }

    op next(const lib_planner<Cap>& p) {
        if (boot_left_ > 0) {
            --boot_left_;
            return make(p, boot_kind(p));
        }
        const double occ = occupancy(p);
        if (mode_left_ == 0 || (mode_ == fill && occ >= 0.92) || (mode_ == drain && occ <= 0.15)) {
            const unsigned r = below(10);
            if (mode_ == fill)
                mode_ = r < 7 ? drain : balanced;
            else if (mode_ == drain)
                mode_ = r < 7 ? fill : balanced;
            else
                mode_ = r < 5 ? fill : drain;
            mode_left_ = 50 + below(250);
        }
        --mode_left_;
        return make(p, pick_kind(p));
    }

    // Allocated plus reserved-but-unallocated vectors, as a share of all windows.
    double occupancy(const lib_planner<Cap>& p) const {
        const double capacity = static_cast<double>(g_.nr_cpus) * (g_.end - g_.start);
        if (capacity <= 0) return 0;
        double used = 0;
        for (unsigned c = 0; c < g_.nr_cpus; ++c) {
            const auto& cm = p.matrix().cpu_map(c);
            used += cm.allocated;
            used += (cm.managed_map.count() - (cm.managed_map & cm.alloc_map).count());
        }
        return used / capacity;
    }

private:
    enum phase { balanced, fill, drain };
    struct group_info {
        irqmatrix::group_ref g;
        unsigned members;
        bool managed, pinned;
        std::vector<unsigned> member_bits;
    };

    unsigned below(unsigned n) { return n == 0 ? 0 : static_cast<unsigned>(rng_() % n); }
    bool chance(unsigned percent) { return below(100) < percent; }

    bool is_online(const lib_planner<Cap>& p, unsigned c) const {
        return p.matrix().cpu_map(c).online;
    }
    std::vector<unsigned> cpus_where(const lib_planner<Cap>& p, bool online) const {
        std::vector<unsigned> out;
        for (unsigned c = 0; c < g_.nr_cpus; ++c)
            if (is_online(p, c) == online) out.push_back(c);
        return out;
    }
    unsigned any_cpu() { return below(g_.nr_cpus); }
    unsigned bad_cpu() { return g_.nr_cpus + below(3); }
    unsigned cpu_arg() { return chance(3) ? bad_cpu() : any_cpu(); }
    unsigned pick_from(const std::vector<unsigned>& v) {
        return v[below(static_cast<unsigned>(v.size()))];
    }
    unsigned online_cpu(const lib_planner<Cap>& p) {
        const auto on = cpus_where(p, true);
        return on.empty() ? any_cpu() : pick_from(on);
    }

    unsigned order_arg() {
        if (chance(2)) return 6 + below(3);  // out of range
        const unsigned r = below(100);
        if (r < 32) return 0;
        if (r < 56) return 1;
        if (r < 74) return 2;
        if (r < 86) return 3;
        if (r < 94) return 4;
        return 5;
    }

    // A CPU list: mostly online CPUs; sometimes all CPUs, empty, with
    // duplicates, unsorted or with a CPU out of range.
    std::vector<unsigned> list_arg(const lib_planner<Cap>& p) {
        std::vector<unsigned> l;
        const unsigned r = below(100);
        if (r < 3) return l;
        if (r < 20) {
            for (unsigned c = 0; c < g_.nr_cpus; ++c) l.push_back(c);
        } else if (r < 55) {
            l.push_back(online_cpu(p));
        } else {
            for (unsigned c = 0; c < g_.nr_cpus; ++c)
                if (chance(is_online(p, c) ? 60 : 15)) l.push_back(c);
            if (l.empty()) l.push_back(online_cpu(p));
        }
        if (chance(8) && l.size() > 1) std::swap(l.front(), l.back());
        if (chance(4)) l.push_back(pick_from(l));
        if (chance(3)) l.push_back(bad_cpu());
        return l;
    }

    unsigned window_bit() { return g_.start + below(g_.end - g_.start); }
    unsigned wild_bit() { return below(g_.bits + 2); }

    std::vector<group_info> groups(const lib_planner<Cap>& p) const {
        std::vector<group_info> out;
        for (unsigned c = 0; c < g_.nr_cpus; ++c) {
            for (const auto& g : p.groups_on(c)) {
                group_info gi{g, 0, p.is_managed(g), p.is_pinned(g), {}};
                p.members(g).for_each_set([&](unsigned v) { gi.member_bits.push_back(v); });
                gi.members = static_cast<unsigned>(gi.member_bits.size());
                out.push_back(gi);
            }
        }
        return out;
    }

    // A free vector of the CPU in the window, or a random window bit.
    unsigned free_bit(const lib_planner<Cap>& p, unsigned c) {
        std::vector<unsigned> free;
        p.matrix().free_map(c).for_each_set([&](unsigned v) { free.push_back(v); });
        return free.empty() ? window_bit() : pick_from(free);
    }

    kind boot_kind(const lib_planner<Cap>& p) {
        const unsigned on = static_cast<unsigned>(cpus_where(p, true).size());
        const unsigned r = below(100);
        if (on == 0 && r < 30) return id_of("assign_system");
        if (r < 60) return on == g_.nr_cpus ? id_of("alloc") : id_of("online");
        if (r < 70) return id_of("assign");
        if (r < 80) return id_of("reserve_managed");
        return id_of("alloc_block");
    }

    kind pick_kind(const lib_planner<Cap>& p) {
        const unsigned on = static_cast<unsigned>(cpus_where(p, true).size());
        unsigned weights[kind_count];
        unsigned total = 0;
        for (unsigned i = 0; i < kind_count; ++i) total += weights[i] = generated[i].weight[mode_];
        auto set_weight = [&](kind k, unsigned v) {
            for (unsigned i = 0; i < kind_count; ++i)
                if (generated[i].id == k) {
                    total = total - weights[i] + v;
                    weights[i] = v;
                }
        };
        if (on == g_.nr_cpus) set_weight(id_of("online"), 1);  // an occasional double online only
        if (on <= 1) set_weight(id_of("offline"), 1);          // keep a CPU online most of the time
        if (on == 0) set_weight(id_of("online"), 30);
        if (on <= 1) set_weight(id_of("assign_system"), 3);
        unsigned r = below(total);
        for (unsigned i = 0; i < kind_count; ++i) {
            if (r < weights[i]) return generated[i].id;
            r -= weights[i];
        }
        return id_of("reserve");
    }

    op make(const lib_planner<Cap>& p, kind k) {
        op o;
        o.id = k;
        // Only the operations that name a group look at them (it costs).
        const bool on_groups = k == id_of("assign_system") || k == id_of("free") ||
                               k == id_of("free_block") || k == id_of("move_block") ||
                               k == id_of("pin") || k == id_of("unpin");
        const auto gs = on_groups ? groups(p) : std::vector<group_info>{};
        const bool have_groups = !gs.empty();
        const group_info* gi = have_groups ? &gs[below(static_cast<unsigned>(gs.size()))] : nullptr;
        switch (k) {
        case id_of("online"): {
            const auto off = cpus_where(p, false);
            o.cpu = off.empty() || chance(10) ? cpu_arg() : pick_from(off);
            break;
        }
        case id_of("offline"):
        case id_of("can_offline"):
        case id_of("evacuate"): {
            const auto on = cpus_where(p, true);
            o.cpu = on.empty() || chance(10) ? cpu_arg() : pick_from(on);
            break;
        }
        case id_of("assign_system"): {
            // With one CPU online only a replace gets through: of a vector
            // allocated on any CPU, an offline one included, which makes it a
            // system vector on the online CPU too (R5 of the model).
            o.cpu = any_cpu();
            if (have_groups && chance(50)) {
                o.flag = true;
                o.cpu = gi->g.cpu;
                o.bit = pick_from(gi->member_bits);
            } else {
                o.flag = chance(5);
                o.bit = chance(60) ? window_bit() : wild_bit();
            }
            if (chance(3)) o.cpu = bad_cpu();
            break;
        }
        case id_of("reserve_managed"):
        case id_of("remove_managed"):
        case id_of("alloc_managed"):
        case id_of("largest_order"):
            o.cpus = list_arg(p);
            if (k == id_of("reserve_managed") && chance(10))
                o.cpus.push_back(any_cpu());  // offline CPUs too
            break;
        case id_of("assign"): {
            o.cpu = chance(75) ? online_cpu(p) : cpu_arg();
            const unsigned r = below(100);
            if (o.cpu >= g_.nr_cpus || r < 10)
                o.bit = window_bit();  // may hit system or managed bits (Q8)
            else if (r < 14)
                o.bit = wild_bit();
            else
                o.bit = free_bit(p, o.cpu);
            break;
        }
        case id_of("reserve"):
        case id_of("remove_reserved"): break;
        case id_of("alloc"):
            o.cpus = list_arg(p);
            o.flag = p.reserved() > 0 ? chance(30) : chance(3);
            break;
        case id_of("alloc_block"):
            o.cpus = list_arg(p);
            o.order = order_arg();
            o.flag = p.reserved() >= (1u << (o.order & 7)) ? chance(30) : chance(2);
            break;
        case id_of("free"):
            if (!have_groups || chance(5)) {
                o.cpu = cpu_arg();
                o.bit = chance(50) ? wild_bit() : window_bit();
                o.flag = chance(50);
            } else {
                o.cpu = gi->g.cpu;
                o.bit = pick_from(gi->member_bits);
                o.flag = gi->managed != chance(4);
            }
            break;
        case id_of("free_block"):
            if (!have_groups || chance(5)) {
                o.cpu = cpu_arg();
                o.bit = wild_bit();
                o.order = order_arg();
                o.flag = chance(50);
            } else {
                // The whole group's block, or an aligned part of it around a member.
                o.cpu = gi->g.cpu;
                o.order = chance(70) ? gi->g.order : below(gi->g.order + 1);
                o.bit = pick_from(gi->member_bits) & ~((1u << o.order) - 1);
                o.flag = gi->managed != chance(4);
                if (chance(3) && o.order > 0) o.bit += 1u << (o.order - 1);  // unaligned
            }
            break;
        case id_of("reserve_managed_block"):
        case id_of("remove_managed_block"):
        case id_of("alloc_managed_block"):
            o.cpus = list_arg(p);
            o.order = order_arg();
            break;
        case id_of("reserve_block"): o.order = order_arg(); break;
        case id_of("remove_reserved_block"):
        case id_of("alloc_reserved_block"): {
            std::vector<unsigned> orders;
            for (unsigned j = 0; j <= irqmatrix::max_order; ++j)
                if (p.reserved_blocks()[j] > 0) orders.push_back(j);
            o.order = !orders.empty() && chance(85) ? pick_from(orders) : order_arg();
            if (k == id_of("alloc_reserved_block")) {
                if (chance(50)) {
                    for (unsigned c = 0; c < g_.nr_cpus; ++c)
                        if (is_online(p, c)) o.cpus.push_back(c);
                    if (o.cpus.empty()) o.cpus.push_back(any_cpu());
                } else {
                    o.cpus = list_arg(p);
                }
            }
            break;
        }
        case id_of("move_block"):
            o.cpus = list_arg(p);
            if (!have_groups || chance(5)) {
                o.cpu = cpu_arg();
                o.bit = chance(50) ? wild_bit() : window_bit();
            } else {
                o.cpu = gi->g.cpu;
                o.bit = gi->g.base;
            }
            break;
        case id_of("pin"):
        case id_of("unpin"):
            if (!have_groups || chance(5)) {
                o.cpu = cpu_arg();
                o.bit = chance(20) ? g_.bits + below(3) : wild_bit();
            } else {
                // Unpin a pinned group when there is one.
                const group_info* target = gi;
                if (k == id_of("unpin"))
                    for (const auto& x : gs)
                        if (x.pinned && chance(50)) target = &x;
                o.cpu = target->g.cpu;
                o.bit = target->g.base;
            }
            break;
        default: break;
        }
        return o;
    }

    geometry g_;
    std::mt19937_64 rng_;
    unsigned boot_left_ = 0;
    phase mode_ = balanced;
    unsigned mode_left_ = 0;
};

// ---- shrinking and reporting --------------------------------------------------------

template <unsigned Cap>
lib_planner<Cap> fresh_library(const geometry& g) {
    auto p = lib_planner<Cap>::create(g.bits, g.start, g.end, g.nr_cpus);
    REQUIRE(p.has_value());
    return std::move(*p);
}

using signature = differential::failure_signature;

template <unsigned Cap>
std::optional<signature> first_failure(const geometry& g, const std::vector<op>& ops,
                                       bool with_model) {
    auto lib = fresh_library<Cap>(g);
    naive_planner model(g.bits, g.start, g.end, g.nr_cpus);
    property_counts n;
    return differential::first_failure(
        ops, [&](const op& o) { return step(lib, with_model ? &model : nullptr, o, n).mismatch; });
}

// Removes chunks, then single operations, while the same failure remains;
// bounded by a replay budget and 20 seconds (each replay runs the model's
// brute-force placement search: fewer replays than the matrix test's).
template <unsigned Cap>
std::vector<op> shrink(const geometry& g, std::vector<op> ops, const signature& sig,
                       bool with_model) {
    return differential::shrink(std::move(ops), {5000, std::chrono::seconds(20)},
                                [&](const std::vector<op>& trial) {
                                    const auto f = first_failure<Cap>(g, trial, with_model);
                                    return f && *f == sig;
                                });
}

// The operations as a trace with the model's results (the library's where
// the walk has no model), and the mismatch after the line where it shows.
template <unsigned Cap>
std::string trace_of(const geometry& g, const std::vector<op>& ops, bool with_model) {
    auto lib = fresh_library<Cap>(g);
    naive_planner model(g.bits, g.start, g.end, g.nr_cpus);
    property_counts n;
    return differential::trace_text(differential::trace_header(g), ops, [&](const op& o) {
        naive_planner shadow = model;  // the model's result, without disturbing the step
        const outcome want = run_model(shadow, o);
        const step_report r = step(lib, with_model ? &model : nullptr, o, n);
        return differential::traced_step{
            describe(o) + " => " + result_text(o, with_model ? want : r.result), r.mismatch};
    });
}

// If a library assertion aborts the process, print what was running.
struct running_epoch {
    const geometry* g = nullptr;
    std::uint64_t seed = 0;
    const std::vector<op>* history = nullptr;
};
running_epoch current_epoch;

extern "C" void planner_on_abort(int sig) {
    if (current_epoch.g && current_epoch.history) {
        std::fprintf(stderr,
                     "\n*** the library aborted (walk %s, seed %llu); this epoch's operations:\n%s",
                     current_epoch.g->name, static_cast<unsigned long long>(current_epoch.seed),
                     differential::trace_header(*current_epoch.g).c_str());
        for (const op& o : *current_epoch.history)
            std::fprintf(stderr, "%s\n", describe(o).c_str());
        std::fflush(stderr);
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// ---- the driver ----------------------------------------------------------------------

struct coverage {
    unsigned long ok[irqmatrix::trace::operation_count] = {};  // by operation id
    unsigned long refused[irqmatrix::trace::operation_count] = {};
    unsigned long with_outstanding = 0;  // operations run while reservations were outstanding
    unsigned long operations = 0;
    property_counts props;
};

template <unsigned Cap>
coverage walk(const geometry& g, bool with_model) {
    const std::uint64_t seed = differential::seed_of(g);
    const unsigned total = differential::operations_of(g);
    INFO("walk " << g.name << ": " << g.bits << " bits, window [" << g.start << "," << g.end
                 << "), " << g.nr_cpus << " CPUs, " << (with_model ? "with" : "without")
                 << " the model");
    CAPTURE(seed);
    generator<Cap> gen(g, seed);
    coverage cov;
    auto* previous = std::signal(SIGABRT, planner_on_abort);
    for (unsigned done = 0; done < total;) {
        auto lib = fresh_library<Cap>(g);
        naive_planner model(g.bits, g.start, g.end, g.nr_cpus);
        gen.new_epoch();
        std::vector<op> history;
        current_epoch = {&g, seed, &history};
        for (unsigned i = 0; i < g.epoch && done < total; ++i, ++done) {
            const op o = gen.next(lib);
            history.push_back(o);
            if (lib.outstanding()) ++cov.with_outstanding;
            const step_report r = step(lib, with_model ? &model : nullptr, o, cov.props);
            if (!r.mismatch.empty()) {
                current_epoch = {};
                INFO("step " << done << " (epoch step " << i << "): " << describe(o));
                INFO("mismatch: " << r.mismatch);
                const auto ops = shrink<Cap>(
                    g, history, differential::signature_of(o.id, r.mismatch), with_model);
                INFO("shrunk reproduction (results are the "
                     << (with_model ? "model's" : "library's") << "):\n"
                     << trace_of<Cap>(g, ops, with_model));
                std::signal(SIGABRT, previous);
                REQUIRE(r.mismatch.empty());
            }
            const unsigned ki = static_cast<unsigned>(o.id);
            ++(r.result.err == 0 ? cov.ok[ki] : cov.refused[ki]);
        }
        cov.operations = done;
    }
    current_epoch = {};
    std::signal(SIGABRT, previous);
    if (differential::verbose()) {
        std::printf(
            "%s: %lu operations, %lu with reservations outstanding; (b) %lu checks of %lu "
            "blocks, %lu skipped; (c) %lu yes, %lu no, %lu skipped\n",
            g.name, cov.operations, cov.with_outstanding, cov.props.b_checked, cov.props.b_blocks,
            cov.props.b_skipped, cov.props.c_yes, cov.props.c_no, cov.props.c_skipped);
        for (const weighted_op& gk : generated) {
            const unsigned i = static_cast<unsigned>(gk.id);
            const std::string name(irqmatrix::trace::signature(gk.id).name);
            std::printf("  %-22s ok %7lu  refused %7lu\n", name.c_str(), cov.ok[i], cov.refused[i]);
        }
    }
    return cov;
}

// With the fixed seeds: every planning operation both succeeded and was
// refused, the constrained paths ran often, and both properties were
// exercised on both sides. Other seeds only check the agreement.
void require_coverage(const coverage& cov) {
    if (!differential::fixed_seeds()) return;
    for (const weighted_op& gk : generated) {
        const unsigned i = static_cast<unsigned>(gk.id);
        INFO(irqmatrix::trace::signature(gk.id).name);
        CHECK(cov.ok[i] > 0);
        if (is_planning(gk.id)) CHECK(cov.refused[i] > 0);
    }
    CHECK(cov.with_outstanding * 4 > cov.operations);
    CHECK(cov.props.b_checked > 0);
    CHECK(cov.props.c_yes > 0);
    CHECK(cov.props.c_no > 0);
}

}  // namespace

TEST_CASE("planner differential: 64-bit windows [8,64) on 1 to 4 CPUs",
          "[differential][planner-model]") {
    SECTION("1 CPU") {
        const geometry g{"p64-1", 64, 8, 64, 1, 12000, 400, 0x91a0001};
        const auto cov = walk<64>(g, true);
        CHECK(cov.ok[static_cast<unsigned>(id_of("reserve_block"))] > 0);
    }
    SECTION("2 CPUs") {
        const geometry g{"p64-2", 64, 8, 64, 2, 25000, 500, 0x91a0002};
        require_coverage(walk<64>(g, true));
    }
    SECTION("3 CPUs") {
        const geometry g{"p64-3", 64, 8, 64, 3, 20000, 600, 0x91a0003};
        require_coverage(walk<64>(g, true));
    }
    SECTION("4 CPUs") {
        const geometry g{"p64-4", 64, 8, 64, 4, 25000, 600, 0x91a0004};
        require_coverage(walk<64>(g, true));
    }
}

TEST_CASE("planner differential: 128 bits, window [16,120), 3 CPUs",
          "[differential][planner-model]") {
    const geometry g{"p128-3", 128, 16, 120, 3, 20000, 800, 0x91a0005};
    require_coverage(walk<128>(g, true));
}

TEST_CASE(
    "planner properties: admitted reservations stay allocatable, evacuate agrees with "
    "can_offline (x86 layout, library alone)",
    "[differential][planner-model]") {
    const geometry g{"x86-4", 256, 32, 236, 4, 15000, 1500, 0x91a0006};
    require_coverage(walk<256>(g, false));
}
