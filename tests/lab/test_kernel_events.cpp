// SPDX-License-Identifier: MIT
// The kernel's irq_matrix events as input (lab/kernel_events.hpp): the three
// printed forms, bad lines named by their line, and the rebuild, including a
// CPU offline whose own events the kernel never traces. Real captures from a
// booted kernel are replayed by the ctest entry kernel-captures.
#include "support/catch.hpp"

#include "lab/kernel_events.hpp"

#include <sstream>
#include <string>
#include <string_view>

#include <irqmatrix/trace.hpp>

namespace {

using irqmatrix::lab::event_form;
using irqmatrix::lab::event_import_options;
using irqmatrix::lab::import_events;
using irqmatrix::lab::parse_kernel_events;
using irqmatrix::lab::parsed_events;

// Replays a trace in check mode: (operations, results checked, mismatches).
irqmatrix::trace::replay_summary check(const std::string& trace) {
    std::istringstream in(trace);
    std::ostringstream report;
    const auto sum = irqmatrix::trace::replay(in, report, {true, "imported"});
    INFO(report.str());
    return sum;
}

parsed_events parse_ok(std::string_view text) {
    parsed_events p;
    const auto err = parse_kernel_events(text, "capture.txt", p);
    INFO((err ? err->what() : std::string()));
    REQUIRE(!err);
    return p;
}

// Two CPUs boot; IRQ 24 gets vector 32 on CPU 1; CPU 1 goes offline, which
// the kernel does not trace (a tracepoint is silent on a CPU already marked
// offline), so the next event is the first to show it; then one more alloc.
constexpr std::string_view boot_and_lost_offline =
    "[    0.000000] Linux version 6.1.0 (a log line, skipped)\n"
    "[    0.000000] irq_matrix_assign_system: bit=236 online_maps=0 global_avl=0, global_rsvd=0, total_alloc=0\n"
    "[    0.000000] irq_matrix_online: online_maps=1 global_avl=204, global_rsvd=0, total_alloc=0\n"
    "[    0.100000] irq_matrix_online: online_maps=2 global_avl=408, global_rsvd=0, total_alloc=0\n"
    "[    0.200000] irq_matrix_alloc: bit=32 cpu=1 online=1 avl=203 alloc=1 managed=0 online_maps=2 "
    "global_avl=407, global_rsvd=0, total_alloc=1\n"
    "[    0.200001] vector_config: irq=24 vector=32 cpu=1 apicdest=0x00000001\n"
    "[    5.000000] smpboot: CPU 1 is now offline\n"
    "[    6.000000] irq_matrix_alloc: bit=33 cpu=0 online=1 avl=202 alloc=2 managed=0 online_maps=1 "
    "global_avl=202, global_rsvd=0, total_alloc=2\n";

}  // namespace

TEST_CASE("kernel log events rebuild the matrix, with an untraced CPU offline inferred",
          "[lab][events]") {
    const auto p = parse_ok(boot_and_lost_offline);
    CHECK(p.lines == 8);
    CHECK(p.events.size() == 7);  // 5 irq_matrix, 1 irq_vectors, the hotplug line
    CHECK(p.events[5].is_hint());
    CHECK(p.other_lines == 1);
    CHECK(p.forms.at(0) == event_form::kernel_log);

    const auto r = import_events(p, {});
    INFO(r.error.what());
    REQUIRE(r);
    const auto& imp = *r.import;
    CHECK(imp.bits == 256);
    CHECK(imp.alloc_start == 32);
    CHECK(imp.alloc_end == 236);  // 204 available at the first online, bit 236 outside
    CHECK(imp.nr_cpus == 2);
    CHECK(imp.matrix_events == 5);
    CHECK(imp.vector_events == 1);
    CHECK(imp.hints == 1);
    // The move of IRQ 24 (alloc on CPU 0, free on CPU 1) and CPU 1's offline.
    CHECK(imp.inferred_operations == 3);
    bool offline_inferred = false;
    for (const auto& inf : imp.inferred)
        offline_inferred |= inf.line == 8 &&
                            inf.what.find("CPU 1 went offline untraced") != std::string::npos &&
                            inf.what.find("hotplug log lines") != std::string::npos;
    CHECK(offline_inferred);
    REQUIRE(imp.owners.size() == 1);
    CHECK(imp.owners[0].irq == 24);
    CHECK(imp.owners[0].cpu == 0);
    CHECK(imp.owners[0].vector == 32);
    CHECK(imp.trace.find("alloc 0 0 => 0 32\nfree 1 32 0 => 0\noffline 1 => 0\n") !=
          std::string::npos);

    const auto sum = check(imp.trace);
    CHECK(sum.mismatches == 0);
    CHECK(sum.checked == sum.operations);
    CHECK(sum.operations > 10);
}

