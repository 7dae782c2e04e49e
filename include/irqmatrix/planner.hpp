// SPDX-License-Identifier: MIT
// The planner: the kernel's matrix plus what it cannot answer. Which vectors
// were allocated together (groups), guaranteed block reservations, group
// moves, pinned groups, and placement-aware CPU offline. These are the
// "Planning operations" of the trace spec.
//
// Theory of operation
// -------------------
// basic_planner wraps a basic_matrix and offers every matrix operation
// under the same name. With no guaranteed reservation outstanding, each one
// is the matrix's operation, unchanged (kernel tie-breaks and quirks
// included). The planner only notes the groups it creates and releases.
//
// Groups. A group is the vector or block that one allocation took: a CPU,
// a base and an order. Per CPU the planner stores, for each allocated
// vector, the order of the group that owns it (three bit planes), and
// whether that group is pinned (a fourth plane). The group's base follows
// from the vector and the order (bases are aligned). A vector belongs to
// group (base, k) when it is allocated and its stored order is k. When a
// block's vector is freed and allocated again alone, the two groups share
// a base but not an order. This costs 4 bits per vector, 128 bytes per CPU
// at 256 vectors, and only planner users pay it.
//
// Guaranteed reservations. Outstanding reservations are counted per order.
// "Can these blocks be placed at once?" is exact and cheap for aligned
// power-of-two blocks. Let R_k be the number of wholly free aligned order-k
// blocks over the CPUs considered (word-parallel counts). The free space
// splits into C_k = R_k - 2 R_{k+1} maximal order-k blocks (C_5 = R_5; an
// order-5 block is the largest request). Serving the demand D largest first,
// each order gets its own maximal blocks plus two halves of every order-(k+1)
// block left over:
//   A_5 = C_5,  A_k = C_k + 2 (A_{k+1} - D_{k+1}),  placeable iff A_k >= D_k for all k.
// Splitting a larger block never serves a smaller request worse than an
// unsplit one would, which is what makes largest-first exact.
//
// An operation that takes free vectors while reservations are outstanding
// takes the first candidate in the default order (CPUs by most available,
// ties to the lowest; bases from the lowest) after which the demand is still
// placeable, or is refused with no_space and changes nothing. Moves and
// evacuation run on a copy and are committed whole. A copy of the matrix
// does not copy its CPU index, a cache (index_feed.hpp): the trials place
// blocks themselves and never ask it, and the index is rebuilt only if a
// later allocation asks it. The planning paths may
// allocate, and so may throw std::bad_alloc: the kernel operations with
// reservations outstanding (they sort candidates or work on a copy), and the
// planning operations. Without reservations the kernel operations allocate
// nothing and never throw (the C shim turns bad_alloc into -ENOMEM).
//
// Known limit: the guarantee is exact on states whose available counters
// match their bitmaps. The kernel's quirks can leave a CPU's counter below
// its free vectors (Q1: a managed reservation removed while the CPU was
// offline); the alloc_block rule then skips that CPU although admission,
// which reads bitmaps, counted its free blocks. drift(cpu) reports such
// CPUs; the property tests exclude them and count how often they occur.
//
// Events. The matrix's observer (events.hpp) is attached through the
// planner, and hears the committed mutations only: the copies that moves,
// evacuation and the guaranteed-reservation checks try things on are
// unobserved (a matrix's copy has no observer), and a trial's events are held
// back (deferred_events) and delivered when the trial is kept, or dropped
// with it. reserve_managed with reservations outstanding works on the live
// matrix and restores a backup on failure, so its events are held back too.
//
// Thread safety: like the matrix, externally synchronised.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "matrix.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// A group: the vector or aligned block one allocation took.
struct group_ref {
    unsigned cpu = 0;
    unsigned base = 0;
    unsigned order = 0;
    friend constexpr bool operator==(const group_ref&, const group_ref&) noexcept = default;
};

/// Free-space demand per order (0..max_order).
using block_demand = std::array<std::uint64_t, max_order + 1>;

