// SPDX-License-Identifier: MIT
// A deliberately naive reference model of the planning layer (the "Planning
// operations" of docs/trace-format.md), for the planner's differential
// test (test_planner_property.cpp). It sits on the naive matrix model
// (model/naive_matrix.hpp), which keeps the kernel's semantics, and adds
// what the spec adds in the most obvious way:
//
//  * groups are an explicit list of {cpu, base, order, members, managed,
//    pinned}, edited by hand on every allocation, free and move;
//  * whether blocks can be placed at once is decided by brute force: a
//    backtracking search that tries every way of putting each block into a
//    wholly free aligned block of its order on an online CPU. No counting
//    formula decides anything; one obviously necessary condition (see
//    may_fit) only cuts branches that cannot succeed. Small geometries only;
//  * "the first candidate that keeps the demand placeable" is found by
//    listing the candidates in the spec's default order and searching the
//    state after taking each one in turn;
//  * operations with a single possible outcome (offline, assign,
//    assign_system) run on a copy, and the copy is kept only if the demand is
//    still placeable.
//
// It includes no irqmatrix header, so it shares no algorithm with the
// library. Speed is not a goal.
//
// Readings of the spec this model makes (the library must agree):
//  R1 A candidate of the alloc_block rule is an online CPU of the list whose
//     available counter is at least 2^order (the project's reading, as in
//     naive_matrix::alloc_block), then a wholly free aligned block on it.
//  R2 With reservations outstanding, `alloc` is that rule at order 0: it goes
//     on to the next candidate where the kernel would fail on a full CPU (Q3).
//  R3 reserve_managed(_block) with reservations outstanding takes, on each
//     CPU of the list in ascending order, its lowest free aligned block whose
//     reservation keeps the demand placeable given the CPUs before it; all or
//     nothing, and without the kernel's Q7 rollback.
//  R4 During a move the new block counts as wholly taken (both blocks held),
//     although afterwards only the members' offsets are allocated in it.
//  R5 assign_system is refused with -28 when it would leave the outstanding
//     reservations unplaceable (a replace on another CPU makes the bit a
//     system vector on the online one too). The spec's list of operations
//     that take free vectors leaves it out, but the guarantee needs it.
//  R6 A managed group is one whose vectors are managed-reserved: those of
//     alloc_managed(_block), and an assign onto a managed-reserved vector
//     (Q8). A pinned group gives -16 for can_offline and evacuate even when
//     it is managed ("holds a pinned group").
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "model/naive_matrix.hpp"

namespace irqmatrix_model {

/// A group: what one allocation took. `members` are the vectors still
/// allocated, ascending; the group is dropped when none is left.
struct naive_group {
    unsigned cpu = 0;
    unsigned base = 0;
    unsigned order = 0;
    std::vector<unsigned> members;
    bool managed = false;
    bool pinned = false;
};

class naive_planner {
public:
    static constexpr unsigned max_order = naive_matrix::max_order;

    /// Precondition as naive_matrix's.
    naive_planner(unsigned bits, unsigned alloc_start, unsigned alloc_end, unsigned nr_cpus)
        : m_(bits, alloc_start, alloc_end, nr_cpus),
          bits_(bits),
          start_(alloc_start),
          end_(alloc_end) {}

    const naive_matrix& matrix() const { return m_; }
    const std::vector<naive_group>& groups() const { return groups_; }
    bool outstanding() const { return !reservations_.empty(); }

    /// Outstanding guaranteed reservations per order.
    std::vector<std::uint64_t> reserved_blocks() const {
        std::vector<std::uint64_t> per_order(max_order + 1, 0);
        for (unsigned k : reservations_) per_order[k] += 1;
        return per_order;
    }

    /// Whether the outstanding reservations can be placed now (brute force).
    bool reservations_placeable() const { return placeable(m_, reservations_, none, none, 0, 0); }

    // ---- the kernel's operations ----------------------------------------------

    int online(unsigned cpu) { return m_.online(cpu); }

