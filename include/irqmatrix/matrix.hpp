// SPDX-License-Identifier: MIT
// The per-CPU interrupt vector matrix: the Linux kernel's irq_matrix
// (kernel/irq/matrix.c) with its exact accounting, tie-breaks and quirks,
// extended with aligned power-of-two blocks for multi-MSI.
//
// Theory of operation
// -------------------
// Layout (one engine, basic_matrix<Capacity, Placement>):
//
//   geometry   bits, alloc_start, alloc_end, nr_cpus       (runtime; bits <= Capacity)
//   global     online_maps, global_available, global_reserved, total_allocated,
//              systembits_inalloc, system_map
//   per CPU    cpumap { available, allocated, managed, managed_allocated,
//                       initialized, online, alloc_map, managed_map }
//
// A vector is *free* on a CPU when it lies in the window [alloc_start,
// alloc_end) and is in none of alloc_map, managed_map and system_map. Every
// search works on that free map (or on managed_map & ~alloc_map for managed
// allocations), a few 64-bit words, with word-parallel aligned-block search.
//
// Accounting is the kernel's, quirks included (the spec's Q1..Q9): available
// is set once, at a CPU's first online, and then moved by +-1 per operation;
// it is not recomputed, so some legal sequences make it drift from the number
// of free vectors (a managed reservation made while the CPU is offline, an
// assign onto a system bit, ...). The engine keeps a *quirk ledger*: for each
// counter that the kernel lets drift, the exact amount it has drifted, moved
// only on the quirk paths. verify() then recomputes every counter from the
// bitmaps and checks
//
//   allocated             == |alloc_map|
//   managed               == |managed_map|
//   managed_allocated     == |alloc_map & managed_map|       + its ledger
//   available             == |free map|                      + its ledger  (once initialized)
//   global_available      == sum of available over online CPUs + its ledger
//   total_allocated       == sum of allocated                  + its ledger
//   systembits_inalloc    == |system_map in window|            + duplicate calls
//   online_maps           == number of online CPUs
//
// plus the structural rules (allocated and managed bits only inside the
// window, no bit above the logical width, online implies initialized). The
// ledger doubles as a report: drift() says how far a CPU's kernel counters
// are from the truth, which is what a real dump's inconsistencies look like.
//
// Tie-breaks (placement.hpp): regular allocation takes the CPU with the most
// available vectors, ties to the lowest; managed allocation the one with the
// fewest managed-allocated vectors, ties to the highest. Vectors and blocks
// are taken lowest base first.
//
// Differences from the kernel (the README lists them for users):
//  * where the kernel would WARN and return, or BUG, the operation is refused
//    with an errc and changes nothing; so are some calls the kernel lets
//    through silently and that corrupt its counters: offline of an offline
//    CPU, remove_reserved with none outstanding, a RESERVED allocation with
//    too few reservations, a CPU list naming a CPU that does not exist. A
//    freed vector must be allocated as stated, including the managed flag;
//    remove_managed is refused whole when a CPU has nothing removable;
//  * alloc_block of order K skips a CPU whose available counter is below 2^K
//    (the kernel never picks a CPU with none; after drift the bitmap may
//    still have room, and taking it would wrap the counter);
//  * assign_system refuses bit == bits (the kernel's `>` check lets it write
//    one bit past its bitmap);
//  * the one refusal that is not state-neutral is the kernel's own: a
//    reserve_managed that fails with ENOSPC undoes the CPUs it already did by
//    releasing each one's *lowest* unallocated managed vector, so counters
//    come back exactly but which vector is reserved may shift (quirk Q7). The
//    block operations are all-or-nothing.
//
// Complexity: a mask of at most cpu_index::walk_limit CPUs is walked (for a
// block, searching first only the bitmap of the CPU the counters prefer); a
// larger one asks the CPU index (cpu_index.hpp): O(1) for a mask that is a
// range (all CPUs, a node), word operations over the mask for an arbitrary
// one, never much worse than the walk. The index is a cache kept by an
// index_feed (index_feed.hpp): every mutation notifies it, once per CPU it
// changed, of what it changed (its counters only, allocated bits of one word,
// any bits of one word, or the whole CPU), and the feed catches up lazily
// when the index is next asked; a copy of the matrix does not copy it. A
// vector or block search is O(Capacity / 64) word operations, each flat in
// the order. docs/performance.md has the measurements.
//
// Events: set_observer() attaches a matrix_observer (events.hpp) that
// receives, after each successful mutation, the kernel's irq_matrix_* event
// for it, at the kernel's emission points (one per CPU in the multi-CPU
// operations), and the block operations' own events. The hook is a function
// pointer tested where an event would be emitted; building the event is out
// of line, so an unobserved matrix pays one predicted branch per event.
//
// Thread safety: none inside. The matrix is externally synchronised, like
// the kernel's, whose callers hold vector_lock around every irq_matrix_*
// call: serialise all calls on one matrix, const queries included (a query
// that races a mutation reads half-updated counters). Distinct matrices share
// nothing and need no lock. locked.hpp's locked_matrix pairs a matrix with its
// lock so that no call can forget it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "bitmap.hpp"
#include "config.hpp"
#include "cpuset.hpp"
#include "events.hpp"
#include "index_feed.hpp"
#include "placement.hpp"
#include "result.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// Per-CPU state, the kernel's struct cpumap plus the quirk ledger.
template <unsigned Capacity>
struct cpumap {
    // The order keeps the counters that one operation changes together, and
    // those the CPU index reads together, out of adjacent slots: side by
    // side, g++ moves a pair as one 8-byte vector in one place while another
    // stores its halves one by one, and the next 8-byte load then waits for
    // both stores (a failed store-to-load forward; docs/performance.md).
    std::uint32_t available = 0;  ///< vectors this CPU can still hand to non-managed users
    std::uint32_t managed = 0;    ///< managed reservations held (bits in managed_map)
    std::uint32_t allocated = 0;  ///< bits set in alloc_map (managed and not)
    /// Quirk ledger: available - |free map|, and managed_allocated -
    /// |alloc_map & managed_map|, modulo 2^32 (0 unless a quirk path ran).
    std::uint32_t available_drift = 0;
    std::uint32_t managed_allocated = 0;  ///< managed reservations actually allocated
    std::uint32_t managed_allocated_drift = 0;
    bool initialized = false;  ///< has been online once; available is never recomputed after
    bool online = false;       ///< the matrix's own notion of online
    bitmap<Capacity> alloc_map;
    bitmap<Capacity> managed_map;

