// SPDX-License-Identifier: MIT
// Placement: which CPU and which vector (or aligned block) an allocation takes.
//
// The placement protocol (the concept placement_policy_for below, which
// basic_matrix checks). A placement policy P is a default-constructible
// type with these noexcept, non-allocating member functions (static or not;
// the matrix owns one P object, so a policy may keep state such as a
// round-robin cursor), each given a read-only matrix view `m` and a CPU mask
// already validated by the matrix (not empty, no CPU >= m.nr_cpus()):
//
//   placement pick_single(m, mask)                    // irq_matrix_alloc
//   placement pick_block(m, mask, order)              // alloc_block
//   placement pick_managed_single(m, mask)            // irq_matrix_alloc_managed
//   placement pick_managed_block(m, mask, order)      // alloc_managed_block
//
// Postconditions: either the result is empty (cpu == no_cpu: the caller
// refuses with ENOSPC and changes nothing), or `cpu` is an online CPU of
// `mask` and [base, base + 2^order) is an aligned block inside the allocation
// window that is wholly free on that CPU (pick_single, pick_block) or wholly
// managed-reserved and unallocated (the managed picks); for the unmanaged
// picks the CPU's available counter is at least 2^order (so it cannot wrap).
// The matrix checks this postcondition after every pick and refuses the
// operation with errc::invalid, changing nothing, if it does not hold; a
// policy that is tested to keep it may say `static constexpr bool verified =
// true;` to skip the check (the built-in ones do). The view offers
// m.nr_cpus(), m.alloc_start() and m.alloc_end(), m.cpu_map(c) (online,
// available, managed_allocated, ...), m.free_map(c) and m.managed_free_map(c)
// (bitmaps of the allocation window), and m.first_free_block(c, k) /
// m.first_managed_free_block(c, k) (the lowest such aligned base, or the
// capacity). The matrix calls one pick per allocation request that passed
// its argument checks, so a stateful policy's state moves exactly once per
// such request, whether the allocation then succeeds or not.
//
// kernel_placement is the default and what a trace means: the kernel's own
// rules for single vectors, generalised to blocks as the trace spec states.
// It asks the view's CPU index (m.cpu_index(), a cpu_index.hpp index kept up
// to date with the view) instead of walking the mask; kernel_scan_placement
// walks, as the kernel does, and must agree with it.
//
// Optional trait: `static constexpr bool halves_on_failure = true;` says the
// policy models an allocator whose callers retry a failed block request at
// half the size (FreeBSD's PCI MSI code). The matrix itself never retries;
// a simulator reads placement_halves_on_failure<P> and, when alloc_block of
// order k is refused with ENOSPC, asks again at order k - 1 (down to 0).
// Absent, it is false.
//
// Alternative policies for fragmentation studies (each documented at its
// struct; none reproduces a trace): pack_placement (lowest CPU first),
// best_fit_placement (break the smallest free aligned block) and
// freebsd_placement (round-robin over CPUs, first fit, no fallback). Their
// single-vector picks are their order-0 block rules, without the kernel's
// counter-only CPU choice (Q3); their managed picks are the kernel's.
#pragma once

#include <bit>
#include <concepts>
#include <cstdint>

#include "bitmap.hpp"
#include "cpu_index.hpp"
#include "cpuset.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// A policy that declares it keeps the protocol's postcondition (tested), so
/// the matrix need not check each pick.
template <class P>
inline constexpr bool is_verified_placement = requires {
    requires static_cast<bool>(P::verified);
};

/// A policy whose callers retry a refused block request at half the size
/// (see the protocol above); false unless P says halves_on_failure = true.
template <class P>
inline constexpr bool placement_halves_on_failure = requires {
    requires static_cast<bool>(P::halves_on_failure);
};

/// Where an allocation goes: a CPU and the first vector of the block.
struct alignas(8) placement {
    unsigned cpu = no_cpu;
    unsigned base = 0;
    constexpr explicit operator bool() const noexcept { return cpu != no_cpu; }
    friend constexpr bool operator==(const placement&, const placement&) noexcept = default;
};