    int offline(unsigned cpu) {
        return keep_if_placeable([&](naive_matrix& t) { return t.offline(cpu); });
    }

    int assign_system(unsigned cpu, unsigned bit, bool replace) {
        int r =
            keep_if_placeable([&](naive_matrix& t) { return t.assign_system(cpu, bit, replace); });
        if (r == 0 && replace) drop_member(cpu, bit);
        return r;
    }

    int reserve_managed(const cpu_list& cpus) {
        if (!outstanding()) return m_.reserve_managed(cpus);
        if (!all_valid(cpus)) return err_invalid;
        if (cpus.empty()) return 0;
        return reserve_managed_placeable(cpus, 0);
    }

    int remove_managed(const cpu_list& cpus) { return m_.remove_managed(cpus); }

    pick alloc_managed(const cpu_list& cpus) {
        pick p = m_.alloc_managed(cpus);
        if (p.err == 0) add_group(p.cpu, p.base, 0, true);
        return p;
    }

    int assign(unsigned cpu, unsigned bit) {
        bool managed = cpu < nr_cpus() && bit < bits_ && m_.cpu(cpu).managed_map[bit];
        int r = keep_if_placeable([&](naive_matrix& t) { return t.assign(cpu, bit); });
        if (r == 0) add_group(cpu, bit, 0, managed);
        return r;
    }

    void reserve() { m_.reserve(); }
    int remove_reserved() { return m_.remove_reserved(); }

    pick alloc(const cpu_list& cpus, bool reserved) {
        if (outstanding()) return alloc_placeable(cpus, 0, reserved, reservations_);
        pick p = m_.alloc(cpus, reserved);
        if (p.err == 0) add_group(p.cpu, p.base, 0, false);
        return p;
    }

    int free(unsigned cpu, unsigned bit, bool managed) {
        int r = m_.free(cpu, bit, managed);
        if (r == 0) drop_member(cpu, bit);
        return r;
    }

    long long available(unsigned cpu, bool cpudown) const { return m_.available(cpu, cpudown); }
    std::uint32_t reserved() const { return m_.reserved(); }
    long long allocated(unsigned cpu) const { return m_.allocated(cpu); }

    pick alloc_block(const cpu_list& cpus, unsigned order, bool reserved) {
        if (outstanding()) return alloc_placeable(cpus, order, reserved, reservations_);
        pick p = m_.alloc_block(cpus, order, reserved);
        if (p.err == 0) add_group(p.cpu, p.base, order, false);
        return p;
    }

    int free_block(unsigned cpu, unsigned base, unsigned order, bool managed) {
        int r = m_.free_block(cpu, base, order, managed);
        if (r == 0)
            for (unsigned v = base; v < base + size_of(order); ++v) drop_member(cpu, v);
        return r;
    }

    int reserve_managed_block(const cpu_list& cpus, unsigned order) {
        if (!outstanding()) return m_.reserve_managed_block(cpus, order);
        if (cpus.empty() || !all_valid(cpus) || order > max_order) return err_invalid;
        return reserve_managed_placeable(cpus, order);
    }

    int remove_managed_block(const cpu_list& cpus, unsigned order) {
        return m_.remove_managed_block(cpus, order);
    }

    pick alloc_managed_block(const cpu_list& cpus, unsigned order) {
        pick p = m_.alloc_managed_block(cpus, order);
        if (p.err == 0) add_group(p.cpu, p.base, order, true);
        return p;
    }

    // ---- planning operations ------------------------------------------------------

    /// By definition: the largest order whose alloc_block would succeed, tried
    /// on a copy.
    long long largest_order(const cpu_list& cpus) const {
        if (cpus.empty() || !all_valid(cpus)) return err_invalid;
        for (unsigned k = max_order + 1; k-- > 0;) {
            naive_planner trial = *this;
            if (trial.alloc_block(cpus, k, false).err == 0) return k;
        }
        return err_no_space;
    }

    int reserve_block(unsigned order) {
        if (order > max_order) return err_invalid;
        std::vector<unsigned> demand = reservations_;
        demand.push_back(order);
        if (!placeable(m_, demand, none, none, 0, 0)) return err_no_space;
        reservations_ = demand;
        return 0;
    }

