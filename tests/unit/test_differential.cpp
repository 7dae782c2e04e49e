// SPDX-License-Identifier: MIT
// Differential property test: long seeded random sequences of every kernel
// and block operation and of the library's placed operations (alloc_at,
// reserve_managed_at, with blocks the model says are free, so that they
// succeed often), valid and invalid, applied to the library
// (irqmatrix::basic_matrix) and to the naive reference model
// (tests/model/naive_matrix.hpp, itself checked against the real kernel by
// test_model_golden.cpp). After every step the results and the global and
// per-CPU counters must agree, and a refused operation must leave the
// library exactly as it was (a single-vector reserve_managed refused for
// lack of room only keeps its counters: the kernel's rollback may move
// reservations, quirk Q7). So must the bitmaps, verify(), and what the
// library derives from its state: global_drift() and, per CPU, drift() (the
// model computes both from its counters and bitmaps), free_map(),
// first_free_block() of every order and largest_free_order(). After each
// step the bitmaps are compared on every CPU (on a sample beyond 16 CPUs)
// and the derived queries on a sample of CPUs; at the end of each epoch
// everything is compared on every CPU ("what a step compares" below says
// why).
//
// The geometries run from 2 CPUs to 4096. Up to cpu_index_walk_limit (8)
// CPUs the library walks every CPU mask as the kernel does; beyond, it asks
// its CPU index (cpu_index.hpp) about every mask of more CPUs than that, so
// only the 9-, 70-, 300- and 4096-CPU geometries check the index against the
// model. They use masks of every shape the index answers by a path of its
// own (all CPUs, ranges, random halves, all but a few, strided sets, the
// CPUs its search reaches last) besides single CPUs and other small masks,
// with CPUs going online and offline, and counters wrapped by quirk Q8. Each
// of their steps costs time in proportion to the CPU count (verify() at
// debug level 3 among others), so they run fewer operations.
//
// A last test checks bytes_per_cpu() against the sizes of the types it adds.
//
// The seeds are fixed, so a run is reproducible. On a mismatch the failing
// sequence is shrunk and printed as a trace (docs/trace-format.md) that the
// replay tool accepts, unless it holds alloc_at or reserve_managed_at lines,
// which have no trace operation; if a library assertion aborts the process
// (verify() runs after every mutation at debug level 3), a SIGABRT handler
// shrinks and prints the sequence first, replaying candidates in child
// processes (POSIX only). For exploration, IRQMATRIX_DIFF_SEED=N runs
// other seeds and IRQMATRIX_DIFF_SCALE=K runs K times as many operations;
// IRQMATRIX_DIFF_VERBOSE=1 prints what each geometry covered.
//
// The comparison, the shrinking loop and the trace text are shared with the
// planner's differential test and the fuzz_ops target
// (support/differential.hpp).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <irqmatrix/matrix.hpp>

#if defined(__unix__) || defined(__APPLE__)
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#define IRQMATRIX_DIFF_POSIX 1
#else
#define IRQMATRIX_DIFF_POSIX 0
#endif

#include "model/naive_matrix.hpp"
#include "support/catch.hpp"
#include "support/differential.hpp"

