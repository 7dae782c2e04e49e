// SPDX-License-Identifier: MIT
// The CPU index: answers the placement rules' "which CPU" questions without
// scanning the CPU mask, so that a choice costs the same at 4 and at 4096
// CPUs while yielding exactly the kernel's winner.
//
// The kernel picks a CPU by walking every CPU of the mask. Here every online
// CPU sits in a few CPU bitsets, refiled whenever its key (counters, largest
// orders, online) changes:
//
//   by_available[v]      online CPUs whose available counter is v
//   by_managed[u]        online CPUs whose managed_allocated counter is u
//   free_order[k]        online CPUs with a free aligned block of order >= k
//   managed_order[k]     online CPUs with a reserved, unallocated aligned
//                        block of order >= k
//
// (v and u run to the capacity; a counter above it, which only kernel-quirk
// drift produces, goes to one overflow bucket searched linearly.) Each bitset
// has a summary word per 64 words. For every exact largest order (none,
// 0..5), and for all CPUs together, the index counts the CPUs of each value
// and keeps a bitmap of the values that have any (with a summary word), so a
// move costs two counters, and "the largest available value among CPUs with
// an order >= k block" is a find-last-set over the OR of a few rows. The
// winner among equals is then the lowest (or, for managed allocations, the
// highest) CPU of one bucket intersected with the order set and the mask: a
// word AND, typically the first word looked at.
//
// Masks: the mask of every CPU needs no search at all. Each row keeps its
// largest and smallest value, each value its lowest and highest CPU, and each
// side the answers that combine them (the lowest CPU of the largest
// available value, for any order and for each order; the highest CPU of the
// smallest managed_allocated value), all updated with a min or max when a
// CPU is filed and re-found with the summaries only when the extreme itself
// leaves. So a single vector, a block or a managed vector anywhere is one
// load (a managed block two or three); the chain of dependent loads, not the
// instruction count, is what an allocation waits for. Another contiguous range (a
// NUMA node) restricts the word range and needs no mask words; an arbitrary
// mask is ANDed in word by word; a small mask (walk_limit CPUs or fewer) is
// simply walked, in O(its size). A search over an arbitrary mask whose top
// buckets miss it gives up after a bounded number of words and walks the
// mask instead, so no mask is ever much slower than the kernel's own walk.
//
// The index does not watch the matrix: it is told a CPU's new key through
// update(). index_feed (index_feed.hpp) does so for basic_matrix, lazily,
// once per dirty CPU when the index is next asked.
//
// Memory at capacity 256: two bits per value per CPU (258 values for
// available, 258 for managed_allocated), 12 order bits and a 12-byte key per
// CPU: 78 bytes per CPU, beside the 96-byte per-CPU state. The kept extremes
// are per matrix (about 4 KB), not per CPU.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bitmap.hpp"
#include "config.hpp"
#include "cpuset.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// The order requirement "none" of the index queries (the single-vector rules).
inline constexpr int cpu_index_any_order = -1;

/// Masks of at most this many CPUs are walked rather than searched in the
/// index (cpu_index::walk_limit; the default placement walks them itself).
inline constexpr unsigned cpu_index_walk_limit = 8;

template <unsigned Capacity>
class cpu_index {
public:
    /// What the index knows of one CPU.
    struct key {
        std::uint32_t available = 0;
        std::uint32_t managed_allocated = 0;
        std::int8_t free_order = -1;          ///< largest free aligned order, -1: none
        std::int8_t managed_free_order = -1;  ///< same for reserved, unallocated vectors
        bool online = false;
        friend bool operator==(const key&, const key&) noexcept = default;
    };

    static constexpr int any_order = cpu_index_any_order;

    /// Masks of at most this many CPUs are walked, as the kernel walks them:
    /// at that size a walk costs no more than any index. An index of at most
    /// this many CPUs keeps only its keys (it is never searched).
    static constexpr unsigned walk_limit = cpu_index_walk_limit;

    explicit cpu_index(unsigned nr_cpus)
        : dormant_(nr_cpus <= walk_limit),
          nr_cpus_(nr_cpus),
          nwords_((nr_cpus + 63) / 64),
          stride_(nwords_ + (nwords_ + 63) / 64),
          keys_(nr_cpus),
          available_(stride_),
          managed_(stride_) {}

