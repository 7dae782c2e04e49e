// SPDX-License-Identifier: MIT
// irqmatrix-bench's engines and workload: the library and the naive
// reference model of tests/model behind one small interface, the seeded
// half-full x86 workload both are filled with (bench_common.hpp's generator),
// and the self-checks that keep a broken engine from reporting a fast time.
//
// Every benchmark is registered twice, once per engine, under the same name
// with a last component `lib` or `model` (and the same label), so the two rows
// sit next to each other in the output and the ratio summary can pair them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include <irqmatrix/matrix.hpp>

#include "bench_common.hpp"

#include "model/naive_matrix.hpp"

namespace irqmatrix_bench {

using namespace irqmatrix_benchsupport;  // the one framework (bench_common.hpp)

inline constexpr unsigned cpu_counts[] = {4, 64, 512, 4096};
inline constexpr std::uint64_t workload_seed = 0x1b5e'd1ce'9a7b'c0deull;
inline constexpr double model_min_time_4096 = 0.2;  // seconds (the default is 0.5)

// ---- one result shape for both engines --------------------------------------

/// Where an allocation went, or ok == false if it was refused.
struct got {
    bool ok = false;
    unsigned cpu = 0;
    unsigned base = 0;
    friend bool operator==(const got&, const got&) = default;
};

/// What a placement contributes to a loop checksum (never 0, so a loop that
/// skipped its work cannot match a non-empty expectation by accident).
constexpr std::uint64_t key(const got& p) noexcept {
    return (std::uint64_t{p.cpu} << 16) + p.base + 1;
}

// ---- the engines -------------------------------------------------------------
// Both expose the same operations on two fixed masks: `all` (every CPU) and
// `one` (a single CPU chosen with select()). Masks are built once, outside the
// timed loops, in each engine's native form.

class lib_engine {
public:
    static constexpr const char* name = "lib";

    explicit lib_engine(unsigned nr_cpus)
        : m_(irqmatrix::matrix::create(x86_bits, x86_alloc_start, x86_alloc_end, nr_cpus).value()),
          all_(irqmatrix::cpu_set::all(nr_cpus)),
          one_(nr_cpus) {
        select(0);
    }

    bool online(unsigned cpu) noexcept { return m_.online(cpu).has_value(); }

    /// Makes `one` the mask {cpu}.
    void select(unsigned cpu) noexcept {
        one_.reset(one_cpu_);
        one_.set(cpu);
        one_cpu_ = cpu;
    }

    got alloc_all() noexcept { return conv(m_.alloc(all(), false)); }
    got alloc_one() noexcept { return conv(m_.alloc(one(), false)); }
    got alloc_block_all(unsigned order) noexcept {
        return conv(m_.alloc_block(all(), order, false));
    }
    got alloc_block_one(unsigned order) noexcept {
        return conv(m_.alloc_block(one(), order, false));
    }
    bool free(unsigned cpu, unsigned bit) noexcept { return m_.free(cpu, bit, false).has_value(); }
    bool free_block(unsigned cpu, unsigned base, unsigned order) noexcept {
        return m_.free_block(cpu, base, order, false).has_value();
    }
    bool reserve_managed_one() noexcept { return m_.reserve_managed(one()).has_value(); }
    got alloc_managed_one() noexcept { return conv(m_.alloc_managed(one())); }
    bool free_managed(unsigned cpu, unsigned bit) noexcept {
        return m_.free(cpu, bit, true).has_value();
    }
    bool remove_managed_one() noexcept { return m_.remove_managed(one()).has_value(); }

    const irqmatrix::matrix& matrix() const noexcept { return m_; }

private:
    irqmatrix::cpu_span all() const noexcept { return all_; }
    irqmatrix::cpu_span one() const noexcept { return one_; }

    static got conv(const irqmatrix::result<irqmatrix::placement>& r) noexcept {
        if (!r) return {};
        return {true, r->cpu, r->base};
    }

