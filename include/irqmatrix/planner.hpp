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
// The same counts in closed form: demand D fits runs R iff, for every order
// k, R_k >= need_k = D_k + 2 D_{k+1} + 4 D_{k+2} + ... (the vectors of every
// order >= k, counted in order-k blocks). The planner keeps R over the online
// CPUs up to date with every mutation it makes (online_runs_): a mutation
// changes at most one 64-bit word of one CPU's free map (blocks never
// straddle a word), so the update is the difference of that word's counts,
// a few instructions; hotplug adds or removes one CPU's counts, a mask
// operation recounts the mask's CPUs. Admission (reserve_block) is then six
// compares, whatever the CPU count.
//
// Guarded picks. Taking an order-j block at base b changes R by: -2^(j-k)
// for k <= j, and -1 for every k in (j, f], where f is the order of the
// largest wholly free aligned block containing b (capped at max_order), its
// *fit*; nothing above f. So whether the demand stays placeable depends on
// f alone, not on the CPU or the base: every f up to a limit keeps it
// (largest_breakable()), larger ones do not. An operation that takes free
// vectors while reservations are outstanding asks the placement policy for
// its pick among the blocks whose fit is within the limit: when no free
// block exceeds it, that is the policy's own pick on the matrix; otherwise
// the policy is asked on a view that hides the free blocks inside wholly
// free aligned blocks of order limit + 1 (hidden_blocks_view), through
// without_index<P> for a policy that reads the CPU index (the view has
// none), which walks the mask. If nothing qualifies the operation is refused
// with no_space and changes nothing. For the kernel policy the pick is the
// first candidate in the default order (CPUs by most available, ties to the
// lowest; bases from the lowest) after which the demand is still placeable,
// which is what the planning traces record.
//
// No copies. Moves and evacuation are committed step by step on the live
// matrix, each vector make-before-break, with a log of the moves made; if a
// step fails the log is replayed backwards, which restores the state exactly
// (allocating at the old place and freeing the new are the moves' inverses),
// and the events of the whole operation, undo included, are held back
// (deferred_events) and dropped, so all or nothing stays true and an
// observer hears only what was kept. The planning paths may allocate, and so
// may throw std::bad_alloc: evacuation (its list of groups and its log) and
// the planning queries that list groups. Every kernel operation, with or
// without reservations outstanding, allocates nothing (the C shim turns
// bad_alloc into -ENOMEM).
//
// Known limit: the guarantee is exact on states whose available counters
// match their bitmaps. The kernel's quirks can leave a CPU's counter below
// its free vectors (Q1: a managed reservation removed while the CPU was
// offline); the alloc_block rule then skips that CPU although admission,
// which reads bitmaps, counted its free blocks. drift(cpu) reports such
// CPUs; the property tests exclude them and count how often they occur.
//
// Events. The matrix's observer (events.hpp) is attached through the
// planner and hears the committed mutations only: an operation that may be
// undone (evacuate, move_block) holds its events back and delivers them
// when it is kept.
//
// Policies. basic_planner<Capacity, P> plans with P: every pick above is
// P's (its order of CPUs and bases), so every built-in policy runs under
// guarantees, moves and offline checks; a stateful policy (freebsd's
// cursor) moves once per allocation request, as in the matrix.
//
// Memory: the group planes, 4 bits per vector (128 bytes per CPU at 256
// vectors), and 48 bytes per planner for the counts; nothing else per CPU.
//
// Thread safety: like the matrix, externally synchronised.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <type_traits>
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

/// A group moved by evacuate(): where it was and where it went.
using group_move = std::pair<group_ref, placement>;

/// Free-space demand per order (0..max_order).
using block_demand = std::array<std::uint64_t, max_order + 1>;