namespace {

// What the three differential harnesses share (support/differential.hpp).
using namespace differential;
using irqmatrix_model::naive_matrix;

// ---- operations as data ---------------------------------------------------

// Operations are ids of the table of operations (irqmatrix/operations.hpp),
// which support/differential.hpp writes as trace text and runs on both
// sides, plus the library's placed operations, which are no trace
// operations: they take the ids past the table's.
using kind = op_id;
constexpr kind alloc_at{static_cast<std::uint8_t>(irqmatrix::trace::operation_count)};
constexpr kind reserve_managed_at{static_cast<std::uint8_t>(irqmatrix::trace::operation_count + 1)};
constexpr unsigned id_limit = irqmatrix::trace::operation_count + 2;

// The operations a walk generates, with their weights in the balanced, fill
// and drain phases.
constexpr weighted_op generated[] = {
    {id_of("online"), {3, 2, 3}},
    {id_of("offline"), {2, 2, 2}},
    {id_of("assign_system"), {1, 1, 1}},
    {id_of("reserve_managed"), {4, 6, 1}},
    {id_of("remove_managed"), {3, 1, 6}},
    {id_of("alloc_managed"), {4, 6, 1}},
    {id_of("assign"), {2, 3, 1}},
    {id_of("reserve"), {2, 2, 2}},
    {id_of("remove_reserved"), {1, 1, 1}},
    {id_of("alloc"), {8, 14, 2}},
    {id_of("free"), {8, 3, 16}},
    {id_of("available"), {2, 1, 1}},
    {id_of("reserved"), {1, 1, 1}},
    {id_of("allocated"), {2, 1, 1}},
    {id_of("alloc_block"), {5, 9, 1}},
    {id_of("free_block"), {5, 2, 10}},
    {id_of("reserve_managed_block"), {2, 3, 1}},
    {id_of("remove_managed_block"), {2, 1, 4}},
    {id_of("alloc_managed_block"), {2, 3, 1}},
    {alloc_at, {4, 6, 1}},
    {reserve_managed_at, {2, 3, 1}},
};
constexpr unsigned kind_count = sizeof(generated) / sizeof(generated[0]);

// The row of an operation in `generated`.
constexpr unsigned row_of(kind k) {
    unsigned i = 0;
    while (i < kind_count && generated[i].id != k) ++i;
    return i;
}

std::string name_of(kind k) {
    if (k == alloc_at) return "alloc_at";
    if (k == reserve_managed_at) return "reserve_managed_at";
    return std::string(irqmatrix::trace::signature(k).name);
}

bool mutates(kind k) {
    return k != id_of("available") && k != id_of("reserved") && k != id_of("allocated");
}

// The operation as a trace line; the placed operations (the replay tool
// refuses these lines) written as their arguments.
std::string trace_line(const op& o) {
    const std::string f = o.flag ? "1" : "0";
    if (o.id == alloc_at)
        return name_of(o.id) + " " + std::to_string(o.cpu) + " " + std::to_string(o.bit) + " " +
               std::to_string(o.order) + " " + f;
    if (o.id == reserve_managed_at)
        return name_of(o.id) + " " + std::to_string(o.cpu) + " " + std::to_string(o.bit) + " " +
               std::to_string(o.order);
    return differential::describe(o);
}

// ---- one operation on each side ----------------------------------------------

template <unsigned Cap>
outcome run_library(irqmatrix::basic_matrix<Cap>& m, const op& o) {
    if (o.id == alloc_at) return of_placement(m.alloc_at(o.cpu, o.bit, o.order, o.flag));
    if (o.id == reserve_managed_at) return of_status(m.reserve_managed_at(o.cpu, o.bit, o.order));
    return differential::run_library(m, o);
}

outcome run_model(naive_matrix& m, const op& o) {
    if (o.id == alloc_at) return of_pick(m.alloc_at(o.cpu, o.bit, o.order, o.flag));
    if (o.id == reserve_managed_at) return of_int(m.reserve_managed_at(o.cpu, o.bit, o.order));
    return differential::run_model(m, o);
}

// ---- what a step compares ---------------------------------------------------------

// Every step compares the results and the counters of every CPU. The bitmaps
// and the queries derived from them (drift, free map, first free block,
// largest free order) cost the model a pass over std::vector<bool> maps,
// slow in a Debug build, so most steps compare them for a sample: the
// bitmaps of every CPU up to 16 CPUs, else of the CPUs the operation touched
// and a rotating window of 16; the derived queries of one CPU every few
// steps, the touched one and a rotating one in turn, and the global drift.
// The last step of an epoch and of a replayed sequence compares everything
// on every CPU, then once more with the CPU index brought up to date (so
// that largest_free_order() answers from the index's key for every CPU):
// what the sample missed shows there, and a shrunk sequence, whose last step
// is the failing one, fails the same way.
enum class depth { sampled, full };

constexpr unsigned sample_window = 16;

// Derived queries every this many steps: their cost grows with the width.
constexpr unsigned query_stride(unsigned bits) { return 1 + bits / 64; }

bool names_cpu(kind k) {
    switch (k) {
    case id_of("online"):
    case id_of("offline"):
    case id_of("assign_system"):
    case id_of("assign"):
    case id_of("free"):
    case id_of("available"):
    case id_of("allocated"):
    case id_of("free_block"):
    case alloc_at:
    case reserve_managed_at: return true;
    default: return false;
    }
}

// The CPUs an operation names or lands on: its CPU, an allocation's, a
// list's lowest and highest.
std::vector<unsigned> touched_cpus(const op& o, const outcome& r, unsigned nr_cpus) {
    std::vector<unsigned> t;
    if (names_cpu(o.id) && o.cpu < nr_cpus) t.push_back(o.cpu);
    const bool allocation = o.id == id_of("alloc") || o.id == id_of("alloc_managed") ||
                            o.id == id_of("alloc_block") || o.id == id_of("alloc_managed_block") ||
                            o.id == alloc_at;
    if (allocation && r.err == 0) t.push_back(static_cast<unsigned>(r.a));
    unsigned lo = ~0u, hi = 0;
    for (unsigned c : o.cpus)
        if (c < nr_cpus) {
            lo = c < lo ? c : lo;
            hi = c > hi ? c : hi;
        }
    if (lo != ~0u) {
        t.push_back(lo);
        if (hi != lo) t.push_back(hi);
    }
    return t;
}

// Compares the state after step `index` of a sequence (see above).
template <unsigned Cap>
std::string compare_state(const irqmatrix::basic_matrix<Cap>& lib, const naive_matrix& model,
                          const op& o, const outcome& r, unsigned index, depth how) {
    const unsigned n = lib.nr_cpus();
    std::string d;
    if (how == depth::full) {
        std::vector<unsigned> all(n);
        for (unsigned c = 0; c < n; ++c) all[c] = c;
        if (!(d = differential::matrix_diff(lib, model)).empty() ||
            !(d = differential::query_diff(lib, model, all)).empty())
            return d;
        (void)lib.cpu_index();  // every CPU clean: largest_free_order() reads the keys
        return differential::query_diff(lib, model, all);
    }
    const std::vector<unsigned> touched = touched_cpus(o, r, n);
    differential::check_scope scope;
    // At debug level 3 the library has just verified itself after a mutation.
    scope.verify = !mutates(o.id) || IRQMATRIX_DEBUG_LEVEL < 3;
    std::vector<unsigned> sample;
    if (n > sample_window) {
        sample = touched;
        for (unsigned j = 0; j < sample_window; ++j)
            sample.push_back((index * sample_window + j) % n);
        scope.bitmap_cpus = &sample;
    }
    if (!(d = differential::matrix_diff(lib, model, scope)).empty()) return d;
    std::vector<unsigned> queried;
    const unsigned stride = query_stride(lib.bits());
    if (index % stride == 0) {
        const unsigned turn = index / stride;
        queried.push_back(turn % 2 == 0 && !touched.empty() ? touched.front() : turn / 2 % n);
    }
    return differential::query_diff(lib, model, queried);
}

// ---- one step on both sides ---------------------------------------------------

// What happened in one step, for coverage and for the Q7 check.
struct step_report {
    std::string mismatch;  // "" when library and model agree
    outcome result;
    bool moved = false;  // a refused operation changed the library's bitmaps (Q7 only)
};

// Applies operation number `index` of a sequence to both sides and compares
// them, as deeply as `how` says (see compare_state). A sampled comparison
// that finds a difference is redone in full, so that the difference reported
// is the one a replay ending with this operation reports.
template <unsigned Cap>
step_report step(irqmatrix::basic_matrix<Cap>& lib, naive_matrix& model, const op& o,
                 unsigned index, depth how) {
    step_report rep;
    const bool mut = mutates(o.id);
    std::optional<irqmatrix::basic_matrix<Cap>> before;
    if (mut) before.emplace(lib);
    const outcome got = run_library(lib, o);
    const outcome want = run_model(model, o);
    rep.result = got;
    if (!(got == want)) {
        rep.mismatch = "result: library " + text(got) + ", model " + text(want);
        return rep;
    }
    if (mut && got.err != 0 && !(lib == *before)) {
        if (o.id == id_of("reserve_managed") && got.err == irqmatrix_model::err_no_space) {
            if (!differential::same_counters(lib, *before)) {
                rep.mismatch = "refused reserve_managed (-28) changed counters";
                return rep;
            }
            rep.moved = true;
        } else {
            rep.mismatch = "refused operation (" + text(got) + ") changed the library";
            return rep;
        }
    }
    rep.mismatch = compare_state(lib, model, o, got, index, how);
    if (!rep.mismatch.empty() && how == depth::sampled) {
        std::string full = compare_state(lib, model, o, got, index, depth::full);
        if (!full.empty()) rep.mismatch = std::move(full);
    }
    return rep;
}

// ---- the generator --------------------------------------------------------------

// Produces operations biased towards meaningful ones (frees of what is
// allocated, masks of online CPUs, ...), with phases that fill the matrix and
// phases that drain it, plus a steady share of invalid input.
class generator {
public:
    generator(const geometry& g, std::uint64_t seed) : g_(g), rng_(seed) {}

