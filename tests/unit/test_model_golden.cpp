// SPDX-License-Identifier: MIT
// Validates the naive reference model (tests/model/naive_matrix.hpp) against
// the real kernel: every golden trace in IRQMATRIX_GOLDEN_DIR is replayed on
// the model, through a small line interpreter of its own (no irqmatrix code
// involved), and every `=> RESULT` must match. A missing or empty folder
// fails the test instead of passing vacuously.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "model/naive_matrix.hpp"
#include "support/catch.hpp"
#include "support/helpers.hpp"

namespace fs = std::filesystem;
using irqmatrix_model::naive_matrix;

namespace {

std::vector<std::string> words_of(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    std::string w;
    while (in >> w) words.push_back(w);
    return words;
}

// A decimal or 0x-hexadecimal number that fills the word and fits 32 bits.
std::optional<unsigned> number(const std::string& w) {
    std::string digits = w;
    unsigned radix = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits = digits.substr(2);
        radix = 16;
    }
    if (digits.empty()) return std::nullopt;
    unsigned long long value = 0;
    for (char ch : digits) {
        unsigned d = 0;
        if (ch >= '0' && ch <= '9')
            d = static_cast<unsigned>(ch - '0');
        else if (radix == 16 && ch >= 'a' && ch <= 'f')
            d = static_cast<unsigned>(ch - 'a') + 10;
        else if (radix == 16 && ch >= 'A' && ch <= 'F')
            d = static_cast<unsigned>(ch - 'A') + 10;
        else
            return std::nullopt;
        value = value * radix + d;
        if (value > 0xffffffffull) return std::nullopt;
    }
    return static_cast<unsigned>(value);
}

// A cpulist ("0-3,8", "none"). CPUs out of range are kept: the model refuses them.
std::optional<std::vector<unsigned>> cpulist(const std::string& w) {
    std::vector<unsigned> cpus;
    if (w == "none") return cpus;
    std::string item;
    std::istringstream in(w);
    while (std::getline(in, item, ',')) {
        const auto dash = item.find('-');
        const auto lo = number(item.substr(0, dash));
        const auto hi = dash == std::string::npos ? lo : number(item.substr(dash + 1));
        if (!lo || !hi || *lo > *hi || *hi - *lo > 1000000u) return std::nullopt;
        for (unsigned c = *lo;; ++c) {
            cpus.push_back(c);
            if (c == *hi) break;
        }
    }
    if (cpus.empty() || w.back() == ',') return std::nullopt;
    return cpus;
}

// The result text of a pick: "CPU BASE" or the errno.
std::string text(const irqmatrix_model::pick& p) {
    if (p.err != 0) return std::to_string(p.err);
    return std::to_string(p.cpu) + " " + std::to_string(p.base);
}