/// The placement protocol (file comment) for a policy P used by the matrix
/// type M: the four picks, noexcept, each returning a placement. What a pick
/// may ask of the view is documented above; the postcondition is checked at
/// run time (unless P is verified), not here.
template <class P, class M>
concept placement_policy_for = std::default_initializable<P> && std::copy_constructible<P> &&
    requires(P& p, const M& m, cpu_span mask, unsigned order) {
    { p.pick_single(m, mask) }
    noexcept->std::same_as<placement>;
    { p.pick_block(m, mask, order) }
    noexcept->std::same_as<placement>;
    { p.pick_managed_single(m, mask) }
    noexcept->std::same_as<placement>;
    { p.pick_managed_block(m, mask, order) }
    noexcept->std::same_as<placement>;
};

/// The kernel's rules, computed the kernel's way: a walk over every CPU of the
/// mask (O(CPUs in the mask)). The definition the indexed default must agree
/// with; tests compare the two, and it is a placement policy in its own right.
struct kernel_scan_placement {
    static constexpr bool verified = true;

    /// irq_matrix_alloc: the online CPU of the mask with the most available
    /// vectors (ties: the lowest CPU, since only a strictly greater count
    /// replaces the running best, which starts at 0, so a CPU with none
    /// available is never chosen); then its lowest free vector. The CPU is
    /// chosen from the counter alone: if its bitmap has no free vector the
    /// allocation fails rather than trying another CPU (kernel quirk Q3).
    template <class M>
    static placement pick_single(const M& m, cpu_span mask) noexcept {
        const unsigned best =
            best_online<ties_to_first>(m, mask, [](const auto& cm) { return cm.available; });
        return lowest_block_on<free_vectors>(m, best, 0);
    }

    /// alloc_block: among the online CPUs of the mask that have a free aligned
    /// block of the order, the one with the most available vectors (ties: the
    /// lowest CPU); on it, the lowest such base. Generalising the kernel's
    /// rule that a CPU with no available vector is never chosen, a CPU whose
    /// counter says fewer than 2^order are available is not a candidate even
    /// if its bitmap has room (possible only after counter drift, Q1/Q8):
    /// taking it would wrap the counter.
    template <class M>
    static placement pick_block(const M& m, cpu_span mask, unsigned order) noexcept {
        return scan_block(m, order, [&](auto&& visit) { mask.for_each(visit); });
    }

    /// pick_block's walk over any CPUs: for_each(visit) calls visit(cpu) for
    /// each, in ascending order. kernel_placement's second round walks its
    /// candidates with it.
    template <class M, class ForEach>
    static placement scan_block(const M& m, unsigned order, ForEach&& for_each) noexcept {
        // Score 0 never wins a strict comparison: too few available.
        return best_with_block<ties_to_first, free_vectors>(
            m, order, for_each,
            [order](const auto& cm) { return cm.available >= (1u << order) ? cm.available : 0u; });
    }

    /// irq_matrix_alloc_managed: the online CPU of the mask with the fewest
    /// managed-allocated vectors. Ties go to the highest CPU: the kernel's scan
    /// skips a CPU only when its count is strictly greater than the best so
    /// far, so an equal count replaces it. On it, the lowest reserved and
    /// unallocated vector; none there means failure, again with no fallback.
    template <class M>
    static placement pick_managed_single(const M& m, cpu_span mask) noexcept {
        // Written out rather than through best_online(): at 4 CPUs the shared
        // form measured 5% slower here (docs/performance.md).
        unsigned best = no_cpu;
        unsigned fewest = ~0u;
        mask.for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (cm.online && cm.managed_allocated <= fewest) {
                best = cpu;
                fewest = cm.managed_allocated;
            }
        });
        return lowest_block_on<managed_vectors>(m, best, 0);
    }

    /// alloc_managed_block: among the online CPUs of the mask holding a
    /// managed-reserved, unallocated aligned block of the order, the one with
    /// the fewest managed-allocated vectors (ties: the highest CPU, as above);
    /// on it, the lowest such base.
    template <class M>
    static placement pick_managed_block(const M& m, cpu_span mask, unsigned order) noexcept {
        return best_with_block<ties_to_last, managed_vectors>(
            m, order, [&](auto&& visit) { mask.for_each(visit); }, fewest_managed_allocated);
    }