    void new_epoch() {
        boot_left_ = 20 + below(30);
        blocks_.clear();
        mode_ = balanced;
        mode_left_ = 300;
    }

    op next(const naive_matrix& m) {
        if (boot_left_ > 0) {
            --boot_left_;
            return make(m, boot_kind(m));
        }
        // A phase ends after a random number of operations, or early when
        // filling has (nearly) filled the matrix or draining emptied it.
        const double occ = occupancy(m);
        if (mode_left_ == 0 || (mode_ == fill && occ >= 0.9) || (mode_ == drain && occ <= 0.1)) {
            const unsigned r = below(10);
            if (mode_ == fill)
                mode_ = r < 7 ? drain : balanced;
            else if (mode_ == drain)
                mode_ = r < 7 ? fill : balanced;
            else
                mode_ = r < 5 ? fill : drain;
            mode_left_ = 200 + below(g_.end - g_.start > 256 ? 8000 : 2000);
        }
        --mode_left_;
        return make(m, pick_kind(m));
    }

    // Remembers a block that was just allocated, so that it can be freed.
    void allocated_block(unsigned cpu, unsigned base, unsigned order, bool managed) {
        if (blocks_.size() >= 256) blocks_.erase(blocks_.begin());
        blocks_.push_back({cpu, base, order, managed});
    }

    // Allocated plus reserved-but-unallocated vectors, as a share of all
    // CPUs' windows.
    double occupancy(const naive_matrix& m) const {
        const double capacity = static_cast<double>(g_.nr_cpus) * (g_.end - g_.start);
        if (capacity <= 0) return 0;
        double used = 0;
        for (unsigned c = 0; c < m.nr_cpus(); ++c) {
            const auto& cs = m.cpu(c);
            used += cs.allocated;
            if (cs.managed > cs.managed_allocated) used += cs.managed - cs.managed_allocated;
        }
        return used / capacity;
    }

private:
    enum phase { balanced, fill, drain };
    struct block {
        unsigned cpu, base, order;
        bool managed;
    };

    std::uint64_t raw() { return rng_(); }
    unsigned below(unsigned n) { return n == 0 ? 0 : static_cast<unsigned>(raw() % n); }
    bool chance(unsigned percent) { return below(100) < percent; }

    unsigned online_count(const naive_matrix& m) const { return m.online_maps(); }

    std::vector<unsigned> cpus_where(const naive_matrix& m, bool online) const {
        std::vector<unsigned> out;
        for (unsigned c = 0; c < m.nr_cpus(); ++c)
            if (m.cpu(c).online == online) out.push_back(c);
        return out;
    }

    unsigned any_cpu() { return below(g_.nr_cpus); }
    unsigned bad_cpu() { return g_.nr_cpus + below(3); }
    unsigned cpu_arg() { return chance(3) ? bad_cpu() : any_cpu(); }
    unsigned online_cpu(const naive_matrix& m) {
        const auto on = cpus_where(m, true);
        return on.empty() ? any_cpu() : on[below(static_cast<unsigned>(on.size()))];
    }

    unsigned order_arg() {
        if (chance(2)) return 6 + below(3);  // out of range
        // A large window only fills (and drains) in reasonable time with
        // large blocks.
        if (g_.end - g_.start >= 512 && mode_ != balanced && chance(70)) return 2 + below(4);
        const unsigned r = below(100);
        const unsigned big = g_.end - g_.start >= 128 ? 1 : 0;
        if (r < 35) return 0;
        if (r < 60) return 1;
        if (r < 78) return 2;
        if (r < 88) return 3;
        if (r < 95) return 3 + big;
        return 4 + big;
    }

    // A CPU list: mostly online CPUs; sometimes all CPUs, empty, unsorted,
    // with duplicates or with a CPU out of range.
    std::vector<unsigned> list_arg(const naive_matrix& m) {
        std::vector<unsigned> l;
        const unsigned r = below(100);
        if (r < 3) return l;
        if (g_.nr_cpus > walk_limit) {
            l = many_cpu_list(m);
        } else if (r < 13) {
            for (unsigned c = 0; c < g_.nr_cpus; ++c) l.push_back(c);
        } else if (r < 50) {
            l.push_back(online_cpu(m));
        } else {
            for (unsigned c = 0; c < g_.nr_cpus; ++c)
                if (chance(m.cpu(c).online ? 60 : 15)) l.push_back(c);
            if (l.empty()) l.push_back(online_cpu(m));
        }
        if (chance(8) && l.size() > 1) std::swap(l.front(), l.back());
        if (chance(5)) l.push_back(l[below(static_cast<unsigned>(l.size()))]);
        if (chance(3)) l.push_back(bad_cpu());
        return l;
    }

    // A list for a matrix of more than walk_limit CPUs, where the library
    // asks its CPU index about any mask of more than walk_limit CPUs: a
    // share of every shape the index answers by a different path.
    static constexpr unsigned walk_limit = irqmatrix::cpu_index_walk_limit;
    std::vector<unsigned> many_cpu_list(const naive_matrix& m) {
        const unsigned n = g_.nr_cpus;
        std::vector<unsigned> l;
        const unsigned r = below(100);
        if (r < 16) {  // every CPU: the index's kept winners
            for (unsigned c = 0; c < n; ++c) l.push_back(c);
        } else if (r < 30) {  // one CPU: walked
            l.push_back(online_cpu(m));
        } else if (r < 40) {  // two to walk_limit CPUs: walked
            const unsigned k = 2 + below(walk_limit - 1);
            for (unsigned i = 0; i < k; ++i) l.push_back(chance(70) ? online_cpu(m) : any_cpu());
        } else if (r < 56) {  // a range of more than walk_limit (a node): no mask words
            const unsigned len = walk_limit + 1 + below(n - walk_limit);
            const unsigned first = below(n - len + 1);
            for (unsigned c = first; c < first + len; ++c) l.push_back(c);
        } else if (r < 70) {  // a random half: the mask word by word
            for (unsigned c = 0; c < n; ++c)
                if (chance(50)) l.push_back(c);
        } else if (r < 77) {  // all but a few: almost, but not, the whole mask
            std::vector<bool> left_out(n, false);
            for (unsigned i = 1 + below(3); i > 0; --i) left_out[any_cpu()] = true;
            for (unsigned c = 0; c < n; ++c)
                if (!left_out[c]) l.push_back(c);
        } else if (r < 84) {  // every k-th CPU: sparse, across every word
            const unsigned stride = 2 + below(6);
            for (unsigned c = below(stride); c < n; c += stride) l.push_back(c);
        } else if (r < 92) {
            // The online CPUs with the fewest available vectors (or the
            // most managed-allocated ones): the values the index searches
            // first all miss the mask, so its search gives up after a
            // bounded number of words and walks the mask instead.
            const bool managed = chance(50);
            std::vector<std::pair<std::uint32_t, unsigned>> by_value;
            for (unsigned c = 0; c < n; ++c) {
                const auto& cs = m.cpu(c);
                if (cs.online)
                    by_value.emplace_back(managed ? ~cs.managed_allocated : cs.available, c);
            }
            std::sort(by_value.begin(), by_value.end());
            const std::size_t k = walk_limit + 1 + below(n / 8 + 1);
            for (std::size_t i = 0; i < k && i < by_value.size(); ++i)
                l.push_back(by_value[i].second);
        } else {  // mostly online CPUs
            for (unsigned c = 0; c < n; ++c)
                if (chance(m.cpu(c).online ? 60 : 15)) l.push_back(c);
        }
        if (l.empty()) l.push_back(online_cpu(m));
        return l;
    }