namespace detail {

/// Free aligned blocks per order (R_k above) of one free map.
template <unsigned Capacity>
block_demand free_block_runs(const bitmap<Capacity>& free) noexcept {
    block_demand r{};
    for (unsigned k = 0; k <= max_order; ++k) r[k] = free.count_aligned_runs(k);
    return r;
}

/// Whether `demand` fits into free space whose aligned runs are `runs`
/// (see the file comment: largest first, which is exact).
constexpr bool demand_fits(const block_demand& runs, const block_demand& demand) noexcept {
    std::uint64_t left_over = 0;  // order-(k+1) blocks not used by larger demands
    for (unsigned k = max_order + 1; k-- > 0;) {
        const std::uint64_t maximal = k == max_order ? runs[k] : runs[k] - 2 * runs[k + 1];
        const std::uint64_t available = maximal + 2 * left_over;
        if (available < demand[k]) return false;
        left_over = available - demand[k];
    }
    return true;
}

}  // namespace detail

template <unsigned Capacity = 256, class Placement = kernel_placement>
class basic_planner {
public:
    using matrix_type = basic_matrix<Capacity, Placement>;
    using bitmap_type = bitmap<Capacity>;
    static constexpr unsigned capacity = Capacity;

    /// As basic_matrix::create().
    static result<basic_planner> create(unsigned bits, unsigned alloc_start, unsigned alloc_end,
                                        unsigned nr_cpus) {
        auto m = matrix_type::create(bits, alloc_start, alloc_end, nr_cpus);
        if (!m) return fail(m.error());
        return basic_planner(std::move(*m));
    }

    /// The kernel's matrix underneath (read-only: changes go through the
    /// planner, which keeps the groups).
    const matrix_type& matrix() const noexcept { return m_; }

    /// Attaches an observer to the matrix underneath (basic_matrix::
    /// set_observer()); it hears committed mutations only (file comment).
    void set_observer(matrix_observer o) noexcept { m_.set_observer(o); }
    matrix_observer observer() const noexcept { return m_.observer(); }

    // ---- geometry and queries, as the matrix --------------------------------
    unsigned bits() const noexcept { return m_.bits(); }
    unsigned alloc_start() const noexcept { return m_.alloc_start(); }
    unsigned alloc_end() const noexcept { return m_.alloc_end(); }
    unsigned nr_cpus() const noexcept { return m_.nr_cpus(); }
    matrix_stats stats() const noexcept { return m_.stats(); }
    result<cpu_stats> cpu(unsigned c) const noexcept { return m_.cpu(c); }
    result<unsigned> available(unsigned cpu, bool cpudown) const noexcept {
        return m_.available(cpu, cpudown);
    }
    unsigned reserved() const noexcept { return m_.reserved(); }
    result<unsigned> allocated(unsigned cpu) const noexcept { return m_.allocated(cpu); }

    // ---- the kernel's operations, keeping groups and guarantees ------------

    status online(unsigned cpu) noexcept { return m_.online(cpu); }

    /// As the matrix's; with reservations outstanding, refused with no_space
    /// if they would not be placeable on the remaining online CPUs.
    status offline(unsigned cpu) noexcept {
        if (outstanding() && cpu < nr_cpus() && m_.cpu_map(cpu).online &&
            !detail::demand_fits(online_runs(cpu), demand_))
            return fail(errc::no_space);
        return m_.offline(cpu);
    }

    /// As the matrix's; with reservations outstanding, refused with no_space
    /// if they would no longer be placeable: a system vector leaves every
    /// CPU's free map, so a replace naming another CPU takes a free vector
    /// from the online one.
    status assign_system(unsigned cpu, unsigned bit, bool replace) {
        status r;
        if (outstanding()) {
            // On a copy, so that the matrix's own refusals come first.
            matrix_type trial = m_;
            deferred_events held(m_.observer(), 1);
            trial.set_observer(held.observer());
            r = trial.assign_system(cpu, bit, replace);
            if (r && !detail::demand_fits(online_runs(trial, no_cpu), demand_))
                return fail(errc::no_space);
            if (r) {
                m_ = std::move(trial);
                held.commit();
            }
        } else {
            r = m_.assign_system(cpu, bit, replace);
        }
        if (r && replace) forget(cpu, bit);
        return r;
    }

    status reserve_managed(cpu_span mask) {
        if (!outstanding()) return m_.reserve_managed(mask);
        return reserve_managed_placeable(mask, 0, /*empty_ok=*/true);
    }
    status remove_managed(cpu_span mask) noexcept { return m_.remove_managed(mask); }