private:
    // The kernel's two scans differ in their score and in who wins a tie: a
    // CPU replaces the running best (which starts at score 0, no CPU) when
    // its score is greater (ties_to_first: the lowest CPU keeps it), or
    // greater or equal (ties_to_last: the highest CPU takes it).
    static constexpr bool ties_to_first = false;
    static constexpr bool ties_to_last = true;
    // Which vectors a block is searched among.
    static constexpr bool free_vectors = false;
    static constexpr bool managed_vectors = true;

    // Fewer managed-allocated vectors score higher; every count scores, so
    // with ties_to_last the first online CPU is always a candidate.
    static constexpr auto fewest_managed_allocated = [](const auto& cm) {
        return ~cm.managed_allocated;
    };

    static constexpr bool wins(bool ties_to, unsigned score, unsigned best) noexcept {
        return ties_to == ties_to_last ? score >= best : score > best;
    }

    // The online CPU of the mask with the winning score, or no_cpu.
    template <bool TiesTo, class M, class Score>
    static unsigned best_online(const M& m, cpu_span mask, Score score) noexcept {
        unsigned best = no_cpu;
        unsigned best_score = 0;
        mask.for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (cm.online && wins(TiesTo, score(cm), best_score)) {
                best = cpu;
                best_score = score(cm);
            }
        });
        return best;
    }

    // The lowest free (or managed-free) aligned block of the order on `cpu`,
    // or no placement (the CPU was chosen by its counters alone: Q3).
    template <bool Managed, class M>
    static placement lowest_block_on(const M& m, unsigned cpu, unsigned order) noexcept {
        if (cpu == no_cpu) return {};
        const unsigned base =
            Managed ? m.first_managed_free_block(cpu, order) : m.first_free_block(cpu, order);
        if (base >= m.alloc_end()) return {};
        return {cpu, base};
    }

    // Among the online CPUs that for_each visits and that hold such a block,
    // the one with the winning score; on it, the lowest such base.
    template <bool TiesTo, bool Managed, class M, class ForEach, class Score>
    static placement best_with_block(const M& m, unsigned order, ForEach&& for_each,
                                     Score score) noexcept {
        placement best;
        unsigned best_score = 0;
        for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (!cm.online) return;
            const unsigned s = score(cm);
            if (!wins(TiesTo, s, best_score)) return;
            const placement here = lowest_block_on<Managed>(m, cpu, order);
            if (!here) return;
            best = here;
            best_score = s;
        });
        return best;
    }
};

/// The kernel's rules through the matrix's CPU index: the same winners as
/// kernel_scan_placement in O(1) for the common masks (all CPUs, a range)
/// rather than O(CPUs). A mask of at most cpu_index_walk_limit CPUs is walked,
/// which at that size is cheaper than asking any index (and than bringing
/// one up to date); a block request's walk searches the bitmap of the CPU the
/// counters prefer first (see walk_block). The view must offer
/// m.cpu_index(), a cpu_index of its CPUs up to date with its state, besides
/// the above.
struct kernel_placement {
    static constexpr bool verified = true;

    static constexpr bool small(cpu_span mask) noexcept {
        return mask.count() <= cpu_index_walk_limit;
    }

    template <class M>
    static placement pick_single(const M& m, cpu_span mask) noexcept {
        if (small(mask)) return kernel_scan_placement::pick_single(m, mask);
        // Most available, and at least one: a CPU with none is never chosen.
        const unsigned cpu = m.cpu_index().most_available(mask, cpu_index_any_order, 1);
        if (cpu == no_cpu) return {};
        const unsigned base = m.first_free_block(cpu, 0);
        if (base >= m.alloc_end()) return {};  // the counter said yes, the bitmap no (Q3)
        return {cpu, base};
    }

    template <class M>
    static placement pick_block(const M& m, cpu_span mask, unsigned order) noexcept {
        if (small(mask)) return walk_block(m, mask, order);
        const unsigned cpu =
            m.cpu_index().most_available(mask, static_cast<int>(order), 1u << order);
        if (cpu == no_cpu) return {};
        return {cpu, m.first_free_block(cpu, order)};
    }

