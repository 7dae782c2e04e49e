// SPDX-License-Identifier: MIT
// A deliberately naive reference model of the interrupt vector matrix, for the
// golden and differential tests. It is written from the specification text
// (docs/kernel-semantics.md, sections 1.1-1.15, and the "Block
// operations" and "Errors for bad input" sections of
// docs/trace-format.md), not from the library: plain std::vector<bool>
// bitmaps, std::vector<unsigned> CPU lists and obvious loops. It includes no
// irqmatrix header, so that it is an independent oracle. Speed is not a goal.
//
// Counters are std::uint32_t and wrap the way the kernel's unsigned counters
// do. Refusals follow the library's documented contract: the argument checks
// (-22) come first, then state conflicts (-16), then lack of room (-28); a
// refused operation changes nothing, except that a single-vector
// reserve_managed that runs out of room is undone the way the kernel undoes it
// (quirk Q7).
//
// Beyond the specification it offers what the library adds and documents in
// its own header: the placed operations alloc_at and reserve_managed_at, and
// the queries derived from the state (free map, first free block, largest
// free order, drift), each computed here the obvious way from the bitmaps and
// counters rather than kept up to date as the library keeps them.
#pragma once

#include <cstdint>
#include <vector>

namespace irqmatrix_model {

/// CPU numbers, in any order; duplicates count once; a CPU >= nr_cpus() makes
/// the operation fail with -22.
using cpu_list = std::vector<unsigned>;

/// The result of an allocation: err is 0 or a negative errno; on success the
/// CPU and the first vector of what was allocated.
struct pick {
    int err = 0;
    unsigned cpu = 0;
    unsigned base = 0;
};

/// One CPU's state, the kernel's struct cpumap.
struct cpu_state {
    bool online = false, initialized = false;
    std::uint32_t available = 0, allocated = 0, managed = 0, managed_allocated = 0;
    std::vector<bool> alloc_map, managed_map;
};

/// The errno values of the trace format.
inline constexpr int err_not_found = -2;  // ENOENT
inline constexpr int err_busy = -16;      // EBUSY
inline constexpr int err_invalid = -22;   // EINVAL
inline constexpr int err_no_space = -28;  // ENOSPC

class naive_matrix {
public:
    /// Largest block order (2^5 = 32 vectors).
    static constexpr unsigned max_order = 5;

    /// irq_alloc_matrix(). Precondition (not checked): 1 <= bits,
    /// alloc_start <= alloc_end <= bits, 1 <= nr_cpus.
    naive_matrix(unsigned bits, unsigned alloc_start, unsigned alloc_end, unsigned nr_cpus)
        : bits_(bits), alloc_start_(alloc_start), alloc_end_(alloc_end), system_map_(bits, false) {
        for (unsigned c = 0; c < nr_cpus; ++c) {
            cpu_state cs;
            cs.alloc_map.assign(bits, false);
            cs.managed_map.assign(bits, false);
            cpus_.push_back(cs);
        }
    }

    // ---- kernel operations ------------------------------------------------

    /// irq_matrix_online() (spec 1.4).
    int online(unsigned cpu) {
        if (!valid_cpu(cpu)) return err_invalid;
        cpu_state& cs = cpus_[cpu];
        if (cs.online) return err_busy;
        if (!cs.initialized) {
            // Only the first onlining computes available; allocations are
            // assumed to be zero and are not subtracted.
            std::uint32_t alloc_size = alloc_end_ - alloc_start_;
            cs.available = alloc_size - (cs.managed + systembits_inalloc_);
            cs.initialized = true;
        }
        global_available_ += cs.available;
        cs.online = true;
        online_maps_ += 1;
        return 0;
    }

    /// irq_matrix_offline() (spec 1.5): nothing but the global counters moves.
    int offline(unsigned cpu) {
        if (!valid_cpu(cpu)) return err_invalid;
        cpu_state& cs = cpus_[cpu];
        if (!cs.online) return err_busy;
        global_available_ -= cs.available;
        cs.online = false;
        online_maps_ -= 1;
        return 0;
    }