namespace detail {

/// Free aligned blocks per order (R_k above) of one 64-bit word of a free map.
constexpr block_demand word_runs(std::uint64_t starts) noexcept {
    block_demand r{};
    r[0] = static_cast<std::uint64_t>(std::popcount(starts));
    for (unsigned k = 1; k <= max_order; ++k) {
        starts &= (starts >> (1u << (k - 1))) & aligned_starts[k];
        r[k] = static_cast<std::uint64_t>(std::popcount(starts));
    }
    return r;
}

/// Free aligned blocks per order (R_k above) of one free map.
template <unsigned Capacity>
block_demand free_block_runs(const bitmap<Capacity>& free) noexcept {
    block_demand r{};
    for (unsigned w = 0; w < bitmap<Capacity>::word_count; ++w) {
        const block_demand in_word = word_runs(free.word(w));
        for (unsigned k = 0; k <= max_order; ++k) r[k] += in_word[k];
    }
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

/// The largest fit f (order..max_order; file comment) such that taking an
/// order-`order` block whose fit is f leaves `demand` placeable in `runs`,
/// or -1 if taking any such block breaks it (or there is none).
constexpr int largest_breakable(const block_demand& runs, const block_demand& demand,
                                unsigned order) noexcept {
    block_demand need{};
    std::uint64_t acc = 0;
    for (unsigned k = max_order + 1; k-- > 0;) need[k] = acc = 2 * acc + demand[k];
    for (unsigned k = 0; k <= order; ++k)
        if (runs[k] < need[k] + (std::uint64_t{1} << (order - k))) return -1;
    unsigned f = order;
    while (f < max_order && runs[f + 1] > need[f + 1]) ++f;
    return static_cast<int>(f);
}

/// The change of R_k when an aligned order-j block whose fit is f is taken
/// (file comment): 2^(j-k) for k <= j, 1 for j < k <= f; taking_delta[j][f].
inline constexpr auto taking_delta = [] {
    std::array<std::array<block_demand, max_order + 1>, max_order + 1> t{};
    for (unsigned j = 0; j <= max_order; ++j)
        for (unsigned f = j; f <= max_order; ++f)
            for (unsigned k = 0; k <= f; ++k) t[j][f][k] = k <= j ? std::uint64_t{1} << (j - k) : 1;
    return t;
}();

/// The fit of a free aligned block at bit `at` of a word `free` where it is
/// free: the order of the largest wholly free aligned block containing it,
/// capped at max_order. That block ends where the nearest busy bits below
/// and above begin: the aligned 2^k lane around `at` excludes a bit b iff
/// b and `at` differ in a bit of index k or more.
constexpr unsigned fit_in_word(std::uint64_t free, unsigned at) noexcept {
    const std::uint64_t busy = ~free;
    const std::uint64_t low = (std::uint64_t{1} << at) - 1;
    unsigned fit = max_order;
    if (const std::uint64_t below = busy & low) {
        const unsigned b = 63 - static_cast<unsigned>(std::countl_zero(below));
        fit = std::min(fit, static_cast<unsigned>(std::bit_width(b ^ at)) - 1);
    }
    if (const std::uint64_t above = busy & ~low) {
        const auto b = static_cast<unsigned>(std::countr_zero(above));
        fit = std::min(fit, static_cast<unsigned>(std::bit_width(b ^ at)) - 1);
    }
    return fit;
}

/// A matrix seen with less free space: what a placement policy without the
/// CPU index reads (placement.hpp), all forwarded to the matrix but the free
/// space, which is Derived's free_word().
template <class M, class Derived>
class free_space_view {
public:
    using bitmap_type = typename M::bitmap_type;

    explicit free_space_view(const M& m) noexcept : m_(m) {}

    unsigned nr_cpus() const noexcept { return m_.nr_cpus(); }
    unsigned alloc_start() const noexcept { return m_.alloc_start(); }
    unsigned alloc_end() const noexcept { return m_.alloc_end(); }
    const auto& cpu_map(unsigned c) const noexcept { return m_.cpu_map(c); }
    bitmap_type managed_free_map(unsigned c) const noexcept { return m_.managed_free_map(c); }
    unsigned first_managed_free_block(unsigned c, unsigned order) const noexcept {
        return m_.first_managed_free_block(c, order);
    }

    bitmap_type free_map(unsigned c) const noexcept {
        bitmap_type f;
        for (unsigned w = 0; w < bitmap_type::word_count; ++w) f.set_word(w, free_word(c, w));
        return f;
    }
    unsigned first_free_block(unsigned c, unsigned order) const noexcept {
        for (unsigned w = 0; w < bitmap_type::word_count; ++w)
            if (const unsigned at = lowest_aligned_block(free_word(c, w), order); at < 64)
                return w * 64 + at;
        return bitmap_type::capacity;
    }

protected:
    std::uint64_t free_word(unsigned c, unsigned w) const noexcept {
        return static_cast<const Derived&>(*this).free_word(c, w);
    }
    const M& m_;
};

/// A matrix seen with the free blocks that lie inside wholly free aligned
/// blocks of order `hidden` hidden (a guarded pick must not break those; see
/// the file comment).
template <class M>
class hidden_blocks_view : public free_space_view<M, hidden_blocks_view<M>> {
public:
    hidden_blocks_view(const M& m, unsigned hidden) noexcept
        : free_space_view<M, hidden_blocks_view>(m), hidden_(hidden) {}

    std::uint64_t free_word(unsigned c, unsigned w) const noexcept {
        const std::uint64_t f = this->m_.free_word(c, w);
        std::uint64_t hide = aligned_block_starts(f, hidden_);
        for (unsigned span = 1; span < (1u << hidden_); span <<= 1) hide |= hide << span;
        return f & ~hide;
    }

private:
    unsigned hidden_;
};

/// A view V of the matrix M (M itself or a hidden_blocks_view) with its
/// free space further limited to the vectors also free on CPU `old`: the
/// targets a two-step move may take (move_rule::two_step). V's hiding is
/// computed on the target's own map, before this filter, so a guarded
/// pick's fit stays the fit on the real matrix.
template <class V, class M>
class also_free_view : public free_space_view<M, also_free_view<V, M>> {
public:
    also_free_view(const V& v, const M& m, unsigned old) noexcept
        : free_space_view<M, also_free_view>(m), v_(v), old_(old) {}

    std::uint64_t free_word(unsigned c, unsigned w) const noexcept {
        return v_.free_word(c, w) & this->m_.free_word(old_, w);
    }

private:
    const V& v_;
    unsigned old_;
};

}  // namespace detail

/// How a move (move_block, evacuate) chooses its target block.
/// plain: any wholly free aligned block of the group's order.
/// two_step: only a block whose vectors are also free on the group's old
/// CPU. Without interrupt remapping a device that cannot mask its MSI is
/// retargeted in two writes, the vector first and the CPU second, so between
/// them it may fire at the new vectors on the old CPU; there they must not
/// belong to anyone else (docs/porting.md).
enum class move_rule : std::uint8_t { plain, two_step };

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

    status online(unsigned cpu) noexcept {
        auto r = m_.online(cpu);
        if (r) add_runs(online_runs_, cpu_runs(cpu));
        return r;
    }

    /// As the matrix's; with reservations outstanding, refused with no_space
    /// if they would not be placeable on the remaining online CPUs.
    status offline(unsigned cpu) noexcept {
        if (cpu >= nr_cpus() || !m_.cpu_map(cpu).online) return m_.offline(cpu);
        const block_demand leaving = cpu_runs(cpu);
        if (outstanding() && !detail::demand_fits(without(online_runs_, leaving), demand_))
            return fail(errc::no_space);
        auto r = m_.offline(cpu);
        if (r) online_runs_ = without(online_runs_, leaving);
        return r;
    }