// One trace being replayed on the model.
class interpreter {
public:
    // Runs one operation given as its words; returns the result text.
    std::string run(const std::vector<std::string>& w) {
        const std::string bad = std::to_string(irqmatrix_model::err_invalid);
        if (w.empty()) return bad;
        const std::string& op = w[0];
        // Arguments: 'n' number, 'f' flag, 'l' CPU list.
        std::string kinds;
        if (op == "matrix")
            kinds = "nnnn";
        else if (op == "online" || op == "offline" || op == "allocated" || op == "cpu")
            kinds = "n";
        else if (op == "assign_system" || op == "free")
            kinds = "nnf";
        else if (op == "reserve_managed" || op == "remove_managed" || op == "alloc_managed")
            kinds = "l";
        else if (op == "assign")
            kinds = "nn";
        else if (op == "reserve" || op == "remove_reserved" || op == "reserved" || op == "stats")
            kinds = "";
        else if (op == "alloc")
            kinds = "lf";
        else if (op == "available")
            kinds = "nf";
        else if (op == "alloc_block")
            kinds = "lnf";
        else if (op == "free_block")
            kinds = "nnnf";
        else if (op == "reserve_managed_block" || op == "remove_managed_block" ||
                 op == "alloc_managed_block")
            kinds = "ln";
        else
            return bad;
        if (w.size() != kinds.size() + 1) return bad;
        std::vector<unsigned> n;
        std::vector<unsigned> cpus;
        for (std::size_t i = 0; i < kinds.size(); ++i) {
            if (kinds[i] == 'l') {
                const auto l = cpulist(w[i + 1]);
                if (!l) return bad;
                cpus = *l;
            } else {
                const auto v = number(w[i + 1]);
                if (!v || (kinds[i] == 'f' && *v > 1)) return bad;
                n.push_back(*v);
            }
        }
        if (op == "matrix") {
            if (m_ || n[0] < 1 || n[1] > n[2] || n[2] > n[0] || n[3] < 1) return bad;
            m_.emplace(n[0], n[1], n[2], n[3]);
            return "0";
        }
        if (!m_) return bad;
        naive_matrix& m = *m_;
        if (op == "online") return std::to_string(m.online(n[0]));
        if (op == "offline") return std::to_string(m.offline(n[0]));
        if (op == "assign_system") return std::to_string(m.assign_system(n[0], n[1], n[2] != 0));
        if (op == "reserve_managed") return std::to_string(m.reserve_managed(cpus));
        if (op == "remove_managed") return std::to_string(m.remove_managed(cpus));
        if (op == "alloc_managed") return text(m.alloc_managed(cpus));
        if (op == "assign") return std::to_string(m.assign(n[0], n[1]));
        if (op == "reserve") {
            m.reserve();
            return "0";
        }
        if (op == "remove_reserved") return std::to_string(m.remove_reserved());
        if (op == "alloc") return text(m.alloc(cpus, n[0] != 0));
        if (op == "free") return std::to_string(m.free(n[0], n[1], n[2] != 0));
        if (op == "available") return std::to_string(m.available(n[0], n[1] != 0));
        if (op == "reserved") return std::to_string(m.reserved());
        if (op == "allocated") return std::to_string(m.allocated(n[0]));
        if (op == "stats")
            return std::to_string(m.online_maps()) + " " + std::to_string(m.global_available()) +
                   " " + std::to_string(m.global_reserved()) + " " +
                   std::to_string(m.total_allocated());
        if (op == "cpu") {
            if (n[0] >= m.nr_cpus()) return bad;
            const auto& c = m.cpu(n[0]);
            return std::string(c.online ? "1" : "0") + " " + std::to_string(c.available) + " " +
                   std::to_string(c.allocated) + " " + std::to_string(c.managed) + " " +
                   std::to_string(c.managed_allocated);
        }
        if (op == "alloc_block") return text(m.alloc_block(cpus, n[0], n[1] != 0));
        if (op == "free_block") return std::to_string(m.free_block(n[0], n[1], n[2], n[3] != 0));
        if (op == "reserve_managed_block")
            return std::to_string(m.reserve_managed_block(cpus, n[0]));
        if (op == "remove_managed_block") return std::to_string(m.remove_managed_block(cpus, n[0]));
        return text(m.alloc_managed_block(cpus, n[0]));
    }

private:
    std::optional<naive_matrix> m_;
};

// Expected and produced results compare word by word, numbers by value.
std::string canonical(const std::string& w) {
    const bool negative = !w.empty() && w[0] == '-';
    const auto v = number(negative ? w.substr(1) : w);
    if (!v) return w;
    return (negative && *v != 0 ? "-" : "") + std::to_string(*v);
}

bool same_result(const std::vector<std::string>& expected, const std::string& got) {
    const auto g = words_of(got);
    if (g.size() != expected.size()) return false;
    for (std::size_t i = 0; i < g.size(); ++i)
        if (canonical(expected[i]) != canonical(g[i])) return false;
    return true;
}

}  // namespace

TEST_CASE("the naive model reproduces every golden kernel trace", "[golden][model]") {
    unsigned checked = 0;
    for (const auto& path : test::golden_traces()) {
        std::ifstream in(path);
        REQUIRE(in);
        interpreter interp;
        std::string report;
        unsigned checked_here = 0;
        std::string raw;
        for (unsigned line = 1; std::getline(in, raw); ++line) {
            if (const auto hash = raw.find('#'); hash != std::string::npos) raw.erase(hash);
            const auto arrow = raw.find("=>");
            const auto words = words_of(raw.substr(0, arrow));
            if (words.empty() && arrow == std::string::npos) continue;
            const std::string got = interp.run(words);
            if (arrow == std::string::npos) continue;
            const auto expected = words_of(raw.substr(arrow + 2));
            ++checked_here;
            if (!same_result(expected, got))
                report += path.filename().string() + ":" + std::to_string(line) + ": " +
                          raw.substr(0, arrow) + "=> expected " + raw.substr(arrow + 2) +
                          ", model gives " + got + "\n";
        }
        INFO(report);
        CHECK(report.empty());
        CHECK(checked_here > 0);
        checked += checked_here;
    }
    CHECK(checked >= 1000);  // the ten shipped traces hold 1056 results
}