    /// irq_matrix_assign_system() (spec 1.6). The kernel's BUG_ONs become
    /// refusals; bit == bits is refused too (the kernel lets it through, Q9).
    int assign_system(unsigned cpu, unsigned bit, bool replace) {
        if (!valid_cpu(cpu)) return err_invalid;
        if (bit >= bits_) return err_invalid;
        if (online_maps_ > 1) return err_busy;
        if (online_maps_ == 1 && !replace) return err_busy;
        if (replace && !cpus_[cpu].alloc_map[bit]) return err_busy;
        system_map_[bit] = true;
        if (replace) {
            cpu_state& cs = cpus_[cpu];
            cs.alloc_map[bit] = false;
            cs.allocated -= 1;
            total_allocated_ -= 1;
            // available and global_available are not given back.
        }
        if (bit >= alloc_start_ && bit < alloc_end_) systembits_inalloc_ += 1;  // Q6
        return 0;
    }

    /// irq_matrix_reserve_managed() (spec 1.7), including the kernel's
    /// rollback (Q7): on failure, every CPU done before the failing one gets
    /// the single-CPU remove_managed, which releases its lowest unallocated
    /// managed vector, not necessarily the one just reserved.
    int reserve_managed(const cpu_list& cpus) {
        if (!all_valid(cpus)) return err_invalid;
        cpu_list todo = ascending(cpus);
        cpu_list done;
        for (unsigned cpu : todo) {
            unsigned bit = lowest_free_block(cpu, 0);
            if (bit == none) {
                for (unsigned d : done) remove_one_managed(d, 0);
                return err_no_space;
            }
            reserve_one_managed(cpu, bit, 0);
            done.push_back(cpu);
        }
        return 0;
    }

    /// irq_matrix_remove_managed() (spec 1.8), refused whole with -16 when a
    /// CPU of the list has no unallocated managed vector (where the kernel
    /// warns and skips that CPU).
    int remove_managed(const cpu_list& cpus) {
        if (!all_valid(cpus)) return err_invalid;
        cpu_list todo = ascending(cpus);
        for (unsigned cpu : todo)
            if (lowest_managed_free_block(cpu, 0) == none) return err_busy;
        for (unsigned cpu : todo) remove_one_managed(cpu, 0);
        return 0;
    }

    /// irq_matrix_alloc_managed() (spec 1.9): the CPU is chosen by counters
    /// alone (fewest managed_allocated, ties to the highest); no fallback.
    pick alloc_managed(const cpu_list& cpus) {
        if (cpus.empty() || !all_valid(cpus)) return failed(err_invalid);
        cpu_list todo = ascending(cpus);
        unsigned best = none;
        std::uint32_t best_count = 0xffffffffu;
        for (unsigned cpu : todo) {
            if (!cpus_[cpu].online) continue;
            if (cpus_[cpu].managed_allocated > best_count) continue;
            best = cpu;  // an equal count replaces the best: ties go to the last
            best_count = cpus_[cpu].managed_allocated;
        }
        if (best == none) return failed(err_no_space);
        unsigned bit = lowest_managed_free_block(best, 0);
        if (bit == none) return failed(err_no_space);
        alloc_managed_at(best, bit, 0);
        return placed(best, bit);
    }

    /// irq_matrix_assign() (spec 1.10): system and managed bits are not
    /// looked at (Q8), and the counters move even on an offline CPU.
    int assign(unsigned cpu, unsigned bit) {
        if (!valid_cpu(cpu)) return err_invalid;
        if (bit < alloc_start_ || bit >= alloc_end_) return err_invalid;
        cpu_state& cs = cpus_[cpu];
        if (cs.alloc_map[bit]) return err_busy;
        cs.alloc_map[bit] = true;
        cs.allocated += 1;
        total_allocated_ += 1;
        cs.available -= 1;
        global_available_ -= 1;
        return 0;
    }

    /// irq_matrix_reserve() (spec 1.11).
    void reserve() { global_reserved_ += 1; }

    /// irq_matrix_remove_reserved() (spec 1.11), refused when none is held.
    int remove_reserved() {
        if (global_reserved_ == 0) return err_busy;
        global_reserved_ -= 1;
        return 0;
    }

