// SPDX-License-Identifier: MIT
// What the differential harnesses share: test_differential.cpp (the matrix
// against the naive model), test_planner_property.cpp (the planner against
// the naive planner) and fuzz/ops_decoder.hpp (the fuzz_ops target).
//
//  - the seeded walks' geometry and their IRQMATRIX_DIFF_* knobs;
//  - an operation of a seeded walk (an id of the table of operations,
//    irqmatrix/operations.hpp, and its arguments by role), its trace text,
//    and its run on the library (through the table) and on a model;
//  - an operation's outcome as both sides report it;
//  - the comparison of a library matrix with the model's (every counter,
//    every bitmap, the per-CPU query, verify()), one function so that a
//    check added here tightens all three harnesses; and the comparison of
//    what the library derives from its state (drift, free map, first free
//    block, largest free order), for the CPUs a harness chooses;
//  - the shrinking loop that cuts a failing sequence down, and the trace
//    text (docs/trace-format.md) that prints it for `irqmatrix replay`.
//
// No Catch2 here: the fuzz target is built without it.
#pragma once

#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <irqmatrix/matrix.hpp>
#include <irqmatrix/operations.hpp>

#include "model/naive_matrix.hpp"

// The comparisons are a fuzzer's oracle, not its target: under clang they get
// no coverage instrumentation, which would make the bit loops most of the run
// time and feed libFuzzer features that say nothing about the library.
#if defined(__clang__)
#define IRQMATRIX_DIFF_ORACLE __attribute__((no_sanitize("coverage")))
#else
#define IRQMATRIX_DIFF_ORACLE
#endif