    result<placement> alloc_managed(cpu_span mask) noexcept {
        auto p = m_.alloc_managed(mask);
        if (p) record({p->cpu, p->base, 0});
        return p;
    }

    status assign(unsigned cpu, unsigned bit) noexcept {
        if (outstanding() && cpu < nr_cpus() && bit >= alloc_start() && bit < alloc_end() &&
            !m_.cpu_map(cpu).alloc_map.test(bit) && m_.cpu_map(cpu).online &&
            m_.free_map(cpu).test(bit) &&
            !fits_after_taking(cpu, bit, 0, demand_, online_runs(no_cpu)))
            return fail(errc::no_space);
        auto r = m_.assign(cpu, bit);
        if (r) record({cpu, bit, 0});
        return r;
    }

    void reserve() noexcept { m_.reserve(); }
    status remove_reserved() noexcept { return m_.remove_reserved(); }

    result<placement> alloc(cpu_span mask, bool reserved) {
        if (!outstanding()) {
            auto p = m_.alloc(mask, reserved);
            if (p) record({p->cpu, p->base, 0});
            return p;
        }
        return alloc_placeable(mask, 0, reserved, demand_);
    }

    status free(unsigned cpu, unsigned bit, bool managed) noexcept {
        auto r = m_.free(cpu, bit, managed);
        if (r) forget(cpu, bit);
        return r;
    }

    result<placement> alloc_block(cpu_span mask, unsigned order, bool reserved) {
        if (!outstanding()) {
            auto p = m_.alloc_block(mask, order, reserved);
            if (p) record({p->cpu, p->base, order});
            return p;
        }
        return alloc_placeable(mask, order, reserved, demand_);
    }

    status free_block(unsigned cpu, unsigned base, unsigned order, bool managed) noexcept {
        auto r = m_.free_block(cpu, base, order, managed);
        if (r)
            for (unsigned b = base; b < base + (1u << order); ++b) forget(cpu, b);
        return r;
    }

    status reserve_managed_block(cpu_span mask, unsigned order) {
        if (!outstanding()) return m_.reserve_managed_block(mask, order);
        return reserve_managed_placeable(mask, order, /*empty_ok=*/false);
    }
    status remove_managed_block(cpu_span mask, unsigned order) noexcept {
        return m_.remove_managed_block(mask, order);
    }

    result<placement> alloc_managed_block(cpu_span mask, unsigned order) noexcept {
        auto p = m_.alloc_managed_block(mask, order);
        if (p) record({p->cpu, p->base, order});
        return p;
    }

    // ---- planning operations --------------------------------------------

    /// The largest order K for which alloc_block(mask, K, false) would
    /// succeed now, or no_space. errc::invalid: empty mask or CPU out of range.
    result<unsigned> largest_order(cpu_span mask) const {
        if (auto v = m_.validate_mask(mask, 0); !v) return fail(v.error());
        for (unsigned k = max_order + 1; k-- > 0;)
            if (first_candidate(mask, k, demand_)) return k;
        return fail(errc::no_space);
    }

    /// A guaranteed reservation of one aligned block of 2^order vectors on
    /// any online CPU, admitted only if all outstanding ones, this one
    /// included, can be placed at once. errc::invalid: order out of range;
    /// errc::no_space: not admitted (nothing changes).
    status reserve_block(unsigned order) {
        if (order > max_order) return fail(errc::invalid);
        block_demand d = demand_;
        ++d[order];
        if (!detail::demand_fits(online_runs(no_cpu), d)) return fail(errc::no_space);
        demand_ = d;
        return {};
    }

    /// Withdraws one outstanding guaranteed reservation of the order.
    /// errc::invalid: order out of range; errc::busy: none outstanding.
    status remove_reserved_block(unsigned order) noexcept {
        if (order > max_order) return fail(errc::invalid);
        if (demand_[order] == 0) return fail(errc::busy);
        --demand_[order];
        return {};
    }