    const key& get(unsigned cpu) const noexcept { return keys_[cpu]; }

    /// Replaces what the index knows of a CPU: O(1), a few bit and counter
    /// updates for each side whose part of the key changed.
    void update(unsigned cpu, const key& k) noexcept {
        key& old = keys_[cpu];
        if (dormant_ || old == k) {  // dormant: every mask is walked, the keys are all it needs
            old = k;
            return;
        }
        if (old.online != k.online) {
            if (old.online) {
                file(available_, cpu, bucket(old.available), old.free_order, false);
                file(managed_, cpu, bucket(old.managed_allocated), old.managed_free_order, false);
            } else {
                file(available_, cpu, bucket(k.available), k.free_order, true);
                file(managed_, cpu, bucket(k.managed_allocated), k.managed_free_order, true);
            }
        } else if (k.online) {
            refile(available_, cpu, bucket(old.available), old.free_order, bucket(k.available),
                   k.free_order);
            refile(managed_, cpu, bucket(old.managed_allocated), old.managed_free_order,
                   bucket(k.managed_allocated), k.managed_free_order);
        }
        old = k;
    }

    /// The kernel's choice for a regular allocation: among the online CPUs of
    /// the mask with a free aligned block of order >= `order` (any_order: no
    /// requirement) and available >= min_available, the one with the most
    /// available vectors, ties to the lowest CPU. no_cpu if none.
    unsigned most_available(cpu_span mask, int order, std::uint32_t min_available) const noexcept {
        if (mask.count() <= walk_limit) return walk_most_available(mask, order, min_available);
        // The mask of every CPU, with no counter drifted above the capacity:
        // every CPU qualifies by the mask, so the answer is the kept winner
        // of the order (one load), once its value passes min_available.
        // Kept small to inline.
        if (whole(mask) && available_.count[all_row * values + overflow] == 0) [[likely]] {
            if (order == any_order) {
                const unsigned top = available_.top[all_row];  // value + 1, 0: none
                if (top == 0 || top - 1 < min_available) return no_cpu;
                return available_.most_winner;
            }
            const unsigned top = available_.order_top[static_cast<unsigned>(order)];
            if (top == 0 || top - 1 < min_available) return no_cpu;
            return available_.order_winner[static_cast<unsigned>(order)];
        }
        return search_most_available(mask, order, min_available);
    }

    /// The kernel's choice for a managed allocation: among the online CPUs of
    /// the mask with a reserved, unallocated aligned block of order >=
    /// `order` (any_order: no requirement), the one with the fewest
    /// managed-allocated vectors, ties to the highest CPU. no_cpu if none.
    unsigned fewest_managed(cpu_span mask, int order) const noexcept {
        if (mask.count() <= walk_limit) return walk_fewest_managed(mask, order);
        if (whole(mask)) {  // as in most_available, with the smallest value
            const unsigned u = bottom_of(managed_, order);
            if (u < overflow) [[likely]] {
                if (order == any_order) return managed_.fewest_winner;
                const unsigned c = managed_.highest[u] - 1;
                if (contains(order_set(managed_, order), c)) [[likely]]
                    return c;
            } else if (u == no_value) {
                return no_cpu;
            }
        }
        return search_fewest_managed(mask, order);
    }

