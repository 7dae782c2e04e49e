// SPDX-License-Identifier: MIT
// irqmatrix-plan, as bench_main.cpp runs it: the planning operations of the
// library's planner (lib) against its previous algorithms (before), at 4 to
// 8192 CPUs and 10%, 50% and 90% fill. One family per operation:
//
//   reserve_block      reserve_block(K) + remove_reserved_block(K), K = 5 or,
//                      where the fill leaves no free 32-vector block, the
//                      largest order admitted
//   largest_order      largest_order(every CPU)
//   can_offline        can_offline(the middle CPU)
//   evacuate           evacuate(the middle CPU), the state restored untimed
//   move_block         one vector moved to the best CPU and back again
//   alloc_free         alloc(every CPU) + free, with 0 or 1 guaranteed
//                      reservation (of order K) outstanding
//   alloc_block_free   alloc_block(every CPU, 4) + free_block, likewise
//
// Each row first checks, on scratch copies, that both engines give the same
// answer, then times the library's or the baseline's, and checks the loop's
// checksum and that the state came back. The summary uses CPU time. --quick
// runs the 50% rows only.
#include <map>
#include <utility>

#include "plan_engines.hpp"

namespace irqmatrix_plan {

namespace {

constexpr std::uint64_t plan_seed = 0x9a7e'11a2'0b5c'3d4full;

// A round trip that did not come back where it started (an errno no
// operation returns, so its key is not 0).
constexpr outcome broken{255, 0, 0};

std::string text(const outcome& o) {
    if (!o.ok()) return "error " + std::to_string(o.err);
    return "cpu " + std::to_string(o.cpu) + " base " + std::to_string(o.base);
}

// Both engines in lockstep: every operation on both, the outcomes equal.
std::string build(workload& w) {
    auto m = irqmatrix::matrix::create(x86_bits, x86_alloc_start, x86_alloc_end, w.nr_cpus);
    if (!m) return "create refused";
    if (!m->assign_system(0, 0x80, false)) return "assign_system refused";
    for (unsigned c = 0; c < w.nr_cpus; ++c)
        if (!m->online(c)) return "online refused";
    auto p = irqmatrix::planner::create(x86_bits, x86_alloc_start, x86_alloc_end, w.nr_cpus);
    if (!p || !p->assign_system(0, 0x80, false)) return "planner create refused";
    for (unsigned c = 0; c < w.nr_cpus; ++c)
        if (!p->online(c)) return "planner online refused";
    w.lib = std::make_unique<lib_engine>(std::move(*p));
    w.before = std::make_unique<before_engine>(irqmatrix_baseline::planner_before(std::move(*m)));
    w.all = irqmatrix::cpu_set::all(w.nr_cpus);
    w.subject = w.nr_cpus / 2;

    rng r(plan_seed ^ (std::uint64_t{w.nr_cpus} << 8) ^ w.fill);
    const unsigned target = window_size * w.fill / 100;
    const unsigned peak = std::min(window_size - 1, target + overshoot);
    for (unsigned c = 0; c < w.nr_cpus; ++c) {
        const irqmatrix::cpu_set one = irqmatrix::cpu_set::single(w.nr_cpus, c);
        std::string disagreement;
        auto alloc = [&](unsigned order, unsigned& base) {
            const outcome a = w.lib->alloc_block(one.view(), order);
            const outcome b = w.before->alloc_block(one.view(), order);
            if (!(a == b) && disagreement.empty())
                disagreement = "fill: lib " + text(a) + ", before " + text(b);
            base = a.base;
            return a.ok();
        };
        auto free = [&](unsigned base, unsigned order) {
            return w.lib->free_block(c, base, order) && w.before->free_block(c, base, order);
        };
        const std::string where = " on cpu " + std::to_string(c);
        if (auto e = fill_window(r, target, peak, /*shrink=*/true, where, alloc, free); !e.empty())
            return e;
        if (!disagreement.empty()) return disagreement;
    }
    if (!(w.lib->matrix() == w.before->matrix())) return "the filled matrices differ";
    for (unsigned k = max_order + 1; k-- > 0;) {
        lib_engine l = *w.lib;
        before_engine b = *w.before;
        const outcome a = l.reserve_block(k), c = b.reserve_block(k);
        if (!(a == c)) return "reserve_block: lib " + text(a) + ", before " + text(c);
        if (a.ok()) {
            w.reservable = k;
            return {};
        }
    }
    return "no guaranteed reservation is admitted";
}

// Runs op on scratch copies of both engines: false (the benchmark failed)
// unless they agree; the answer in `want`.
template <class Op>
bool agree(benchmark::State& st, const workload& w, Op op, outcome& want) {
    lib_engine l = *w.lib;
    before_engine b = *w.before;
    const outcome a = op(l);
    const outcome c = op(b);
    if (!(a == c)) {
        fail(st, "lib and before disagree: lib " + text(a) + ", before " + text(c));
        return false;
    }
    want = a;
    return true;
}

// After a timed loop of round trips each expected to give `want`: the
// checksum, and the engine's matrix as it was at the start of the loop.
template <class E>
void finish(benchmark::State& st, const workload& w, const E& e, const E& start, std::uint64_t sum,
            const outcome& want, double ops_per_iteration) {
    finish_loop(
        st, E::name, sum, repeated_key(st, key(want)),
        [&] {
            if (e.matrix() == start.matrix()) return true;
            fail(st, "the timed loop did not return the matrix to its starting state");
            return false;
        },
        [&] {
            st.counters["ops_per_iter"] = ops_per_iteration;
            st.counters["cpus"] = w.nr_cpus;
            st.counters["fill_pct"] = w.fill;
        });
}

// The common form: `setup(engine)` prepares the copy (false: refused),
// `trip(engine)` is one round trip returning its outcome, which must be the
// same on both engines and the same every time.
template <class E, class Setup, class Trip>
void round_trip(benchmark::State& st, unsigned nr_cpus, unsigned fill, double ops, Setup setup,
                Trip trip) {
    const workload& w = workload_for(nr_cpus, fill);
    if (!w.error.empty()) return fail(st, w.error);
    outcome want;
    if (!agree(
            st, w, [&](auto& e) { return setup(e) ? trip(e) : broken; }, want))
        return;
    E e = state_of<E>(w);
    if (!setup(e)) return fail(st, "the setup was refused");
    const E start = e;
    e.warm();
    const std::uint64_t sum = timed_round_trips(st, "refused in the timed loop", [&] {
        const outcome o = trip(e);
        return o == want ? key(o) : 0;
    });
    finish(st, w, e, start, sum, want, ops);
}

constexpr auto no_setup = [](auto&) { return true; };

template <class E>
void reserve_block(benchmark::State& st, unsigned n, unsigned fill) {
    const unsigned k = workload_for(n, fill).reservable;
    round_trip<E>(st, n, fill, 2, no_setup, [k](auto& e) {
        const outcome o = e.reserve_block(k);
        return o.ok() && e.remove_reserved_block(k) ? o : broken;
    });
}

template <class E>
void largest_order(benchmark::State& st, unsigned n, unsigned fill) {
    const workload& w = workload_for(n, fill);
    round_trip<E>(st, n, fill, 1, no_setup, [&](auto& e) { return e.largest_order(w.all.view()); });
}

template <class E>
void can_offline(benchmark::State& st, unsigned n, unsigned fill) {
    const workload& w = workload_for(n, fill);
    round_trip<E>(st, n, fill, 1, no_setup, [&](auto& e) { return e.can_offline(w.subject); });
}

// With `outstanding`, one guaranteed reservation of order K is made first.
template <class E>
void alloc_free(benchmark::State& st, unsigned n, unsigned fill, unsigned order,
                unsigned outstanding) {
    const workload& w = workload_for(n, fill);
    round_trip<E>(
        st, n, fill, 2,
        [&](auto& e) { return outstanding == 0 || e.reserve_block(w.reservable).ok(); },
        [&](auto& e) {
            // A refused block (a full 4-CPU machine) is an outcome to time.
            const outcome p = e.alloc_block(w.all.view(), order);
            return !p.ok() || e.free_block(p.cpu, p.base, order) ? p : broken;
        });
}

// A single vector is allocated on the middle CPU, at its lowest free vector
// (untimed); each round trip moves it to the CPU the policy picks among all
// and back to the middle CPU, where the lowest free vector is its old place.
template <class E>
void move_block(benchmark::State& st, unsigned n, unsigned fill) {
    const workload& w = workload_for(n, fill);
    const irqmatrix::cpu_set home = irqmatrix::cpu_set::single(n, w.subject);
    unsigned base = 0;
    round_trip<E>(
        st, n, fill, 2,
        [&](auto& e) {
            const outcome p = e.alloc_block(home.view(), 0);
            base = p.base;
            return p.ok();
        },
        [&](auto& e) {
            const outcome away = e.move_block(w.subject, base, w.all.view());
            if (!away.ok()) return away;
            const outcome back = e.move_block(away.cpu, away.base, home.view());
            return back.ok() && back.base == base ? away : broken;
        });
}

// The state is restored from a copy before each evacuation, untimed.
template <class E>
void evacuate(benchmark::State& st, unsigned n, unsigned fill) {
    const workload& w = workload_for(n, fill);
    if (!w.error.empty()) return fail(st, w.error);
    outcome want;
    if (!agree(
            st, w, [&](auto& e) { return e.evacuate(w.subject); }, want))
        return;
    E e = state_of<E>(w);
    std::uint64_t sum = 0;
    for (auto _ : st) {
        st.PauseTiming();
        e = state_of<E>(w);
        e.warm();
        st.ResumeTiming();
        sum += key(e.evacuate(w.subject));
    }
    finish_loop(
        st, E::name, sum, repeated_key(st, key(want)), [] { return true; },
        [&] {
            st.counters["moved_vectors"] = want.base;
            st.counters["cpus"] = n;
            st.counters["fill_pct"] = fill;
        });
}

template <class F, class... Args>
void register_pair(const std::string& stem, unsigned n, F lib_fn, F before_fn, Args... args) {
    const run_settings& s = settings();
    for (const auto& [side, fn] : {std::pair{"/lib", lib_fn}, std::pair{"/before", before_fn}}) {
        auto* b = benchmark::RegisterBenchmark((stem + side).c_str(), fn, n, args...)
                      ->Unit(benchmark::kMicrosecond)
                      ->MinTime(s.min_time);
        if (std::string_view(side) == "/before" && n >= 4096) b->MinTime(s.slow_min_time);
    }
}

template <class F, class... Args>
void register_family(const std::string& name, F lib_fn, F before_fn, Args... args) {
    for (const unsigned n : cpu_counts)
        for (const unsigned f : fills)
            register_pair(name + "/cpus:" + std::to_string(n) + "/fill:" + std::to_string(f), n,
                          lib_fn, before_fn, f, args...);
}

void register_all() {
    register_family("reserve_block", reserve_block<lib_engine>, reserve_block<before_engine>);
    register_family("largest_order", largest_order<lib_engine>, largest_order<before_engine>);
    register_family("can_offline", can_offline<lib_engine>, can_offline<before_engine>);
    register_family("move_block", move_block<lib_engine>, move_block<before_engine>);
    for (const unsigned out : {0u, 1u}) {
        const std::string o = "/outstanding:" + std::to_string(out);
        register_family("alloc_free" + o, alloc_free<lib_engine>, alloc_free<before_engine>, 0u,
                        out);
        register_family("alloc_block_free/order:4" + o, alloc_free<lib_engine>,
                        alloc_free<before_engine>, 4u, out);
    }
    // Evacuation restores a copy of the state per iteration: a fixed count.
    for (const unsigned n : cpu_counts)
        for (const unsigned f : fills)
            for (const auto& [side, fn] : {std::pair{"/lib", &evacuate<lib_engine>},
                                           std::pair{"/before", &evacuate<before_engine>}})
                benchmark::RegisterBenchmark(
                    ("evacuate/cpus:" + std::to_string(n) + "/fill:" + std::to_string(f) + side)
                        .c_str(),
                    fn, n, f)
                    ->Unit(benchmark::kMicrosecond)
                    ->Iterations(settings().quick ? 3 : (n >= 4096 ? 10 : 100));
}

}  // namespace

const workload& workload_for(unsigned nr_cpus, unsigned fill) {
    static std::map<std::pair<unsigned, unsigned>, workload> made;
    auto [it, fresh] = made.try_emplace({nr_cpus, fill});
    if (fresh) {
        it->second.nr_cpus = nr_cpus;
        it->second.fill = fill;
        it->second.error = build(it->second);
    }
    return it->second;
}

}  // namespace irqmatrix_plan

const irqmatrix_benchsupport::program_info& irqmatrix_benchsupport::program() {
    static const program_info p{"before", /*cpu_time=*/true, "fill:50/", nullptr,
                                &irqmatrix_plan::register_all};
    return p;
}
