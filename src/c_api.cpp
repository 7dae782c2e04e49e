// SPDX-License-Identifier: MIT
// The C interface (include/irqmatrix/irqmatrix.h) over the C++ engine.
//
// A C caller cannot instantiate templates, so the handle holds an
// any_planner (any_planner.hpp, the replay tool's capacity dispatch too):
// basic_planner<256> or basic_planner<2048>, chosen at irqm_create(). Every entry
// point visits the variant with a generic lambda, so each operation is
// written once.
//
// The handle wraps the planner rather than the bare matrix so that the
// planning operations (guaranteed reservations, moves, placement-aware
// offline) see every allocation's group. With no guaranteed reservation
// outstanding the planner's kernel operations are the matrix's, unchanged;
// what the shim reads of the matrix itself (maps, drift, the debugfs table)
// it reads through matrix().
//
// CPU masks arrive as the kernel holds them (unsigned long words plus a bit
// count) and are copied, validated, into 64-bit words the handle allocated at
// creation: no allocation per call, and the same results whatever the width
// of unsigned long (LP64, ILP32, LLP64).
//
// Nothing throws across the boundary: every entry point is noexcept and
// catches everything. irqm_create(), irqm_verify(), irqm_debug_show() and the
// planning operations (which search on copies) can throw std::bad_alloc,
// reported as -ENOMEM; the kernel operations are noexcept in C++.
#include "irqmatrix/irqmatrix.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "irqmatrix/any_planner.hpp"
#include "irqmatrix/dump.hpp"
#include "irqmatrix/matrix.hpp"
#include "irqmatrix/planner.hpp"
#include "irqmatrix/version.hpp"

namespace {

// The header's limits are the library's.
static_assert(IRQM_MAX_BITS == irqmatrix::any_planner_max_bits);
static_assert(IRQM_MAX_CPUS == irqmatrix::max_cpus);
static_assert(IRQM_MAX_ORDER == irqmatrix::max_order);
// The C enum is the library's errc, negated.
static_assert(IRQM_ENOENT == irqmatrix::to_errno(irqmatrix::errc::not_found));
static_assert(IRQM_EBUSY == irqmatrix::to_errno(irqmatrix::errc::busy));
static_assert(IRQM_EINVAL == irqmatrix::to_errno(irqmatrix::errc::invalid));
static_assert(IRQM_ENOSPC == irqmatrix::to_errno(irqmatrix::errc::no_space));
// Masks are converted word by word; a long must tile a 64-bit word.
constexpr unsigned long_bits = std::numeric_limits<unsigned long>::digits;
static_assert(long_bits == 32 || long_bits == 64);
// A bitmap's popcount (at most 2048) and a debugfs text fit in an int.
static_assert(IRQM_MAX_BITS <= static_cast<unsigned>(std::numeric_limits<int>::max()));

}  // namespace

struct irqm_matrix {
    irqmatrix::any_planner engine;
    // The caller's mask, converted: one bit per possible CPU. Scratch, not
    // state: mutable so that a const query taking a mask (irqm_largest_order)
    // can use it too; calls on one handle are serialised anyway.
    mutable std::vector<std::uint64_t> mask_words;

    irqm_matrix(irqmatrix::any_planner&& m, unsigned nr_cpus)
        : engine(std::move(m)), mask_words((nr_cpus + 63) / 64, 0) {}
};