    /// Bytes of index per CPU: a bit per value per side, the order bits and
    /// the key (the per-value counts are per matrix, not per CPU).
    static constexpr double bytes_per_cpu() noexcept {
        return (2.0 * values + 2.0 * orders) / 8.0 + static_cast<double>(sizeof(key));
    }

private:
    // most_available for any other mask, or with drifted counters.
    IRQMATRIX_NOINLINE unsigned search_most_available(cpu_span mask, int order,
                                                      std::uint32_t min_available) const noexcept {
        // Counters above the capacity (drift) beat every bucket.
        if (any_with(available_, order, overflow)) {
            const unsigned c = walk_most_available(mask, order, overflow);
            if (c != no_cpu) return c;
        }
        if (whole(mask)) {
            // The largest value's bucket meets the order set; the order
            // excluded the bucket's lowest CPU, so search it.
            const unsigned v = last_present_below(available_, order, overflow);
            if (v == no_value || v < min_available) return no_cpu;
            unsigned unlimited = 0;
            return lowest_in<true>(set_of(available_, v), order_set(available_, order), mask,
                                   unlimited);
        }
        unsigned budget = search_budget(mask);
        for (unsigned v = last_present_below(available_, order, overflow);
             v != no_value && v >= min_available; v = last_present_below(available_, order, v)) {
            const unsigned c =
                lowest_in(set_of(available_, v), order_set(available_, order), mask, budget);
            if (c == give_up) return walk_most_available(mask, order, min_available);
            if (c != no_cpu) return c;
        }
        return no_cpu;
    }

    // fewest_managed for any other mask.
    IRQMATRIX_NOINLINE unsigned search_fewest_managed(cpu_span mask, int order) const noexcept {
        if (whole(mask)) {
            const unsigned u = first_present_from(managed_, order, 0);
            unsigned unlimited = 0;
            if (u < overflow)
                return highest_in<true>(set_of(managed_, u), order_set(managed_, order), mask,
                                        unlimited);
            return u == overflow ? walk_fewest_managed(mask, order) : no_cpu;
        }
        unsigned budget = search_budget(mask);
        for (unsigned u = first_present_from(managed_, order, 0); u < overflow;
             u = first_present_from(managed_, order, u + 1)) {
            const unsigned c =
                highest_in(set_of(managed_, u), order_set(managed_, order), mask, budget);
            if (c == give_up) return walk_fewest_managed(mask, order);
            if (c != no_cpu) return c;
        }
        // Only CPUs whose counter drifted above the capacity are left.
        return any_with(managed_, order, overflow) ? walk_fewest_managed(mask, order) : no_cpu;
    }

public:
    /// Checks the bitsets, summaries and counts against the keys (the matrix
    /// checks the keys against its own state). Each online CPU must be in its
    /// own value set and order sets, and the sets must hold no other bit:
    /// their populations must add up. Empty string when consistent.
    std::string self_check() const {
        if (dormant_) return {};
        for (const side* s : {&available_, &managed_}) {
            const bool managed = s == &managed_;
            std::vector<std::uint32_t> count((classes + 1) * values, 0);  // by exact order, all
            std::uint32_t online = 0, in_order[orders] = {};
            for (unsigned c = 0; c < nr_cpus_; ++c) {
                const key& k = keys_[c];
                if (!k.online) continue;
                ++online;
                const unsigned v = bucket(managed ? k.managed_allocated : k.available);
                const int ord = managed ? k.managed_free_order : k.free_order;
                if (!contains(set_of(*s, v), c))
                    return "cpu index: cpu " + std::to_string(c) + " is missing from its value set";
                for (int o = 0; o <= ord; ++o) {
                    ++in_order[o];
                    if (!contains(order_set(*s, o), c))
                        return "cpu index: cpu " + std::to_string(c) +
                               " is missing from an order set";
                }
                ++count[class_of(ord) * values + v];
                ++count[all_row * values + v];
            }
            const auto population = [&](const std::vector<std::uint64_t>& sets, std::size_t first,
                                        std::size_t n) -> std::uint32_t {
                std::uint32_t p = 0;
                for (std::size_t set = first; set < first + n; ++set)
                    for (unsigned w = 0; w < nwords_; ++w) {
                        const std::uint64_t word = sets[set * stride_ + w];
                        const bool summary =
                            (sets[set * stride_ + nwords_ + w / 64] >> (w % 64)) & 1u;
                        if (summary != (word != 0)) return ~0u;
                        p += static_cast<std::uint32_t>(std::popcount(word));
                    }
                return p;
            };
            if (population(s->sets, 0, values) != online)
                return "cpu index: a value set holds a CPU it should not, or a summary is wrong";
            for (unsigned o = 0; o < orders; ++o)
                if (population(s->order_sets, o, 1) != in_order[o])
                    return "cpu index: an order set holds a CPU it should not, or a summary is wrong";
            for (unsigned cls = 0; cls <= all_row; ++cls)
                for (unsigned v = 0; v < values; ++v) {
                    const unsigned i = cls * values + v;
                    const bool present = (s->present[cls * value_words + v / 64] >> (v % 64)) & 1u;
                    if (s->count[i] != count[i] || present != (count[i] != 0))
                        return "cpu index: a per-value count is wrong";
                }
            for (unsigned row = 0; row <= all_row; ++row)
                for (unsigned i = 0; i < value_words; ++i)
                    if (((s->present_top[row] >> i) & 1u) !=
                        (s->present[row * value_words + i] != 0))
                        return "cpu index: a value summary word is wrong";
            for (unsigned row = 0; row <= all_row; ++row) {
                unsigned lo = no_value, hi = 0;
                for (unsigned v = 0; v < values; ++v)
                    if (count[row * values + v]) {
                        lo = std::min(lo, v);
                        hi = v + 1;
                    }
                if (s->top[row] != hi || s->bottom[row] != lo)
                    return "cpu index: a row's largest or smallest value is wrong";
            }
            {
                cpu_index copy = *this;
                side& settled = managed ? copy.managed_ : copy.available_;
                copy.settle_winners(settled);
                if (settled.most_winner != s->most_winner ||
                    settled.fewest_winner != s->fewest_winner ||
                    settled.order_top != s->order_top || settled.order_winner != s->order_winner)
                    return "cpu index: a whole-mask winner is stale";
            }
            // Each online CPU is in exactly its own value set (checked above).
            std::vector<unsigned> lo(values, no_cpu), hi(values, 0);
            for (unsigned c = 0; c < nr_cpus_; ++c) {
                const key& k = keys_[c];
                if (!k.online) continue;
                const unsigned v = bucket(managed ? k.managed_allocated : k.available);
                lo[v] = std::min(lo[v], c);
                hi[v] = c + 1;
            }
            for (unsigned v = 0; v < values; ++v)
                if (s->lowest[v] != lo[v] || s->highest[v] != hi[v])
                    return "cpu index: a value's lowest or highest CPU is wrong";
        }
        return {};
    }

