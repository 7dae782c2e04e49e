// SPDX-License-Identifier: MIT
// The baseline the library is measured against: a plain, straightforward
// implementation of the Linux kernel's vector matrix algorithm
// (kernel/irq/matrix.c) exactly as docs/kernel-semantics.md describes it,
// extended to aligned blocks the obvious way. It is what a port of the kernel
// code would do, written for clarity, not tuned:
//
//  * per CPU a struct cpumap with the four counters and two 256-bit bitmaps
//    as arrays of 64-bit words (the kernel's unsigned long arrays), one
//    global system_map;
//  * the CPU choice walks the mask (for_each_cpu: find the next set bit of
//    the mask, look at that CPU's struct): matrix_find_best_cpu keeps the
//    online CPU with the strictly greatest `available` (ties: the lowest),
//    matrix_find_best_cpu_managed the one with the smallest
//    `managed_allocated` (ties: the highest);
//  * the vector search is matrix_alloc_area(): OR managed_map, system_map and
//    alloc_map into a scratch map, then a first-fit search with an alignment
//    mask with the contract of lib/bitmap.c's bitmap_find_next_zero_area_off()
//    (find the next zero bit, align it up, check that the run is clear,
//    restart one past the blocking bit);
//  * the block operations scan the mask like matrix_find_best_cpu, and a CPU
//    is a candidate if it is online, its `available` is at least 2^order and
//    greater than the best so far, and its area search finds an aligned block.
//
// Refusals follow the library's conventions (an errno value, nothing changed)
// rather than the kernel's WARN/BUG, so that the two can be compared result
// by result; the refusal checks are cheap and do not change the algorithm.
// Two shortcuts are taken where the kernel has no check at all: a mask may
// not name a CPU >= nr_cpus (the kernel's masks cannot), and the quirk
// ledger of the library (its drift counters) does not exist here, since the
// benchmark workloads never take a quirk path.
//
// Results are kernel-style ints: a vector number (>= 0) or a negative errno
// (-EINVAL 22, -EBUSY 16, -ENOSPC 28, -ENOENT 2).
//
// It is deliberately independent of the library: it includes none of its
// headers, so a library bug cannot leak into the measure it is checked by.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace irqmatrix_baseline {

inline constexpr int e_noent = 2;
inline constexpr int e_busy = 16;
inline constexpr int e_inval = 22;
inline constexpr int e_nospc = 28;
inline constexpr unsigned none = ~0u;  // the kernel's UINT_MAX "no CPU"
inline constexpr unsigned max_order = 5;

using word = std::uint64_t;
inline constexpr unsigned bits_per_word = 64;
inline constexpr unsigned matrix_size = 256;  // IRQ_MATRIX_BITS on x86
inline constexpr unsigned map_words = matrix_size / bits_per_word;

// ---- lib/find_bit.c and lib/bitmap.c, plainly -------------------------------

/// The lowest set bit in [start, size) of `map`, or `size`.
inline unsigned find_next_bit(const word* map, unsigned size, unsigned start) noexcept {
    if (start >= size) return size;
    unsigned i = start / bits_per_word;
    word w = map[i] & (~word{0} << (start % bits_per_word));
    while (w == 0) {
        if (++i * bits_per_word >= size) return size;
        w = map[i];
    }
    const unsigned bit = i * bits_per_word + static_cast<unsigned>(std::countr_zero(w));
    return bit < size ? bit : size;
}

/// The lowest clear bit in [start, size) of `map`, or `size`.
inline unsigned find_next_zero_bit(const word* map, unsigned size, unsigned start) noexcept {
    if (start >= size) return size;
    unsigned i = start / bits_per_word;
    word w = ~map[i] & (~word{0} << (start % bits_per_word));
    while (w == 0) {
        if (++i * bits_per_word >= size) return size;
        w = ~map[i];
    }
    const unsigned bit = i * bits_per_word + static_cast<unsigned>(std::countr_zero(w));
    return bit < size ? bit : size;
}

/// bitmap_find_next_zero_area_off() with align_offset 0: the first index >=
/// start with (index & align_mask) == 0 such that bits [index, index + nr) of
/// `map` are clear and index + nr <= size, or, when there is none, a value
/// greater than size (the kernel returns index + nr there).
inline unsigned bitmap_find_next_zero_area(const word* map, unsigned size, unsigned start,
                                           unsigned nr, unsigned align_mask) noexcept {
    for (;;) {
        unsigned index = find_next_zero_bit(map, size, start);
        index = (index + align_mask) & ~align_mask;  // __ALIGN_MASK
        const unsigned end = index + nr;
        if (end > size) return end;
        const unsigned i = find_next_bit(map, end, index);
        if (i < end) {
            start = i + 1;
            continue;
        }
        return index;
    }
}

