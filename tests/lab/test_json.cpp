// SPDX-License-Identifier: MIT
// The lab's result.json (report.hpp's to_json), parsed back with the same
// JSON library: valid JSON whatever the workload's name holds, the fields the
// docs list, the counts as given, numbers with the CSV's six significant
// digits, and a sample interval without requests as null.
#include "support/catch.hpp"

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "lab/report.hpp"

using namespace irqmatrix::lab;

namespace {

sim_result one_run() {
    sim_result r;
    r.events = 12;
    policy_run p;
    p.policy = "pack";
    // order 3: 5 requests, 2 granted, 1 capacity and 2 fragmentation failures
    p.blocks[3] = failure_counts{5, 2, 1, 2, 0, 0};
    p.single_requests = 7, p.single_failures = 1;
    p.moves = 4, p.move_failures = 3;
    p.events = 12, p.seconds = 3;
    sample_point s;
    s.time = 2.5;
    s.block_success_window = std::numeric_limits<double>::quiet_NaN();  // no request
    s.block_success_cumulative = 2.0 / 3.0;
    s.fragmentation_index[5] = 0.125;
    s.cpus_by_largest_order[6] = 9;
    s.free_vectors = 300, s.online_cpus = 10;
    p.samples.push_back(s);
    r.runs.push_back(p);
    return r;
}

}  // namespace

TEST_CASE("result.json parses back with every field the docs list", "[lab][json]") {
    workload w;
    w.name = "quote \" backslash \\ newline \n tab \t bell \x07";
    w.cpus = 10;
    w.seed = 18446744073709551615u;  // the largest seed survives as an integer
    w.duration = 100;
    const std::string text = to_json(w, one_run());
    REQUIRE(text.back() == '\n');
    const auto j = nlohmann::json::parse(text);  // throws on invalid JSON

    CHECK(j.at("workload").at("name") == w.name);
    CHECK(j.at("workload").at("cpus") == 10);
    CHECK(j.at("workload").at("alloc_start") == 32);
    CHECK(j.at("workload").at("alloc_end") == 235);
    CHECK(j.at("workload").at("seed").get<std::uint64_t>() == 18446744073709551615u);
    CHECK(j.at("workload").at("duration") == 100.0);
    CHECK(j.at("events") == 12);
    REQUIRE(j.at("policies").size() == 1);
    const auto& p = j.at("policies")[0];
    CHECK(p.at("policy") == "pack");
    REQUIRE(p.at("blocks").size() == 5);  // orders 1..5
    const auto& b3 = p.at("blocks")[2];
    CHECK(b3.at("order") == 3);
    CHECK(b3.at("requests") == 5);
    CHECK(b3.at("granted") == 2);
    CHECK(b3.at("capacity_failures") == 1);
    CHECK(b3.at("fragmentation_failures") == 2);
    CHECK(b3.at("other_failures") == 0);
    CHECK(b3.at("degraded") == 0);
    CHECK(p.at("offline").at("requests") == 0);
    CHECK(p.at("offline").contains("refused_count_check"));
    CHECK(p.at("offline").contains("refused_placement"));
    CHECK(p.at("singles").at("requests") == 7);
    CHECK(p.at("singles").at("failures") == 1);
    CHECK(p.at("managed").at("requests") == 0);
    CHECK(p.at("moves").at("done") == 4);
    CHECK(p.at("moves").at("failed") == 3);
    CHECK(p.at("events_per_second") == 4.0);
    REQUIRE(p.at("samples").size() == 1);
    const auto& s = p.at("samples")[0];
    CHECK(s.at("time") == 2.5);
    CHECK(s.at("block_success_window").is_null());
    CHECK(s.at("block_success_cumulative") == 0.666667);  // as the CSV writes it
    CHECK(s.at("free_vectors") == 300);
    CHECK(s.at("online_cpus") == 10);
    REQUIRE(s.at("fragmentation_index").size() == 6);
    CHECK(s.at("fragmentation_index")[5] == 0.125);
    REQUIRE(s.at("cpus_by_largest_order").size() == 7);
    CHECK(s.at("cpus_by_largest_order")[6] == 9);
}

TEST_CASE("result.json keeps its keys in the documented order", "[lab][json]") {
    const std::string text = to_json(workload{}, one_run());
    const auto at = [&](const std::string& key) { return text.find("\"" + key + "\":"); };
    CHECK(at("workload") < at("events"));
    CHECK(at("events") < at("policies"));
    CHECK(at("policy") < at("blocks"));
    CHECK(at("blocks") < at("offline"));
    CHECK(at("moves") < at("events_per_second"));
    CHECK(at("events_per_second") < at("samples"));
}
