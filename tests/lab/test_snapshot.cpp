// SPDX-License-Identifier: MIT
// The machine snapshot (lab/snapshot.hpp), its parsers (per-IRQ debugfs,
// /proc/interrupts, /proc/irq affinity lists, lspci -vv) and the questions
// answered on it (lab/whatif.hpp). The small machine of tests/data/
// machine-small-*.txt is worked by hand in the comments: 3 CPUs, an
// 8-vector window [32,40); CPU 0 holds IRQs 10 (32) and 11 (33, affine to
// CPU 0 only); CPU 1 holds managed IRQ 22 (32, affine to CPU 1), IRQs 20
// (33, affine to 1-2) and 21 (34), and vector 35 that no IRQ owns; CPU 2 is
// full with IRQs 30-37 (32-39). Counters: avl 6, 4, 0; global 10.
#include "support/catch.hpp"

#include "lab/irq_debugfs.hpp"
#include "lab/lspci.hpp"
#include "lab/procfs.hpp"
#include "lab/snapshot.hpp"
#include "lab/whatif.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lab = irqmatrix::lab;

namespace {

std::string data_file(const std::string& name) {
    std::ifstream f(std::string(IRQMATRIX_LAB_DATA_DIR) + "/" + name, std::ios::binary);
    REQUIRE(f.good());
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

lab::snapshot snap(const std::vector<std::string>& names) {
    std::vector<lab::snapshot_input> in;
    for (const auto& n : names) in.push_back({n, data_file(n)});
    auto r = lab::build_snapshot(in, {});
    INFO(r.error);
    REQUIRE(r.value);
    return std::move(*r.value);
}

lab::snapshot small() { return snap({"machine-small-vector.txt", "machine-small-irqs.txt"}); }

const lab::irq_fate& fate_of(const lab::offline_step& st, const std::string& label_start) {
    for (const auto& f : st.fates)
        if (f.label.rfind(label_start, 0) == 0) return f;
    FAIL("no fate for " << label_start);
    return st.fates.front();
}

}  // namespace

TEST_CASE("per-IRQ debugfs: records, both effective spellings, a move in progress", "[snapshot]") {
    const std::string text =
        "# a comment\n"
        "/sys/kernel/debug/irq/irqs/7:handler:  handle_edge_irq\n"
        "/sys/kernel/debug/irq/irqs/7:device:   0000:02:00.0\n"
        "/sys/kernel/debug/irq/irqs/7:            IRQD_IRQ_STARTED\n"
        "/sys/kernel/debug/irq/irqs/7:affinity: 0-3,8\n"
        "/sys/kernel/debug/irq/irqs/7:effective: 2\n"
        "/sys/kernel/debug/irq/irqs/7:domain:  IR-PCI-MSIX-0000:02:00.0-12\n"
        "/sys/kernel/debug/irq/irqs/7:    domain:  VECTOR\n"
        "/sys/kernel/debug/irq/irqs/7:         Vector:    40\n"
        "/sys/kernel/debug/irq/irqs/7:         Target:     2\n"
        "/sys/kernel/debug/irq/irqs/7:         Previous vector:    33\n"
        "/sys/kernel/debug/irq/irqs/7:         Previous target:     1\n"
        "/sys/kernel/debug/irq/irqs/7:         is_managed:       1\n"
        "3:effectiv: 0\n"
        "3:         Vector: Not assigned\n"
        "4:         Vector:    52\n"
        "4:         Target: Legacy PIC all CPUs\n";
    REQUIRE(lab::looks_like_irq_debugfs(text));
    const auto r = lab::parse_irq_debugfs(text);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.irqs.size() == 3);
    CHECK(r.irqs[0].irq == 3);
    CHECK(r.irqs[0].vector_not_assigned);
    CHECK(*r.irqs[0].effective == std::vector<unsigned>{0});
    CHECK(r.irqs[1].legacy_pic);
    const auto& i = r.irqs[2];
    CHECK(i.irq == 7);
    CHECK(i.line == 2);
    CHECK(i.device == "0000:02:00.0");
    CHECK(i.has_state("IRQD_IRQ_STARTED"));
    CHECK(*i.affinity == std::vector<unsigned>{0, 1, 2, 3, 8});
    CHECK(*i.effective == std::vector<unsigned>{2});
    CHECK(i.domains == std::vector<std::string>{"IR-PCI-MSIX-0000:02:00.0-12", "VECTOR"});
    CHECK(i.vector == 40);
    CHECK(i.target == 2);
    CHECK(*i.prev_vector == 33);
    CHECK(*i.prev_target == 1);
    CHECK(i.is_managed);
}

