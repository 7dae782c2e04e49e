// SPDX-License-Identifier: MIT
// locked_matrix, spinlock and null_lock: the contract, in one thread or two
// (tests/tsan hammers them with many, under ThreadSanitizer).
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include <irqmatrix/locked.hpp>
#include <irqmatrix/matrix.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

using irqmatrix::locked_matrix;
using irqmatrix::matrix;

namespace {

// A lock that records what is done to it (one test at a time uses it).
struct recording_lock {
    inline static int locks = 0;
    inline static int unlocks = 0;
    inline static bool held = false;
    void lock() {
        REQUIRE_FALSE(held);  // with() never locks twice
        held = true;
        ++locks;
    }
    void unlock() {
        REQUIRE(held);
        held = false;
        ++unlocks;
    }
    static void reset() {
        locks = 0;
        unlocks = 0;
        held = false;
    }
};

struct noexcept_op {
    int operator()(matrix&) const noexcept { return 0; }
};
struct throwing_op {
    int operator()(matrix&) const { return 0; }
};

using spin_locked = locked_matrix<matrix, irqmatrix::spinlock>;
using mutex_locked = locked_matrix<matrix>;

static_assert(std::is_same_v<mutex_locked::lock_type, std::mutex>);
static_assert(irqmatrix::basic_lockable<std::mutex>);
static_assert(irqmatrix::basic_lockable<irqmatrix::spinlock>);
static_assert(irqmatrix::basic_lockable<irqmatrix::null_lock>);
static_assert(!irqmatrix::basic_lockable<int>);
// noexcept exactly when both the lock and the function are.
static_assert(noexcept(std::declval<spin_locked&>().with(noexcept_op{})));
static_assert(!noexcept(std::declval<spin_locked&>().with(throwing_op{})));
static_assert(!noexcept(std::declval<mutex_locked&>().with(noexcept_op{})));
// The lock cannot be copied, so neither can the pair.
static_assert(!std::is_copy_constructible_v<spin_locked>);
static_assert(!std::is_copy_assignable_v<spin_locked>);
#if !defined(_MSC_VER)  // MSVC ignores [[no_unique_address]]
static_assert(sizeof(locked_matrix<matrix, irqmatrix::null_lock>) == sizeof(matrix));
#endif

}  // namespace

TEST_CASE("locked: with() runs f under the lock and returns what f returns", "[locked]") {
    recording_lock::reset();
    locked_matrix<matrix, recording_lock> shared(test::make(64, 32, 40, 2));

    const auto status = shared.with([](matrix& m) {
        REQUIRE(recording_lock::held);
        return m.online(0);
    });
    test::ok(status);
    REQUIRE_FALSE(recording_lock::held);

    // A compound step in one critical section.
    const auto where = shared.with([](matrix& m) {
        m.reserve();
        return m.alloc(test::cpus("0", 2), /*reserved=*/true);
    });
    REQUIRE(test::text(where) == "0 32");
    REQUIRE(recording_lock::locks == 2);

    // The const overload sees a const matrix, locked all the same.
    const auto& read_only = shared;
    const std::string counters = read_only.with([](const matrix& m) {
        REQUIRE(recording_lock::held);
        return test::stats(m);
    });
    REQUIRE(counters == "1 7 0 1");
    REQUIRE(recording_lock::locks == 3);
    REQUIRE(recording_lock::unlocks == 3);

    // A snapshot is a copy taken under the lock.
    const matrix copy = read_only.with([](const matrix& m) { return m; });
    REQUIRE(test::cpu(copy, 0) == "1 7 1 0 0");
}

TEST_CASE("locked: the lock is released when f throws", "[locked]") {
    recording_lock::reset();
    locked_matrix<matrix, recording_lock> shared(test::make(64, 32, 40, 1));
    REQUIRE_THROWS_AS(shared.with([](matrix&) -> int { throw std::runtime_error("f failed"); }),
                      std::runtime_error);
    REQUIRE(recording_lock::locks == 1);
    REQUIRE(recording_lock::unlocks == 1);
    REQUIRE_FALSE(recording_lock::held);
}

TEST_CASE("locked: spinlock is Lockable and excludes a second thread", "[locked]") {
    irqmatrix::spinlock lock;
    REQUIRE(lock.try_lock());
    REQUIRE_FALSE(lock.try_lock());
    lock.unlock();
    {
        std::lock_guard<irqmatrix::spinlock> guard(lock);
        REQUIRE_FALSE(lock.try_lock());
    }
    REQUIRE(lock.try_lock());

    // The lock is held: the other thread waits for it, then sees what was
    // written before the unlock.
    int value = 0;
    std::atomic<bool> started{false};
    std::thread other([&] {
        started.store(true);
        std::lock_guard<irqmatrix::spinlock> guard(lock);
        value += 10;
    });
    while (!started.load()) std::this_thread::yield();
    value = 1;
    lock.unlock();
    other.join();
    REQUIRE(value == 11);
}

TEST_CASE("locked: null_lock costs nothing and always succeeds", "[locked]") {
    irqmatrix::null_lock lock;
    REQUIRE(lock.try_lock());
    REQUIRE(lock.try_lock());
    lock.unlock();
    locked_matrix<matrix, irqmatrix::null_lock> single(test::make(64, 32, 40, 1));
    test::ok(single.with([](matrix& m) { return m.online(0); }));
    REQUIRE(std::as_const(single).with([](const matrix& m) { return test::stats(m); }) ==
            "1 8 0 0");
}