namespace {

using irqmatrix::to_errno;

// Words of unsigned long that hold nbits bits (without overflow near UINT_MAX).
constexpr unsigned longs_for(unsigned nbits) noexcept {
    return nbits / long_bits + (nbits % long_bits != 0 ? 1u : 0u);
}

template <class F>
decltype(auto) visit(irqm_matrix& m, F&& f) {
    return std::visit(std::forward<F>(f), m.engine);
}
template <class F>
decltype(auto) visit(const irqm_matrix& m, F&& f) {
    return std::visit(std::forward<F>(f), m.engine);
}

// Status of a result<void>, as the C interface returns it.
int status_of(const irqmatrix::status& s) noexcept { return s ? 0 : to_errno(s.error()); }

// A count, or the errno of its failure.
int count_or_errno(const irqmatrix::result<unsigned>& r) noexcept {
    return r ? static_cast<int>(*r) : to_errno(r.error());
}

// A placement result: the base, the CPU through the out-parameter.
int placement_of(const irqmatrix::result<irqmatrix::placement>& r, unsigned* mapped_cpu) noexcept {
    if (!r) return to_errno(r.error());
    *mapped_cpu = r->cpu;
    return static_cast<int>(r->base);
}

// Copies the caller's mask into m.mask_words. Bits at or above nr_mask_bits
// are ignored; a set bit naming a CPU the matrix does not have is EINVAL (the
// library's own answer for such a mask, given before it is asked).
int load_mask(const irqm_matrix& m, const unsigned long* mask, unsigned nr_mask_bits,
              irqmatrix::cpu_span& out) {
    if (mask == nullptr && nr_mask_bits != 0) return IRQM_EINVAL;
    std::vector<std::uint64_t>& words = m.mask_words;  // (nr_cpus + 63) / 64 of them
    const unsigned nr_cpus = visit(m, [](const auto& mx) noexcept { return mx.nr_cpus(); });
    std::fill(words.begin(), words.end(), std::uint64_t{0});
    const unsigned nr_longs = longs_for(nr_mask_bits);
    for (unsigned i = 0; i < nr_longs; ++i) {
        unsigned long w = mask[i];
        const unsigned first = i * long_bits;
        if (nr_mask_bits - first < long_bits)
            w &= (1ul << (nr_mask_bits - first)) - 1;  // the meaningful bits only
        if (w == 0) continue;
        if (first >= nr_cpus) return IRQM_EINVAL;
        const unsigned spare = nr_cpus - first;  // CPUs this word may name
        if (spare < long_bits && (w >> spare) != 0) return IRQM_EINVAL;
        words[first / 64] |= std::uint64_t{w} << (first % 64);
    }
    out = irqmatrix::cpu_span(words.data(), words.size());
    return 0;
}

// Copies a library bitmap into the caller's unsigned long words.
template <class Bitmap>
int copy_map(const Bitmap& map, unsigned bits, unsigned long* dst, unsigned nbits) noexcept {
    const unsigned nr_longs = longs_for(nbits);
    unsigned weight = 0;
    for (unsigned i = 0; i < nr_longs; ++i) {
        const unsigned first = i * long_bits;
        unsigned long w = 0;
        if (first < bits) {
            std::uint64_t word = map.word(first / 64) >> (first % 64);
            const unsigned valid = bits - first;
            if (valid < 64) word &= (std::uint64_t{1} << valid) - 1;
            w = static_cast<unsigned long>(word);  // the low long_bits bits
        }
        weight += static_cast<unsigned>(std::popcount(w));
        dst[i] = w;
    }
    return static_cast<int>(weight);
}

// Copies text into a caller buffer the snprintf way.
void copy_text(const std::string& text, char* buf, std::size_t size) noexcept {
    if (size == 0) return;
    const std::size_t n = text.size() < size - 1 ? text.size() : size - 1;
    std::memcpy(buf, text.data(), n);
    buf[n] = '\0';
}

// The body of every entry point: catches what a C caller must never see.
// Only the allocating ones can throw (std::bad_alloc); anything else would be
// a library bug, reported as EINVAL rather than unwinding into C.
template <class F>
int guarded(F&& f) noexcept {
    try {
        return f();
    } catch (const std::bad_alloc&) {
        return IRQM_ENOMEM;
    } catch (...) {
        return IRQM_EINVAL;
    }
}

// The mask operations: loads the mask, then runs op(matrix, span). M is
// irqm_matrix or const irqm_matrix.
template <class M, class Op>
int with_mask(M* m, const unsigned long* mask, unsigned nr_mask_bits, Op op) noexcept {
    return guarded([&] {
        if (m == nullptr) return int{IRQM_EINVAL};
        irqmatrix::cpu_span span;
        if (const int rc = load_mask(*m, mask, nr_mask_bits, span); rc != 0) return rc;
        return visit(*m, [&](auto& mx) { return op(mx, span); });
    });
}

// A mask operation that places vectors: op(matrix, span) gives a
// result<placement>; the base is returned, the CPU through *mapped_cpu.
template <class Op>
int place_in_mask(irqm_matrix* m, const unsigned long* mask, unsigned nr_mask_bits,
                  unsigned* mapped_cpu, Op op) noexcept {
    if (mapped_cpu == nullptr) return IRQM_EINVAL;
    return with_mask(m, mask, nr_mask_bits, [&](auto& mx, irqmatrix::cpu_span s) {
        return placement_of(op(mx, s), mapped_cpu);
    });
}

template <class Op>
int with_matrix(irqm_matrix* m, Op op) noexcept {
    return guarded([&] {
        if (m == nullptr) return int{IRQM_EINVAL};
        return visit(*m, op);
    });
}

template <class Op>
int with_matrix(const irqm_matrix* m, Op op) noexcept {
    return guarded([&] {
        if (m == nullptr) return int{IRQM_EINVAL};
        return visit(*m, op);
    });
}

// A query answered into the caller's *out: query(mx) gives a result<T>
// (a failure becomes its errno, *out untouched) and convert(T) the C value.
template <class Out, class Query, class Convert = std::identity>
int answer_into(const irqm_matrix* m, Out* out, Query query, Convert convert = {}) noexcept {
    if (out == nullptr) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        const auto r = query(mx);
        if (!r) return to_errno(r.error());
        *out = convert(*r);
        return 0;
    });
}