    int remove_reserved_block(unsigned order) {
        if (order > max_order) return err_invalid;
        for (std::size_t i = 0; i < reservations_.size(); ++i) {
            if (reservations_[i] == order) {
                reservations_.erase(reservations_.begin() + static_cast<std::ptrdiff_t>(i));
                return 0;
            }
        }
        return err_busy;
    }

    pick alloc_reserved_block(const cpu_list& cpus, unsigned order) {
        if (cpus.empty() || !all_valid(cpus) || order > max_order) return failed(err_invalid);
        std::vector<unsigned> others = reservations_;
        bool found = false;
        for (std::size_t i = 0; i < others.size() && !found; ++i) {
            if (others[i] == order) {
                others.erase(others.begin() + static_cast<std::ptrdiff_t>(i));
                found = true;
            }
        }
        if (!found) return failed(err_busy);
        pick p = alloc_placeable(cpus, order, false, others);
        if (p.err == 0) reservations_ = others;
        return p;
    }

    long long can_offline(unsigned cpu) const {
        if (cpu >= nr_cpus()) return err_invalid;
        if (!m_.cpu(cpu).online) return err_busy;
        for (const naive_group& g : groups_)
            if (g.cpu == cpu && g.pinned) return err_busy;
        std::vector<unsigned> demand = reservations_;
        long long vectors = 0;
        for (const naive_group& g : groups_) {
            if (g.cpu != cpu || g.managed) continue;
            demand.push_back(g.order);
            vectors += static_cast<long long>(g.members.size());
        }
        if (!placeable(m_, demand, cpu, none, 0, 0)) return err_no_space;
        return vectors;
    }

    long long evacuate(unsigned cpu) {
        long long can = can_offline(cpu);
        if (can < 0) return can;
        // The groups to move: largest first, ties lower base first.
        std::vector<std::size_t> todo;
        for (std::size_t i = 0; i < groups_.size(); ++i)
            if (groups_[i].cpu == cpu && !groups_[i].managed) todo.push_back(i);
        std::sort(todo.begin(), todo.end(), [&](std::size_t a, std::size_t b) {
            if (groups_[a].order != groups_[b].order) return groups_[a].order > groups_[b].order;
            return groups_[a].base < groups_[b].base;
        });
        cpu_list others;
        for (unsigned c = 0; c < nr_cpus(); ++c)
            if (c != cpu && m_.cpu(c).online) others.push_back(c);
        naive_planner trial = *this;  // all or nothing
        for (std::size_t t = 0; t < todo.size(); ++t) {
            std::vector<unsigned> still = reservations_;
            for (std::size_t u = t + 1; u < todo.size(); ++u)
                still.push_back(groups_[todo[u]].order);
            const unsigned order = groups_[todo[t]].order;
            bool moved = false;
            for (const auto& [c, base] : trial.candidates(others, order)) {
                if (!placeable(trial.m_, still, cpu, c, base, order)) continue;
                trial.move(todo[t], c, base);
                moved = true;
                break;
            }
            if (!moved) return err_no_space;
        }
        *this = trial;
        return can;
    }

    pick move_block(unsigned cpu, unsigned base, const cpu_list& cpus) {
        if (cpu >= nr_cpus() || base >= bits_) return failed(err_invalid);
        if (cpus.empty() || !all_valid(cpus)) return failed(err_invalid);
        std::size_t i = find_group(cpu, base);
        if (i == none_index) return failed(err_not_found);
        if (groups_[i].managed || groups_[i].pinned) return failed(err_busy);
        const unsigned order = groups_[i].order;
        for (const auto& [c, b] : candidates(cpus, order)) {
            // R4: the old block is still allocated and the new one is taken.
            if (!placeable(m_, reservations_, none, c, b, order)) continue;
            move(i, c, b);
            return placed(c, b);
        }
        return failed(err_no_space);
    }

