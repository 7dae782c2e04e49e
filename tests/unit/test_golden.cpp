// SPDX-License-Identifier: MIT
// Every golden trace (results produced by the real kernel allocator) must
// replay with no mismatch. The folder comes from IRQMATRIX_GOLDEN_DIR; a
// missing or empty folder fails the test instead of passing vacuously.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <irqmatrix/trace.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

TEST_CASE("every golden kernel trace replays with identical results", "[golden]") {
    unsigned checked = 0;
    for (const auto& path : test::golden_traces()) {
        std::ifstream in(path);
        REQUIRE(in);
        std::ostringstream report;
        irqmatrix::trace::replay_options opt;
        opt.check = true;
        const std::string name = path.filename().string();
        opt.name = name;
        const auto sum = irqmatrix::trace::replay(in, report, opt);
        INFO(report.str());
        CHECK(sum.mismatches == 0);
        CHECK(sum.checked > 0);
        checked += sum.checked;
    }
    CHECK(checked >= 1000);  // the ten shipped traces hold 1056 results
}

TEST_CASE("a golden trace's final state satisfies every invariant", "[golden]") {
    for (const auto& path : test::golden_traces()) {
        std::ifstream in(path);
        std::ostringstream sink;
        irqmatrix::trace::session session;
        irqmatrix::trace::replay(in, sink, {}, &session);
        const std::string violation =
            session.visit([](const auto& m) { return m.verify(); }, std::string("no matrix"));
        INFO(path.filename().string() << ": " << violation);
        CHECK(violation.empty());
    }
}
