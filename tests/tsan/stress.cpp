// SPDX-License-Identifier: MIT
// Stress test of locked_matrix under ThreadSanitizer (tests/tsan, the tsan
// preset): threads hammer one locked_matrix<basic_matrix<256>, Lock> with
// allocations, blocks, frees, assigns and managed operations, for Lock =
// std::mutex and irqmatrix::spinlock (and null_lock on one thread).
//
// TSan reports any access to the matrix that the lock does not order, and a
// spinlock whose acquire/release were too weak. The program itself checks
// what the lock is for:
//  * no vector is handed to two threads: after the run, the vectors the
//    threads believe they own are disjoint and are exactly the allocated ones;
//  * a compound step in one with() is atomic: "assign if free" always
//    succeeds, reserve + alloc(reserved) never finds the reservation gone,
//    and no other thread ever sees a reservation outstanding;
//  * each thread's managed operations, on a CPU no other thread reserves on,
//    keep that CPU's managed counters exactly as the thread counted them;
//  * once every thread has given back what it holds, the matrix equals a
//    fresh one with the same CPUs online.
// Built at debug level 3, every operation also ends with verify().
//
// Usage: irqmatrix-tsan-stress [ITERATIONS_PER_THREAD]. Exit 0 when every
// check passed, 1 otherwise (TSan exits 66 on a report).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <irqmatrix/cpuset.hpp>
#include <irqmatrix/dump.hpp>
#include <irqmatrix/locked.hpp>
#include <irqmatrix/matrix.hpp>

