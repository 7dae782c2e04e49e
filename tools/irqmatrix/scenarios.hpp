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