    friend bool operator==(const cpumap&, const cpumap&) noexcept = default;
};

/// The global counters (what the first debugfs lines and `stats` show).
struct matrix_stats {
    unsigned online_maps = 0;
    unsigned global_available = 0;
    unsigned global_reserved = 0;
    unsigned total_allocated = 0;
    unsigned systembits_inalloc = 0;  ///< assign_system calls whose bit fell in the window
    friend bool operator==(const matrix_stats&, const matrix_stats&) noexcept = default;
};

/// One CPU's counters (what a debugfs row and the trace's `cpu` show).
struct cpu_stats {
    bool online = false;
    unsigned available = 0;
    unsigned allocated = 0;
    unsigned managed = 0;
    unsigned managed_allocated = 0;
    friend bool operator==(const cpu_stats&, const cpu_stats&) noexcept = default;
};

/// How far one CPU's kernel counters have drifted from its bitmaps' truth,
/// as signed amounts (see the quirk ledger above).
struct drift_report {
    int available = 0;          ///< available - free vectors
    int managed_allocated = 0;  ///< managed_allocated - allocated managed bits
    friend bool operator==(const drift_report&, const drift_report&) noexcept = default;
};

/// How far the global counters have drifted from what the per-CPU counters
/// add up to, as signed amounts (see the quirk ledger above).
struct global_drift_report {
    int global_available = 0;  ///< global_available - sum of the online CPUs' available
    int total_allocated = 0;   ///< total_allocated - sum of the CPUs' allocated
    friend bool operator==(const global_drift_report&,
                           const global_drift_report&) noexcept = default;
};

template <unsigned Capacity = 256, class Placement = kernel_placement>
class basic_matrix {
    static_assert(Capacity >= 64 && Capacity % 64 == 0 && Capacity <= 2048,
                  "irqmatrix: the matrix capacity must be a multiple of 64 from 64 to 2048 "
                  "(x86 uses 256, RISC-V IMSIC up to 2048)");

public:
    using bitmap_type = bitmap<Capacity>;
    using cpumap_type = cpumap<Capacity>;
    using placement_policy = Placement;
    using feed_type = index_feed<Capacity>;
    using index_type = typename feed_type::index_type;
    static constexpr unsigned capacity = Capacity;

    /// irq_alloc_matrix(): a matrix of `bits` vectors per CPU with the
    /// allocation window [alloc_start, alloc_end), for nr_cpus possible CPUs,
    /// all offline. errc::invalid unless 1 <= bits <= Capacity,
    /// alloc_start <= alloc_end <= bits and 1 <= nr_cpus <= max_cpus (the
    /// kernel validates nothing here). Allocates; nothing else does.
    static result<basic_matrix> create(unsigned bits, unsigned alloc_start, unsigned alloc_end,
                                       unsigned nr_cpus) {
        if (bits < 1 || bits > Capacity || alloc_start > alloc_end || alloc_end > bits ||
            nr_cpus < 1 || nr_cpus > max_cpus)
            return fail(errc::invalid);
        return basic_matrix(bits, alloc_start, alloc_end, nr_cpus);
    }

    // ---- geometry -------------------------------------------------------

    unsigned bits() const noexcept { return bits_; }
    unsigned alloc_start() const noexcept { return alloc_start_; }
    unsigned alloc_end() const noexcept { return alloc_end_; }
    unsigned alloc_size() const noexcept { return alloc_end_ - alloc_start_; }
    unsigned nr_cpus() const noexcept { return nr_cpus_; }

    // ---- the kernel's operations ----------------------------------------
    // Each mirrors one irq_matrix_* function; "this CPU" is an argument.

    /// irq_matrix_online(). The first time, available = window size - managed
    /// - systembits_inalloc; later onlinings keep the value it had (Q1).
    /// errc::invalid: cpu out of range; errc::busy: already online.
    status online(unsigned cpu) noexcept { return checked(online_impl(cpu)); }

    /// irq_matrix_offline(): the CPU's available leaves global_available;
    /// its allocations stay. errc::invalid: out of range; errc::busy: offline.
    status offline(unsigned cpu) noexcept { return checked(offline_impl(cpu)); }

    /// irq_matrix_assign_system(): mark `bit` a system vector on every CPU.
    /// With `replace`, `bit` must be allocated on `cpu` and is released there
    /// (allocated and total_allocated fall; available is not given back).
    /// errc::invalid: cpu or bit out of range; errc::busy: two or more CPUs
    /// online, one online without replace, or replace of a bit not allocated
    /// on cpu.
    status assign_system(unsigned cpu, unsigned bit, bool replace) noexcept {
        return checked(assign_system_impl(cpu, bit, replace));
    }

    /// What assign_system(cpu, bit, replace) would refuse with, changing
    /// nothing: its argument and state checks alone (the planner asks before
    /// it adds a refusal of its own).
    status assign_system_refusal(unsigned cpu, unsigned bit, bool replace) const noexcept {
        if (cpu >= nr_cpus() || bit >= bits_) return fail(errc::invalid);
        if (online_maps_ > 1 || (online_maps_ == 1 && !replace)) return fail(errc::busy);
        if (replace && !cpus_[cpu].alloc_map.test(bit)) return fail(errc::busy);
        return {};
    }

    /// irq_matrix_reserve_managed(): reserve the lowest free vector on every
    /// CPU of the mask, online or not. An empty mask does nothing.
    /// errc::invalid: CPU out of range; errc::no_space: some CPU has no free
    /// vector (undone as the kernel undoes it: see the file comment, Q7).
    status reserve_managed(cpu_span mask) noexcept { return checked(reserve_managed_impl(mask)); }

    /// irq_matrix_remove_managed(): release the lowest reserved, unallocated
    /// managed vector on every CPU of the mask. An empty mask does nothing.
    /// errc::invalid: CPU out of range; errc::busy: some CPU has nothing
    /// removable (refused whole, where the kernel warns and skips that CPU).
    status remove_managed(cpu_span mask) noexcept {
        if (!mask.fits(nr_cpus())) return checked(fail(errc::invalid));
        if (mask.empty()) return checked(status{});
        return checked(remove_managed_impl(mask, 0, event_kind::remove_managed));
    }