template <class Which>
int cpu_map_of(const irqm_matrix* m, unsigned cpu, unsigned long* map, unsigned nbits,
               Which which) noexcept {
    if (map == nullptr) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        if (cpu >= mx.nr_cpus() || nbits < mx.bits()) return int{IRQM_EINVAL};
        return copy_map(which(mx), mx.bits(), map, nbits);
    });
}

// The move rule of irqm_*_flags(); nullopt for an unknown flag.
std::optional<irqmatrix::move_rule> rule_of(unsigned flags) noexcept {
    if (flags == 0) return irqmatrix::move_rule::plain;
    if (flags == IRQM_MOVE_TWO_STEP) return irqmatrix::move_rule::two_step;
    return std::nullopt;
}

}  // namespace

extern "C" {

struct irqm_matrix* irqm_create(unsigned int bits, unsigned int alloc_start, unsigned int alloc_end,
                                unsigned int nr_cpus) noexcept {
    try {
        auto r = irqmatrix::create_any_planner(bits, alloc_start, alloc_end, nr_cpus);
        if (!r) return nullptr;
        return new irqm_matrix(std::move(*r), nr_cpus);
    } catch (...) {
        return nullptr;
    }
}

void irqm_destroy(struct irqm_matrix* m) noexcept { delete m; }

int irqm_online(struct irqm_matrix* m, unsigned int cpu) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.online(cpu)); });
}

int irqm_offline(struct irqm_matrix* m, unsigned int cpu) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.offline(cpu)); });
}

int irqm_assign_system(struct irqm_matrix* m, unsigned int cpu, unsigned int bit,
                       bool replace) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.assign_system(cpu, bit, replace)); });
}

int irqm_reserve_managed(struct irqm_matrix* m, const unsigned long* mask,
                         unsigned int nr_mask_bits) noexcept {
    return with_mask(m, mask, nr_mask_bits, [](auto& mx, irqmatrix::cpu_span s) {
        return status_of(mx.reserve_managed(s));
    });
}

int irqm_remove_managed(struct irqm_matrix* m, const unsigned long* mask,
                        unsigned int nr_mask_bits) noexcept {
    return with_mask(m, mask, nr_mask_bits, [](auto& mx, irqmatrix::cpu_span s) {
        return status_of(mx.remove_managed(s));
    });
}