    unsigned window_bit() { return g_.start + below(g_.end - g_.start); }

    // A bit anywhere, including outside the window and just past the width.
    unsigned wild_bit() { return below(g_.bits + 2); }

    // The k-th set bit of a map, k random; ~0u if none is set.
    unsigned random_set_bit(const std::vector<bool>& map, unsigned count_hint) {
        if (count_hint == 0) return ~0u;
        unsigned k = below(count_hint);
        for (unsigned i = 0; i < map.size(); ++i)
            if (map[i] && k-- == 0) return i;
        return ~0u;
    }

    // An allocated bit somewhere: {cpu, bit} or {~0u, ~0u}.
    std::pair<unsigned, unsigned> allocated_bit(const naive_matrix& m) {
        std::vector<unsigned> with;
        for (unsigned c = 0; c < m.nr_cpus(); ++c)
            if (m.cpu(c).allocated > 0) with.push_back(c);
        if (with.empty()) return {~0u, ~0u};
        const unsigned c = with[below(static_cast<unsigned>(with.size()))];
        return {c, random_set_bit(m.cpu(c).alloc_map, m.cpu(c).allocated)};
    }

    // A free bit of the CPU inside the window, or a random window bit.
    unsigned free_bit(const naive_matrix& m, unsigned c) {
        std::vector<unsigned> free;
        const auto& cs = m.cpu(c);
        for (unsigned b = g_.start; b < g_.end; ++b)
            if (!cs.alloc_map[b] && !cs.managed_map[b] && !m.system_map()[b]) free.push_back(b);
        if (free.empty()) return window_bit();
        return free[below(static_cast<unsigned>(free.size()))];
    }

    // A base for a block of the order on the CPU: mostly a free aligned
    // block's (from the model's free map), else an aligned base in the
    // window that may be taken, or a base that is unaligned, outside the
    // window or straddling its end.
    unsigned block_arg(const naive_matrix& m, unsigned c, unsigned order) {
        const unsigned n = 1u << (order & 7);
        const unsigned r = below(100);
        if (r < 75 && c < g_.nr_cpus && order <= naive_matrix::max_order) {
            const std::vector<bool> f = m.free_map(c);
            std::vector<unsigned> bases;
            for (unsigned base = 0; base + n <= g_.bits; base += n) {
                bool all = true;
                for (unsigned b = base; b < base + n && all; ++b) all = f[b];
                if (all) bases.push_back(base);
            }
            if (!bases.empty()) return bases[below(static_cast<unsigned>(bases.size()))];
        }
        if (r < 90) return (window_bit() / n) * n;
        if (r < 95) return wild_bit();
        return (g_.end / n) * n + (chance(50) ? 0 : n);  // at or past the window's end
    }

    // Where some online CPU has no vector available, turns the assign into
    // one onto a vector of it that is reserved or a system vector, not
    // free: the kernel charges it anyway (Q8) and the available counter
    // wraps far above the capacity, which the CPU index files in a bucket of
    // its own that its searches treat apart.
    void wrapping_assign(const naive_matrix& m, op& o) {
        for (unsigned c = 0; c < m.nr_cpus(); ++c) {
            const auto& cs = m.cpu(c);
            if (!cs.online || cs.available != 0) continue;
            for (unsigned b = g_.start; b < g_.end; ++b)
                if (!cs.alloc_map[b] && (cs.managed_map[b] || m.system_map()[b])) {
                    o.cpu = c;
                    o.bit = b;
                    return;
                }
        }
    }

    bool removable(const naive_matrix& m, unsigned c) const {
        const auto& cs = m.cpu(c);
        for (unsigned b = 0; b < g_.bits; ++b)
            if (cs.managed_map[b] && !cs.alloc_map[b]) return true;
        return false;
    }

    kind boot_kind(const naive_matrix& m) {
        const unsigned r = below(100);
        if (r < 40) return id_of("assign_system");
        if (r < 55) return online_count(m) == g_.nr_cpus ? id_of("alloc") : id_of("online");
        if (r < 70) return id_of("assign");
        if (r < 78) return id_of("reserve_managed");
        if (r < 90) return id_of("alloc");
        return id_of("free");
    }

    kind pick_kind(const naive_matrix& m) {
        const unsigned on = online_count(m);
        unsigned weights[kind_count];
        unsigned total = 0;
        for (unsigned i = 0; i < kind_count; ++i) {
            weights[i] = generated[i].weight[mode_];
            total += weights[i];
        }
        // Keep CPUs mostly online, and let assign_system succeed at times.
        const unsigned on_i = row_of(id_of("online"));
        const unsigned off_i = row_of(id_of("offline"));
        if (on == g_.nr_cpus) {  // nothing to online: an occasional double online only
            total -= weights[on_i] - 1;
            weights[on_i] = 1;
        }
        if (on <= 1) {  // keep at least one CPU online most of the time
            total -= weights[off_i] - 1;
            weights[off_i] = 1;
        }
        if (on == 0) {
            weights[on_i] += 30;
            total += 30;
        }
        if (on <= 1) {
            weights[row_of(id_of("assign_system"))] += 3;
            total += 3;
        }
        // Many CPUs come online one operation at a time: bring up to three
        // quarters of them online, so that the index holds many CPUs and
        // masks mix online and offline ones.
        if (g_.nr_cpus > walk_limit && on < g_.nr_cpus / 4 * 3) {
            weights[on_i] += 20;
            total += 20;
        }
        unsigned r = below(total);
        for (unsigned i = 0; i < kind_count; ++i) {
            if (r < weights[i]) return generated[i].id;
            r -= weights[i];
        }
        return id_of("reserve");
    }

