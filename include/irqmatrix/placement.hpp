// SPDX-License-Identifier: MIT
// Placement: which CPU and which vector (or aligned block) an allocation takes.
//
// The placement protocol. A placement policy P is a default-constructible
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
// m.nr_cpus(), m.cpu_map(c) (online, available, managed_allocated, ...),
// m.free_map(c) and m.managed_free_map(c) (bitmaps of the allocation window),
// and m.first_free_block(c, k) / m.first_managed_free_block(c, k) (the lowest
// such aligned base, or the capacity).
//
// kernel_placement is the default and what a trace means: the kernel's own
// rules for single vectors, generalised to blocks as the trace spec states.
// It asks the matrix's CPU index (cpu_index.hpp) instead of walking the mask;
// kernel_scan_placement walks, as the kernel does, and must agree with it.
#pragma once

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

/// Where an allocation goes: a CPU and the first vector of the block.
struct placement {
    unsigned cpu = no_cpu;
    unsigned base = 0;
    constexpr explicit operator bool() const noexcept { return cpu != no_cpu; }
    friend constexpr bool operator==(const placement&, const placement&) noexcept = default;
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
        unsigned best = no_cpu;
        unsigned best_available = 0;
        mask.for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (cm.online && cm.available > best_available) {
                best = cpu;
                best_available = cm.available;
            }
        });
        if (best == no_cpu) return {};
        const unsigned base = m.first_free_block(best, 0);
        if (base >= m.alloc_end()) return {};
        return {best, base};
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
        placement best;
        unsigned best_available = 0;
        mask.for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (!cm.online || cm.available < (1u << order) ||
                (best && cm.available <= best_available))
                return;
            const unsigned base = m.first_free_block(cpu, order);
            if (base >= m.alloc_end()) return;
            best = {cpu, base};
            best_available = cm.available;
        });
        return best;
    }

    /// irq_matrix_alloc_managed: the online CPU of the mask with the fewest
    /// managed-allocated vectors. Ties go to the highest CPU: the kernel's scan
    /// skips a CPU only when its count is strictly greater than the best so
    /// far, so an equal count replaces it. On it, the lowest reserved and
    /// unallocated vector; none there means failure, again with no fallback.
    template <class M>
    static placement pick_managed_single(const M& m, cpu_span mask) noexcept {
        unsigned best = no_cpu;
        unsigned best_count = ~0u;
        mask.for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (cm.online && cm.managed_allocated <= best_count) {
                best = cpu;
                best_count = cm.managed_allocated;
            }
        });
        if (best == no_cpu) return {};
        const unsigned base = m.first_managed_free_block(best, 0);
        if (base >= m.alloc_end()) return {};
        return {best, base};
    }

    /// alloc_managed_block: among the online CPUs of the mask holding a
    /// managed-reserved, unallocated aligned block of the order, the one with
    /// the fewest managed-allocated vectors (ties: the highest CPU, as above);
    /// on it, the lowest such base.
    template <class M>
    static placement pick_managed_block(const M& m, cpu_span mask, unsigned order) noexcept {
        placement best;
        unsigned best_count = ~0u;
        mask.for_each([&](unsigned cpu) {
            const auto& cm = m.cpu_map(cpu);
            if (!cm.online || cm.managed_allocated > best_count) return;
            const unsigned base = m.first_managed_free_block(cpu, order);
            if (base >= m.alloc_end()) return;
            best = {cpu, base};
            best_count = cm.managed_allocated;
        });
        return best;
    }
};

/// The kernel's rules through the matrix's CPU index: the same winners as
/// kernel_scan_placement in O(1) for the common masks (all CPUs, a range)
/// rather than O(CPUs). The view must offer m.cpu_index() besides the above.
struct kernel_placement {
    static constexpr bool verified = true;

    template <class M>
    static placement pick_single(const M& m, cpu_span mask) noexcept {
        // Most available, and at least one: a CPU with none is never chosen.
        const unsigned cpu = m.cpu_index().most_available(mask, cpu_index_any_order, 1);
        if (cpu == no_cpu) return {};
        const unsigned base = m.first_free_block(cpu, 0);
        if (base >= m.alloc_end()) return {};  // the counter said yes, the bitmap no (Q3)
        return {cpu, base};
    }

    template <class M>
    static placement pick_block(const M& m, cpu_span mask, unsigned order) noexcept {
        const unsigned cpu =
            m.cpu_index().most_available(mask, static_cast<int>(order), 1u << order);
        if (cpu == no_cpu) return {};
        return {cpu, m.first_free_block(cpu, order)};
    }

    template <class M>
    static placement pick_managed_single(const M& m, cpu_span mask) noexcept {
        const unsigned cpu = m.cpu_index().fewest_managed(mask, cpu_index_any_order);
        if (cpu == no_cpu) return {};
        const unsigned base = m.first_managed_free_block(cpu, 0);
        if (base >= m.alloc_end()) return {};  // no fallback to another CPU (Q3)
        return {cpu, base};
    }

    template <class M>
    static placement pick_managed_block(const M& m, cpu_span mask, unsigned order) noexcept {
        const unsigned cpu = m.cpu_index().fewest_managed(mask, static_cast<int>(order));
        if (cpu == no_cpu) return {};
        return {cpu, m.first_managed_free_block(cpu, order)};
    }
};

IRQMATRIX_END_NAMESPACE