    int pin(unsigned cpu, unsigned base) { return set_pinned(cpu, base, true); }
    int unpin(unsigned cpu, unsigned base) { return set_pinned(cpu, base, false); }

    /// The index of the group named (cpu, base): of those based there, the
    /// one of the lowest order; none_index if there is none.
    std::size_t find_group(unsigned cpu, unsigned base) const {
        std::size_t best = none_index;
        for (std::size_t i = 0; i < groups_.size(); ++i) {
            if (groups_[i].cpu != cpu || groups_[i].base != base) continue;
            if (best == none_index || groups_[i].order < groups_[best].order) best = i;
        }
        return best;
    }

    static constexpr std::size_t none_index = static_cast<std::size_t>(-1);

private:
    static constexpr unsigned none = 0xffffffffu;

    unsigned nr_cpus() const { return m_.nr_cpus(); }

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

    bool all_valid(const cpu_list& cpus) const {
        for (unsigned c : cpus)
            if (c >= nr_cpus()) return false;
        return true;
    }

    cpu_list ascending(const cpu_list& cpus) const {
        cpu_list out;
        for (unsigned c = 0; c < nr_cpus(); ++c)
            if (std::find(cpus.begin(), cpus.end(), c) != cpus.end()) out.push_back(c);
        return out;
    }

    // ---- free space and the brute-force search ------------------------------

    bool is_free(const naive_matrix& m, unsigned cpu, unsigned bit) const {
        if (bit < start_ || bit >= end_) return false;
        const cpu_state& cs = m.cpu(cpu);
        return !cs.alloc_map[bit] && !cs.managed_map[bit] && !m.system_map()[bit];
    }

    bool block_free(const naive_matrix& m, unsigned cpu, unsigned base, unsigned order) const {
        for (unsigned v = base; v < base + size_of(order); ++v)
            if (!is_free(m, cpu, v)) return false;
        return true;
    }

    // The bases of the wholly free aligned blocks of the order on a CPU, ascending.
    std::vector<unsigned> free_blocks(const naive_matrix& m, unsigned cpu, unsigned order) const {
        std::vector<unsigned> out;
        const unsigned n = size_of(order);
        for (unsigned base = 0; base + n <= bits_; base += n)
            if (block_free(m, cpu, base, order)) out.push_back(base);
        return out;
    }

    // The candidates of the alloc_block rule in the spec's default order: the
    // online CPUs of the list whose available counter is at least 2^order
    // (R1), by most available (ties: the lowest CPU), and on each its wholly
    // free aligned blocks from the lowest base.
    std::vector<std::pair<unsigned, unsigned>> candidates(const cpu_list& cpus,
                                                          unsigned order) const {
        cpu_list eligible;
        for (unsigned c : ascending(cpus))
            if (m_.cpu(c).online && m_.cpu(c).available >= size_of(order)) eligible.push_back(c);
        std::stable_sort(eligible.begin(), eligible.end(), [&](unsigned a, unsigned b) {
            return m_.cpu(a).available > m_.cpu(b).available;
        });
        std::vector<std::pair<unsigned, unsigned>> out;
        for (unsigned c : eligible)
            for (unsigned base : free_blocks(m_, c, order)) out.emplace_back(c, base);
        return out;
    }

    // One char per vector: 1 when free. An offline or excluded CPU has none.
    using space = std::vector<std::vector<char>>;

    // Whether every block of `demand` (orders) can be placed at once into the
    // free space of the online CPUs of `m` other than `except`, after the
    // block (take_cpu, take_base, take_order) is taken (take_cpu == none: no
    // block is taken).
    bool placeable(const naive_matrix& m, std::vector<unsigned> demand, unsigned except,
                   unsigned take_cpu, unsigned take_base, unsigned take_order) const {
        if (demand.empty()) return true;
        space free(nr_cpus());
        for (unsigned c = 0; c < nr_cpus(); ++c) {
            if (c == except || !m.cpu(c).online) continue;
            free[c].assign(bits_, 0);
            for (unsigned v = 0; v < bits_; ++v) free[c][v] = is_free(m, c, v) ? 1 : 0;
        }
        if (take_cpu != none && !free[take_cpu].empty())
            for (unsigned v = take_base; v < take_base + size_of(take_order); ++v)
                free[take_cpu][v] = 0;
        // Largest first only decides which block the search tries next; every
        // position is still tried for each block.
        std::sort(demand.begin(), demand.end(), [](unsigned a, unsigned b) { return a > b; });
        return place(free, demand, 0, 0, 0);
    }

