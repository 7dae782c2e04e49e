// SPDX-License-Identifier: MIT
// The index feed: keeps a cpu_index (cpu_index.hpp) in step with a matrix,
// lazily. It is a cache of what the matrix's state implies, and nothing more.
//
// The matrix tells the feed, after each change of a CPU, what it changed
// (notify(), one call per CPU changed, with a cpu_change saying how much);
// the feed only notes it, a few instructions: the CPU on a dirty list the
// first time, and which words of its bitmaps may have moved. When the index
// is asked for (index(m), m being the matrix), the feed catches up with the
// dirty CPUs from m's state, once per dirty CPU however many operations
// touched it, so the upkeep is paid per CPU per query rather than per
// operation, and not at all by operations on masks small enough to be walked.
//
// How little a catch-up re-derives: each CPU keeps the largest free and
// managed-free order of each of its words, so only the words marked changed
// are re-derived, and only a CPU whose key (counters, largest orders) really
// moved is refiled in the index. A change of allocated bits alone (an
// allocation or a free) also keeps the XOR of the bits it flipped: a word
// whose flips cancel out (an alloc and its free between two queries) is as
// it was, and is not re-derived at all.
//
// What the matrix m must offer the feed (basic_matrix does): m.nr_cpus(),
// m.cpu_map(c) (available, managed_allocated, online, alloc_map,
// managed_map), m.free_word(c, w), m.free_map(c) and m.managed_free_map(c).
//
// Being a cache, the feed is not part of the matrix's value:
//  * its const queries bring it up to date (its members are mutable; the
//    matrix's own state is never touched), under the matrix's external
//    synchronisation like any other query;
//  * two feeds compare equal whatever they hold;
//  * a copy is cold: it has the geometry but caches nothing and every CPU is
//    dirty, so copying a matrix to try something out (the planner's trials)
//    does not copy the index, and the copy rebuilds it only if it is asked.
//    A move keeps the cache.
// A feed of at most walk_limit CPUs feeds nothing: every mask is walked, and
// a direct query of its index refreshes every key.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "bitmap.hpp"
#include "config.hpp"
#include "cpu_index.hpp"
#include "cpuset.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// What a mutation changed on one CPU, from the least to the most: its
/// counters or online state only; the allocated bits `bits` of word `word`
/// of its bitmaps and nothing else of them; any bits of that word; or any
/// part of the CPU. Built with the named constructors.
struct cpu_change {
    enum class scope : std::uint8_t { counters, alloc_bits, word, whole_cpu };
    scope what = scope::whole_cpu;
    unsigned word = 0;
    std::uint64_t bits = 0;

    static constexpr cpu_change counters() noexcept { return {scope::counters, 0, 0}; }
    static constexpr cpu_change alloc_bits(unsigned w, std::uint64_t flipped) noexcept {
        return {scope::alloc_bits, w, flipped};
    }
    static constexpr cpu_change any_bits(unsigned w) noexcept { return {scope::word, w, 0}; }
    static constexpr cpu_change whole_cpu() noexcept { return {scope::whole_cpu, 0, 0}; }
};

template <unsigned Capacity>
class index_feed {
    using bitmap_type = bitmap<Capacity>;
    static constexpr unsigned word_count = bitmap_type::word_count;

public:
    using index_type = cpu_index<Capacity>;

    /// A feed for nr_cpus CPUs, every one of them dirty (nothing cached yet).
    explicit index_feed(unsigned nr_cpus)
        : indexed_(nr_cpus > index_type::walk_limit),
          nr_cpus_(nr_cpus),
          summaries_(indexed_ ? nr_cpus : 0),
          dirty_list_(indexed_ ? nr_cpus : 0),
          flips_(indexed_ ? nr_cpus : 0, 0),
          index_(nr_cpus) {
        for (unsigned c = 0; c < nr_cpus; ++c) notify(c, cpu_change::whole_cpu());
    }