TEST_CASE("per-IRQ debugfs: a bad value or line is refused with its line", "[snapshot]") {
    const auto line_of = [](const std::string& text) {
        const auto r = lab::parse_irq_debugfs(text);
        REQUIRE(r.error);
        INFO(r.error->what());
        CHECK_FALSE(r.error->message.empty());
        return r.error->line;
    };
    CHECK(line_of("5:handler: x\n5:         Vector:    abc\n") == 2);
    CHECK(line_of("5:handler: x\n5:affinity: 3-1\n") == 2);
    CHECK(line_of("5:handler: x\n\n5:is_managed: 2\n") == 3);
    CHECK(line_of("5:handler: x\nno colon here\n") == 2);
    CHECK(line_of("x/y:handler: x\n") == 1);
    CHECK(line_of("# only a comment\n") == 2);
}

TEST_CASE("/proc/interrupts: header CPUs name the columns; devices from chips and hwirqs",
          "[snapshot]") {
    const std::string text =
        "            CPU0       CPU2       CPU5\n"
        "   0:         38          0          0  IR-IO-APIC    2-edge      timer\n"
        "  30:        249         54          0  IR-PCI-MSI 524288-edge      nvkm\n"
        "  41:          1          2          3  IR-PCI-MSIX-0000:02:00.0    3-edge      "
        "nvme0q3\n"
        "  42:          0          0          0  IR-PCI-MSI 3145729-edge      PCIe PME\n"
        " NMI:          1          1          1   Non-maskable interrupts\n"
        " ERR:          0\n";
    REQUIRE(lab::looks_like_proc_interrupts(text));
    const auto r = lab::parse_proc_interrupts(text);
    REQUIRE_FALSE(r.error);
    CHECK(r.value->online == std::vector<unsigned>{0, 2, 5});
    REQUIRE(r.value->rows.size() == 4);
    const auto& nvkm = r.value->rows[1];
    CHECK(nvkm.counts == std::vector<std::uint64_t>{249, 54, 0});
    CHECK(nvkm.device == "0000:01:00.0");  // 524288 >> 11 = 0x100: bus 1, devfn 0
    CHECK(nvkm.device_from_hwirq);
    CHECK(*nvkm.msi_entry == 0);
    const auto& nvme = r.value->rows[2];
    CHECK(nvme.device == "0000:02:00.0");
    CHECK_FALSE(nvme.device_from_hwirq);
    CHECK(*nvme.msi_entry == 3);
    CHECK(nvme.actions == "nvme0q3");
    CHECK(r.value->rows[3].actions == "PCIe PME");
    CHECK(r.value->rows[3].device == "0000:06:00.0");  // 3145729 >> 11 = 0x600
    CHECK(*r.value->rows[3].msi_entry == 1);

    const auto bad = lab::parse_proc_interrupts("  CPU0 CPU1\n  3:  1  2  X-PIC\n  4:  1 chip\n");
    REQUIRE(bad.error);
    CHECK(bad.error->line == 3);
    CHECK(lab::parse_proc_interrupts(" CPU1 CPU0\n").error->line == 1);
    CHECK(lab::parse_proc_interrupts("CPU0\n 5: 1 a\n 4: 1 b\n").error->line == 3);
}

TEST_CASE("/proc/irq affinity lists", "[snapshot]") {
    const std::string text =
        "/proc/irq/24/smp_affinity_list:0-3\n"
        "/proc/irq/24/effective_affinity_list:2\n"
        "/proc/irq/24/node:0\n"
        "/proc/irq/default_smp_affinity:f\n"
        "25/smp_affinity_list:1\n";
    REQUIRE(lab::looks_like_proc_irq_affinity(text));
    const auto r = lab::parse_proc_irq_affinity(text);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.irqs.size() == 2);
    CHECK(*r.irqs[0].smp_affinity == std::vector<unsigned>{0, 1, 2, 3});
    CHECK(*r.irqs[0].effective == std::vector<unsigned>{2});
    CHECK_FALSE(r.irqs[1].effective);
    const auto bad =
        lab::parse_proc_irq_affinity("24/smp_affinity_list:0-3\n24/smp_affinity_list:a\n");
    REQUIRE(bad.error);
    CHECK(bad.error->line == 2);
}

