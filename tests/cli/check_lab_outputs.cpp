// SPDX-License-Identifier: MIT
// check_lab_outputs: the files `irqmatrix sim` and `irqmatrix demo` write
// with -o DIR say what the table on the tool's stdout says.
//
//   check_lab_outputs STDOUT_FILE DIR [--seed N] [--duration D] [--samples N]
//                     [--policies a,b,...]
//
// Reads the saved stdout (the table and the "Wrote:" list) and every file in
// DIR, and turns each of the four sources (the table, result.json,
// summary.csv, timeseries.csv) into named numbers per policy ("blocks.granted",
// "order3.fragmentation", "end.free_vectors", ...). Every pair of sources must
// list the same policies in the same order and agree on every number both
// have; every number of the table and the CSV files must be in result.json
// too, so no column escapes the comparison. The SVG files must be well-formed
// XML with an <svg> root in the SVG namespace, one heatmap per policy of the
// table and none for another, and the "Wrote:" list must name exactly the
// files in DIR. The options, when given, are what the run was asked for.
//
// Prints every problem found and exits 1 if there was any, 2 on a usage
// error, 0 otherwise. result.json is read with nlohmann-json, a real parser,
// rather than by pattern matching: a malformed document must fail.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

constexpr unsigned first_order = 1, last_order = 5;  // block orders the lab reports: 2..32 vectors

std::vector<std::string> problems;

void problem(const std::string& what) { problems.push_back(what); }

std::optional<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> split(std::string_view text, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = text.find(sep, start);
        if (end == std::string_view::npos) {
            out.emplace_back(text.substr(start));
            break;
        }
        out.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    std::istringstream in{std::string(line)};
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

/// A whole decimal number, or "nan" (the table's and the CSV's way of
/// writing a sample with no value; the CSV writes nothing).
std::optional<double> number(const std::string& s) {
    if (s.empty() || s == "nan" || s == "-nan") return std::nan("");
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return v;
}

/// "F/R" as two numbers.
std::optional<std::pair<double, double>> ratio(const std::string& s) {
    const auto slash = s.find('/');
    if (slash == std::string::npos) return std::nullopt;
    const auto a = number(s.substr(0, slash)), b = number(s.substr(slash + 1));
    if (!a || !b || std::isnan(*a) || std::isnan(*b)) return std::nullopt;
    return std::pair{*a, *b};
}

std::string order_key(unsigned k, const char* what) {
    return "order" + std::to_string(k) + "." + what;
}

/// What one source says: the run's numbers and, per policy in its order,
/// named numbers.
struct source {
    std::string name;
    std::optional<std::string> workload;  ///< the workload's name
    std::map<std::string, double> run;
    std::vector<std::string> policies;
    std::map<std::string, std::map<std::string, double>> per_policy;

    std::map<std::string, double>& add_policy(const std::string& p) {
        policies.push_back(p);
        return per_policy[p];
    }
};

/// How far two sources may disagree on a number: the table rounds events/s
/// to an integer and the fragmentation index to 3 decimals, the CSV and JSON
/// files write 6 significant digits (and the CSV's events/s is events over
/// seconds, both rounded); counts must be equal.
double tolerance(const std::string& key, double v) {
    if (key == "events_per_second") return std::max(1.0, 2e-5 * std::fabs(v));
    if (key.find("fragmentation_index") != std::string::npos) return 6e-4;
    return 0;
}

bool same(const std::string& key, double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::fabs(a - b) <= tolerance(key, std::max(std::fabs(a), std::fabs(b)));
}

std::string show(double v) {
    std::ostringstream s;
    s.precision(12);
    s << v;
    return s.str();
}

// ---- the table on stdout ---------------------------------------------------

/// Lines of `lines` from the one after `heading` to the next empty one.
std::optional<std::vector<std::string>> section(const std::vector<std::string>& lines,
                                                const std::string& heading) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i] != heading) continue;
        std::vector<std::string> out;
        for (std::size_t j = i + 1; j < lines.size() && !lines[j].empty(); ++j)
            out.push_back(lines[j]);
        return out;
    }
    problem("stdout: no line '" + heading + "'");
    return std::nullopt;
}

