// SPDX-License-Identifier: MIT
// Fragmentation metrics: how much of the free vector space can still take an
// aligned block of each order, per CPU and summed over the online CPUs.
//
// A multi-MSI device needs 2^k consecutive vectors on one CPU with the first
// a multiple of 2^k. Free vectors scattered in ones and twos count towards
// `available` but cannot serve it, so the free-vector count alone says
// little. For each order k the metrics count the wholly free aligned blocks
// of that order; aligned blocks of one order never overlap, so the count is
// exact capacity: a CPU can take exactly free_blocks[k] blocks of order k if
// nothing else changes.
//
//   fragmentation index(k) = 1 - 2^k * free_blocks[k] / free_vectors
//
// is the share of free vectors that no order-k block could use: 0 when every
// free vector sits in some free aligned order-k block, near 1 when almost
// none does. By definition it is 0 when nothing is free (nothing is wasted),
// and 1 for k > max_order (no block that large is ever allocated). Order 0
// is always 0.
//
// Everything is computed a 64-bit word at a time: aligned blocks of order
// <= 5 never straddle a word, so per word the block starts of order k + 1 are
// the starts of order k whose buddy is a start too (bitmap.hpp's doubling),
// six bit counts give the counts, and no loop visits single bits.
//
// Cost: fragmentation_of(m, c) is O(words) (the words of the free map,
// Capacity / 64); fragmentation_of(m) is O(CPUs x words). A simulator that
// samples after every event keeps a fragmentation_tracker instead: update()
// after each operation re-reads only the CPUs it touched and totals() is
// O(1).
//
// Only the free map counts: the matrix's `available` counters may drift from
// it (quirks Q1, Q8); these metrics measure what the bitmaps can actually
// hand out.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "bitmap.hpp"
#include "config.hpp"
#include "result.hpp"

IRQMATRIX_BEGIN_NAMESPACE

namespace detail {
// The number of set bits of x when every set bit's position is a multiple of
// 2^order, as in aligned_block_starts(): the last steps of a SWAR population
// count, fewer the sparser the word (each byte holds at most 8 >> order set
// bits, and one multiply adds the bytes). Written out because GCC without
// -mpopcnt (the x86-64 baseline) turns std::popcount into a libgcc call,
// which cost more than the rest of the counting.
constexpr unsigned count_aligned_starts(std::uint64_t x, unsigned order) noexcept {
#if defined(__POPCNT__)
    if (order == 0) return static_cast<unsigned>(std::popcount(x));  // one instruction
#endif
    if (order == 0) x -= (x >> 1) & 0x5555555555555555ull;  // 2-bit fields hold counts
    if (order <= 1) x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    if (order <= 2) x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;  // bytes hold counts
    return static_cast<unsigned>((x * 0x0101010101010101ull) >> 56);
}

// 1 - 2^order * blocks / free, with the file comment's conventions.
constexpr double fragmentation_index(unsigned free_vectors, unsigned blocks,
                                     unsigned order) noexcept {
    if (free_vectors == 0) return 0.0;
    if (order > max_order) return 1.0;
    return 1.0 - static_cast<double>(blocks << order) / static_cast<double>(free_vectors);
}
}  // namespace detail

/// One CPU's (or one free map's) free space by block order.
struct cpu_fragmentation {
    unsigned free_vectors = 0;
    /// free_blocks[k]: wholly free aligned blocks of order k (disjoint for
    /// one k, so this many order-k allocations would fit).
    unsigned free_blocks[max_order + 1] = {};
    /// The largest k with free_blocks[k] > 0, or -1 if nothing is free.
    int largest_free_order = -1;

    /// The share of free vectors no order-k block could use (see the file
    /// comment); 0 when nothing is free.
    constexpr double fragmentation_index(unsigned order) const noexcept {
        return detail::fragmentation_index(free_vectors,
                                           order <= max_order ? free_blocks[order] : 0, order);
    }

    /// Adds one 64-bit word of a free map (set bits are free vectors).
    constexpr void add_word(std::uint64_t free) noexcept {
        if (free == 0) return;  // most words of a full or mostly-full map
        // Branch-free: the starts of order k are the starts of order k - 1
        // whose buddy is one too; each order with any start raises the
        // word's largest order by one (orders nest, as in
        // largest_aligned_order()). Breaking out at the first empty order
        // mispredicts too often on a half-full map to pay.
        std::uint64_t starts = free;
        int largest = 0;
        const unsigned n = detail::count_aligned_starts(free, 0);
        free_vectors += n;
        free_blocks[0] += n;
        for (unsigned k = 1; k <= max_order; ++k) {
            starts &= (starts >> (1u << (k - 1))) & detail::aligned_starts[k];
            free_blocks[k] += detail::count_aligned_starts(starts, k);
            largest += starts != 0;
        }
        if (largest > largest_free_order) largest_free_order = largest;
    }