    /// irq_matrix_alloc() (spec 1.12): the CPU with strictly the most
    /// available (ties to the lowest, none with 0), then its lowest free
    /// vector; no fallback to another CPU (Q3, Q5).
    pick alloc(const cpu_list& cpus, bool reserved) {
        if (cpus.empty() || !all_valid(cpus)) return failed(err_invalid);
        if (reserved && global_reserved_ < 1) return failed(err_busy);
        cpu_list todo = ascending(cpus);
        unsigned best = none;
        std::uint32_t best_available = 0;
        for (unsigned cpu : todo) {
            if (!cpus_[cpu].online) continue;
            if (cpus_[cpu].available > best_available) {
                best = cpu;
                best_available = cpus_[cpu].available;
            }
        }
        if (best == none) return failed(err_no_space);
        unsigned bit = lowest_free_block(best, 0);
        if (bit == none) return failed(err_no_space);
        allocate_block(best, bit, 0, reserved);
        return placed(best, bit);
    }

    /// irq_matrix_free() (spec 1.13). The vector must be allocated and its
    /// managed flag must match the managed reservation map, else -2.
    int free(unsigned cpu, unsigned bit, bool managed) { return free_block(cpu, bit, 0, managed); }

    /// irq_matrix_available() (spec 1.14).
    long long available(unsigned cpu, bool cpudown) const {
        if (!valid_cpu(cpu)) return err_invalid;
        std::uint32_t value = global_available_;
        if (cpudown) value -= cpus_[cpu].available;
        return static_cast<long long>(value);
    }

    /// irq_matrix_reserved() (spec 1.14).
    std::uint32_t reserved() const { return global_reserved_; }

    /// irq_matrix_allocated() (spec 1.14): non-managed vectors of the CPU.
    long long allocated(unsigned cpu) const {
        if (!valid_cpu(cpu)) return err_invalid;
        std::uint32_t value = cpus_[cpu].allocated - cpus_[cpu].managed_allocated;
        return static_cast<long long>(value);
    }

    // ---- block operations (trace-format.md, "Block operations") ----------

    /// Among the online CPUs of the list that have a free aligned block of
    /// the order, the one with the most available (ties to the lowest); its
    /// lowest such block. A CPU whose available counter is below 2^order
    /// (possible after drift, Q1/Q8) is not a candidate; the spec's wording
    /// is silent on it, and taking it would wrap the counter.
    pick alloc_block(const cpu_list& cpus, unsigned order, bool reserved) {
        if (cpus.empty() || !all_valid(cpus) || order > max_order) return failed(err_invalid);
        std::uint32_t n = size_of(order);
        if (reserved && global_reserved_ < n) return failed(err_busy);
        cpu_list todo = ascending(cpus);
        bool found = false;
        unsigned best = 0, best_base = 0;
        for (unsigned cpu : todo) {
            if (!cpus_[cpu].online) continue;
            // The project's reading of the rule (README, "Differences"): a CPU
            // whose counter says fewer than 2^order vectors are available is
            // never chosen, as the kernel never chooses one with none.
            if (cpus_[cpu].available < n) continue;
            unsigned base = lowest_free_block(cpu, order);
            if (base == none) continue;
            if (!found || cpus_[cpu].available > cpus_[best].available) {
                found = true;
                best = cpu;
                best_base = base;
            }
        }
        if (!found) return failed(err_no_space);
        allocate_block(best, best_base, order, reserved);
        return placed(best, best_base);
    }

    /// Frees [base, base + 2^order) on the CPU, every vector as free() frees
    /// it, if every vector is allocated and managed-reserved exactly when
    /// `managed` is set.
    int free_block(unsigned cpu, unsigned base, unsigned order, bool managed) {
        if (!valid_cpu(cpu) || order > max_order) return err_invalid;
        unsigned n = size_of(order);
        if (base % n != 0) return err_invalid;
        for (unsigned i = 0; i < n; ++i) {
            unsigned long long bit = static_cast<unsigned long long>(base) + i;  // no wrap
            if (bit < alloc_start_ || bit >= alloc_end_) return err_invalid;
        }
        cpu_state& cs = cpus_[cpu];
        for (unsigned bit = base; bit < base + n; ++bit) {
            if (!cs.alloc_map[bit]) return err_not_found;
            if (cs.managed_map[bit] != managed) return err_not_found;
        }
        for (unsigned bit = base; bit < base + n; ++bit) {
            cs.alloc_map[bit] = false;
            cs.allocated -= 1;
            if (managed) cs.managed_allocated -= 1;
            if (cs.online) total_allocated_ -= 1;  // Q2: not while offline
            if (!managed) {
                cs.available += 1;
                if (cs.online) global_available_ += 1;
            }
            // A managed vector stays reserved until remove_managed.
        }
        return 0;
    }