TEST_CASE("the trace buffer and the oops dump give the CPU of online events", "[lab][events]") {
    // 5-character flags (Linux 6.x), a 4-character one (older kernels), and
    // the latency format ftrace_dump_on_oops prints through printk.
    const std::string text =
        "# tracer: nop\n"
        "          <idle>-0       [000] d..1.     0.000001: irq_matrix_assign_system: bit=236 online_maps=0 "
        "global_avl=0, global_rsvd=0, total_alloc=0\n"
        "          <idle>-0       [001] d..1.     0.000002: irq_matrix_online: online_maps=1 global_avl=204, "
        "global_rsvd=0, total_alloc=0\n"
        "          <idle>-0       [001] d.h1      0.000003: local_timer_entry: vector=236\n"
        "[  169.528014]   <idle>-0        0d..2 168634013us : irq_matrix_online: online_maps=2 "
        "global_avl=408, global_rsvd=0, total_alloc=0\n";
    const auto p = parse_ok(text);
    REQUIRE(p.events.size() == 3);
    CHECK(p.events[1].exec_cpu == 1u);
    CHECK(p.events[2].exec_cpu == 0u);
    CHECK(p.other_events == 1);
    CHECK(p.forms.at(0) == event_form::trace_buffer);

    const auto r = import_events(p, {});
    INFO(r.error.what());
    REQUIRE(r);
    // CPU 1 first, as the column says (the kernel log form would guess 0).
    CHECK(r.import->trace.find("online 1 => 0\n") < r.import->trace.find("online 0 => 0\n"));
    CHECK(r.import->inferred.empty());
    CHECK(check(r.import->trace).mismatches == 0);
}

TEST_CASE("bad event lines are refused with their line", "[lab][events]") {
    const auto error_of = [](std::string_view text) {
        parsed_events p;
        const auto err = parse_kernel_events(text, "bad.txt", p);
        REQUIRE(err);
        return *err;
    };
    const std::string good =
        "[ 0.1] irq_matrix_online: online_maps=1 global_avl=204, global_rsvd=0, total_alloc=0\n";

    auto e = error_of(good + "[ 0.2] irq_matrix_alloc: bit=33 cpu=0 online=1 avl=202\n");
    CHECK(e.line == 2);
    CHECK(e.message.find("has no field 'alloc'") != std::string::npos);
    CHECK(e.what().rfind("bad.txt:2: ", 0) == 0);

    e = error_of(good + good + "[ 0.3] irq_matrix_frobnicate: bit=1\n");
    CHECK(e.line == 3);
    CHECK(e.message.find("unknown irq_matrix event") != std::string::npos);

    e = error_of(
        "[ 0.1] irq_matrix_online: online_maps=1 global_avl=2x4, global_rsvd=0, total_alloc=0\n");
    CHECK(e.message.find("global_avl") != std::string::npos);

    e = error_of(
        "[ 0.1] irq_matrix_online: online_maps global_avl=204, global_rsvd=0, total_alloc=0\n");
    CHECK(e.message.find("malformed field") != std::string::npos);

    e = error_of(
        "[ 0.1] irq_matrix_online: online_maps=-1 global_avl=204, global_rsvd=0, total_alloc=0\n");
    CHECK(e.message.find("out of range") != std::string::npos);

    // A flag printed from a bool is 0 or 1; found by fuzz_events, whose
    // input became a trace expecting `cpu 0 => 2 ...`.
    e = error_of(good +
                 "[ 0.2] irq_matrix_alloc: bit=33 cpu=0 online=2 avl=202 alloc=1 managed=0 "
                 "online_maps=1 global_avl=203 global_rsvd=0 total_alloc=1\n");
    CHECK(e.line == 2);
    CHECK(e.message.find("field 'online' is a flag (0 or 1), not 2") != std::string::npos);
    e = error_of(good + "[ 0.2] vector_activate: irq=9 is_managed=0 can_reserve=3 reserve=0\n");
    CHECK(e.message.find("'can_reserve' is a flag") != std::string::npos);
}

TEST_CASE("a vector event naming a CPU or vector the matrix lacks is refused with its line",
          "[lab][events]") {
    // Found by fuzz_events: vector_update cpu=2 on a two-CPU capture reached
    // the matrix as a CPU index out of range.
    std::string text(boot_and_lost_offline);
    text += "[    7.000000] vector_update: irq=24 vector=34 cpu=2 prev_vector=0 prev_cpu=0\n";
    auto r = import_events(parse_ok(text), {});
    REQUIRE(!r);
    CHECK(r.error.line == 9);  // the appended line
    CHECK(r.error.message == "vector_update: cpu=2 is not a CPU of the rebuilt matrix (2 CPUs)");

    text = boot_and_lost_offline;
    text += "[    7.000000] vector_config: irq=24 vector=300 cpu=0 apicdest=0x00000000\n";
    r = import_events(parse_ok(text), {});
    REQUIRE(!r);
    CHECK(r.error.message.find("vector=300 is not a vector of the rebuilt matrix (256 vectors)") !=
          std::string::npos);
}