    friend constexpr bool operator==(const cpu_fragmentation&,
                                     const cpu_fragmentation&) noexcept = default;
};

/// The fragmentation of a free map (every word; bits outside any window must
/// already be clear, as in a matrix's free_map()).
template <unsigned Capacity>
constexpr cpu_fragmentation fragmentation_of_map(const bitmap<Capacity>& free) noexcept {
    cpu_fragmentation f;
    for (unsigned w = 0; w < bitmap<Capacity>::word_count; ++w) f.add_word(free.word(w));
    return f;
}

namespace detail {
// Adds CPU c's free map to f: only the window's words can hold free vectors.
template <class M>
void add_free_words(cpu_fragmentation& f, const M& m, unsigned c) noexcept {
    if (m.alloc_start() == m.alloc_end()) return;
    const auto free = m.free_map(c);
    for (unsigned w = m.alloc_start() / 64; w <= (m.alloc_end() - 1) / 64; ++w)
        f.add_word(free.word(w));
}
}  // namespace detail

/// The fragmentation of CPU c's free vectors (online or not): O(words).
/// Requires c < m.nr_cpus(). M is a matrix (basic_matrix<...>) or any view
/// with free_map(c), alloc_start() and alloc_end().
template <class M>
cpu_fragmentation fragmentation_of(const M& m, unsigned c) noexcept {
    cpu_fragmentation f;
    detail::add_free_words(f, m, c);
    return f;
}

/// How many blocks of order `order` CPU c could still take if nothing else
/// changed: its wholly free aligned blocks of that order, online or not
/// (the trace operation `free_blocks`). errc::invalid for a CPU or an order
/// out of range.
template <class M>
result<unsigned> free_blocks(const M& m, unsigned c, unsigned order) noexcept {
    if (c >= m.nr_cpus() || order > max_order) return fail(errc::invalid);
    return fragmentation_of(m, c).free_blocks[order];
}

/// The online CPUs' free space by block order, summed.
struct matrix_fragmentation {
    unsigned online_cpus = 0;
    unsigned free_vectors = 0;
    unsigned free_blocks[max_order + 1] = {};
    /// The largest order any online CPU can still take, -1 if none has a
    /// free vector.
    int largest_free_order = -1;
    /// cpus_with_order[k]: online CPUs with at least one free aligned block
    /// of order k (non-increasing in k; [0] counts CPUs with a free vector).
    unsigned cpus_with_order[max_order + 1] = {};

    /// The fragmentation index of the totals: the share of all online free
    /// vectors that no order-k block could use; 0 when nothing is free.
    constexpr double fragmentation_index(unsigned order) const noexcept {
        return detail::fragmentation_index(free_vectors,
                                           order <= max_order ? free_blocks[order] : 0, order);
    }

    /// Counts one more online CPU.
    constexpr void add(const cpu_fragmentation& c) noexcept { apply(c, 1u); }
    /// Takes back a CPU counted with add(c) (the same c).
    constexpr void remove(const cpu_fragmentation& c) noexcept { apply(c, ~0u); }

    friend constexpr bool operator==(const matrix_fragmentation&,
                                     const matrix_fragmentation&) noexcept = default;

private:
    // sign is 1 or ~0u (-1 modulo 2^32): unsigned wrap-around makes one
    // routine add and subtract, and the totals stay exact as long as every
    // remove() matches an earlier add().
    constexpr void apply(const cpu_fragmentation& c, unsigned sign) noexcept {
        online_cpus += sign;
        free_vectors += sign * c.free_vectors;
        for (unsigned k = 0; k <= max_order; ++k) {
            free_blocks[k] += sign * c.free_blocks[k];
            if (static_cast<int>(k) <= c.largest_free_order) cpus_with_order[k] += sign;
        }
        // The largest order is the highest k some CPU still has: read it off
        // the per-order CPU counts, so taking a CPU away needs no rescan.
        largest_free_order = -1;
        for (unsigned k = 0; k <= max_order && cpus_with_order[k] != 0; ++k)
            largest_free_order = static_cast<int>(k);
    }
};