    /// Allocates an outstanding guaranteed reservation of the order by the
    /// alloc_block rule among the CPUs of the mask (the first candidate that
    /// keeps the others placeable) and retires it. With every online CPU in
    /// the mask it cannot fail. errc::invalid: empty mask, CPU or order out
    /// of range; errc::busy: none of that order outstanding; errc::no_space.
    result<placement> alloc_reserved_block(cpu_span mask, unsigned order) {
        if (auto v = m_.validate_mask(mask, order); !v) return fail(v.error());
        if (demand_[order] == 0) return fail(errc::busy);
        block_demand others = demand_;
        --others[order];
        auto p = alloc_placeable(mask, order, false, others);
        if (p) demand_ = others;
        return p;
    }

    /// Whether every non-managed group on the CPU can move to the other
    /// online CPUs now (each into a free aligned block of its order, with the
    /// outstanding reservations still placeable): the number of vectors that
    /// would move. errc::invalid: CPU out of range; errc::busy: offline, or
    /// a pinned group there; errc::no_space: they do not fit.
    result<unsigned> can_offline(unsigned cpu) const {
        if (cpu >= nr_cpus()) return fail(errc::invalid);
        if (!m_.cpu_map(cpu).online) return fail(errc::busy);
        const auto groups = movable_groups(cpu);
        if (!groups) return fail(groups.error());
        block_demand d = demand_;
        unsigned vectors = 0;
        for (const auto& g : *groups) {
            ++d[g.order];
            vectors += members(g).count();
        }
        if (!detail::demand_fits(online_runs(cpu), d)) return fail(errc::no_space);
        return vectors;
    }

    /// Moves every non-managed group off the CPU, largest first (ties: lower
    /// base first), each make-before-break to the first candidate among the
    /// other online CPUs that keeps the groups still to move and the
    /// reservations placeable. All or nothing; succeeds whenever
    /// can_offline() does. The CPU stays online. Errors as can_offline().
    result<unsigned> evacuate(unsigned cpu) {
        auto can = can_offline(cpu);
        if (!can) return can;
        auto groups = *movable_groups(cpu);
        std::stable_sort(groups.begin(), groups.end(), [](const group_ref& a, const group_ref& b) {
            return a.order != b.order ? a.order > b.order : a.base < b.base;
        });
        cpu_set others(nr_cpus());
        for (unsigned c = 0; c < nr_cpus(); ++c)
            if (c != cpu && m_.cpu_map(c).online) others.set(c);
        basic_planner trial = *this;
        // Each moved vector: an alloc at the new place and a free at the old.
        deferred_events held(m_.observer(), 2 * std::size_t{Capacity});
        trial.m_.set_observer(held.observer());
        block_demand still = demand_;
        for (const auto& g : groups) ++still[g.order];
        for (const auto& g : groups) {
            --still[g.order];
            const placement to = trial.first_candidate(others, g.order, still, cpu);
            if (!to || !trial.move_members(g, to)) return fail(errc::no_space);
        }
        *this = std::move(trial);  // m_ keeps its observer
        held.commit();
        return *can;
    }

    /// Moves the non-managed group based at (cpu, base) to where the
    /// alloc_block rule puts a block of its order among the CPUs of the
    /// mask (never its current place); members keep their offsets.
    /// errc::invalid: CPU out of range or bad mask; errc::not_found: no such
    /// group; errc::busy: pinned or managed; errc::no_space: no room.
    result<placement> move_block(unsigned cpu, unsigned base, cpu_span mask) {
        if (cpu >= nr_cpus() || base >= bits()) return fail(errc::invalid);
        if (auto v = m_.validate_mask(mask, 0); !v) return fail(v.error());
        const auto g = find_group(cpu, base);
        if (!g) return fail(errc::not_found);
        if (is_managed(*g) || is_pinned(*g)) return fail(errc::busy);
        // Both blocks are held during the move, so the demand must fit with
        // the new block taken and the old one still allocated.
        const placement to = first_candidate(mask, g->order, demand_);
        if (!to) return fail(errc::no_space);
        basic_planner trial = *this;
        deferred_events held(m_.observer(), std::size_t{2} << g->order);
        trial.m_.set_observer(held.observer());
        if (!trial.move_members(*g, to)) return fail(errc::no_space);
        *this = std::move(trial);  // m_ keeps its observer
        held.commit();
        return to;
    }