    template <class M>
    static placement pick_managed_single(const M& m, cpu_span mask) noexcept {
        if (small(mask)) return kernel_scan_placement::pick_managed_single(m, mask);
        const unsigned cpu = m.cpu_index().fewest_managed(mask, cpu_index_any_order);
        if (cpu == no_cpu) return {};
        const unsigned base = m.first_managed_free_block(cpu, 0);
        if (base >= m.alloc_end()) return {};  // no fallback to another CPU (Q3)
        return {cpu, base};
    }

    template <class M>
    static placement pick_managed_block(const M& m, cpu_span mask, unsigned order) noexcept {
        if (small(mask)) return kernel_scan_placement::pick_managed_block(m, mask, order);
        const unsigned cpu = m.cpu_index().fewest_managed(mask, static_cast<int>(order));
        if (cpu == no_cpu) return {};
        return {cpu, m.first_managed_free_block(cpu, order)};
    }

private:
    // A small mask's block winner. The kernel-order walk searches the bitmap
    // of every CPU that beats the best so far, and one search for a large
    // block costs more than the whole counter walk. The CPU the counters
    // prefer (most available, at least 2^order, lowest on ties) outranks
    // every other candidate, so if it holds a block it is the winner, which
    // wherever blocks are common is nearly always: search it alone, and fall
    // back to the walk over the others only when it has none.
    template <class M>
    static placement walk_block(const M& m, cpu_span mask, unsigned order) noexcept {
        // The other candidates, in CPU order, for the rare second round
        // (the caller checked small(mask), so they fit). It takes them
        // rather than the mask: a mask passed out of line is copied through
        // memory, and the copy's reload can miss the store forward.
        static_assert(max_cpus - 1 <= 0xffff, "every CPU number fits a candidate slot");
        std::uint16_t others[cpu_index_walk_limit];
        unsigned n_others = 0;
        unsigned best = no_cpu;
        unsigned best_available = (1u << order) - 1;  // fewer than 2^order: not a candidate
        mask.for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (!cm.online || cm.available < (1u << order)) return;
            others[n_others++] = static_cast<std::uint16_t>(cpu);
            if (cm.available > best_available) {
                best = cpu;
                best_available = cm.available;
            }
        });
        if (best == no_cpu) return {};
        const unsigned base = m.first_free_block(best, order);
        if (base < m.alloc_end()) return {best, base};
        return walk_block_among(m, others, n_others, order, best);
    }

    // The kernel-order walk over the candidates, less the one already found
    // to have no block. Out of line: it is the rare case, and inlined it
    // would crowd the registers of every caller's common one.
    template <class M>
    IRQMATRIX_NOINLINE static placement walk_block_among(const M& m, const std::uint16_t* cpus,
                                                         unsigned n, unsigned order,
                                                         unsigned rejected) noexcept {
        return kernel_scan_placement::scan_block(m, order, [&](auto&& visit) {
            for (unsigned i = 0; i < n; ++i)
                if (cpus[i] != rejected) visit(cpus[i]);
        });
    }
};

/// The policy to ask on a view that offers no CPU index (the planner's
/// view with some free blocks hidden, planner.hpp): the same rules, computed
/// without the index. A policy that never reads the index is its own.
template <class P>
struct without_index {
    using type = P;
};
template <>
struct without_index<kernel_placement> {
    using type = kernel_scan_placement;
};

// ---- alternative policies for fragmentation studies -------------------------

/// A verified policy whose single vector is a block of order 0, as the lab's
/// static policies' are.
template <class Policy>
struct single_is_order_zero {
    static constexpr bool verified = true;

    template <class M>
    static placement pick_single(const M& m, cpu_span mask) noexcept {
        return Policy::pick_block(m, mask, 0);
    }
};