    /// irq_matrix_alloc_managed(): allocate a reserved managed vector on the
    /// online CPU of the mask with the fewest managed-allocated vectors (ties:
    /// highest CPU). errc::invalid: empty mask or CPU out of range;
    /// errc::no_space: no online CPU, or that CPU has no reserved vector free.
    result<placement> alloc_managed(cpu_span mask) noexcept {
        return checked(alloc_managed_impl(mask, 0, /*single=*/true));
    }

    /// irq_matrix_assign(): mark a preallocated vector allocated on `cpu`.
    /// Like the kernel it does not look at system or managed bits (Q8) and
    /// charges available even on an offline CPU. errc::invalid: cpu out of
    /// range or bit outside the window; errc::busy: already allocated.
    status assign(unsigned cpu, unsigned bit) noexcept { return checked(assign_impl(cpu, bit)); }

    /// irq_matrix_reserve(): one more global reservation (bookkeeping only).
    /// The kernel also logs a warning when the reservations reach
    /// global_available; the library has no log and never refuses.
    void reserve() noexcept {
        ++global_reserved_;
        note(event_kind::reserve, 0, no_cpu);
        (void)checked(status{});
    }

    /// irq_matrix_remove_reserved(). errc::busy: no reservation outstanding.
    status remove_reserved() noexcept {
        if (global_reserved_ == 0) return checked(fail(errc::busy));
        --global_reserved_;
        note(event_kind::remove_reserved, 0, no_cpu);
        return checked(status{});
    }

    /// irq_matrix_alloc(): one vector on the online CPU of the mask with the
    /// most available vectors (ties: lowest CPU), its lowest free vector.
    /// `reserved` consumes a global reservation. errc::invalid: empty mask or
    /// CPU out of range; errc::busy: reserved with none outstanding;
    /// errc::no_space: no CPU qualifies, or the chosen one is full (Q3).
    result<placement> alloc(cpu_span mask, bool reserved) noexcept {
        return checked(alloc_impl</*Single=*/true>(mask, 0, reserved));
    }

    /// irq_matrix_free(): release a vector on any CPU, online or not. A
    /// managed vector stays reserved. total_allocated only falls while the
    /// CPU is online (Q2). errc::invalid: cpu out of range or bit outside
    /// the window; errc::not_found: not allocated, or `managed` does not
    /// match whether the vector is managed-reserved.
    status free(unsigned cpu, unsigned bit, bool managed) noexcept {
        return checked(free_block_impl(cpu, bit, 0, managed, event_kind::free));
    }

    /// irq_matrix_available(): global_available, or with `cpudown` that less
    /// `cpu`'s available (unsigned, as the kernel computes it).
    result<unsigned> available(unsigned cpu, bool cpudown) const noexcept {
        if (cpu >= nr_cpus()) return fail(errc::invalid);
        return cpudown ? global_available_ - cpus_[cpu].available : global_available_;
    }

    /// irq_matrix_reserved(): the outstanding global reservations.
    unsigned reserved() const noexcept { return global_reserved_; }

    /// irq_matrix_allocated(): the non-managed vectors allocated on `cpu`
    /// (allocated - managed_allocated, as since Linux 6.7).
    result<unsigned> allocated(unsigned cpu) const noexcept {
        if (cpu >= nr_cpus()) return fail(errc::invalid);
        return cpus_[cpu].allocated - cpus_[cpu].managed_allocated;
    }

    // ---- aligned power-of-two blocks (multi-MSI) -------------------------
    // A block of order k is 2^k consecutive vectors on one CPU, the first a
    // multiple of 2^k, inside the window; 0 <= k <= max_order (32 vectors).

    /// An aligned block of 2^order free vectors: among the online CPUs of the
    /// mask that have one and whose available counter is at least 2^order,
    /// the CPU with the most available vectors (ties: lowest), its lowest
    /// such base. Accounting as 2^order allocs.
    /// errc::invalid: empty mask, CPU or order out of range; errc::busy:
    /// reserved with fewer than 2^order global reservations; errc::no_space.
    result<placement> alloc_block(cpu_span mask, unsigned order, bool reserved) noexcept {
        return checked(alloc_impl</*Single=*/false>(mask, order, reserved));
    }

    /// Frees the block [base, base + 2^order) on `cpu`, each vector as free()
    /// frees it. errc::invalid: cpu or order out of range, base unaligned or
    /// block outside the window; errc::not_found: some vector is not
    /// allocated, or is (not) managed-reserved against `managed`.
    status free_block(unsigned cpu, unsigned base, unsigned order, bool managed) noexcept {
        return checked(free_block_impl(cpu, base, order, managed, event_kind::free_block));
    }

    /// On every CPU of the mask, online or not, the lowest free aligned
    /// block of the order becomes managed-reserved. All or nothing.
    /// errc::invalid: empty mask, CPU or order out of range;
    /// errc::no_space: some CPU has no such block.
    status reserve_managed_block(cpu_span mask, unsigned order) noexcept {
        if (auto v = validate_mask(mask, order); !v) return checked(v);
        return checked(reserve_managed_all(mask, order, event_kind::reserve_managed_block));
    }

    /// On every CPU of the mask, releases the lowest aligned block of the
    /// order whose vectors are all managed-reserved and unallocated. All or
    /// nothing. errc::invalid as above; errc::busy: some CPU has none.
    status remove_managed_block(cpu_span mask, unsigned order) noexcept {
        if (auto v = validate_mask(mask, order); !v) return checked(v);
        return checked(remove_managed_impl(mask, order, event_kind::remove_managed_block));
    }

    /// Allocates a managed-reserved, unallocated aligned block: among the
    /// online CPUs of the mask that hold one, the CPU with the fewest
    /// managed-allocated vectors (ties: highest), its lowest such base.
    /// errc::invalid as above; errc::no_space: none.
    result<placement> alloc_managed_block(cpu_span mask, unsigned order) noexcept {
        return checked(alloc_managed_impl(mask, order, /*single=*/false));
    }

    // ---- placed operations (the planner's building blocks) ---------------
    // The block operations with the placement decided by the caller (the
    // planner of planner.hpp, which must choose among candidates), with the
    // same accounting. Not kernel functions.

