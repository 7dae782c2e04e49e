// SPDX-License-Identifier: MIT
// The engine of the fuzz_ops target: it decodes arbitrary bytes into a small
// matrix geometry and a sequence of trace operations (every kernel and block
// operation of docs/trace-format.md, with valid and invalid
// arguments), runs each one on the library and on the naive model
// (tests/model/naive_matrix.hpp), or, for some geometries, every operation
// including the planning ones on a planner and the naive planner
// (tests/model/naive_planner.hpp, run_planner_on() says what is compared
// there), and after every step demands what the
// differential test demands, with the same comparison
// (support/differential.hpp): equal results and counters, equal bitmaps (of
// the CPUs either side changed; of all CPUs every 64th step and at the end),
// a clean verify() (every 64th step and at the end; the library's own after
// every mutation at debug level 3, as the corpus test runs),
// and a refused operation that leaves the library exactly as it was
// (operator== against a copy taken before, and the counters), save the
// kernel's own rollback of a failed reserve_managed (quirk Q7), which keeps
// only the counters.
//
// Operations are ids of the table of operations (irqmatrix/operations.hpp)
// and carry trace::arguments; the library runs them through
// trace::execute(), the replay tool's own dispatch, and they are written as
// trace text by trace::format_operation(): a failure prints as a trace that
// `irqmatrix replay` reruns.
//
// Byte layout (reads past the end yield zeros; the sequence stops there):
//   4 bytes   geometry: width (and capacity 64 or 256), window start, the
//             margin between window end and width, CPU count (mostly 1..4,
//             up to 16) and whether to run a planner against the naive
//             planner, with the planning operations too;
//   per step  one byte picks the operation (modulo the table), then each
//             argument takes one to three bytes, decoded by its role. Most
//             byte values give plausible arguments (a CPU that exists, a bit
//             allocated on that CPU, an aligned base, an order <= 5); the top
//             of each range gives the invalid ones (CPUs just past the last,
//             2^31 and ~0, bits at and past the width, orders 6 to ~0,
//             unaligned bases, empty masks, the wrong managed flag). Frees
//             may name one of the last 16 allocations, exactly or bent.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <irqmatrix/matrix.hpp>
#include <irqmatrix/planner.hpp>
#include <irqmatrix/trace.hpp>

#include "model/naive_matrix.hpp"
#include "model/naive_planner.hpp"
#include "support/differential.hpp"

