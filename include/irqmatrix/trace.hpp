// SPDX-License-Identifier: MIT
// The operation trace format (docs/trace-format.md, version 1): lexing
// a line, running one operation on a matrix, and replaying a whole trace in
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
#include <variant>
#include <vector>

#include "cpuset.hpp"
#include "dump.hpp"
#include "events.hpp"
#include "matrix.hpp"
#include "planner.hpp"
#include "result.hpp"

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

inline std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                                   text[i] == '\v' || text[i] == '\f'))
            ++i;
        const std::size_t start = i;
        while (i < text.size() && !(text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                                    text[i] == '\v' || text[i] == '\f'))
            ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

/// Splits a raw line (without its newline). The views point into `raw`.
inline line_parts split_line(std::string_view raw) {
    line_parts parts;
    if (const auto hash = raw.find('#'); hash != std::string_view::npos) raw = raw.substr(0, hash);
    const auto arrow = raw.find("=>");
    parts.words = split_words(raw.substr(0, arrow));
    if (arrow != std::string_view::npos) {
        parts.has_expected = true;
        parts.expected = split_words(raw.substr(arrow + 2));
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

/// The outcome of one operation: up to five values, or a negative errno.
struct outcome {
    int error = 0;  ///< 0, or a negative errno
    unsigned count = 0;
    std::array<unsigned, 5> values{};

    static outcome of_error(errc e) noexcept { return {to_errno(e), 0, {}}; }
    static outcome of(std::initializer_list<unsigned> vs) noexcept {
        outcome o;
        for (unsigned v : vs) o.values[o.count++] = v;
        return o;
    }
    std::string text() const {
        if (error) return std::to_string(error);
        std::string out;
        for (unsigned i = 0; i < count; ++i) {
            if (i) out += ' ';
            out += std::to_string(values[i]);
        }
        return out;
    }
};

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

inline bool results_match(const std::vector<std::string_view>& expected, const std::string& got) {
    const auto got_words = split_words(got);
    if (expected.size() != got_words.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i)
        if (canonical_word(expected[i]) != canonical_word(got_words[i])) return false;
    return true;
}

/// The argument kinds an operation takes, one letter each:
/// n = number, f = flag (0 or 1), l = CPU list.
struct op_signature {
    std::string_view name;
    std::string_view args;
};

inline constexpr op_signature signatures[] = {
    {"matrix", "nnnn"},
    {"online", "n"},
    {"offline", "n"},
    {"assign_system", "nnf"},
    {"reserve_managed", "l"},
    {"remove_managed", "l"},
    {"alloc_managed", "l"},
    {"assign", "nn"},
    {"reserve", ""},
    {"remove_reserved", ""},
    {"alloc", "lf"},
    {"free", "nnf"},
    {"available", "nf"},
    {"reserved", ""},
    {"allocated", "n"},
    {"stats", ""},
    {"cpu", "n"},
    {"alloc_block", "lnf"},
    {"free_block", "nnnf"},
    {"reserve_managed_block", "ln"},
    {"remove_managed_block", "ln"},
    {"alloc_managed_block", "ln"},
    // planning operations (planner.hpp)
    {"largest_order", "l"},
    {"reserve_block", "n"},
    {"remove_reserved_block", "n"},
    {"alloc_reserved_block", "ln"},
    {"can_offline", "n"},
    {"evacuate", "n"},
    {"move_block", "nnl"},
    {"pin", "nn"},
    {"unpin", "nn"},
};

/// The signature of an operation, or nullptr if there is no such operation.
inline const op_signature* find_signature(std::string_view name) noexcept {
    for (const auto& s : signatures)
        if (s.name == name) return &s;
    return nullptr;
}

/// Parsed arguments, in order: numbers and flags in `num`, a CPU list in `cpus`.
struct arguments {
    std::array<unsigned, 4> num{};
    cpu_set cpus;
};

/// Checks the words against the operation's signature and parses them;
/// CPU lists are parsed for nr_cpus CPUs. errc::invalid when they do not fit.
inline result<arguments> parse_arguments(std::string_view kinds,
                                         const std::vector<std::string_view>& words,
                                         unsigned nr_cpus) {
    if (words.size() != kinds.size() + 1) return fail(errc::invalid);
    arguments a;
    unsigned n = 0;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        const std::string_view w = words[i + 1];
        if (kinds[i] == 'l') {
            auto cpus = parse_cpulist(w, nr_cpus);
            if (!cpus) return fail(errc::invalid);
            a.cpus = std::move(*cpus);
            continue;
        }
        const auto v = parse_number(w);
        if (!v || (kinds[i] == 'f' && *v > 1)) return fail(errc::invalid);
        a.num[n++] = *v;
    }
    return a;
}

template <class T>
outcome to_outcome(const result<T>& r) {
    if (!r) return outcome::of_error(r.error());
    if constexpr (std::is_same_v<T, void>) {
        return outcome::of({0});
    } else if constexpr (std::is_same_v<T, placement>) {
        return outcome::of({r->cpu, r->base});
    } else {
        return outcome::of({static_cast<unsigned>(*r)});
    }
}

/// Runs one operation (other than `matrix`) on a matrix.
template <class Matrix>
outcome execute(Matrix& m, std::string_view name, const arguments& a) {
    const auto& n = a.num;
    const cpu_span cpus = a.cpus;
    if (name == "online") return to_outcome(m.online(n[0]));
    if (name == "offline") return to_outcome(m.offline(n[0]));
    if (name == "assign_system") return to_outcome(m.assign_system(n[0], n[1], n[2] != 0));
    if (name == "reserve_managed") return to_outcome(m.reserve_managed(cpus));
    if (name == "remove_managed") return to_outcome(m.remove_managed(cpus));
    if (name == "alloc_managed") return to_outcome(m.alloc_managed(cpus));
    if (name == "assign") return to_outcome(m.assign(n[0], n[1]));
    if (name == "reserve") {
        m.reserve();
        return outcome::of({0});
    }
    if (name == "remove_reserved") return to_outcome(m.remove_reserved());
    if (name == "alloc") return to_outcome(m.alloc(cpus, n[0] != 0));
    if (name == "free") return to_outcome(m.free(n[0], n[1], n[2] != 0));
    if (name == "available") return to_outcome(m.available(n[0], n[1] != 0));
    if (name == "reserved") return outcome::of({m.reserved()});
    if (name == "allocated") return to_outcome(m.allocated(n[0]));
    if (name == "stats") {
        const auto s = m.stats();
        return outcome::of({s.online_maps, s.global_available, s.global_reserved, s.total_allocated});
    }
    if (name == "cpu") {
        const auto c = m.cpu(n[0]);
        if (!c) return outcome::of_error(c.error());
        return outcome::of({c->online ? 1u : 0u, c->available, c->allocated, c->managed,
                            c->managed_allocated});
    }
    if (name == "alloc_block") return to_outcome(m.alloc_block(cpus, n[0], n[1] != 0));
    if (name == "free_block") return to_outcome(m.free_block(n[0], n[1], n[2], n[3] != 0));
    if (name == "reserve_managed_block") return to_outcome(m.reserve_managed_block(cpus, n[0]));
    if (name == "remove_managed_block") return to_outcome(m.remove_managed_block(cpus, n[0]));
    if (name == "alloc_managed_block") return to_outcome(m.alloc_managed_block(cpus, n[0]));
    // The planning operations need a planner; on a bare matrix they are
    // operations it does not have.
    if constexpr (requires { m.largest_order(cpus); }) {
        if (name == "largest_order") return to_outcome(m.largest_order(cpus));
        if (name == "reserve_block") return to_outcome(m.reserve_block(n[0]));
        if (name == "remove_reserved_block") return to_outcome(m.remove_reserved_block(n[0]));
        if (name == "alloc_reserved_block") return to_outcome(m.alloc_reserved_block(cpus, n[0]));
        if (name == "can_offline") return to_outcome(m.can_offline(n[0]));
        if (name == "evacuate") return to_outcome(m.evacuate(n[0]));
        if (name == "move_block") return to_outcome(m.move_block(n[0], n[1], cpus));
        if (name == "pin") return to_outcome(m.pin(n[0], n[1]));
        if (name == "unpin") return to_outcome(m.unpin(n[0], n[1]));
    }
    return outcome::of_error(errc::invalid);
}

/// The state of a replay: no matrix until a `matrix` header succeeds, then
/// one of the supported capacities (256 for up to 256 bits, 2048 above).
class session {
public:
    // Planners, so that the planning operations work; visit() shows their
    // matrices.
    using small_matrix = basic_planner<256>;
    using large_matrix = basic_planner<2048>;

    /// Runs one operation given as its words (the first is the operation).
    outcome run(const std::vector<std::string_view>& words) {
        if (words.empty()) return outcome::of_error(errc::invalid);
        const op_signature* sig = find_signature(words[0]);
        if (!sig) return outcome::of_error(errc::invalid);
        const unsigned nr_cpus = visit([](const auto& m) { return m.nr_cpus(); }, max_cpus);
        auto args = parse_arguments(sig->args, words, nr_cpus);
        if (!args) return outcome::of_error(args.error());
        if (sig->name == "matrix") return create(args->num);
        if (std::holds_alternative<std::monostate>(state_)) return outcome::of_error(errc::invalid);
        return std::visit(
            [&](auto& m) -> outcome {
                if constexpr (std::is_same_v<std::decay_t<decltype(m)>, std::monostate>)
                    return outcome::of_error(errc::invalid);
                else
                    return execute(m, sig->name, *args);
            },
            state_);
    }

    bool has_matrix() const noexcept { return !std::holds_alternative<std::monostate>(state_); }

    /// Attaches an observer (events.hpp) to the session's matrix, now and
    /// when the `matrix` header creates it; an empty one detaches.
    void set_observer(matrix_observer o) noexcept {
        observer_ = o;
        std::visit(
            [&](auto& m) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(m)>, std::monostate>)
                    m.set_observer(o);
            },
            state_);
    }
    matrix_observer observer() const noexcept { return observer_; }

    /// Calls f(matrix) on the current matrix, or returns `otherwise` if none.
    template <class F, class R>
    R visit(F&& f, R otherwise) const {
        if (const auto* m = std::get_if<small_matrix>(&state_)) return f(m->matrix());
        if (const auto* m = std::get_if<large_matrix>(&state_)) return f(m->matrix());
        return otherwise;
    }

    /// Calls f(planner) on the current planner, or returns `otherwise`.
    template <class F, class R>
    R visit_planner(F&& f, R otherwise) const {
        if (const auto* m = std::get_if<small_matrix>(&state_)) return f(*m);
        if (const auto* m = std::get_if<large_matrix>(&state_)) return f(*m);
        return otherwise;
    }

private:
    outcome create(const std::array<unsigned, 4>& n) {
        // A trace has one header; a second `matrix` line is malformed.
        if (has_matrix()) return outcome::of_error(errc::invalid);
        if (n[0] <= small_matrix::capacity) {
            auto m = small_matrix::create(n[0], n[1], n[2], n[3]);
            if (!m) return outcome::of_error(m.error());
            state_ = std::move(*m);
        } else {
            auto m = large_matrix::create(n[0], n[1], n[2], n[3]);
            if (!m) return outcome::of_error(m.error());
            state_ = std::move(*m);
        }
        set_observer(observer_);  // a new matrix starts unobserved
        return outcome::of({0});
    }

    std::variant<std::monostate, small_matrix, large_matrix> state_;
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
    std::string raw;
    for (unsigned number = 1; std::getline(in, raw); ++number) {
        const line_parts parts = split_line(raw);
        if (parts.blank()) continue;
        ++sum.operations;
        const std::string op = join(parts.words);
        const std::string got = s.run(parts.words).text();
        if (events) continue;  // the printer has written them
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
    }
    return sum;
}

}  // namespace trace

IRQMATRIX_END_NAMESPACE
