// SPDX-License-Identifier: MIT
// The workload file: what parses, the defaults, and the errors' wording.
#include "support/catch.hpp"

#include <string>

#include "lab/workload.hpp"
#include "tools/irqmatrix/scenarios.hpp"

using irqmatrix::lab::device_kind;
using irqmatrix::lab::parse_workload;

namespace {

std::string error_of(const std::string& toml) {
    const auto p = parse_workload(toml);
    REQUIRE_FALSE(p.value.has_value());
    return p.error;
}

}  // namespace

TEST_CASE("the built-in demo workload parses as documented", "[lab][workload]") {
    const auto p = parse_workload(irqmatrix_tool::x86_demo_workload);
    INFO(p.error);
    REQUIRE(p.value);
    const auto& w = *p.value;
    CHECK(w.cpus == 64);
    CHECK(w.alloc_start == 32);
    CHECK(w.alloc_end == 235);
    CHECK(w.policies == std::vector<std::string>{"kernel", "pack", "best_fit", "freebsd"});
    CHECK(w.devices.size() == 7);
    CHECK(w.devices[0].kind == device_kind::managed);
    CHECK(w.events.size() == 4);
}

TEST_CASE("the kernel version sets the x86 window and system vectors", "[lab][workload]") {
    const auto v610 = parse_workload("[machine]\ncpus = 2\nkernel = \"6.10\"\n");
    REQUIRE(v610.value);
    CHECK(v610.value->alloc_end == 235);
    const auto v69 = parse_workload("[machine]\ncpus = 2\nkernel = \"6.9\"\n");
    REQUIRE(v69.value);
    CHECK(v69.value->alloc_end == 236);
    const auto v515 = parse_workload("[machine]\ncpus = 2\nkernel = \"5.15\"\n");
    REQUIRE(v515.value);
    const auto& sys = v515.value->system_vectors;
    // Before 6.6: the cleanup vector 0x20 and int80 are system vectors too.
    CHECK(std::find(sys.begin(), sys.end(), 0x20u) != sys.end());
    CHECK(std::find(sys.begin(), sys.end(), 0x80u) != sys.end());
    const auto& sys610 = v610.value->system_vectors;
    CHECK(std::find(sys610.begin(), sys610.end(), 0x80u) == sys610.end());
    CHECK(std::find(sys610.begin(), sys610.end(), 0x32u) != sys610.end());
    CHECK(sys610.size() == 38);  // as the 6.10 dump of the kernel spec counts them
}

TEST_CASE("explicit geometry and system vectors override the defaults", "[lab][workload]") {
    const auto p = parse_workload(
        "[machine]\ncpus = 4\nalloc_start = 32\nalloc_end = 96\nsystem_vectors = \"none\"\n"
        "legacy_isa = false\n");
    REQUIRE(p.value);
    CHECK(p.value->alloc_end == 96);
    CHECK(p.value->system_vectors.empty());
    CHECK_FALSE(p.value->legacy_isa);
}

TEST_CASE("workload errors name the line and the problem", "[lab][workload]") {
    CHECK(error_of("") == "line 1: a [machine] table is required");
    CHECK(error_of("[machine]\ncpus = 0\n").find("cpus must be 1..8192") != std::string::npos);
    CHECK(error_of("[machine]\ncpus = 4\ncolour = 1\n").find("line 3: unknown key 'colour'") !=
          std::string::npos);
    CHECK(error_of(
              "[machine]\ncpus = 4\n[[devices]]\nname = \"x\"\nkind = \"multi_msi\"\nvectors = 3\n")
              .find("2, 4, 8, 16 or 32") != std::string::npos);
    CHECK(
        error_of(
            "[machine]\ncpus = 4\n[[devices]]\nname = \"x\"\nkind = \"msix\"\naffinity = \"0-9\"\n")
            .find("not a CPU list of this machine") != std::string::npos);
    CHECK(error_of("[machine]\ncpus = 4\n[simulation]\npolicies = [\"worst_fit\"]\n")
              .find("unknown policy") != std::string::npos);
    CHECK(
        error_of("[machine]\ncpus = 4\n[[events]]\nat = 5\naction = \"reload\"\ndevice = \"gpu\"\n")
            .find("no device class 'gpu'") != std::string::npos);
    CHECK(error_of("[machine\n").rfind("line 1: ", 0) == 0);  // toml++'s own message, with the line
    CHECK(error_of("[machine]\nkernel = \"six\"\n").find("kernel must be a version") !=
          std::string::npos);
}