std::optional<source> parse_table(const std::string& text) {
    source t;
    t.name = "the table on stdout";
    const auto lines = split(text, '\n');
    // "irqmatrix sim: NAME (C CPUs, window S..E, seed N, M events)"
    const std::string lead = "irqmatrix sim: ";
    const std::string first = lines.empty() ? std::string() : lines[0];
    const auto open = first.rfind(" (");
    unsigned long long cpus = 0, win_start = 0, win_end = 0, seed = 0, events = 0;
    char close = 0;
    if (first.rfind(lead, 0) != 0 || open == std::string::npos || open < lead.size() ||
        std::sscanf(first.c_str() + open,
                    " (%llu CPUs, window %llu..%llu, seed %llu, %llu events%c", &cpus, &win_start,
                    &win_end, &seed, &events, &close) != 6 ||
        close != ')' || first.back() != ')') {
        problem(
            "stdout: the first line is not 'irqmatrix sim: NAME (C CPUs, window S..E, seed N, "
            "M events)': " +
            first);
        return std::nullopt;
    }
    t.workload = first.substr(lead.size(), open - lead.size());
    t.run["cpus"] = static_cast<double>(cpus);
    t.run["alloc_start"] = static_cast<double>(win_start);
    t.run["alloc_end"] = static_cast<double>(win_end);
    t.run["seed"] = static_cast<double>(seed);
    t.run["events"] = static_cast<double>(events);

    // Block requests by cause, offline refusals, singles, managed, speed.
    const auto causes = section(
        lines, "Multi-MSI block requests and why they failed; CPU offline requests refused");
    if (!causes) return std::nullopt;
    const std::vector<std::string> causes_header{
        "policy",  "blocks",   "granted", "capacity",      "fragment.",
        "other",   "degraded", "offline", "refused:count", "placement",
        "singles", "failed",   "managed", "failed",        "events/s"};
    if (causes->empty() || words(causes->front()) != causes_header) {
        problem("stdout: the block table's column header changed: " +
                (causes->empty() ? std::string() : causes->front()));
        return std::nullopt;
    }
    static const char* const cause_keys[] = {
        "blocks.requests",      "blocks.granted",        "blocks.capacity",
        "blocks.fragmentation", "blocks.other",          "blocks.degraded",
        "offline.requests",     "offline.refused_count", "offline.refused_placement"};
    for (std::size_t i = 1; i < causes->size(); ++i) {
        const auto w = words((*causes)[i]);
        if (w.size() != 13) {
            problem("stdout: block table row without 13 columns: " + (*causes)[i]);
            return std::nullopt;
        }
        auto& n = t.add_policy(w[0]);
        for (std::size_t c = 0; c < std::size(cause_keys); ++c) {
            const auto v = number(w[c + 1]);
            if (!v || std::isnan(*v)) {
                problem("stdout: not a number in column " + std::to_string(c + 2) + ": " +
                        (*causes)[i]);
                return std::nullopt;
            }
            n[cause_keys[c]] = *v;
        }
        const auto singles = ratio(w[10]), managed = ratio(w[11]);
        const auto rate = number(w[12]);
        if (!singles || !managed || !rate) {
            problem("stdout: bad singles, managed or events/s column: " + (*causes)[i]);
            return std::nullopt;
        }
        n["singles.failures"] = singles->first;
        n["singles.requests"] = singles->second;
        n["managed.failures"] = managed->first;
        n["managed.requests"] = managed->second;
        n["events_per_second"] = *rate;
        n["events"] = t.run["events"];  // every policy replays the whole stream
    }

    // Block requests by order: "-" (none), or "F/R (FRAG)".
    const auto orders = section(
        lines, "Block requests by order: failed/requested (fragmentation failures in brackets)");
    if (!orders) return std::nullopt;
    std::vector<std::string> order_policies;
    for (std::size_t i = 1; i < orders->size(); ++i) {
        const auto w = words((*orders)[i]);
        if (w.empty() || !t.per_policy.count(w[0])) {
            problem("stdout: order table row for a policy not in the block table: " + (*orders)[i]);
            return std::nullopt;
        }
        order_policies.push_back(w[0]);
        auto& n = t.per_policy[w[0]];
        std::size_t at = 1;
        for (unsigned k = first_order; k <= last_order; ++k) {
            if (at < w.size() && w[at] == "-") {
                n[order_key(k, "requests")] = 0;
                ++at;
                continue;
            }
            const auto fr = at < w.size() ? ratio(w[at]) : std::nullopt;
            const auto frag = at + 1 < w.size() && w[at + 1].size() > 2 &&
                                      w[at + 1].front() == '(' && w[at + 1].back() == ')'
                                  ? number(w[at + 1].substr(1, w[at + 1].size() - 2))
                                  : std::nullopt;
            if (!fr || !frag) {
                problem("stdout: order table: bad cell for order " + std::to_string(k) + ": " +
                        (*orders)[i]);
                return std::nullopt;
            }
            n[order_key(k, "failed")] = fr->first;
            n[order_key(k, "requests")] = fr->second;
            n[order_key(k, "fragmentation")] = *frag;
            at += 2;
        }
        if (at != w.size()) {
            problem("stdout: order table: extra columns: " + (*orders)[i]);
            return std::nullopt;
        }
    }
    if (order_policies != t.policies)
        problem("stdout: the order table's policies are not the block table's");

    // At the end: free vectors, fragmentation index 3 and 5, CPUs able to
    // take a 32-vector block / online CPUs.
    const auto end = section(lines,
                             "At the end: free vectors, fragmentation index (orders 3 and 5), "
                             "online CPUs that can take a 32-vector block");
    if (!end) return std::nullopt;
    std::vector<std::string> end_policies;
    for (const auto& line : *end) {
        const auto w = words(line);
        const auto free = w.size() == 5 ? number(w[1]) : std::nullopt;
        const auto f3 = w.size() == 5 ? number(w[2]) : std::nullopt;
        const auto f5 = w.size() == 5 ? number(w[3]) : std::nullopt;
        const auto able = w.size() == 5 ? ratio(w[4]) : std::nullopt;
        if (!free || !f3 || !f5 || !able || !t.per_policy.count(w[0])) {
            problem("stdout: bad end-state row: " + line);
            return std::nullopt;
        }
        end_policies.push_back(w[0]);
        auto& n = t.per_policy[w[0]];
        n["end.free_vectors"] = *free;
        n["end.fragmentation_index3"] = *f3;
        n["end.fragmentation_index5"] = *f5;
        n["end.cpus_with_block"] = able->first;
        n["end.online_cpus"] = able->second;
    }
    if (end_policies != t.policies)
        problem("stdout: the end-state table's policies are not the block table's");

    return t;
}