    friend bool operator==(const cpu_index&, const cpu_index&) noexcept = default;

private:
    static constexpr unsigned overflow = Capacity + 1;  // the bucket of counters above capacity
    static constexpr unsigned values = Capacity + 2;
    static constexpr unsigned value_words = (values + 63) / 64;
    static_assert(value_words <= 64, "one summary word per row");
    static constexpr unsigned orders = max_order + 1;
    static constexpr unsigned classes = orders + 1;  // largest order -1 (none), 0..5
    static constexpr unsigned all_row = classes;     // every CPU, whatever its order
    static constexpr unsigned no_value = ~0u;
    static constexpr unsigned give_up = no_cpu - 1;

    static constexpr unsigned bucket(std::uint32_t counter) noexcept {
        return counter > Capacity ? overflow : counter;
    }
    static constexpr unsigned class_of(int order) noexcept {
        return static_cast<unsigned>(order + 1);
    }

    // One side of the index (CPUs by available, or by managed_allocated):
    // the CPU set of every value, the CPU set of every order, and for every
    // exact largest order (-1..5) the number of CPUs of each value and a
    // bitmap of the values that have any (queries OR the rows >= k). Each CPU set is nwords words followed by its summary words
    // (bit w set iff word w is not zero).
    //
    // The whole-mask queries read the answer's ingredients directly, so they
    // are kept too: per row the largest and smallest value present, and per
    // value the lowest and highest CPU of its set. Adding a CPU or a value
    // updates them with a min or max; removing the one that was the extreme
    // re-finds it with the summaries (two words).
    struct side {
        explicit side(std::size_t stride)
            : sets(values * stride, 0),
              order_sets(orders * stride, 0),
              count((classes + 1) * values, 0),
              present((classes + 1) * value_words, 0),
              present_top(classes + 1, 0) {
            top.fill(0);
            bottom.fill(no_value);
            lowest.fill(no_cpu);
            highest.fill(0);
            order_winner.fill(no_cpu);
        }
        std::vector<std::uint64_t> sets;
        std::vector<std::uint64_t> order_sets;
        std::vector<std::uint32_t> count;
        std::vector<std::uint64_t> present;
        std::vector<std::uint64_t> present_top;      // per row: bit i iff present word i is not 0
        std::array<std::uint32_t, classes + 1> top;  // per row: largest value + 1; 0: none
        std::array<std::uint32_t, classes + 1> bottom;  // per row: smallest value; no_value: none
        std::array<std::uint32_t, values> lowest;       // per value: lowest CPU; no_cpu: none
        std::array<std::uint32_t, values> highest;      // per value: highest CPU + 1; 0: none
        // The two whole-mask, any-order answers, from the above: the lowest
        // CPU of the largest value and the highest CPU of the smallest value
        // (no_cpu if no CPU is online), so that those queries are one load.
        unsigned most_winner = no_cpu;
        unsigned fewest_winner = no_cpu;
        // Per order k (the available side only): the largest value + 1 held
        // by a CPU with a free aligned block of order >= k, and the lowest
        // such CPU of that value: a block anywhere is one load too.
        std::array<unsigned, orders> order_top{};
        std::array<unsigned, orders> order_winner{};
        friend bool operator==(const side&, const side&) noexcept = default;
    };