inline bool test_bit(const word* map, unsigned bit) noexcept {
    return (map[bit / bits_per_word] >> (bit % bits_per_word)) & 1u;
}
inline void set_bit(word* map, unsigned bit) noexcept {
    map[bit / bits_per_word] |= word{1} << (bit % bits_per_word);
}
inline void clear_bit(word* map, unsigned bit) noexcept {
    map[bit / bits_per_word] &= ~(word{1} << (bit % bits_per_word));
}

/// A CPU mask, like the kernel's struct cpumask: bit c of words[c / 64] is CPU
/// c; it names no CPU >= the matrix's nr_cpus. Holds no memory.
struct cpumask {
    const word* words = nullptr;
};

/// The kernel's struct cpumap (IRQ_MATRIX_SIZE-word arrays).
struct cpumap {
    unsigned available = 0;
    unsigned allocated = 0;
    unsigned managed = 0;
    unsigned managed_allocated = 0;
    bool initialized = false;
    bool online = false;
    word alloc_map[map_words] = {};
    word managed_map[map_words] = {};
    friend bool operator==(const cpumap&, const cpumap&) = default;
};

/// The kernel's struct irq_matrix, with the block extension.
class kernel_matrix {
public:
    /// irq_alloc_matrix(). matrix_bits <= 256 and alloc_start <= alloc_end <=
    /// matrix_bits are the caller's business, as in the kernel.
    kernel_matrix(unsigned matrix_bits, unsigned alloc_start, unsigned alloc_end, unsigned nr_cpus)
        : matrix_bits_(matrix_bits),
          alloc_start_(alloc_start),
          alloc_end_(alloc_end),
          alloc_size_(alloc_end - alloc_start),
          nr_cpus_(nr_cpus),
          maps_(nr_cpus) {}

    unsigned nr_cpus() const noexcept { return nr_cpus_; }
    unsigned alloc_start() const noexcept { return alloc_start_; }
    unsigned alloc_end() const noexcept { return alloc_end_; }
    unsigned global_available() const noexcept { return global_available_; }
    unsigned global_reserved() const noexcept { return global_reserved_; }
    unsigned total_allocated() const noexcept { return total_allocated_; }
    unsigned online_maps() const noexcept { return online_maps_; }
    unsigned systembits_inalloc() const noexcept { return systembits_inalloc_; }
    const word* system_map() const noexcept { return system_map_; }
    const cpumap& map(unsigned cpu) const noexcept { return maps_[cpu]; }

    // ---- the kernel's operations ------------------------------------------

    /// irq_matrix_online(): available is computed at the first online only.
    int online(unsigned cpu) noexcept {
        if (cpu >= nr_cpus_) return -e_inval;
        cpumap& cm = maps_[cpu];
        if (cm.online) return -e_busy;
        if (!cm.initialized) {
            cm.available = alloc_size_;
            cm.available -= cm.managed + systembits_inalloc_;
            cm.initialized = true;
        }
        global_available_ += cm.available;
        cm.online = true;
        online_maps_++;
        return 0;
    }

    /// irq_matrix_offline().
    int offline(unsigned cpu) noexcept {
        if (cpu >= nr_cpus_) return -e_inval;
        cpumap& cm = maps_[cpu];
        if (!cm.online) return -e_busy;
        global_available_ -= cm.available;
        cm.online = false;
        online_maps_--;
        return 0;
    }

    /// irq_matrix_assign_system() ("this CPU" is `cpu`).
    int assign_system(unsigned cpu, unsigned bit, bool replace) noexcept {
        if (cpu >= nr_cpus_ || bit >= matrix_bits_) return -e_inval;
        if (online_maps_ > 1 || (online_maps_ && !replace)) return -e_busy;
        cpumap& cm = maps_[cpu];
        if (replace && !test_bit(cm.alloc_map, bit)) return -e_busy;
        set_bit(system_map_, bit);
        if (replace) {
            clear_bit(cm.alloc_map, bit);
            cm.allocated--;
            total_allocated_--;
        }
        if (bit >= alloc_start_ && bit < alloc_end_) systembits_inalloc_++;
        return 0;
    }