/// The files the "Wrote:" list after the table names: one "  PATH  (WHAT)"
/// line each.
std::vector<std::string> parse_wrote(const std::string& text) {
    std::vector<std::string> wrote;
    const auto lines = split(text, '\n');
    bool in_list = false;
    for (const auto& line : lines) {
        if (line == "Wrote:") {
            in_list = true;
        } else if (in_list && line.rfind("  ", 0) == 0) {
            const auto gap = line.find("  (", 2);
            if (gap == std::string::npos || line.back() != ')')
                problem("stdout: bad 'Wrote:' line: " + line);
            else
                wrote.push_back(line.substr(2, gap - 2));
        } else if (in_list && !line.empty()) {
            problem("stdout: unexpected line after the 'Wrote:' list: " + line);
        }
    }
    if (!in_list) problem("stdout: no 'Wrote:' list");
    return wrote;
}

// ---- result.json -------------------------------------------------------------

double json_number(const nlohmann::json& j) {
    return j.is_null() ? std::nan("") : j.get<double>();  // null: the writer's NaN
}

std::optional<source> parse_json(const std::string& text) {
    source s;
    s.name = "result.json";
    try {
        const auto j = nlohmann::json::parse(text);
        const auto& w = j.at("workload");
        s.workload = w.at("name").get<std::string>();
        s.run["cpus"] = w.at("cpus").get<double>();
        s.run["alloc_start"] = w.at("alloc_start").get<double>();
        s.run["alloc_end"] = w.at("alloc_end").get<double>();
        s.run["seed"] = w.at("seed").get<double>();
        s.run["duration"] = w.at("duration").get<double>();
        s.run["events"] = j.at("events").get<double>();
        for (const auto& p : j.at("policies")) {
            auto& n = s.add_policy(p.at("policy").get<std::string>());
            static const std::pair<const char*, const char*> block_fields[] = {
                {"requests", "requests"},          {"granted", "granted"},
                {"capacity_failures", "capacity"}, {"fragmentation_failures", "fragmentation"},
                {"other_failures", "other"},       {"degraded", "degraded"}};
            for (const auto& f : block_fields) n[std::string("blocks.") + f.second] = 0;
            std::set<unsigned> seen;
            for (const auto& b : p.at("blocks")) {
                const auto k = b.at("order").get<unsigned>();
                if (k < first_order || k > last_order || !seen.insert(k).second) {
                    problem("result.json: policy " + s.policies.back() +
                            ": bad or repeated order " + std::to_string(k));
                    continue;
                }
                for (const auto& [field, name] : block_fields) {
                    const double v = b.at(field).get<double>();
                    n[order_key(k, name)] = v;
                    n[std::string("blocks.") + name] += v;
                }
                n[order_key(k, "failed")] = n[order_key(k, "capacity")] +
                                            n[order_key(k, "fragmentation")] +
                                            n[order_key(k, "other")];
            }
            if (seen.size() != last_order - first_order + 1)
                problem("result.json: policy " + s.policies.back() +
                        ": not every order 1..5 in 'blocks'");
            n["offline.requests"] = p.at("offline").at("requests").get<double>();
            n["offline.refused_count"] = p.at("offline").at("refused_count_check").get<double>();
            n["offline.refused_placement"] = p.at("offline").at("refused_placement").get<double>();
            n["singles.requests"] = p.at("singles").at("requests").get<double>();
            n["singles.failures"] = p.at("singles").at("failures").get<double>();
            n["managed.requests"] = p.at("managed").at("requests").get<double>();
            n["managed.failures"] = p.at("managed").at("failures").get<double>();
            n["events_per_second"] = p.at("events_per_second").get<double>();
            n["events"] = s.run["events"];  // every policy replays the whole stream
            const auto& samples = p.at("samples");
            n["samples"] = static_cast<double>(samples.size());
            if (samples.empty()) {
                problem("result.json: policy " + s.policies.back() + ": no samples");
                continue;
            }
            double last_time = -1;
            for (const auto& x : samples) {
                const double t = x.at("time").get<double>();
                if (!(t > last_time))
                    problem("result.json: policy " + s.policies.back() +
                            ": sample times do not increase at " + show(t));
                last_time = t;
            }
            n["last_time"] = last_time;
            const auto& e = samples.back();
            n["end.free_vectors"] = e.at("free_vectors").get<double>();
            n["end.online_cpus"] = e.at("online_cpus").get<double>();
            const auto& fi = e.at("fragmentation_index");
            const auto& by = e.at("cpus_by_largest_order");
            if (fi.size() != last_order + 1 || by.size() != last_order + 2) {
                problem("result.json: policy " + s.policies.back() +
                        ": fragmentation_index needs 6 entries and cpus_by_largest_order 7");
                continue;
            }
            for (unsigned k = 0; k <= last_order; ++k)
                n["end.fragmentation_index" + std::to_string(k)] = json_number(fi[k]);
            n["end.cpus_no_free"] = by[0].get<double>();
            for (unsigned k = 0; k <= last_order; ++k)
                n["end.cpus_largest_order" + std::to_string(k)] = by[k + 1].get<double>();
            n["end.cpus_with_block"] = by[last_order + 1].get<double>();
        }
    } catch (const nlohmann::json::exception& e) {
        problem(std::string("result.json: ") + e.what());
        return std::nullopt;
    }
    return s;
}