    /// As the matrix's; with reservations outstanding, refused with no_space
    /// if they would no longer be placeable: a system vector leaves every
    /// CPU's free map, so a replace naming another CPU takes a free vector
    /// from the online one. (Boot time only: it recounts every CPU.)
    status assign_system(unsigned cpu, unsigned bit, bool replace) noexcept {
        if (auto refused = m_.assign_system_refusal(cpu, bit, replace); !refused) return refused;
        if (outstanding() && !detail::demand_fits(runs_without_system(bit), demand_))
            return fail(errc::no_space);
        auto r = m_.assign_system(cpu, bit, replace);
        if (r) {
            if (replace) forget(cpu, bit);
            recount_runs();
        }
        return r;
    }

    status reserve_managed(cpu_span mask) noexcept {
        if (outstanding()) return reserve_managed_placeable(mask, 0, /*empty_ok=*/true);
        return recounting(mask, [&] { return m_.reserve_managed(mask); });
    }
    status remove_managed(cpu_span mask) noexcept {
        return recounting(mask, [&] { return m_.remove_managed(mask); });
    }

    result<placement> alloc_managed(cpu_span mask) noexcept {
        auto p = m_.alloc_managed(mask);  // a reserved vector: the free space is unchanged
        if (p) record({p->cpu, p->base, 0});
        return p;
    }

    status assign(unsigned cpu, unsigned bit) noexcept {
        if (outstanding() && cpu < nr_cpus() && bit >= alloc_start() && bit < alloc_end() &&
            m_.cpu_map(cpu).online && m_.free_map(cpu).test(bit) &&
            !fits_after_taking(cpu, bit, 0, demand_, online_runs_))
            return fail(errc::no_space);
        auto r = in_word(cpu, bit, [&] { return m_.assign(cpu, bit); });
        if (r) record({cpu, bit, 0});
        return r;
    }

    void reserve() noexcept { m_.reserve(); }
    status remove_reserved() noexcept { return m_.remove_reserved(); }

    result<placement> alloc(cpu_span mask, bool reserved) noexcept {
        if (outstanding()) return alloc_placeable(mask, 0, reserved, demand_);
        auto p = m_.alloc(mask, reserved);
        if (p) took(*p, 0);
        return p;
    }

    status free(unsigned cpu, unsigned bit, bool managed) noexcept {
        auto r = in_word(cpu, bit, [&] { return m_.free(cpu, bit, managed); });
        if (r) forget(cpu, bit);
        return r;
    }

    result<placement> alloc_block(cpu_span mask, unsigned order, bool reserved) noexcept {
        if (outstanding()) return alloc_placeable(mask, order, reserved, demand_);
        auto p = m_.alloc_block(mask, order, reserved);
        if (p) took(*p, order);
        return p;
    }

    status free_block(unsigned cpu, unsigned base, unsigned order, bool managed) noexcept {
        auto r = in_word(cpu, base, [&] { return m_.free_block(cpu, base, order, managed); });
        if (r)
            for (unsigned b = base; b < base + (1u << order); ++b) forget(cpu, b);
        return r;
    }

    status reserve_managed_block(cpu_span mask, unsigned order) noexcept {
        if (outstanding()) return reserve_managed_placeable(mask, order, /*empty_ok=*/false);
        return recounting(mask, [&] { return m_.reserve_managed_block(mask, order); });
    }
    status remove_managed_block(cpu_span mask, unsigned order) noexcept {
        return recounting(mask, [&] { return m_.remove_managed_block(mask, order); });
    }

    result<placement> alloc_managed_block(cpu_span mask, unsigned order) noexcept {
        auto p = m_.alloc_managed_block(mask, order);
        if (p) record({p->cpu, p->base, order});
        return p;
    }

    // ---- planning operations --------------------------------------------

    /// The largest order K for which alloc_block(mask, K, false) would
    /// succeed now, or no_space. errc::invalid: empty mask or CPU out of range.
    result<unsigned> largest_order(cpu_span mask) const noexcept {
        if (auto v = m_.validate_mask(mask, 0); !v) return fail(v.error());
        Placement asked = m_.policy();  // a query: a stateful policy's copy moves, not it
        for (unsigned k = max_order + 1; k-- > 0;)
            if (guarded_pick(asked, mask, k, demand_, no_cpu)) return k;
        return fail(errc::no_space);
    }

