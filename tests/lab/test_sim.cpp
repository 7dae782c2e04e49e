// SPDX-License-Identifier: MIT
// The simulator on small machines whose every count is worked out by hand in
// the comments, and on the demo workload (same stream for every policy,
// invariants after every event, deterministic).
#include "support/catch.hpp"

#include <string>

#include "lab/report.hpp"
#include "lab/sim.hpp"
#include "lab/workload.hpp"
#include "tools/irqmatrix/scenarios.hpp"

using namespace irqmatrix::lab;

namespace {

workload parse(const std::string& toml) {
    auto p = parse_workload(toml);
    INFO(p.error);
    REQUIRE(p.value);
    return *p.value;
}

sim_result run(const workload& w) {
    sim_options opt;
    opt.verify_each_event = true;  // the matrix's invariants after every event
    auto r = simulate(w, opt);
    INFO(r.error);
    REQUIRE(r.error.empty());
    REQUIRE(r.runs.size() == w.policies.size());
    return r;
}

const policy_run& of(const sim_result& r, const std::string& policy) {
    for (const auto& p : r.runs)
        if (p.policy == policy) return p;
    FAIL("no run for " << policy);
    return r.runs.front();
}

// Two CPUs with a 64-vector window [32, 96) each, no system vectors. At time
// 0 an MSI-X device takes two single vectors, then three 32-vector multi-MSI
// devices arrive.
constexpr const char* two_cpus = R"(
[machine]
cpus = 2
alloc_start = 32
alloc_end = 96
system_vectors = "none"
legacy_isa = false
[simulation]
duration = 10
samples = 5
policies = ["kernel", "pack", "best_fit", "freebsd"]
[[devices]]
name = "nic"
kind = "msix"
vectors = 2
count = 1
[[devices]]
name = "accel"
kind = "multi_msi"
vectors = 32
count = 3
)";

}  // namespace

TEST_CASE("sim: the kernel policy spreads singles and fragments; pack does not", "[lab][sim]") {
    const auto r = run(parse(two_cpus));
    CHECK(r.events == 4);  // four arrivals at time 0, nothing leaves

    // kernel: the singles go to CPU 0 (tie, lowest) and CPU 1 (64 > 63), at
    // 32 each. Blocks: CPU 0 (63 = 63, lowest) at 64, CPU 1 at 64; the third
    // finds 31 + 31 = 62 free vectors but no aligned 32-block. Repacked, the
    // two blocks and the singles fit on 128 vectors with 32 to spare, so it
    // is a fragmentation failure.
    const auto& k = of(r, "kernel");
    CHECK(k.single_requests == 2);
    CHECK(k.single_failures == 0);
    CHECK(k.blocks[5].requests == 3);
    CHECK(k.blocks[5].granted == 2);
    CHECK(k.blocks[5].fragmentation == 1);
    CHECK(k.blocks[5].capacity == 0);
    CHECK(k.blocks[5].other == 0);
    CHECK(k.blocks[5].degraded == 0);  // the kernel policy does not halve
    CHECK(k.devices_refused == 1);

    // pack: both singles on CPU 0 (32, 33); blocks at CPU 0 64, CPU 1 32 and
    // CPU 1 64: all granted.
    const auto& p = of(r, "pack");
    CHECK(p.blocks[5].granted == 3);
    CHECK(p.blocks[5].failed() == 0);

    // best_fit: the first single breaks a 32-block (every free vector sits
    // in one), on the lowest CPU of the tie; the second takes 33, whose
    // largest free block is itself. Then as pack.
    const auto& b = of(r, "best_fit");
    CHECK(b.blocks[5].granted == 3);

    // freebsd: round robin puts the singles on CPUs 0 and 1 and the blocks
    // on CPUs 0 and 1 (at 64); the third request is for CPU 0 again, which
    // has no 32-block: a fragmentation failure, then 16 vectors on the next
    // CPU (48..63 of CPU 1).
    const auto& f = of(r, "freebsd");
    CHECK(f.blocks[5].granted == 2);
    CHECK(f.blocks[5].fragmentation == 1);
    CHECK(f.blocks[5].degraded == 1);
    CHECK(f.devices_refused == 0);  // it got a smaller block
}

TEST_CASE("sim: capacity failures when the vectors are simply gone", "[lab][sim]") {
    // One CPU, 64 vectors: a 32-block at 32, a 32-block at 64, the third
    // finds nothing free at all.
    auto w = parse(std::string(two_cpus) + "");
    w.cpus = 1;
    w.devices.erase(w.devices.begin());  // no singles
    w.policies = {"kernel"};
    const auto r = run(w);
    const auto& k = of(r, "kernel");
    CHECK(k.blocks[5].requests == 3);
    CHECK(k.blocks[5].granted == 2);
    CHECK(k.blocks[5].capacity == 1);
    CHECK(k.blocks[5].fragmentation == 0);
}