// ---- the CSV files -------------------------------------------------------------

struct csv {
    std::vector<std::string> header;
    std::vector<std::map<std::string, std::string>> rows;
};

std::optional<csv> parse_csv(const std::string& text, const std::string& name,
                             const std::vector<std::string>& expected_header) {
    auto lines = split(text, '\n');
    if (lines.empty() || !lines.back().empty()) {
        problem(name + ": does not end with a newline");
        return std::nullopt;
    }
    lines.pop_back();
    csv c;
    c.header = split(lines.front(), ',');
    if (c.header != expected_header) {
        problem(name + ": the header changed: " + lines.front());
        return std::nullopt;
    }
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto cells = split(lines[i], ',');
        if (cells.size() != c.header.size()) {
            problem(name + ": line " + std::to_string(i + 1) + " has " +
                    std::to_string(cells.size()) + " cells, the header " +
                    std::to_string(c.header.size()));
            return std::nullopt;
        }
        auto& row = c.rows.emplace_back();
        for (std::size_t k = 0; k < cells.size(); ++k) row[c.header[k]] = cells[k];
    }
    return c;
}

std::optional<double> cell(const std::map<std::string, std::string>& row, const std::string& col,
                           const std::string& name) {
    const auto v = number(row.at(col));
    if (!v) problem(name + ": not a number in column " + col + ": " + row.at(col));
    return v;
}

