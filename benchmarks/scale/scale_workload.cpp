// SPDX-License-Identifier: MIT
// irqmatrix-scale's starting states. For each CPU count and fill level, an
// x86 matrix (256 vectors, window [32, 236), IA32_SYSCALL_VECTOR 0x80 a
// system vector) with every CPU online; then, CPU by CPU with a one-CPU mask,
// 1 to 3 managed reservations (some allocated) and a seeded mix of single
// vectors and aligned blocks of orders 0 to 5, overshooting the target and
// freeing random allocations to punch holes, then topped up with single
// vectors. The target is fill% of the window +- 4 vectors per CPU, so CPUs
// differ in how many vectors they have available; every CPU keeps at least
// one free vector.
//
// The library and the baseline are driven in lockstep (a `twin`): every
// operation goes to both and their outcomes must be equal, and at the end the
// states must be equal field by field. The expected outcomes of the timed
// loops are taken the same way, on scratch copies, and a seeded agreement run
// of mixed operations over every mask is played on copies as a last check.
#include <algorithm>
#include <map>
#include <type_traits>
#include <utility>

#include "scale_engines.hpp"

namespace irqmatrix_scale {
namespace {

constexpr unsigned agreement_ops = 400;

std::string text(const outcome& o) {
    // Appended piecewise: g++ 12 -O3 warns falsely (-Wrestrict) on
    // "literal" + std::to_string(...).
    std::string s;
    if (!o.ok()) {
        s += '-';
        s += std::to_string(o.err);
        return s;
    }
    s += "cpu ";
    s += std::to_string(o.cpu);
    s += " base ";
    s += std::to_string(o.base);
    return s;
}

// The library and the baseline driven in lockstep. The first disagreement is
// kept in `error`; later operations still run (on both) but are not compared.
class twin {
public:
    twin(lib_engine& l, baseline_engine& b) : l_(l), b_(b) {}

    // op(engine) -> outcome, called on each engine.
    template <class Op>
    outcome run(const std::string& what, Op op) {
        const outcome a = op(l_);
        const outcome b = op(b_);
        if (error.empty() && !(a == b))
            error = what + ": library " + text(a) + ", baseline " + text(b);
        return a;
    }
    // A free of either kind on both; false unless both succeeded.
    bool free_block(unsigned cpu, unsigned base, unsigned order, bool managed) {
        const bool a = l_.free_block(cpu, base, order, managed);
        const bool b = b_.free_block(cpu, base, order, managed);
        if (error.empty() && a != b)
            error = "free_block on cpu " + std::to_string(cpu) + " differs";
        return a && b;
    }
    std::string state_difference() const {
        return irqmatrix_baseline::state_difference(b_.matrix(), l_.matrix());
    }

