// SPDX-License-Identifier: MIT
// The engine of the fuzz_ops target: it decodes arbitrary bytes into a small
// matrix geometry and a sequence of trace operations (every kernel and block
// operation of docs/trace-format.md, with valid and invalid
// arguments), runs each one on the library and on the naive model
// (tests/model/naive_matrix.hpp), and after every step demands what the
// differential test demands, with the same comparison
// (support/differential.hpp): equal results and counters, equal bitmaps (of
// the CPUs either side changed; of all CPUs every 64th step and at the end),
// a clean verify() (the library's own after every mutation at debug level 3),
// and a refused operation that leaves the library exactly as it was
// (operator== against a copy taken before, and the counters), save the
// kernel's own rollback of a failed reserve_managed (quirk Q7), which keeps
// only the counters.
//
// Operations are named as in trace::signatures and carry trace::arguments; the
// library runs them through trace::execute(), the replay tool's own
// dispatch: a failure prints as a trace that `irqmatrix replay` reruns.
//
// Byte layout (reads past the end yield zeros; the sequence stops there):
//   4 bytes   geometry: width (and capacity 64 or 256), window start, the
//             margin between window end and width, CPU count (1..16);
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
#include <irqmatrix/trace.hpp>

#include "model/naive_matrix.hpp"
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
    g.nr_cpus = 1 + in.byte() % 16;  // above 8 CPUs the CPU index is searched, not walked
    return g;
}

/// How each operation's arguments are decoded, one role per argument in the
/// trace's order: c CPU, b bit, B block base, o order, f flag, m the managed
/// flag of the vector at the bit or base just decoded, l CPU list. The names
/// and arity must match trace::signatures (checked by check_shapes()).
struct op_shape {
    std::string_view name;
    std::string_view roles;
};

inline constexpr op_shape shapes[] = {
    {"online", "c"},
    {"offline", "c"},
    {"assign_system", "cbf"},
    {"reserve_managed", "l"},
    {"remove_managed", "l"},
    {"alloc_managed", "l"},
    {"assign", "cb"},
    {"reserve", ""},
    {"remove_reserved", ""},
    {"alloc", "lf"},
    {"free", "cbm"},
    {"available", "cf"},
    {"reserved", ""},
    {"allocated", "c"},
    {"stats", ""},
    {"cpu", "c"},
    {"alloc_block", "lof"},
    {"free_block", "cBom"},
    {"reserve_managed_block", "lo"},
    {"remove_managed_block", "lo"},
    {"alloc_managed_block", "lo"},
};
inline constexpr unsigned shape_count = sizeof(shapes) / sizeof(shapes[0]);

/// "" if every shape names a trace operation with matching argument kinds;
/// otherwise what is wrong. (Trace operations the model does not know, such
/// as later extensions, are simply not fuzzed here.)
inline std::string check_shapes() {
    for (const op_shape& s : shapes) {
        const trace::op_signature* sig = nullptr;
        for (const auto& t : trace::signatures)
            if (t.name == s.name) sig = &t;
        if (!sig) return "fuzz_ops: trace.hpp has no operation " + std::string(s.name);
        std::string kinds;
        for (const char r : s.roles) kinds += r == 'l' ? 'l' : r == 'f' || r == 'm' ? 'f' : 'n';
        if (kinds != sig->args)
            return "fuzz_ops: the roles of " + std::string(s.name) +
                   " do not match its signature " + std::string(sig->args);
    }
    return {};
}

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
    std::string out(op.shape->name);
    unsigned n = 0;
    for (const char r : op.shape->roles) {
        out += ' ';
        out +=
            r == 'l' ? irqmatrix::format_cpulist(op.args.cpus) : std::to_string(op.args.num[n++]);
    }
    return out;
}

// Part of the oracle: no coverage instrumentation (IRQMATRIX_DIFF_ORACLE).
IRQMATRIX_DIFF_ORACLE inline bool same_outcome(const trace::outcome& a, const trace::outcome& b) {
    if (a.error != b.error || a.count != b.count) return false;
    for (unsigned i = 0; i < a.count; ++i)
        if (a.values[i] != b.values[i]) return false;
    return true;
}

// ---- the model side ---------------------------------------------------------

inline trace::outcome model_status(int err) {
    if (err != 0) return {err, 0, {}};
    return trace::outcome::of({0});
}
inline trace::outcome model_pick(const irqmatrix_model::pick& p) {
    if (p.err != 0) return {p.err, 0, {}};
    return trace::outcome::of({p.cpu, p.base});
}
inline trace::outcome model_value(long long v) {
    if (v < 0) return {static_cast<int>(v), 0, {}};
    return trace::outcome::of({static_cast<unsigned>(v)});
}