    op make(const naive_matrix& m, kind k) {
        op o;
        o.id = k;
        switch (k) {
        case id_of("online"): {
            const auto off = cpus_where(m, false);
            o.cpu = off.empty() || chance(10) ? cpu_arg()
                                              : off[below(static_cast<unsigned>(off.size()))];
            break;
        }
        case id_of("offline"): {
            const auto on = cpus_where(m, true);
            o.cpu =
                on.empty() || chance(10) ? cpu_arg() : on[below(static_cast<unsigned>(on.size()))];
            break;
        }
        case id_of("assign_system"): {
            o.cpu = online_count(m) == 1 ? online_cpu(m) : any_cpu();
            if (chance(3)) o.cpu = bad_cpu();
            const auto [c, b] = allocated_bit(m);
            if (c != ~0u && chance(40)) {
                o.flag = true;
                if (!chance(10)) {
                    o.cpu = c;
                    o.bit = b;
                } else {
                    o.bit = wild_bit();
                }
            } else {
                o.flag = chance(5);
                const unsigned r = below(100);
                if (r < 45)
                    o.bit = window_bit();
                else if (r < 90)
                    o.bit = wild_bit();
                else
                    o.bit = g_.bits;  // the kernel's off-by-one (Q9), refused here
            }
            break;
        }
        case id_of("reserve_managed"):
        case id_of("alloc_managed"):
        case id_of("alloc"):
            o.cpus = list_arg(m);
            if (k == id_of("reserve_managed") && chance(10)) {
                // Offline CPUs too (managed reservations before the first online, Q1).
                o.cpus.push_back(any_cpu());
            }
            o.flag = k == id_of("alloc") && m.global_reserved() > 0 ? chance(50) : chance(5);
            break;
        case id_of("remove_managed"):
        case id_of("remove_managed_block"): {
            std::vector<unsigned> can;
            for (unsigned c = 0; c < m.nr_cpus(); ++c)
                if (removable(m, c)) can.push_back(c);
            if (!can.empty() && chance(75)) {
                for (unsigned c : can)
                    if (chance(50)) o.cpus.push_back(c);
                if (o.cpus.empty()) o.cpus.push_back(can[below(static_cast<unsigned>(can.size()))]);
            } else {
                o.cpus = list_arg(m);
            }
            o.order = k == id_of("remove_managed_block") ? order_arg() : 0;
            break;
        }
        case id_of("assign"): {
            o.cpu = chance(70) ? online_cpu(m) : cpu_arg();
            const unsigned r = below(100);
            if (o.cpu >= g_.nr_cpus || r < 10)
                o.bit = window_bit();  // may hit system/managed bits (Q8)
            else if (r < 14)
                o.bit = wild_bit();
            else if (r < 18) {
                const auto& cs = m.cpu(o.cpu);
                const unsigned b = random_set_bit(cs.alloc_map, cs.allocated);
                o.bit = b == ~0u ? window_bit() : b;
            } else {
                o.bit = free_bit(m, o.cpu);
            }
            if (g_.nr_cpus > walk_limit && chance(5)) wrapping_assign(m, o);
            break;
        }
        case id_of("reserve"):
        case id_of("remove_reserved"):
        case id_of("reserved"): break;
        case id_of("free"): {
            const auto [c, b] = allocated_bit(m);
            if (c == ~0u || chance(6)) {
                o.cpu = cpu_arg();
                o.bit = chance(50) ? wild_bit() : window_bit();
                o.flag = chance(50);
            } else {
                o.cpu = c;
                o.bit = b;
                o.flag = m.cpu(c).managed_map[b];
                if (chance(4)) o.flag = !o.flag;
            }
            break;
        }
        case id_of("available"):
            o.cpu = cpu_arg();
            o.flag = chance(50);
            break;
        case id_of("allocated"): o.cpu = cpu_arg(); break;
        case id_of("alloc_block"):
            o.cpus = list_arg(m);
            o.order = order_arg();
            o.flag = m.global_reserved() >= (1u << (o.order & 7)) ? chance(50) : chance(3);
            break;
        case id_of("free_block"): {
            if (!blocks_.empty() && chance(65)) {
                const unsigned i = below(static_cast<unsigned>(blocks_.size()));
                const block b = blocks_[i];
                blocks_.erase(blocks_.begin() + i);
                o.cpu = b.cpu;
                o.bit = b.base;
                o.order = b.order;
                o.flag = b.managed;
                const unsigned r = below(100);
                if (r < 3 && o.order > 0)
                    o.bit += 1u << (o.order - 1);  // unaligned
                else if (r < 6)
                    o.flag = !o.flag;
                else if (r < 8)
                    o.order += 1;
                else if (r < 9)
                    o.order = 6;
                else if (r < 10)
                    o.cpu = bad_cpu();
            } else {
                const auto [c, b] = allocated_bit(m);
                if (c == ~0u || chance(5)) {
                    o.cpu = cpu_arg();
                    o.bit = wild_bit();
                    o.order = order_arg();
                    o.flag = chance(50);
                } else {
                    o.cpu = c;
                    o.order = below(3);
                    o.bit = b & ~((1u << o.order) - 1);
                    o.flag = m.cpu(c).managed_map[b];
                }
            }
            break;
        }
        case id_of("reserve_managed_block"):
        case id_of("alloc_managed_block"):
            o.cpus = list_arg(m);
            o.order = order_arg();
            break;
        case alloc_at:
        case reserve_managed_at:
            // Mostly a block the model says is free, so that the success
            // path runs; else one that may be taken, or bad arguments.
            o.cpu = chance(k == alloc_at ? 85 : 60) ? online_cpu(m) : cpu_arg();
            o.order = order_arg();
            o.bit = block_arg(m, o.cpu, o.order);
            if (k == alloc_at)
                o.flag = m.global_reserved() >= (1u << (o.order & 7)) ? chance(50) : chance(3);
            break;
        default: break;
        }
        return o;
    }