    /// irq_matrix_reserve_managed(): the lowest free vector on every CPU of
    /// the mask; on failure the CPUs before the failing one are undone with
    /// remove_managed (which may move a reservation: quirk Q7).
    int reserve_managed(cpumask msk) noexcept {
        unsigned failed = none;
        for (unsigned cpu = first_cpu(msk); cpu < nr_cpus_; cpu = next_cpu(msk, cpu)) {
            cpumap& cm = maps_[cpu];
            const unsigned bit = matrix_alloc_area(cm, 1, 0);
            if (bit >= alloc_end_) {
                failed = cpu;
                break;
            }
            set_bit(cm.managed_map, bit);
            cm.managed++;
            if (cm.online) {
                cm.available--;
                global_available_--;
            }
        }
        if (failed == none) return 0;
        for (unsigned cpu = first_cpu(msk); cpu < failed; cpu = next_cpu(msk, cpu))
            remove_managed_one(maps_[cpu], 0);
        return -e_nospc;
    }

    /// irq_matrix_remove_managed(): the lowest reserved, unallocated vector
    /// of every CPU of the mask (refused whole if some CPU has none).
    int remove_managed(cpumask msk) noexcept { return remove_managed_block_impl(msk, 0); }

    /// irq_matrix_alloc_managed(): best managed CPU, then its lowest reserved
    /// and unallocated vector; no retry on another CPU.
    int alloc_managed(cpumask msk, unsigned* mapped_cpu) noexcept {
        if (cpumask_empty(msk)) return -e_inval;
        const unsigned cpu = matrix_find_best_cpu_managed(msk);
        if (cpu == none) return -e_nospc;
        cpumap& cm = maps_[cpu];
        word scratch[map_words];
        for (unsigned i = 0; i < map_words; ++i) scratch[i] = cm.managed_map[i] & ~cm.alloc_map[i];
        const unsigned bit = find_next_bit(scratch, alloc_end_, 0);
        if (bit >= alloc_end_) return -e_nospc;
        set_bit(cm.alloc_map, bit);
        cm.allocated++;
        cm.managed_allocated++;
        total_allocated_++;
        *mapped_cpu = cpu;
        return static_cast<int>(bit);
    }

    void reserve() noexcept { global_reserved_++; }
    int remove_reserved() noexcept {
        if (global_reserved_ == 0) return -e_busy;
        global_reserved_--;
        return 0;
    }

    /// irq_matrix_alloc(): best CPU by the counter alone, then the area
    /// search on it; no fallback to another CPU.
    int alloc(cpumask msk, bool reserved, unsigned* mapped_cpu) noexcept {
        if (cpumask_empty(msk)) return -e_inval;
        if (reserved && global_reserved_ == 0) return -e_busy;
        const unsigned cpu = matrix_find_best_cpu(msk);
        if (cpu == none) return -e_nospc;
        cpumap& cm = maps_[cpu];
        const unsigned bit = matrix_alloc_area(cm, 1, 0);
        if (bit >= alloc_end_) return -e_nospc;
        set_bit(cm.alloc_map, bit);
        cm.allocated++;
        cm.available--;
        total_allocated_++;
        global_available_--;
        if (reserved) global_reserved_--;
        *mapped_cpu = cpu;
        return static_cast<int>(bit);
    }

    /// irq_matrix_free().
    int free(unsigned cpu, unsigned bit, bool managed) noexcept {
        return free_block(cpu, bit, 0, managed);
    }

    // ---- blocks: 2^order vectors, aligned, on one CPU ------------------------

    /// The online CPU of the mask with the most available vectors (ties: the
    /// lowest) among those whose available is >= 2^order and that have a free
    /// aligned block; its lowest such block.
    int alloc_block(cpumask msk, unsigned order, bool reserved, unsigned* mapped_cpu) noexcept {
        if (order > max_order || cpumask_empty(msk)) return -e_inval;
        const unsigned num = 1u << order;
        if (reserved && global_reserved_ < num) return -e_busy;
        // Like matrix_find_best_cpu(): the most available CPU (ties: the first)
        // among those that have a free aligned block of the order.
        const block_pick best = pick_block</*TiesToLast=*/false>(
            msk,
            [&](const cpumap& cm) {
                return cm.available >= num ? static_cast<int>(cm.available) : -1;
            },
            [&](const cpumap& cm) { return matrix_alloc_area(cm, num, num - 1); });
        if (best.cpu == none) return -e_nospc;
        cpumap& cm = take_block(best, num);
        cm.available -= num;
        global_available_ -= num;
        if (reserved) global_reserved_ -= num;
        *mapped_cpu = best.cpu;
        return static_cast<int>(best.bit);
    }