    bool all_set(const std::vector<char>& map, unsigned base, unsigned n) const {
        for (unsigned v = base; v < base + n; ++v)
            if (!map[v]) return false;
        return true;
    }

    // Places demand[i..] (orders, descending) by trying every free aligned
    // block for demand[i]. Equal blocks are interchangeable, so a block of
    // the same order as the one before it is only tried at a later position
    // (prev_cpu, prev_base) than that one: that skips permutations of the
    // same placement, not placements.
    bool place(space& free, const std::vector<unsigned>& demand, std::size_t i, unsigned prev_cpu,
               unsigned prev_base) const {
        if (i == demand.size()) return true;
        if (!may_fit(free, demand, i)) return false;
        const unsigned order = demand[i];
        const unsigned n = size_of(order);
        const bool after_equal = i > 0 && demand[i - 1] == order;
        for (unsigned c = 0; c < free.size(); ++c) {
            if (free[c].empty()) continue;
            for (unsigned base = 0; base + n <= bits_; base += n) {
                if (after_equal && (c < prev_cpu || (c == prev_cpu && base <= prev_base))) continue;
                if (!all_set(free[c], base, n)) continue;
                for (unsigned v = base; v < base + n; ++v) free[c][v] = 0;
                const bool ok = place(free, demand, i + 1, c, base);
                for (unsigned v = base; v < base + n; ++v) free[c][v] = 1;
                if (ok) return true;
            }
        }
        return false;
    }

    // A necessary condition, used only to give up early: a block of order j
    // >= k covers 2^(j-k) aligned blocks of order k, all free and not shared
    // with another block, so the remaining demand needs at least that many
    // wholly free aligned order-k blocks, for every k.
    bool may_fit(const space& free, const std::vector<unsigned>& demand, std::size_t from) const {
        for (unsigned k = 0; k <= max_order; ++k) {
            std::uint64_t need = 0;
            for (std::size_t i = from; i < demand.size(); ++i)
                if (demand[i] >= k) need += size_of(demand[i] - k);
            if (need == 0) continue;
            std::uint64_t have = 0;
            const unsigned n = size_of(k);
            for (const auto& map : free) {
                if (map.empty()) continue;
                for (unsigned base = 0; base + n <= bits_; base += n)
                    if (all_set(map, base, n)) ++have;
            }
            if (have < need) return false;
        }
        return true;
    }

    // ---- state changes ----------------------------------------------------------

    // Runs an operation with one possible outcome on a copy, and keeps the
    // copy if it succeeded and (with reservations outstanding) they are still
    // placeable; -28 otherwise. A refusal changes nothing.
    template <class F>
    int keep_if_placeable(F f) {
        if (!outstanding()) return f(m_);
        naive_matrix trial = m_;
        int r = f(trial);
        if (r != 0) return r;
        if (!placeable(trial, reservations_, none, none, 0, 0)) return err_no_space;
        m_ = trial;
        return 0;
    }

    // Allocates the free block (cpu, base, order) on an online CPU. The
    // naive matrix only allocates where its own rule points, so each vector
    // is assigned instead: on an online CPU and a free vector, assign's
    // accounting is exactly alloc's (allocated, available, total_allocated,
    // global_available); a reserved allocation also gives up its global
    // reservations.
    void take(unsigned cpu, unsigned base, unsigned order, bool reserved) {
        for (unsigned v = base; v < base + size_of(order); ++v) m_.assign(cpu, v);
        if (reserved)
            for (unsigned v = 0; v < size_of(order); ++v) m_.remove_reserved();
    }