    std::string error;

private:
    lib_engine& l_;
    baseline_engine& b_;
};

// Operations on a prepared mask, for twin::run.
auto alloc_on(const irqmatrix::cpu_set& m) {
    return [&m](auto& e) { return e.alloc(std::decay_t<decltype(e)>::prepare(m)); };
}
auto alloc_block_on(const irqmatrix::cpu_set& m, unsigned order) {
    return [&m, order](auto& e) {
        return e.alloc_block(std::decay_t<decltype(e)>::prepare(m), order);
    };
}
auto alloc_managed_on(const irqmatrix::cpu_set& m) {
    return [&m](auto& e) { return e.alloc_managed(std::decay_t<decltype(e)>::prepare(m)); };
}
auto reserve_managed_on(const irqmatrix::cpu_set& m) {
    return [&m](auto& e) { return e.reserve_managed(std::decay_t<decltype(e)>::prepare(m)); };
}
auto remove_managed_on(const irqmatrix::cpu_set& m) {
    return [&m](auto& e) { return e.remove_managed(std::decay_t<decltype(e)>::prepare(m)); };
}

// Fills both engines (see the file comment). Returns an error or "".
std::string fill(twin& t, workload& w) {
    const unsigned n = w.nr_cpus;
    t.run("assign_system", [](auto& e) { return e.assign_system(0, syscall_vector); });
    for (unsigned c = 0; c < n; ++c) {
        const outcome o = t.run("online", [c](auto& e) { return e.online(c); });
        if (!o.ok()) return "online(" + std::to_string(c) + ") failed";
    }
    const unsigned usable = window_size - 1;  // less the system vector
    rng r(workload_seed ^ (std::uint64_t{n} << 8) ^ w.fill);
    for (unsigned c = 0; c < n; ++c) {
        const irqmatrix::cpu_set one = irqmatrix::cpu_set::single(n, c);
        const std::string where = " on cpu " + std::to_string(c);
        const unsigned managed = 1 + r.below(3);
        for (unsigned i = 0; i < managed; ++i)
            if (!t.run("reserve_managed" + where, reserve_managed_on(one)).ok())
                return "fill: reserve_managed" + where + " failed";
        const unsigned managed_allocated = r.below(managed);  // at least one stays unallocated
        for (unsigned i = 0; i < managed_allocated; ++i)
            if (!t.run("alloc_managed" + where, alloc_managed_on(one)).ok())
                return "fill: alloc_managed" + where + " failed";
        const int wanted = static_cast<int>(w.fill * window_size / 100 + r.below(9)) - 4 -
                           static_cast<int>(managed);
        const unsigned most = usable - managed - 1;  // leave one vector free
        const unsigned target = wanted < 0 ? 0u : std::min(static_cast<unsigned>(wanted), most);
        const unsigned peak = std::min(target + irqmatrix_benchsupport::overshoot, most);
        const auto alloc = [&](unsigned order, unsigned& base) {
            const outcome o = order == 0 ? t.run("alloc" + where, alloc_on(one))
                                         : t.run("alloc_block" + where, alloc_block_on(one, order));
            base = o.base;
            return o.ok();
        };
        const auto free = [&](unsigned base, unsigned order) {
            return t.free_block(c, base, order, false);
        };
        // Fragmented at high fill: a refused block is asked again smaller.
        if (std::string e = irqmatrix_benchsupport::fill_window(r, target, peak, /*shrink=*/true,
                                                                where, alloc, free);
            !e.empty())
            return e;
        if (!t.error.empty())
            return "the library and the baseline disagree during the fill: " + t.error;
    }
    if (std::string d = t.state_difference(); !d.empty())
        return "after the fill the library and the baseline differ: " + d;
    return {};
}

void make_masks(workload& w) {
    const unsigned n = w.nr_cpus;
    w.masks[mask_all] = irqmatrix::cpu_set::all(n);
    w.has_mask[mask_all] = true;
    rng r(workload_seed ^ 0x4a1f ^ n);  // the same half at every fill level
    irqmatrix::cpu_set half(n);
    for (unsigned c = 0; c < n; ++c)
        if (r.below(2)) half.set(c);
    if (half.empty()) half.set(0);
    w.masks[mask_half] = std::move(half);
    w.has_mask[mask_half] = true;
    if (n >= 128) {
        w.masks[mask_node] = irqmatrix::cpu_set::range(n, n / 2, n / 2 + 63);
        w.has_mask[mask_node] = true;
    }
    w.masks[mask_one] = irqmatrix::cpu_set::single(n, n / 2);
    w.has_mask[mask_one] = true;
    const unsigned k = std::min(rotation, n);
    for (unsigned i = 0; i < k; ++i)
        w.rotation_masks.push_back(irqmatrix::cpu_set::single(n, i * (n / k)));
}

// Facts about the filled state, from the library.
std::string describe(workload& w) {
    const irqmatrix::matrix& m = w.lib->matrix();
    if (std::string v = m.verify(); !v.empty()) return "verify() after the fill: " + v;
    w.facts = irqmatrix_benchsupport::facts_of(m);
    return {};
}

// The outcomes the timed loops must reproduce, agreed by both engines on
// scratch copies; and the managed cycle's warmed-up states.
std::string expectations(workload& w) {
    lib_engine l(*w.lib);
    baseline_engine b(*w.base);
    twin t(l, b);
    for (unsigned i = 0; i < mask_count; ++i) {
        if (!w.has_mask[i]) continue;
        const outcome o = t.run(std::string("alloc over ") + mask_names[i], alloc_on(w.masks[i]));
        w.expect_alloc[i] = o;
        if (!o.ok() || !t.free_block(o.cpu, o.base, 0, false))
            return std::string("alloc over mask ") + mask_names[i] + " fails in the filled state";
    }
    for (unsigned k = 0; k <= max_order; ++k) {
        const outcome o =
            t.run("alloc_block order " + std::to_string(k), alloc_block_on(w.masks[mask_all], k));
        w.expect_block[k] = o;  // may be ENOSPC at high fill: the loop then times the refusal
        if (o.ok() && !t.free_block(o.cpu, o.base, k, false))
            return "free_block of order " + std::to_string(k) + " failed";
    }
    w.expect_managed = t.run("alloc_managed over all", alloc_managed_on(w.masks[mask_all]));
    if (!w.expect_managed.ok() ||
        !t.free_block(w.expect_managed.cpu, w.expect_managed.base, 0, true))
        return "alloc_managed over every CPU fails in the filled state";
    if (!t.error.empty()) return "the library and the baseline disagree: " + t.error;
    if (!(l == *w.lib) || !(b == *w.base)) return "alloc + free did not restore the filled state";

    // The managed cycle: one warm-up pass moves each visited CPU's lowest
    // unallocated reservation to its lowest free vector (the kernel's
    // remove_managed takes the lowest, which need not be the one just made);
    // from then on every cycle is an exact round trip.
    w.cycle_lib = std::make_unique<lib_engine>(*w.lib);
    w.cycle_base = std::make_unique<baseline_engine>(*w.base);
    twin c(*w.cycle_lib, *w.cycle_base);
    for (int pass = 0; pass < 2; ++pass) {
        const lib_engine before(*w.cycle_lib);
        for (const irqmatrix::cpu_set& one : w.rotation_masks) {
            if (!c.run("cycle reserve_managed", reserve_managed_on(one)).ok())
                return "managed cycle: reserve_managed fails";
            const outcome o = c.run("cycle alloc_managed", alloc_managed_on(one));
            if (!o.ok() || !c.free_block(o.cpu, o.base, 0, true) ||
                !c.run("cycle remove_managed", remove_managed_on(one)).ok())
                return "managed cycle: alloc_managed, free or remove_managed fails";
            if (pass == 1) w.expect_cycle.push_back(o);
        }
        if (pass == 1 && !(*w.cycle_lib == before))
            return "managed cycle: the second pass did not return to its starting state";
    }
    if (!c.error.empty()) return "the library and the baseline disagree: " + c.error;
    if (std::string d = c.state_difference(); !d.empty())
        return "managed cycle states differ: " + d;
    return {};
}

// A seeded run of mixed operations over every mask, on copies of both
// engines, compared outcome by outcome and state by state at the end.
std::string agreement_run(const workload& w) {
    lib_engine l(*w.lib);
    baseline_engine b(*w.base);
    twin t(l, b);
    rng r(workload_seed ^ 0xa9ee ^ (std::uint64_t{w.nr_cpus} << 8) ^ w.fill);
    struct live {
        unsigned cpu, base, order;
        bool managed;
    };
    std::vector<live> held;
    std::vector<const irqmatrix::cpu_set*> masks;
    for (unsigned i = 0; i < mask_count; ++i)
        if (w.has_mask[i]) masks.push_back(&w.masks[i]);
    for (const auto& m : w.rotation_masks) masks.push_back(&m);
    for (unsigned i = 0; i < agreement_ops; ++i) {
        const irqmatrix::cpu_set& m = *masks[r.below(static_cast<unsigned>(masks.size()))];
        const unsigned what = r.below(10);
        if (what < 3) {
            const outcome o = t.run("agreement alloc", alloc_on(m));
            if (o.ok()) held.push_back({o.cpu, o.base, 0, false});
        } else if (what < 6) {
            const unsigned order = r.below(max_order + 1);
            const outcome o = t.run("agreement alloc_block", alloc_block_on(m, order));
            if (o.ok()) held.push_back({o.cpu, o.base, order, false});
        } else if (what < 7) {
            const outcome o = t.run("agreement alloc_managed", alloc_managed_on(m));
            if (o.ok()) held.push_back({o.cpu, o.base, 0, true});
        } else if (what < 8 && m.count() == 1) {
            t.run("agreement reserve_managed", reserve_managed_on(m));
        } else if (!held.empty()) {
            const unsigned j = r.below(static_cast<unsigned>(held.size()));
            const live h = held[j];
            held[j] = held.back();
            held.pop_back();
            t.free_block(h.cpu, h.base, h.order, h.managed);
        }
    }
    if (!t.error.empty()) return "agreement run: " + t.error;
    if (std::string d = t.state_difference(); !d.empty())
        return "agreement run: the states differ: " + d;
    if (std::string v = l.matrix().verify(); !v.empty()) return "agreement run: verify(): " + v;
    return {};
}

}  // namespace

workload& workload_for(unsigned nr_cpus, unsigned fill_level) {
    static std::map<std::pair<unsigned, unsigned>, workload> cache;
    auto [it, fresh] = cache.try_emplace({nr_cpus, fill_level});
    workload& w = it->second;
    if (!fresh) return w;
    w.nr_cpus = nr_cpus;
    w.fill = fill_level;
    w.lib = std::make_unique<lib_engine>(nr_cpus);
    w.base = std::make_unique<baseline_engine>(nr_cpus);
    make_masks(w);
    twin t(*w.lib, *w.base);
    w.error = fill(t, w);
    if (w.error.empty()) w.error = describe(w);
    if (w.error.empty()) w.error = expectations(w);
    if (w.error.empty()) w.error = agreement_run(w);
    return w;
}

void set_common_counters(benchmark::State& st, const workload& w, double ops_per_iteration) {
    irqmatrix_benchsupport::set_fill_counters(st, w.nr_cpus, w.facts);
    st.counters["ops"] = ops_per_iteration;  // matrix operations per iteration
    // Seconds per matrix operation (console: SI-prefixed, e.g. 12.3n).
    st.counters["t_per_op"] =
        benchmark::Counter(ops_per_iteration, benchmark::Counter::kIsIterationInvariantRate |
                                                  benchmark::Counter::kInvert);
}

}  // namespace irqmatrix_scale
