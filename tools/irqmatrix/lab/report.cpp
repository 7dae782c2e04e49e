// SPDX-License-Identifier: MIT
#include "lab/report.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "irqmatrix_common/format.hpp"
#include "lab/svg.hpp"

namespace irqmatrix::lab {

namespace {

using irqmatrix_common::fixed;

std::string pad(const std::string& s, std::size_t width, bool left = false) {
    return left ? irqmatrix_common::align_left(s, width) : irqmatrix_common::align_right(s, width);
}

double events_per_second(const policy_run& p) {
    return p.seconds > 0 ? static_cast<double>(p.events) / p.seconds : 0;
}

// CSV and JSON carry the same six significant digits (format.hpp's general).
std::string csv_number(double v) { return irqmatrix_common::general(v); }

svg::cell to_cell(vector_use u) {
    switch (u) {
    case vector_use::offline: return svg::cell::offline;
    case vector_use::outside_window: return svg::cell::outside_window;
    case vector_use::system: return svg::cell::system;
    case vector_use::managed_reserved: return svg::cell::managed_reserved;
    case vector_use::managed_allocated: return svg::cell::managed_allocated;
    case vector_use::single: return svg::cell::single;
    case vector_use::block: return svg::cell::block;
    case vector_use::free: return svg::cell::free;
    }
    return svg::cell::free;
}

bool write_file(const std::filesystem::path& p, const std::string& text, std::string& error) {
    std::ofstream out(p, std::ios::binary);
    out << text;
    out.close();
    if (!out) {
        error = p.string() + ": cannot write";
        return false;
    }
    return true;
}

}  // namespace

std::string summary_table(const workload& w, const sim_result& r) {
    std::ostringstream o;
    o << "irqmatrix sim: " << w.name << " (" << w.cpus << " CPUs, window " << w.alloc_start << ".."
      << w.alloc_end << ", seed " << w.seed << ", " << r.events << " events)\n\n";
    o << "Multi-MSI block requests and why they failed; CPU offline requests refused\n";
    o << pad("policy", 10, true) << pad("blocks", 8) << pad("granted", 9) << pad("capacity", 10)
      << pad("fragment.", 11) << pad("other", 7) << pad("degraded", 10) << pad("offline", 9)
      << pad("refused:count", 15) << pad("placement", 11) << pad("singles failed", 16)
      << pad("managed failed", 16) << pad("events/s", 11) << '\n';
    for (const auto& p : r.runs) {
        const auto t = p.block_totals();
        o << pad(p.policy, 10, true) << pad(std::to_string(t.requests), 8)
          << pad(std::to_string(t.granted), 9) << pad(std::to_string(t.capacity), 10)
          << pad(std::to_string(t.fragmentation), 11) << pad(std::to_string(t.other), 7)
          << pad(std::to_string(t.degraded), 10) << pad(std::to_string(p.offline_requests), 9)
          << pad(std::to_string(p.offline_refused_count), 15)
          << pad(std::to_string(p.offline_refused_placement), 11)
          << pad(std::to_string(p.single_failures) + "/" + std::to_string(p.single_requests), 16)
          << pad(std::to_string(p.managed_failures) + "/" + std::to_string(p.managed_requests), 16)
          << pad(fixed(events_per_second(p), 0), 11) << '\n';
    }
    o << "\nBlock requests by order: failed/requested (fragmentation failures in brackets)\n";
    o << pad("policy", 10, true);
    for (unsigned k = 1; k < sim_orders; ++k) o << pad(std::to_string(1u << k) + " vectors", 18);
    o << '\n';
    for (const auto& p : r.runs) {
        o << pad(p.policy, 10, true);
        for (unsigned k = 1; k < sim_orders; ++k) {
            const auto& b = p.blocks[k];
            o << pad(b.requests ? std::to_string(b.failed()) + "/" + std::to_string(b.requests) +
                                      " (" + std::to_string(b.fragmentation) + ")"
                                : "-",
                     18);
        }
        o << '\n';
    }
    o << "\nAt the end: free vectors, fragmentation index (orders 3 and 5), online CPUs that can "
         "take a 32-vector block\n";
    for (const auto& p : r.runs) {
        if (p.samples.empty()) continue;
        const auto& s = p.samples.back();
        o << pad(p.policy, 10, true) << pad(std::to_string(s.free_vectors), 8)
          << pad(fixed(s.fragmentation_index[3], 3), 9)
          << pad(fixed(s.fragmentation_index[5], 3), 9)
          << pad(std::to_string(s.cpus_by_largest_order[6]) + "/" + std::to_string(s.online_cpus),
                 10)
          << '\n';
    }
    return o.str();
}

std::string summary_csv(const sim_result& r) {
    std::ostringstream o;
    o << "policy,order,vectors,requests,granted,capacity_failures,fragmentation_failures,"
         "other_failures,degraded,offline_requests,offline_refused_count,offline_refused_placement,"
         "single_requests,single_failures,managed_requests,managed_failures,events,seconds\n";
    for (const auto& p : r.runs)
        for (unsigned k = 1; k < sim_orders; ++k) {
            const auto& b = p.blocks[k];
            o << p.policy << ',' << k << ',' << (1u << k) << ',' << b.requests << ',' << b.granted
              << ',' << b.capacity << ',' << b.fragmentation << ',' << b.other << ',' << b.degraded
              << ',' << p.offline_requests << ',' << p.offline_refused_count << ','
              << p.offline_refused_placement << ',' << p.single_requests << ',' << p.single_failures
              << ',' << p.managed_requests << ',' << p.managed_failures << ',' << p.events << ','
              << csv_number(p.seconds) << '\n';
        }
    return o.str();
}

std::string timeseries_csv(const sim_result& r) {
    std::ostringstream o;
    o << "policy,time,block_success_window,block_success_cumulative,free_vectors,online_cpus";
    for (unsigned k = 0; k < sim_orders; ++k) o << ",fragmentation_index_" << k;
    o << ",cpus_no_free";
    for (unsigned k = 0; k < sim_orders; ++k) o << ",cpus_largest_order_" << k;
    o << '\n';
    for (const auto& p : r.runs)
        for (const auto& s : p.samples) {
            o << p.policy << ',' << csv_number(s.time) << ',' << csv_number(s.block_success_window)
              << ',' << csv_number(s.block_success_cumulative) << ',' << s.free_vectors << ','
              << s.online_cpus;
            for (double f : s.fragmentation_index) o << ',' << csv_number(f);
            for (unsigned n : s.cpus_by_largest_order) o << ',' << n;
            o << '\n';
        }
    return o.str();
}

std::string to_json(const workload& w, const sim_result& r) {
    // ordered_json: the keys in the order written, as the docs list them.
    using json = nlohmann::ordered_json;
    // NaN (no request in a sample interval) becomes null in the dump.
    const auto number = [](double v) { return irqmatrix_common::general_value(v); };
    json policies = json::array();
    for (const auto& p : r.runs) {
        json blocks = json::array();
        for (unsigned k = 1; k < sim_orders; ++k) {
            const auto& b = p.blocks[k];
            blocks.push_back({{"order", k},
                              {"requests", b.requests},
                              {"granted", b.granted},
                              {"capacity_failures", b.capacity},
                              {"fragmentation_failures", b.fragmentation},
                              {"other_failures", b.other},
                              {"degraded", b.degraded}});
        }
        json samples = json::array();
        for (const auto& s : p.samples) {
            json fragmentation = json::array();
            for (double f : s.fragmentation_index) fragmentation.push_back(number(f));
            samples.push_back({{"time", number(s.time)},
                               {"block_success_window", number(s.block_success_window)},
                               {"block_success_cumulative", number(s.block_success_cumulative)},
                               {"free_vectors", s.free_vectors},
                               {"online_cpus", s.online_cpus},
                               {"fragmentation_index", std::move(fragmentation)},
                               {"cpus_by_largest_order", s.cpus_by_largest_order}});
        }
        policies.push_back(
            {{"policy", p.policy},
             {"blocks", std::move(blocks)},
             {"offline",
              {{"requests", p.offline_requests},
               {"refused_count_check", p.offline_refused_count},
               {"refused_placement", p.offline_refused_placement}}},
             {"singles", {{"requests", p.single_requests}, {"failures", p.single_failures}}},
             {"managed", {{"requests", p.managed_requests}, {"failures", p.managed_failures}}},
             {"moves", {{"done", p.moves}, {"failed", p.move_failures}}},
             {"events_per_second", number(events_per_second(p))},
             {"samples", std::move(samples)}});
    }
    const json doc = {{"workload",
                       {{"name", w.name},
                        {"cpus", w.cpus},
                        {"alloc_start", w.alloc_start},
                        {"alloc_end", w.alloc_end},
                        {"seed", w.seed},
                        {"duration", number(w.duration)}}},
                      {"events", r.events},
                      {"policies", std::move(policies)}};
    // Invalid UTF-8 in a name (from a workload file) is replaced, not thrown.
    return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::vector<written_file> write_outputs(const workload& w, const sim_result& r,
                                        const std::string& dir, std::string& error) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        error = dir + ": " + ec.message();
        return {};
    }
    const fs::path d(dir);
    std::vector<written_file> files;
    auto put = [&](const std::string& name, const std::string& text, const std::string& what) {
        if (!write_file(d / name, text, error)) return false;
        files.push_back({(d / name).string(), what});
        return true;
    };