std::optional<source> parse_summary_csv(const std::string& text) {
    static const std::vector<std::string> header{"policy",
                                                 "order",
                                                 "vectors",
                                                 "requests",
                                                 "granted",
                                                 "capacity_failures",
                                                 "fragmentation_failures",
                                                 "other_failures",
                                                 "degraded",
                                                 "offline_requests",
                                                 "offline_refused_count",
                                                 "offline_refused_placement",
                                                 "single_requests",
                                                 "single_failures",
                                                 "managed_requests",
                                                 "managed_failures",
                                                 "events",
                                                 "seconds"};
    const auto c = parse_csv(text, "summary.csv", header);
    if (!c) return std::nullopt;
    source s;
    s.name = "summary.csv";
    // Per order: these columns; per policy (the same on each of its rows):
    // those.
    static const std::pair<const char*, const char*> order_cols[] = {
        {"requests", "requests"},          {"granted", "granted"},
        {"capacity_failures", "capacity"}, {"fragmentation_failures", "fragmentation"},
        {"other_failures", "other"},       {"degraded", "degraded"}};
    static const std::pair<const char*, const char*> policy_cols[] = {
        {"offline_requests", "offline.requests"},
        {"offline_refused_count", "offline.refused_count"},
        {"offline_refused_placement", "offline.refused_placement"},
        {"single_requests", "singles.requests"},
        {"single_failures", "singles.failures"},
        {"managed_requests", "managed.requests"},
        {"managed_failures", "managed.failures"},
        {"events", "events"}};
    std::map<std::string, unsigned> next_order;
    for (const auto& row : c->rows) {
        const auto& p = row.at("policy");
        if (!s.per_policy.count(p)) {
            if (!s.policies.empty() && next_order[s.policies.back()] != last_order + 1)
                problem("summary.csv: policy " + s.policies.back() +
                        " does not have a row for each order 1..5");
            s.add_policy(p);
            next_order[p] = first_order;
            for (const auto& col : order_cols)
                s.per_policy[p][std::string("blocks.") + col.second] = 0;
        } else if (s.policies.back() != p) {
            problem("summary.csv: the rows of policy " + p + " are not together");
            return std::nullopt;
        }
        auto& n = s.per_policy[p];
        const auto order = cell(row, "order", "summary.csv");
        const auto vectors = cell(row, "vectors", "summary.csv");
        if (!order || !vectors) return std::nullopt;
        const unsigned k = next_order[p]++;
        if (*order != k || *vectors != std::ldexp(1.0, static_cast<int>(k))) {
            problem("summary.csv: policy " + p + ": expected order " + std::to_string(k) + " (" +
                    std::to_string(1u << k) + " vectors), got " + row.at("order") + " (" +
                    row.at("vectors") + ")");
            return std::nullopt;
        }
        for (const auto& [col, name] : order_cols) {
            const auto v = cell(row, col, "summary.csv");
            if (!v) return std::nullopt;
            n[order_key(k, name)] = *v;
            n[std::string("blocks.") + name] += *v;
        }
        n[order_key(k, "failed")] = n[order_key(k, "capacity")] + n[order_key(k, "fragmentation")] +
                                    n[order_key(k, "other")];
        for (const auto& [col, name] : policy_cols) {
            const auto v = cell(row, col, "summary.csv");
            if (!v) return std::nullopt;
            if (k != first_order && n[name] != *v)
                problem("summary.csv: policy " + p + ": " + col + " differs between its rows");
            n[name] = *v;
        }
        const auto seconds = cell(row, "seconds", "summary.csv");
        if (!seconds) return std::nullopt;
        if (*seconds > 0) n["events_per_second"] = n["events"] / *seconds;
    }
    if (!s.policies.empty() && next_order[s.policies.back()] != last_order + 1)
        problem("summary.csv: policy " + s.policies.back() +
                " does not have a row for each order 1..5");
    return s;
}

std::optional<source> parse_timeseries_csv(const std::string& text) {
    std::vector<std::string> header{
        "policy",       "time",       "block_success_window", "block_success_cumulative",
        "free_vectors", "online_cpus"};
    for (unsigned k = 0; k <= last_order; ++k)
        header.push_back("fragmentation_index_" + std::to_string(k));
    header.emplace_back("cpus_no_free");
    for (unsigned k = 0; k <= last_order; ++k)
        header.push_back("cpus_largest_order_" + std::to_string(k));
    const auto c = parse_csv(text, "timeseries.csv", header);
    if (!c) return std::nullopt;
    source s;
    s.name = "timeseries.csv";
    const std::map<std::string, std::string>* last = nullptr;
    auto finish = [&] {
        if (!last) return;
        auto& n = s.per_policy[s.policies.back()];
        for (const auto& col : header) {
            if (col == "policy" || col == "block_success_window" ||
                col == "block_success_cumulative")
                continue;
            const auto v = cell(*last, col, "timeseries.csv");
            if (!v) continue;
            std::string key = col;
            if (col == "time")
                key = "last_time";
            else if (col.rfind("fragmentation_index_", 0) == 0)
                key = "end.fragmentation_index" + col.substr(20);
            else if (col.rfind("cpus_largest_order_", 0) == 0)
                key = "end.cpus_largest_order" + col.substr(19);
            else
                key = "end." + col;
            n[key] = *v;
        }
        n["end.cpus_with_block"] = n["end.cpus_largest_order" + std::to_string(last_order)];
    };
    double last_time = -1;
    for (const auto& row : c->rows) {
        const auto& p = row.at("policy");
        if (!s.per_policy.count(p)) {
            finish();
            s.add_policy(p);
            last_time = -1;
        } else if (s.policies.back() != p) {
            problem("timeseries.csv: the rows of policy " + p + " are not together");
            return std::nullopt;
        }
        const auto t = cell(row, "time", "timeseries.csv");
        if (!t) return std::nullopt;
        if (!(*t > last_time))
            problem("timeseries.csv: policy " + p + ": times do not increase at " + row.at("time"));
        last_time = *t;
        s.per_policy[p]["samples"] += 1;
        last = &row;
    }
    finish();
    return s;
}

