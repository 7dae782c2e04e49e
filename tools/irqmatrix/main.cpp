// SPDX-License-Identifier: MIT
// irqmatrix: replay operation traces against the kernel-exact vector matrix.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <irqmatrix/irqmatrix.hpp>

#include "scenarios.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_mismatch = 1;
constexpr int exit_usage = 2;

constexpr std::string_view usage_text =
    R"(Usage: irqmatrix COMMAND [OPTION]... [FILE]...
Model the Linux kernel's per-CPU interrupt vector matrix, with aligned blocks
for multi-MSI devices.

Commands:
  replay [--check] [--show] FILE...
                 run each operation trace (the format of trace-format.md);
                 print every operation followed by ' => RESULT'
      --check    instead compare each result with the one after '=>' in the
                 file; print one line per mismatch, exit 1 if there was any
      --show     after each trace, print the kernel's debugfs table
                 (irq_matrix_debug_show) of the final state
  demo [--trace] replay the built-in x86 scenario (Linux 6.10 geometry, 4 CPUs,
                 legacy, MSI-X, managed NVMe and 32-vector multi-MSI devices)
                 and print the kernel's table; --trace prints the scenario

A FILE of '-' reads standard input.

Options:
  -h, --help     display this help and exit
  -V, --version  output version information and exit

Exit status: 0 success, 1 a --check mismatch, 2 a usage or input error.
)";

int usage_error(const std::string& message) {
    std::cerr << "irqmatrix: " << message << "\nTry 'irqmatrix --help' for more information.\n";
    return exit_usage;
}

void print_show(const irqmatrix::trace::session& s) {
    std::cout << s.visit([](const auto& m) { return irqmatrix::debug_show(m, 1); },
                         std::string("(no matrix: the trace has no valid 'matrix' line)\n"));
}

int replay_command(const std::vector<std::string>& args) {
    bool check = false, show = false;
    std::vector<std::string> files;
    bool options_done = false;
    for (const auto& a : args) {
        if (!options_done && a == "--") options_done = true;
        else if (!options_done && a == "--check") check = true;
        else if (!options_done && a == "--show") show = true;
        else if (!options_done && a.size() > 1 && a[0] == '-') return usage_error("replay: unrecognized option '" + a + "'");
        else files.push_back(a);
    }
    if (files.empty()) return usage_error("replay: missing trace FILE");
    unsigned mismatches = 0;
    for (const auto& name : files) {
        std::ifstream file;
        std::istream* in = &std::cin;
        if (name != "-") {
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

int demo_command(const std::vector<std::string>& args) {
    bool trace_only = false;
    for (const auto& a : args) {
        if (a == "--trace") trace_only = true;
        else return usage_error("demo: unrecognized argument '" + a + "'");
    }
    if (trace_only) {
        std::cout << irqmatrix_tool::x86_demo_trace;
        return exit_ok;
    }
    std::istringstream in{std::string(irqmatrix_tool::x86_demo_trace)};
    irqmatrix::trace::session session;
    std::cout << "# The built-in x86 scenario, operation by operation:\n";
    irqmatrix::trace::replay(in, std::cout, {}, &session);
    std::cout << "\n# The kernel's debugfs table (/sys/kernel/debug/irq/domains/VECTOR):\n";
    print_show(session);
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) return usage_error("missing COMMAND");
    const std::string command = args.front();
    args.erase(args.begin());
    bool wants_help = command == "--help" || command == "-h";
    for (const auto& a : args) {
        if (a == "--") break;
        wants_help = wants_help || a == "--help" || a == "-h";
    }
    if (wants_help) {
        std::cout << usage_text;
        return exit_ok;
    }
    if (command == "--version" || command == "-V") {
        std::cout << "irqmatrix " << IRQMATRIX_VERSION_STRING << "\n"
                  << "Copyright (c) 2026 The irqmatrix authors.\n"
                  << "License MIT: <https://opensource.org/licenses/MIT>.\n"
                  << "This is free software: you are free to change and redistribute it.\n";
        return exit_ok;
    }
    if (command == "replay") return replay_command(args);
    if (command == "demo") return demo_command(args);
    return usage_error("unknown command '" + command + "'");
}
