// SPDX-License-Identifier: MIT
// CPU sets: a non-owning view (what the matrix operations take, like the
// kernel's `const struct cpumask *`), an owning set, and the Linux cpulist
// syntax ("0-3,8,10-11", "none" for the empty set) shared by the trace format
// and the debugfs dump.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bitmap.hpp"
#include "result.hpp"
#include "text.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// Largest CPU count a matrix accepts (the kernel's CONFIG_NR_CPUS tops out at
/// 8192 on x86; simulators get headroom, malformed input gets a bound).
inline constexpr unsigned max_cpus = 65536;

/// Returned by searches that find no CPU.
inline constexpr unsigned no_cpu = ~0u;

/// A read-only view of a CPU mask held as 64-bit words (bit c of word c / 64
/// is CPU c). Holds no memory; the words must outlive the view. It carries a
/// summary (first and last CPU, count) so that the matrix can tell a single
/// CPU or a contiguous range from an arbitrary set in O(1): built from raw
/// words it is computed once, O(words); built from a cpu_set it is copied.
class cpu_span {
public:
    constexpr cpu_span() noexcept = default;
    constexpr cpu_span(const std::uint64_t* words, std::size_t word_count) noexcept
        : words_(words), word_count_(word_count) {
        summarise();
    }
    constexpr cpu_span(std::span<const std::uint64_t> words) noexcept
        : cpu_span(words.data(), words.size()) {}
    /// With a summary the caller vouches for (what cpu_set passes).
    constexpr cpu_span(const std::uint64_t* words, std::size_t word_count, unsigned first,
                       unsigned last, unsigned count) noexcept
        : words_(words), word_count_(word_count), first_(first), last_(last), count_(count) {}

    constexpr std::size_t word_count() const noexcept { return word_count_; }
    constexpr std::uint64_t word(std::size_t i) const noexcept {
        return i < word_count_ ? words_[i] : 0;
    }
    constexpr bool test(unsigned cpu) const noexcept { return (word(cpu / 64) >> (cpu % 64)) & 1u; }

    /// The lowest CPU >= from in the set, or no_cpu.
    constexpr unsigned next(unsigned from) const noexcept {
        if (from > last_ || count_ == 0) return no_cpu;
        std::size_t i = from / 64;
        std::uint64_t w = words_[i] & (~std::uint64_t{0} << (from % 64));
        for (;;) {
            if (w)
                return static_cast<unsigned>(i * 64) + static_cast<unsigned>(std::countr_zero(w));
            if (++i >= word_count_) return no_cpu;
            w = words_[i];
        }
    }
    constexpr unsigned first() const noexcept { return count_ ? first_ : no_cpu; }
    constexpr unsigned last() const noexcept { return count_ ? last_ : no_cpu; }
    constexpr unsigned count() const noexcept { return count_; }
    constexpr bool empty() const noexcept { return count_ == 0; }
    /// True if the set is exactly the CPUs first()..last() (and not empty).
    constexpr bool contiguous() const noexcept { return count_ && last_ - first_ + 1 == count_; }
    /// True if no CPU >= nr_cpus is in the set.
    constexpr bool fits(unsigned nr_cpus) const noexcept { return count_ == 0 || last_ < nr_cpus; }

    /// Calls f(cpu) for every CPU of the set, ascending.
    template <class F>
    constexpr void for_each(F&& f) const {
        if (count_ == 0) return;
        if (contiguous()) {  // a range (all CPUs, a node): no bits to decode
            for (unsigned c = first_; c <= last_; ++c) f(c);
            return;
        }
        for (std::size_t i = first_ / 64; i <= last_ / 64; ++i)
            for (std::uint64_t w = words_[i]; w; w &= w - 1)
                f(static_cast<unsigned>(i * 64) + static_cast<unsigned>(std::countr_zero(w)));
    }

private:
    constexpr void summarise() noexcept {
        for (std::size_t i = 0; i < word_count_; ++i) {
            const std::uint64_t w = words_[i];
            if (!w) continue;
            const unsigned lo = static_cast<unsigned>(i * 64);
            if (count_ == 0) first_ = lo + static_cast<unsigned>(std::countr_zero(w));
            last_ = lo + 63 - static_cast<unsigned>(std::countl_zero(w));
            count_ += static_cast<unsigned>(std::popcount(w));
        }
    }

    const std::uint64_t* words_ = nullptr;
    std::size_t word_count_ = 0;
    unsigned first_ = 0;
    unsigned last_ = 0;
    unsigned count_ = 0;
};

/// An owning CPU set for up to `size()` CPUs. Building one allocates; the
/// matrix operations take its cpu_span view and allocate nothing.
class cpu_set {
public:
    cpu_set() = default;
    explicit cpu_set(unsigned nr_cpus) : words_((nr_cpus + 63) / 64, 0), size_(nr_cpus) {}