TEST_CASE("lspci -vv: MSI granted/capable and MSI-X counts", "[snapshot]") {
    const auto r = lab::parse_lspci(data_file("lspci-06.txt"));
    REQUIRE_FALSE(r.error);
    CHECK(r.functions.size() == 22);
    const lab::pci_function* nvme = nullptr;
    for (const auto& f : r.functions)
        if (f.address == "0000:04:00.0") nvme = &f;
    REQUIRE(nvme);
    REQUIRE(nvme->msi);
    CHECK_FALSE(nvme->msi->enabled);
    CHECK(nvme->msi->granted == 1);
    CHECK(nvme->msi->capable == 8);
    CHECK(nvme->multi_msi());
    REQUIRE(nvme->msix);
    CHECK(nvme->msix->enabled);
    CHECK(nvme->msix->count == 16);
    CHECK(nvme->driver == "nvme");

    // A hand-written note in a published capture: refused with its line.
    const auto noted = lab::parse_lspci(data_file("lspci-14.txt"));
    REQUIRE(noted.error);
    CHECK(noted.error->line == 201);
    const auto bad = lab::parse_lspci(
        "00:1f.2 SATA\n\tCapabilities: [80] MSI: Enable+ Count=1/3 Maskable- 64bit-\n");
    REQUIRE(bad.error);
    CHECK(bad.error->line == 2);
    CHECK(lab::parse_lspci("\tSubsystem: x\n").error->line == 1);
}

TEST_CASE("snapshot: owners, managed, masks and what was assumed", "[snapshot]") {
    const auto s = small();
    CHECK(s.online == std::vector<unsigned>{0, 1, 2});
    CHECK(s.irqs.size() == 14);
    const auto* i22 = s.find(22);
    REQUIRE(i22);
    CHECK(i22->managed);
    CHECK(i22->cpu == 1);
    CHECK(i22->vector == 32);
    CHECK(i22->affinity == std::vector<unsigned>{1});
    const auto* i5 = s.find(5);
    REQUIRE(i5);
    CHECK_FALSE(i5->started);
    CHECK_FALSE(i5->holds_vector());
    CHECK(s.owner.size() == 13);
    CHECK(s.owner.count({1, 35}) == 0);
    CHECK_FALSE(s.guesses.empty());
    // The JSON names every IRQ and keeps the unowned vector.
    const auto j = nlohmann::json::parse(lab::snapshot_json(s));
    CHECK(j["irqs"].size() == 14);
    CHECK(j["vector_table"]["cpus"][1]["unowned"] == nlohmann::json::array({35}));

    // A file that is none of the inputs, and a second VECTOR table.
    auto r = lab::build_snapshot({{"x.txt", "# c\nhello\n"}}, {});
    CHECK(r.error ==
          "x.txt: line 2: not an input the snapshot reads (a debugfs VECTOR table, "
          "grep -r of /sys/kernel/debug/irq/irqs/, /proc/interrupts, grep of "
          "/proc/irq/*/*affinity_list, lspci -vv, or irq_matrix trace events)");
    const auto table = data_file("machine-small-vector.txt");
    r = lab::build_snapshot({{"a", table}, {"b", table}}, {});
    CHECK(r.error.rfind("b: line 2: a second matrix source", 0) == 0);
    r = lab::build_snapshot({{"bad-irqs", "9:handler: x\n9:node: many\n"}}, {});
    CHECK(r.error == "bad-irqs: line 2: IRQ 9: node: expected a number or -1, found 'many'");
}