    void settle_winners(side& s) const noexcept {
        const unsigned top = s.top[all_row], bottom = s.bottom[all_row];
        s.most_winner = top ? s.lowest[top - 1] : no_cpu;
        s.fewest_winner = bottom != no_value ? s.highest[bottom] - 1 : no_cpu;
        if (&s != &available_) return;  // block queries on the managed side search
        unsigned t = 0;
        for (unsigned k = orders; k-- > 0;) {
            t = std::max(t, s.top[k + 1]);  // row of largest order exactly k
            s.order_top[k] = t;
            unsigned c = no_cpu;
            if (t != 0) {
                c = s.lowest[t - 1];
                if (!contains(order_set(s, static_cast<int>(k)), c)) {
                    unsigned unlimited = 0;
                    c = lowest_in<true>(set_of(s, t - 1), order_set(s, static_cast<int>(k)),
                                        cpu_span(nullptr, 0), unlimited);
                }
            }
            s.order_winner[k] = c;
        }
    }

    // The smallest value (no_value: none) held by a CPU whose largest order
    // is >= order.
    static unsigned bottom_of(const side& s, int order) noexcept {
        if (order == any_order) return s.bottom[all_row];
        unsigned b = no_value;
        for (unsigned row = class_of(order); row < classes; ++row) b = std::min(b, s.bottom[row]);
        return b;
    }

    // A read-only CPU set; words == nullptr stands for "every CPU".
    struct set_view {
        const std::uint64_t* words;
        const std::uint64_t* summary;
    };

    set_view set_of(const side& s, unsigned v) const noexcept {
        const std::uint64_t* base = s.sets.data() + std::size_t{v} * stride_;
        return {base, base + nwords_};
    }
    set_view order_set(const side& s, int order) const noexcept {
        if (order < 0) return {nullptr, nullptr};
        const std::uint64_t* base = s.order_sets.data() + static_cast<std::size_t>(order) * stride_;
        return {base, base + nwords_};
    }

    // Adds (enter) or removes a CPU under value v and order ord.
    void file(side& s, unsigned cpu, unsigned v, int ord, bool enter) noexcept {
        flip_value(s, v, cpu, enter);
        flip_orders(s, cpu, any_order, ord, enter);
        count(s, v, ord, enter);
        settle_winners(s);
    }

    // Moves an online CPU from (v, ord) to (nv, nord), touching only what
    // changed: an allocation usually changes the value alone, which costs two
    // bit flips and two counters.
    void refile(side& s, unsigned cpu, unsigned v, int ord, unsigned nv, int nord) noexcept {
        if (v == nv && ord == nord) return;
        if (v != nv) {
            flip_value(s, v, cpu, false);
            flip_value(s, nv, cpu, true);
        }
        count(s, v, ord, false);
        count(s, nv, nord, true);
        if (ord < nord) flip_orders(s, cpu, ord, nord, true);
        if (nord < ord) flip_orders(s, cpu, nord, ord, false);
        settle_winners(s);  // only a side that moved: an allocation moves one
    }

