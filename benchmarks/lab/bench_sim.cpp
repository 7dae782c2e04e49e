// SPDX-License-Identifier: MIT
// Simulator throughput: events per second of `irqmatrix sim` at 8, 64 and
// 512 CPUs, for each policy, and for the kernel's rules computed by the
// literal mask walk (kernel_scan) beside the indexed default (kernel) in the
// same run. The workload is the demo's mix scaled to the CPU count (about
// two thirds of the vectors in use), 2000 time units.
#include <benchmark/benchmark.h>

#include <string>

#include "lab/policies.hpp"
#include "lab/sim.hpp"
#include "lab/workload.hpp"

namespace {

std::string scaled_workload(unsigned cpus, const std::string& policy) {
    const auto n = [&](double per_cpu) {
        return std::to_string(static_cast<unsigned>(per_cpu * cpus));
    };
    return "[machine]\ncpus = " + std::to_string(cpus) +
           "\nkernel = \"6.10\"\n"
           "[simulation]\nseed = 7\nduration = 2000\nsamples = 50\npolicies = [\"" +
           policy +
           "\"]\n"
           "[irqbalance]\nrate = " +
           n(0.008) +
           "\n"
           "[hotplug]\nrate = 0.002\ncpus = \"1-" +
           std::to_string(cpus - 1) +
           "\"\nmean_downtime = 400\n"
           "[[devices]]\nname = \"nvme\"\nkind = \"managed\"\ncount = 4\n"
           "[[devices]]\nname = \"nic\"\nkind = \"msix\"\nvectors = " +
           std::to_string(cpus) +
           "\ncount = 4\n"
           "[[devices]]\nname = \"vf\"\nkind = \"msix\"\nvectors = 4\ncount = " +
           n(18.75) + "\narrival_rate = " + std::to_string(0.01875 * cpus) +
           "\nmean_lifetime = 1000\n"
           "[[devices]]\nname = \"accel\"\nkind = \"multi_msi\"\nvectors = 32\ncount = " +
           n(0.375) + "\narrival_rate = " + std::to_string(0.0001875 * cpus) +
           "\nmean_lifetime = 2000\n"
           "[[devices]]\nname = \"ahci\"\nkind = \"multi_msi\"\nvectors = 16\ncount = " +
           n(0.375) + "\narrival_rate = " + std::to_string(0.0001875 * cpus) +
           "\nmean_lifetime = 2000\n"
           "[[devices]]\nname = \"small\"\nkind = \"multi_msi\"\nvectors = 4\ncount = " +
           n(0.625) + "\narrival_rate = " + std::to_string(0.0003125 * cpus) +
           "\nmean_lifetime = 2000\n";
}

void run_sim(benchmark::State& state, const std::string& policy) {
    const auto cpus = static_cast<unsigned>(state.range(0));
    const auto parsed = irqmatrix::lab::parse_workload(scaled_workload(cpus, policy));
    if (!parsed.value) {
        state.SkipWithError(parsed.error.c_str());
        return;
    }
    std::uint64_t events = 0;
    for (auto _ : state) {
        const auto r = irqmatrix::lab::simulate(*parsed.value);
        if (!r.error.empty()) {
            state.SkipWithError(r.error.c_str());
            return;
        }
        events += r.events;
        benchmark::DoNotOptimize(r.runs.front().events);
    }
    state.counters["events/s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
    state.counters["events"] =
        static_cast<double>(events) / static_cast<double>(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
    // One row set per policy the simulator can run, named run_sim/POLICY/CPUS.
    for (const std::string& policy : irqmatrix::lab::runnable_policies())
        benchmark::RegisterBenchmark(("run_sim/" + policy).c_str(), run_sim, policy)
            ->Arg(8)
            ->Arg(64)
            ->Arg(512)
            ->Unit(benchmark::kMillisecond);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
