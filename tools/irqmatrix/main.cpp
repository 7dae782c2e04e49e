// SPDX-License-Identifier: MIT
// irqmatrix: the kernel-exact vector matrix from the command line: trace
// replay, the fragmentation lab (sim, demo), and real machine states
// (import, show, fit of debugfs dumps; import-events of the kernel's own
// irq_matrix trace events; snapshot, leaks, offline, affinity and headroom
// on a machine's own files).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <irqmatrix/irqmatrix.hpp>

#include "lab/kernel_events.hpp"
#include "lab/machine_state.hpp"
#include "lab/report.hpp"
#include "lab/sim.hpp"
#include "lab/snapshot.hpp"
#include "lab/whatif.hpp"
#include "lab/workload.hpp"
#include "scenarios.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_mismatch = 1;
constexpr int exit_usage = 2;

void print_show(const irqmatrix::trace::session& s) {
    std::cout << s.visit([](const auto& m) { return irqmatrix::debug_show(m, 1); },
                         std::string("(no matrix: the trace has no valid 'matrix' line)\n"));
}

int replay_command(const std::vector<std::string>& files, bool check, bool show, bool events) {
    unsigned mismatches = 0;
    for (const auto& name : files) {
        std::ifstream file;
        std::istream* in = &std::cin;
        if (name != "-") {
            std::error_code ec;
            if (std::filesystem::is_directory(name, ec)) {
                std::cerr << "irqmatrix: " << name << ": Is a directory\n";
                return exit_usage;
            }
            file.open(name);
            if (!file) {
                std::cerr << "irqmatrix: " << name << ": " << std::strerror(errno) << '\n';
                return exit_usage;
            }
            in = &file;
        }
        irqmatrix::trace::replay_options opt;
        opt.check = check;
        opt.name = name;
        opt.events = events;
        irqmatrix::trace::session session;
        const auto sum = irqmatrix::trace::replay(*in, std::cout, opt, &session);
        if (in->bad()) {
            std::cerr << "irqmatrix: " << name << ": read error\n";
            return exit_usage;
        }
        if (check)
            std::cout << name << ": " << sum.operations << " operations, " << sum.checked
                      << " results checked, " << sum.mismatches << " mismatched\n";
        mismatches += sum.mismatches;
        if (show) print_show(session);
    }
    return mismatches ? exit_mismatch : exit_ok;
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class progress_bar {
public:
    explicit progress_bar(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
    ~progress_bar() {
        if (enabled_ && drawn_) std::fprintf(stderr, "\r%60s\r", "");
    }
    progress_bar(const progress_bar&) = delete;
    progress_bar& operator=(const progress_bar&) = delete;

    std::function<void(double)> callback() {
        if (!enabled_) return {};
        return [this](double f) {
            const int percent = static_cast<int>(f * 100);
            if (percent == last_) return;
            last_ = percent;
            drawn_ = true;
            const int filled = percent * 40 / 100;
            std::fprintf(stderr, "\rsimulating [%.*s%*s] %3d%%", filled,
                         "########################################", 40 - filled, "", percent);
            std::fflush(stderr);
        };
    }

private:
    bool enabled_;
    bool drawn_ = false;
    int last_ = -1;
};

struct sim_settings {
    std::string out_dir;
    std::vector<std::string> policies;
    std::optional<std::uint64_t> seed;
    std::optional<double> duration;
    bool quiet = false;
    bool no_files = false;
};

int run_simulation(irqmatrix::lab::workload w, const sim_settings& s) {
    if (!s.policies.empty()) w.policies = s.policies;
    if (s.seed) w.seed = *s.seed;
    if (s.duration) w.duration = *s.duration;
    progress_bar bar(!s.quiet);
    irqmatrix::lab::sim_options opt;
    opt.progress = bar.callback();
    const auto result = irqmatrix::lab::simulate(w, opt);
    if (!result.error.empty()) {
        std::cerr << "irqmatrix: sim: " << result.error << '\n';
        return exit_usage;
    }
    std::cout << irqmatrix::lab::summary_table(w, result);
    if (s.no_files) return exit_ok;
    std::string error;
    const auto files = irqmatrix::lab::write_outputs(w, result, s.out_dir, error);
    if (!error.empty()) {
        std::cerr << "irqmatrix: " << error << '\n';
        return exit_usage;
    }
    std::cout << "\nWrote:\n";
    for (const auto& f : files) std::cout << "  " << f.path << "  (" << f.what << ")\n";
    return exit_ok;
}

int sim_command(const std::string& file, const sim_settings& s) {
    std::ifstream in(file);
    if (!in) {
        std::cerr << "irqmatrix: " << file << ": " << std::strerror(errno) << '\n';
        return exit_usage;
    }
    std::stringstream text;
    text << in.rdbuf();
    const auto dir = std::filesystem::path(file).parent_path().string();
    auto parsed = irqmatrix::lab::parse_workload(text.str(), dir);
    if (!parsed.value) {
        std::cerr << "irqmatrix: " << file << ": " << parsed.error << '\n';
        return exit_usage;
    }
    return run_simulation(std::move(*parsed.value), s);
}

int demo_command(const sim_settings& s, bool print_workload, bool print_trace) {
    if (print_trace) {
        std::cout << irqmatrix_tool::x86_demo_trace;
        return exit_ok;
    }
    if (print_workload) {
        std::cout << irqmatrix_tool::x86_demo_workload;
        return exit_ok;
    }
    auto parsed = irqmatrix::lab::parse_workload(irqmatrix_tool::x86_demo_workload);
    if (!parsed.value) {  // a bug: the built-in workload is tested
        std::cerr << "irqmatrix: demo: built-in workload: " << parsed.error << '\n';
        return exit_usage;
    }
    return run_simulation(std::move(*parsed.value), s);
}

std::string version_text() {
    return std::string("irqmatrix ") + IRQMATRIX_VERSION_STRING +
           "\nCopyright (c) 2026 The irqmatrix authors.\n"
           "License MIT: <https://opensource.org/licenses/MIT>.\n"
           "This is free software: you are free to change and redistribute it.";
}

void add_state_options(CLI::App& cmd, irqmatrix::lab::import_options& o) {
    cmd.add_option("--alloc-start", o.alloc_start,
                   "first vector of the allocation window (default: inferred; x86: 32)");
    cmd.add_option(
        "--alloc-end", o.alloc_end,
        "end of the allocation window (default: inferred; x86: 235 from Linux 6.10, 236 before)");
    cmd.add_option("--cpus", o.nr_cpus, "possible CPUs (default: the highest CPU in the dump + 1)");
    cmd.add_option("--table", o.table, "which VECTOR table of the file, from 0 (default 0)");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "Model the Linux kernel's per-CPU interrupt vector matrix, with aligned blocks\n"
        "for multi-MSI devices, and measure how placement policies fragment it.",
        "irqmatrix"};
    app.require_subcommand(1);
    app.set_version_flag("-V,--version", [] { return version_text(); });
    app.footer(
        "Exit status: 0 success, 1 a replay --check mismatch, 2 a usage or input error.\n"
        "Usage: irqmatrix COMMAND [OPTION]... [FILE]...   (irqmatrix COMMAND --help for more)");

    // replay
    std::vector<std::string> replay_files;
    bool check = false, show_after = false, print_events = false;
    auto* replay = app.add_subcommand("replay",
                                      "run operation traces (the trace format), printing "
                                      "each operation followed by ' => RESULT'");
    replay->add_option("FILE", replay_files, "trace files; '-' reads standard input")->required();
    replay->add_flag("--check", check,
                     "compare each result with the one after '=>' instead; print one line per "
                     "mismatch, exit 1 if there was any");
    replay->add_flag("--show", show_after, "after each trace, print the kernel's debugfs table");
    replay
        ->add_flag("--events", print_events,
                   "print the irq_matrix trace events the operations emit, one per line as the "
                   "kernel prints them ('irq_matrix_alloc: bit=33 cpu=1 ...'), instead of the "
                   "' => RESULT' lines")
        ->excludes("--check");

    // sim and demo have the same output options but each its own settings:
    // CLI11 binds an option to a variable, so one shared struct would leave
    // both with whichever default directory was registered last.
    sim_settings sim_set, demo_set;
    std::string workload_file;
    auto add_sim_options = [](CLI::App* cmd, sim_settings& settings,
                              const std::string& default_dir) {
        settings.out_dir = default_dir;
        cmd->add_option("-o,--out", settings.out_dir, "directory for the CSV, JSON and SVG files")
            ->capture_default_str();
        cmd->add_option("--policies", settings.policies,
                        "policies to run (" + irqmatrix::lab::known_policy_list() +
                            "); default: the workload's")
            ->delimiter(',');
        cmd->add_option("--seed", settings.seed, "override the workload's seed");
        cmd->add_option("--duration", settings.duration, "override the workload's duration");
        cmd->add_flag("-q,--quiet", settings.quiet, "no progress bar");
        cmd->add_flag("--no-files", settings.no_files, "print the table only");
    };
    auto* sim = app.add_subcommand("sim",
                                   "simulate a workload (TOML) under each placement policy: "
                                   "a table on stdout, CSV, JSON and SVG plots in --out");
    sim->add_option("WORKLOAD", workload_file, "the workload file (see docs/lab.md)")->required();
    add_sim_options(sim, sim_set, "irqmatrix-sim");

    bool print_workload = false, print_trace = false;
    auto* demo = app.add_subcommand(
        "demo",
        "simulate the built-in x86 scenario (64 CPUs, Linux 6.10 geometry, MSI-X, managed "
        "NVMe queues, multi-MSI devices, churn, CPU hotplug) under every policy");
    demo->add_flag("--workload", print_workload, "print the built-in workload (TOML) and exit");
    demo->add_flag("--trace", print_trace,
                   "print a small trace of a 4-CPU machine of the same kind (for replay) and exit");
    add_sim_options(demo, demo_set, "irqmatrix-demo");

    // real machine states
    irqmatrix::lab::import_options state_opt;
    std::string state_file;
    // A command that reads one machine state (a dump or a trace).
    auto state_command = [&](const char* name, const char* help, const char* file_help) {
        CLI::App* cmd = app.add_subcommand(name, help);
        cmd->add_option("FILE", state_file, file_help)->required();
        add_state_options(*cmd, state_opt);
        return cmd;
    };
    const char* dump_or_trace = "a dump or a trace ('-': standard input)";
    auto* import = state_command(
        "import",
        "read a debugfs VECTOR dump (/sys/kernel/debug/irq/domains/VECTOR) and print a "
        "trace that rebuilds its state; report counters that had drifted",
        "the dump ('-': standard input)");
    auto* show = state_command(
        "show", "print the kernel's debugfs table of a dump or of a trace's final state",
        dump_or_trace);
    auto* fit = state_command("fit",
                              "for a dump or trace: would a 2/4/8/16/32-vector multi-MSI device "
                              "fit now, where, and on how many CPUs",
                              dump_or_trace);

    // questions about one machine (docs/real-machines.md)
    std::vector<std::string> snap_files;
    bool snap_json = false;
    irqmatrix::lab::event_import_options snap_events;
    const std::string snap_help =
        "the machine's files, each recognised by content: the debugfs VECTOR table, grep -r . "
        "/sys/kernel/debug/irq/irqs/, /proc/interrupts, grep . /proc/irq/*/*affinity_list, "
        "lspci -vv, a capture of irq_matrix trace events ('-': standard input)";
    // A command that answers a question about a snapshot of the machine.
    auto machine_command = [&](const char* name, const char* help) {
        CLI::App* cmd = app.add_subcommand(name, help);
        cmd->add_option("FILE", snap_files, snap_help)->required();
        cmd->add_flag("--json", snap_json, "print JSON instead of a table");
        // As add_state_options, but --cpus is a command's CPU list here.
        cmd->add_option("--alloc-start", state_opt.alloc_start,
                        "the VECTOR table's first window vector (default: inferred)");
        cmd->add_option("--alloc-end", state_opt.alloc_end,
                        "the VECTOR table's window end (default: inferred)");
        cmd->add_option("--table", state_opt.table, "which VECTOR table of its file, from 0");
        cmd->add_option("--until", snap_events.until,
                        "read an event capture only up to the first line containing this text");
        return cmd;
    };
    auto* snapshot = machine_command(
        "snapshot",
        "put a machine's files together: who owns each vector, masks, managed or not, and what "
        "had to be assumed");
    auto* leaks = machine_command(
        "leaks",
        "allocated vectors that no IRQ owns, and the VECTOR table's counters against its "
        "bitmaps, per CPU");
    irqmatrix::lab::offline_options off_opt;
    std::string off_cpus;
    auto* offline = machine_command(
        "offline",
        "take CPUs offline one by one by the kernel's rules (lapic_can_unplug_cpu, then each "
        "IRQ's move): refused or not and why, where each IRQ lands, and the planner's answer");
    auto* off_group = offline->add_option_group("which CPUs");
    off_group->add_option("--cpus", off_cpus, "the CPUs to take down, in order (\"3,5-7\")");
    off_group->add_flag("--suspend", off_opt.suspend,
                        "every CPU but the boot CPU (0), highest first, as suspend does");
    off_group->add_flag("--max", off_opt.max,
                        "how many CPUs can go offline, and in which order (highest first, as "
                        "blktests block/008 does; a refused CPU is skipped)");
    off_group->require_option(1);
    offline->add_flag("--count-managed", off_opt.count_managed,
                      "count managed vectors in the unplug check, as kernels before 6.7 did");
    unsigned aff_irq = 0;
    std::string aff_cpus;
    auto* affinity = machine_command(
        "affinity",
        "would writing this CPU list to /proc/irq/N/smp_affinity_list succeed, and which CPU "
        "and vector would the IRQ get");
    affinity->add_option("--irq", aff_irq, "the IRQ number")->required();
    affinity->add_option("--cpus", aff_cpus, "the CPU list to write (\"0-3\")")->required();
    auto* headroom = machine_command(
        "headroom",
        "per CPU: available vectors, managed reservations, the largest free aligned block");

    // the kernel's own trace events
    irqmatrix::lab::event_import_options events_opt;
    std::vector<std::string> event_files;
    auto* import_events = app.add_subcommand(
        "import-events",
        "read the kernel's irq_matrix (and x86 irq_vectors) trace events (the "
        "trace buffer, tp_printk's kernel log, or an ftrace_dump_on_oops dump) and "
        "print a trace that rebuilds the kernel's matrix event by event, every "
        "reported counter an expected result (docs/real-kernels.md)");
    import_events
        ->add_option("FILE", event_files,
                     "captures, read as one stream in this order ('-': standard input)")
        ->required();
    import_events->add_option("--bits", events_opt.bits, "vectors per CPU (default 256, x86)");
    import_events->add_option("--alloc-start", events_opt.alloc_start,
                              "first vector of the allocation window (default 32, x86)");
    import_events->add_option(
        "--alloc-end", events_opt.alloc_end,
        "end of the allocation window (default: inferred from the first CPU online)");
    import_events->add_option("--cpus", events_opt.nr_cpus,
                              "possible CPUs (default: the highest CPU seen + 1)");
    import_events->add_option("--until", events_opt.until,
                              "read each file only up to the first line containing this text");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "irqmatrix: " << e.what()
                  << "\nTry 'irqmatrix --help' for more information.\n";
        return exit_usage;
    }

    if (*replay) return replay_command(replay_files, check, show_after, print_events);
    if (*sim) return sim_command(workload_file, sim_set);
    if (*demo) return demo_command(demo_set, print_workload, print_trace);
    if (*import) return irqmatrix::lab::import_command(state_file, state_opt, std::cout, std::cerr);
    if (*show) return irqmatrix::lab::show_command(state_file, state_opt, std::cout, std::cerr);
    if (*fit) return irqmatrix::lab::fit_command(state_file, state_opt, std::cout, std::cerr);
    if (*snapshot)
        return irqmatrix::lab::snapshot_command(snap_files, state_opt, snap_events, snap_json,
                                                std::cout, std::cerr);
    if (*leaks)
        return irqmatrix::lab::leaks_command(snap_files, state_opt, snap_events, snap_json,
                                             std::cout, std::cerr);
    if (*offline)
        return irqmatrix::lab::offline_command(snap_files, state_opt, snap_events, off_cpus,
                                               off_opt, snap_json, std::cout, std::cerr);
    if (*affinity)
        return irqmatrix::lab::affinity_command(snap_files, state_opt, snap_events, aff_irq,
                                                aff_cpus, snap_json, std::cout, std::cerr);
    if (*headroom)
        return irqmatrix::lab::headroom_command(snap_files, state_opt, snap_events, snap_json,
                                                std::cout, std::cerr);
    if (*import_events)
        return irqmatrix::lab::import_events_command(event_files, events_opt, std::cout, std::cerr);
    return exit_usage;
}