    /// On every CPU of the list, online or not, the lowest free aligned block
    /// of the order becomes managed-reserved; all or nothing.
    int reserve_managed_block(const cpu_list& cpus, unsigned order) {
        if (cpus.empty() || !all_valid(cpus) || order > max_order) return err_invalid;
        cpu_list todo = ascending(cpus);
        for (unsigned cpu : todo)
            if (lowest_free_block(cpu, order) == none) return err_no_space;
        for (unsigned cpu : todo) reserve_one_managed(cpu, lowest_free_block(cpu, order), order);
        return 0;
    }

    /// On every CPU of the list, the lowest aligned block of the order that
    /// is wholly managed-reserved and unallocated is released; all or nothing.
    int remove_managed_block(const cpu_list& cpus, unsigned order) {
        if (cpus.empty() || !all_valid(cpus) || order > max_order) return err_invalid;
        cpu_list todo = ascending(cpus);
        for (unsigned cpu : todo)
            if (lowest_managed_free_block(cpu, order) == none) return err_busy;
        for (unsigned cpu : todo) remove_one_managed(cpu, order);
        return 0;
    }

    /// Among the online CPUs of the list that hold a managed-reserved,
    /// unallocated aligned block of the order, the one with the fewest
    /// managed_allocated (ties to the highest); its lowest such block.
    pick alloc_managed_block(const cpu_list& cpus, unsigned order) {
        if (cpus.empty() || !all_valid(cpus) || order > max_order) return failed(err_invalid);
        cpu_list todo = ascending(cpus);
        bool found = false;
        unsigned best = 0, best_base = 0;
        for (unsigned cpu : todo) {
            if (!cpus_[cpu].online) continue;
            unsigned base = lowest_managed_free_block(cpu, order);
            if (base == none) continue;
            if (!found || cpus_[cpu].managed_allocated <= cpus_[best].managed_allocated) {
                found = true;
                best = cpu;
                best_base = base;
            }
        }
        if (!found) return failed(err_no_space);
        alloc_managed_at(best, best_base, order);
        return placed(best, best_base);
    }

    // ---- placed operations ------------------------------------------------
    // Not kernel functions and not trace operations: the library's alloc_at
    // and reserve_managed_at (the planner's building blocks), where the
    // caller names the block, written from their documented contract.

    /// alloc_block's accounting for the block [base, base + 2^order) on the
    /// CPU. -22: CPU or order out of range, base unaligned, or the block not
    /// wholly inside the window; -16: the CPU is offline, its available
    /// counter is below 2^order, a vector of the block is not free, or a
    /// reserved allocation finds fewer than 2^order reservations.
    pick alloc_at(unsigned cpu, unsigned base, unsigned order, bool reserved) {
        int err = check_block(cpu, base, order);
        if (err != 0) return failed(err);
        std::uint32_t n = size_of(order);
        const cpu_state& cs = cpus_[cpu];
        if (!cs.online || cs.available < n) return failed(err_busy);
        if (!block_is_free(cpu, base, order)) return failed(err_busy);
        if (reserved && global_reserved_ < n) return failed(err_busy);
        allocate_block(cpu, base, order, reserved);
        return placed(cpu, base);
    }

    /// reserve_managed_block's accounting for the block [base, base +
    /// 2^order) on the CPU, online or not. -22 as alloc_at; -16: a vector of
    /// the block is not free.
    int reserve_managed_at(unsigned cpu, unsigned base, unsigned order) {
        int err = check_block(cpu, base, order);
        if (err != 0) return err;
        if (!block_is_free(cpu, base, order)) return err_busy;
        reserve_one_managed(cpu, base, order);
        return 0;
    }

    // ---- what the library derives from the state -----------------------------

    /// What first_free_block() returns when the CPU has no such block.
    static constexpr unsigned no_block = 0xffffffffu;

    /// The free vectors of the CPU: in the window, not allocated, not
    /// managed-reserved, not system. Precondition: cpu < nr_cpus().
    std::vector<bool> free_map(unsigned cpu) const {
        std::vector<bool> f(bits_, false);
        for (unsigned bit = 0; bit < bits_; ++bit) f[bit] = is_free(cpu, bit);
        return f;
    }

    /// The lowest base of a free aligned block of the order on the CPU, or
    /// no_block. Precondition: cpu < nr_cpus(), order <= max_order.
    unsigned first_free_block(unsigned cpu, unsigned order) const {
        return lowest_free_block(cpu, order);
    }