    /// alloc_block's accounting for the block [base, base + 2^order) on
    /// `cpu`; reports irq_matrix_alloc at order 0 (the planner places single
    /// vectors with it too), irq_matrix_alloc_block above. errc::invalid: cpu
    /// or order out of range, base unaligned or outside the window;
    /// errc::busy: CPU offline, a vector not free, the available counter
    /// below 2^order, or reserved with too few reservations.
    result<placement> alloc_at(unsigned cpu, unsigned base, unsigned order,
                               bool reserved) noexcept {
        if (auto v = validate_block(cpu, base, order); !v) return fail(v.error());
        const unsigned n = block_size(order);
        const auto& cm = cpus_[cpu];
        if (!cm.online || cm.available < n || !free_map(cpu).all_set(base, n) ||
            (reserved && global_reserved_ < n))
            return fail(errc::busy);
        take_block({cpu, base}, n, /*managed=*/false, reserved);
        note(order == 0 ? event_kind::alloc : event_kind::alloc_block, base, cpu, order);
        return checked(result<placement>(placement{cpu, base}));
    }

    /// reserve_managed_block's accounting for the block [base, base +
    /// 2^order) on `cpu`, online or not; reports irq_matrix_reserve_managed
    /// at order 0, irq_matrix_reserve_managed_block above. errc::invalid as
    /// alloc_at; errc::busy: a vector of the block is not free.
    status reserve_managed_at(unsigned cpu, unsigned base, unsigned order) noexcept {
        if (auto v = validate_block(cpu, base, order); !v) return fail(v.error());
        const unsigned n = block_size(order);
        if (!free_map(cpu).all_set(base, n)) return fail(errc::busy);
        reserve_managed_range(cpu, base, n);
        note(order == 0 ? event_kind::reserve_managed : event_kind::reserve_managed_block, base,
             cpu, order);
        return checked(status{});
    }

    /// The argument checks of the operations that take a mask and need a
    /// CPU of it: errc::invalid for an order above max_order, an empty mask
    /// or a CPU out of range.
    status validate_mask(cpu_span mask, unsigned order) const noexcept {
        if (order > max_order || !mask.fits(nr_cpus()) || mask.empty()) return fail(errc::invalid);
        return {};
    }

    /// The argument checks of the operations that name a block: errc::invalid
    /// for a CPU or order out of range, an unaligned base or a block not
    /// wholly inside the window.
    status validate_block(unsigned cpu, unsigned base, unsigned order) const noexcept {
        if (cpu >= nr_cpus() || order > max_order) return fail(errc::invalid);
        const unsigned n = block_size(order);
        // alloc_end_ - base, not base + n: a base near UINT_MAX would wrap.
        if (base % n != 0 || base < alloc_start_ || base >= alloc_end_ || alloc_end_ - base < n)
            return fail(errc::invalid);
        return {};
    }

    // ---- events (events.hpp) ----------------------------------------------

    /// Attaches `o` (an empty one detaches): from now on each successful
    /// mutation reports its irq_matrix_* events to it, as events.hpp
    /// describes. One observer at a time; attaching replaces. The observer
    /// belongs to this object, not to its value: a copy or a move starts
    /// with none, assigning to this matrix keeps its own, and operator==
    /// ignores it. So a copy made to try something out reports nothing
    /// unless it is given an observer of its own (deferred_events holds a
    /// trial's events until it is kept), and no mutation is heard twice.
    void set_observer(matrix_observer o) noexcept { observer_.o = o; }
    /// The attached observer (empty if none).
    matrix_observer observer() const noexcept { return observer_.o; }

    // ---- queries ---------------------------------------------------------

    matrix_stats stats() const noexcept {
        return {online_maps_, global_available_, global_reserved_, total_allocated_,
                systembits_inalloc_};
    }

    /// One CPU's counters. errc::invalid: out of range.
    result<cpu_stats> cpu(unsigned c) const noexcept {
        if (c >= nr_cpus()) return fail(errc::invalid);
        const auto& cm = cpus_[c];
        return cpu_stats{cm.online, cm.available, cm.allocated, cm.managed, cm.managed_allocated};
    }

    /// How far a CPU's counters have drifted from its bitmaps (kernel quirks).
    /// Requires c < nr_cpus().
    drift_report drift(unsigned c) const noexcept {
        IRQMATRIX_ASSERT(c < nr_cpus(), "drift(): cpu out of range");
        return {static_cast<int>(cpus_[c].available_drift),
                static_cast<int>(cpus_[c].managed_allocated_drift)};
    }

    /// The raw per-CPU state (counters and the allocated and managed bitmaps).
    /// Requires c < nr_cpus().
    const cpumap_type& cpu_map(unsigned c) const noexcept {
        IRQMATRIX_ASSERT(c < nr_cpus(), "cpu_map(): cpu out of range");
        return cpus_[c];
    }

    /// The CPU index the default placement asks (see cpu_index.hpp), up to
    /// date with this matrix. It is a cache (index_feed.hpp): asking it may
    /// do the upkeep deferred since the last time, inside the cache only.
    const index_type& cpu_index() const noexcept { return feed_.index(*this); }

    /// The placement policy object (its state, for a stateful policy).
    Placement& policy() noexcept { return placement_.policy; }
    const Placement& policy() const noexcept { return placement_.policy; }

    /// Memory per CPU in bytes: the per-CPU state plus its share of the CPU
    /// index and its feed (the per-matrix parts, a few kilobytes, are not
    /// counted).
    static constexpr double bytes_per_cpu() noexcept {
        return static_cast<double>(sizeof(cpumap_type)) + feed_type::bytes_per_cpu();
    }

    /// The system vectors (the same on every CPU).
    const bitmap_type& system_map() const noexcept { return system_map_; }

    /// The free vectors of a CPU: inside the window and not allocated, not
    /// managed-reserved, not system. Requires c < nr_cpus().
    bitmap_type free_map(unsigned c) const noexcept {
        const auto& cm = cpu_map(c);
        bitmap_type f = window_;
        f.and_not(cm.alloc_map);
        f.and_not(cm.managed_map);
        f.and_not(system_map_);
        return f;
    }