TEST_CASE("a capture that starts after boot, or contradicts itself, is refused", "[lab][events]") {
    auto p = parse_ok(
        "[ 9.0] irq_matrix_alloc: bit=40 cpu=3 online=1 avl=190 alloc=9 managed=0 online_maps=4 "
        "global_avl=780, global_rsvd=0, total_alloc=30\n");
    auto r = import_events(p, {});
    REQUIRE(!r);
    CHECK(r.error.line == 1);
    CHECK(r.error.message.find("starts after boot") != std::string::npos);

    // The kernel's rule puts the first vector at 32, not 40.
    std::string text(boot_and_lost_offline.substr(0, boot_and_lost_offline.find("[    0.200000]")));
    text +=
        "[    0.200000] irq_matrix_alloc: bit=40 cpu=1 online=1 avl=203 alloc=1 managed=0 online_maps=2 "
        "global_avl=407, global_rsvd=0, total_alloc=1\n";
    p = parse_ok(text);
    r = import_events(p, {});
    REQUIRE(!r);
    CHECK(r.error.line == 5);
    CHECK(r.error.message.find("cannot reconcile irq_matrix_alloc") != std::string::npos);
    CHECK(r.error.message.find("CPU 1 bit 32") != std::string::npos);

    // A geometry given by hand that the counters contradict.
    p = parse_ok(boot_and_lost_offline);
    event_import_options opt;
    opt.alloc_end = 235;
    r = import_events(p, opt);
    REQUIRE(!r);
    CHECK(r.error.line == 3);
}

TEST_CASE("block events (the kernel port's tracepoints) rebuild the blocks they report",
          "[lab][events]") {
    // A trace of block operations; the library prints its events in the
    // kernel's text (replay --events), given here the trace buffer's prefix,
    // whose CPU column names the CPU coming online as the port's module does.
    const std::string ops =
        "matrix 256 32 236 2 => 0\n"
        "assign_system 0 236 0\n"
        "online 0\nonline 1\n"
        "alloc 0-1 0\n"
        "alloc_block 0-1 3 0\n"
        "reserve\nreserve\n"
        "alloc_block 0 1 1\n"
        "reserve_managed_block 0-1 2\n"
        "alloc_managed_block 0-1 2\n"
        "free_block 1 32 3 0\n"
        "free_block 1 40 2 1\n"
        "remove_managed_block 0-1 2\n";
    std::istringstream in(ops);
    std::ostringstream printed;
    irqmatrix::trace::replay_options opt;
    opt.events = true;
    REQUIRE(irqmatrix::trace::replay(in, printed, opt).mismatches == 0);
    std::istringstream lines(printed.str());
    std::string text, line;
    unsigned online = 0;
    while (std::getline(lines, line)) {
        const bool up = line.rfind("irq_matrix_online:", 0) == 0;
        text += "  insmod-93  [00" + std::to_string(up ? online++ : 0) + "] .....  1.000: " + line +
                "\n";
    }
    INFO(text);
    REQUIRE(text.find("irq_matrix_alloc_managed_block: bit=40 cpu=1") != std::string::npos);
    const auto p = parse_ok(text);
    const auto r = import_events(p, {});
    INFO(r.error.what());
    REQUIRE(r);
    const std::string& trace = r.import->trace;
    INFO(trace);
    CHECK(r.import->inferred.empty());
    for (const char* op : {"alloc_block 1 3 0 => 1 32\n", "alloc_block 0 1 1 => 0 34\n",
                           "reserve_managed_block 0 2 => 0\n", "reserve_managed_block 1 2 => 0\n",
                           "alloc_managed_block 1 2 => 1 40\n", "free_block 1 32 3 0 => 0\n",
                           "free_block 1 40 2 1 => 0\n", "remove_managed_block 1 2 => 0\n"})
        CHECK(trace.find(op) != std::string::npos);
    const auto sum = check(trace);
    CHECK(sum.mismatches == 0);
    CHECK(sum.checked == sum.operations);

    // An order beyond a multi-MSI block is a damaged line.
    parsed_events bad;
    const auto err = parse_kernel_events(
        "irq_matrix_free_block: bit=32 cpu=1 online=1 avl=204 alloc=0 managed=0 online_maps=2 "
        "global_avl=408, global_rsvd=0, total_alloc=1 order=6\n",
        "capture.txt", bad);
    REQUIRE(err);
    CHECK(err->line == 1);
    CHECK(err->message.find("'order' is 0..5") != std::string::npos);
}