    /// A copy is cold (file comment); a move keeps the cache.
    index_feed(const index_feed& other) : index_feed(other.nr_cpus_) {}
    index_feed& operator=(const index_feed& other) {
        if (this != &other) *this = index_feed(other.nr_cpus_);
        return *this;
    }
    index_feed(index_feed&&) noexcept = default;
    index_feed& operator=(index_feed&&) noexcept = default;
    ~index_feed() = default;

    /// A cache: equal whatever it holds.
    friend constexpr bool operator==(const index_feed&, const index_feed&) noexcept { return true; }

    /// Notes that the matrix changed CPU c as `what` says. Called after
    /// every change of a CPU's counters, online state or bitmaps, with the
    /// narrowest cpu_change that covers it.
    IRQMATRIX_HOT_INLINE void notify(unsigned c, cpu_change what) noexcept {
        if (!indexed_) return;
        cpu_summary& s = summaries_[c];
        switch (what.what) {
        case cpu_change::scope::counters: break;
        case cpu_change::scope::alloc_bits:
            // When one word's flips cancel out, their XOR is zero: the word
            // is as it was when last summarised (see sync_cpu()).
            s.flipped_words |= static_cast<stale_mask>(1u << what.word);
            flips_[c] ^= what.bits;
            break;
        case cpu_change::scope::word:
            s.stale_words |= static_cast<stale_mask>(1u << what.word);
            break;
        case cpu_change::scope::whole_cpu: s.stale_words = all_words; break;
        }
        mark_dirty(s, c);
    }

    /// The index, brought up to date with m's state first.
    template <class M>
    IRQMATRIX_HOT_INLINE const index_type& index(const M& m) const noexcept {
        if (dirty_count_ == 1 && indexed_) [[likely]] {  // the common case, inline
            dirty_count_ = 0;
            sync_cpu(m, dirty_list_[0]);
        } else if (dirty_count_ != 0 || !indexed_) {
            sync_dirty(m);
        }
        return index_;
    }

    /// Whether the index's key of CPU c is known to be current without a
    /// catch-up (then index_key(c) may be read as it is).
    bool is_current(unsigned c) const noexcept { return indexed_ && !summaries_[c].dirty; }
    const typename index_type::key& index_key(unsigned c) const noexcept { return index_.get(c); }

    /// The feed's invariants against m's state: a clean CPU's key and every
    /// word summary not marked stale match the bitmaps, stale words belong
    /// to dirty CPUs, and the dirty list is exact; then the index's own
    /// self-check. Empty string when consistent. Changes nothing.
    template <class M>
    std::string self_check(const M& m) const {
        if (!indexed_) return {};
        if (m.nr_cpus() != nr_cpus_) return "cpu index feed: sized for another number of CPUs";
        // The dirty list holds exactly the CPUs marked dirty, each once.
        if (dirty_count_ > nr_cpus_) return "cpu index feed: the dirty list overflows";
        std::vector<bool> listed(nr_cpus_, false);
        for (unsigned i = 0; i < dirty_count_; ++i) {
            const unsigned c = dirty_list_[i];
            if (c >= nr_cpus_ || listed[c] || !summaries_[c].dirty)
                return "cpu index feed: the dirty list holds a CPU twice, or one not marked";
            listed[c] = true;
        }
        for (unsigned c = 0; c < nr_cpus_; ++c) {
            const cpu_summary& s = summaries_[c];
            const std::string cpu = "cpu index feed: cpu " + std::to_string(c);
            if (s.dirty && !listed[c]) return cpu + ": dirty but not listed";
            if ((s.stale_words || s.flipped_words || flips_[c]) && !s.dirty)
                return cpu + ": stale or flipped words but not marked dirty";
            if (!s.flipped_words && flips_[c]) return cpu + ": flipped bits but no flipped word";
            // A flipped word is summarised as it was before the flips; the
            // flips must take it back there for the summary to stand.
            for (unsigned w = 0; w < word_count; ++w) {
                if ((s.stale_words >> w) & 1u) continue;
                if ((s.flipped_words >> w) & 1u) {
                    if ((s.flipped_words & (s.flipped_words - 1)) == 0 && flips_[c] == 0 &&
                        s.word_orders[w] != word_orders_of(m, c, w))
                        return cpu + ": flips cancelled out but the word's orders moved";
                    continue;
                }
                if (s.word_orders[w] != word_orders_of(m, c, w))
                    return cpu + ": a word's order summary is stale but not marked";
            }
            if (!s.dirty && index_.get(c) != fresh_key(m, c))
                return cpu + ": the CPU index holds stale counters or orders";
        }
        return index_.self_check();
    }