    /// Word w of CPU c's free map (free_map(c).word(w), without building
    /// the map). Requires c < nr_cpus() and w < bitmap_type::word_count.
    std::uint64_t free_word(unsigned c, unsigned w) const noexcept {
        const auto& cm = cpus_[c];
        return window_.word(w) &
               ~(cm.alloc_map.word(w) | cm.managed_map.word(w) | system_map_.word(w));
    }

    /// The lowest base of a free aligned block of the order on CPU c, or
    /// `capacity` if there is none: word by word, stopping at the first hit.
    IRQMATRIX_HOT_INLINE unsigned first_free_block(unsigned c, unsigned order) const noexcept {
        if (alloc_start_ == alloc_end_) return Capacity;
        const unsigned first = alloc_start_ / 64, last = (alloc_end_ - 1) / 64;
        if (order == max_order) {
            // A block of the largest order is a wholly free half word: found
            // by compares, its base is a constant of the (predicted) branch
            // taken, where the general test computes it from the bits (a
            // subtraction, masks, a bit scan) and the allocation that follows
            // waits for that chain. It is here, tested once per search, rather
            // than in lowest_aligned_block(), tested once per word, where it
            // slowed every search, of every order (docs/performance.md).
            static_assert(max_order == 5, "a block of the largest order is half a 64-bit word");
            for (unsigned w = first; w <= last; ++w) {
                const std::uint64_t f = free_word(c, w);
                if (static_cast<std::uint32_t>(f) == 0xffffffffu) return w * 64;
                if ((f >> 32) == 0xffffffffu) return w * 64 + 32;
            }
            return Capacity;
        }
        for (unsigned w = first; w <= last; ++w)
            if (const unsigned at = lowest_aligned_block(free_word(c, w), order); at < 64)
                return w * 64 + at;
        return Capacity;
    }

    /// The lowest base of a reserved, unallocated aligned block of the order
    /// on CPU c, or `capacity`.
    IRQMATRIX_HOT_INLINE unsigned first_managed_free_block(unsigned c,
                                                           unsigned order) const noexcept {
        const auto& cm = cpu_map(c);
        if (cm.managed == 0) return Capacity;  // most CPUs reserve nothing
        for (unsigned w = 0; w < bitmap_type::word_count; ++w)
            if (const unsigned at =
                    lowest_aligned_block(cm.managed_map.word(w) & ~cm.alloc_map.word(w), order);
                at < 64)
                return w * 64 + at;
        return Capacity;
    }

    /// The managed-reserved vectors of a CPU that are not allocated.
    bitmap_type managed_free_map(unsigned c) const noexcept {
        const auto& cm = cpu_map(c);
        bitmap_type f = cm.managed_map;
        f.and_not(cm.alloc_map);
        return f;
    }

    /// The largest order (0..max_order) of a free aligned block on the CPU,
    /// or -1 if it has no free vector. Requires c < nr_cpus().
    int largest_free_order(unsigned c) const noexcept {
        IRQMATRIX_ASSERT(c < nr_cpus(), "largest_free_order(): cpu out of range");
        // The index's key holds it for a CPU the lazy feed has caught up with.
        if (feed_.is_current(c)) return feed_.index_key(c).free_order;
        return free_map(c).largest_aligned_order();
    }

    /// Recomputes every counter and structural rule from the bitmaps (see
    /// the file comment). Returns an empty string when the state is
    /// consistent, otherwise the first violated rule in words.
    std::string verify() const {
        auto cpu_say = [](unsigned c, const char* what, std::uint32_t have, std::uint32_t want) {
            return "cpu " + std::to_string(c) + ": " + what + " is " + std::to_string(have) +
                   ", the bitmaps say " + std::to_string(want);
        };
        const bitmap_type tail = bitmap_type::range(bits_, Capacity);
        if ((system_map_ & tail).any()) return "system_map has bits above the logical width";
        std::uint32_t sum_available = 0, sum_allocated = 0, online = 0;
        for (unsigned c = 0; c < nr_cpus(); ++c) {
            const auto& cm = cpus_[c];
            bitmap_type outside = cm.alloc_map | cm.managed_map;
            outside.and_not(window_);
            if (outside.any())
                return "cpu " + std::to_string(c) +
                       ": an allocated or managed bit lies outside the window";
            if (cm.allocated != cm.alloc_map.count())
                return cpu_say(c, "allocated", cm.allocated, cm.alloc_map.count());
            if (cm.managed != cm.managed_map.count())
                return cpu_say(c, "managed", cm.managed, cm.managed_map.count());
            const std::uint32_t mac = (cm.alloc_map & cm.managed_map).count();
            if (cm.managed_allocated != mac + cm.managed_allocated_drift)
                return cpu_say(c, "managed_allocated less its quirk drift",
                               cm.managed_allocated - cm.managed_allocated_drift, mac);
            if (cm.online && !cm.initialized)
                return cpu_say(c, "online but never initialized", 1, 0);
            if (cm.initialized) {
                const std::uint32_t free = free_map(c).count();
                if (cm.available != free + cm.available_drift)
                    return cpu_say(c, "available less its quirk drift",
                                   cm.available - cm.available_drift, free);
            } else if (cm.available_drift != 0) {
                return cpu_say(c, "drift before the first online", cm.available_drift, 0);
            }
            if (cm.online) {
                ++online;
                sum_available += cm.available;
            }
            sum_allocated += cm.allocated;
        }
        if (std::string bad = feed_.self_check(*this); !bad.empty()) return bad;
        if (online_maps_ != online) return cpu_say(0, "online_maps (global)", online_maps_, online);
        if (global_available_ != sum_available + global_available_drift_)
            return cpu_say(0, "global_available less its quirk drift (global)",
                           global_available_ - global_available_drift_, sum_available);
        if (total_allocated_ != sum_allocated + total_allocated_drift_)
            return cpu_say(0, "total_allocated less its quirk drift (global)",
                           total_allocated_ - total_allocated_drift_, sum_allocated);
        const std::uint32_t sys_in_window = (system_map_ & window_).count();
        if (systembits_inalloc_ != sys_in_window + system_duplicates_)
            return cpu_say(0, "systembits_inalloc less duplicate calls (global)",
                           systembits_inalloc_ - system_duplicates_, sys_in_window);
        return {};
    }