int irqm_alloc_managed(struct irqm_matrix* m, const unsigned long* mask, unsigned int nr_mask_bits,
                       unsigned int* mapped_cpu) noexcept {
    return place_in_mask(m, mask, nr_mask_bits, mapped_cpu,
                         [&](auto& mx, irqmatrix::cpu_span s) { return mx.alloc_managed(s); });
}

int irqm_assign(struct irqm_matrix* m, unsigned int cpu, unsigned int bit) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.assign(cpu, bit)); });
}

int irqm_reserve(struct irqm_matrix* m) noexcept {
    return with_matrix(m, [](auto& mx) {
        mx.reserve();
        return 0;
    });
}

int irqm_remove_reserved(struct irqm_matrix* m) noexcept {
    return with_matrix(m, [](auto& mx) { return status_of(mx.remove_reserved()); });
}

int irqm_alloc(struct irqm_matrix* m, const unsigned long* mask, unsigned int nr_mask_bits,
               bool reserved, unsigned int* mapped_cpu) noexcept {
    return place_in_mask(m, mask, nr_mask_bits, mapped_cpu,
                         [&](auto& mx, irqmatrix::cpu_span s) { return mx.alloc(s, reserved); });
}

int irqm_free(struct irqm_matrix* m, unsigned int cpu, unsigned int bit, bool managed) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.free(cpu, bit, managed)); });
}

int irqm_available(const struct irqm_matrix* m, unsigned int cpu, bool cpudown,
                   unsigned int* available) noexcept {
    return answer_into(m, available, [&](const auto& mx) { return mx.available(cpu, cpudown); });
}

unsigned int irqm_reserved(const struct irqm_matrix* m) noexcept {
    if (m == nullptr) return 0;
    try {
        return visit(*m, [](const auto& mx) noexcept { return mx.reserved(); });
    } catch (...) {
        return 0;
    }
}

int irqm_allocated(const struct irqm_matrix* m, unsigned int cpu,
                   unsigned int* allocated) noexcept {
    return answer_into(m, allocated, [&](const auto& mx) { return mx.allocated(cpu); });
}

int irqm_alloc_block(struct irqm_matrix* m, const unsigned long* mask, unsigned int nr_mask_bits,
                     unsigned int order, bool reserved, unsigned int* mapped_cpu) noexcept {
    return place_in_mask(m, mask, nr_mask_bits, mapped_cpu, [&](auto& mx, irqmatrix::cpu_span s) {
        return mx.alloc_block(s, order, reserved);
    });
}

int irqm_free_block(struct irqm_matrix* m, unsigned int cpu, unsigned int base, unsigned int order,
                    bool managed) noexcept {
    return with_matrix(
        m, [&](auto& mx) { return status_of(mx.free_block(cpu, base, order, managed)); });
}

int irqm_reserve_managed_block(struct irqm_matrix* m, const unsigned long* mask,
                               unsigned int nr_mask_bits, unsigned int order) noexcept {
    return with_mask(m, mask, nr_mask_bits, [&](auto& mx, irqmatrix::cpu_span s) {
        return status_of(mx.reserve_managed_block(s, order));
    });
}

int irqm_remove_managed_block(struct irqm_matrix* m, const unsigned long* mask,
                              unsigned int nr_mask_bits, unsigned int order) noexcept {
    return with_mask(m, mask, nr_mask_bits, [&](auto& mx, irqmatrix::cpu_span s) {
        return status_of(mx.remove_managed_block(s, order));
    });
}

int irqm_alloc_managed_block(struct irqm_matrix* m, const unsigned long* mask,
                             unsigned int nr_mask_bits, unsigned int order,
                             unsigned int* mapped_cpu) noexcept {
    return place_in_mask(m, mask, nr_mask_bits, mapped_cpu, [&](auto& mx, irqmatrix::cpu_span s) {
        return mx.alloc_managed_block(s, order);
    });
}

// ---- planning operations ---------------------------------------------------

int irqm_largest_order(const struct irqm_matrix* m, const unsigned long* mask,
                       unsigned int nr_mask_bits) noexcept {
    return with_mask(m, mask, nr_mask_bits, [](const auto& mx, irqmatrix::cpu_span s) {
        return count_or_errno(mx.largest_order(s));
    });
}