TEST_CASE("leaks: the vector no IRQ owns; skew between files shows as claims", "[snapshot]") {
    std::string error;
    const auto r = lab::find_leaks(small(), error);
    REQUIRE(r);
    CHECK(r->owners_known);
    REQUIRE(r->cpus.size() == 3);
    CHECK(r->cpus[0].unowned.empty());
    CHECK(r->cpus[1].unowned == std::vector<unsigned>{35});
    CHECK(r->cpus[1].owned == 3);
    CHECK(r->cpus[2].owned == 8);

    // The real machine: its VECTOR table and its per-IRQ files agree (100
    // vectors, 100 owners); the second table was taken at another moment.
    const auto same = lab::find_leaks(snap({"vector-dump-13.txt", "irq-dump-05.txt"}), error);
    REQUIRE(same);
    unsigned unowned = 0, claims = 0;
    for (const auto& c : same->cpus) unowned += static_cast<unsigned>(c.unowned.size());
    CHECK(unowned == 0);
    const auto other = lab::find_leaks(snap({"vector-dump-14.txt", "irq-dump-05.txt"}), error);
    REQUIRE(other);
    unowned = 0;
    for (const auto& c : other->cpus) {
        unowned += static_cast<unsigned>(c.unowned.size());
        claims += static_cast<unsigned>(c.claimed_free.size());
    }
    CHECK(unowned == 8);
    CHECK(claims == 17);

    // Counter drift: CPU 0's avl one short of what its bitmaps imply.
    std::string drifted = data_file("machine-small-vector.txt");
    const std::string row = "     0     6     0     0    2  32-33\n";
    REQUIRE(drifted.find(row) != std::string::npos);
    drifted.replace(drifted.find(row), row.size(), "     0     5     0     0    2  32-33\n");
    const auto d = lab::build_snapshot(
        {{"drifted", drifted}, {"irqs", data_file("machine-small-irqs.txt")}}, {});
    REQUIRE(d.value);
    const auto with_drift = lab::find_leaks(*d.value, error);
    REQUIRE(with_drift);
    REQUIRE(with_drift->cpus[0].drift.size() == 1);
    CHECK(with_drift->cpus[0].drift[0].find("avl is 5") != std::string::npos);
    CHECK(with_drift->cpus[1].drift.empty());
    REQUIRE(with_drift->global_drift.size() == 1);
    CHECK(with_drift->global_drift[0].find("Global available is 10") != std::string::npos);

    CHECK_FALSE(lab::find_leaks(snap({"irq-dump-05.txt"}), error));
    CHECK(error.find("no VECTOR table") != std::string::npos);
}

TEST_CASE("offline: the kernel's check, moves in IRQ order, managed shutdown", "[snapshot]") {
    const auto s = small();
    std::string error;
    // CPU 2 first: 8 to move, 10 available elsewhere. Each IRQ goes to the
    // CPU with the most available vectors (ties: the lower), its lowest
    // free vector: 0/34, 0/35, 0/36 (4:4 tie), 1/36, 0/37, 1/37, 0/38, 1/38.
    auto r = lab::offline_cpus(s, {2, 1}, {}, error);
    REQUIRE(r);
    REQUIRE(r->steps.size() == 2);
    const auto& down2 = r->steps[0];
    CHECK_FALSE(down2.refused);
    CHECK(down2.to_move == 8);
    CHECK(down2.available == 10);
    CHECK(down2.planner_ok);
    CHECK(down2.planner_vectors == 8);
    const unsigned want[8][2] = {{0, 34}, {0, 35}, {0, 36}, {1, 36},
                                 {0, 37}, {1, 37}, {0, 38}, {1, 38}};
    REQUIRE(down2.fates.size() == 8);
    for (unsigned k = 0; k < 8; ++k) {
        CHECK(down2.fates[k].irq == 30 + k);
        CHECK(down2.fates[k].what == lab::irq_fate::moved);
        CHECK(down2.fates[k].to_cpu == want[k][0]);
        CHECK(down2.fates[k].to_vector == want[k][1]);
    }
    // Then CPU 1: 7 allocated, 1 of them managed: 6 to move, and CPU 0 has
    // 1 available. The kernel's own words.
    CHECK(r->steps[1].refused);
    CHECK(r->steps[1].why == "CPU 1 has 6 vectors, 1 available. Cannot disable CPU");
    CHECK_FALSE(r->steps[1].planner_ok);
    CHECK(r->offlined == std::vector<unsigned>{2});

    // Before 6.7 the check counted the managed vector too.
    lab::offline_options old;
    old.count_managed = true;
    r = lab::offline_cpus(s, {2, 1}, old, error);
    REQUIRE(r);
    CHECK(r->steps[1].why == "CPU 1 has 7 vectors, 1 available. Cannot disable CPU");

    // CPU 1 alone: IRQ 20's mask {1,2} leaves CPU 2, which is full: the
    // retry with every online CPU breaks its affinity (CPU 0, 34); IRQ 21
    // to CPU 0 (35); managed IRQ 22 has no CPU of its mask left and is shut
    // down; the unowned vector 35 moves last, to CPU 0 (36).
    r = lab::offline_cpus(s, {1}, {}, error);
    REQUIRE(r);
    const auto& down1 = r->steps[0];
    CHECK_FALSE(down1.refused);
    CHECK(down1.to_move == 3);
    CHECK(down1.available == 6);
    const auto& f20 = fate_of(down1, "IRQ 20");
    CHECK(f20.what == lab::irq_fate::moved);
    CHECK(f20.broke_affinity);
    CHECK(f20.to_cpu == 0);
    CHECK(f20.to_vector == 34);
    CHECK(fate_of(down1, "IRQ 21").to_vector == 35);
    CHECK(fate_of(down1, "IRQ 22").what == lab::irq_fate::shut_down);
    const auto& orphan = fate_of(down1, "CPU 1 vector 35");
    CHECK(orphan.to_cpu == 0);
    CHECK(orphan.to_vector == 36);
    CHECK(r->final_table.find("     0     3     0     0    5  32-36\n") != std::string::npos);
}