    // The CPU enters or leaves the set of value v, which keeps its lowest and
    // highest CPU.
    void flip_value(side& s, unsigned v, unsigned cpu, bool on) noexcept {
        std::uint64_t* set = s.sets.data() + std::size_t{v} * stride_;
        flip(set, cpu, on);
        if (on) {
            s.lowest[v] = std::min(s.lowest[v], cpu);
            s.highest[v] = std::max(s.highest[v], cpu + 1);
        } else {
            if (cpu == s.lowest[v]) s.lowest[v] = first_in(set);
            if (cpu + 1 == s.highest[v]) s.highest[v] = last_in(set) + 1;  // no_cpu + 1 == 0
        }
    }
    // The lowest and highest CPU of a set (no_cpu if it is empty).
    unsigned first_in(const std::uint64_t* set) const noexcept {
        const std::uint64_t* summary = set + nwords_;
        for (unsigned sw = 0; sw * 64 < nwords_; ++sw)
            if (summary[sw]) {
                const unsigned w = sw * 64 + static_cast<unsigned>(std::countr_zero(summary[sw]));
                return w * 64 + static_cast<unsigned>(std::countr_zero(set[w]));
            }
        return no_cpu;
    }
    unsigned last_in(const std::uint64_t* set) const noexcept {
        const std::uint64_t* summary = set + nwords_;
        for (unsigned sw = (nwords_ + 63) / 64; sw-- > 0;)
            if (summary[sw]) {
                const unsigned w =
                    sw * 64 + 63 - static_cast<unsigned>(std::countl_zero(summary[sw]));
                return w * 64 + 63 - static_cast<unsigned>(std::countl_zero(set[w]));
            }
        return no_cpu;
    }

    // The CPU enters or leaves the order sets lo+1..hi.
    void flip_orders(side& s, unsigned cpu, int lo, int hi, bool on) noexcept {
        for (int o = lo + 1; o <= hi; ++o)
            flip(s.order_sets.data() + static_cast<std::size_t>(o) * stride_, cpu, on);
    }

    // One CPU more (or less) with value v and largest order exactly ord, in
    // that order's row and in the row of all CPUs.
    static void count(side& s, unsigned v, int ord, bool more) noexcept {
        count_row(s, class_of(ord), v, more);
        count_row(s, all_row, v, more);
    }
    static void count_row(side& s, unsigned row, unsigned v, bool more) noexcept {
        std::uint64_t& present = s.present[row * value_words + v / 64];
        std::uint32_t& n = s.count[row * values + v];
        const std::uint64_t top = std::uint64_t{1} << (v / 64);
        if (more) {
            if (n++ == 0) {
                present |= std::uint64_t{1} << (v % 64);
                s.present_top[row] |= top;
                s.top[row] = std::max(s.top[row], v + 1);
                s.bottom[row] = std::min(s.bottom[row], v);
            }
        } else {
            if (--n == 0) {
                present &= ~(std::uint64_t{1} << (v % 64));
                if (!present) s.present_top[row] &= ~top;
                if (v + 1 == s.top[row]) s.top[row] = last_in_row(s, row) + 1;  // no_value + 1 == 0
                if (v == s.bottom[row]) s.bottom[row] = first_in_row(s, row);
            }
        }
    }

    // The largest and smallest value present in one row, or no_value.
    static unsigned last_in_row(const side& s, unsigned row) noexcept {
        const std::uint64_t t = s.present_top[row];
        if (!t) return no_value;
        const unsigned i = 63 - static_cast<unsigned>(std::countl_zero(t));
        return i * 64 + 63 -
               static_cast<unsigned>(std::countl_zero(s.present[row * value_words + i]));
    }
    static unsigned first_in_row(const side& s, unsigned row) noexcept {
        const std::uint64_t t = s.present_top[row];
        if (!t) return no_value;
        const unsigned i = static_cast<unsigned>(std::countr_zero(t));
        return i * 64 + static_cast<unsigned>(std::countr_zero(s.present[row * value_words + i]));
    }