    /// Marks the group based at (cpu, base) immovable (its device caches
    /// the message). errc::invalid: CPU out of range; errc::not_found.
    status pin(unsigned cpu, unsigned base) noexcept { return set_pinned(cpu, base, true); }
    status unpin(unsigned cpu, unsigned base) noexcept { return set_pinned(cpu, base, false); }

    // ---- inspection -----------------------------------------------------

    /// Outstanding guaranteed reservations per order.
    const block_demand& reserved_blocks() const noexcept { return demand_; }
    bool outstanding() const noexcept {
        return std::any_of(demand_.begin(), demand_.end(), [](std::uint64_t n) { return n != 0; });
    }

    /// The group named (cpu, base): the one of the lowest order whose block
    /// starts there and has an allocated member.
    std::optional<group_ref> find_group(unsigned cpu, unsigned base) const noexcept {
        if (cpu >= nr_cpus()) return std::nullopt;
        for (unsigned k = 0; k <= max_order; ++k) {
            const unsigned n = 1u << k;
            if (base % n != 0 || base + n > Capacity) continue;
            const group_ref g{cpu, base, k};
            if (members(g).any()) return g;
        }
        return std::nullopt;
    }

    /// The allocated vectors of a group.
    bitmap_type members(const group_ref& g) const noexcept {
        bitmap_type in_block;
        in_block.set_range(g.base, 1u << g.order);
        return owned_with_order(g.cpu, g.order) & in_block;
    }

    bool is_pinned(const group_ref& g) const noexcept {
        return (members(g) & groups_[g.cpu].pinned).any();
    }
    bool is_managed(const group_ref& g) const noexcept {
        return (members(g) & m_.cpu_map(g.cpu).managed_map).any();
    }

    /// Every group on a CPU, by base then order.
    std::vector<group_ref> groups_on(unsigned cpu) const {
        std::vector<group_ref> out;
        std::array<bitmap_type, max_order + 1> seen{};
        m_.cpu_map(cpu).alloc_map.for_each_set([&](unsigned v) {
            const unsigned k = owner_order(cpu, v);
            const unsigned base = v & ~((1u << k) - 1);
            if (seen[k].test(base)) return;
            seen[k].set(base);
            out.push_back({cpu, base, k});
        });
        return out;
    }

    /// The matrix's verify() plus the planner's own rules: group planes only
    /// on allocated vectors, every member inside its aligned block's window,
    /// and the outstanding reservations placeable.
    std::string verify() const {
        if (auto v = m_.verify(); !v.empty()) return v;
        for (unsigned c = 0; c < nr_cpus(); ++c) {
            const auto& g = groups_[c];
            bitmap_type planes = g.order[0] | g.order[1] | g.order[2] | g.pinned;
            planes.and_not(m_.cpu_map(c).alloc_map);
            if (planes.any()) return "cpu " + std::to_string(c) + ": group planes on a free vector";
            bool bad = false;
            m_.cpu_map(c).alloc_map.for_each_set(
                [&](unsigned v) { bad = bad || owner_order(c, v) > max_order; });
            if (bad)
                return "cpu " + std::to_string(c) + ": a group order above " +
                       std::to_string(max_order);
        }
        if (!detail::demand_fits(online_runs(no_cpu), demand_))
            return "the outstanding guaranteed reservations are not placeable";
        return {};
    }

    friend bool operator==(const basic_planner&, const basic_planner&) = default;

private:
    struct cpu_groups {
        std::array<bitmap_type, 3> order{};  // the owning group's order, bit by bit
        bitmap_type pinned;
        friend bool operator==(const cpu_groups&, const cpu_groups&) = default;
    };

    explicit basic_planner(matrix_type m) : m_(std::move(m)), groups_(m_.nr_cpus()) {}

    unsigned owner_order(unsigned cpu, unsigned v) const noexcept {
        const auto& g = groups_[cpu];
        return (g.order[0].test(v) ? 1u : 0u) | (g.order[1].test(v) ? 2u : 0u) |
               (g.order[2].test(v) ? 4u : 0u);
    }