    irqmatrix::matrix m_;
    irqmatrix::cpu_set all_;
    irqmatrix::cpu_set one_;
    unsigned one_cpu_ = 0;
};

class model_engine {
public:
    static constexpr const char* name = "model";

    explicit model_engine(unsigned nr_cpus)
        : m_(x86_bits, x86_alloc_start, x86_alloc_end, nr_cpus), one_{0} {
        all_.reserve(nr_cpus);
        for (unsigned c = 0; c < nr_cpus; ++c) all_.push_back(c);
    }

    bool online(unsigned cpu) { return m_.online(cpu) == 0; }

    void select(unsigned cpu) noexcept { one_[0] = cpu; }

    got alloc_all() { return conv(m_.alloc(all_, false)); }
    got alloc_one() { return conv(m_.alloc(one_, false)); }
    got alloc_block_all(unsigned order) { return conv(m_.alloc_block(all_, order, false)); }
    got alloc_block_one(unsigned order) { return conv(m_.alloc_block(one_, order, false)); }
    bool free(unsigned cpu, unsigned bit) { return m_.free(cpu, bit, false) == 0; }
    bool free_block(unsigned cpu, unsigned base, unsigned order) {
        return m_.free_block(cpu, base, order, false) == 0;
    }
    bool reserve_managed_one() { return m_.reserve_managed(one_) == 0; }
    got alloc_managed_one() { return conv(m_.alloc_managed(one_)); }
    bool free_managed(unsigned cpu, unsigned bit) { return m_.free(cpu, bit, true) == 0; }
    bool remove_managed_one() { return m_.remove_managed(one_) == 0; }

    const irqmatrix_model::naive_matrix& matrix() const noexcept { return m_; }

private:
    static got conv(const irqmatrix_model::pick& p) noexcept {
        if (p.err != 0) return {};
        return {true, p.cpu, p.base};
    }

    irqmatrix_model::naive_matrix m_;
    irqmatrix_model::cpu_list all_;
    irqmatrix_model::cpu_list one_;
};

// ---- the workload -------------------------------------------------------------

/// One CPU count's half-full matrix, built once per process by the library
/// and (on first use) replayed on the model. Every benchmark copies the engine
/// it times, so benchmarks cannot disturb one another.
struct workload {
    unsigned nr_cpus = 0;
    std::unique_ptr<lib_engine> lib;
    std::unique_ptr<model_engine> model;  // null until a model benchmark asks
    std::uint64_t fill_checksum = 0;      // of every placement the fill made
    std::string error;                    // non-empty: the workload is unusable
    std::string model_error;              // non-empty: the model could not be filled