    /// Global drift: global_available and total_allocated less what the
    /// per-CPU counters add up to (kernel quirks Q2 and assign-while-offline).
    global_drift_report global_drift() const noexcept {
        return {static_cast<int>(global_available_drift_),
                static_cast<int>(total_allocated_drift_)};
    }

    /// Equal vector state: geometry, counters, quirk ledger and bitmaps.
    /// Each member says what it contributes: the observer, the policy's
    /// state and the index cache compare equal whatever they hold.
    friend bool operator==(const basic_matrix&, const basic_matrix&) noexcept = default;

private:
    basic_matrix(unsigned bits, unsigned alloc_start, unsigned alloc_end, unsigned nr_cpus)
        : bits_(bits),
          alloc_start_(alloc_start),
          alloc_end_(alloc_end),
          window_(bitmap_type::range(alloc_start, alloc_end)),
          cpus_(nr_cpus),
          nr_cpus_(nr_cpus),
          feed_(nr_cpus) {
        static_assert(placement_policy_for<Placement, basic_matrix>,
                      "irqmatrix: the Placement argument of basic_matrix does not keep the "
                      "placement protocol (placement.hpp)");
    }

    static constexpr unsigned block_size(unsigned order) noexcept { return 1u << order; }

    // How many of the vectors [base, base + n) are system vectors (a block
    // never straddles a word).
    unsigned count_system(unsigned base, unsigned n) const noexcept {
        const std::uint64_t in_block = system_map_.word(base / 64) & run_mask(base % 64, n);
        return in_block ? static_cast<unsigned>(std::popcount(in_block)) : 0u;  // rarely any
    }

    // At debug level 3 every mutation, refused or not, ends with verify().
    template <class R>
    R checked(R r) const noexcept {
#if IRQMATRIX_DEBUG_LEVEL >= 3
        const std::string violation = verify();
        IRQMATRIX_ASSERT(violation.empty(), violation.c_str());
#endif
        return r;
    }

    // ---- events -----------------------------------------------------------
    // note() sits on every mutation's path, after its state change: one test
    // of the observer pointer, not taken while none is attached. The event is
    // built and delivered out of line, so the unobserved path stays as it was
    // apart from that test (benchmarks/bench_observer.cpp measures it).
    void note(event_kind kind, unsigned bit, unsigned cpu, unsigned order = 0) const noexcept {
        if (observer_.o.fn) [[unlikely]]
            report(kind, bit, cpu, order);
    }

    IRQMATRIX_NOINLINE void report(event_kind kind, unsigned bit, unsigned cpu,
                                   unsigned order) const noexcept {
        observer_.o(current_event(kind, bit, cpu, order));
    }

    // The event record with the counters as they are now.
    matrix_event current_event(event_kind kind, unsigned bit, unsigned cpu,
                               unsigned order) const noexcept {
        matrix_event e;
        e.kind = kind;
        e.bit = static_cast<int>(bit);
        e.cpu = cpu;
        if (cpu < nr_cpus()) {
            const auto& cm = cpus_[cpu];
            e.online = cm.online;
            e.available = cm.available;
            e.allocated = cm.allocated;
            e.managed = cm.managed;
        }
        e.order = order;
        e.online_maps = online_maps_;
        e.global_available = global_available_;
        e.global_reserved = global_reserved_;
        e.total_allocated = total_allocated_;
        return e;
    }

    // The events of a reserve_managed that fails on CPU `full` (Q7), from the
    // state before the library's shortcut changes it: the kernel reserved the
    // lowest free vector on each CPU before `full`, emitting as it went, then
    // undid them through irq_matrix_remove_managed one CPU at a time, which
    // emits too and releases each CPU's lowest unallocated managed vector.
    IRQMATRIX_NOINLINE void report_rollback(cpu_span mask, unsigned full) const noexcept {
        std::uint32_t global = global_available_;
        // Today's record, with the counters the kernel had at that step.
        auto emit = [&](event_kind kind, unsigned bit, unsigned c, std::uint32_t available,
                        std::uint32_t managed) {
            matrix_event e = current_event(kind, bit, c, 0);
            e.available = available;
            e.managed = managed;
            e.global_available = global;
            observer_.o(e);
        };
        mask.for_each([&](unsigned c) {
            if (c >= full) return;
            const auto& cm = cpus_[c];
            std::uint32_t available = cm.available;
            if (cm.online) {
                --available;
                --global;
            }
            emit(event_kind::reserve_managed, first_free_block(c, 0), c, available, cm.managed + 1);
        });
        mask.for_each([&](unsigned c) {
            if (c >= full) return;
            const auto& cm = cpus_[c];
            if (cm.online) ++global;
            const unsigned bit = std::min(first_free_block(c, 0), first_managed_free_block(c, 0));
            emit(event_kind::remove_managed, bit, c, cm.available, cm.managed);
        });
    }

    status online_impl(unsigned cpu) noexcept {
        if (cpu >= nr_cpus()) return fail(errc::invalid);
        auto& cm = cpus_[cpu];
        if (cm.online) return fail(errc::busy);
        if (!cm.initialized) {
            // The kernel assumes nothing is allocated yet and every system
            // bit was counted once; the ledger starts with whatever that
            // assumption gets wrong (assign before online, duplicates).
            cm.available = alloc_size() - (cm.managed + systembits_inalloc_);
            cm.available_drift = cm.available - free_map(cpu).count();
            cm.initialized = true;
        }
        global_available_ += cm.available;
        cm.online = true;
        ++online_maps_;
        feed_.notify(cpu, cpu_change::counters());
        note(event_kind::online, 0, cpu);
        return {};
    }

    status offline_impl(unsigned cpu) noexcept {
        if (cpu >= nr_cpus()) return fail(errc::invalid);
        auto& cm = cpus_[cpu];
        if (!cm.online) return fail(errc::busy);
        global_available_ -= cm.available;
        cm.online = false;
        --online_maps_;
        feed_.notify(cpu, cpu_change::counters());
        note(event_kind::offline, 0, cpu);
        return {};
    }

