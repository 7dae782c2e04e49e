// SPDX-License-Identifier: MIT
// The simulator's outputs: a readable table, CSV and JSON files, SVG plots.
#pragma once

#include <string>
#include <vector>

#include "lab/sim.hpp"
#include "lab/workload.hpp"

namespace irqmatrix::lab {

/// The table for stdout: per policy, block requests and failures by cause,
/// CPU offline refusals, single and managed failures; then failures by order.
std::string summary_table(const workload& w, const sim_result& r);

/// One row per policy and order (orders with requests): the counts.
std::string summary_csv(const sim_result& r);

/// One row per policy and sample: time, success rates, fragmentation index
/// per order, CPUs by largest free order.
std::string timeseries_csv(const sim_result& r);

/// Everything above as one JSON document.
std::string to_json(const workload& w, const sim_result& r);

struct written_file {
    std::string path;
    std::string what;
};

/// Writes summary.csv, timeseries.csv, result.json and the SVG plots
/// (success-rate.svg, fragmentation.svg, failures.svg, heatmap-POLICY.svg)
/// into `dir`, creating it. On failure returns an empty list and sets error.
std::vector<written_file> write_outputs(const workload& w, const sim_result& r,
                                        const std::string& dir, std::string& error);

}  // namespace irqmatrix::lab
