// SPDX-License-Identifier: MIT
// Built-in scenarios of the irqmatrix tool.
#pragma once

#include <string_view>

namespace irqmatrix_tool {

// A small x86-64 machine on Linux 6.10+: 256 vectors per CPU, allocation
// window [32, 235) (0xeb and up are system vectors), the system vectors of a
// real 6.10 dump (exceptions 0-19 and 21, the PIC cascade 0x32, APIC vectors),
// legacy ISA interrupts on CPU 0, an MSI-X NIC with one vector per CPU, an
// NVMe controller with a managed queue per CPU, and a 32-vector multi-MSI
// device (an accelerator like Qualcomm's AIC100) that needs an aligned block.
inline constexpr std::string_view x86_demo_trace = R"(# x86-64, Linux 6.10+ geometry, 4 CPUs
matrix 256 32 235 4
# boot: system vectors (the IDT's system gates) before any CPU is online
assign_system 0 0 0
assign_system 0 1 0
assign_system 0 2 0
assign_system 0 3 0
assign_system 0 4 0
assign_system 0 5 0
assign_system 0 6 0
assign_system 0 7 0
assign_system 0 8 0
assign_system 0 9 0
assign_system 0 10 0
assign_system 0 11 0
assign_system 0 12 0
assign_system 0 13 0
assign_system 0 14 0
assign_system 0 15 0
assign_system 0 16 0
assign_system 0 17 0
assign_system 0 18 0
assign_system 0 19 0
assign_system 0 21 0
assign_system 0 0xec 0
assign_system 0 0xf0 0
assign_system 0 0xf1 0
assign_system 0 0xf2 0
assign_system 0 0xf3 0
assign_system 0 0xf4 0
assign_system 0 0xf6 0
assign_system 0 0xf7 0
assign_system 0 0xf8 0
assign_system 0 0xf9 0
assign_system 0 0xfa 0
assign_system 0 0xfb 0
assign_system 0 0xfc 0
assign_system 0 0xfd 0
assign_system 0 0xfe 0
assign_system 0 0xff 0
# the PIC cascade (IRQ 2) is a system vector inside the window
assign_system 0 0x32 0
# boot CPU online; the legacy ISA interrupts hold 0x30-0x3f on CPU 0
online 0
assign 0 0x30
assign 0 0x31
assign 0 0x33
assign 0 0x34
assign 0 0x35
assign 0 0x36
assign 0 0x37
assign 0 0x38
assign 0 0x39
assign 0 0x3a
assign 0 0x3b
assign 0 0x3c
assign 0 0x3d
assign 0 0x3e
assign 0 0x3f
# secondary CPUs
online 1
online 2
online 3
# MSI-X NIC: one queue vector per CPU, spread by the kernel's rule
alloc 0-3 0
alloc 0-3 0
alloc 0-3 0
alloc 0-3 0
# NVMe: one managed queue per CPU, reserved on all, activated on each
reserve_managed 0-3
alloc_managed 0
alloc_managed 1
alloc_managed 2
alloc_managed 3
# an interrupt in reservation mode (maskable MSI not yet started)
reserve
# 32-vector multi-MSI device: one aligned block on one CPU
alloc_block 0-3 5 0
# an 8-vector multi-MSI device, then its activation of the reserved IRQ
alloc_block 0-3 3 0
alloc 0-3 1
stats
)";

}  // namespace irqmatrix_tool

namespace irqmatrix_tool {

// The demo's workload: a 64-CPU x86-64 server on Linux 6.10 (window [32,235)),
// the kind of machine the LKML "multi-MSI without an IOMMU" thread worried
// about. Steady load: four NVMe controllers with a managed queue per CPU, four
// 100G NICs with a vector per CPU, a churning population of SR-IOV virtual
// functions (4 MSI-X vectors each), and multi-MSI devices of 4 to 32 vectors
// (AHCI controllers, accelerators like Qualcomm's AIC100) that come and go.
// irqbalance moves single vectors and blocks around; CPUs 32-63 are hot-
// plugged now and then, and half of them go offline for a maintenance
// window; the NIC driver is reloaded twice. Most of the vector space (about
// 85%) is in use, so where each vector went decides what still fits.
inline constexpr std::string_view x86_demo_workload =
    R"(# irqmatrix demo workload (TOML): `irqmatrix demo --workload > my.toml`,
# edit, then `irqmatrix sim my.toml`. The format is described in docs/lab.md.
[machine]
name = "x86-64 server, 64 CPUs, Linux 6.10"
cpus = 64
kernel = "6.10"          # window [32,235); "6.9" or older: [32,236)
legacy_isa = true        # ISA IRQs on CPU 0 (vectors 0x30-0x3f but the cascade)

[simulation]
seed = 2026
duration = 10000
samples = 100
# policies = [...]      # default: every policy (`irqmatrix sim --help` names them)

[irqbalance]
rate = 0.5               # moves per time unit

[hotplug]
rate = 0.002             # a random CPU of the set goes offline...
cpus = "32-63"
mean_downtime = 400      # ...and comes back after this long on average

[[devices]]
name = "nvme"
kind = "managed"         # a managed queue on every CPU of the affinity
count = 4

[[devices]]
name = "nic"
kind = "msix"
vectors = 64
count = 4

[[devices]]
name = "vf"
kind = "msix"
vectors = 4
count = 2100
arrival_rate = 2.1
mean_lifetime = 1000

[[devices]]
name = "accel"
kind = "multi_msi"
vectors = 32
count = 24
arrival_rate = 0.012
mean_lifetime = 2000

[[devices]]
name = "ahci"
kind = "multi_msi"
vectors = 16
count = 24
arrival_rate = 0.012
mean_lifetime = 2000

[[devices]]
name = "sensor-hub"
kind = "multi_msi"
vectors = 8
count = 40
arrival_rate = 0.02
mean_lifetime = 2000

[[devices]]
name = "legacy-dev"
kind = "multi_msi"
vectors = 4
count = 40
arrival_rate = 0.02
mean_lifetime = 2000

[[events]]
at = 3000
action = "reload"
device = "nic"

[[events]]
at = 6000
action = "offline"
cpus = "48-63"

[[events]]
at = 8000
action = "online"
cpus = "48-63"

[[events]]
at = 8500
action = "reload"
device = "nic"
)";

}  // namespace irqmatrix_tool