int irqm_reserve_block(struct irqm_matrix* m, unsigned int order) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.reserve_block(order)); });
}

int irqm_remove_reserved_block(struct irqm_matrix* m, unsigned int order) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.remove_reserved_block(order)); });
}

int irqm_alloc_reserved_block(struct irqm_matrix* m, const unsigned long* mask,
                              unsigned int nr_mask_bits, unsigned int order,
                              unsigned int* mapped_cpu) noexcept {
    return place_in_mask(m, mask, nr_mask_bits, mapped_cpu, [&](auto& mx, irqmatrix::cpu_span s) {
        return mx.alloc_reserved_block(s, order);
    });
}

int irqm_can_offline(const struct irqm_matrix* m, unsigned int cpu) noexcept {
    return with_matrix(m, [&](const auto& mx) { return count_or_errno(mx.can_offline(cpu)); });
}

int irqm_evacuate(struct irqm_matrix* m, unsigned int cpu) noexcept {
    return with_matrix(m, [&](auto& mx) { return count_or_errno(mx.evacuate(cpu)); });
}

int irqm_move_block(struct irqm_matrix* m, unsigned int cpu, unsigned int base,
                    const unsigned long* mask, unsigned int nr_mask_bits,
                    unsigned int* new_cpu) noexcept {
    return place_in_mask(m, mask, nr_mask_bits, new_cpu, [&](auto& mx, irqmatrix::cpu_span s) {
        return mx.move_block(cpu, base, s);
    });
}

int irqm_move_block_flags(struct irqm_matrix* m, unsigned int cpu, unsigned int base,
                          const unsigned long* mask, unsigned int nr_mask_bits, unsigned int flags,
                          unsigned int* new_cpu) noexcept {
    const auto rule = rule_of(flags);
    if (!rule) return IRQM_EINVAL;
    return place_in_mask(m, mask, nr_mask_bits, new_cpu, [&](auto& mx, irqmatrix::cpu_span s) {
        return mx.move_block(cpu, base, s, *rule);
    });
}

int irqm_evacuate_flags(struct irqm_matrix* m, unsigned int cpu, unsigned int flags) noexcept {
    const auto rule = rule_of(flags);
    if (!rule) return IRQM_EINVAL;
    return with_matrix(m,
                       [&](auto& mx) { return count_or_errno(mx.evacuate(cpu, nullptr, *rule)); });
}

int irqm_pin(struct irqm_matrix* m, unsigned int cpu, unsigned int base) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.pin(cpu, base)); });
}

int irqm_unpin(struct irqm_matrix* m, unsigned int cpu, unsigned int base) noexcept {
    return with_matrix(m, [&](auto& mx) { return status_of(mx.unpin(cpu, base)); });
}

// ---- queries -----------------------------------------------------------------

int irqm_get_geometry(const struct irqm_matrix* m, struct irqm_geometry* geo) noexcept {
    if (geo == nullptr) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        *geo =
            irqm_geometry{mx.bits(), mx.alloc_start(), mx.alloc_end(), mx.nr_cpus(), mx.capacity};
        return 0;
    });
}

int irqm_get_stats(const struct irqm_matrix* m, struct irqm_stats* stats) noexcept {
    if (stats == nullptr) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        const irqmatrix::matrix_stats s = mx.stats();
        *stats = irqm_stats{s.online_maps, s.global_available, s.global_reserved, s.total_allocated,
                            s.systembits_inalloc};
        return 0;
    });
}

int irqm_get_cpu_stats(const struct irqm_matrix* m, unsigned int cpu,
                       struct irqm_cpu_stats* stats) noexcept {
    return answer_into(
        m, stats, [&](const auto& mx) { return mx.cpu(cpu); },
        [](const irqmatrix::cpu_stats& c) {
            return irqm_cpu_stats{c.online, c.available, c.allocated, c.managed,
                                  c.managed_allocated};
        });
}