    /// Frees [base, base + 2^order) on `cpu`, each vector as irq_matrix_free().
    int free_block(unsigned cpu, unsigned base, unsigned order, bool managed) noexcept {
        if (cpu >= nr_cpus_ || order > max_order) return -e_inval;
        const unsigned num = 1u << order;
        if ((base & (num - 1)) != 0 || base < alloc_start_ || base >= alloc_end_ ||
            alloc_end_ - base < num)
            return -e_inval;
        cpumap& cm = maps_[cpu];
        for (unsigned b = base; b < base + num; ++b)
            if (!test_bit(cm.alloc_map, b) || test_bit(cm.managed_map, b) != managed)
                return -e_noent;
        for (unsigned b = base; b < base + num; ++b) {
            clear_bit(cm.alloc_map, b);
            cm.allocated--;
            if (managed) cm.managed_allocated--;
            if (cm.online) total_allocated_--;
            if (!managed) {
                cm.available++;
                if (cm.online) global_available_++;
            }
        }
        return 0;
    }

    /// On every CPU of the mask, online or not, the lowest free aligned block
    /// of the order becomes managed-reserved; all or nothing.
    int reserve_managed_block(cpumask msk, unsigned order) noexcept {
        if (order > max_order || cpumask_empty(msk)) return -e_inval;
        const unsigned num = 1u << order;
        for (unsigned cpu = first_cpu(msk); cpu < nr_cpus_; cpu = next_cpu(msk, cpu))
            if (matrix_alloc_area(maps_[cpu], num, num - 1) >= alloc_end_) return -e_nospc;
        for (unsigned cpu = first_cpu(msk); cpu < nr_cpus_; cpu = next_cpu(msk, cpu)) {
            cpumap& cm = maps_[cpu];
            const unsigned bit = matrix_alloc_area(cm, num, num - 1);
            for (unsigned b = bit; b < bit + num; ++b) set_bit(cm.managed_map, b);
            cm.managed += num;
            if (cm.online) {
                cm.available -= num;
                global_available_ -= num;
            }
        }
        return 0;
    }

    /// On every CPU of the mask, releases the lowest aligned block of the order
    /// that is reserved and unallocated; all or nothing.
    int remove_managed_block(cpumask msk, unsigned order) noexcept {
        if (order > max_order || cpumask_empty(msk)) return -e_inval;
        return remove_managed_block_impl(msk, order);
    }

    /// Among the online CPUs of the mask holding a reserved, unallocated
    /// aligned block of the order, the one with the fewest managed-allocated
    /// vectors (ties: the highest); its lowest such block.
    int alloc_managed_block(cpumask msk, unsigned order, unsigned* mapped_cpu) noexcept {
        if (order > max_order || cpumask_empty(msk)) return -e_inval;
        const unsigned num = 1u << order;
        // Like matrix_find_best_cpu_managed(): the CPU with the fewest
        // managed-allocated vectors (ties: the last) among those holding a
        // reserved, unallocated aligned block of the order.
        const block_pick best = pick_block</*TiesToLast=*/true>(
            msk,
            [&](const cpumap& cm) { return static_cast<int>(matrix_size - cm.managed_allocated); },
            [&](const cpumap& cm) { return managed_area(cm, num); });
        if (best.cpu == none) return -e_nospc;
        take_block(best, num).managed_allocated += num;
        *mapped_cpu = best.cpu;
        return static_cast<int>(best.bit);
    }

    /// A block the scans below picked: the CPU (none if no CPU fits) and base.
    struct block_pick {
        unsigned cpu = none;
        unsigned bit = 0;
    };

    /// Walks the online CPUs of the mask in order and keeps the one of the
    /// highest score(cpu) (negative: not a candidate; ties: the first seen,
    /// or the last if TiesToLast) among those where area() finds a block.
    template <bool TiesToLast, class Score, class Area>
    block_pick pick_block(cpumask msk, Score&& score, Area&& area) const noexcept {
        block_pick best;
        int best_score = -1;
        for (unsigned cpu = first_cpu(msk); cpu < nr_cpus_; cpu = next_cpu(msk, cpu)) {
            const cpumap& cm = maps_[cpu];
            if (!cm.online) continue;
            const int s = score(cm);
            if (TiesToLast ? s < best_score : s <= best_score) continue;
            const unsigned bit = area(cm);
            if (bit >= alloc_end_) continue;
            best = {cpu, bit};
            best_score = s;
        }
        return best;
    }