    status assign_system_impl(unsigned cpu, unsigned bit, bool replace) noexcept {
        if (auto refused = assign_system_refusal(cpu, bit, replace); !refused) return refused;
        auto& local = cpus_[cpu];
        const bool in_window = bit >= alloc_start_ && bit < alloc_end_;
        if (in_window) {
            // A CPU that was already initialized keeps its available count, so
            // where the bit was free it now counts one vector too many.
            for (auto& cm : cpus_)
                if (cm.initialized && !cm.alloc_map.test(bit) && !cm.managed_map.test(bit) &&
                    !system_map_.test(bit))
                    ++cm.available_drift;
            if (system_map_.test(bit)) ++system_duplicates_;  // Q6: a call counter
            ++systembits_inalloc_;
        }
        system_map_.set(bit);
        if (replace) {
            local.alloc_map.reset(bit);
            --local.allocated;
            --total_allocated_;
            if (local.managed_map.test(bit)) ++local.managed_allocated_drift;
        }
        // A system vector leaves every CPU's free map (boot time only).
        for (unsigned c = 0; c < nr_cpus(); ++c) feed_.notify(c, cpu_change::whole_cpu());
        note(event_kind::assign_system, bit, cpu);
        return {};
    }

    status reserve_managed_impl(cpu_span mask) noexcept {
        if (!mask.fits(nr_cpus())) return fail(errc::invalid);
        unsigned full = no_cpu;
        mask.for_each([&](unsigned c) {
            if (full == no_cpu && first_free_block(c, 0) >= Capacity) full = c;
        });
        if (full == no_cpu) return reserve_managed_all(mask, 0, event_kind::reserve_managed);
        if (observer_.o.fn) [[unlikely]]
            report_rollback(mask, full);
        // Q7: the kernel reserved the lowest free vector p on each CPU before
        // the full one, then undid each by releasing the lowest unallocated
        // managed vector q <= p. The counters come back; where q < p the
        // reservation has moved from q to p.
        mask.for_each([&](unsigned c) {
            if (c >= full) return;
            auto& cm = cpus_[c];
            const unsigned p = first_free_block(c, 0);
            const unsigned q = first_managed_free_block(c, 0);
            if (q < p) {
                cm.managed_map.reset(q);
                cm.managed_map.set(p);
                // p is no longer free; q is free again unless it has become
                // a system vector meanwhile.
                if (cm.initialized && system_map_.test(q)) ++cm.available_drift;
                feed_.notify(c, cpu_change::whole_cpu());
            }
        });
        return fail(errc::no_space);
    }

    // Reserve the lowest free aligned block of the order on every CPU of the
    // mask, or nothing if some CPU has none; an event per CPU, as it is done.
    status reserve_managed_all(cpu_span mask, unsigned order, event_kind kind) noexcept {
        bool room = true;
        mask.for_each([&](unsigned c) { room = room && first_free_block(c, order) < Capacity; });
        if (!room) return fail(errc::no_space);
        const unsigned n = block_size(order);
        mask.for_each([&](unsigned c) {
            const unsigned base = first_free_block(c, order);
            reserve_managed_range(c, base, n);
            note(kind, base, c, order);
        });
        return {};
    }

    void reserve_managed_range(unsigned c, unsigned base, unsigned n) noexcept {
        auto& cm = cpus_[c];
        cm.managed_map.set_range(base, n);
        cm.managed += n;
        if (cm.online) {
            cm.available -= n;
            global_available_ -= n;
        } else if (cm.initialized) {
            cm.available_drift += n;  // Q1: reserved while offline, not charged
        }
        feed_.notify(c, cpu_change::any_bits(base / 64));
    }

    status remove_managed_impl(cpu_span mask, unsigned order, event_kind kind) noexcept {
        bool removable = true;
        mask.for_each([&](unsigned c) {
            removable = removable && first_managed_free_block(c, order) < Capacity;
        });
        if (!removable) return fail(errc::busy);
        const unsigned n = block_size(order);
        mask.for_each([&](unsigned c) {
            auto& cm = cpus_[c];
            const unsigned base = first_managed_free_block(c, order);
            // A managed vector that assign_system has since made a system
            // vector is credited to available but does not become free.
            const unsigned now_free = n - count_system(base, n);
            cm.managed_map.reset_range(base, n);
            cm.managed -= n;
            if (cm.online) {
                cm.available += n;
                global_available_ += n;
                if (cm.initialized) cm.available_drift += n - now_free;
            } else if (cm.initialized) {
                cm.available_drift -= now_free;  // Q1: released while offline, not credited
            }
            feed_.notify(c, cpu_change::any_bits(base / 64));
            note(kind, base, c, order);
        });
        return {};
    }

    // The placement protocol's postcondition, checked for policies that do
    // not declare themselves verified: a refusal, not corruption, when a
    // user's policy returns a CPU outside the mask or a block that is not
    // wholly free (or wholly reserved and unallocated, for managed).
    bool placement_keeps_contract(placement p, cpu_span mask, unsigned order,
                                  bool managed) const noexcept {
        const unsigned n = block_size(order);
        if (!validate_block(p.cpu, p.base, order) || !mask.test(p.cpu) || !cpus_[p.cpu].online)
            return false;
        if (managed) return managed_free_map(p.cpu).all_set(p.base, n);
        return cpus_[p.cpu].available >= n && free_map(p.cpu).all_set(p.base, n);
    }

    // Single vectors and blocks are separate instantiations, each sized for
    // inlining on its own: as one function taking a flag, the block path's
    // larger placement code kept g++ from inlining the CPU index's catch-up
    // into either (docs/performance.md).
    template <bool Single>
    result<placement> alloc_impl(cpu_span mask, unsigned order, bool reserved) noexcept {
        if (auto v = validate_mask(mask, order); !v) return fail(v.error());
        const unsigned n = block_size(order);
        if (reserved && global_reserved_ < n) return fail(errc::busy);
        const basic_matrix& view = *this;
        placement p;
        if constexpr (Single)
            p = placement_.policy.pick_single(view, mask);
        else
            p = placement_.policy.pick_block(view, mask, order);
        if (!p) return fail(errc::no_space);
        if constexpr (!is_verified_placement<Placement>) {
            if (!placement_keeps_contract(p, mask, order, false)) return fail(errc::invalid);
        }
        IRQMATRIX_ASSERT_EXPENSIVE(free_map(p.cpu).all_set(p.base, n),
                                   "placement returned a non-free block");
        take_block(p, n, /*managed=*/false, reserved);
        note(Single ? event_kind::alloc : event_kind::alloc_block, p.base, p.cpu, order);
        return p;
    }