namespace {

using engine = irqmatrix::basic_matrix<256>;
using irqmatrix::errc;

constexpr unsigned nr_threads = 4;
constexpr unsigned nr_cpus = 8;  // threads 0..3 each own CPU t for managed operations
constexpr unsigned bits = 256;
constexpr unsigned alloc_start = 32;
constexpr unsigned alloc_end = 236;

std::atomic<unsigned> failures{0};

// Records a failed check; prints the first few (stderr writes are atomic
// per call, so threads do not interleave within a line).
void fail(const std::string& what) {
    if (failures.fetch_add(1, std::memory_order_relaxed) < 20)
        std::fprintf(stderr, "irqmatrix-tsan-stress: %s\n", what.c_str());
}

void check(bool ok, const std::string& what) {
    if (!ok) fail(what);
}

const char* name_of(errc e) {
    switch (e) {
    case errc::no_space: return "no_space";
    case errc::invalid: return "invalid";
    case errc::busy: return "busy";
    case errc::not_found: return "not_found";
    }
    return "?";
}

engine fresh_matrix() {
    auto m = engine::create(bits, alloc_start, alloc_end, nr_cpus);
    if (!m) std::abort();  // a constant geometry: cannot fail
    for (unsigned c = 0; c < nr_cpus; ++c)
        if (!m->online(c)) std::abort();
    return std::move(*m);
}

// Every non-empty CPU mask, built once and shared read-only: building a set
// allocates, which has no place inside the lock.
std::vector<irqmatrix::cpu_set> all_masks() {
    std::vector<irqmatrix::cpu_set> masks;
    for (unsigned bitsel = 1; bitsel < (1u << nr_cpus); ++bitsel) {
        irqmatrix::cpu_set s(nr_cpus);
        for (unsigned c = 0; c < nr_cpus; ++c)
            if (bitsel & (1u << c)) s.set(c);
        masks.push_back(std::move(s));
    }
    return masks;
}

// What a thread believes it holds: a vector or block, managed or not.
struct owned {
    unsigned cpu;
    unsigned base;
    unsigned order;
    bool managed;
};

struct worker_state {
    unsigned id = 0;
    std::vector<owned> held;
    unsigned managed_reserved = 0;   // on CPU id, made by this thread
    unsigned managed_allocated = 0;  // of those, allocated by this thread
    unsigned long successes = 0;
};

template <class Locked>
void give_back(Locked& shared, worker_state& w, const owned& o) {
    const auto r = shared.with([&](engine& m) {
        return o.order == 0 ? m.free(o.cpu, o.base, o.managed)
                            : m.free_block(o.cpu, o.base, o.order, o.managed);
    });
    check(r.has_value(), "thread " + std::to_string(w.id) + ": freeing its cpu " +
                             std::to_string(o.cpu) + " vector " + std::to_string(o.base) +
                             " failed: someone else freed or took it");
    if (o.managed) --w.managed_allocated;
}

template <class Locked>
void run_worker(Locked& shared, const std::vector<irqmatrix::cpu_set>& masks, worker_state& w,
                unsigned iterations) {
    std::mt19937 rng(1234 + w.id);
    const std::string who = "thread " + std::to_string(w.id) + ": ";
    const irqmatrix::cpu_set& mine = masks[(1u << w.id) - 1];  // {CPU id}
    // Keep the matrix about half full, so that allocations mostly succeed and
    // frees interleave with them, rather than filling it and then mostly
    // hearing no_space.
    constexpr unsigned budget = (alloc_end - alloc_start) * nr_cpus / nr_threads / 2;
    unsigned held_vectors = 0;
    for (const owned& o : w.held) held_vectors += 1u << o.order;
    auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
    auto own = [&](irqmatrix::placement p, unsigned order, bool managed) {
        w.held.push_back({p.cpu, p.base, order, managed});
        held_vectors += 1u << order;
        ++w.successes;
    };
    auto only_no_space = [&](errc e, const char* op) {
        check(e == errc::no_space, who + op + " refused with " + name_of(e));
    };

    for (unsigned i = 0; i < iterations; ++i) {
        unsigned what = pick(100);
        if (held_vectors > budget && what < 36) what = 40;  // free instead
        const irqmatrix::cpu_set& mask = masks[pick(static_cast<unsigned>(masks.size()))];
        if (what < 22) {
            const auto r = shared.with([&](engine& m) { return m.alloc(mask, false); });
            if (r)
                own(*r, 0, false);
            else
                only_no_space(r.error(), "alloc");
        } else if (what < 36) {
            const unsigned order = pick(irqmatrix::max_order + 1);
            const auto r =
                shared.with([&](engine& m) { return m.alloc_block(mask, order, false); });
            if (r)
                own(*r, order, false);
            else
                only_no_space(r.error(), "alloc_block");
        } else if (what < 62) {
            if (w.held.empty()) continue;
            const std::size_t k = pick(static_cast<unsigned>(w.held.size()));
            const owned o = w.held[k];
            w.held[k] = w.held.back();
            w.held.pop_back();
            held_vectors -= 1u << o.order;
            give_back(shared, w, o);
        } else if (what < 67) {
            // Check and assign in one critical section: never refused.
            const unsigned cpu = pick(nr_cpus);
            const unsigned bit = alloc_start + pick(alloc_end - alloc_start);
            const int r = shared.with([&](engine& m) {
                if (!m.free_map(cpu).test(bit)) return 1;
                return m.assign(cpu, bit) ? 0 : -1;
            });
            check(r >= 0,
                  who + "assign of a vector seen free in the same critical section refused");
            if (r == 0) own({cpu, bit}, 0, false);
        } else if (what < 72) {
            // Reserve and consume the reservation in one critical section.
            const auto r = shared.with([&](engine& m) {
                m.reserve();
                auto got = m.alloc(mask, true);
                if (!got && !m.remove_reserved()) fail(who + "its own reservation vanished");
                return got;
            });
            if (r)
                own(*r, 0, false);
            else
                only_no_space(r.error(), "alloc(reserved)");
        } else if (what < 78) {
            const auto r = shared.with([&](engine& m) { return m.reserve_managed(mine); });
            if (r) {
                ++w.managed_reserved;
                ++w.successes;
            } else {
                only_no_space(r.error(), "reserve_managed");
            }
        } else if (what < 84) {
            const auto r = shared.with([&](engine& m) { return m.alloc_managed(mine); });
            const bool can = w.managed_reserved > w.managed_allocated;
            check(r.has_value() == can, who + "alloc_managed " + (can ? "refused" : "succeeded") +
                                            " with " + std::to_string(w.managed_reserved) +
                                            " reserved, " + std::to_string(w.managed_allocated) +
                                            " allocated");
            if (r) {
                check(r->cpu == w.id, who + "alloc_managed left its CPU");
                own(*r, 0, true);
                ++w.managed_allocated;
            }
        } else if (what < 88) {
            const auto r = shared.with([&](engine& m) { return m.remove_managed(mine); });
            const bool can = w.managed_reserved > w.managed_allocated;
            check(r.has_value() == can, who + "remove_managed " + (can ? "refused" : "succeeded"));
            if (r) --w.managed_reserved;
        } else {
            // Queries, under the const overload: what this thread alone
            // controls must read back exactly.
            const bool full_check = what == 99;
            const std::string bad = std::as_const(shared).with([&](const engine& m) -> std::string {
                if (m.reserved() != 0)
                    return "a reservation is visible outside its critical section";
                const auto c = m.cpu(w.id);
                if (!c || c->managed != w.managed_reserved ||
                    c->managed_allocated != w.managed_allocated)
                    return "its CPU's managed counters differ from its own count";
                return full_check ? m.verify() : std::string();
            });
            check(bad.empty(), who + bad);
        }
    }
}

// The vectors the threads hold are disjoint and are exactly the allocated
// ones; the managed ones are managed-reserved.
template <class Locked>
void check_ownership(const Locked& shared, const std::vector<worker_state>& workers) {
    std::vector<engine::bitmap_type> held(nr_cpus);
    for (const auto& w : workers) {
        for (const owned& o : w.held) {
            for (unsigned v = o.base; v < o.base + (1u << o.order); ++v) {
                if (held[o.cpu].test(v))
                    fail("cpu " + std::to_string(o.cpu) + " vector " + std::to_string(v) +
                         " is held twice (thread " + std::to_string(w.id) + " and another)");
                held[o.cpu].set(v);
            }
        }
    }
    shared.with([&](const engine& m) {
        const std::string violation = m.verify();
        check(violation.empty(), "verify(): " + violation);
        for (unsigned c = 0; c < nr_cpus; ++c) {
            check(m.cpu_map(c).alloc_map == held[c],
                  "cpu " + std::to_string(c) + ": allocated " +
                      irqmatrix::format_range_list(m.cpu_map(c).alloc_map, bits) +
                      ", but the threads hold " + irqmatrix::format_range_list(held[c], bits));
        }
        for (const auto& w : workers)
            for (const owned& o : w.held)
                if (o.managed)
                    check(m.cpu_map(o.cpu).managed_map.test(o.base),
                          "a managed vector held by thread " + std::to_string(w.id) +
                              " is not managed-reserved");
    });
}

template <class Lock>
bool stress(const char* lock_name, unsigned threads, unsigned iterations) {
    const unsigned before = failures.load();
    irqmatrix::locked_matrix<engine, Lock> shared(fresh_matrix());
    const auto masks = all_masks();
    std::vector<worker_state> workers(threads);
    for (unsigned t = 0; t < threads; ++t) workers[t].id = t;

    // Phase 1: everything at once, then the ownership check.
    {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back([&, t] { run_worker(shared, masks, workers[t], iterations); });
        for (auto& t : pool) t.join();
    }
    check_ownership(shared, workers);

    // Phase 2: every thread gives back what it holds, concurrently.
    {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                worker_state& w = workers[t];
                const auto held = std::move(w.held);
                for (const owned& o : held) give_back(shared, w, o);
                w.held.clear();
                for (; w.managed_reserved > 0; --w.managed_reserved) {
                    const irqmatrix::cpu_set mine = irqmatrix::cpu_set::single(nr_cpus, w.id);
                    const auto r = shared.with([&](engine& m) { return m.remove_managed(mine); });
                    check(r.has_value(), "thread " + std::to_string(w.id) +
                                             ": removing its managed reservation failed");
                }
            });
        }
        for (auto& t : pool) t.join();
    }
    const bool pristine = shared.with([](const engine& m) { return m == fresh_matrix(); });
    check(pristine, "after every thread gave back its vectors the matrix differs from a fresh one");

    unsigned long total = 0;
    for (const auto& w : workers) {
        total += w.successes;
        // A thread that never succeeded would make the run prove little.
        check(w.successes > iterations / 10,
              "thread " + std::to_string(w.id) + " made almost no progress");
    }
    const bool ok = failures.load() == before;
    std::printf("%-12s %u threads x %u operations: %lu succeeded, %s\n", lock_name, threads,
                iterations, total, ok ? "all checks passed" : "FAILED");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned iterations = 20000;
    if (argc > 1) iterations = static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10));
    if (argc > 2 || iterations == 0) {
        std::fprintf(stderr, "usage: irqmatrix-tsan-stress [ITERATIONS_PER_THREAD]\n");
        return 2;
    }
    bool ok = stress<std::mutex>("std::mutex", nr_threads, iterations);
    ok = stress<irqmatrix::spinlock>("spinlock", nr_threads, iterations) && ok;
    ok = stress<irqmatrix::null_lock>("null_lock", 1, iterations) && ok;
    return ok ? 0 : 1;
}