/// Runs an operation on the model; its results in the trace's shape.
inline trace::outcome run_model(naive_matrix& m, std::string_view name, const trace::arguments& a) {
    const auto& n = a.num;
    irqmatrix_model::cpu_list cpus;
    for (unsigned c = 0; c < a.cpus.size(); ++c)
        if (a.cpus.test(c)) cpus.push_back(c);
    if (name == "online") return model_status(m.online(n[0]));
    if (name == "offline") return model_status(m.offline(n[0]));
    if (name == "assign_system") return model_status(m.assign_system(n[0], n[1], n[2] != 0));
    if (name == "reserve_managed") return model_status(m.reserve_managed(cpus));
    if (name == "remove_managed") return model_status(m.remove_managed(cpus));
    if (name == "alloc_managed") return model_pick(m.alloc_managed(cpus));
    if (name == "assign") return model_status(m.assign(n[0], n[1]));
    if (name == "reserve") {
        m.reserve();
        return model_status(0);
    }
    if (name == "remove_reserved") return model_status(m.remove_reserved());
    if (name == "alloc") return model_pick(m.alloc(cpus, n[0] != 0));
    if (name == "free") return model_status(m.free(n[0], n[1], n[2] != 0));
    if (name == "available") return model_value(m.available(n[0], n[1] != 0));
    if (name == "reserved") return trace::outcome::of({m.reserved()});
    if (name == "allocated") return model_value(m.allocated(n[0]));
    if (name == "stats")
        return trace::outcome::of(
            {m.online_maps(), m.global_available(), m.global_reserved(), m.total_allocated()});
    if (name == "cpu") {
        if (n[0] >= m.nr_cpus()) return model_status(irqmatrix_model::err_invalid);
        const auto& c = m.cpu(n[0]);
        return trace::outcome::of(
            {c.online ? 1u : 0u, c.available, c.allocated, c.managed, c.managed_allocated});
    }
    if (name == "alloc_block") return model_pick(m.alloc_block(cpus, n[0], n[1] != 0));
    if (name == "free_block") return model_status(m.free_block(n[0], n[1], n[2], n[3] != 0));
    if (name == "reserve_managed_block") return model_status(m.reserve_managed_block(cpus, n[0]));
    if (name == "remove_managed_block") return model_status(m.remove_managed_block(cpus, n[0]));
    if (name == "alloc_managed_block") return model_pick(m.alloc_managed_block(cpus, n[0]));
    return {-1, 0, {}};  // unreachable: every shape is handled above
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
        op.shape = &shapes[in_.byte() % shape_count];
        const std::string_view name = op.shape->name;
        if ((name == "free" || name == "free_block") && decode_recent(op)) return op;
        unsigned n = 0, cpu = ~0u, bit = ~0u;
        // An order is decoded before the base that must be aligned to it.
        const auto o = op.shape->roles.find('o');
        const unsigned order = o == std::string_view::npos ? 0 : order_arg();
        for (const char r : op.shape->roles) {
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
        const std::string_view name = op.shape->name;
        block b{};
        if (name == "alloc" || name == "alloc_managed")
            b = {r.values[0], r.values[1], 0};
        else if (name == "alloc_block" || name == "alloc_managed_block")
            b = {r.values[0], r.values[1], op.args.num[0]};
        else if (name == "assign")
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
        if (op.shape->name == "free") {
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
        if (op.shape->name == "free")
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
    // What each step starts from, kept without heap allocations (under ASan
    // fresh allocations cost page faults): the whole matrix is copied, into
    // storage reused from step to step, only when the model refuses, since
    // the library must then refuse and change nothing.
    matrix before = lib;
    std::array<irqmatrix::cpumap<Cap>, 16> maps_before{};
    std::array<std::array<std::uint32_t, 4>, 16> counters_before{};
    const auto model_counters = [&model](unsigned c) {
        const auto& cs = model.cpu(c);
        return std::array<std::uint32_t, 4>{cs.available, cs.allocated, cs.managed,
                                            cs.managed_allocated};
    };
    for (unsigned step = 0; step < max_steps && !in.exhausted(); ++step) {
        const operation op = dec.next();
        const std::string_view name = op.shape->name;
        for (unsigned c = 0; c < g.nr_cpus; ++c) {
            maps_before[c] = lib.cpu_map(c);
            counters_before[c] = model_counters(c);
        }
        if (log.out) std::fprintf(log.out, "%s", line_of(op).c_str());
        const trace::outcome want = run_model(model, name, op.args);
        const bool refused = want.error != 0;
        if (refused) before = lib;
        const trace::outcome got = trace::execute(lib, name, op.args);
        if (log.out) std::fprintf(log.out, " => %s\n", got.text().c_str());
        if (!same_outcome(got, want))
            return "result: library " + got.text() + ", model " + want.text();
        if (refused && !(lib == before && differential::same_counters(lib, before))) {
            // Q7: a reserve_managed refused for lack of room undoes its
            // reservations as the kernel does, which may move one.
            const bool q7 = name == "reserve_managed" &&
                            got.error == irqmatrix::to_errno(irqmatrix::errc::no_space);
            if (!q7 || !differential::same_counters(lib, before))
                return "refused operation changed the matrix";
        }
        // Bitmaps are compared (reading the model's std::vector<bool> is the
        // costly part) on the CPUs where either side moved: every change the
        // model makes to a CPU's bitmaps moves one of its counters, save the
        // Q7 rollback of reserve_managed, which gets a full comparison, as
        // does every 64th step and the last.
        differential::check_scope scope;
        if (step % 64 != 63 && name != "reserve_managed" && !in.exhausted() &&
            step + 1 < max_steps) {
            scope.system = name == "assign_system";
            scope.verify = IRQMATRIX_DEBUG_LEVEL < 3;
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

/// Runs the operations an input decodes to; "" if the library and the model
/// agreed throughout, else the first difference. With log.out set, writes
/// the run as a trace.
inline std::string run(const std::uint8_t* data, std::size_t size, const logger& log = {}) {
    byte_reader in(data, size);
    const geometry g = decode_geometry(in);
    return g.capacity == 64 ? run_on<64>(g, in, log) : run_on<256>(g, in, log);
}

}  // namespace fuzz_ops