    // Which words of present_word() are not zero.
    static std::uint64_t present_top(const side& s, int order) noexcept {
        if (order == any_order) return s.present_top[all_row];
        std::uint64_t t = 0;
        for (unsigned row = class_of(order); row < classes; ++row) t |= s.present_top[row];
        return t;
    }

    // Word i of the values held by CPUs whose largest order is >= order.
    static std::uint64_t present_word(const side& s, int order, unsigned i) noexcept {
        if (order == any_order) return s.present[all_row * value_words + i];
        std::uint64_t w = 0;
        for (unsigned row = class_of(order); row < classes; ++row)
            w |= s.present[row * value_words + i];
        return w;
    }

    void flip(std::uint64_t* set, unsigned cpu, bool on) const noexcept {
        const unsigned w = cpu / 64;
        std::uint64_t* summary = set + nwords_;
        if (on) {
            set[w] |= std::uint64_t{1} << (cpu % 64);
            summary[w / 64] |= std::uint64_t{1} << (w % 64);
        } else {
            set[w] &= ~(std::uint64_t{1} << (cpu % 64));
            if (!set[w]) summary[w / 64] &= ~(std::uint64_t{1} << (w % 64));
        }
    }

    static bool contains(set_view set, unsigned cpu) noexcept {
        return (set.words[cpu / 64] >> (cpu % 64)) & 1u;
    }

    // The largest value below `limit` held by a CPU whose order is >= order.
    static unsigned last_present_below(const side& s, int order, unsigned limit) noexcept {
        if (limit == 0) return no_value;
        unsigned i = (limit - 1) / 64;
        const unsigned room = limit - i * 64;  // 1..64 bits of word i lie below the limit
        std::uint64_t w =
            present_word(s, order, i) & (room == 64 ? ~std::uint64_t{0} : run_mask(0, room));
        if (!w) {  // the summary names the next word below with any value
            const std::uint64_t below = present_top(s, order) & ((std::uint64_t{1} << i) - 1);
            if (!below) return no_value;
            i = 63 - static_cast<unsigned>(std::countl_zero(below));
            w = present_word(s, order, i);
        }
        return i * 64 + 63 - static_cast<unsigned>(std::countl_zero(w));
    }
    // The smallest value >= from held by a CPU whose order is >= order, or
    // `values`.
    static unsigned first_present_from(const side& s, int order, unsigned from) noexcept {
        if (from >= values) return values;
        unsigned i = from / 64;
        std::uint64_t w = present_word(s, order, i) & (~std::uint64_t{0} << (from % 64));
        if (!w) {  // the summary names the next word above with any value
            const std::uint64_t above = present_top(s, order) & (~std::uint64_t{1} << i);
            if (!above) return values;
            i = static_cast<unsigned>(std::countr_zero(above));
            w = present_word(s, order, i);
        }
        return i * 64 + static_cast<unsigned>(std::countr_zero(w));
    }
    // Whether some CPU whose order is >= order has value v.
    static bool any_with(const side& s, int order, unsigned v) noexcept {
        if (order == any_order) return s.count[all_row * values + v] != 0;
        for (unsigned row = class_of(order); row < classes; ++row)
            if (s.count[row * values + v]) return true;
        return false;
    }

    // How many words a bucket search may look at before walking the mask is
    // cheaper.
    static unsigned search_budget(cpu_span mask) noexcept { return 16 + mask.count() / 4; }

    // The mask's bits in word w; a contiguous mask needs no words of its own.
    static std::uint64_t mask_word(cpu_span mask, unsigned w) noexcept {
        if (!mask.contiguous()) return mask.word(w);
        const unsigned lo = w * 64;
        const unsigned from = mask.first() > lo ? mask.first() - lo : 0;
        const unsigned to = mask.last() < lo + 63 ? mask.last() - lo : 63;
        return from <= to ? run_mask(from, to - from + 1) : 0;
    }

