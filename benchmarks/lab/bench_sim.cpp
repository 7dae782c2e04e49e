// SPDX-License-Identifier: MIT
// Simulator throughput: events per second of `irqmatrix sim` at 8, 64, 512
// and 4096 CPUs, for each policy, and for the kernel's rules computed by the
// literal mask walk (kernel_scan) beside the indexed default (kernel) in the
// same run. The workload is the demo's mix scaled to the CPU count (about
// two thirds of the vectors in use), 2000 time units.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "lab/policies.hpp"
#include "lab/sim.hpp"
#include "lab/workload.hpp"

namespace {

std::string scaled_workload(unsigned cpus, const std::string& policy) {
    // Device counts and arrival rates grow with the CPU count.
    const auto count = [&](double per_cpu) { return static_cast<unsigned>(per_cpu * cpus); };
    std::string text = fmt::format(
        R"([machine]
cpus = {cpus}
kernel = "6.10"
[simulation]
seed = 7
duration = 2000
samples = 50
policies = ["{policy}"]
[irqbalance]
rate = {irqbalance}
[hotplug]
rate = 0.002
cpus = "1-{last_cpu}"
mean_downtime = 400
[[devices]]
name = "nvme"
kind = "managed"
count = 4
[[devices]]
name = "nic"
kind = "msix"
vectors = {nic_vectors}
count = 4
[[devices]]
name = "vf"
kind = "msix"
vectors = 4
count = {vfs}
arrival_rate = {vf_rate}
mean_lifetime = 1000
)",
        fmt::arg("cpus", cpus), fmt::arg("policy", policy), fmt::arg("irqbalance", count(0.008)),
        // A NIC queue per CPU, up to MSI-X's 2048 entries.
        fmt::arg("nic_vectors", std::min(cpus, 2048u)), fmt::arg("last_cpu", cpus - 1),
        fmt::arg("vfs", count(18.75)), fmt::arg("vf_rate", 0.01875 * cpus));
    // The multi-MSI devices: name, vectors, how many per CPU, arrivals per CPU.
    struct multi_msi {
        const char* name;
        unsigned vectors;
        double count_per_cpu, rate_per_cpu;
    };
    for (const multi_msi& d :
         {multi_msi{"accel", 32, 0.375, 0.0001875}, multi_msi{"ahci", 16, 0.375, 0.0001875},
          multi_msi{"small", 4, 0.625, 0.0003125}})
        text += fmt::format(
            "[[devices]]\nname = \"{}\"\nkind = \"multi_msi\"\nvectors = {}\ncount = {}\n"
            "arrival_rate = {}\nmean_lifetime = 2000\n",
            d.name, d.vectors, count(d.count_per_cpu), d.rate_per_cpu * cpus);
    return text;
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
            ->Arg(4096)
            ->Unit(benchmark::kMillisecond);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
