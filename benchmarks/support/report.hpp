// SPDX-License-Identifier: MIT
// What the benchmark programs share: a console reporter that ends with a table pairing each library row with the
// same row of the implementation it is compared with (the naive model, or
// the kernel-algorithm baseline), with their ratio.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#if __has_include(<unistd.h>)
#include <unistd.h>
#define IRQMATRIX_BENCH_HAVE_ISATTY 1
#endif

#include <benchmark/benchmark.h>

#include "irqmatrix_common/format.hpp"

namespace irqmatrix_benchsupport {

/// The console reporter plus, at the end, "NAME/lib" paired with
/// "NAME/<other>" and the ratio other / lib. With repetitions the medians are
/// paired. `cpu_time` pairs CPU time (steadier on a shared machine) instead
/// of real time.
class pair_reporter : public benchmark::ConsoleReporter {
public:
    pair_reporter(OutputOptions opts, std::string other, bool cpu_time)
        : ConsoleReporter(opts), other_(std::move(other)), cpu_time_(cpu_time) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs) {
            const bool wanted =
                r.run_type == Run::RT_Aggregate ? r.aggregate_name == "median" : r.repetitions <= 1;
            if (!wanted || r.error_occurred) continue;
            const std::string& name = r.run_name.function_name;
            const std::size_t slash = name.rfind('/');
            if (slash == std::string::npos) continue;
            const std::string stem = name.substr(0, slash);
            const std::string_view impl = std::string_view(name).substr(slash + 1);
            const double t = cpu_time_ ? r.GetAdjustedCPUTime() : r.GetAdjustedRealTime();
            const double ns = t * 1e9 / benchmark::GetTimeUnitMultiplier(r.time_unit);
            auto [it, fresh] = rows_.try_emplace(stem);
            if (fresh) order_.push_back(stem);
            if (impl == "lib") it->second.lib = ns;
            if (impl == other_) it->second.other = ns;
        }
    }

    void Finalize() override {
        ConsoleReporter::Finalize();
        if (order_.empty()) return;
        using irqmatrix_common::align_left;
        using irqmatrix_common::align_right;
        std::ostream& out = GetOutputStream();
        std::size_t width = 9;
        for (const std::string& s : order_) width = std::max(width, s.size());
        out << "\nlib vs " << other_ << " (" << (cpu_time_ ? "CPU" : "real")
            << " time per iteration; ratio = " << other_ << " / lib)\n"
            << align_left("benchmark", width) << align_right("lib ns", 14)
            << align_right(other_ + " ns", 16) << align_right(other_ + "/lib", 14) << '\n';
        for (const std::string& s : order_) {
            const times& p = rows_.at(s);
            const bool both = p.lib > 0 && p.other > 0;
            out << align_left(s, width) << align_right(ns_text(p.lib), 14)
                << align_right(ns_text(p.other), 16)
                << align_right(both ? irqmatrix_common::reading(p.other / p.lib) + "x" : "-", 14)
                << '\n';
        }
        out << std::flush;
    }

private:
    struct times {
        double lib = -1;
        double other = -1;
    };

    static std::string ns_text(double ns) { return ns < 0 ? "-" : irqmatrix_common::reading(ns); }

    std::string other_;
    bool cpu_time_;
    std::map<std::string, times> rows_;
    std::vector<std::string> order_;
};

/// The Google Benchmark flags that decide whether and how the default
/// console reporter is replaced; read before Initialize() consumes them.
struct console_flags {
    bool console = true;
    bool color = false;
    bool tabular = false;
    bool filter = false;  ///< a --benchmark_filter was given
};

inline bool flag_is_true(std::string_view v) {
    return v == "true" || v == "yes" || v == "1" || v == "on" || v == "force";
}

inline console_flags read_flags(int argc, char** argv) {
    console_flags f;
    std::string_view color = "auto";
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&](std::string_view flag, std::string_view& out) {
            if (a.substr(0, flag.size()) == flag) out = a.substr(flag.size());
        };
        std::string_view format = f.console ? "console" : "other";
        std::string_view tabular = f.tabular ? "true" : "false";
        value("--benchmark_format=", format);
        value("--benchmark_color=", color);
        value("--benchmark_counters_tabular=", tabular);
        f.console = format == "console";
        f.tabular = flag_is_true(tabular);
        if (a.substr(0, 19) == "--benchmark_filter=") f.filter = true;
    }
    if (color == "auto") {
#ifdef IRQMATRIX_BENCH_HAVE_ISATTY
        const char* term = std::getenv("TERM");
        f.color =
            isatty(fileno(stdout)) != 0 && term != nullptr && std::string_view(term) != "dumb";
#endif
    } else {
        f.color = flag_is_true(color);
    }
    return f;
}

/// Runs the registered benchmarks with a pair_reporter on the console (or
/// Google Benchmark's own reporter for other formats).
inline void run_paired(const console_flags& flags, const std::string& other, bool cpu_time) {
    if (!flags.console) {
        benchmark::RunSpecifiedBenchmarks();
        return;
    }
    int opts = benchmark::ConsoleReporter::OO_None;
    if (flags.color) opts |= benchmark::ConsoleReporter::OO_Color;
    if (flags.tabular) opts |= benchmark::ConsoleReporter::OO_Tabular;
    pair_reporter reporter(static_cast<benchmark::ConsoleReporter::OutputOptions>(opts), other,
                           cpu_time);
    benchmark::RunSpecifiedBenchmarks(&reporter);
}

}  // namespace irqmatrix_benchsupport