    geometry g_;
    std::mt19937_64 rng_;
    unsigned boot_left_ = 0;
    phase mode_ = balanced;
    unsigned mode_left_ = 0;
    std::vector<block> blocks_;
};

// The result as a trace writes it: a value, "CPU BASE", 0 or the errno.
std::string result_words(const op& o, const outcome& r) {
    if (o.id == alloc_at && r.err == 0) return text(r);
    if (o.id == reserve_managed_at && r.err == 0) return "0";
    return differential::result_text(o, r);
}

// ---- shrinking a failing sequence -------------------------------------------------

template <unsigned Cap>
std::optional<irqmatrix::basic_matrix<Cap>> fresh_library(const geometry& g) {
    auto m = irqmatrix::basic_matrix<Cap>::create(g.bits, g.start, g.end, g.nr_cpus);
    if (!m) return std::nullopt;
    return std::move(*m);
}

using failure_signature = differential::failure_signature;

// Replays the operations on fresh matrices; the first mismatch, if any.
template <unsigned Cap>
std::optional<failure_signature> first_failure(const geometry& g, const std::vector<op>& ops) {
    auto lib = fresh_library<Cap>(g);
    naive_matrix model(g.bits, g.start, g.end, g.nr_cpus);
    unsigned i = 0;
    return differential::first_failure(ops, [&](const op& o) {
        const depth how = i + 1 == ops.size() ? depth::full : depth::sampled;
        return step(*lib, model, o, i++, how).mismatch;
    });
}

// Shrinking gives up after this many replays or this long, and reports the
// shortest sequence it has found by then.
constexpr differential::shrink_limits shrink_bound{20000, std::chrono::seconds(10)};

// The operations as a trace with the library's results, up to the mismatch.
template <unsigned Cap>
std::string library_trace(const geometry& g, const std::vector<op>& ops) {
    auto lib = fresh_library<Cap>(g);
    naive_matrix model(g.bits, g.start, g.end, g.nr_cpus);
    unsigned i = 0;
    return differential::trace_text(differential::trace_header(g), ops, [&](const op& o) {
        const depth how = i + 1 == ops.size() ? depth::full : depth::sampled;
        const step_report r = step(*lib, model, o, i++, how);
        return differential::traced_step{trace_line(o) + " => " + result_words(o, r.result),
                                         r.mismatch};
    });
}

// The operations as a trace with the model's (the specification's) results.
std::string model_trace(const geometry& g, const std::vector<op>& ops) {
    naive_matrix model(g.bits, g.start, g.end, g.nr_cpus);
    return differential::trace_text(differential::trace_header(g), ops, [&](const op& o) {
        return differential::traced_step{
            trace_line(o) + " => " + result_words(o, run_model(model, o)), {}};
    });
}

// A library assertion (verify() at debug level 3) aborts the process. While
// a sequence runs, a SIGABRT handler shrinks it, replaying candidates in
// child processes, prints the result and hands the signal on to Catch2.
struct abort_reporter {
    virtual ~abort_reporter() = default;
    virtual void report() = 0;
};

#if IRQMATRIX_DIFF_POSIX
abort_reporter* current_reporter = nullptr;
struct sigaction previous_abort_action;

extern "C" void on_abort(int sig) {
    if (abort_reporter* r = current_reporter) {
        current_reporter = nullptr;
        r->report();
    }
    sigaction(SIGABRT, &previous_abort_action, nullptr);
    raise(sig);  // pending until this handler returns, then Catch2's handler runs
}

// Replays the operations in a child process, so that a library assertion
// cannot take the test down: "aborted", or whether the first mismatch has
// the given signature.
enum class isolated_result { passed, same_failure, other_failure, aborted };

template <unsigned Cap>
isolated_result replay_isolated(const geometry& g, const std::vector<op>& ops,
                                const failure_signature& sig) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) return isolated_result::passed;
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        signal(SIGABRT, SIG_DFL);
        const auto f = first_failure<Cap>(g, ops);
        _exit(!f ? 0 : *f == sig ? 1 : 2);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return isolated_result::passed;
    if (WIFSIGNALED(status)) return isolated_result::aborted;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1) return isolated_result::same_failure;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) return isolated_result::other_failure;
    return isolated_result::passed;
}
#endif

// Shrinks a sequence whose last operation gave a mismatch with this signature.
template <unsigned Cap>
std::vector<op> shrink_mismatch(const geometry& g, const std::vector<op>& ops,
                                const failure_signature& sig) {
    return differential::shrink(ops, shrink_bound, [&g, &sig](const std::vector<op>& t) {
#if IRQMATRIX_DIFF_POSIX
        return replay_isolated<Cap>(g, t, sig) == isolated_result::same_failure;
#else
        const auto f = first_failure<Cap>(g, t);
        return f && *f == sig;
#endif
    });
}

#if IRQMATRIX_DIFF_POSIX
class abort_guard {
public:
    explicit abort_guard(abort_reporter& r) {
        struct sigaction sa {};
        sa.sa_handler = on_abort;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGABRT, &sa, &previous_abort_action);
        current_reporter = &r;
    }
    ~abort_guard() {
        current_reporter = nullptr;
        sigaction(SIGABRT, &previous_abort_action, nullptr);
    }
    abort_guard(const abort_guard&) = delete;
    abort_guard& operator=(const abort_guard&) = delete;
};
#endif

template <unsigned Cap>
class epoch_reporter final : public abort_reporter {
public:
    epoch_reporter(const geometry& g, std::uint64_t seed, const std::vector<op>& history)
        : g_(g), seed_(seed), history_(history) {}
    void report() override {
        std::fprintf(stderr,
                     "\n*** the library aborted (geometry %s, seed %llu) after %zu operations of "
                     "this epoch; the last one was: %s\n",
                     g_.name, static_cast<unsigned long long>(seed_), history_.size(),
                     history_.empty() ? "-" : trace_line(history_.back()).c_str());
#if IRQMATRIX_DIFF_POSIX
        std::fprintf(stderr, "*** shrinking it in child processes...\n");
        const auto ops =
            differential::shrink(history_, shrink_bound, [this](const std::vector<op>& t) {
                return replay_isolated<Cap>(g_, t, {}) == isolated_result::aborted;
            });
        std::fprintf(stderr,
                     "*** shrunk reproduction; results are the model's (the specification's), "
                     "the library aborts at or before the last line:\n%s\n",
                     model_trace(g_, ops).c_str());
#endif
        std::fflush(stderr);
    }

private:
    const geometry& g_;
    std::uint64_t seed_;
    const std::vector<op>& history_;
};

// ---- the driver --------------------------------------------------------------------