namespace differential {

// ---- the seeded walks ---------------------------------------------------------

/// A geometry and how long a seeded walk over it runs.
struct geometry {
    const char* name;
    unsigned bits, start, end, nr_cpus;
    unsigned operations;  ///< per run (all epochs together)
    unsigned epoch;       ///< operations before both sides are created afresh
    std::uint64_t seed;
};

inline unsigned env_unsigned(const char* name, unsigned fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    return static_cast<unsigned>(std::strtoul(v, nullptr, 0));
}

/// The walk's seed: the geometry's own, shifted by IRQMATRIX_DIFF_SEED.
inline std::uint64_t seed_of(const geometry& g) {
    return env_unsigned("IRQMATRIX_DIFF_SEED", 0) + g.seed;
}

/// The walk's length: the geometry's, times IRQMATRIX_DIFF_SCALE.
inline unsigned operations_of(const geometry& g) {
    return g.operations * env_unsigned("IRQMATRIX_DIFF_SCALE", 1);
}

/// Whether the seeds are the fixed ones, whose coverage the tests know;
/// other seeds (IRQMATRIX_DIFF_SEED) check the agreement only.
inline bool fixed_seeds() { return env_unsigned("IRQMATRIX_DIFF_SEED", 0) == 0; }

/// IRQMATRIX_DIFF_VERBOSE=1: print what each walk covered.
inline bool verbose() { return env_unsigned("IRQMATRIX_DIFF_VERBOSE", 0) != 0; }

// ---- outcomes -------------------------------------------------------------------

/// A result as either side reports it: err 0 or a negative errno; a = value
/// or CPU, b = base.
struct outcome {
    int err = 0;
    long long a = 0;
    unsigned b = 0;
    friend bool operator==(const outcome&, const outcome&) = default;
};

/// The errno, or "A B".
inline std::string text(const outcome& r) {
    if (r.err != 0) return std::to_string(r.err);
    return std::to_string(r.a) + " " + std::to_string(r.b);
}

// The library's results.
inline outcome of_status(const irqmatrix::status& s) {
    return {s ? 0 : irqmatrix::to_errno(s.error()), 0, 0};
}
inline outcome of_placement(const irqmatrix::result<irqmatrix::placement>& r) {
    if (!r) return {irqmatrix::to_errno(r.error()), 0, 0};
    return {0, r->cpu, r->base};
}
inline outcome of_value(const irqmatrix::result<unsigned>& r) {
    if (!r) return {irqmatrix::to_errno(r.error()), 0, 0};
    return {0, *r, 0};
}

// The model's results.
inline outcome of_int(int e) { return {e, 0, 0}; }
inline outcome of_pick(const irqmatrix_model::pick& p) {
    if (p.err != 0) return {p.err, 0, 0};
    return {0, p.cpu, p.base};
}

/// A CPU list as a trace line writes it: "none", or the CPUs in the order
/// given, duplicates kept (they are part of what is tested).
inline std::string list_text(const std::vector<unsigned>& cpus) {
    if (cpus.empty()) return "none";
    std::string s;
    for (unsigned c : cpus) s += (s.empty() ? "" : ",") + std::to_string(c);
    return s;
}

// ---- operations -------------------------------------------------------------------

using op_id = irqmatrix::trace::op_id;
using irqmatrix::trace::id_of;

/// One operation of a seeded walk: an operation of the table (or, past the
/// table's ids, one of a harness's own) and its arguments, held by role.
struct op {
    op_id id{};
    unsigned cpu = 0;            ///< role cpu
    unsigned bit = 0;            ///< role bit or base
    unsigned order = 0;          ///< role order
    bool flag = false;           ///< the flag role: replace / reserved / managed / cpudown
    std::vector<unsigned> cpus;  ///< role cpus
};

/// An operation a walk generates, and its weights in the walk's balanced,
/// fill and drain phases.
struct weighted_op {
    op_id id;
    unsigned weight[3];
};

inline bool in_table(op_id id) {
    return static_cast<std::size_t>(id) < irqmatrix::trace::operation_count;
}

/// Calls f(role) for each argument role of a table operation.
template <class F>
void for_each_role(const op& o, F&& f) {
    irqmatrix::trace::for_each_role(irqmatrix::trace::signature(o.id).roles, f);
}

/// The value of a number or flag role.
inline unsigned number_of(const op& o, std::string_view role) {
    if (role == "cpu") return o.cpu;
    if (role == "bit" || role == "base") return o.bit;
    if (role == "order") return o.order;
    return o.flag ? 1u : 0u;
}

/// The operation as a trace line: the table's name and argument order.
inline std::string describe(const op& o) {
    std::string out(irqmatrix::trace::signature(o.id).name);
    for_each_role(o, [&](std::string_view role) {
        out += ' ';
        out += role == "cpus" ? list_text(o.cpus) : std::to_string(number_of(o, role));
    });
    return out;
}

/// The operation's arguments as the table's calls take them. The CPU set is
/// as wide as the list's highest CPU, which may lie beyond the matrix (the
/// library must refuse it).
inline irqmatrix::trace::arguments arguments_of(const op& o) {
    irqmatrix::trace::arguments a;
    unsigned n = 0;
    for_each_role(o, [&](std::string_view role) {
        if (role != "cpus") {
            a.num[n++] = number_of(o, role);
            return;
        }
        unsigned top = 0;
        for (unsigned c : o.cpus) top = c > top ? c : top;
        a.cpus = irqmatrix::cpu_set((top / 64 + 1) * 64);
        for (unsigned c : o.cpus) a.cpus.set(c);
    });
    return a;
}

/// The operation whose arguments the table's calls take as `a`, held by role
/// (a CPU list in ascending order).
inline op op_of(op_id id, const irqmatrix::trace::arguments& a) {
    op o;
    o.id = id;
    unsigned n = 0;
    for_each_role(o, [&](std::string_view role) {
        if (role == "cpus") {
            for (unsigned c = 0; c < a.cpus.size(); ++c)
                if (a.cpus.test(c)) o.cpus.push_back(c);
            return;
        }
        const unsigned v = a.num[n++];
        if (role == "cpu")
            o.cpu = v;
        else if (role == "bit" || role == "base")
            o.bit = v;
        else if (role == "order")
            o.order = v;
        else
            o.flag = v != 0;
    });
    return o;
}

// The model's results as the table's (trace::outcome).
inline irqmatrix::trace::outcome model_status(int err) {
    if (err != 0) return {err, 0, {}};
    return irqmatrix::trace::outcome::of({0});
}
inline irqmatrix::trace::outcome model_pick(const irqmatrix_model::pick& p) {
    if (p.err != 0) return {p.err, 0, {}};
    return irqmatrix::trace::outcome::of({p.cpu, p.base});
}
inline irqmatrix::trace::outcome model_value(long long v) {
    if (v < 0) return {static_cast<int>(v), 0, {}};
    return irqmatrix::trace::outcome::of({static_cast<unsigned>(v)});
}

/// The naive matrix of a model (a naive_planner's, or the model itself).
template <class Model>
const irqmatrix_model::naive_matrix& kernel_model_of(const Model& m) {
    if constexpr (requires { m.matrix(); })
        return m.matrix();
    else
        return m;
}

/// Runs a table operation on a model (naive_matrix, or naive_planner with
/// the planning operations too); nothing if the model has no such
/// operation (an operation added to the table and not yet to the models).
template <class Model>
std::optional<irqmatrix::trace::outcome> model_outcome(Model& m, const op& o) {
    using irqmatrix::trace::outcome;
    if constexpr (requires { m.reserve_block(0u); }) {
        switch (o.id) {
        case id_of("largest_order"): return model_value(m.largest_order(o.cpus));
        case id_of("reserve_block"): return model_status(m.reserve_block(o.order));
        case id_of("remove_reserved_block"): return model_status(m.remove_reserved_block(o.order));
        case id_of("alloc_reserved_block"):
            return model_pick(m.alloc_reserved_block(o.cpus, o.order));
        case id_of("can_offline"): return model_value(m.can_offline(o.cpu));
        case id_of("evacuate"): return model_value(m.evacuate(o.cpu));
        case id_of("move_block"): return model_pick(m.move_block(o.cpu, o.bit, o.cpus));
        case id_of("pin"): return model_status(m.pin(o.cpu, o.bit));
        case id_of("unpin"): return model_status(m.unpin(o.cpu, o.bit));
        default: break;
        }
    }
    switch (o.id) {
    case id_of("online"): return model_status(m.online(o.cpu));
    case id_of("offline"): return model_status(m.offline(o.cpu));
    case id_of("assign_system"): return model_status(m.assign_system(o.cpu, o.bit, o.flag));
    case id_of("reserve_managed"): return model_status(m.reserve_managed(o.cpus));
    case id_of("remove_managed"): return model_status(m.remove_managed(o.cpus));
    case id_of("alloc_managed"): return model_pick(m.alloc_managed(o.cpus));
    case id_of("assign"): return model_status(m.assign(o.cpu, o.bit));
    case id_of("reserve"): m.reserve(); return model_status(0);
    case id_of("remove_reserved"): return model_status(m.remove_reserved());
    case id_of("alloc"): return model_pick(m.alloc(o.cpus, o.flag));
    case id_of("free"): return model_status(m.free(o.cpu, o.bit, o.flag));
    case id_of("available"): return model_value(m.available(o.cpu, o.flag));
    case id_of("reserved"): return outcome::of({m.reserved()});
    case id_of("allocated"): return model_value(m.allocated(o.cpu));
    case id_of("stats"): {
        const irqmatrix_model::naive_matrix& k = kernel_model_of(m);
        return outcome::of(
            {k.online_maps(), k.global_available(), k.global_reserved(), k.total_allocated()});
    }
    case id_of("cpu"): {
        const irqmatrix_model::naive_matrix& k = kernel_model_of(m);
        if (o.cpu >= k.nr_cpus()) return model_status(irqmatrix_model::err_invalid);
        const auto& c = k.cpu(o.cpu);
        return outcome::of(
            {c.online ? 1u : 0u, c.available, c.allocated, c.managed, c.managed_allocated});
    }
    case id_of("alloc_block"): return model_pick(m.alloc_block(o.cpus, o.order, o.flag));
    case id_of("free_block"): return model_status(m.free_block(o.cpu, o.bit, o.order, o.flag));
    case id_of("reserve_managed_block"):
        return model_status(m.reserve_managed_block(o.cpus, o.order));
    case id_of("remove_managed_block"):
        return model_status(m.remove_managed_block(o.cpus, o.order));
    case id_of("alloc_managed_block"): return model_pick(m.alloc_managed_block(o.cpus, o.order));
    default: break;
    }
    return std::nullopt;
}

/// A table outcome as the walks compare it (one or two values).
inline outcome of_trace(const irqmatrix::trace::outcome& r) {
    if (r.error != 0) return {r.error, 0, 0};
    return {0, r.count > 0 ? r.values[0] : 0, r.count > 1 ? r.values[1] : 0u};
}

/// Runs a table operation on the library (a matrix or a planner).
template <class Library>
outcome run_library(Library& m, const op& o) {
    return of_trace(irqmatrix::trace::execute(m, o.id, arguments_of(o)));
}

/// Runs a table operation on a model; -1 if the model has no such operation.
template <class Model>
outcome run_model(Model& m, const op& o) {
    const auto r = model_outcome(m, o);
    return r ? of_trace(*r) : outcome{-1, 0, 0};
}

/// The result as a trace writes it, by the operation's result kind: the
/// value, "CPU BASE", 0 or the errno.
inline std::string result_text(op_id id, const outcome& r) {
    using irqmatrix::trace::result_kind;
    if (r.err != 0) return std::to_string(r.err);
    switch (irqmatrix::trace::signature(id).result) {
    case result_kind::count: return std::to_string(r.a);
    case result_kind::placement: return text(r);
    default: return "0";
    }
}
inline std::string result_text(const op& o, const outcome& r) { return result_text(o.id, r); }

// ---- state comparison -------------------------------------------------------------

/// The `cpu` that stands for the matrix as a whole (global counters, system_map).
inline constexpr unsigned global = ~0u;

/// "what", or "what of cpu N": the subject of a difference.
inline std::string where(const char* what, unsigned cpu) {
    return std::string(what) + (cpu == global ? "" : " of cpu " + std::to_string(cpu));
}

/// Bits [64 w, 64 w + 64) of a model bitmap as a word, bit i of the map at
/// bit i % 64 (bits past the end read as 0), read bit by bit through an
/// iterator.
IRQMATRIX_DIFF_ORACLE inline std::uint64_t model_word_by_bits(const std::vector<bool>& model,
                                                              unsigned w) {
    std::uint64_t word = 0;
    if (std::size_t{w} * 64 >= model.size()) return word;
    auto it = model.begin() + static_cast<std::ptrdiff_t>(w) * 64;
    for (unsigned j = 0; j < 64 && it != model.end(); ++j, ++it)
        if (*it) word |= std::uint64_t{1} << j;
    return word;
}

/// The same, fast where the library is libstdc++. Reading a std::vector<bool>
/// bit by bit costs several calls a bit in a Debug build, which made the
/// bitmap comparisons most of the differential tests' run time. libstdc++
/// keeps the bits in words of unsigned long, least significant first, from
/// the word its iterators point at (_M_p, a public member of its bit
/// iterators); where that word is 64 bits, it is read whole. Anywhere else
/// (another library, libstdc++'s debug mode, whose iterators wrap those), or
/// if the check below finds that the layout changed, bit by bit.
IRQMATRIX_DIFF_ORACLE inline std::uint64_t model_word_direct(const std::vector<bool>& model,
                                                             unsigned w) {
#if defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)
    if constexpr (sizeof(*model.begin()._M_p) == 8) {
        if (std::size_t{w} * 64 >= model.size()) return 0;
        std::uint64_t word = model.begin()._M_p[w];
        const std::size_t left = model.size() - std::size_t{w} * 64;
        if (left < 64) word &= (std::uint64_t{1} << left) - 1;  // the storage past the end
        return word;
    }
#endif
    return model_word_by_bits(model, w);
}

/// Whether the fast reading agrees with the bit-by-bit one, on a map with a
/// ragged last word: checked once, before the fast reading is trusted.
IRQMATRIX_DIFF_ORACLE inline bool model_word_direct_works() {
    std::vector<bool> probe(200, false);
    for (unsigned i = 0; i < probe.size(); ++i) probe[i] = (i * i + 3 * i) % 7 < 3;
    probe.resize(150);  // bits 150..199 stay set in the storage past the end
    for (unsigned w = 0; w < 4; ++w)
        if (model_word_direct(probe, w) != model_word_by_bits(probe, w)) return false;
    return true;
}

IRQMATRIX_DIFF_ORACLE inline std::uint64_t model_word(const std::vector<bool>& model, unsigned w) {
    static const bool direct = model_word_direct_works();
    return direct ? model_word_direct(model, w) : model_word_by_bits(model, w);
}

/// The first bit where the library's bitmap and the model's differ, or "".
/// Word by word (see model_word); the bit reported is read back from the
/// model bit by bit.
template <class Bitmap>
IRQMATRIX_DIFF_ORACLE std::string bitmap_diff(const char* what, unsigned cpu, const Bitmap& lib,
                                              const std::vector<bool>& model) {
    for (unsigned w = 0; w < Bitmap::word_count; ++w) {
        const std::uint64_t diff = lib.word(w) ^ model_word(model, w);
        if (diff == 0) continue;
        const unsigned j = static_cast<unsigned>(std::countr_zero(diff));
        const bool in_lib = ((lib.word(w) >> j) & 1u) != 0;
        const std::size_t bit = std::size_t{w} * 64 + j;
        const bool in_model = bit < model.size() && model[bit];
        if (in_lib == in_model) return where(what, cpu) + ": the model's bitmap was misread";
        return where(what, cpu) + ": bit " + std::to_string(bit) + " is " +
               (in_lib ? "set" : "clear") + " in the library, " + (in_lib ? "clear" : "set") +
               " in the model";
    }
    return {};
}

IRQMATRIX_DIFF_ORACLE inline std::string counter_diff(const char* what, unsigned cpu,
                                                      std::uint64_t lib, std::uint64_t model) {
    if (lib == model) return {};
    return where(what, cpu) + ": library " + std::to_string(lib) + ", model " +
           std::to_string(model);
}

/// What matrix_diff() compares beyond the counters and the per-CPU query,
/// which it always compares. By default, everything.
struct check_scope {
    /// Whose bitmaps: bit c for CPU c (CPUs from 64 on: always). The fuzz
    /// target narrows it to the CPUs a step touched; bitmaps are the costly part.
    std::uint64_t cpus = ~std::uint64_t{0};
    /// If set, whose bitmaps instead: exactly the CPUs listed (those out of
    /// range skipped). The differential test's many-CPU geometries compare a
    /// sample per step, as comparing thousands of CPUs' bitmaps would
    /// dominate their run time.
    const std::vector<unsigned>* bitmap_cpus = nullptr;
    bool system = true;  ///< system_map
    /// Whether to call the matrix's verify(): not where the caller runs a
    /// verify() that covers it (the planner's), or where the library has
    /// just verified itself (debug level 3, after a mutation).
    bool verify = true;
};

/// Everything observable about a library matrix must agree with the model;
/// the first difference (its subject before the first colon), a verify()
/// violation, or "".
template <unsigned Cap>
IRQMATRIX_DIFF_ORACLE std::string matrix_diff(const irqmatrix::basic_matrix<Cap>& lib,
                                              const irqmatrix_model::naive_matrix& model,
                                              const check_scope& scope = {}) {
    const auto s = lib.stats();
    std::string d;
    if (!(d = counter_diff("online_maps", global, s.online_maps, model.online_maps())).empty() ||
        !(d = counter_diff("global_available", global, s.global_available,
                           model.global_available()))
             .empty() ||
        !(d = counter_diff("global_reserved", global, s.global_reserved, model.global_reserved()))
             .empty() ||
        !(d = counter_diff("total_allocated", global, s.total_allocated, model.total_allocated()))
             .empty() ||
        !(d = counter_diff("systembits_inalloc", global, s.systembits_inalloc,
                           model.systembits_inalloc()))
             .empty())
        return d;
    if (lib.nr_cpus() != model.nr_cpus()) return "nr_cpus differs";
    for (unsigned c = 0; c < lib.nr_cpus(); ++c) {
        const auto& l = lib.cpu_map(c);
        const auto& m = model.cpu(c);
        // Numbers first: the texts are built only for a difference (with
        // thousands of CPUs, building them every step dominated the run).
        const bool same = l.online == m.online && l.initialized == m.initialized &&
                          l.available == m.available && l.allocated == m.allocated &&
                          l.managed == m.managed && l.managed_allocated == m.managed_allocated;
        if (!same &&
            (!(d = counter_diff("online", c, l.online, m.online)).empty() ||
             !(d = counter_diff("initialized", c, l.initialized, m.initialized)).empty() ||
             !(d = counter_diff("available", c, l.available, m.available)).empty() ||
             !(d = counter_diff("allocated", c, l.allocated, m.allocated)).empty() ||
             !(d = counter_diff("managed", c, l.managed, m.managed)).empty() ||
             !(d = counter_diff("managed_allocated", c, l.managed_allocated, m.managed_allocated))
                  .empty()))
            return d;
        // The public per-CPU query must say the same as the raw map.
        const auto q = lib.cpu(c);
        if (!q || *q != irqmatrix::cpu_stats{l.online, l.available, l.allocated, l.managed,
                                             l.managed_allocated})
            return "cpu(" + std::to_string(c) + ") disagrees with cpu_map()";
        if (!scope.bitmap_cpus && (c >= 64 || ((scope.cpus >> c) & 1u) != 0) &&
            (!(d = bitmap_diff("alloc_map", c, l.alloc_map, m.alloc_map)).empty() ||
             !(d = bitmap_diff("managed_map", c, l.managed_map, m.managed_map)).empty()))
            return d;
    }
    if (scope.bitmap_cpus) {
        for (const unsigned c : *scope.bitmap_cpus) {
            if (c >= lib.nr_cpus()) continue;
            const auto& l = lib.cpu_map(c);
            const auto& m = model.cpu(c);
            if (!(d = bitmap_diff("alloc_map", c, l.alloc_map, m.alloc_map)).empty() ||
                !(d = bitmap_diff("managed_map", c, l.managed_map, m.managed_map)).empty())
                return d;
        }
    }
    if (scope.system &&
        !(d = bitmap_diff("system_map", global, lib.system_map(), model.system_map())).empty())
        return d;
    if (scope.verify) {
        if (std::string v = lib.verify(); !v.empty()) return "verify(): " + v;
    }
    return {};
}

/// "what: library L, model M".
IRQMATRIX_DIFF_ORACLE inline std::string signed_diff(const std::string& what, long long lib,
                                                     long long model) {
    return what + ": library " + std::to_string(lib) + ", model " + std::to_string(model);
}

/// What the library derives from its state must agree with the model's
/// plain computation of it: the global drift, and for each CPU of `cpus`
/// its drift, its free map, the first free aligned block of every order
/// and its largest free order (the last read from the CPU index's key when
/// the index is up to date with the CPU). The first difference (its subject
/// before the first colon), or "". Separate from matrix_diff() because the
/// model computes these with loops over every bit, too slow to run on every
/// CPU after every step of every harness: the caller chooses the CPUs.
template <unsigned Cap>
IRQMATRIX_DIFF_ORACLE std::string query_diff(const irqmatrix::basic_matrix<Cap>& lib,
                                             const irqmatrix_model::naive_matrix& model,
                                             const std::vector<unsigned>& cpus) {
    using irqmatrix_model::naive_matrix;
    const irqmatrix::global_drift_report g = lib.global_drift();
    const naive_matrix::global_drift_amounts gm = model.global_drift();
    if (g.global_available != gm.global_available)
        return signed_diff("global_drift().global_available", g.global_available,
                           gm.global_available);
    if (g.total_allocated != gm.total_allocated)
        return signed_diff("global_drift().total_allocated", g.total_allocated, gm.total_allocated);
    for (const unsigned c : cpus) {
        if (c >= lib.nr_cpus()) continue;
        const auto of = [c] { return " of cpu " + std::to_string(c); };
        const irqmatrix::drift_report l = lib.drift(c);
        const naive_matrix::drift_amounts m = model.drift(c);
        if (l.available != m.available)
            return signed_diff("drift().available" + of(), l.available, m.available);
        if (l.managed_allocated != m.managed_allocated)
            return signed_diff("drift().managed_allocated" + of(), l.managed_allocated,
                               m.managed_allocated);
        if (std::string d = bitmap_diff("free_map()", c, lib.free_map(c), model.free_map(c));
            !d.empty())
            return d;
        for (unsigned k = 0; k <= naive_matrix::max_order; ++k) {
            const unsigned have = lib.first_free_block(c, k);
            const unsigned model_base = model.first_free_block(c, k);
            const unsigned want = model_base == naive_matrix::no_block ? Cap : model_base;
            if (have != want)
                return signed_diff("first_free_block(order " + std::to_string(k) + ")" + of(), have,
                                   want);
        }
        const int have = lib.largest_free_order(c), want = model.largest_free_order(c);
        if (have != want) return signed_diff("largest_free_order()" + of(), have, want);
    }
    return {};
}

/// Whether two matrices have the same counters, global and per CPU: what a
/// refused operation must leave alone even where the kernel's rollback of a
/// failed reserve_managed moves a reservation (quirk Q7).
template <unsigned Cap>
IRQMATRIX_DIFF_ORACLE bool same_counters(const irqmatrix::basic_matrix<Cap>& a,
                                         const irqmatrix::basic_matrix<Cap>& b) {
    if (a.stats() != b.stats() || a.nr_cpus() != b.nr_cpus()) return false;
    for (unsigned c = 0; c < a.nr_cpus(); ++c)
        if (*a.cpu(c) != *b.cpu(c) || a.cpu_map(c).initialized != b.cpu_map(c).initialized)
            return false;
    return true;
}

// ---- shrinking a failing sequence -------------------------------------------------

/// How a replay fails: the kind of the operation at the first mismatch and
/// the mismatch's subject (the text before its first colon). Shrinking keeps
/// a candidate only if it fails the same way, not merely somehow.
struct failure_signature {
    op_id id{};
    std::string subject;
    friend bool operator==(const failure_signature&, const failure_signature&) = default;
};

inline failure_signature signature_of(op_id id, const std::string& mismatch) {
    return {id, mismatch.substr(0, mismatch.find(':'))};
}

/// Replays the operations through `step` (one operation on both sides,
/// returning the mismatch or ""): the first failure, if any. The caller
/// creates the fresh state that `step` works on.
template <class Step>
std::optional<failure_signature> first_failure(const std::vector<op>& ops, Step&& step) {
    for (const op& o : ops) {
        const std::string mismatch = step(o);
        if (!mismatch.empty()) return signature_of(o.id, mismatch);
    }
    return std::nullopt;
}

/// A bound on shrinking, which replays the sequence once per candidate: a
/// long walk's failure must not keep the test from reporting it.
struct shrink_limits {
    unsigned replays;
    std::chrono::seconds time;
};

/// Removes chunks of operations, halving the chunk size down to single
/// operations, while still_fails(candidate) holds.
template <class Op, class StillFails>
std::vector<Op> shrink(std::vector<Op> ops, const shrink_limits& limits, StillFails&& still_fails) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + limits.time;
    unsigned budget = limits.replays;
    std::size_t chunk = ops.size() > 1 ? ops.size() / 2 : 1;
    while (budget > 0 && clock::now() < deadline) {
        bool progress = false;
        for (std::size_t at = 0;
             at + chunk <= ops.size() && budget > 0 && clock::now() < deadline;) {
            std::vector<Op> trial(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(at));
            trial.insert(trial.end(), ops.begin() + static_cast<std::ptrdiff_t>(at + chunk),
                         ops.end());
            --budget;
            if (still_fails(trial)) {
                ops = std::move(trial);
                progress = true;
            } else {
                at += chunk;
            }
        }
        if (chunk > 1)
            chunk /= 2;
        else if (!progress)
            break;
    }
    return ops;
}

// ---- traces --------------------------------------------------------------------------

/// A trace's first line, creating the matrix of the geometry `g` (anything
/// with bits, start, end and nr_cpus).
template <class Geometry>
std::string trace_header(const Geometry& g) {
    irqmatrix::trace::arguments a;
    a.num = {g.bits, g.start, g.end, g.nr_cpus};
    return irqmatrix::trace::format_operation(id_of("matrix"), a) + " => 0\n";
}

/// One operation of a trace: its line ("OP ARGS => RESULT") and the mismatch
/// it showed ("" if none).
struct traced_step {
    std::string line;
    std::string mismatch;
};

/// A sequence as a trace that `irqmatrix replay` accepts: the header, a line
/// per operation from replay(op), and after the first mismatch a
/// "# MISMATCH: ..." comment, where the trace ends.
template <class Op, class Replay>
std::string trace_text(const std::string& header, const std::vector<Op>& ops, Replay&& replay) {
    std::string out = header;
    for (const Op& o : ops) {
        const traced_step s = replay(o);
        out += s.line + "\n";
        if (!s.mismatch.empty()) {
            out += "# MISMATCH: " + s.mismatch + "\n";
            break;
        }
    }
    return out;
}

}  // namespace differential
