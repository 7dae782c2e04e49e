// SPDX-License-Identifier: MIT
// A matrix together with the lock that serialises it, for programs that share
// one matrix between threads.
//
// The matrix has no lock of its own, like the kernel's irq_matrix, whose
// callers hold vector_lock around every call. locked_matrix makes that lock
// impossible to forget: the matrix is reachable only through with(f), which
// runs f(matrix&) while holding the lock. A compound step ("if the vector is
// free, assign it", "reserve, then allocate a reserved vector") written as one
// with() call is atomic with respect to every other thread.
//
//     irqmatrix::locked_matrix<irqmatrix::matrix> shared(*irqmatrix::matrix::create(256, 32, 236, 8));
//     auto where = shared.with([&](irqmatrix::matrix& m) { return m.alloc(cpus, false); });
//
// Lock is anything with lock() and unlock() (BasicLockable):
//   std::mutex           the default: sleeps when contended;
//   irqmatrix::spinlock  spins on an atomic flag: for short critical sections
//                        (every matrix operation is a few word operations)
//                        where a sleep and wake-up would cost more;
//   irqmatrix::null_lock no-op: the same code in a single-threaded program,
//                        at no cost.
//
// Rules: do not let a reference or pointer into the matrix escape f (it
// would outlive the lock); do not call with() on the same object from inside
// f (a self-deadlock). Nothing here allocates.
#pragma once

#include <atomic>
#include <concepts>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#endif

#include "version.hpp"

IRQMATRIX_BEGIN_NAMESPACE

namespace detail {

// Tells the CPU that this is a spin-wait loop: on x86 `pause` keeps the loop
// from flooding the pipeline with speculative loads and lets a hyperthread
// sibling (maybe the lock holder) run; on Arm `yield` is the same hint.
inline void cpu_relax() noexcept {
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
    _mm_pause();
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

}  // namespace detail

/// What locked_matrix needs of its lock (the standard's BasicLockable).
template <class L>
concept basic_lockable = requires(L& l) {
    l.lock();
    l.unlock();
};

/// A test-and-test-and-set spinlock on std::atomic_flag; Lockable (lock,
/// try_lock, unlock), so std::lock_guard and std::scoped_lock take it.
///
/// The kernel guards its matrix with a raw spinlock, but with preemption
/// off; in user space the holder can be descheduled, so after a short spin a
/// waiter yields its time slice instead of spinning through the holder's.
/// Aligned to a cache line: waiters spin reading the flag, and a flag that
/// shared a line with the matrix's counters would bounce that line between
/// them and the holder on every write the holder makes.
class alignas(64) spinlock {
public:
    spinlock() noexcept = default;
    spinlock(const spinlock&) = delete;
    spinlock& operator=(const spinlock&) = delete;

    void lock() noexcept {
        for (;;) {
            // Only the test-and-set writes the line; waiters spin on a plain
            // load, which stays in their own cache until the holder unlocks.
            if (!flag_.test_and_set(std::memory_order_acquire)) return;
            for (unsigned spins = 0; flag_.test(std::memory_order_relaxed); ++spins) {
                if (spins < spins_before_yield)
                    detail::cpu_relax();
                else
                    std::this_thread::yield();
            }
        }
    }

    bool try_lock() noexcept {
        return !flag_.test(std::memory_order_relaxed) &&
               !flag_.test_and_set(std::memory_order_acquire);
    }

    void unlock() noexcept { flag_.clear(std::memory_order_release); }

private:
    // 64 pauses: a fraction of a microsecond to a few microseconds depending
    // on the CPU, longer than a typical matrix operation holds the lock and far
    // shorter than a time slice.
    static constexpr unsigned spins_before_yield = 64;
    std::atomic_flag flag_;  // clear on construction (C++20)
};

/// A lock that does nothing, for a locked_matrix used by one thread only.
struct null_lock {
    constexpr void lock() noexcept {}
    constexpr bool try_lock() noexcept { return true; }
    constexpr void unlock() noexcept {}
};

/// Owns a Matrix (basic_matrix, basic_planner, or any type) and a Lock, and
/// gives access to the matrix only with the lock held. Neither copyable nor
/// movable (the lock is not), like the kernel's matrix and its vector_lock.
template <class Matrix, class Lock = std::mutex>
requires basic_lockable<Lock>
class locked_matrix {
public:
    using matrix_type = Matrix;
    using lock_type = Lock;

    /// Takes over a matrix (made by Matrix::create()).
    explicit locked_matrix(Matrix&& m) noexcept(std::is_nothrow_move_constructible_v<Matrix>)
        : matrix_(std::move(m)) {}
    explicit locked_matrix(const Matrix& m) noexcept(std::is_nothrow_copy_constructible_v<Matrix>)
        : matrix_(m) {}

    locked_matrix(const locked_matrix&) = delete;
    locked_matrix& operator=(const locked_matrix&) = delete;

    /// Runs f(matrix&) with the lock held and returns what f returns. A
    /// snapshot is with([](const auto& m) { return m; }).
    template <class F>
    requires std::invocable<F, Matrix&>
    decltype(auto) with(F&& f) noexcept(nothrow_lock&& std::is_nothrow_invocable_v<F, Matrix&>) {
        std::lock_guard<Lock> guard(lock_);
        return std::forward<F>(f)(matrix_);
    }

    /// Runs f(const matrix&) with the lock held: queries must be serialised
    /// too, since a query racing a mutation reads half-updated counters.
    template <class F>
    requires std::invocable<F, const Matrix&>
    decltype(auto) with(F&& f) const
        noexcept(nothrow_lock&& std::is_nothrow_invocable_v<F, const Matrix&>) {
        std::lock_guard<Lock> guard(lock_);
        return std::forward<F>(f)(std::as_const(matrix_));
    }

private:
    static constexpr bool nothrow_lock = noexcept(std::declval<Lock&>().lock());

    // A null_lock takes no room; the const overload locks a mutable lock.
    [[no_unique_address]] mutable Lock lock_;
    Matrix matrix_;
};

IRQMATRIX_END_NAMESPACE
