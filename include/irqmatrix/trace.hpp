// SPDX-License-Identifier: MIT
// The operation trace format (docs/trace-format.md, version 1): lexing
// a line, a session that runs operations (the table of operations.hpp) on a
// matrix of the capacity its header asks for, and replaying a whole trace in
// print or check mode, or printing the irq_matrix events it emits. This is what the `irqmatrix replay` tool and the golden
// tests run; it allocates freely (strings), unlike the matrix itself.
//
// A line is `OPERATION ARGS... [=> EXPECTED] [# comment]`. Numbers are decimal
// or 0x-hexadecimal, CPU lists use the cpulist syntax ("0-3,8", "none"), and a
// result is either non-negative values separated by one blank or a negative
// errno. A line that does not parse, an unknown operation, or any operation
// before a successful `matrix` header gives -22 and the replay goes on.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>  // std::visit
#include <vector>

#include "any_planner.hpp"
#include "cpuset.hpp"
#include "dump.hpp"
#include "events.hpp"
#include "matrix.hpp"
#include "operations.hpp"
#include "result.hpp"
#include "text.hpp"

IRQMATRIX_BEGIN_NAMESPACE

namespace trace {

/// One line split into its parts: the operation's words (comment dropped,
/// blanks normalised) and, after `=>`, the expected result's words.
struct line_parts {
    std::vector<std::string_view> words;
    std::vector<std::string_view> expected;
    bool has_expected = false;
    bool blank() const noexcept { return words.empty() && !has_expected; }
};

/// Splits a raw line (without its newline). The views point into `raw`.
inline line_parts split_line(std::string_view raw) {
    line_parts parts;
    if (const auto hash = raw.find('#'); hash != std::string_view::npos) raw = raw.substr(0, hash);
    const auto arrow = raw.find("=>");
    parts.words = ::irqmatrix::detail::split_words(raw.substr(0, arrow));
    if (arrow != std::string_view::npos) {
        parts.has_expected = true;
        parts.expected = ::irqmatrix::detail::split_words(raw.substr(arrow + 2));
    }
    return parts;
}

inline std::string join(const std::vector<std::string_view>& words) {
    std::string out;
    for (const auto w : words) {
        if (!out.empty()) out += ' ';
        out += w;
    }
    return out;
}

namespace detail {
/// Canonical form of an expected or produced result word, so that "0x20"
/// and "32" compare equal; words that are not numbers compare as text.
inline std::string canonical_word(std::string_view w) {
    const bool negative = !w.empty() && w[0] == '-';
    const auto n = parse_number(negative ? w.substr(1) : w);
    if (!n) return std::string(w);
    std::string out(negative && *n != 0 ? "-" : "");
    out += std::to_string(*n);
    return out;
}
}  // namespace detail

inline bool results_match(const std::vector<std::string_view>& expected, const std::string& got) {
    const auto got_words = ::irqmatrix::detail::split_words(got);
    if (expected.size() != got_words.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i)
        if (detail::canonical_word(expected[i]) != detail::canonical_word(got_words[i]))
            return false;
    return true;
}

/// The one loop over a trace's lines (the replay tool, the lab's loading of
/// a machine state and the simulator's start state all read traces through
/// it): reads `in` line by line, skips blank and comment-only lines, and
/// calls on_line(number, parts) for each other line, `number` counting from
/// 1; on_line returns false to stop. Returns the number of the last line
/// read (0 for an empty input).
template <class OnLine>
unsigned for_each_line(std::istream& in, OnLine&& on_line) {
    std::string raw;
    unsigned number = 0;
    while (std::getline(in, raw)) {
        ++number;
        const line_parts parts = split_line(raw);
        if (!parts.blank() && !on_line(number, parts)) break;
    }
    return number;
}

/// The state of a replay: no matrix until a `matrix` header succeeds, then
/// one of the supported capacities (256 for up to 256 bits, 2048 above).
class session {
public:
    // Planners, so that the planning operations work; visit() shows their
    // matrices.
    using small_matrix = small_planner;
    using large_matrix = large_planner;