TEST_CASE("offline --suspend stops at the first refusal; --max tries the highest first",
          "[snapshot]") {
    const auto s = small();
    std::string error;
    lab::offline_options suspend;
    suspend.suspend = true;
    auto r = lab::offline_cpus(s, {}, suspend, error);
    REQUIRE(r);
    REQUIRE(r->steps.size() == 2);
    CHECK(r->steps[0].cpu == 1);
    CHECK_FALSE(r->steps[0].refused);
    CHECK(r->steps[1].why ==
          "CPU 2 has 8 vectors, 3 available. Cannot disable CPU (suspend: Error taking CPU2 "
          "down: -28)");
    CHECK(r->stopped);

    lab::offline_options max;
    max.max = true;
    r = lab::offline_cpus(s, {}, max, error);
    REQUIRE(r);
    CHECK(r->offlined == std::vector<unsigned>{2});
    CHECK(r->steps.size() == 2);
    const auto j = nlohmann::json::parse(lab::offline_json(*r));
    CHECK(j["offlined"] == nlohmann::json::array({2}));
    CHECK(j["steps"][1]["refused"] == true);
}

TEST_CASE("affinity: the write's outcome by the kernel's rules", "[snapshot]") {
    const auto s = small();
    std::string error;
    const auto ask = [&](unsigned irq, std::vector<unsigned> cpus) {
        auto a = lab::try_affinity(s, irq, cpus, error);
        INFO(error);
        REQUIRE(a);
        return *a;
    };
    auto a = ask(11, {2});
    CHECK_FALSE(a.ok);
    CHECK(a.error == -28);  // CPU 2 is full: what irqbalance sees as ENOSPC
    a = ask(10, {1});
    CHECK(a.ok);
    CHECK(a.moves);
    CHECK(a.cpu == 1);
    CHECK(a.vector == 36);
    a = ask(11, {0, 1});
    CHECK(a.ok);
    CHECK_FALSE(a.moves);
    CHECK(a.vector == 33);
    CHECK(ask(22, {0}).error == -5);
    CHECK(ask(10, {7}).error == -22);
    CHECK(ask(5, {1}).ok);  // not started: the mask is only stored
    CHECK_FALSE(lab::try_affinity(s, 99, {0}, error));
}

TEST_CASE("headroom: available, managed and the largest free aligned block", "[snapshot]") {
    std::string error;
    const auto r = lab::headroom(small(), error);
    REQUIRE(r);
    CHECK(r->global_available == 10);
    REQUIRE(r->cpus.size() == 3);
    CHECK(r->cpus[0].available == 6);
    CHECK(r->cpus[0].largest_block == 4);  // 34-39 free: 36-39 is the aligned 4
    CHECK(r->cpus[1].managed == 1);
    CHECK(r->cpus[1].free_vectors == 4);
    CHECK(r->cpus[1].largest_block == 4);
    CHECK(r->cpus[2].largest_block == 0);
    const auto j = nlohmann::json::parse(lab::headroom_json(*r));
    CHECK(j["cpus"][2]["available"] == 0);
}

TEST_CASE("the CPU order of --cpus", "[snapshot]") {
    std::vector<unsigned> order;
    CHECK(lab::parse_cpu_order("3,1,5-6", order).empty());
    CHECK(order == std::vector<unsigned>{3, 1, 5, 6});
    CHECK_FALSE(lab::parse_cpu_order("1,1", order).empty());
    CHECK_FALSE(lab::parse_cpu_order("", order).empty());
    CHECK_FALSE(lab::parse_cpu_order("2-1", order).empty());
}