struct coverage {
    unsigned long ok[id_limit] = {};  // by operation id
    unsigned long refused[id_limit] = {};
    unsigned long q7_moves = 0;
    unsigned long fill_cycles = 0;
    unsigned long operations = 0;
    double max_occupancy = 0;
    // Allocations placed through the CPU index: with the mask of every CPU,
    // and with another mask of more than walk_limit CPUs.
    unsigned long indexed_whole = 0;
    unsigned long indexed_partial = 0;
    unsigned peak_online = 0;
};

// The number of distinct CPUs of a list, if all are in range; 0 otherwise.
unsigned distinct_cpus(const std::vector<unsigned>& cpus, unsigned nr_cpus) {
    std::vector<bool> seen(nr_cpus, false);
    unsigned n = 0;
    for (unsigned c : cpus) {
        if (c >= nr_cpus) return 0;
        if (!seen[c]) ++n;
        seen[c] = true;
    }
    return n;
}

template <unsigned Cap>
coverage run(const geometry& g) {
    const std::uint64_t seed = differential::seed_of(g);
    const unsigned total = differential::operations_of(g);
    INFO("geometry " << g.name << ": " << g.bits << " bits, window [" << g.start << "," << g.end
                     << "), " << g.nr_cpus << " CPUs");
    CAPTURE(seed);
    generator gen(g, seed);
    coverage cov;
    bool high = false;
    for (unsigned done = 0; done < total;) {
        auto created = fresh_library<Cap>(g);
        REQUIRE(created.has_value());
        auto& lib = *created;
        naive_matrix model(g.bits, g.start, g.end, g.nr_cpus);
        gen.new_epoch();
        std::vector<op> history;
        epoch_reporter<Cap> reporter(g, seed, history);
#if IRQMATRIX_DIFF_POSIX
        const abort_guard guard(reporter);
#endif
        for (unsigned i = 0; i < g.epoch && done < total; ++i, ++done) {
            const op o = gen.next(model);
            history.push_back(o);
            const bool last = i + 1 == g.epoch || done + 1 == total;
            const step_report r = step(lib, model, o, i, last ? depth::full : depth::sampled);
            if (!r.mismatch.empty()) {
                INFO("step " << done << " (epoch step " << i << "): " << trace_line(o));
                INFO("mismatch: " << r.mismatch);
                const auto ops =
                    shrink_mismatch<Cap>(g, history, differential::signature_of(o.id, r.mismatch));
                INFO("shrunk reproduction (results are the library's):\n"
                     << library_trace<Cap>(g, ops));
                REQUIRE(r.mismatch.empty());
            }
            const unsigned ki = static_cast<unsigned>(o.id);
            if (r.result.err == 0) {
                ++cov.ok[ki];
                const unsigned base = r.result.b;
                const unsigned cpu = static_cast<unsigned>(r.result.a);
                if (o.id == id_of("alloc_block")) gen.allocated_block(cpu, base, o.order, false);
                if (o.id == id_of("alloc_managed_block"))
                    gen.allocated_block(cpu, base, o.order, true);
                if (o.id == id_of("alloc")) gen.allocated_block(cpu, base, 0, false);
                if (o.id == id_of("alloc_managed")) gen.allocated_block(cpu, base, 0, true);
                if (o.id == alloc_at) gen.allocated_block(cpu, base, o.order, false);
                if (o.id == id_of("alloc") || o.id == id_of("alloc_block") ||
                    o.id == id_of("alloc_managed") || o.id == id_of("alloc_managed_block")) {
                    const unsigned n = distinct_cpus(o.cpus, g.nr_cpus);
                    if (n == g.nr_cpus && n > irqmatrix::cpu_index_walk_limit)
                        ++cov.indexed_whole;
                    else if (n > irqmatrix::cpu_index_walk_limit)
                        ++cov.indexed_partial;
                }
            } else {
                ++cov.refused[ki];
            }
            if (r.moved) ++cov.q7_moves;
            if (model.online_maps() > cov.peak_online) cov.peak_online = model.online_maps();
            const double occ = gen.occupancy(model);
            if (occ > cov.max_occupancy) cov.max_occupancy = occ;
            if (occ >= 0.8) high = true;
            if (high && occ <= 0.2) {
                high = false;
                ++cov.fill_cycles;
            }
        }
        cov.operations = done;
    }
    if (differential::verbose()) {
        std::printf(
            "%s: %lu operations, %lu fill/drain cycles (peak occupancy %.2f), %lu Q7 moves\n",
            g.name, cov.operations, cov.fill_cycles, cov.max_occupancy, cov.q7_moves);
        std::printf(
            "  peak %u CPUs online; allocations through the CPU index: %lu whole mask, "
            "%lu other\n",
            cov.peak_online, cov.indexed_whole, cov.indexed_partial);
        for (const weighted_op& gk : generated) {
            const unsigned i = static_cast<unsigned>(gk.id);
            std::printf("  %-22s ok %7lu  refused %7lu\n", name_of(gk.id).c_str(), cov.ok[i],
                        cov.refused[i]);
        }
    }
    return cov;
}

// Every kind of operation both succeeded and was refused (reserve and
// reserved cannot be refused), and with the fixed seeds the matrix went from
// at least 80% to at most 20% occupancy `min_cycles` times. Other seeds
// (IRQMATRIX_DIFF_SEED) only check the agreement, not the coverage.
void require_coverage(const coverage& cov, unsigned long min_cycles) {
    if (!differential::fixed_seeds()) return;
    for (const weighted_op& gk : generated) {
        const unsigned i = static_cast<unsigned>(gk.id);
        INFO(name_of(gk.id));
        CHECK(cov.ok[i] > 0);
        if (gk.id != id_of("reserve") && gk.id != id_of("reserved")) {
            CHECK(cov.refused[i] > 0);
        }
    }
    CHECK(cov.fill_cycles >= min_cycles);
}

// A geometry of more CPUs than walk_limit: with the fixed seeds, the CPU
// index placed allocations for the whole mask and (with room for one) for
// other masks, many CPUs came online, some went offline again, and both
// placed operations succeeded.
void require_index_coverage(const geometry& g, const coverage& cov) {
    if (!differential::fixed_seeds()) return;
    CHECK(cov.indexed_whole > 0);
    if (g.nr_cpus > irqmatrix::cpu_index_walk_limit + 1) {
        CHECK(cov.indexed_partial > 0);
    }
    CHECK(cov.peak_online > irqmatrix::cpu_index_walk_limit);
    CHECK(cov.ok[static_cast<unsigned>(id_of("offline"))] > 0);
    CHECK(cov.ok[static_cast<unsigned>(alloc_at)] > 0);
    CHECK(cov.ok[static_cast<unsigned>(reserve_managed_at)] > 0);
}

}  // namespace