/// Fill the lowest CPUs first: the lowest online CPU of the mask that has a
/// free aligned block of the order and an available counter of at least
/// 2^order; on it, the lowest such base. Managed picks: the lowest online CPU
/// of the mask holding a managed-reserved, unallocated aligned block of the
/// order; its lowest such base. It keeps the high CPUs empty, the opposite of
/// the kernel's spreading, so it bounds how much packing alone helps or
/// hurts fragmentation. O(CPUs of the mask x words) in the worst case, and
/// stops at the first CPU that fits.
struct pack_placement : single_is_order_zero<pack_placement> {
    template <class M>
    static placement pick_block(const M& m, cpu_span mask, unsigned order) noexcept {
        for (unsigned cpu = mask.first(); cpu != no_cpu; cpu = mask.next(cpu + 1)) {
            const auto& cm = m.cpu_map(cpu);
            if (!cm.online || cm.available < (1u << order)) continue;
            const unsigned base = m.first_free_block(cpu, order);
            if (base < m.alloc_end()) return {cpu, base};
        }
        return {};
    }

    template <class M>
    static placement pick_managed_single(const M& m, cpu_span mask) noexcept {
        return pick_managed_block(m, mask, 0);
    }

    template <class M>
    static placement pick_managed_block(const M& m, cpu_span mask, unsigned order) noexcept {
        for (unsigned cpu = mask.first(); cpu != no_cpu; cpu = mask.next(cpu + 1)) {
            if (!m.cpu_map(cpu).online) continue;
            const unsigned base = m.first_managed_free_block(cpu, order);
            if (base < m.alloc_end()) return {cpu, base};
        }
        return {};
    }
};

namespace detail {

/// The best-fit candidate of one free map (see best_fit_placement).
struct fit_candidate {
    unsigned fit = ~0u;  ///< the order j of the free block it breaks; ~0u: none
    unsigned base = 0;
    unsigned free_vectors = 0;
};

/// Over the words [first_word, last_word] of a free map: the aligned free
/// block of the order whose enclosing wholly-free aligned block has the
/// smallest order j (capped at max_order), lowest base among those, and the
/// map's free-vector count. Word operations only:
///   a[k]  = starts of free aligned order-k blocks (bitmap.hpp's doubling);
///   e[j]  = a[j] minus both halves of every free order-(j+1) block, i.e. the
///           free order-j blocks that are maximal (j < max_order), and
///           e[max_order] = a[max_order] because of the cap.
/// An order-`order` block has fit exactly j iff it lies in an e[j] block, so
/// the lowest such candidate is the lowest e[j] bit, for the smallest j with
/// any.
template <class Bitmap>
constexpr fit_candidate tightest_block(const Bitmap& free, unsigned first_word, unsigned last_word,
                                       unsigned order) noexcept {
    fit_candidate best;
    for (unsigned w = first_word; w <= last_word; ++w) {
        std::uint64_t a[max_order + 1];
        a[0] = free.word(w);
        if (a[0] == 0) continue;
        best.free_vectors += static_cast<unsigned>(std::popcount(a[0]));
        for (unsigned k = 1; k <= max_order; ++k)
            a[k] = a[k - 1] & (a[k - 1] >> (1u << (k - 1))) & aligned_starts[k];
        // A fit no better than the best so far cannot win: the earlier word
        // has the lower base.
        const unsigned stop = best.fit < max_order + 1 ? best.fit : max_order + 1;
        for (unsigned j = order; j < stop; ++j) {
            const std::uint64_t parents = j < max_order ? a[j + 1] | (a[j + 1] << (1u << j)) : 0;
            if (const std::uint64_t e = a[j] & ~parents) {
                best.fit = j;
                best.base = w * 64 + static_cast<unsigned>(std::countr_zero(e));
                break;
            }
        }
    }
    return best;
}

}  // namespace detail

/// The managed picks of a policy that studies non-managed placement only:
/// the kernel's (kernel_scan_placement).
struct kernel_managed_picks {
    template <class M>
    static placement pick_managed_single(const M& m, cpu_span mask) noexcept {
        return kernel_scan_placement::pick_managed_single(m, mask);
    }

    template <class M>
    static placement pick_managed_block(const M& m, cpu_span mask, unsigned order) noexcept {
        return kernel_scan_placement::pick_managed_block(m, mask, order);
    }
};