    /// The largest order of a free aligned block on the CPU, -1 if it has no
    /// free vector. Precondition: cpu < nr_cpus().
    int largest_free_order(unsigned cpu) const {
        for (int order = max_order; order >= 0; --order)
            if (lowest_free_block(cpu, static_cast<unsigned>(order)) != none) return order;
        return -1;
    }

    /// How far counters are from what the bitmaps say, as signed amounts
    /// (the library's drift_report).
    struct drift_amounts {
        int available = 0;
        int managed_allocated = 0;
    };

    /// Per CPU: available less the number of free vectors (0 before the
    /// first online, which is when available is first set), and
    /// managed_allocated less the number of vectors both allocated and
    /// managed-reserved; modulo 2^32, as the counters wrap.
    drift_amounts drift(unsigned cpu) const {
        const cpu_state& cs = cpus_[cpu];
        std::uint32_t free = 0, managed_allocated = 0;
        for (unsigned bit = 0; bit < bits_; ++bit) {
            if (is_free(cpu, bit)) free += 1;
            if (cs.alloc_map[bit] && cs.managed_map[bit]) managed_allocated += 1;
        }
        drift_amounts d;
        if (cs.initialized) d.available = static_cast<int>(cs.available - free);
        d.managed_allocated = static_cast<int>(cs.managed_allocated - managed_allocated);
        return d;
    }

    /// For the matrix (the library's global_drift_report).
    struct global_drift_amounts {
        int global_available = 0;  ///< less the sum of available over the online CPUs
        int total_allocated = 0;   ///< less the sum of allocated over all CPUs
    };
    global_drift_amounts global_drift() const {
        std::uint32_t available = 0, allocated = 0;
        for (const cpu_state& cs : cpus_) {
            if (cs.online) available += cs.available;
            allocated += cs.allocated;
        }
        global_drift_amounts d;
        d.global_available = static_cast<int>(global_available_ - available);
        d.total_allocated = static_cast<int>(total_allocated_ - allocated);
        return d;
    }

    // ---- state, for comparison ---------------------------------------------

    unsigned nr_cpus() const { return static_cast<unsigned>(cpus_.size()); }
    const cpu_state& cpu(unsigned c) const { return cpus_[c]; }
    const std::vector<bool>& system_map() const { return system_map_; }
    std::uint32_t online_maps() const { return online_maps_; }
    std::uint32_t global_available() const { return global_available_; }
    std::uint32_t global_reserved() const { return global_reserved_; }
    std::uint32_t total_allocated() const { return total_allocated_; }
    std::uint32_t systembits_inalloc() const { return systembits_inalloc_; }

private:
    static constexpr unsigned none = 0xffffffffu;

    static unsigned size_of(unsigned order) {
        unsigned n = 1;
        for (unsigned k = 0; k < order; ++k) n *= 2;
        return n;
    }

    static pick failed(int err) {
        pick p;
        p.err = err;
        return p;
    }
    static pick placed(unsigned cpu, unsigned base) {
        pick p;
        p.cpu = cpu;
        p.base = base;
        return p;
    }

    bool valid_cpu(unsigned cpu) const { return cpu < cpus_.size(); }

    bool all_valid(const cpu_list& cpus) const {
        for (unsigned cpu : cpus)
            if (!valid_cpu(cpu)) return false;
        return true;
    }

    // The CPUs of the list, ascending, each once (the kernel walks a mask).
    // Marks first, then one pass: a list of every CPU of a 4096-CPU matrix
    // must not cost 4096 passes. Precondition: all_valid(cpus).
    cpu_list ascending(const cpu_list& cpus) const {
        std::vector<bool> listed(cpus_.size(), false);
        for (unsigned cpu : cpus) listed[cpu] = true;
        cpu_list out;
        for (unsigned c = 0; c < cpus_.size(); ++c)
            if (listed[c]) out.push_back(c);
        return out;
    }

    // The argument checks of a block named by the caller: -22 for a CPU or
    // order out of range, an unaligned base, or a vector outside the window.
    int check_block(unsigned cpu, unsigned base, unsigned order) const {
        if (!valid_cpu(cpu) || order > max_order) return err_invalid;
        unsigned n = size_of(order);
        if (base % n != 0) return err_invalid;
        for (unsigned i = 0; i < n; ++i) {
            unsigned long long bit = static_cast<unsigned long long>(base) + i;  // no wrap
            if (bit < alloc_start_ || bit >= alloc_end_) return err_invalid;
        }
        return 0;
    }