    /// A guaranteed reservation of one aligned block of 2^order vectors on
    /// any online CPU, admitted only if all outstanding ones, this one
    /// included, can be placed at once. errc::invalid: order out of range;
    /// errc::no_space: not admitted (nothing changes).
    status reserve_block(unsigned order) noexcept {
        if (order > max_order) return fail(errc::invalid);
        block_demand d = demand_;
        ++d[order];
        if (!detail::demand_fits(online_runs_, d)) return fail(errc::no_space);
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
    /// policy's block rule among the CPUs of the mask (its pick among the
    /// blocks that keep the others placeable; where the policy refuses by a
    /// rule of its own, freebsd's single CPU, the kernel's order instead)
    /// and retires it. With every online CPU in the mask it cannot fail. errc::invalid: empty mask, CPU
    /// or order out of range; errc::busy: none of that order outstanding;
    /// errc::no_space.
    result<placement> alloc_reserved_block(cpu_span mask, unsigned order) noexcept {
        if (auto v = m_.validate_mask(mask, order); !v) return fail(v.error());
        if (demand_[order] == 0) return fail(errc::busy);
        block_demand others = demand_;
        --others[order];
        auto p = alloc_placeable(mask, order, false, others, /*honour=*/true);
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
        const auto movable = movable_on(cpu);
        if (!movable) return fail(movable.error());
        block_demand d = demand_;
        for (unsigned k = 0; k <= max_order; ++k) d[k] += movable->groups[k];
        if (!detail::demand_fits(runs_except(cpu), d)) return fail(errc::no_space);
        return movable->vectors;
    }

    /// Whether a block of the order would fit on the online CPUs of the mask
    /// if every group there that may move (neither managed nor pinned) were
    /// placed anew, together with the outstanding reservations: "was a
    /// refusal fragmentation, which moving could cure?". Exact (the file
    /// comment's admission test over those CPUs' free and movable space).
    /// O(CPUs of the mask). false for an order out of range.
    bool fits_after_repack(cpu_span mask, unsigned order) const noexcept {
        if (order > max_order || !mask.fits(nr_cpus())) return false;
        block_demand runs{}, d = demand_;
        ++d[order];
        mask.for_each([&](unsigned c) {
            if (!m_.cpu_map(c).online) return;
            const movable_set movable = *movable_on(c, /*pinned_stay=*/true);
            for (unsigned w = 0; w < bitmap_type::word_count; ++w) {
                std::uint64_t space = m_.free_word(c, w);
                for (unsigned k = 0; k <= max_order; ++k)
                    space |= owned_word(c, k, w) & whole_lanes(movable.starts[k].word(w), k);
                add_runs(runs, detail::word_runs(space));
            }
            for (unsigned k = 0; k <= max_order; ++k) d[k] += movable.groups[k];
        });
        return detail::demand_fits(runs, d);
    }

    /// Moves every non-managed group off the CPU, largest first (ties: lower
    /// base first), each make-before-break to the policy's pick among the
    /// other online CPUs that keeps the groups still to move and the
    /// reservations placeable (where the policy refuses by a rule of its own,
    /// the kernel's order instead). All or nothing; succeeds whenever
    /// can_offline() does. The CPU stays online. Errors as can_offline().
    ///
    /// `moves`, if given, receives each group moved and where it went, in
    /// the order moved (a simulator keeps its own names for the groups).
    ///
    /// With move_rule::two_step each group goes only to a block whose
    /// vectors are also free on `cpu` (move_rule); all or nothing still, but
    /// it may then refuse (no_space) where can_offline(), which counts room
    /// by the plain rule, succeeds.
    result<unsigned> evacuate(unsigned cpu, std::vector<group_move>* moves = nullptr,
                              move_rule rule = move_rule::plain) {
        auto can = can_offline(cpu);
        if (!can) return can;
        const movable_set movable = *movable_on(cpu);
        cpu_set others = cpu_set::all(nr_cpus());
        others.reset(cpu);
        // Each moved vector: an alloc at the new place and a free at the old,
        // and as many again if the moves are undone.
        held_events held(m_, 4 * std::size_t{*can});
        // The CPU leaves the counts while it is emptied (every pick asks for
        // them without it) and comes back, as it then is, at the end.
        const uncounted_cpu aside(*this, cpu);
        std::vector<group_move> done;
        block_demand still = demand_;
        std::size_t groups = 0;
        for (unsigned k = 0; k <= max_order; ++k) {
            still[k] += movable.groups[k];
            groups += movable.groups[k];
        }
        done.reserve(groups);  // before any move: nothing below can throw
        bool ok = true;
        for (unsigned k = max_order + 1; ok && k-- > 0;)
            for (unsigned w = 0; ok && w < bitmap_type::word_count; ++w)
                for (std::uint64_t bits = movable.starts[k].word(w); ok && bits; bits &= bits - 1) {
                    const group_ref g{cpu, w * 64 + static_cast<unsigned>(std::countr_zero(bits)),
                                      k};
                    --still[k];
                    const placement to = guarded_pick(m_.policy(), others.view(), k, still, no_cpu,
                                                      /*honour=*/true, two_step_from(cpu, rule));
                    ok = to && move_members(g, to);
                    if (ok) done.emplace_back(g, to);
                }
        if (!ok) {
            undo_moves(done);
            return fail(errc::no_space);
        }
        held.commit();
        if (moves) *moves = std::move(done);
        return *can;
    }

    /// Moves the non-managed group based at (cpu, base) to where the
    /// policy's block rule puts a block of its order among the CPUs of the
    /// mask (never its current place); members keep their offsets.
    /// errc::invalid: CPU out of range or bad mask; errc::not_found: no such
    /// group; errc::busy: pinned or managed; errc::no_space: no room (with
    /// move_rule::two_step, no room whose vectors are also free on `cpu`).
    result<placement> move_block(unsigned cpu, unsigned base, cpu_span mask,
                                 move_rule rule = move_rule::plain) {
        if (cpu >= nr_cpus() || base >= bits()) return fail(errc::invalid);
        if (auto v = m_.validate_mask(mask, 0); !v) return fail(v.error());
        const auto g = find_group(cpu, base);
        if (!g) return fail(errc::not_found);
        if (is_managed(*g) || is_pinned(*g)) return fail(errc::busy);
        // Both blocks are held during the move, so the demand must fit with
        // the new block taken and the old one still allocated.
        const placement to = guarded_pick(m_.policy(), mask, g->order, demand_, no_cpu,
                                          /*honour=*/false, two_step_from(cpu, rule));
        if (!to) return fail(errc::no_space);
        // A move refused half way is undone (move_members), and its events
        // with it.
        held_events held(m_, std::size_t{4} << g->order);
        if (!move_members(*g, to)) return fail(errc::no_space);
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

    /// Free aligned blocks per order over the online CPUs (R_k of the file
    /// comment), as the planner keeps them.
    const block_demand& online_free_blocks() const noexcept { return online_runs_; }

    /// The group named (cpu, base): the one of the lowest order whose block
    /// starts there and has an allocated member.
    std::optional<group_ref> find_group(unsigned cpu, unsigned base) const noexcept {
        if (cpu >= nr_cpus() || base >= Capacity) return std::nullopt;
        for (unsigned k = 0; k <= max_order; ++k) {
            const unsigned n = 1u << k;
            if (base % n != 0) continue;
            const group_ref g{cpu, base, k};
            if (member_word(g) != 0) return g;
        }
        return std::nullopt;
    }

    /// The allocated vectors of a group.
    bitmap_type members(const group_ref& g) const noexcept {
        bitmap_type out;
        out.set_word(g.base / 64, member_word(g));
        return out;
    }

    bool is_pinned(const group_ref& g) const noexcept {
        return (member_word(g) & groups_[g.cpu].pinned.word(g.base / 64)) != 0;
    }
    bool is_managed(const group_ref& g) const noexcept {
        return (member_word(g) & m_.cpu_map(g.cpu).managed_map.word(g.base / 64)) != 0;
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
    /// the kept free-block counts equal to a recount, and the outstanding
    /// reservations placeable.
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
        if (online_runs_ != count_online_runs())
            return "the kept free-block counts differ from a recount of the online CPUs";
        if (!detail::demand_fits(online_runs_, demand_))
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

    // The matrix's observer replaced, for the life of an operation that may
    // be undone, by one that holds the events; commit() delivers them, and
    // otherwise they are dropped.
    class held_events {
    public:
        held_events(matrix_type& m, std::size_t most)
            : m_(m), target_(m.observer()), held_(target_, most) {
            m_.set_observer(held_.observer());
        }
        held_events(const held_events&) = delete;
        held_events& operator=(const held_events&) = delete;
        ~held_events() { m_.set_observer(target_); }
        void commit() noexcept {
            m_.set_observer(target_);
            held_.commit();
        }

    private:
        matrix_type& m_;
        matrix_observer target_;
        deferred_events held_;
    };

    explicit basic_planner(matrix_type m) : m_(std::move(m)), groups_(m_.nr_cpus()) {
        online_runs_ = count_online_runs();
    }

    unsigned owner_order(unsigned cpu, unsigned v) const noexcept {
        const auto& g = groups_[cpu];
        return (g.order[0].test(v) ? 1u : 0u) | (g.order[1].test(v) ? 2u : 0u) |
               (g.order[2].test(v) ? 4u : 0u);
    }

    // A group's members, in the word that holds its block (a block of an
    // order up to max_order never straddles one).
    // A group_ref that names no aligned block of this planner has none.
    std::uint64_t member_word(const group_ref& g) const noexcept {
        if (g.cpu >= nr_cpus() || g.order > max_order || g.base >= Capacity ||
            g.base % (1u << g.order) != 0)
            return 0;
        return owned_word(g.cpu, g.order, g.base / 64) & run_mask(g.base % 64, 1u << g.order);
    }

    // Word w of the allocated vectors of a CPU whose group has order k.
    std::uint64_t owned_word(unsigned cpu, unsigned k, unsigned w) const noexcept {
        const auto& g = groups_[cpu];
        std::uint64_t x = m_.cpu_map(cpu).alloc_map.word(w);
        for (unsigned b = 0; b < 3; ++b)
            x &= (k >> b) & 1u ? g.order[b].word(w) : ~g.order[b].word(w);
        return x;
    }

    // The allocated vectors of a CPU whose group has order k.
    bitmap_type owned_with_order(unsigned cpu, unsigned k) const noexcept {
        bitmap_type out;
        for (unsigned w = 0; w < bitmap_type::word_count; ++w)
            out.set_word(w, owned_word(cpu, k, w));
        return out;
    }

    // A group's block lies in one word (orders up to max_order never straddle
    // one), so its planes change by one mask each.
    void record(const group_ref& g) noexcept {
        auto& planes = groups_[g.cpu];
        const unsigned w = g.base / 64;
        const std::uint64_t m = run_mask(g.base % 64, 1u << g.order);
        for (unsigned b = 0; b < 3; ++b) {
            const std::uint64_t x = planes.order[b].word(w);
            planes.order[b].set_word(w, (g.order >> b) & 1u ? x | m : x & ~m);
        }
        planes.pinned.set_word(w, planes.pinned.word(w) & ~m);
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

    // The non-managed groups of a CPU, word-parallel: per order the group
    // bases (each group's aligned block holds at least one member), how many
    // groups, and their members in all. busy if any group there is pinned, a
    // managed one included (the spec: "holds a pinned group").
    struct movable_set {
        std::array<bitmap_type, max_order + 1> starts{};
        block_demand groups{};
        unsigned vectors = 0;
    };

    // The lanes of `x` (aligned runs of 2^k bits) with a bit set, marked at
    // their first bit.
    static std::uint64_t lanes_with_any(std::uint64_t x, unsigned k) noexcept {
        for (unsigned span = 1; span < (1u << k); span <<= 1) x |= x >> span;
        return x & detail::aligned_starts[k];
    }
    // Each lane start widened back to its whole lane.
    static std::uint64_t whole_lanes(std::uint64_t starts, unsigned k) noexcept {
        for (unsigned span = 1; span < (1u << k); span <<= 1) starts |= starts << span;
        return starts;
    }

    // With pinned_stay, a pinned group is left out rather than an error.
    result<movable_set> movable_on(unsigned cpu, bool pinned_stay = false) const noexcept {
        movable_set out;
        const auto& cm = m_.cpu_map(cpu);
        const auto& planes = groups_[cpu];
        for (unsigned k = 0; k <= max_order; ++k) {
            const bitmap_type owned = owned_with_order(cpu, k);
            for (unsigned w = 0; w < bitmap_type::word_count; ++w) {
                const std::uint64_t o = owned.word(w);
                if (o == 0) continue;
                const std::uint64_t pinned = lanes_with_any(o & planes.pinned.word(w), k);
                if (pinned && !pinned_stay) return fail(errc::busy);
                const std::uint64_t managed = lanes_with_any(o & cm.managed_map.word(w), k);
                const std::uint64_t starts = lanes_with_any(o, k) & ~managed & ~pinned;
                out.starts[k].set_word(w, starts);
                out.groups[k] += static_cast<unsigned>(std::popcount(starts));
                out.vectors += static_cast<unsigned>(std::popcount(o & whole_lanes(starts, k)));
            }
        }
        return out;
    }

    // While it lives, `cpu` is left out of the counts (runs_except(cpu) is
    // then the counts themselves, and its changes are not tallied); on the
    // way out it is counted again as it is then.
    class uncounted_cpu {
    public:
        uncounted_cpu(basic_planner& p, unsigned cpu) noexcept : p_(p) {
            p_.online_runs_ = without(p_.online_runs_, p_.cpu_runs(cpu));
            p_.uncounted_ = cpu;
        }
        uncounted_cpu(const uncounted_cpu&) = delete;
        uncounted_cpu& operator=(const uncounted_cpu&) = delete;
        ~uncounted_cpu() {
            add_runs(p_.online_runs_, p_.cpu_runs(p_.uncounted_));
            p_.uncounted_ = no_cpu;
        }

    private:
        basic_planner& p_;
    };

    // ---- the free-block counts over the online CPUs (file comment) -------

    static void add_runs(block_demand& total, const block_demand& r) noexcept {
        for (unsigned k = 0; k <= max_order; ++k) total[k] += r[k];
    }
    static block_demand without(block_demand total, const block_demand& r) noexcept {
        for (unsigned k = 0; k <= max_order; ++k) total[k] -= r[k];
        return total;
    }

    block_demand cpu_runs(unsigned cpu) const noexcept {
        block_demand r{};
        for (unsigned w = 0; w < bitmap_type::word_count; ++w)
            add_runs(r, detail::word_runs(m_.free_word(cpu, w)));
        return r;
    }

    block_demand count_online_runs() const noexcept {
        block_demand total{};
        for (unsigned c = 0; c < nr_cpus(); ++c)
            if (m_.cpu_map(c).online) add_runs(total, cpu_runs(c));
        return total;
    }
    void recount_runs() noexcept { online_runs_ = count_online_runs(); }

    // The counts over the online CPUs other than `except` (no_cpu: all).
    block_demand runs_except(unsigned except) const noexcept {
        if (except >= nr_cpus() || except == uncounted_ || !m_.cpu_map(except).online)
            return online_runs_;
        return without(online_runs_, cpu_runs(except));
    }

    // The counts once `bit` is a system vector: it leaves the free map of
    // every online CPU where it is free.
    block_demand runs_without_system(unsigned bit) const noexcept {
        block_demand total = online_runs_;
        if (bit >= Capacity) return total;
        const unsigned w = bit / 64;
        const std::uint64_t b = std::uint64_t{1} << (bit % 64);
        for (unsigned c = 0; c < nr_cpus(); ++c) {
            if (!m_.cpu_map(c).online) continue;
            const std::uint64_t before = m_.free_word(c, w);
            if (before & b) retally(total, before, before & ~b);
        }
        return total;
    }

    // A word of a counted free map went from `before` to `after`. Nearly
    // always one aligned block left or joined the free space: then the
    // change is taking_delta for its order and fit, found with two bit scans
    // and no population count (a library call on the baseline x86-64).
    // Anything else is recounted.
    static void retally(block_demand& total, std::uint64_t before, std::uint64_t after) noexcept {
        const std::uint64_t changed = before ^ after;
        if (changed == 0) return;
        const auto at = static_cast<unsigned>(std::countr_zero(changed));
        const std::uint64_t run = changed >> at;
        const bool one_block = (run & (run + 1)) == 0 && run != ~std::uint64_t{0} &&
                               ((before & changed) == changed || (after & changed) == changed);
        const unsigned len = one_block ? static_cast<unsigned>(std::countr_zero(run + 1)) : 0;
        if (!one_block || (len & (len - 1)) != 0 || len > (1u << max_order) || at % len != 0) {
            const block_demand was = detail::word_runs(before);
            const block_demand now = detail::word_runs(after);
            for (unsigned k = 0; k <= max_order; ++k) total[k] += now[k] - was[k];
            return;
        }
        const bool leaves = (before & changed) == changed;
        const std::uint64_t free_with = leaves ? before : after;  // the word with the block free
        const auto order = static_cast<unsigned>(std::countr_zero(len));
        const block_demand& d = detail::taking_delta[order][detail::fit_in_word(free_with, at)];
        if (leaves)
            for (unsigned k = 0; k <= max_order; ++k) total[k] -= d[k];
        else
            for (unsigned k = 0; k <= max_order; ++k) total[k] += d[k];
    }

    // A word of an online CPU's free map went from `before` to its value now.
    void retally_word(unsigned cpu, unsigned w, std::uint64_t before) noexcept {
        const std::uint64_t after = m_.free_word(cpu, w);
        if (after != before && cpu != uncounted_ && m_.cpu_map(cpu).online)
            retally(online_runs_, before, after);
    }

    // Runs op(), which changes at most the word of `bit` in cpu's free map,
    // and keeps the counts in step.
    template <class Op>
    auto in_word(unsigned cpu, unsigned bit, Op op) noexcept {
        if (cpu >= nr_cpus() || bit >= Capacity) return op();
        const unsigned w = bit / 64;
        const std::uint64_t before = m_.free_word(cpu, w);
        auto r = op();
        retally_word(cpu, w, before);
        return r;
    }

    // Runs op(), a mask operation that may change the free maps of the mask's
    // CPUs (and nothing else), and keeps the counts in step: a small mask's
    // CPUs word by word (their words before, tallied against after), a
    // larger one's recounted whole.
    template <class Op>
    status recounting(cpu_span mask, Op op) noexcept {
        if (!mask.fits(nr_cpus())) return op();
        constexpr unsigned small = 4;
        if (mask.count() <= small) {
            unsigned cpus[small];
            std::uint64_t words[small][bitmap_type::word_count];
            unsigned n = 0;
            mask.for_each([&](unsigned c) {
                cpus[n] = c;
                for (unsigned w = 0; w < bitmap_type::word_count; ++w)
                    words[n][w] = m_.free_word(c, w);
                ++n;
            });
            auto r = op();
            for (unsigned i = 0; i < n; ++i)
                for (unsigned w = 0; w < bitmap_type::word_count; ++w)
                    retally_word(cpus[i], w, words[i][w]);
            return r;
        }
        block_demand before{};
        mask.for_each([&](unsigned c) {
            if (m_.cpu_map(c).online) add_runs(before, cpu_runs(c));
        });
        auto r = op();
        online_runs_ = without(online_runs_, before);
        mask.for_each([&](unsigned c) {
            if (m_.cpu_map(c).online) add_runs(online_runs_, cpu_runs(c));
        });
        return r;
    }

    // The picked block p of the order was free and is allocated now.
    void took(placement p, unsigned order) noexcept {
        const unsigned w = p.base / 64;
        const std::uint64_t bits = run_mask(p.base % 64, 1u << order);
        retally_word(p.cpu, w, m_.free_word(p.cpu, w) | bits);
        record({p.cpu, p.base, order});
    }

    // Would `demand` still fit after [base, base + 2^order) on `cpu` is
    // taken, the counts being `total`?
    bool fits_after_taking(unsigned cpu, unsigned base, unsigned order, const block_demand& demand,
                           block_demand total) const noexcept {
        const unsigned w = base / 64;
        const std::uint64_t before = m_.free_word(cpu, w);
        retally(total, before, before & ~run_mask(base % 64, 1u << order));
        return detail::demand_fits(total, demand);
    }

    // ---- guarded picks (file comment) --------------------------------------

    // The policy's pick of a free block of the order among the CPUs of the
    // mask, restricted to the blocks after whose taking `demand` is still
    // placeable over the online CPUs other than `except`. Empty if none. With
    // `honour`, a refusal that is the policy's own rule rather than a lack of
    // room (a policy with no fallback to another CPU: freebsd) is overruled
    // by the kernel's order, so that a guarantee holds under every policy.
    // With `two_step_from` a CPU (move_rule::two_step), only blocks whose
    // vectors are also free on that CPU qualify (detail::also_free_view).
    placement guarded_pick(Placement& policy, cpu_span mask, unsigned order,
                           const block_demand& demand, unsigned except, bool honour = false,
                           unsigned two_step_from = no_cpu) const noexcept {
        if (mask.empty()) return {};
        const block_demand runs = runs_except(except);
        const int limit = detail::largest_breakable(runs, demand, order);
        if (limit < 0) return {};
        const auto f = static_cast<unsigned>(limit);
        const bool hide = f < max_order && runs[f + 1] != 0;
        if (!hide && two_step_from == no_cpu) {
            const placement p = policy.pick_block(m_, mask, order);
            if (p || !honour) return p;
            return kernel_scan_placement::pick_block(m_, mask, order);
        }
        if (!hide)
            return pick_on(policy, detail::also_free_view(m_, m_, two_step_from), mask, order,
                           honour);
        const detail::hidden_blocks_view<matrix_type> hidden(m_, f + 1);
        if (two_step_from == no_cpu) return pick_on(policy, hidden, mask, order, honour);
        return pick_on(policy, detail::also_free_view(hidden, m_, two_step_from), mask, order,
                       honour);
    }

    // The policy's pick on a view (which has no CPU index), as guarded_pick.
    template <class View>
    static placement pick_on(Placement& policy, const View& view, cpu_span mask, unsigned order,
                             bool honour) noexcept {
        using unindexed = typename without_index<Placement>::type;
        placement p;
        if constexpr (std::is_same_v<unindexed, Placement>)
            p = policy.pick_block(view, mask, order);
        else
            p = unindexed{}.pick_block(view, mask, order);
        if (p || !honour) return p;
        return kernel_scan_placement::pick_block(view, mask, order);
    }

    result<placement> alloc_placeable(cpu_span mask, unsigned order, bool reserved,
                                      const block_demand& demand, bool honour = false) noexcept {
        if (auto v = m_.validate_mask(mask, order); !v) return fail(v.error());
        if (reserved && m_.reserved() < (1u << order)) return fail(errc::busy);
        const placement p = guarded_pick(m_.policy(), mask, order, demand, no_cpu, honour);
        if (!p) return fail(errc::no_space);
        auto r = m_.alloc_at(p.cpu, p.base, order, reserved);
        if (r) took(*r, order);
        return r;
    }

    // reserve_managed(_block) with reservations outstanding: on each CPU of
    // the mask in turn, the lowest free aligned block whose reservation
    // keeps the demand placeable (on an offline CPU, which the counts leave
    // out, the lowest); all or nothing. Every CPU is planned before any is
    // reserved: a CPU's choice depends only on its own map and the counts,
    // which the plan follows.
    status reserve_managed_placeable(cpu_span mask, unsigned order, bool empty_ok) noexcept {
        if (order > max_order || !mask.fits(nr_cpus())) return fail(errc::invalid);
        if (mask.empty()) return empty_ok ? status{} : status{fail(errc::invalid)};
        block_demand runs = online_runs_;
        bool ok = true;
        mask.for_each([&](unsigned c) {
            if (!ok) return;
            const bool counted = m_.cpu_map(c).online;
            const int limit =
                counted ? detail::largest_breakable(runs, demand_, order) : int{max_order};
            ok = limit >= 0 && lowest_within(c, order, static_cast<unsigned>(limit)) < Capacity;
            if (ok && counted) {
                const unsigned base = lowest_within(c, order, static_cast<unsigned>(limit));
                const std::uint64_t before = m_.free_word(c, base / 64);
                retally(runs, before, before & ~run_mask(base % 64, 1u << order));
            }
        });
        if (!ok) return fail(errc::no_space);
        mask.for_each([&](unsigned c) {
            const unsigned base = lowest_within(c, order, largest_now(c, order));
            (void)in_word(c, base, [&] { return m_.reserve_managed_at(c, base, order); });
        });
        return {};
    }

    // The limit reserve_managed_placeable planned for CPU c, taken again now
    // that the CPUs before it are reserved (the counts then are the plan's).
    unsigned largest_now(unsigned c, unsigned order) const noexcept {
        if (!m_.cpu_map(c).online) return max_order;
        return static_cast<unsigned>(detail::largest_breakable(online_runs_, demand_, order));
    }

    // The lowest free aligned block of the order on `cpu` whose fit is at
    // most `limit`, or Capacity.
    unsigned lowest_within(unsigned cpu, unsigned order, unsigned limit) const noexcept {
        if (limit >= max_order) return m_.first_free_block(cpu, order);
        return detail::hidden_blocks_view<matrix_type>(m_, limit + 1).first_free_block(cpu, order);
    }

    // Allocates g's members at the same offsets in the free block `to`, then
    // frees the old ones (make before break), a vector at a time as the
    // kernel moves each. The group keeps its order. If a member cannot be
    // placed (a counter below the bitmap's room, Q1), the ones placed are
    // freed again and nothing has changed. A block lies in one word, so the
    // members and the planes are a word each.
    bool move_members(const group_ref& g, placement to) noexcept {
        const unsigned n = 1u << g.order;
        const unsigned from_w = g.base / 64, to_w = to.base / 64;
        const unsigned from_at = g.base % 64, to_at = to.base % 64;
        const std::uint64_t to_before = m_.free_word(to.cpu, to_w);
        if ((to_before & run_mask(to_at, n)) != run_mask(to_at, n)) return false;
        const std::uint64_t old = member_word(g);
        // The members' bits at their new offsets.
        const std::uint64_t moved =
            to_at >= from_at ? old << (to_at - from_at) : old >> (from_at - to_at);
        std::uint64_t placed = 0;
        bool ok = true;
        for (std::uint64_t x = moved; ok && x != 0; x &= x - 1) {
            const auto b = static_cast<unsigned>(std::countr_zero(x));
            ok = static_cast<bool>(m_.alloc_at(to.cpu, to_w * 64 + b, 0, false));
            if (ok) placed |= std::uint64_t{1} << b;
        }
        if (!ok)
            for (std::uint64_t x = placed; x != 0; x &= x - 1)
                (void)m_.free(to.cpu, to_w * 64 + static_cast<unsigned>(std::countr_zero(x)),
                              false);
        retally_word(to.cpu, to_w, to_before);
        if (!ok) return false;
        const std::uint64_t from_before = m_.free_word(g.cpu, from_w);
        for (std::uint64_t x = old; x != 0; x &= x - 1)
            ok = m_.free(g.cpu, from_w * 64 + static_cast<unsigned>(std::countr_zero(x)), false) &&
                 ok;
        retally_word(g.cpu, from_w, from_before);
        auto& from = groups_[g.cpu];
        auto& dest = groups_[to.cpu];
        for (unsigned b = 0; b < 3; ++b) {
            from.order[b].set_word(from_w, from.order[b].word(from_w) & ~old);
            const std::uint64_t x = dest.order[b].word(to_w);
            dest.order[b].set_word(to_w, (g.order >> b) & 1u ? x | moved : x & ~moved);
        }
        from.pinned.set_word(from_w, from.pinned.word(from_w) & ~old);
        dest.pinned.set_word(to_w, dest.pinned.word(to_w) & ~moved);
        return ok;
    }

    // The CPU whose free vectors a move from `cpu` must also keep to, by
    // the rule (guarded_pick's two_step_from).
    static unsigned two_step_from(unsigned cpu, move_rule rule) noexcept {
        return rule == move_rule::two_step ? cpu : no_cpu;
    }

    // Moves each group of the log back where it came from, last first.
    void undo_moves(const std::vector<group_move>& done) noexcept {
        for (auto it = done.rbegin(); it != done.rend(); ++it) {
            const group_ref& from = it->first;
            (void)move_members({it->second.cpu, it->second.base, from.order},
                               {from.cpu, from.base});
        }
    }

    matrix_type m_;
    std::vector<cpu_groups> groups_;
    block_demand demand_{};
    block_demand online_runs_{};   // free aligned blocks per order over the online CPUs
    unsigned uncounted_ = no_cpu;  // a CPU left out of online_runs_ for now (uncounted_cpu)
};

/// The x86-sized planner with the kernel's placement.
using planner = basic_planner<256>;

IRQMATRIX_END_NAMESPACE
