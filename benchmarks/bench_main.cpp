// SPDX-License-Identifier: MIT
// main() of irqmatrix-bench: registers the scenario families in a fixed order
// (each benchmark as a lib/model pair) and, on the console, ends the run with
// a summary that pairs every `.../lib` row with its `.../model` row and prints
// the ratio model / lib. Other output formats (--benchmark_format=json|csv)
// and --benchmark_out are Google Benchmark's own, untouched.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if __has_include(<unistd.h>)
#include <unistd.h>
#define IRQMATRIX_BENCH_HAVE_ISATTY 1
#endif

#include "bench_common.hpp"

namespace {

using benchmark::BenchmarkReporter;
using benchmark::ConsoleReporter;

/// The console reporter, plus the lib/model ratio table at the end.
class ratio_reporter : public ConsoleReporter {
public:
    using ConsoleReporter::ConsoleReporter;

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs) {
            // With repetitions, pair the medians; without, the single run.
            const bool wanted = r.run_type == Run::RT_Aggregate ? r.aggregate_name == "median"
                                                                : r.repetitions <= 1;
            if (!wanted || r.error_occurred) continue;
            const std::string& name = r.run_name.function_name;
            const std::size_t slash = name.rfind('/');
            if (slash == std::string::npos) continue;
            const std::string stem = name.substr(0, slash);
            const std::string_view impl = std::string_view(name).substr(slash + 1);
            const double ns = r.GetAdjustedRealTime() * 1e9 /
                              benchmark::GetTimeUnitMultiplier(r.time_unit);
            auto [it, fresh] = rows_.try_emplace(stem);
            if (fresh) order_.push_back(stem);
            if (impl == "lib") it->second.lib = ns;
            if (impl == "model") it->second.model = ns;
        }
    }

    void Finalize() override {
        ConsoleReporter::Finalize();
        if (order_.empty()) return;
        std::ostream& out = GetOutputStream();
        std::size_t width = 9;
        for (const std::string& s : order_) width = std::max(width, s.size());
        out << "\nlib vs model (real time per iteration; ratio = model / lib)\n"
            << std::left << std::setw(static_cast<int>(width)) << "benchmark" << std::right
            << std::setw(14) << "lib ns" << std::setw(16) << "model ns" << std::setw(12)
            << "model/lib" << '\n';
        for (const std::string& s : order_) {
            const pair& p = rows_.at(s);
            out << std::left << std::setw(static_cast<int>(width)) << s << std::right
                << std::fixed;
            put(out, p.lib, 14);
            put(out, p.model, 16);
            if (p.lib > 0 && p.model > 0)
                out << std::setw(11) << std::setprecision(1) << p.model / p.lib << 'x';
            else
                out << std::setw(12) << "-";
            out << '\n';
        }
        out << std::defaultfloat << std::flush;
    }

private:
    struct pair {
        double lib = -1;
        double model = -1;
    };

    static void put(std::ostream& out, double ns, int w) {
        if (ns < 0)
            out << std::setw(w) << "-";
        else
            out << std::setw(w) << std::setprecision(ns < 1000 ? 1 : 0) << ns;
    }

    std::map<std::string, pair> rows_;
    std::vector<std::string> order_;
};

// The few Google Benchmark flags that decide whether and how we replace its
// default console reporter; read before Initialize() consumes them.
struct console_flags {
    bool console = true;
    bool color = false;
    bool tabular = false;
};

bool flag_is_true(std::string_view v) {
    return v == "true" || v == "yes" || v == "1" || v == "on" || v == "force";
}

console_flags read_flags(int argc, char** argv) {
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
    }
    if (color == "auto") {
#ifdef IRQMATRIX_BENCH_HAVE_ISATTY
        const char* term = std::getenv("TERM");
        f.color = isatty(fileno(stdout)) != 0 && term != nullptr && std::string_view(term) != "dumb";
#endif
    } else {
        f.color = flag_is_true(color);
    }
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    const console_flags flags = read_flags(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
#ifdef NDEBUG
    benchmark::AddCustomContext("irqmatrix_build", "NDEBUG, IRQMATRIX_DEBUG_LEVEL=0");
#else
    benchmark::AddCustomContext("irqmatrix_build",
                                "no NDEBUG: build with -DCMAKE_BUILD_TYPE=Release for real figures");
#endif
    irqmatrix_bench::register_single();
    irqmatrix_bench::register_block();
    irqmatrix_bench::register_managed();
    if (flags.console) {
        int opts = ConsoleReporter::OO_None;
        if (flags.color) opts |= ConsoleReporter::OO_Color;
        if (flags.tabular) opts |= ConsoleReporter::OO_Tabular;
        ratio_reporter reporter(static_cast<ConsoleReporter::OutputOptions>(opts));
        benchmark::RunSpecifiedBenchmarks(&reporter);
    } else {
        benchmark::RunSpecifiedBenchmarks();
    }
    benchmark::Shutdown();
    return 0;
}
