// SPDX-License-Identifier: MIT
// `offline` against the real kernel: the kernel lab's captures (Debian's 6.1
// in QEMU, tests/kernel-lab/captures) record what the kernel did when CPUs
// went down. A snapshot is built from each capture's events up to the step
// that takes the CPUs down (the matrix, and each vector's owner from the
// irq_vectors events) and its end-of-run affinity dump (the masks); offline
// then predicts the kernel's counters, which the next irq_matrix event after
// the offline prints (its own change undone by hand below), and where the
// moved interrupts went, which the kernel's vector_clear events record later
// (the vector and CPU an interrupt held when it was torn down) and the end
// affinity dump shows (its effective CPU).
#include "support/catch.hpp"

#include "lab/snapshot.hpp"
#include "lab/whatif.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <irqmatrix/dump.hpp>

namespace lab = irqmatrix::lab;

namespace {

std::string capture_file(const std::string& dir, const std::string& name) {
    std::ifstream f(
        std::string(IRQMATRIX_LAB_DATA_DIR) + "/../kernel-lab/captures/" + dir + "/" + name,
        std::ios::binary);
    REQUIRE(f.good());
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// The lab's affinity dump ("IRQ EFFECTIVE SMP_AFFINITY ACTIONS" per line)
/// as the grep form the snapshot reads ("N/smp_affinity_list:LIST").
std::string affinity_lists(const std::string& dump) {
    std::istringstream in(dump);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string irq, effective, smp;
        words >> irq >> effective >> smp;
        out += irq + "/smp_affinity_list:" + smp + "\n";
    }
    return out;
}

/// The effective CPU of an IRQ in the lab's affinity dump, or -1.
int end_effective(const std::string& dump, unsigned irq) {
    std::istringstream in(dump);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string n, effective;
        words >> n >> effective;
        if (n == std::to_string(irq)) return effective == "-" ? -1 : std::stoi(effective);
    }
    return -1;
}

struct landing {
    unsigned irq, cpu, vector;
};

struct kernel_case {
    const char* dir;
    const char* marker;  ///< the lab's log line of the offline step
    std::vector<unsigned> cpus;
    // The counters right after the offline, from the next irq_matrix event.
    unsigned online_maps, global_available, total_allocated, global_reserved;
    std::vector<landing> cleared;  ///< vector_clear records: where IRQs were
};

}  // namespace

TEST_CASE("offline predicts what the kernel did in the kernel lab's captures", "[snapshot]") {
    // Each expected counter is read off the capture's first irq_matrix event
    // after the offline (quoted), its own change undone.
    const std::vector<kernel_case> cases = {
        // irq_matrix_online: online_maps=8 global_avl=1584, global_rsvd=11,
        // total_alloc=22; CPU 7 comes back with avl=199 (its next event).
        {"eight-cpu", "step 8: offline cpu 7", {7}, 7, 1584 - 199, 22, 11, {{33, 0, 35}}},
        // irq_matrix_online: online_maps=4 global_avl=784, ... total_alloc=19;
        // CPU 3 comes back with avl=200.
        {"four-cpu", "step 10: offline cpu 3", {3}, 3, 784 - 200, 19, 13, {{37, 0, 38}}},
        // irq_matrix_alloc: bit=37 cpu=4 ... online_maps=5 global_avl=983,
        // global_rsvd=13, total_alloc=20: one alloc after the offline.
        {"six-cpu", "step 9: offline cpu 5", {5}, 5, 983 + 1, 20 - 1, 13, {}},
        // irq_matrix_online: online_maps=5 global_avl=984, ... total_alloc=18;
        // CPU 5 comes back with avl=200.
        {"six-cpu", "step 15: offline cpu 4", {4}, 4, 984 - 200, 18, 13, {}},
        // CPUs 15, 14, 13 (step 5) and 9 (step 6); irq_matrix_online:
        // online_maps=13 global_avl=2567, total_alloc=44; CPU 13 avl=199.
        {"sixteen-cpu",
         "step 5: offline cpu 15 14 13",
         {15, 14, 13, 9},
         12,
         2567 - 199,
         44,
         13,
         {{64, 5, 36}, {65, 4, 36}}},
        // irq_matrix_online: online_maps=9 global_avl=1777, total_alloc=30;
        // CPU 8 comes back with avl=199.
        {"twelve-cpu",
         "step 4: offline cpu 8 9 10 11",
         {8, 9, 10, 11},
         8,
         1777 - 199,
         30,
         13,
         {{50, 2, 36}, {51, 3, 36}, {52, 4, 36}, {53, 5, 36}}},
        // irq_matrix_free: bit=34 cpu=0 ... managed=2 ... global_avl=1578,
        // total_alloc=29: a managed free (available unchanged).
        {"twelve-cpu", "step 6: offline cpu 8 9 10 11", {8, 9, 10, 11}, 8, 1578, 29 + 1, 13, {}},
    };
    for (const auto& c : cases) {
        INFO(c.dir << ": " << c.marker);
        const std::string affinity = capture_file(c.dir, "affinity.txt");
        lab::event_import_options ev;
        ev.until = c.marker;
        const auto built = lab::build_snapshot({{"console.log", capture_file(c.dir, "console.log")},
                                                {"affinity", affinity_lists(affinity)}},
                                               {}, ev);
        INFO(built.error);
        REQUIRE(built.value);
        std::string error;
        const auto r = lab::offline_cpus(*built.value, c.cpus, {}, error);
        INFO(error);
        REQUIRE(r);
        CHECK(r->offlined == c.cpus);
        const auto table = irqmatrix::parse_debug_show(r->final_table);
        REQUIRE(table);
        CHECK(table.table->online_maps == c.online_maps);
        CHECK(table.table->global_available == c.global_available);
        CHECK(table.table->total_allocated == c.total_allocated);
        CHECK(table.table->global_reserved == c.global_reserved);
        // Where the kernel's vector_clear found the moved interrupts.
        for (const auto& l : c.cleared) {
            bool found = false;
            for (const auto& st : r->steps)
                for (const auto& f : st.fates)
                    if (f.irq == l.irq && f.what == lab::irq_fate::moved) {
                        found = true;
                        CHECK(f.to_cpu == l.cpu);
                        CHECK(f.to_vector == l.vector);
                    }
            CHECK(found);
        }
        // Every moved interrupt that nothing moved again sits where the
        // end-of-run dump says (the IRQs torn down later are checked above).
        for (const auto& st : r->steps)
            for (const auto& f : st.fates) {
                if (f.what != lab::irq_fate::moved) continue;
                bool cleared = false;
                for (const auto& l : c.cleared) cleared = cleared || l.irq == f.irq;
                bool moved_again = false;
                for (const auto& later : r->steps)
                    if (&later > &st)
                        for (const auto& g : later.fates)
                            moved_again = moved_again || g.irq == f.irq;
                const int eff = end_effective(affinity, f.irq);
                if (!cleared && !moved_again && eff >= 0)
                    CHECK(static_cast<unsigned>(eff) == f.to_cpu);
            }
    }
}