    // Facts about the filled state, taken from the library (and, through the
    // checksummed loops, cross-checked against the model).
    fill_facts facts;
    got expect_all;                     // where alloc(all CPUs) goes
    got expect_block[max_order + 1];    // where alloc_block(all CPUs, k) goes
    std::vector<unsigned> lowest_free;  // per CPU: where reserve_managed({cpu}) goes
};

/// The cached workload for a CPU count (built on first call).
workload& workload_for(unsigned nr_cpus);

/// The model filled like the library, or null (and st marked skipped with
/// the reason) if it could not be built or disagrees with the library.
const model_engine* model_for(workload& w, benchmark::State& st);

/// Counters every benchmark reports.
void set_common_counters(benchmark::State& st, const workload& w);

// ---- end-of-run checks ----------------------------------------------------------

/// True if two models hold the same state (the model has no operator==).
bool same_state(const irqmatrix_model::naive_matrix& a, const irqmatrix_model::naive_matrix& b);

/// After a timed loop: the engine must be back in the filled state. For the
/// library that is operator== against the fixture plus verify(); for the
/// model, a field-by-field comparison with the filled model.
inline bool back_to_start(benchmark::State& st, const lib_engine& e, const workload& w) {
    if (!(e.matrix() == w.lib->matrix())) {
        fail(st, "the timed loop did not return the matrix to its starting state");
        return false;
    }
    if (const std::string v = e.matrix().verify(); !v.empty()) {
        fail(st, "verify() after the timed loop: " + v);
        return false;
    }
    return true;
}
inline bool back_to_start(benchmark::State& st, const model_engine& e, const workload& w) {
    if (!same_state(e.matrix(), w.model->matrix())) {
        fail(st, "the timed loop did not return the model to its starting state");
        return false;
    }
    return true;
}

/// The engine a benchmark times: a fresh copy of the workload's one.
template <class E>
std::unique_ptr<E> engine_copy(workload& w, benchmark::State& st) {
    if (!w.error.empty()) {
        fail(st, w.error);
        return nullptr;
    }
    if constexpr (std::is_same_v<E, lib_engine>) {
        return std::make_unique<E>(*w.lib);
    } else {
        static_assert(std::is_same_v<E, model_engine>);
        const model_engine* m = model_for(w, st);
        return m ? std::make_unique<E>(*m) : nullptr;
    }
}

/// Time unit and run-time caps. The model is O(CPUs^2) per operation on an
/// all-CPU mask (it sorts the CPU list by rescanning it), so at the largest
/// sizes one iteration takes milliseconds: its minimum time is capped so the
/// whole suite stays within a few minutes on two cores.
inline void tune(benchmark::internal::Benchmark* b, bool model, unsigned nr_cpus) {
    b->Unit(benchmark::kNanosecond);
    if (model && nr_cpus >= 4096) b->MinTime(model_min_time_4096);
}

/// "alloc_free/cpus:64" + "/lib".
template <class E>
std::string bench_name(const std::string& stem) {
    return stem + "/" + E::name;
}

/// After a timed loop whose checksum should be `want`: the checksum, the
/// starting state, the common counters and the engine's label. False (the
/// benchmark already failed) if the loop or a check failed.
template <class E>
bool finish(benchmark::State& st, const E& e, const workload& w, std::uint64_t sum,
            std::uint64_t want) {
    return finish_loop(
        st, E::name, sum, want, [&] { return back_to_start(st, e, w); },
        [&] { set_common_counters(st, w); });
}

/// The loop's expected checksum when every round trip gives `expected`.
inline std::uint64_t repeated(const benchmark::State& st, const got& expected) {
    return repeated_key(st, key(expected));
}

/// The common body of a family whose timed iteration is one round trip from
/// the workload's state: trip(engine) gives the round trip's key (0: refused,
/// reported as `refused`) and every key should be want(workload)'s. False if
/// the benchmark failed.
template <class E, class Trip, class Want>
bool time_round_trip(benchmark::State& st, unsigned nr_cpus, const char* refused, Trip&& trip,
                     Want&& want) {
    workload& w = workload_for(nr_cpus);
    const auto e = engine_copy<E>(w, st);
    if (!e) return false;
    const std::uint64_t sum = timed_round_trips(st, refused, [&] { return trip(*e); });
    return finish(st, *e, w, sum, repeated(st, want(w)));
}

/// Registers stem + "/lib" and stem + "/model", the same function on both
/// engines with the same arguments (the first is the CPU count).
template <class F, class... Args>
void register_pair(const std::string& stem, F lib_fn, F model_fn, unsigned nr_cpus, Args... args) {
    tune(benchmark::RegisterBenchmark(bench_name<lib_engine>(stem).c_str(), lib_fn, nr_cpus,
                                      args...),
         false, nr_cpus);
    tune(benchmark::RegisterBenchmark(bench_name<model_engine>(stem).c_str(), model_fn, nr_cpus,
                                      args...),
         true, nr_cpus);
}

/// Registers family + "/cpus:N" as a lib/model pair for every CPU count.
template <class F>
void register_per_cpu_count(const std::string& family, F lib_fn, F model_fn) {
    for (const unsigned n : cpu_counts)
        register_pair(family + "/cpus:" + std::to_string(n), lib_fn, model_fn, n);
}

// Registration, one function per scenario file, called from main in order.
void register_single();
void register_block();
void register_managed();

}  // namespace irqmatrix_bench