    /// Marks the picked block allocated and counts it; the caller adds what
    /// its kind of allocation changes besides.
    cpumap& take_block(const block_pick& p, unsigned num) noexcept {
        cpumap& cm = maps_[p.cpu];
        for (unsigned b = p.bit; b < p.bit + num; ++b) set_bit(cm.alloc_map, b);
        cm.allocated += num;
        total_allocated_ += num;
        return cm;
    }

    // ---- the kernel's internal helpers, public for the benchmarks ----------

    /// matrix_alloc_area() without the commit: OR the three maps into a
    /// scratch map, then the first-fit aligned search from alloc_start.
    unsigned matrix_alloc_area(const cpumap& cm, unsigned num, unsigned align_mask) const noexcept {
        word scratch[map_words];
        for (unsigned i = 0; i < map_words; ++i)
            scratch[i] = cm.managed_map[i] | system_map_[i] | cm.alloc_map[i];
        return bitmap_find_next_zero_area(scratch, alloc_end_, alloc_start_, num, align_mask);
    }

    /// The lowest aligned block of `num` reserved, unallocated vectors: the
    /// area search over the complement of managed_map & ~alloc_map.
    unsigned managed_area(const cpumap& cm, unsigned num) const noexcept {
        word scratch[map_words];
        for (unsigned i = 0; i < map_words; ++i)
            scratch[i] = ~(cm.managed_map[i] & ~cm.alloc_map[i]);
        return bitmap_find_next_zero_area(scratch, alloc_end_, alloc_start_, num, num - 1);
    }

    /// matrix_find_best_cpu().
    unsigned matrix_find_best_cpu(cpumask msk) const noexcept {
        unsigned best_cpu = none, maxavl = 0;
        for (unsigned cpu = first_cpu(msk); cpu < nr_cpus_; cpu = next_cpu(msk, cpu)) {
            const cpumap& cm = maps_[cpu];
            if (!cm.online || cm.available <= maxavl) continue;
            best_cpu = cpu;
            maxavl = cm.available;
        }
        return best_cpu;
    }

    /// matrix_find_best_cpu_managed().
    unsigned matrix_find_best_cpu_managed(cpumask msk) const noexcept {
        unsigned best_cpu = none, allocated = none;
        for (unsigned cpu = first_cpu(msk); cpu < nr_cpus_; cpu = next_cpu(msk, cpu)) {
            const cpumap& cm = maps_[cpu];
            if (!cm.online || cm.managed_allocated > allocated) continue;
            best_cpu = cpu;
            allocated = cm.managed_allocated;
        }
        return best_cpu;
    }

    friend bool operator==(const kernel_matrix&, const kernel_matrix&) = default;

private:
    // for_each_cpu(cpu, msk)
    unsigned first_cpu(cpumask msk) const noexcept { return find_next_bit(msk.words, nr_cpus_, 0); }
    unsigned next_cpu(cpumask msk, unsigned cpu) const noexcept {
        return find_next_bit(msk.words, nr_cpus_, cpu + 1);
    }
    bool cpumask_empty(cpumask msk) const noexcept { return first_cpu(msk) >= nr_cpus_; }

    // Releases the lowest reserved, unallocated aligned block of the order.
    void remove_managed_one(cpumap& cm, unsigned order) noexcept {
        const unsigned num = 1u << order;
        const unsigned bit = managed_area(cm, num);
        for (unsigned b = bit; b < bit + num; ++b) clear_bit(cm.managed_map, b);
        cm.managed -= num;
        if (cm.online) {
            cm.available += num;
            global_available_ += num;
        }
    }

    int remove_managed_block_impl(cpumask msk, unsigned order) noexcept {
        const unsigned num = 1u << order;
        for (unsigned cpu = first_cpu(msk); cpu < nr_cpus_; cpu = next_cpu(msk, cpu))
            if (managed_area(maps_[cpu], num) >= alloc_end_) return -e_busy;
        for (unsigned cpu = first_cpu(msk); cpu < nr_cpus_; cpu = next_cpu(msk, cpu))
            remove_managed_one(maps_[cpu], order);
        return 0;
    }

    unsigned matrix_bits_;
    unsigned alloc_start_;
    unsigned alloc_end_;
    unsigned alloc_size_;
    unsigned nr_cpus_;
    unsigned global_available_ = 0;
    unsigned global_reserved_ = 0;
    unsigned total_allocated_ = 0;
    unsigned online_maps_ = 0;
    unsigned systembits_inalloc_ = 0;
    word system_map_[map_words] = {};
    std::vector<cpumap> maps_;
};

}  // namespace irqmatrix_baseline