    pick alloc_placeable(const cpu_list& cpus, unsigned order, bool reserved,
                         const std::vector<unsigned>& demand) {
        if (cpus.empty() || !all_valid(cpus) || order > max_order) return failed(err_invalid);
        if (reserved && m_.reserved() < size_of(order)) return failed(err_busy);
        for (const auto& [c, base] : candidates(cpus, order)) {
            if (!placeable(m_, demand, none, c, base, order)) continue;
            take(c, base, order, reserved);
            add_group(c, base, order, false);
            return placed(c, base);
        }
        return failed(err_no_space);
    }

    // R3, on a copy that is kept only if every CPU found a block.
    int reserve_managed_placeable(const cpu_list& cpus, unsigned order) {
        naive_planner trial = *this;
        for (unsigned c : ascending(cpus)) {
            bool done = false;
            for (unsigned base : free_blocks(trial.m_, c, order)) {
                if (!placeable(trial.m_, reservations_, none, c, base, order)) continue;
                trial.reserve_at(c, base, order);
                done = true;
                break;
            }
            if (!done) return err_no_space;
        }
        *this = trial;
        return 0;
    }

    // Reserves the free block (cpu, base, order) as managed. The naive matrix
    // reserves the lowest free aligned block of a CPU, so the lower ones are
    // plugged for a moment by assigning one vector of each, and freed again
    // after. On an online CPU assign and free undo each other's accounting
    // exactly; on an offline one the lowest block is always the one chosen
    // (the offline CPU's space does not count for placeability), so nothing
    // is plugged there.
    void reserve_at(unsigned cpu, unsigned base, unsigned order) {
        std::vector<unsigned> plugs;
        for (unsigned b : free_blocks(m_, cpu, order))
            if (b < base) plugs.push_back(b);
        if (!plugs.empty() && !m_.cpu(cpu).online) std::abort();  // cannot happen (see above)
        for (unsigned b : plugs) m_.assign(cpu, b);
        m_.reserve_managed_block(cpu_list{cpu}, order);
        for (unsigned b : plugs) m_.free(cpu, b, false);
    }

    // Moves group i to the free block (cpu, base) of its order: its members
    // are allocated at the same offsets there, then freed where they were.
    void move(std::size_t i, unsigned cpu, unsigned base) {
        naive_group& g = groups_[i];
        for (unsigned v : g.members) m_.assign(cpu, base + (v - g.base));
        for (unsigned v : g.members) m_.free(g.cpu, v, false);
        for (unsigned& v : g.members) v = base + (v - g.base);
        g.cpu = cpu;
        g.base = base;
    }

    void add_group(unsigned cpu, unsigned base, unsigned order, bool managed) {
        naive_group g;
        g.cpu = cpu;
        g.base = base;
        g.order = order;
        g.managed = managed;
        for (unsigned v = base; v < base + size_of(order); ++v) g.members.push_back(v);
        groups_.push_back(g);
    }

    // The vector is no longer allocated: it leaves its group, and a group
    // with no member left is gone.
    void drop_member(unsigned cpu, unsigned v) {
        for (std::size_t i = 0; i < groups_.size(); ++i) {
            naive_group& g = groups_[i];
            if (g.cpu != cpu) continue;
            auto it = std::find(g.members.begin(), g.members.end(), v);
            if (it == g.members.end()) continue;
            g.members.erase(it);
            if (g.members.empty()) groups_.erase(groups_.begin() + static_cast<std::ptrdiff_t>(i));
            return;
        }
    }

    int set_pinned(unsigned cpu, unsigned base, bool pinned) {
        if (cpu >= nr_cpus() || base >= bits_) return err_invalid;
        std::size_t i = find_group(cpu, base);
        if (i == none_index) return err_not_found;
        groups_[i].pinned = pinned;
        return 0;
    }

    naive_matrix m_;
    unsigned bits_;
    unsigned start_;
    unsigned end_;
    std::vector<naive_group> groups_;
    std::vector<unsigned> reservations_;  // outstanding guaranteed reservations, by order
};

}  // namespace irqmatrix_model