TEST_CASE("sim: CPU offline is refused by the count check or by placement", "[lab][sim]") {
    // Two CPUs, window [32, 96). One single (CPU 0, 32), then two 32-blocks:
    // CPU 1 (64 > 63) at 32, CPU 0 (63 > 32) at 64. CPU 0 now has 31 free
    // vectors, CPU 1 32.
    // At t=1 offline 1: 32 vectors to move, 31 available elsewhere: the
    // kernel's count check refuses.
    // Then a machine with legacy ISA vectors: CPU 0 passes the count check
    // (15 to move, ~200 available on CPU 1) but its ISA vectors are pinned,
    // so placement refuses it; CPU 1 has nothing to move and goes.
    const auto w = parse(R"(
[machine]
cpus = 2
alloc_start = 32
alloc_end = 96
system_vectors = "none"
legacy_isa = false
[simulation]
duration = 10
samples = 2
policies = ["kernel"]
[[devices]]
name = "nic"
kind = "msix"
vectors = 1
count = 1
[[devices]]
name = "accel"
kind = "multi_msi"
vectors = 32
count = 2
[[events]]
at = 1
action = "offline"
cpus = "1"
)");
    const auto r = run(w);
    const auto& k = of(r, "kernel");
    CHECK(k.blocks[5].granted == 2);
    CHECK(k.offline_requests == 1);
    CHECK(k.offline_refused_count == 1);
    CHECK(k.offline_refused_placement == 0);

    const auto legacy = parse(R"(
[machine]
cpus = 2
legacy_isa = true
[simulation]
duration = 10
samples = 2
policies = ["kernel"]
[[events]]
at = 1
action = "offline"
cpus = "0"
[[events]]
at = 2
action = "offline"
cpus = "1"
[[events]]
at = 3
action = "online"
cpus = "1"
)");
    const auto r2 = run(legacy);
    const auto& k2 = of(r2, "kernel");
    CHECK(k2.offline_requests == 2);
    CHECK(k2.offline_refused_count == 0);
    CHECK(k2.offline_refused_placement == 1);   // CPU 0: the ISA vectors cannot move
    CHECK(k2.samples.back().online_cpus == 2);  // CPU 1 went and came back
}

TEST_CASE("sim: offline moves a block to an aligned hole and online restores managed queues",
          "[lab][sim]") {
    // Two CPUs [32, 96): a managed queue per CPU (32 reserved and allocated
    // on each), a 16-block on CPU 0 (kernel: 63 = 63, lowest CPU) at 48.
    // Offline 0: 16 to move, 63 available on CPU 1: the block moves to CPU 1
    // at 48; the managed vector of CPU 0 is shut down. Online 0: it is
    // allocated again.
    const auto w = parse(R"(
[machine]
cpus = 2
alloc_start = 32
alloc_end = 96
system_vectors = "none"
legacy_isa = false
[simulation]
duration = 10
samples = 2
policies = ["kernel", "pack", "best_fit", "freebsd"]
[[devices]]
name = "nvme"
kind = "managed"
count = 1
[[devices]]
name = "ahci"
kind = "multi_msi"
vectors = 16
count = 1
[[events]]
at = 1
action = "offline"
cpus = "0"
[[events]]
at = 2
action = "online"
cpus = "0"
)");
    const auto r = run(w);
    for (const auto& p : r.runs) {
        INFO(p.policy);
        CHECK(p.managed_requests == 2);
        CHECK(p.managed_failures == 0);
        CHECK(p.offline_requests == 1);
        CHECK(p.offline_refused_count + p.offline_refused_placement == 0);
        // At the end CPU 0 holds its managed vector again; the block lives
        // on CPU 1: 1 + 17 vectors allocated.
        CHECK(p.final_table.find("Total allocated:      18\n") != std::string::npos);
    }
}

TEST_CASE("sim: the demo workload runs every policy on one stream, deterministically",
          "[lab][sim]") {
    auto w = parse(std::string(irqmatrix_tool::x86_demo_workload));
    w.duration = 1500;  // a shorter run keeps the test quick at debug level 3
    w.samples = 30;
    sim_options opt;
    opt.verify_each_event = false;
    const auto a = simulate(w, opt);
    REQUIRE(a.error.empty());
    const auto b = simulate(w, opt);
    REQUIRE(a.runs.size() == 4);
    for (std::size_t i = 0; i < a.runs.size(); ++i) {
        INFO(a.runs[i].policy);
        CHECK(a.runs[i].events == a.events);  // every policy saw every event
        CHECK(a.runs[i].samples.size() == 30);
        CHECK(a.runs[i].final_table == b.runs[i].final_table);
        CHECK(a.runs[i].block_totals().requests == b.runs[i].block_totals().requests);
        // The same devices asked, so the request counts agree across
        // policies (FreeBSD's halving is part of the same request).
        CHECK(a.runs[i].block_totals().requests == a.runs[0].block_totals().requests);
        const auto t = a.runs[i].block_totals();
        CHECK(t.granted + t.failed() == t.requests);
    }
    CHECK(summary_table(w, a).find("best_fit") != std::string::npos);
    const std::string csv = timeseries_csv(a);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 4 * 30);
}