    bool block_is_free(unsigned cpu, unsigned base, unsigned order) const {
        for (unsigned bit = base; bit < base + size_of(order); ++bit)
            if (!is_free(cpu, bit)) return false;
        return true;
    }

    // Free: inside the window, not allocated, not managed, not system.
    bool is_free(unsigned cpu, unsigned bit) const {
        if (bit < alloc_start_ || bit >= alloc_end_) return false;
        const cpu_state& cs = cpus_[cpu];
        return !cs.alloc_map[bit] && !cs.managed_map[bit] && !system_map_[bit];
    }

    bool is_managed_free(unsigned cpu, unsigned bit) const {
        if (bit >= alloc_end_) return false;
        const cpu_state& cs = cpus_[cpu];
        return cs.managed_map[bit] && !cs.alloc_map[bit];
    }

    // The lowest base, a multiple of 2^order, whose 2^order vectors are all
    // free on the CPU; `none` if there is none. At order 0 this is the
    // kernel's first-fit search from alloc_start.
    unsigned lowest_free_block(unsigned cpu, unsigned order) const {
        unsigned n = size_of(order);
        for (unsigned base = 0; base + n <= bits_; base += n)
            if (block_is_free(cpu, base, order)) return base;
        return none;
    }

    // Likewise for vectors that are managed-reserved and not allocated.
    unsigned lowest_managed_free_block(unsigned cpu, unsigned order) const {
        unsigned n = size_of(order);
        for (unsigned base = 0; base + n <= bits_; base += n) {
            bool all = true;
            for (unsigned bit = base; bit < base + n && all; ++bit)
                if (!is_managed_free(cpu, bit)) all = false;
            if (all) return base;
        }
        return none;
    }

    void reserve_one_managed(unsigned cpu, unsigned base, unsigned order) {
        cpu_state& cs = cpus_[cpu];
        unsigned n = size_of(order);
        for (unsigned bit = base; bit < base + n; ++bit) {
            cs.managed_map[bit] = true;
            cs.managed += 1;
            if (cs.online) {  // Q1: an offline CPU is not charged
                cs.available -= 1;
                global_available_ -= 1;
            }
        }
    }

    // Releases the CPU's lowest managed-reserved, unallocated block of the
    // order. Precondition: there is one.
    void remove_one_managed(unsigned cpu, unsigned order) {
        cpu_state& cs = cpus_[cpu];
        unsigned base = lowest_managed_free_block(cpu, order);
        unsigned n = size_of(order);
        for (unsigned bit = base; bit < base + n; ++bit) {
            cs.managed_map[bit] = false;
            cs.managed -= 1;
            if (cs.online) {  // Q1: an offline CPU is not credited
                cs.available += 1;
                global_available_ += 1;
            }
        }
    }

    void allocate_block(unsigned cpu, unsigned base, unsigned order, bool reserved) {
        cpu_state& cs = cpus_[cpu];
        unsigned n = size_of(order);
        for (unsigned bit = base; bit < base + n; ++bit) {
            cs.alloc_map[bit] = true;
            cs.allocated += 1;
            cs.available -= 1;
            total_allocated_ += 1;
            global_available_ -= 1;
            if (reserved) global_reserved_ -= 1;
        }
    }

    void alloc_managed_at(unsigned cpu, unsigned base, unsigned order) {
        cpu_state& cs = cpus_[cpu];
        unsigned n = size_of(order);
        for (unsigned bit = base; bit < base + n; ++bit) {
            cs.alloc_map[bit] = true;
            cs.allocated += 1;
            cs.managed_allocated += 1;
            total_allocated_ += 1;
            // available was charged when the vector was reserved.
        }
    }

    unsigned bits_;
    unsigned alloc_start_;
    unsigned alloc_end_;
    std::uint32_t online_maps_ = 0;
    std::uint32_t global_available_ = 0;
    std::uint32_t global_reserved_ = 0;
    std::uint32_t total_allocated_ = 0;
    std::uint32_t systembits_inalloc_ = 0;
    std::vector<bool> system_map_;
    std::vector<cpu_state> cpus_;
};

}  // namespace irqmatrix_model