    /// Memory per CPU in bytes: the index's share and the feed's own entries
    /// (a summary of the CPU's words, a dirty-list slot, a word of flips).
    static constexpr double bytes_per_cpu() noexcept {
        return index_type::bytes_per_cpu() +
               static_cast<double>(sizeof(cpu_summary) + sizeof(dirty_id) + sizeof(std::uint64_t));
    }

private:
    // Masks of words: a bit per bitmap word (at most 32 words).
    using stale_mask = std::conditional_t<(word_count <= 8), std::uint8_t, std::uint32_t>;
    static_assert(word_count <= 32);
    static constexpr stale_mask all_words =
        static_cast<stale_mask>((std::uint64_t{1} << word_count) - 1);

    struct cpu_summary {
        // Per word: (largest free order + 1) | (largest managed-free order + 1) << 4,
        // 0 meaning none; valid for the words not in stale_words.
        std::array<std::uint8_t, word_count> word_orders{};
        stale_mask stale_words = 0;
        // Words whose allocated bits alone changed, by the bits in flips_.
        stale_mask flipped_words = 0;
        bool dirty = false;  // on the dirty list: its key may be stale
    };

    // A dirty CPU's number on the dirty list (max_cpus fits in 16 bits).
    using dirty_id = std::uint16_t;
    static_assert(max_cpus - 1 <= 0xffff);

    // Puts the CPU on the dirty list, once: between two queries the list
    // holds the CPUs touched since, usually one (an alloc and its free).
    void mark_dirty(cpu_summary& s, unsigned c) noexcept {
        if (s.dirty) return;
        s.dirty = true;
        dirty_list_[dirty_count_++] = static_cast<dirty_id>(c);
    }

    template <class M>
    IRQMATRIX_NOINLINE void refresh_keys(const M& m) const noexcept {
        for (unsigned c = 0; c < nr_cpus_; ++c) index_.update(c, fresh_key(m, c));
    }
    template <class M>
    IRQMATRIX_NOINLINE void sync_dirty(const M& m) const noexcept {
        if (!indexed_) return refresh_keys(m);
        for (unsigned i = 0; i < dirty_count_; ++i) sync_cpu(m, dirty_list_[i]);
        dirty_count_ = 0;
    }