    /// Runs one operation given as its words (the first is the operation).
    outcome run(const std::vector<std::string_view>& words) {
        if (words.empty()) return outcome::of_error(errc::invalid);
        const op_signature* sig = find_signature(words[0]);
        if (!sig) return outcome::of_error(errc::invalid);
        const unsigned nr_cpus = visit([](const auto& m) { return m.nr_cpus(); }, max_cpus);
        auto args = parse_arguments(sig->args, words, nr_cpus);
        if (!args) return outcome::of_error(args.error());
        if (sig->scope == op_scope::header) return create(args->num);
        if (!state_) return outcome::of_error(errc::invalid);
        return std::visit([&](auto& m) { return execute(m, sig->id, *args); }, *state_);
    }

    bool has_matrix() const noexcept { return state_.has_value(); }

    /// Attaches an observer (events.hpp) to the session's matrix, now and
    /// when the `matrix` header creates it; an empty one detaches.
    void set_observer(matrix_observer o) noexcept {
        observer_ = o;
        if (state_) std::visit([&](auto& m) { m.set_observer(o); }, *state_);
    }
    matrix_observer observer() const noexcept { return observer_; }

    /// Calls f(matrix) on the current matrix, or returns `otherwise` if none.
    template <class F, class R>
    R visit(F&& f, R otherwise) const {
        if (!state_) return otherwise;
        return std::visit([&](const auto& m) -> R { return f(m.matrix()); }, *state_);
    }

    /// Calls f(planner) on the current planner, or returns `otherwise`.
    template <class F, class R>
    R visit_planner(F&& f, R otherwise) const {
        if (!state_) return otherwise;
        return std::visit([&](const auto& m) -> R { return f(m); }, *state_);
    }

private:
    outcome create(const std::array<unsigned, 4>& n) {
        // A trace has one header; a second `matrix` line is malformed.
        if (has_matrix()) return outcome::of_error(errc::invalid);
        auto m = create_any_planner(n[0], n[1], n[2], n[3]);
        if (!m) return outcome::of_error(m.error());
        state_.emplace(std::move(*m));
        set_observer(observer_);  // a new matrix starts unobserved
        return outcome::of({0});
    }

    std::optional<any_planner> state_;
    matrix_observer observer_;
};

struct replay_options {
    bool check = false;           ///< compare with the `=>` results instead of printing
    std::string_view name = "-";  ///< the file name used in mismatch reports
    /// Print mode only: write the events the operations emit (events.hpp),
    /// one line each in the kernel's TP_printk form, instead of the
    /// operations and their results.
    bool events = false;
};

struct replay_summary {
    unsigned operations = 0;
    unsigned checked = 0;
    unsigned mismatches = 0;
};

/// Writes each event it hears to a stream as one line, "irq_matrix_xxx: "
/// and the kernel's TP_printk text (what `replay --events` prints).
class event_printer {
public:
    explicit event_printer(std::ostream& out) : out_(out) {}
    void operator()(const matrix_event& e) {
        line_.clear();
        append_event(line_, e);
        line_ += '\n';
        out_ << line_;
    }

private:
    std::ostream& out_;
    std::string line_;  // reused: one allocation for the whole replay
};

/// Replays a trace. Print mode writes every operation back followed by
/// " => RESULT", or with opt.events the events the operations emit; check
/// mode writes one report line per mismatch:
/// "NAME:LINE: OPERATION => expected EXPECTED, got RESULT".
inline replay_summary replay(std::istream& in, std::ostream& out, const replay_options& opt,
                             session* state = nullptr) {
    session local;
    session& s = state ? *state : local;
    const bool events = opt.events && !opt.check;
    event_printer printer(out);
    // The printer is attached for this replay only: a caller's session gets
    // its own observer back however the replay ends.
    struct attachment {
        session& s;
        matrix_observer before;
        ~attachment() { s.set_observer(before); }
    } restore{s, s.observer()};
    if (events) s.set_observer(observe(printer));
    replay_summary sum;
    for_each_line(in, [&](unsigned number, const line_parts& parts) {
        ++sum.operations;
        const std::string op = join(parts.words);
        const std::string got = s.run(parts.words).text();
        if (events) return true;  // the printer has written them
        if (!opt.check) {
            out << op << (op.empty() ? "" : " ") << "=> " << got << '\n';
        } else if (parts.has_expected) {
            ++sum.checked;
            if (!results_match(parts.expected, got)) {
                ++sum.mismatches;
                out << opt.name << ':' << number << ": " << op << " => expected "
                    << join(parts.expected) << ", got " << got << '\n';
            }
        }
        return true;
    });
    return sum;
}

}  // namespace trace

IRQMATRIX_END_NAMESPACE