    /// CPUs [first, last] of a set sized nr_cpus.
    static cpu_set range(unsigned nr_cpus, unsigned first, unsigned last) {
        cpu_set s(nr_cpus);
        // Word by word, bounded by the vector's size (no per-CPU loop).
        for (std::size_t i = 0; i < s.words_.size(); ++i) {
            const unsigned lo = static_cast<unsigned>(i * 64);
            const unsigned from = first > lo ? first : lo;
            unsigned to = last < lo + 63 ? last : lo + 63;
            if (to >= nr_cpus) to = nr_cpus - 1;
            if (from <= to) s.words_[i] |= run_mask(from - lo, to - from + 1);
        }
        s.resummarise();
        return s;
    }
    static cpu_set all(unsigned nr_cpus) {
        return nr_cpus ? range(nr_cpus, 0, nr_cpus - 1) : cpu_set(0);
    }
    static cpu_set single(unsigned nr_cpus, unsigned cpu) { return range(nr_cpus, cpu, cpu); }

    unsigned size() const noexcept { return size_; }
    /// Requires cpu < size() (asserted; at debug level 0 a CPU beyond the
    /// storage is ignored rather than written out of bounds).
    void set(unsigned cpu) noexcept {
        IRQMATRIX_ASSERT(cpu < size_, "cpu_set::set(): cpu out of range");
        if (cpu / 64 >= words_.size() || test(cpu)) return;
        words_[cpu / 64] |= std::uint64_t{1} << (cpu % 64);
        if (count_ == 0 || cpu < first_) first_ = cpu;
        if (count_ == 0 || cpu > last_) last_ = cpu;
        ++count_;
    }
    void reset(unsigned cpu) noexcept {
        IRQMATRIX_ASSERT(cpu < size_, "cpu_set::reset(): cpu out of range");
        if (cpu / 64 >= words_.size() || !test(cpu)) return;
        words_[cpu / 64] &= ~(std::uint64_t{1} << (cpu % 64));
        --count_;
        if (cpu == first_ || cpu == last_) resummarise();
    }
    bool test(unsigned cpu) const noexcept {
        return cpu / 64 < words_.size() && ((words_[cpu / 64] >> (cpu % 64)) & 1u);
    }
    unsigned count() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }

    cpu_span view() const noexcept {
        return cpu_span(words_.data(), words_.size(), first_, last_, count_);
    }
    operator cpu_span() const noexcept { return view(); }
    std::span<const std::uint64_t> words() const noexcept { return words_; }

    friend bool operator==(const cpu_set&, const cpu_set&) = default;

private:
    void resummarise() noexcept {
        const cpu_span raw(words_.data(), words_.size());
        first_ = raw.first();
        last_ = raw.last();
        count_ = raw.count();
    }

    std::vector<std::uint64_t> words_;
    unsigned size_ = 0;
    // The summary cpu_span carries: first and last CPU and how many.
    unsigned first_ = 0;
    unsigned last_ = 0;
    unsigned count_ = 0;
};

/// Appends the kernel's "%*pbl" range list of the ascending positions that
/// `next(from)` yields (a value >= end stops it): "33-35,48"; nothing for none.
template <class Next>
void append_range_list(std::string& out, unsigned end, Next next) {
    bool first = true;
    for (unsigned lo = next(0u); lo < end;) {
        unsigned hi = lo;
        unsigned n;
        while ((n = next(hi + 1)) < end && n == hi + 1) hi = n;
        if (!first) out += ',';
        first = false;
        out += std::to_string(lo);
        if (hi != lo) {
            out += '-';
            out += std::to_string(hi);
        }
        lo = n;
    }
}

/// The cpulist text of a set: "0-3,8", or "none" when it is empty.
inline std::string format_cpulist(cpu_span cpus) {
    std::string out;
    append_range_list(out, no_cpu, [cpus](unsigned from) { return cpus.next(from); });
    return out.empty() ? std::string("none") : out;
}

/// Parses one unsigned number, decimal or hexadecimal with a 0x prefix, that
/// must fill `text` completely and fit in 32 bits.
inline result<unsigned> parse_number(std::string_view text) noexcept {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    const auto value = detail::parse_unsigned(text, base);
    if (!value) return fail(errc::invalid);
    return *value;
}

/// Parses a cpulist ("0-3,8,10-11" or "none") into a set of nr_cpus CPUs.
/// errc::invalid if it does not parse, names a CPU >= nr_cpus or has a
/// reversed range.
inline result<cpu_set> parse_cpulist(std::string_view text, unsigned nr_cpus) {
    cpu_set set(nr_cpus);
    if (text == "none") return set;
    if (text.empty()) return fail(errc::invalid);
    const auto number = [](std::string_view w) -> std::optional<unsigned> {
        const auto v = parse_number(w);
        return v ? std::optional<unsigned>(*v) : std::nullopt;
    };
    const detail::range_walk walk =
        detail::for_each_range(text, number, [&](unsigned lo, unsigned hi) {
            if (hi >= nr_cpus) return false;
            for (unsigned c = lo; c <= hi; ++c) set.set(c);
            return true;
        });
    if (walk.stop != detail::range_stop::end) return fail(errc::invalid);
    return set;
}

IRQMATRIX_END_NAMESPACE