    template <class M>
    IRQMATRIX_HOT_INLINE void sync_cpu(const M& m, unsigned c) const noexcept {
        cpu_summary& s = summaries_[c];
        s.dirty = false;
        stale_mask stale = s.stale_words;
        if (const stale_mask flipped = s.flipped_words) {
            // Flips in one word that cancel out leave it as summarised; in
            // several words their XOR cannot tell, so recheck them all.
            // (x & (x - 1)) rather than has_single_bit: without a popcount
            // instruction in the target, g++ calls a library routine for it.
            if ((flipped & (flipped - 1)) != 0 || flips_[c] != 0) stale |= flipped;
            flips_[c] = 0;
            s.flipped_words = 0;
        }
        const bool orders_moved = stale != 0 && recheck_words(m, c, stale);
        s.stale_words = 0;
        // An alloc and a free usually leave the counters and the word's
        // orders as they were: then the key stands.
        const auto& cm = m.cpu_map(c);
        const auto& old = index_.get(c);
        if (!orders_moved && old.available == cm.available &&
            old.managed_allocated == cm.managed_allocated && old.online == cm.online)
            return;
        refile_cpu(m, c, orders_moved);
    }
    // Re-derives the summary bytes of the stale words; whether any moved.
    template <class M>
    IRQMATRIX_NOINLINE bool recheck_words(const M& m, unsigned c, stale_mask stale) const noexcept {
        cpu_summary& s = summaries_[c];
        bool moved = false;
        for (unsigned w_mask = stale; w_mask; w_mask &= w_mask - 1) {
            const unsigned w = static_cast<unsigned>(std::countr_zero(w_mask));
            const std::uint8_t was = s.word_orders[w];
            const std::uint8_t now = word_orders_of(m, c, w, was);
            if (now != was) {
                s.word_orders[w] = now;
                moved = true;
            }
        }
        return moved;
    }
    template <class M>
    IRQMATRIX_NOINLINE void refile_cpu(const M& m, unsigned c, bool orders_moved) const noexcept {
        const cpu_summary& s = summaries_[c];
        const auto& cm = m.cpu_map(c);
        typename index_type::key k = index_.get(c);
        k.available = cm.available;
        k.managed_allocated = cm.managed_allocated;
        k.online = cm.online;
        if (orders_moved) {
            int free_order = -1, managed_order = -1;
            for (const std::uint8_t o : s.word_orders) {
                free_order = std::max(free_order, (o & 15) - 1);
                managed_order = std::max(managed_order, (o >> 4) - 1);
            }
            k.free_order = static_cast<std::int8_t>(free_order);
            k.managed_free_order = static_cast<std::int8_t>(managed_order);
        }
        index_.update(c, k);
    }

    // The summary byte of word w of CPU c, from its bitmaps.
    template <class M>
    IRQMATRIX_NOINLINE static std::uint8_t word_orders_of(const M& m, unsigned c,
                                                          unsigned w) noexcept {
        const auto& cm = m.cpu_map(c);
        const int free = largest_aligned_order(m.free_word(c, w)) + 1;
        const std::uint64_t managed_free = cm.managed_map.word(w) & ~cm.alloc_map.word(w);
        const int managed = managed_free ? largest_aligned_order(managed_free) + 1 : 0;
        return static_cast<std::uint8_t>(free | managed << 4);
    }

    // The same, given the byte it had: an alloc and a free in one word
    // usually leave its largest orders as they were, which two flat block
    // tests per map confirm without the full doubling.
    template <class M>
    static std::uint8_t word_orders_of(const M& m, unsigned c, unsigned w,
                                       std::uint8_t was) noexcept {
        const auto& cm = m.cpu_map(c);
        const std::uint64_t managed_free = cm.managed_map.word(w) & ~cm.alloc_map.word(w);
        if (largest_order_is(m.free_word(c, w), (was & 15) - 1) &&
            largest_order_is(managed_free, (was >> 4) - 1))
            return was;
        return word_orders_of(m, c, w);
    }
    static bool largest_order_is(std::uint64_t word, int order) noexcept {
        if (order < 0) return word == 0;
        const unsigned k = static_cast<unsigned>(order);
        return lowest_aligned_block(word, k) < 64 &&
               (k == max_order || lowest_aligned_block(word, k + 1) == 64);
    }

    // What the index must hold for CPU c, computed from m's state.
    template <class M>
    static typename index_type::key fresh_key(const M& m, unsigned c) noexcept {
        const auto& cm = m.cpu_map(c);
        return {cm.available, cm.managed_allocated,
                static_cast<std::int8_t>(m.free_map(c).largest_aligned_order()),
                static_cast<std::int8_t>(m.managed_free_map(c).largest_aligned_order()), cm.online};
    }

    bool indexed_;
    unsigned nr_cpus_;
    // The cache proper, brought up to date by the const queries.
    mutable std::vector<cpu_summary> summaries_;
    // The dirty CPUs, each once, in the order they were first touched.
    mutable std::vector<dirty_id> dirty_list_;
    mutable std::vector<std::uint64_t> flips_;  // per CPU: the XOR of its flipped allocated bits
    mutable unsigned dirty_count_ = 0;
    mutable index_type index_;
};

IRQMATRIX_END_NAMESPACE
