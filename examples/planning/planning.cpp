// SPDX-License-Identifier: MIT
// A worked example of the planner (include/irqmatrix/planner.hpp): the life
// of a 32-vector multi-MSI device on a small x86 machine, from probe to
// taking its CPU offline, and where the kernel's own hotplug check is wrong.
// The output is deterministic; examples/planning/check_output.cmake checks
// its key lines. See README.md in this directory for a walk-through.
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include <irqmatrix/irqmatrix.hpp>

namespace {

using irqmatrix::cpu_set;
using irqmatrix::errc;
using irqmatrix::placement;
using irqmatrix::planner;
using irqmatrix::result;

constexpr unsigned nr_cpus = 4;

int failures = 0;

// The trace format's way of writing a refusal: "-28 (ENOSPC)".
std::string errno_text(errc e) {
    const char* name = e == errc::no_space  ? "ENOSPC"
                       : e == errc::busy    ? "EBUSY"
                       : e == errc::invalid ? "EINVAL"
                                            : "ENOENT";
    return std::to_string(irqmatrix::to_errno(e)) + " (" + name + ")";
}

std::string text(const irqmatrix::status& s) { return s ? "0" : errno_text(s.error()); }
std::string text(const result<unsigned>& r) {
    return r ? std::to_string(*r) : errno_text(r.error());
}
std::string text(const result<placement>& r) {
    return r ? "cpu " + std::to_string(r->cpu) + ", base " + std::to_string(r->base)
             : errno_text(r.error());
}

// Every step states what it expects: the example doubles as a test, and a
// change in the library's placement shows up here as well as in the check.
template <class R>
void step(const char* what, const R& r, const std::string& want) {
    const std::string got = text(r);
    std::printf("  %-46s = %s\n", what, got.c_str());
    if (got != want) {
        std::printf("  !! expected %s\n", want.c_str());
        ++failures;
    }
}

void must(bool ok, const char* what) {
    if (!ok) {
        std::printf("  !! %s failed\n", what);
        ++failures;
    }
}

// lapic_can_unplug_cpu() (kernel-matrix.md 3.4): the kernel counts. The
// non-managed vectors of the outgoing CPU must not exceed the vectors
// available on the others; where they would go is not asked.
bool kernel_can_unplug(const planner& p, unsigned cpu, unsigned& tomove, unsigned& avl) {
    tomove = *p.allocated(cpu);
    avl = *p.available(cpu, /*cpudown=*/true);
    return avl >= tomove;
}

cpu_set cpus(std::initializer_list<unsigned> list) {
    cpu_set s(nr_cpus);
    for (unsigned c : list) s.set(c);
    return s;
}

}  // namespace