int irqm_get_cpu_drift(const struct irqm_matrix* m, unsigned int cpu,
                       struct irqm_drift* drift) noexcept {
    if (drift == nullptr) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        if (cpu >= mx.nr_cpus()) return int{IRQM_EINVAL};
        const irqmatrix::drift_report d = mx.matrix().drift(cpu);
        *drift = irqm_drift{d.available, d.managed_allocated};
        return 0;
    });
}

int irqm_get_global_drift(const struct irqm_matrix* m, struct irqm_drift* drift) noexcept {
    if (drift == nullptr) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        const irqmatrix::global_drift_report d = mx.matrix().global_drift();
        *drift = irqm_drift{d.global_available, d.total_allocated};
        return 0;
    });
}

int irqm_largest_free_order(const struct irqm_matrix* m, unsigned int cpu) noexcept {
    return with_matrix(m, [&](const auto& mx) {
        if (cpu >= mx.nr_cpus()) return int{IRQM_EINVAL};
        const int order = mx.matrix().largest_free_order(cpu);
        return order < 0 ? int{IRQM_ENOSPC} : order;
    });
}

int irqm_cpu_alloc_map(const struct irqm_matrix* m, unsigned int cpu, unsigned long* map,
                       unsigned int nbits) noexcept {
    return cpu_map_of(
        m, cpu, map,
        nbits, [cpu](const auto& mx) -> const auto& { return mx.matrix().cpu_map(cpu).alloc_map; });
}

int irqm_cpu_managed_map(const struct irqm_matrix* m, unsigned int cpu, unsigned long* map,
                         unsigned int nbits) noexcept {
    return cpu_map_of(
        m, cpu, map, nbits, [cpu](const auto& mx) -> const auto& {
            return mx.matrix().cpu_map(cpu).managed_map;
        });
}

int irqm_cpu_free_map(const struct irqm_matrix* m, unsigned int cpu, unsigned long* map,
                      unsigned int nbits) noexcept {
    return cpu_map_of(m, cpu, map, nbits,
                      [cpu](const auto& mx) { return mx.matrix().free_map(cpu); });
}

int irqm_system_map(const struct irqm_matrix* m, unsigned long* map, unsigned int nbits) noexcept {
    if (map == nullptr) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        if (nbits < mx.bits()) return int{IRQM_EINVAL};
        return copy_map(mx.matrix().system_map(), mx.bits(), map, nbits);
    });
}

int irqm_verify(const struct irqm_matrix* m, char* msg, std::size_t size) noexcept {
    if (msg == nullptr && size != 0) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        // The planner's verify(): the matrix's rules plus its own (group
        // planes, guaranteed reservations still placeable).
        const std::string violation = mx.verify();
        copy_text(violation, msg, size);
        return violation.empty() ? 0 : int{IRQM_EUCLEAN};
    });
}

int irqm_debug_show(const struct irqm_matrix* m, int ind, char* buf, std::size_t size) noexcept {
    if ((buf == nullptr && size != 0) || ind < 0 || ind > 32) return IRQM_EINVAL;
    return with_matrix(m, [&](const auto& mx) {
        const std::string text = irqmatrix::debug_show(mx.matrix(), ind);
        if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            return int{IRQM_ENOMEM};
        copy_text(text, buf, size);
        return static_cast<int>(text.size());
    });
}

const char* irqm_strerror(int err) noexcept {
    switch (err) {
    case IRQM_OK: return "success";
    case IRQM_ENOENT: return "ENOENT: not allocated as stated";
    case IRQM_ENOMEM: return "ENOMEM: out of memory";
    case IRQM_EBUSY: return "EBUSY: state conflict";
    case IRQM_EINVAL: return "EINVAL: invalid argument";
    case IRQM_ENOSPC: return "ENOSPC: no room";
    case IRQM_EUCLEAN: return "EUCLEAN: inconsistent state";
    default: return "unknown error";
    }
}

const char* irqm_version(void) noexcept { return IRQMATRIX_VERSION_STRING; }

}  // extern "C"