/// Best fit, buddy-aware: take the free block whose loss hurts least. Among
/// the online CPUs of the mask whose available counter is at least 2^order,
/// every wholly free aligned block of the order is a candidate; its *fit* is
/// the order j >= order of the largest wholly free aligned block containing
/// it. The candidate with the smallest fit wins (it splits the smallest free
/// block, leaving larger ones whole for larger requests); ties go to the CPU
/// with the fewest free vectors (its free map, the tightest CPU, so loose
/// CPUs stay loose), then the lowest CPU, then the lowest base.
///
/// The fit is capped at max_order (32 vectors): no request is larger, so a
/// free aligned 64 is just two independent free 32s. Taking a block of order
/// k costs the same number of free aligned blocks of every order <= max_order
/// whether its enclosing free 32 sits in a free 64 or not; a finer fit would
/// rank candidates by a difference no later request can see. The cap also
/// keeps the computation inside one word (detail::tightest_block).
/// Managed picks are the kernel's (kernel_scan_placement).
/// O(CPUs of the mask x words), every candidate CPU examined.
struct best_fit_placement : single_is_order_zero<best_fit_placement>, kernel_managed_picks {
    template <class M>
    static placement pick_block(const M& m, cpu_span mask, unsigned order) noexcept {
        if (m.alloc_start() == m.alloc_end()) return {};
        const unsigned first_word = m.alloc_start() / 64;
        const unsigned last_word = (m.alloc_end() - 1) / 64;
        placement best;
        detail::fit_candidate best_fit;
        mask.for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (!cm.online || cm.available < (1u << order)) return;
            const detail::fit_candidate f =
                detail::tightest_block(m.free_map(cpu), first_word, last_word, order);
            // Ascending CPUs: only a strictly better fit or tightness replaces
            // the best, so ties keep the lower CPU.
            if (f.fit < best_fit.fit ||
                (f.fit == best_fit.fit && f.fit != ~0u && f.free_vectors < best_fit.free_vectors)) {
                best = {cpu, f.base};
                best_fit = f;
            }
        });
        return best;
    }
};

/// FreeBSD's MSI allocation (x86 msi.c with intr_next_cpu()): round-robin
/// over CPUs with no fallback. Starting at `cursor`, the CPU after the last
/// one chosen (cyclic over 0..nr_cpus-1), the first online CPU of the mask
/// whose available counter is at least 2^order is *the* CPU; on it, the
/// lowest free aligned base of the order. If that CPU has no such block the
/// pick fails: FreeBSD does not try another CPU, its PCI code retries with
/// half as many vectors (halves_on_failure), and since the cursor has moved
/// on, the retry lands on the next CPU. The cursor advances on every pick:
/// to the CPU after the chosen one, or, when no CPU of the mask qualifies, to
/// the CPU after where the search started.
/// Managed picks are the kernel's (kernel_scan_placement); they do not move
/// the cursor. O(CPUs of the mask) plus one block search.
struct freebsd_placement : kernel_managed_picks {
    static constexpr bool verified = true;
    static constexpr bool halves_on_failure = true;

    /// Where the next search starts. Public so a simulator can seed or
    /// inspect it (through the matrix's policy()).
    unsigned cursor = 0;

    template <class M>
    placement pick_single(const M& m, cpu_span mask) noexcept {
        return pick_block(m, mask, 0);
    }

    template <class M>
    placement pick_block(const M& m, cpu_span mask, unsigned order) noexcept {
        const unsigned n = m.nr_cpus();
        const unsigned start = cursor < n ? cursor : 0;
        const auto qualifies = [&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            return cm.online && cm.available >= (1u << order);
        };
        unsigned chosen = no_cpu;
        // From the cursor to the end of the mask, then wrap to its start.
        for (unsigned cpu = mask.next(start); cpu != no_cpu; cpu = mask.next(cpu + 1))
            if (qualifies(cpu)) {
                chosen = cpu;
                break;
            }
        if (chosen == no_cpu)
            for (unsigned cpu = mask.first(); cpu != no_cpu && cpu < start;
                 cpu = mask.next(cpu + 1))
                if (qualifies(cpu)) {
                    chosen = cpu;
                    break;
                }
        const unsigned from = chosen == no_cpu ? start : chosen;
        cursor = from + 1 < n ? from + 1 : 0;
        if (chosen == no_cpu) return {};
        const unsigned base = m.first_free_block(chosen, order);
        if (base >= m.alloc_end()) return {};  // no fallback to another CPU
        return {chosen, base};
    }
};

IRQMATRIX_END_NAMESPACE