int main() {
    // ---- boot -----------------------------------------------------------
    // x86 before v6.10: irq_alloc_matrix(256, FIRST_EXTERNAL_VECTOR 0x20,
    // FIRST_SYSTEM_VECTOR 0xec), then lapic_assign_system_vectors() on the
    // boot CPU: the exceptions, int80 (IA32 emulation) and the PIC cascade
    // 0x32 (both inside the window), and the APIC system vectors with a gate.
    auto made = planner::create(256, 0x20, 0xec, nr_cpus);
    if (!made) return 1;
    planner p = std::move(*made);
    std::vector<unsigned> system;
    for (unsigned v = 0x00; v <= 0x13; ++v) system.push_back(v);  // exceptions
    for (unsigned v : {0x32u, 0x80u, 0xecu, 0xf0u, 0xf1u, 0xf2u, 0xf4u, 0xf6u, 0xf7u, 0xf8u, 0xf9u,
                       0xfau, 0xfbu, 0xfcu, 0xfdu, 0xfeu, 0xffu})
        system.push_back(v);
    for (unsigned v : system)
        must(static_cast<bool>(p.assign_system(0, v, false)), "assign_system");
    must(static_cast<bool>(p.online(0)), "online 0");
    for (unsigned irq = 0; irq < 16; ++irq)  // the legacy ISA vectors, on CPU 0
        if (irq != 2) must(static_cast<bool>(p.assign(0, 0x30 + irq)), "assign legacy");
    for (unsigned c = 1; c < nr_cpus; ++c) must(static_cast<bool>(p.online(c)), "online");
    const cpu_set all = cpu_set::all(nr_cpus);

    // An NVMe drive: one managed queue per CPU and an admin vector; a NIC
    // with 8 MSI-X vectors.
    for (unsigned c = 0; c < nr_cpus; ++c) {
        const cpu_set one = cpu_set::single(nr_cpus, c);
        must(static_cast<bool>(p.reserve_managed(one)), "reserve_managed");
        must(static_cast<bool>(p.alloc_managed(one)), "alloc_managed");
    }
    must(static_cast<bool>(p.alloc(all, false)), "nvme admin");
    for (int q = 0; q < 8; ++q) must(static_cast<bool>(p.alloc(all, false)), "nic");

    std::printf(
        "boot: 4 CPUs, 256 vectors, window [32, 236), %zu system vectors "
        "(%u inside the window)\n",
        system.size(), p.stats().systembits_inalloc);
    std::printf("  nvme: 4 managed queues (one per CPU) + admin; nic: 8 MSI-X vectors\n");

    // ---- 1. probe -------------------------------------------------------
    std::printf("\n1. probe: fpga0 needs 32 MSI vectors, an aligned block on one CPU\n");
    step("reserve_block(5)", p.reserve_block(5), "0");
    step("largest_order(0-3)", p.largest_order(all), "5");
    // Admission control: how many more such guarantees the machine could
    // give right now (withdrawn again; fpga0's stays).
    unsigned more = 0;
    while (p.reserve_block(5)) ++more;
    std::printf("  %u more 32-vector blocks could be guaranteed now; then -28\n", more);
    for (unsigned i = 0; i < more; ++i)
        must(static_cast<bool>(p.remove_reserved_block(5)), "remove");

    // ---- 2. activation --------------------------------------------------
    std::printf("\n2. request_irq: the guaranteed block is allocated\n");
    const auto dev = p.alloc_reserved_block(all, 5);
    step("alloc_reserved_block(0-3, 5)", dev, "cpu 1, base 64");
    if (!dev) return 1;

    // ---- 3. affinity change ---------------------------------------------
    std::printf("\n3. echo 4 > /proc/irq/N/smp_affinity: the block moves to CPU 2\n");
    const auto moved = p.move_block(dev->cpu, dev->base, cpus({2}));
    step("move_block(1, 64, 2)", moved, "cpu 2, base 64");
    if (!moved) return 1;
    const unsigned cpu = moved->cpu, base = moved->base;

    // ---- 4. pin ---------------------------------------------------------
    std::printf("\n4. the device's firmware caches the MSI message: pin it\n");
    step("pin(2, 64)", p.pin(cpu, base), "0");
    step("move_block(2, 64, 3)", p.move_block(cpu, base, cpus({3})), "-16 (EBUSY)");
    step("can_offline(2)", p.can_offline(cpu), "-16 (EBUSY)");
    step("unpin(2, 64)", p.unpin(cpu, base), "0");

    // ---- 5. guests come and go ------------------------------------------
    // SR-IOV virtual functions bound to vfio-pci, 16 MSI-X vectors each,
    // with the default affinity (all CPUs). Then every other guest stops.
    constexpr unsigned nr_vfs = 40;
    std::printf(
        "\n5. %u VFs bound to vfio-pci for guests (16 MSI-X vectors each); "
        "then every other guest stops\n",
        nr_vfs);
    std::vector<std::vector<placement>> vf(nr_vfs);
    for (auto& v : vf)
        for (int i = 0; i < 16; ++i) {
            const auto r = p.alloc(all, false);
            must(static_cast<bool>(r), "vf alloc");
            if (r) v.push_back(*r);
        }
    for (unsigned i = 1; i < nr_vfs; i += 2) {
        for (const auto& v : vf[i])
            must(static_cast<bool>(p.free(v.cpu, v.base, false)), "vf free");
        vf[i].clear();
    }
    for (unsigned c : {0u, 1u, 3u})
        std::printf("  cpu %u: %3u available, largest_order(%u) = %s\n", c, p.cpu(c)->available, c,
                    text(p.largest_order(cpus({c}))).c_str());

    // ---- 6. CPU 2 goes offline ------------------------------------------
    std::printf("\n6. echo 0 > /sys/devices/system/cpu/cpu2/online\n");
    unsigned tomove = 0, avl = 0;
    const bool yes = kernel_can_unplug(p, cpu, tomove, avl);
    std::printf("  kernel: lapic_can_unplug_cpu(2): allocated %u <= available %u -> %s\n", tomove,
                avl, yes ? "0, yes" : "-28, no");
    must(yes, "the kernel's check says yes");
    step("planner: can_offline(2)", p.can_offline(cpu), "-28 (ENOSPC)");
    step("largest_order(0,1,3)", p.largest_order(cpus({0, 1, 3})), "4");
    {
        // What the kernel's "yes" leads to: the CPU goes, and fixup_irqs()
        // finds no place for fpga0's block.
        planner k = p;
        std::printf("  had the kernel gone ahead:\n");
        step("  offline(2)", k.offline(cpu), "0");
        step("  alloc_block(0,1,3, 5): re-place fpga0", k.alloc_block(cpus({0, 1, 3}), 5, false),
             "-28 (ENOSPC)");
    }

    // Guests stop, oldest first, until a block opens up somewhere.
    unsigned stopped = 0;
    for (unsigned i = 0; i < nr_vfs && !p.can_offline(cpu); i += 2) {
        for (const auto& v : vf[i])
            must(static_cast<bool>(p.free(v.cpu, v.base, false)), "vf free");
        vf[i].clear();
        ++stopped;
    }
    std::printf("  %u more guests stop\n", stopped);
    step("largest_order(0,1,3)", p.largest_order(cpus({0, 1, 3})), "5");
    step("can_offline(2)", p.can_offline(cpu), "91");
    step("evacuate(2)", p.evacuate(cpu), "91");
    for (unsigned c = 0; c < nr_cpus; ++c)
        for (const auto& g : p.groups_on(c))
            if (g.order == 5) std::printf("  fpga0 now on cpu %u, base %u\n", g.cpu, g.base);
    step("offline(2)", p.offline(cpu), "0");

    std::printf("\n/sys/kernel/debug/irq/domains/VECTOR:\n%s",
                irqmatrix::debug_show(p.matrix()).c_str());
    if (const auto v = p.verify(); !v.empty()) {
        std::printf("!! verify: %s\n", v.c_str());
        ++failures;
    }
    if (failures) std::printf("%d unexpected results\n", failures);
    return failures ? 1 : 0;
}