// ---- comparing the sources -----------------------------------------------------

unsigned compared = 0;

void compare_numbers(const std::string& where, const std::map<std::string, double>& a,
                     const source& sa, const std::map<std::string, double>& b, const source& sb) {
    for (const auto& [key, va] : a) {
        const auto it = b.find(key);
        if (it == b.end()) continue;
        ++compared;
        if (!same(key, va, it->second))
            problem(where + key + ": " + sa.name + " says " + show(va) + ", " + sb.name + " says " +
                    show(it->second));
    }
}

void compare(const source& a, const source& b) {
    if (a.workload && b.workload && *a.workload != *b.workload)
        problem("workload: " + a.name + " names '" + *a.workload + "', " + b.name + " '" +
                *b.workload + "'");
    compare_numbers("", a.run, a, b.run, b);
    if (a.policies != b.policies) {
        auto list = [](const std::vector<std::string>& v) {
            std::string s;
            for (const auto& p : v) s += (s.empty() ? "" : ",") + p;
            return s;
        };
        problem("policies: " + a.name + " lists " + list(a.policies) + ", " + b.name + " lists " +
                list(b.policies));
        return;
    }
    for (const auto& p : a.policies)
        compare_numbers("policy " + p + ": ", a.per_policy.at(p), a, b.per_policy.at(p), b);
}

/// Every number of `part` is also in `whole` (so compare() looked at it).
void covered(const source& part, const source& whole) {
    if (part.workload && !whole.workload)
        problem(part.name + ": the workload's name is not in " + whole.name);
    for (const auto& kv : part.run)
        if (!whole.run.count(kv.first))
            problem(part.name + ": " + kv.first + " is not in " + whole.name);
    for (const auto& p : part.policies) {
        const auto it = whole.per_policy.find(p);
        if (it == whole.per_policy.end()) continue;  // compare() reported the policy lists
        for (const auto& kv : part.per_policy.at(p))
            if (!it->second.count(kv.first))
                problem(part.name + ": policy " + p + ": " + kv.first + " is not in " + whole.name);
    }
}

// ---- SVG -----------------------------------------------------------------------