    // The allocated vectors of a CPU whose group has order k, word by word.
    bitmap_type owned_with_order(unsigned cpu, unsigned k) const noexcept {
        const auto& g = groups_[cpu];
        bitmap_type out;
        for (unsigned w = 0; w < bitmap_type::word_count; ++w) {
            std::uint64_t x = m_.cpu_map(cpu).alloc_map.word(w);
            for (unsigned b = 0; b < 3; ++b)
                x &= (k >> b) & 1u ? g.order[b].word(w) : ~g.order[b].word(w);
            out.set_word(w, x);
        }
        return out;
    }

    void record(const group_ref& g) noexcept {
        auto& planes = groups_[g.cpu];
        const unsigned n = 1u << g.order;
        for (unsigned b = 0; b < 3; ++b) {
            if ((g.order >> b) & 1u)
                planes.order[b].set_range(g.base, n);
            else
                planes.order[b].reset_range(g.base, n);
        }
        planes.pinned.reset_range(g.base, n);
    }

    // A vector no longer allocated belongs to no group.
    void forget(unsigned cpu, unsigned v) noexcept {
        if (cpu >= nr_cpus() || v >= Capacity) return;
        auto& planes = groups_[cpu];
        for (auto& p : planes.order) p.reset(v);
        planes.pinned.reset(v);
    }

    status set_pinned(unsigned cpu, unsigned base, bool pinned) noexcept {
        if (cpu >= nr_cpus() || base >= bits()) return fail(errc::invalid);
        const auto g = find_group(cpu, base);
        if (!g) return fail(errc::not_found);
        const auto m = members(*g);
        auto& p = groups_[cpu].pinned;
        if (pinned)
            p |= m;
        else
            p.and_not(m);
        return {};
    }

    // The non-managed groups of a CPU; busy if any group there is pinned,
    // a managed one included (the spec: "holds a pinned group").
    result<std::vector<group_ref>> movable_groups(unsigned cpu) const {
        std::vector<group_ref> out;
        for (const auto& g : groups_on(cpu)) {
            if (is_pinned(g)) return fail(errc::busy);
            if (is_managed(g)) continue;
            out.push_back(g);
        }
        return out;
    }

    // Aligned free-block runs over the online CPUs, leaving out `except`.
    block_demand online_runs(unsigned except) const noexcept { return online_runs(m_, except); }
    static block_demand online_runs(const matrix_type& m, unsigned except) noexcept {
        block_demand total{};
        for (unsigned c = 0; c < m.nr_cpus(); ++c) {
            if (c == except || !m.cpu_map(c).online) continue;
            const auto r = detail::free_block_runs(m.free_map(c));
            for (unsigned k = 0; k <= max_order; ++k) total[k] += r[k];
        }
        return total;
    }

    // Would `demand` still fit after [base, base + 2^order) on `cpu` is
    // taken? `total` is online_runs(except) of the current state, computed
    // once by the caller for all the candidates it tries.
    bool fits_after_taking(unsigned cpu, unsigned base, unsigned order, const block_demand& demand,
                           block_demand total, unsigned except = no_cpu) const noexcept {
        const auto before = detail::free_block_runs(m_.free_map(cpu));
        auto after_map = m_.free_map(cpu);
        after_map.reset_range(base, 1u << order);
        const auto after = detail::free_block_runs(after_map);
        if (m_.cpu_map(cpu).online && cpu != except)
            for (unsigned k = 0; k <= max_order; ++k) total[k] = total[k] - before[k] + after[k];
        return detail::demand_fits(total, demand);
    }