TEST_CASE("differential: small 64-bit windows that fill up fast", "[differential]") {
    SECTION("64 bits, window [2,56), 2 CPUs") {
        const geometry g{"small64-2", 64, 2, 56, 2, 35000, 3500, 0x5eed0001};
        require_coverage(run<64>(g), 3);
    }
    SECTION("64 bits, window [2,56), 4 CPUs") {
        const geometry g{"small64-4", 64, 2, 56, 4, 35000, 5000, 0x5eed0002};
        const auto cov = run<64>(g);
        require_coverage(cov, 3);
        if (differential::fixed_seeds()) {
            CHECK(cov.q7_moves > 0);  // the kernel's rollback did move a reservation
        }
    }
    SECTION("64 bits, window [6,12), 3 CPUs") {
        const geometry g{"tiny6-12", 64, 6, 12, 3, 25000, 2500, 0x5eed0003};
        require_coverage(run<64>(g), 3);
    }
}

TEST_CASE("differential: odd widths and an empty window", "[differential]") {
    SECTION("100 of 128 bits, window [3,97), 3 CPUs") {
        const geometry g{"odd100", 100, 3, 97, 3, 20000, 5000, 0x5eed0004};
        require_coverage(run<128>(g), 1);
    }
    SECTION("40 of 64 bits, empty window [17,17), 2 CPUs") {
        const geometry g{"empty", 40, 17, 17, 2, 3000, 1000, 0x5eed0005};
        const auto cov = run<64>(g);
        CHECK(cov.ok[static_cast<unsigned>(id_of("alloc"))] == 0);  // nothing to hand out
        CHECK(cov.ok[static_cast<unsigned>(id_of("online"))] > 0);
    }
}

TEST_CASE("differential: x86 layouts", "[differential]") {
    SECTION("256 bits, window [32,236), 4 CPUs (before Linux 6.10)") {
        const geometry g{"x86-236", 256, 32, 236, 4, 50000, 10000, 0x5eed0006};
        require_coverage(run<256>(g), 1);
    }
    SECTION("256 bits, window [32,235), 8 CPUs (Linux 6.10 on)") {
        const geometry g{"x86-235", 256, 32, 235, 8, 50000, 12500, 0x5eed0007};
        require_coverage(run<256>(g), 1);
    }
}

TEST_CASE("differential: 2048-bit RISC-V IMSIC sized matrix", "[differential]") {
    const geometry g{"imsic2048", 2048, 1, 2047, 3, 32000, 16000, 0x5eed0008};
    require_coverage(run<2048>(g), 1);
}

TEST_CASE("differential: more CPUs than the small-mask walk, through the CPU index",
          "[differential]") {
    SECTION("256 bits, window [32,236), 9 CPUs") {
        const geometry g{"x86-9cpus", 256, 32, 236, 9, 6000, 3000, 0x5eed0009};
        require_index_coverage(g, run<256>(g));
    }
    SECTION("128 bits, window [16,120), 70 CPUs") {
        const geometry g{"w128-70cpus", 128, 16, 120, 70, 3000, 1500, 0x5eed000a};
        require_index_coverage(g, run<128>(g));
    }
    SECTION("256 bits, window [32,236), 300 CPUs") {
        const geometry g{"x86-300cpus", 256, 32, 236, 300, 1500, 1500, 0x5eed000b};
        require_index_coverage(g, run<256>(g));
    }
    SECTION("64 bits, window [8,56), 4096 CPUs") {
        const geometry g{"w64-4096cpus", 64, 8, 56, 4096, 500, 500, 0x5eed000c};
        require_index_coverage(g, run<64>(g));
    }
}

namespace {

// What a matrix holds per CPU, by bytes_per_cpu()'s own account: the CPU's
// cpumap; its share of the CPU index, a bit for each counter value (0 to
// the capacity, and the overflow bucket) and for each block order on each
// of the index's two sides, plus the CPU's key; and the lazy feed's entries,
// a summary of the CPU's words, a dirty-list slot and a word of flipped
// bits. Recomputed here from the sizes of those types; the feed's are
// private to the matrix, so a struct with the summary's members stands in
// for it. A term left out, counted twice or of the wrong type shows.
template <unsigned Cap>
double expected_bytes_per_cpu() {
    constexpr unsigned words = Cap / 64;
    using stale_mask = std::conditional_t<(words <= 8), std::uint8_t, std::uint32_t>;
    struct summary_like {
        std::array<std::uint8_t, words> word_orders;
        stale_mask stale_words;
        stale_mask flipped_words;
        bool dirty;
    };
    constexpr double values = Cap + 2.0;
    constexpr double orders = irqmatrix::max_order + 1.0;
    const double index_bits = 2 * values + 2 * orders;
    const double key = static_cast<double>(sizeof(typename irqmatrix::cpu_index<Cap>::key));
    const double feed =
        static_cast<double>(sizeof(summary_like) + sizeof(std::uint16_t) + sizeof(std::uint64_t));
    return static_cast<double>(sizeof(irqmatrix::cpumap<Cap>)) + index_bits / 8 + key + feed;
}

}  // namespace

TEST_CASE("differential: bytes_per_cpu() adds up what a matrix holds per CPU", "[differential]") {
    CHECK(irqmatrix::basic_matrix<64>::bytes_per_cpu() == expected_bytes_per_cpu<64>());
    CHECK(irqmatrix::basic_matrix<128>::bytes_per_cpu() == expected_bytes_per_cpu<128>());
    CHECK(irqmatrix::basic_matrix<256>::bytes_per_cpu() == expected_bytes_per_cpu<256>());
    CHECK(irqmatrix::basic_matrix<2048>::bytes_per_cpu() == expected_bytes_per_cpu<2048>());
    if constexpr (alignof(std::uint64_t) == 8 && sizeof(bool) == 1) {
        // Worked out by hand for the x86 capacity, 256: a 96-byte cpumap
        // (six counters, two flags, padding to 32, two 32-byte bitmaps);
        // 258 values and 6 orders on two sides, 66 bytes, and a 12-byte key;
        // a 7-byte summary (4 word bytes, two 1-byte masks, a flag), a
        // 2-byte dirty-list slot and an 8-byte flip word.
        CHECK(irqmatrix::basic_matrix<256>::bytes_per_cpu() ==
              96.0 + 66.0 + 12.0 + 7.0 + 2.0 + 8.0);
    }
}
