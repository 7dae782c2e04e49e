// SPDX-License-Identifier: MIT
// The fragmentation simulator: one seeded event stream (device arrivals and
// departures, driver reloads, CPU offline and online, irqbalance moves),
// generated once from a workload and replayed against a matrix under each
// placement policy, so the policies see exactly the same demands.
//
// What the runs count, per policy:
//  * block requests (multi-MSI) by order, and each failure's cause:
//      capacity       fewer free vectors on the request's online CPUs than
//                     the block needs;
//      fragmentation  enough free vectors, and an ideal repacking of the
//                     movable groups on those CPUs (largest first, each into
//                     the lowest free aligned block, which is exact for
//                     aligned power-of-two blocks on one CPU) fits them all
//                     and the request: only the layout stood in the way;
//      other          enough free vectors, but not even the repacking fits
//                     (system and managed vectors cut the space up);
//    and for a policy that halves a failed request (FreeBSD's), how many
//    devices then got a smaller block ("degraded");
//  * single-vector (MSI-X) and managed-queue requests and failures;
//  * CPU offline requests refused, split into those the kernel's own check
//    (lapic_can_unplug_cpu: a count of vectors to move against the other
//    CPUs' available counters) refuses, and those it would let through but
//    where some group cannot be placed on the remaining CPUs (the kernel
//    would break that device; the simulator refuses the offline instead);
//  * samples over time: block success rate, fragmentation index per order,
//    how many online CPUs have each largest free order.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lab/workload.hpp"

namespace irqmatrix::lab {

inline constexpr unsigned sim_orders = 6;  // block orders 0..5

struct failure_counts {
    std::uint64_t requests = 0;
    std::uint64_t granted = 0;  ///< at the order asked
    std::uint64_t capacity = 0;
    std::uint64_t fragmentation = 0;
    std::uint64_t other = 0;
    std::uint64_t degraded = 0;  ///< refused in full, granted a smaller block after halving
    std::uint64_t failed() const noexcept { return capacity + fragmentation + other; }
};

struct sample_point {
    double time = 0;
    double block_success_window = 0;  ///< granted / requests since the previous sample (NaN: none)
    double block_success_cumulative = 0;                   ///< since the start (NaN: none yet)
    std::array<double, sim_orders> fragmentation_index{};  ///< over online CPUs, per order
    std::array<unsigned, sim_orders + 1>
        cpus_by_largest_order{};  ///< [0]: none free; [k+1]: largest order k
    unsigned free_vectors = 0;
    unsigned online_cpus = 0;
};

/// What a vector of the final state is used for (the heatmap's colours).
enum class vector_use : std::uint8_t {
    offline,
    outside_window,
    system,
    managed_reserved,
    managed_allocated,
    single,
    block,
    free
};

struct policy_run {
    std::string policy;
    std::array<failure_counts, sim_orders> blocks{};  ///< by requested order
    std::uint64_t single_requests = 0, single_failures = 0;
    std::uint64_t managed_requests = 0, managed_failures = 0;
    std::uint64_t devices_arrived = 0, devices_refused = 0;
    std::uint64_t offline_requests = 0, offline_refused_count = 0, offline_refused_placement = 0;
    std::uint64_t moves = 0, move_failures = 0;
    std::uint64_t events = 0;
    double seconds = 0;  ///< wall time of this policy's run
    std::vector<sample_point> samples;
    unsigned rows = 0, cols = 0;    ///< final state: CPUs x vectors
    std::vector<vector_use> cells;  ///< row-major
    std::string final_table;        ///< the kernel's debugfs table of the final state

    failure_counts block_totals() const noexcept;
};

struct sim_options {
    /// Called now and then with the fraction of all runs done (0..1).
    std::function<void(double)> progress;
    /// Check the matrix's invariants (verify()) after every event: slow,
    /// for tests.
    bool verify_each_event = false;
};

struct sim_result {
    std::string error;  ///< empty on success
    std::vector<policy_run> runs;
    std::uint64_t events = 0;  ///< events in the stream (each run replays all of them)
};

sim_result simulate(const workload& w, const sim_options& options = {});

}  // namespace irqmatrix::lab