/// The whole matrix, over its online CPUs: O(CPUs x words). Offline CPUs
/// count for nothing (the kernel hands out nothing there).
template <class M>
matrix_fragmentation fragmentation_of(const M& m) noexcept {
    matrix_fragmentation t;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        if (!m.cpu_map(c).online) continue;
        // A local record the compiler can keep in registers, rather than one
        // returned through memory and read back at other widths (a store-
        // forwarding stall that cost more than the counting).
        cpu_fragmentation f;
        detail::add_free_words(f, m, c);
        t.add(f);
    }
    return t;
}

/// Keeps each CPU's last computed record and the running totals, so a
/// simulator can sample after every event at the cost of the CPUs the event
/// touched: update() is O(words), totals() O(1), and neither allocates.
///
/// The tracker does not watch the matrix. After each operation the caller
/// must call update(m, c) for every CPU c whose free map or online state the
/// operation may have changed, or refresh_all(m); otherwise totals() is
/// stale. For the matrix's operations those CPUs are:
///   alloc, alloc_block, alloc_managed, alloc_managed_block   the result's CPU
///   free, free_block, assign, online, offline               the CPU argument
///   reserve_managed(_block), remove_managed(_block)         every CPU of the
///       mask; reserve_managed even when refused with no_space, since the
///       kernel's undo may move a reservation (quirk Q7)
///   assign_system                                           every CPU
/// Other refusals change nothing. The matrix's counters are not read; only
/// its free maps and online flags.
///
/// Example:
///   fragmentation_tracker t(m);
///   if (auto p = m.alloc_block(mask, 3, false)) t.update(m, p->cpu);
///   double waste = t.totals().fragmentation_index(3);
class fragmentation_tracker {
public:
    fragmentation_tracker() = default;

    /// Sized for m and filled from it (allocates).
    template <class M>
    explicit fragmentation_tracker(const M& m) {
        reset(m);
    }

    /// Resizes for m's CPUs and recomputes everything (allocates; the only
    /// member that may).
    template <class M>
    void reset(const M& m) {
        records_.assign(m.nr_cpus(), record{});
        refresh_all(m);
    }

    /// Recomputes every CPU: O(CPUs x words). Requires the tracker to be sized
    /// for m (constructed or reset from a matrix with as many CPUs).
    template <class M>
    void refresh_all(const M& m) noexcept {
        IRQMATRIX_ASSERT(records_.size() == m.nr_cpus(),
                         "fragmentation_tracker: reset() it for this matrix first");
        totals_ = {};
        const unsigned n = nr_cpus() < m.nr_cpus() ? nr_cpus() : m.nr_cpus();
        for (unsigned c = 0; c < n; ++c) {
            record& r = records_[c];
            r.frag = fragmentation_of(m, c);
            r.online = m.cpu_map(c).online;
            if (r.online) totals_.add(r.frag);
        }
    }

    /// Recomputes CPU c: takes its previous contribution out of the totals
    /// and puts the new one in (an offline CPU contributes nothing).
    /// O(words). Requires c < nr_cpus() (ignored at debug level 0).
    template <class M>
    void update(const M& m, unsigned c) noexcept {
        IRQMATRIX_ASSERT(c < nr_cpus(), "fragmentation_tracker::update(): cpu out of range");
        if (c >= nr_cpus()) return;
        record& r = records_[c];
        if (r.online) totals_.remove(r.frag);
        r.frag = fragmentation_of(m, c);
        r.online = m.cpu_map(c).online;
        if (r.online) totals_.add(r.frag);
    }

    /// The sums over the CPUs that were online at their last update: O(1).
    const matrix_fragmentation& totals() const noexcept { return totals_; }

    /// CPU c's record as of its last update (online or not). Requires
    /// c < nr_cpus().
    const cpu_fragmentation& cpu(unsigned c) const noexcept {
        IRQMATRIX_ASSERT(c < nr_cpus(), "fragmentation_tracker::cpu(): cpu out of range");
        return records_[c].frag;
    }
    /// Whether CPU c was online at its last update (so counts in totals()).
    bool counted(unsigned c) const noexcept { return c < nr_cpus() && records_[c].online; }

    unsigned nr_cpus() const noexcept { return static_cast<unsigned>(records_.size()); }

private:
    struct record {
        cpu_fragmentation frag;
        bool online = false;
    };
    std::vector<record> records_;
    matrix_fragmentation totals_;
};

IRQMATRIX_END_NAMESPACE