    // The first candidate block of the order among the online CPUs of the
    // mask with available >= 2^order, in the default order (most available,
    // lowest CPU; lowest base), after which `demand` still fits over the
    // online CPUs other than `except`. Empty if none.
    placement first_candidate(cpu_span mask, unsigned order, const block_demand& demand,
                              unsigned except = no_cpu) const {
        const unsigned n = 1u << order;
        std::vector<std::pair<unsigned, unsigned>> cpus;  // (available, cpu)
        mask.for_each([&](unsigned c) {
            const auto& cm = m_.cpu_map(c);
            if (c < nr_cpus() && cm.online && cm.available >= n) cpus.emplace_back(cm.available, c);
        });
        std::sort(cpus.begin(), cpus.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        const bool constrained =
            std::any_of(demand.begin(), demand.end(), [](std::uint64_t d) { return d != 0; });
        const block_demand runs = constrained ? online_runs(except) : block_demand{};
        for (const auto& [avail, c] : cpus) {
            const auto free = m_.free_map(c);
            for (unsigned w = 0; w < bitmap_type::word_count; ++w) {
                std::uint64_t starts = aligned_block_starts(free.word(w), order);
                while (starts) {
                    const unsigned base = w * 64 + static_cast<unsigned>(std::countr_zero(starts));
                    starts &= starts - 1;
                    if (!constrained || fits_after_taking(c, base, order, demand, runs, except))
                        return {c, base};
                }
            }
        }
        return {};
    }

    result<placement> alloc_placeable(cpu_span mask, unsigned order, bool reserved,
                                      const block_demand& demand) {
        if (auto v = m_.validate_mask(mask, order); !v) return fail(v.error());
        if (reserved && m_.reserved() < (1u << order)) return fail(errc::busy);
        const placement p = first_candidate(mask, order, demand);
        if (!p) return fail(errc::no_space);
        auto r = m_.alloc_at(p.cpu, p.base, order, reserved);
        if (r) record({p.cpu, p.base, order});
        return r;
    }

    // reserve_managed(_block) with reservations outstanding: on each CPU of
    // the mask in turn, the lowest free aligned block whose reservation
    // keeps the demand placeable; all or nothing.
    status reserve_managed_placeable(cpu_span mask, unsigned order, bool empty_ok) {
        if (order > max_order || !mask.fits(nr_cpus())) return fail(errc::invalid);
        if (mask.empty()) return empty_ok ? status{} : status{fail(errc::invalid)};
        // Reserve CPU by CPU on the live matrix (each choice sees the ones
        // before it); restore the copy if some CPU has no placeable block.
        matrix_type backup = m_;
        const matrix_observer observer = m_.observer();
        deferred_events held(observer, mask.count());  // an event per CPU
        m_.set_observer(held.observer());
        bool ok = true;
        mask.for_each([&](unsigned c) {
            if (!ok) return;
            const auto free = m_.free_map(c);
            const block_demand runs = online_runs(no_cpu);  // changes only after a reservation
            for (unsigned w = 0; w < bitmap_type::word_count && ok; ++w) {
                std::uint64_t starts = aligned_block_starts(free.word(w), order);
                while (starts) {
                    const unsigned base = w * 64 + static_cast<unsigned>(std::countr_zero(starts));
                    starts &= starts - 1;
                    if (fits_after_taking(c, base, order, demand_, runs)) {
                        ok = static_cast<bool>(m_.reserve_managed_at(c, base, order));
                        return;
                    }
                }
            }
            ok = false;
        });
        m_.set_observer(observer);
        if (!ok) {
            m_ = std::move(backup);  // m_ keeps its observer
            return fail(errc::no_space);
        }
        held.commit();
        return {};
    }

    // Allocates g's members at the same offsets in the free block `to`, then
    // frees the old ones (make before break). The group keeps its order.
    bool move_members(const group_ref& g, placement to) {
        const unsigned n = 1u << g.order;
        if (!m_.free_map(to.cpu).all_set(to.base, n)) return false;
        const auto old = members(g);
        bool ok = true;
        old.for_each_set([&](unsigned v) {
            ok = ok && static_cast<bool>(m_.alloc_at(to.cpu, to.base + (v - g.base), 0, false));
        });
        if (!ok) return false;
        old.for_each_set([&](unsigned v) {
            ok = ok && static_cast<bool>(m_.free(g.cpu, v, false));
            forget(g.cpu, v);
        });
        auto& planes = groups_[to.cpu];
        old.for_each_set([&](unsigned v) {
            const unsigned nv = to.base + (v - g.base);
            for (unsigned b = 0; b < 3; ++b) {
                if ((g.order >> b) & 1u)
                    planes.order[b].set(nv);
                else
                    planes.order[b].reset(nv);
            }
            planes.pinned.reset(nv);
        });
        return ok;
    }

    matrix_type m_;
    std::vector<cpu_groups> groups_;
    block_demand demand_{};
};

/// The x86-sized planner with the kernel's placement.
using planner = basic_planner<256>;

IRQMATRIX_END_NAMESPACE