    // Three charts over time; a share is pinned to [0, 1].
    const auto over_time = [](std::string title, std::string y_label, bool share) {
        svg::line_chart c;
        c.title = std::move(title);
        c.x_label = "time";
        c.y_label = std::move(y_label);
        if (share) c.y_min = 0, c.y_max = 1;
        return c;
    };
    svg::line_chart success =
        over_time("Multi-MSI block requests granted, per sample interval (" + w.name + ")",
                  "share of block requests granted", true);
    svg::line_chart frag =
        over_time("Fragmentation index for a 32-vector block (share of free vectors unusable)",
                  "fragmentation index, order 5", true);
    svg::line_chart able =
        over_time("Online CPUs that can still take a 32-vector aligned block", "CPUs", false);
    for (const auto& p : r.runs) {
        svg::series s{p.policy, {}, {}}, f{p.policy, {}, {}}, a{p.policy, {}, {}};
        for (const auto& x : p.samples) {
            s.x.push_back(x.time);
            s.y.push_back(x.block_success_window);
            f.x.push_back(x.time);
            f.y.push_back(x.fragmentation_index[5]);
            a.x.push_back(x.time);
            a.y.push_back(static_cast<double>(x.cpus_by_largest_order[sim_orders]));
        }
        success.lines.push_back(std::move(s));
        frag.lines.push_back(std::move(f));
        able.lines.push_back(std::move(a));
    }
    svg::bar_group_chart failures;
    failures.title = "Multi-MSI block failures by cause (" + w.name + ")";
    failures.y_label = "failed block requests";
    failures.categories = {"capacity", "fragmentation", "other"};
    for (const auto& p : r.runs) {
        const auto t = p.block_totals();
        failures.groups.push_back(p.policy);
        failures.values.push_back({static_cast<double>(t.capacity),
                                   static_cast<double>(t.fragmentation),
                                   static_cast<double>(t.other)});
    }

    if (!put("summary.csv", summary_csv(r), "counts per policy and order") ||
        !put("timeseries.csv", timeseries_csv(r), "samples over time per policy") ||
        !put("result.json", to_json(w, r), "everything, as JSON") ||
        !put("success-rate.svg", svg::render(success), "block success rate over time") ||
        !put("fragmentation.svg", svg::render(frag), "fragmentation index (order 5) over time") ||
        !put("cpus-with-block.svg", svg::render(able),
             "CPUs able to take a 32-vector block over time") ||
        !put("failures.svg", svg::render(failures), "block failures by cause per policy"))
        return {};
    for (const auto& p : r.runs) {
        svg::heatmap h;
        h.title = "Final vector map, policy " + p.policy + " (" + w.name + ")";
        h.rows = p.rows;
        h.cols = p.cols;
        h.cells.reserve(p.cells.size());
        for (const auto u : p.cells) h.cells.push_back(to_cell(u));
        if (!put("heatmap-" + p.policy + ".svg", svg::render(h),
                 "final matrix, policy " + p.policy))
            return {};
    }
    return files;
}

}  // namespace irqmatrix::lab