bool name_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool name_char(char c) {
    return name_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// "" if `text` at `i` is a well-formed entity or character reference
/// (advancing `i` past it), else what is wrong.
std::string reference(std::string_view text, std::size_t& i) {
    const auto semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return "an '&' that starts no reference";
    const auto ref = text.substr(i + 1, semi - i - 1);
    // A name (a letter, then letters and digits), #decimal or #xhex.
    const auto all = [](std::string_view w, auto pred) {
        return !w.empty() && std::all_of(w.begin(), w.end(), pred);
    };
    const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    const bool ok =
        (!ref.empty() && std::isalpha(static_cast<unsigned char>(ref[0])) && all(ref, alnum)) ||
        (ref.size() > 1 && ref[0] == '#' && all(ref.substr(1), digit)) ||
        (ref.size() > 2 && ref[0] == '#' && ref[1] == 'x' && all(ref.substr(2), hex));
    if (!ok) return "a bad reference '&" + std::string(ref) + ";'";
    i = semi + 1;
    return {};
}

/// "" if `text` is well-formed XML (elements nested and closed, attributes
/// quoted and not repeated, references complete, one root element) whose
/// root is <svg> in the SVG namespace; else the first problem, with its line.
std::string check_svg(std::string_view text) {
    std::vector<std::string> open;
    bool root_seen = false, root_closed = false;
    std::size_t i = 0;
    auto where = [&] {
        const auto upto = text.substr(0, i);
        return "line " + std::to_string(1 + std::count(upto.begin(), upto.end(), '\n')) + ": ";
    };
    auto skip_past = [&](std::string_view end) {
        const auto at = text.find(end, i);
        if (at == std::string_view::npos) return false;
        i = at + end.size();
        return true;
    };
    while (i < text.size()) {
        const char c = text[i];
        if (c != '<') {
            if (open.empty() && !space(c)) return where() + "text outside the root element";
            if (c == '&') {
                if (auto e = reference(text, i); !e.empty()) return where() + e;
                continue;
            }
            if (c == '>' && i >= 2 && text.substr(i - 2, 3) == "]]>")
                return where() + "']]>' in text";
            ++i;
            continue;
        }
        if (text.substr(i, 4) == "<!--") {
            if (!skip_past("-->")) return where() + "unclosed comment";
            continue;
        }
        if (text.substr(i, 2) == "<?") {
            if (i != 0 && text.substr(i, 5) == "<?xml" && space(text[i + 5]))
                return where() + "an XML declaration not at the start";
            if (!skip_past("?>")) return where() + "unclosed processing instruction";
            continue;
        }
        if (text.substr(i, 9) == "<![CDATA[") {
            if (open.empty()) return where() + "CDATA outside the root element";
            if (!skip_past("]]>")) return where() + "unclosed CDATA section";
            continue;
        }
        if (text.substr(i, 2) == "<!") {
            if (root_seen) return where() + "a declaration inside the document";
            if (!skip_past(">")) return where() + "unclosed declaration";
            continue;
        }
        const bool closing = text.substr(i, 2) == "</";
        i += closing ? 2 : 1;
        const auto name_at = i;
        if (i >= text.size() || !name_start(text[i]))
            return where() + "a '<' without an element name";
        while (i < text.size() && name_char(text[i])) ++i;
        const std::string name(text.substr(name_at, i - name_at));
        if (closing) {
            while (i < text.size() && space(text[i])) ++i;
            if (i >= text.size() || text[i] != '>') return where() + "bad end tag </" + name;
            ++i;
            if (open.empty() || open.back() != name)
                return where() + "</" + name + "> closes " +
                       (open.empty() ? "nothing" : "<" + open.back() + ">");
            open.pop_back();
            if (open.empty()) root_closed = true;
            continue;
        }
        if (open.empty()) {
            if (root_seen) return where() + "a second root element <" + name + ">";
            if (name != "svg") return where() + "the root element is <" + name + ">, not <svg>";
            root_seen = true;
        }
        std::map<std::string, std::string> attrs;
        bool empty_element = false;
        for (;;) {
            const bool had_space = i < text.size() && space(text[i]);
            while (i < text.size() && space(text[i])) ++i;
            if (i >= text.size()) return where() + "unclosed tag <" + name;
            if (text[i] == '>') {
                ++i;
                break;
            }
            if (text.substr(i, 2) == "/>") {
                i += 2;
                empty_element = true;
                break;
            }
            if (!had_space || !name_start(text[i])) return where() + "bad attribute in <" + name;
            const auto an = i;
            while (i < text.size() && name_char(text[i])) ++i;
            const std::string attr(text.substr(an, i - an));
            if (i >= text.size() || text[i] != '=')
                return where() + "attribute " + attr + " without '='";
            ++i;
            if (i >= text.size() || (text[i] != '"' && text[i] != '\''))
                return where() + "unquoted attribute " + attr;
            const char quote = text[i++];
            std::string value;
            while (i < text.size() && text[i] != quote) {
                if (text[i] == '<') return where() + "'<' in attribute " + attr;
                if (text[i] == '&') {
                    const auto r = i;
                    if (auto e = reference(text, i); !e.empty()) return where() + e;
                    value += text.substr(r, i - r);
                    continue;
                }
                value += text[i++];
            }
            if (i >= text.size()) return where() + "unclosed attribute " + attr;
            ++i;
            if (!attrs.emplace(attr, value).second)
                return where() + "attribute " + attr + " repeated in <" + name + ">";
        }
        if (open.empty() && attrs["xmlns"] != "http://www.w3.org/2000/svg")
            return where() + "the <svg> root is not in the SVG namespace (xmlns)";
        if (empty_element) {
            if (open.empty()) root_closed = true;
        } else {
            open.push_back(name);
        }
    }
    if (!root_seen) return "no <svg> element";
    if (!open.empty())
        return "<" + open.back() + "> is never closed (the file ends before </svg>?)";
    if (!root_closed) return "the <svg> element is not closed";
    return {};
}

int usage() {
    std::cerr << "usage: check_lab_outputs STDOUT_FILE DIR [--seed N] [--duration D] [--samples N] "
                 "[--policies a,b,...]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return usage();
    const fs::path stdout_file = argv[1], dir = argv[2];
    std::map<std::string, std::string> expect;
    for (int a = 3; a + 1 < argc; a += 2) {
        const std::string opt = argv[a];
        if (opt != "--seed" && opt != "--duration" && opt != "--samples" && opt != "--policies")
            return usage();
        expect[opt.substr(2)] = argv[a + 1];
    }
    if (argc % 2 == 0) return usage();

    const auto out_text = read_file(stdout_file);
    if (!out_text) {
        std::cerr << "check_lab_outputs: cannot read " << stdout_file << '\n';
        return 2;
    }
    const auto table = parse_table(*out_text);
    const auto wrote = parse_wrote(*out_text);

    auto load = [&](const char* name) -> std::optional<std::string> {
        auto t = read_file(dir / name);
        if (!t) problem(std::string(name) + ": cannot read it in " + dir.string());
        return t;
    };
    std::optional<source> json, summary, series;
    if (const auto t = load("result.json")) json = parse_json(*t);
    if (const auto t = load("summary.csv")) summary = parse_summary_csv(*t);
    if (const auto t = load("timeseries.csv")) series = parse_timeseries_csv(*t);

    // The four sources agree wherever they overlap, and result.json holds
    // every number the others have.
    const source* sources[] = {table ? &*table : nullptr, json ? &*json : nullptr,
                               summary ? &*summary : nullptr, series ? &*series : nullptr};
    for (std::size_t a = 0; a < std::size(sources); ++a)
        for (std::size_t b = a + 1; b < std::size(sources); ++b)
            if (sources[a] && sources[b]) compare(*sources[a], *sources[b]);
    if (json)
        for (const auto* s : sources)
            if (s && s != &*json) covered(*s, *json);

    // What the run was asked for.
    if (json && expect.count("seed") && !same("seed", json->run["seed"], std::stod(expect["seed"])))
        problem("result.json: seed " + show(json->run["seed"]) + ", the run asked for " +
                expect["seed"]);
    if (json && expect.count("duration")) {
        const double d = std::stod(expect["duration"]);
        if (json->run["duration"] != d)
            problem("result.json: duration " + show(json->run["duration"]) +
                    ", the run asked for " + expect["duration"]);
        for (const auto& p : json->policies)
            if (json->per_policy[p]["last_time"] >= d)
                problem("result.json: policy " + p + ": a sample at or after the duration " +
                        expect["duration"]);
    }
    if (json && expect.count("samples"))
        for (const auto& p : json->policies)
            if (json->per_policy[p]["samples"] != std::stod(expect["samples"]))
                problem("result.json: policy " + p + ": " + show(json->per_policy[p]["samples"]) +
                        " samples, the workload asks for " + expect["samples"]);
    if (table && expect.count("policies") && table->policies != split(expect["policies"], ','))
        problem("stdout: the table's policies are not the " + expect["policies"] + " asked for");

    // The files: exactly what the "Wrote:" list names, each in DIR; the SVG
    // files well-formed, a heatmap for each policy of the table and no other.
    std::set<std::string> listed, present;
    for (const auto& w : wrote) {
        const fs::path p(w);
        std::error_code ec;
        if (!fs::equivalent(p.parent_path(), dir, ec))
            problem("stdout: 'Wrote:' names " + w + ", which is not in " + dir.string());
        listed.insert(p.filename().string());
    }
    for (const auto& e : fs::directory_iterator(dir)) present.insert(e.path().filename().string());
    if (listed != present) {
        std::string l, p;
        for (const auto& n : listed) l += " " + n;
        for (const auto& n : present) p += " " + n;
        problem("stdout's 'Wrote:' list names" + l + "; " + dir.string() + " holds" + p);
    }
    std::set<std::string> svgs{"success-rate.svg", "fragmentation.svg", "cpus-with-block.svg",
                               "failures.svg"};
    const std::set<std::string> charts = svgs;
    if (table)
        for (const auto& p : table->policies) svgs.insert("heatmap-" + p + ".svg");
    for (const auto& n : present)
        if (table && n.size() > 4 && n.substr(n.size() - 4) == ".svg" && !svgs.count(n))
            problem(dir.string() + ": " + n +
                    " is not a plot of this run (a heatmap of another policy?)");
    unsigned svg_ok = 0;
    for (const auto& n : svgs) {
        const auto text = read_file(dir / n);
        if (!text) {
            problem(n + ": missing");
            continue;
        }
        if (const auto e = check_svg(*text); !e.empty()) {
            problem(n + ": not well-formed SVG: " + e);
            continue;
        }
        ++svg_ok;
        if (!table) continue;
        // Each chart has a legend or label per policy; each heatmap says whose it is.
        if (charts.count(n)) {
            for (const auto& p : table->policies)
                if (text->find(">" + p + "</text>") == std::string::npos)
                    problem(n + ": no label for policy " + p);
        } else {
            const auto p = n.substr(8, n.size() - 12);
            if (text->find("<title>Final vector map, policy " + p + " (") == std::string::npos)
                problem(n + ": its title does not name policy " + p);
        }
    }

    if (!problems.empty()) {
        for (const auto& p : problems) std::cerr << "check_lab_outputs: " << p << '\n';
        std::cerr << "check_lab_outputs: " << dir.string() << ": " << problems.size()
                  << " problem(s)\n";
        return 1;
    }
    std::cout << "check_lab_outputs: " << dir.string() << ": "
              << (table ? table->policies.size() : 0) << " policies, " << compared
              << " numbers agree across the table, result.json, summary.csv and timeseries.csv; "
              << svg_ok << " SVG files well-formed\n";
    return 0;
}