    // Whether the mask is every CPU the index knows.
    bool whole(cpu_span mask) const noexcept {
        // nr_cpus CPUs, none of them beyond the last: all of them.
        return mask.count() == nr_cpus_ && mask.last() < nr_cpus_;
    }

    // The lowest CPU of set & order & mask; no_cpu if none; give_up once the
    // budget of words is spent. Whole: the mask is every CPU, so there is no
    // mask word, no range to keep to and no budget (it ends at the first
    // word where set and order meet).
    template <bool Whole = false>
    unsigned lowest_in(set_view set, set_view order, cpu_span mask,
                       unsigned& budget) const noexcept {
        const unsigned first_word = Whole ? 0 : mask.first() / 64;
        const unsigned last_word = Whole ? nwords_ - 1 : mask.last() / 64;
        for (unsigned sw = first_word / 64; sw <= last_word / 64; ++sw) {
            std::uint64_t cand = set.summary[sw];
            if (order.words) cand &= order.summary[sw];
            for (; cand; cand &= cand - 1) {
                const unsigned w = sw * 64 + static_cast<unsigned>(std::countr_zero(cand));
                std::uint64_t bits = set.words[w];
                if constexpr (!Whole) {
                    if (w < first_word) continue;
                    if (w > last_word) break;
                    if (budget-- == 0) return give_up;
                    bits &= mask_word(mask, w);
                }
                if (order.words) bits &= order.words[w];
                if (bits) return w * 64 + static_cast<unsigned>(std::countr_zero(bits));
            }
        }
        return no_cpu;
    }

    // The highest CPU of set & order & mask, as lowest_in.
    template <bool Whole = false>
    unsigned highest_in(set_view set, set_view order, cpu_span mask,
                        unsigned& budget) const noexcept {
        const unsigned first_word = Whole ? 0 : mask.first() / 64;
        const unsigned last_word = Whole ? nwords_ - 1 : mask.last() / 64;
        for (unsigned sw = last_word / 64 + 1; sw-- > first_word / 64;) {
            std::uint64_t cand = set.summary[sw];
            if (order.words) cand &= order.summary[sw];
            while (cand) {
                const unsigned top = 63 - static_cast<unsigned>(std::countl_zero(cand));
                cand &= ~(std::uint64_t{1} << top);
                const unsigned w = sw * 64 + top;
                std::uint64_t bits = set.words[w];
                if constexpr (!Whole) {
                    if (w > last_word) continue;
                    if (w < first_word) break;
                    if (budget-- == 0) return give_up;
                    bits &= mask_word(mask, w);
                }
                if (order.words) bits &= order.words[w];
                if (bits) return w * 64 + 63 - static_cast<unsigned>(std::countl_zero(bits));
            }
        }
        return no_cpu;
    }

    // The kernel's walk over the mask, on the keys: for small masks and as
    // the fallback (min_available = overflow restricts it to drifted CPUs).
    IRQMATRIX_NOINLINE unsigned walk_most_available(cpu_span mask, int order,
                                                    std::uint32_t min_available) const noexcept {
        unsigned best = no_cpu;
        std::uint32_t best_available = 0;
        mask.for_each([&](unsigned c) {
            const key& k = keys_[c];
            if (!k.online || k.free_order < order || k.available < min_available) return;
            if (best == no_cpu || k.available > best_available) {
                best = c;
                best_available = k.available;
            }
        });
        return best;
    }
    IRQMATRIX_NOINLINE unsigned walk_fewest_managed(cpu_span mask, int order) const noexcept {
        unsigned best = no_cpu;
        std::uint32_t best_count = 0;
        mask.for_each([&](unsigned c) {
            const key& k = keys_[c];
            if (!k.online || k.managed_free_order < order) return;
            if (best == no_cpu || k.managed_allocated <= best_count) {
                best = c;
                best_count = k.managed_allocated;
            }
        });
        return best;
    }

    // With no more CPUs than walk_limit every mask is walked, so the bitsets
    // are never asked and not kept.
    bool dormant_;
    unsigned nr_cpus_;
    unsigned nwords_;
    std::size_t stride_;
    std::vector<key> keys_;
    side available_;
    side managed_;
};

IRQMATRIX_END_NAMESPACE
