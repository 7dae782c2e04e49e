// SPDX-License-Identifier: MIT
// The simulator's workload: the machine, the device population and the
// events over time, read from a TOML file (toml++). See docs/lab.md for the
// format; parse_workload() reports the first problem with its line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/policies.hpp"

namespace irqmatrix::lab {

/// How a device asks for vectors.
enum class device_kind {
    msix,       ///< N single vectors, each placed on its own (irq_matrix_alloc)
    managed,    ///< one managed vector per queue, each reserved and allocated on its CPU
    multi_msi,  ///< one aligned block of 2..32 vectors on one CPU (alloc_block)
};

std::string_view to_string(device_kind k) noexcept;

/// A kind of device and how many of it come and go.
struct device_class {
    std::string name;
    device_kind kind = device_kind::msix;
    /// msix: vectors per device; managed: queues (0: one per CPU of the
    /// affinity); multi_msi: 2, 4, 8, 16 or 32.
    unsigned vectors = 1;
    unsigned count = 0;            ///< devices present at time 0
    double arrival_rate = 0;       ///< further arrivals per time unit (Poisson)
    double mean_lifetime = 0;      ///< exponential lifetime; 0: stays to the end
    std::string affinity = "all";  ///< a cpulist, or "all"
};

/// A scheduled event of the workload file.
struct scheduled_event {
    enum class action { offline, online, reload };
    double at = 0;
    action what = action::offline;
    std::string cpus;    ///< offline/online: a cpulist, each CPU in turn
    std::string device;  ///< reload: the device class whose devices are reloaded
};

struct workload {
    std::string name = "workload";
    // [machine]
    unsigned cpus = 8;
    std::string kernel = "6.10";  ///< x86 geometry: window [32,235) from 6.10, [32,236) before
    unsigned alloc_start = 32;
    unsigned alloc_end = 235;
    std::vector<unsigned> system_vectors;  ///< absolute vector numbers (0..255)
    bool legacy_isa = true;                ///< the 15 ISA vectors 0x30+i (i != 2) on CPU 0
    std::string start_state;               ///< optional dump or trace to start from
    // [simulation]
    std::uint64_t seed = 1;
    double duration = 1000;
    unsigned samples = 100;
    std::vector<std::string> policies = known_policies();
    // [irqbalance]: moves of one random non-managed group to one random CPU
    double irqbalance_rate = 0;
    // [hotplug]: random CPUs of a set go offline for a while
    double hotplug_rate = 0;
    std::string hotplug_cpus = "none";
    double hotplug_mean_downtime = 0;

    std::vector<device_class> devices;
    std::vector<scheduled_event> events;
};

/// The x86 system vectors of a kernel version, as lapic_assign_system_vectors()
/// sets them on a typical machine (exceptions 0-19 and 21, the PIC cascade
/// 0x32, and the APIC vectors with a gate from 0xec up; before 6.6 also the
/// cleanup vector 0x20 and int80), ascending.
std::vector<unsigned> x86_system_vectors(unsigned major, unsigned minor);

/// The workload in a TOML document, or an error ("line N: ..."). Relative
/// start_state paths are resolved against `base_dir`.
struct parsed_workload {
    std::optional<workload> value;
    std::string error;
};
parsed_workload parse_workload(std::string_view toml_text, std::string_view base_dir = "");

}  // namespace irqmatrix::lab