namespace fuzz_ops {

namespace trace = irqmatrix::trace;
using irqmatrix_model::naive_matrix;

/// Hands out the input a byte at a time; past the end, zeros.
class byte_reader {
public:
    byte_reader(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
    unsigned byte() noexcept { return pos_ < size_ ? data_[pos_++] : 0u; }
    bool exhausted() const noexcept { return pos_ >= size_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

struct geometry {
    unsigned capacity, bits, start, end, nr_cpus;
    /// Run on a planner against the naive planner, planning operations too.
    bool planner = false;
};

/// Width 64 in a 64-bit matrix (one word, the single-word paths), or 65..256
/// in a 256-bit one (odd widths, a tail word); any window, empty included.
inline geometry decode_geometry(byte_reader& in) {
    geometry g{};
    const unsigned w = in.byte();
    g.capacity = w < 0x40 ? 64 : 256;
    g.bits = w < 0x40 ? 64 : 65 + (w - 0x40);
    g.start = in.byte() % (g.bits + 1);
    g.end = g.bits - in.byte() % (g.bits - g.start + 1);  // a margin of 20 at 256: x86's [32,236)
    // Mostly 1 to 4 CPUs (three byte values in four): every check walks all
    // CPUs, so small matrices run fastest and reach the same paths; the top
    // quarter of the byte gives 1 to 16 (above 8 CPUs the CPU index is
    // searched, not walked).
    const unsigned c = in.byte();
    g.nr_cpus = 1 + (c < 0xc0 ? c % 4 : c % 16);
    // Bits 4 and 5 of a small one: the planner against the naive planner,
    // whose brute-force placement search wants few CPUs. One input in five
    // or so: a refused step copies the planner, which costs (under ASan, a
    // planner run takes about three times a matrix run).
    g.planner = c < 0xc0 && (c & 0x30) == 0x30;
    return g;
}

/// How each operation's arguments are decoded, one role per argument in the
/// trace's order: c CPU, b bit, B block base, o order, f flag, m the managed
/// flag of the vector at the bit or base just decoded, l CPU list. Read off
/// the argument roles of the table of operations: every operation that runs
/// on a bare matrix (the model has no planner), in the table's order.
struct op_shape {
    trace::op_id id;
    std::array<char, 4> role_letters{};
    std::size_t role_count = 0;
    std::string_view roles() const noexcept { return {role_letters.data(), role_count}; }
};
using trace::id_of;

constexpr char decoder_role(std::string_view role) noexcept {
    if (role == "cpus") return 'l';
    if (role == "cpu") return 'c';
    if (role == "bit") return 'b';
    if (role == "base") return 'B';
    if (role == "order") return 'o';
    if (role == "managed") return 'm';
    return 'f';  // replace, reserved, cpudown
}

constexpr std::size_t count_matrix_operations() noexcept {
    std::size_t n = 0;
    for (const auto& s : trace::signatures) n += s.scope == trace::op_scope::matrix ? 1 : 0;
    return n;
}

inline constexpr std::array<op_shape, count_matrix_operations()> shapes = [] {
    std::array<op_shape, count_matrix_operations()> out{};
    std::size_t i = 0;
    for (const auto& s : trace::signatures) {
        if (s.scope != trace::op_scope::matrix) continue;
        op_shape& shape = out[i++];
        shape.id = s.id;
        trace::for_each_role(s.roles, [&](std::string_view role) {
            shape.role_letters[shape.role_count++] = decoder_role(role);
        });
    }
    return out;
}();
inline constexpr unsigned shape_count = static_cast<unsigned>(shapes.size());

/// Whether the naive planner models an operation: not the two-step moves
/// (tests/unit/test_two_step.cpp checks those against a brute-force search).
constexpr bool modelled(std::string_view name) noexcept {
    return name != "move_block_two_step" && name != "evacuate_two_step";
}

/// Every operation but the header that the model has: what a planner runs.
inline constexpr std::size_t planner_shape_count = [] {
    std::size_t n = 0;
    for (const auto& s : trace::signatures)
        n += s.scope != trace::op_scope::header && modelled(s.name) ? 1u : 0u;
    return n;
}();
inline constexpr std::array<op_shape, planner_shape_count> planner_shapes = [] {
    std::array<op_shape, planner_shape_count> out{};
    std::size_t i = 0;
    for (const auto& s : trace::signatures) {
        if (s.scope == trace::op_scope::header || !modelled(s.name)) continue;
        op_shape& shape = out[i++];
        shape.id = s.id;
        trace::for_each_role(s.roles, [&](std::string_view role) {
            shape.role_letters[shape.role_count++] = decoder_role(role);
        });
    }
    return out;
}();

/// One decoded operation.
struct operation {
    const op_shape* shape = nullptr;
    trace::arguments args;
};

/// CPU lists are sets this wide, so that a list can name CPUs past the last
/// one, in the matrix's mask word or in the next.
inline constexpr unsigned list_width = 128;

/// The operation as a trace line (without the result).
inline std::string line_of(const operation& op) {
    return trace::format_operation(op.shape->id, op.args);
}

// Part of the oracle: no coverage instrumentation (IRQMATRIX_DIFF_ORACLE).
IRQMATRIX_DIFF_ORACLE inline bool same_outcome(const trace::outcome& a, const trace::outcome& b) {
    if (a.error != b.error || a.count != b.count) return false;
    for (unsigned i = 0; i < a.count; ++i)
        if (a.values[i] != b.values[i]) return false;
    return true;
}

// ---- the model side ---------------------------------------------------------

/// Runs an operation on the model (support/differential.hpp); nothing if the
/// model has no such operation.
inline std::optional<trace::outcome> run_model(naive_matrix& m, trace::op_id id,
                                               const trace::arguments& a) {
    return differential::model_outcome(m, differential::op_of(id, a));
}

// ---- decoding -----------------------------------------------------------------

/// Decodes operations, reading the library's current state so that most
/// arguments mean something (an allocated bit to free, a block to release).
template <unsigned Cap>
class decoder {
public:
    decoder(const geometry& g, byte_reader& in, const irqmatrix::basic_matrix<Cap>& m)
        : g_(g), in_(in), m_(m) {}

    operation next() {
        operation op;
        const unsigned pick = in_.byte();
        op.shape = g_.planner ? &planner_shapes[pick % planner_shapes.size()]
                              : &shapes[pick % shape_count];
        const trace::op_id id = op.shape->id;
        if ((id == id_of("free") || id == id_of("free_block")) && decode_recent(op)) return op;
        unsigned n = 0, cpu = ~0u, bit = ~0u;
        // An order is decoded before the base that must be aligned to it.
        const auto o = op.shape->roles().find('o');
        const unsigned order = o == std::string_view::npos ? 0 : order_arg();
        for (const char r : op.shape->roles()) {
            switch (r) {
            case 'c': op.args.num[n++] = cpu = cpu_arg(); break;
            case 'b': op.args.num[n++] = bit = bit_arg(cpu); break;
            case 'B': op.args.num[n++] = bit = base_arg(cpu, order); break;
            case 'o': op.args.num[n++] = order; break;
            case 'f': op.args.num[n++] = in_.byte() & 1u; break;
            case 'm': op.args.num[n++] = managed_arg(cpu, bit); break;
            case 'l': op.args.cpus = list_arg(); break;
            default: break;
            }
        }
        return op;
    }

    /// Remembers what a successful allocation placed, for later frees.
    void allocated(const operation& op, const trace::outcome& r) {
        const trace::op_id id = op.shape->id;
        block b{};
        if (id == id_of("alloc") || id == id_of("alloc_managed"))
            b = {r.values[0], r.values[1], 0};
        else if (id == id_of("alloc_block") || id == id_of("alloc_managed_block"))
            b = {r.values[0], r.values[1], op.args.num[0]};
        else if (id == id_of("assign"))
            b = {op.args.num[0], op.args.num[1], 0};
        else
            return;
        recent_[next_recent_++ % recent_.size()] = b;
        if (recent_count_ < recent_.size()) ++recent_count_;
    }

private:
    struct block {
        unsigned cpu, base, order;
    };

    // Values past every range: the top of each argument's byte range.
    unsigned edge(unsigned v) const {
        const std::array<unsigned, 16> e = {0u,          g_.start ? g_.start - 1 : 0u,
                                            g_.start,    g_.end ? g_.end - 1 : 0u,
                                            g_.end,      g_.bits - 1,
                                            g_.bits,     g_.bits + 1,
                                            Cap - 1,     Cap,
                                            63u,         64u,
                                            0x7fffffffu, 0x80000000u,
                                            ~0u & ~31u,  ~0u};
        return e[v % e.size()];
    }

    bool valid_cpu(unsigned c) const { return c < g_.nr_cpus; }

    // The k-th set bit (modulo their number) of a map, if any is set.
    template <class Bitmap>
    static std::optional<unsigned> kth_set(const Bitmap& map, unsigned k) {
        const unsigned count = map.count();
        if (count == 0) return std::nullopt;
        k %= count;
        std::optional<unsigned> found;
        map.for_each_set([&](unsigned b) {
            if (!found && k-- == 0) found = b;
        });
        return found;
    }

    unsigned window_bit(unsigned k) const {
        return g_.end > g_.start ? g_.start + k % (g_.end - g_.start) : g_.start;
    }

    unsigned cpu_arg() {
        const unsigned v = in_.byte();
        if (v < 0xf0) return v % g_.nr_cpus;
        if (v < 0xfc) return g_.nr_cpus + (v - 0xf0);  // just past the last CPU
        const std::array<unsigned, 4> far = {64u, 127u, 0x80000000u, ~0u};
        return far[v - 0xfc];
    }

    // A bit: allocated, managed or system on the CPU (free it, replace it,
    // assign it again: quirks Q6, Q8), any bit of the window, any bit at all,
    // or an edge value.
    unsigned bit_arg(unsigned cpu) {
        const unsigned v = in_.byte(), k = in_.byte();
        std::optional<unsigned> b;
        if (v < 0x40 && valid_cpu(cpu))
            b = kth_set(m_.cpu_map(cpu).alloc_map, k);
        else if (v < 0x58 && valid_cpu(cpu))
            b = kth_set(m_.cpu_map(cpu).managed_map, k);
        else if (v < 0x68)
            b = kth_set(m_.system_map(), k);
        else if (v >= 0xb0 && v < 0xf0)
            b = (((v - 0xb0) << 8) | k) % (g_.bits + 2);
        else if (v >= 0xf0)
            b = edge(k);
        return b ? *b : window_bit(k);
    }

    unsigned order_arg() {
        const unsigned v = in_.byte();
        if (v < 0xf0) return v % (naive_matrix::max_order + 1);
        const std::array<unsigned, 16> bad = {6u,   7u,          8u,          15u, 16u, 31u,
                                              32u,  33u,         63u,         64u, 65u, 127u,
                                              255u, 0x7fffffffu, 0x80000000u, ~0u};
        return bad[v - 0xf0];
    }

    // A block base: an allocated or managed bit of the CPU rounded down to
    // the order, an aligned slot counted from the window start, any value
    // (mostly unaligned), or an edge value.
    unsigned base_arg(unsigned cpu, unsigned order) {
        const unsigned v = in_.byte(), k = in_.byte();
        const unsigned n = order <= naive_matrix::max_order ? 1u << order : 1u;
        std::optional<unsigned> b;
        if (v < 0x60 && valid_cpu(cpu))
            b = kth_set(m_.cpu_map(cpu).alloc_map, k);
        else if (v < 0x80 && valid_cpu(cpu))
            b = kth_set(m_.cpu_map(cpu).managed_map, k);
        if (b) return *b & ~(n - 1);
        if (v < 0xc0) return (g_.start + n - 1) / n * n + k * n;
        if (v < 0xe0) return (((v - 0xc0) << 8) | k) % (g_.bits + 2);
        return edge(k);
    }

    // Mostly the flag that matches the state; sometimes the other one.
    unsigned managed_arg(unsigned cpu, unsigned bit) {
        const bool wrong = in_.byte() >= 0xe0;
        const bool truth = valid_cpu(cpu) && bit < Cap && m_.cpu_map(cpu).managed_map.test(bit);
        return truth != wrong ? 1u : 0u;
    }

    // Empty, all CPUs, one CPU, a subset of the CPUs, or a subset that
    // names CPUs past the last one (in the first mask word or the second).
    irqmatrix::cpu_set list_arg() {
        const unsigned v = in_.byte();
        const unsigned nr = g_.nr_cpus;
        irqmatrix::cpu_set s((v & 1u) != 0 ? list_width : nr);  // both set sizes reach the library
        if (v < 0x10) return s;
        if (v < 0x30) {
            for (unsigned c = 0; c < nr; ++c) s.set(c);
            return s;
        }
        const unsigned lo = in_.byte(), hi = in_.byte();
        if (v < 0x80) {
            s.set(lo % nr);
            return s;
        }
        const unsigned bits = lo | (hi << 8);
        const bool wide = v >= 0xe0;
        irqmatrix::cpu_set w(list_width);
        for (unsigned c = 0; c < 16; ++c)
            if (((bits >> c) & 1u) != 0 && (wide || c < nr)) (wide ? w : s).set(c);
        if (!wide) return s;
        if (v >= 0xf0) w.set(64 + (lo ^ hi) % 64);
        return w;
    }

    // A free or free_block of one of the recent allocations: exactly, or
    // bent (the wrong flag, CPU, order or an unaligned base).
    bool decode_recent(operation& op) {
        const unsigned h = in_.byte();
        if (h >= 0x80 || recent_count_ == 0) return false;
        block b = recent_[h % recent_count_];
        const unsigned t = in_.byte();
        const unsigned n = 1u << b.order;
        bool flip = false;
        if (op.shape->id == id_of("free")) {
            b.base += t % n;  // one member of the block
            flip = t >= 0xf0;
        } else if (t >= 0xc0) {
            switch ((t >> 3) & 7u) {
            case 0: flip = true; break;
            case 1: ++b.order; break;
            case 2: b.order = b.order ? b.order - 1 : 1; break;  // the lower half: valid
            case 3: b.base += b.order ? n / 2 : 1; break;
            case 4: b.base += n; break;
            case 5: b.cpu = (b.cpu + 1) % g_.nr_cpus; break;
            case 6: b.cpu = g_.nr_cpus; break;
            default: b.order = naive_matrix::max_order + 1; break;
            }
        }
        const bool truth =
            valid_cpu(b.cpu) && b.base < Cap && m_.cpu_map(b.cpu).managed_map.test(b.base);
        const unsigned managed = truth != flip ? 1u : 0u;
        if (op.shape->id == id_of("free"))
            op.args.num = {b.cpu, b.base, managed, 0};
        else
            op.args.num = {b.cpu, b.base, b.order, managed};
        return true;
    }

    geometry g_;
    byte_reader& in_;
    const irqmatrix::basic_matrix<Cap>& m_;
    std::array<block, 16> recent_{};
    unsigned recent_count_ = 0;
    unsigned next_recent_ = 0;
};

// ---- the run --------------------------------------------------------------------

/// At most this many operations per input (a longer input is cut short).
inline constexpr unsigned max_steps = 4096;

/// Every this many steps (and after the last) the whole state is compared
/// and verify() runs; in between, only what the step may have changed.
inline constexpr unsigned full_check_every = 64;

/// Where a failing run is written as a trace; nowhere (null) while fuzzing.
struct logger {
    std::FILE* out = nullptr;
};

template <unsigned Cap>
std::string run_on(const geometry& g, byte_reader& in, const logger& log) {
    using matrix = irqmatrix::basic_matrix<Cap>;
    auto created = matrix::create(g.bits, g.start, g.end, g.nr_cpus);
    if (!created) return "create() refused a valid geometry";
    matrix& lib = *created;
    naive_matrix model(g.bits, g.start, g.end, g.nr_cpus);
    if (log.out) std::fprintf(log.out, "%s", differential::trace_header(g).c_str());
    if (std::string d = differential::matrix_diff(lib, model); !d.empty())
        return "after create(): " + d;
    decoder<Cap> dec(g, in, lib);
    // What each step starts from, kept without heap allocations: every
    // CPU's map (counters, quirk ledger, bitmaps), the global counters and
    // their ledger, and the system map. With verify() holding, that is all
    // operator== compares (the CPU index is a cache; the count of duplicate
    // system assignments follows from the stats and the system map); a copy
    // of the matrix, which allocates the index, took half the fuzzer's time.
    std::array<irqmatrix::cpumap<Cap>, 16> maps_before{};
    irqmatrix::matrix_stats stats_before{};
    irqmatrix::global_drift_report drift_before{};
    typename matrix::bitmap_type system_before{};
    const auto unchanged = [&] {
        if (lib.stats() != stats_before || lib.global_drift() != drift_before ||
            !(lib.system_map() == system_before))
            return false;
        for (unsigned c = 0; c < g.nr_cpus; ++c)
            if (!(lib.cpu_map(c) == maps_before[c])) return false;
        return true;
    };
    // The counters alone (what the kernel's Q7 rollback keeps).
    const auto same_counters = [&] {
        if (lib.stats() != stats_before) return false;
        for (unsigned c = 0; c < g.nr_cpus; ++c) {
            const auto& a = lib.cpu_map(c);
            const auto& b = maps_before[c];
            if (a.online != b.online || a.initialized != b.initialized ||
                a.available != b.available || a.allocated != b.allocated ||
                a.managed != b.managed || a.managed_allocated != b.managed_allocated)
                return false;
        }
        return true;
    };
    std::array<std::array<std::uint32_t, 4>, 16> counters_before{};
    const auto model_counters = [&model](unsigned c) {
        const auto& cs = model.cpu(c);
        return std::array<std::uint32_t, 4>{cs.available, cs.allocated, cs.managed,
                                            cs.managed_allocated};
    };
    for (unsigned step = 0; step < max_steps && !in.exhausted(); ++step) {
        const operation op = dec.next();
        const trace::op_id id = op.shape->id;
        for (unsigned c = 0; c < g.nr_cpus; ++c) {
            maps_before[c] = lib.cpu_map(c);
            counters_before[c] = model_counters(c);
        }
        stats_before = lib.stats();
        drift_before = lib.global_drift();
        system_before = lib.system_map();
        if (log.out) std::fprintf(log.out, "%s", line_of(op).c_str());
        // An operation the model does not have (yet) runs on the library
        // alone: its result is not compared, the state still is.
        const std::optional<trace::outcome> modelled = run_model(model, id, op.args);
        const trace::outcome want = modelled ? *modelled : trace::outcome{};
        const bool refused = want.error != 0;
        const trace::outcome got = trace::execute(lib, id, op.args);
        if (log.out) std::fprintf(log.out, " => %s\n", got.text().c_str());
        if (modelled && !same_outcome(got, want))
            return "result: library " + got.text() + ", model " + want.text();
        if (refused && !unchanged()) {
            // Q7: a reserve_managed refused for lack of room undoes its
            // reservations as the kernel does, which may move one.
            const bool q7 = id == id_of("reserve_managed") &&
                            got.error == irqmatrix::to_errno(irqmatrix::errc::no_space);
            if (!q7 || !same_counters()) return "refused operation changed the matrix";
        }
        // Bitmaps are compared (reading the model's std::vector<bool> is the
        // costly part) on the CPUs where either side moved: every change the
        // model makes to a CPU's bitmaps moves one of its counters, save the
        // Q7 rollback of reserve_managed, which gets a full comparison, as
        // does every full_check_every-th step and the last. verify() runs
        // only in the full comparisons: it cost the fuzzer four fifths of its
        // time when run after every step (the corpus test, at debug level 3,
        // still has the library verify itself after every mutation).
        differential::check_scope scope;
        if (step % full_check_every != full_check_every - 1 && id != id_of("reserve_managed") &&
            !in.exhausted() && step + 1 < max_steps) {
            scope.system = id == id_of("assign_system");
            scope.verify = false;
            scope.cpus = 0;
            for (unsigned c = 0; c < g.nr_cpus; ++c)
                if (!(lib.cpu_map(c) == maps_before[c]) || model_counters(c) != counters_before[c])
                    scope.cpus |= std::uint64_t{1} << c;
        }
        if (std::string d = differential::matrix_diff(lib, model, scope); !d.empty()) return d;
        if (got.error == 0) dec.allocated(op, got);
    }
    return {};
}

/// The planner against the naive planner (tests/model/naive_planner.hpp):
/// equal results, the matrix underneath as run_on() compares it, equal
/// outstanding reservations, and a refused operation that leaves the planner
/// as it was (save Q7); the planner's verify() (which covers the matrix's)
/// every full_check_every steps and at the end. Groups are compared by
/// test_planner_property.cpp, not here.
template <unsigned Cap>
std::string run_planner_on(const geometry& g, byte_reader& in, const logger& log) {
    using planner = irqmatrix::basic_planner<Cap>;
    auto created = planner::create(g.bits, g.start, g.end, g.nr_cpus);
    if (!created) return "create() refused a valid geometry";
    planner& lib = *created;
    irqmatrix_model::naive_planner model(g.bits, g.start, g.end, g.nr_cpus);
    if (log.out) std::fprintf(log.out, "%s", differential::trace_header(g).c_str());
    decoder<Cap> dec(g, in, lib.matrix());
    for (unsigned step = 0; step < max_steps && !in.exhausted(); ++step) {
        const operation op = dec.next();
        const trace::op_id id = op.shape->id;
        if (log.out) std::fprintf(log.out, "%s", line_of(op).c_str());
        const std::optional<trace::outcome> modelled =
            differential::model_outcome(model, differential::op_of(id, op.args));
        const trace::outcome want = modelled ? *modelled : trace::outcome{};
        const bool refused = want.error != 0;
        const bool was_outstanding = lib.outstanding();
        std::optional<planner> before;
        if (refused) before = lib;
        const trace::outcome got = trace::execute(lib, id, op.args);
        if (log.out) std::fprintf(log.out, " => %s\n", got.text().c_str());
        if (modelled && !same_outcome(got, want))
            return "result: library " + got.text() + ", model " + want.text();
        if (before && !(lib == *before)) {
            const bool q7 = id == id_of("reserve_managed") &&
                            got.error == irqmatrix::to_errno(irqmatrix::errc::no_space) &&
                            !was_outstanding;
            if (!q7 || !(lib.matrix().stats() == before->matrix().stats()))
                return "refused operation changed the planner";
        }
        const bool full = step % full_check_every == full_check_every - 1 || in.exhausted() ||
                          step + 1 == max_steps;
        differential::check_scope scope;
        scope.verify = false;  // the planner's verify(), below, covers the matrix's
        if (std::string d = differential::matrix_diff(lib.matrix(), model.matrix(), scope);
            !d.empty())
            return d;
        const auto want_blocks = model.reserved_blocks();
        for (unsigned k = 0; k <= irqmatrix::max_order; ++k)
            if (lib.reserved_blocks()[k] != want_blocks[k])
                return "reservations of order " + std::to_string(k) + ": library " +
                       std::to_string(lib.reserved_blocks()[k]) + ", model " +
                       std::to_string(want_blocks[k]);
        if (full) {
            if (std::string v = lib.verify(); !v.empty()) return "verify(): " + v;
        }
        if (got.error == 0) dec.allocated(op, got);
    }
    return {};
}

/// Runs the operations an input decodes to; "" if the library and the model
/// agreed throughout, else the first difference. With log.out set, writes
/// the run as a trace.
inline std::string run(const std::uint8_t* data, std::size_t size, const logger& log = {}) {
    byte_reader in(data, size);
    const geometry g = decode_geometry(in);
    if (g.planner)
        return g.capacity == 64 ? run_planner_on<64>(g, in, log) : run_planner_on<256>(g, in, log);
    return g.capacity == 64 ? run_on<64>(g, in, log) : run_on<256>(g, in, log);
}

}  // namespace fuzz_ops