    // Allocates the block [p.base, p.base + n) on online CPU p.cpu: free
    // vectors charged to available, or (managed) reserved, unallocated
    // managed vectors, whose available was charged when they were reserved.
    void take_block(placement p, unsigned n, bool managed, bool reserved) noexcept {
        auto& cm = cpus_[p.cpu];
        const unsigned w = p.base / 64;
        const std::uint64_t block = run_mask(p.base % 64, n);
        cm.alloc_map.set_word(w, cm.alloc_map.word(w) | block);
        cm.allocated += n;
        total_allocated_ += n;
        if (managed) {
            cm.managed_allocated += n;
        } else {
            cm.available -= n;
            global_available_ -= n;
            if (reserved) global_reserved_ -= n;
        }
        feed_.notify(p.cpu, cpu_change::alloc_bits(w, block));
    }

    result<placement> alloc_managed_impl(cpu_span mask, unsigned order, bool single) noexcept {
        if (auto v = validate_mask(mask, order); !v) return fail(v.error());
        const basic_matrix& view = *this;
        const placement p = single ? placement_.policy.pick_managed_single(view, mask)
                                   : placement_.policy.pick_managed_block(view, mask, order);
        if (!p) return fail(errc::no_space);
        if constexpr (!is_verified_placement<Placement>) {
            if (!placement_keeps_contract(p, mask, order, true)) return fail(errc::invalid);
        }
        const unsigned n = block_size(order);
        IRQMATRIX_ASSERT_EXPENSIVE(managed_free_map(p.cpu).all_set(p.base, n),
                                   "placement returned a block that is not reserved and free");
        take_block(p, n, /*managed=*/true, /*reserved=*/false);
        note(single ? event_kind::alloc_managed : event_kind::alloc_managed_block, p.base, p.cpu,
             order);
        return p;
    }

    status assign_impl(unsigned cpu, unsigned bit) noexcept {
        if (cpu >= nr_cpus() || bit < alloc_start_ || bit >= alloc_end_) return fail(errc::invalid);
        auto& cm = cpus_[cpu];
        if (cm.alloc_map.test(bit)) return fail(errc::busy);
        // Q8: system and managed bits are not checked. Taking one charges
        // available for a vector that was not free.
        if (cm.initialized && (system_map_.test(bit) || cm.managed_map.test(bit)))
            --cm.available_drift;
        if (cm.managed_map.test(bit)) --cm.managed_allocated_drift;
        if (!cm.online) --global_available_drift_;  // charged although not online
        cm.alloc_map.set(bit);
        ++cm.allocated;
        ++total_allocated_;
        --cm.available;
        --global_available_;
        feed_.notify(cpu, cpu_change::alloc_bits(bit / 64, std::uint64_t{1} << (bit % 64)));
        note(event_kind::assign, bit, cpu);
        return {};
    }

    status free_block_impl(unsigned cpu, unsigned base, unsigned order, bool managed,
                           event_kind kind) noexcept {
        if (auto v = validate_block(cpu, base, order); !v) return v;
        const unsigned n = block_size(order);
        auto& cm = cpus_[cpu];
        // A block lies in one word: check and clear it with word operations.
        const unsigned w = base / 64;
        const std::uint64_t block = run_mask(base % 64, n);
        const std::uint64_t reserved = cm.managed_map.word(w) & block;
        if ((cm.alloc_map.word(w) & block) != block || reserved != (managed ? block : 0))
            return fail(errc::not_found);
        // Each vector is freed as the kernel frees one; the block is done at once.
        cm.alloc_map.set_word(w, cm.alloc_map.word(w) & ~block);
        cm.allocated -= n;
        if (cm.online)
            total_allocated_ -= n;
        else
            total_allocated_drift_ += n;  // Q2: freed while offline
        if (managed) {
            cm.managed_allocated -= n;  // the reservation stays until remove_managed
        } else {
            cm.available += n;
            if (cm.online) global_available_ += n;
            // A vector assigned onto a system bit comes back as available
            // although it is not free.
            if (cm.initialized) cm.available_drift += count_system(base, n);
        }
        feed_.notify(cpu, cpu_change::alloc_bits(w, block));
        note(kind, base, cpu, order);
        return {};
    }

    unsigned bits_;
    unsigned alloc_start_;
    unsigned alloc_end_;
    std::uint32_t online_maps_ = 0;
    std::uint32_t global_available_ = 0;
    std::uint32_t global_reserved_ = 0;
    std::uint32_t total_allocated_ = 0;
    std::uint32_t systembits_inalloc_ = 0;
    // Quirk ledger, global part (see the file comment).
    std::uint32_t global_available_drift_ = 0;
    std::uint32_t total_allocated_drift_ = 0;
    std::uint32_t system_duplicates_ = 0;
    // The observer belongs to the object, not to its value (set_observer()):
    // a copy or a move starts with none and an assignment keeps the target's.
    // Next to the global counters, which every mutation writes, so that the
    // test in note() reads a cache line the operation touches anyway.
    struct observer_slot {
        matrix_observer o{};
        observer_slot() = default;
        observer_slot(const observer_slot&) noexcept {}
        observer_slot& operator=(const observer_slot&) noexcept { return *this; }
        friend constexpr bool operator==(const observer_slot&, const observer_slot&) noexcept {
            return true;
        }
    };
    observer_slot observer_;
    bitmap_type system_map_;
    bitmap_type window_;  // [alloc_start, alloc_end), fixed at creation
    std::vector<cpumap_type> cpus_;
    unsigned nr_cpus_;  // cpus_.size(), kept at hand for the argument checks
    // The CPU index, a cache fed by every mutation (index_feed.hpp).
    feed_type feed_;
    // The placement policy object: empty for the built-in stateless ones;
    // a stateful policy (a round-robin cursor) keeps its state here, so a
    // copy of the matrix carries it. Matrix equality is about vectors, so the
    // holder compares equal whatever the policy's state.
    struct policy_holder {
        [[no_unique_address]] Placement policy{};
        friend constexpr bool operator==(const policy_holder&, const policy_holder&) noexcept {
            return true;
        }
    };
    [[no_unique_address]] policy_holder placement_{};
};

/// The x86-sized matrix with the kernel's placement: what a trace means.
using matrix = basic_matrix<256>;

IRQMATRIX_END_NAMESPACE
