// SPDX-License-Identifier: MIT
// The table of trace operations (docs/trace-format.md): every operation once,
// with its name, the kinds of its arguments, the kind of its result, whether
// it needs a planner, and the call that runs it on a matrix or planner.
//
// Everything that knows the operation list reads it from here: the trace
// parser and replay (trace.hpp), the fuzz decoder and the differential
// harnesses (operation ids, argument kinds, trace text). Adding an operation
// is one row here plus the member function the row calls.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpuset.hpp"
#include "matrix.hpp"
#include "metrics.hpp"
#include "planner.hpp"
#include "result.hpp"

IRQMATRIX_BEGIN_NAMESPACE

namespace trace {

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
    friend bool operator==(const outcome& a, const outcome& b) noexcept {
        if (a.error != b.error || a.count != b.count) return false;
        for (unsigned i = 0; i < a.count; ++i)
            if (a.values[i] != b.values[i]) return false;
        return true;
    }
};

/// Parsed arguments, in order: numbers and flags in `num`, a CPU list in `cpus`.
struct arguments {
    std::array<unsigned, 4> num{};
    cpu_set cpus;
};

/// The argument kinds, one letter each in a signature's `args`.
namespace arg_kind {
inline constexpr char number = 'n';  ///< a decimal or 0x number
inline constexpr char flag = 'f';    ///< 0 or 1
inline constexpr char cpus = 'l';    ///< a CPU list ("0-3,8", "none")
}  // namespace arg_kind

/// What an operation's result holds.
enum class result_kind : std::uint8_t {
    status,     ///< 0 or -errno
    count,      ///< one value or -errno
    placement,  ///< CPU BASE or -errno
    counters,   ///< several counters (stats, cpu) or -errno
};

/// What an operation runs on.
enum class op_scope : std::uint8_t {
    header,   ///< the `matrix` line, which creates the matrix (trace::session)
    matrix,   ///< a kernel, inspection or block operation: any matrix or planner
    planner,  ///< a planning operation: a planner only
};

/// The kind of an argument, from its role: `cpus` is a CPU list; `replace`,
/// `reserved`, `managed` and `cpudown` are flags; every other role (`cpu`,
/// `bit`, `base`, `order`, the header's four) is a number.
constexpr char kind_of_role(std::string_view role) noexcept {
    if (role == "cpus") return arg_kind::cpus;
    if (role == "replace" || role == "reserved" || role == "managed" || role == "cpudown")
        return arg_kind::flag;
    return arg_kind::number;
}

/// Calls f(role) for each role of a blank-separated role list.
template <class F>
constexpr void for_each_role(std::string_view roles, F&& f) {
    while (!roles.empty()) {
        const std::size_t blank = roles.find(' ');
        f(roles.substr(0, blank));
        roles.remove_prefix(blank == std::string_view::npos ? roles.size() : blank + 1);
    }
}

/// One row of the table: the name, the roles of the arguments in trace
/// order (blank-separated; see kind_of_role()), the result, the scope, and
/// `call(m, args)`, which runs the operation on m and returns what the
/// member function returns (to_outcome() makes it a result). In `args`,
/// numbers and flags are num[0], num[1], ... in trace order, a CPU list is
/// `cpus`.
template <class Call>
struct operation {
    std::string_view name;
    std::string_view roles;
    result_kind result;
    op_scope scope;
    Call call;
};
template <class Call>
operation(std::string_view, std::string_view, result_kind, op_scope, Call) -> operation<Call>;

/// The header row runs nothing: trace::session creates the matrix.
struct no_call {};

/// The matrix under a planner, or the matrix itself: for the rows whose
/// call reads the matrix.
template <class M>
const auto& matrix_of(const M& m) noexcept {
    if constexpr (requires { m.matrix(); })
        return m.matrix();
    else
        return m;
}

// The rows, in the order of docs/trace-format.md. An operation's id is its
// index here (id_of("name")).
inline constexpr std::tuple operations{
    operation{"matrix", "bits alloc_start alloc_end nr_cpus", result_kind::status, op_scope::header,
              no_call{}},
    // kernel operations
    operation{"online", "cpu", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.online(a.num[0]); }},
    operation{"offline", "cpu", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.offline(a.num[0]); }},
    operation{"assign_system", "cpu bit replace", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments& a) {
                  return m.assign_system(a.num[0], a.num[1], a.num[2] != 0);
              }},
    operation{"reserve_managed", "cpus", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.reserve_managed(a.cpus); }},
    operation{"remove_managed", "cpus", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.remove_managed(a.cpus); }},
    operation{"alloc_managed", "cpus", result_kind::placement, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.alloc_managed(a.cpus); }},
    operation{"assign", "cpu bit", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.assign(a.num[0], a.num[1]); }},
    operation{"reserve", "", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments&) {
                  m.reserve();
                  return status{};
              }},
    operation{"remove_reserved", "", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments&) { return m.remove_reserved(); }},
    operation{"alloc", "cpus reserved", result_kind::placement, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.alloc(a.cpus, a.num[0] != 0); }},
    operation{
        "free", "cpu bit managed", result_kind::status, op_scope::matrix,
        [](auto& m, const arguments& a) { return m.free(a.num[0], a.num[1], a.num[2] != 0); }},
    operation{"available", "cpu cpudown", result_kind::count, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.available(a.num[0], a.num[1] != 0); }},
    operation{"reserved", "", result_kind::count, op_scope::matrix,
              [](auto& m, const arguments&) { return m.reserved(); }},
    operation{"allocated", "cpu", result_kind::count, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.allocated(a.num[0]); }},
    // inspection operations
    operation{"stats", "", result_kind::counters, op_scope::matrix,
              [](auto& m, const arguments&) { return m.stats(); }},
    operation{"cpu", "cpu", result_kind::counters, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.cpu(a.num[0]); }},
    operation{
        "free_blocks", "cpu order", result_kind::count, op_scope::matrix,
        [](auto& m, const arguments& a) { return free_blocks(matrix_of(m), a.num[0], a.num[1]); }},
    // block operations
    operation{
        "alloc_block", "cpus order reserved", result_kind::placement, op_scope::matrix,
        [](auto& m, const arguments& a) { return m.alloc_block(a.cpus, a.num[0], a.num[1] != 0); }},
    operation{"free_block", "cpu base order managed", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments& a) {
                  return m.free_block(a.num[0], a.num[1], a.num[2], a.num[3] != 0);
              }},
    operation{
        "reserve_managed_block", "cpus order", result_kind::status, op_scope::matrix,
        [](auto& m, const arguments& a) { return m.reserve_managed_block(a.cpus, a.num[0]); }},
    operation{"remove_managed_block", "cpus order", result_kind::status, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.remove_managed_block(a.cpus, a.num[0]); }},
    operation{"alloc_managed_block", "cpus order", result_kind::placement, op_scope::matrix,
              [](auto& m, const arguments& a) { return m.alloc_managed_block(a.cpus, a.num[0]); }},
    // planning operations (planner.hpp)
    operation{"largest_order", "cpus", result_kind::count, op_scope::planner,
              [](auto& m, const arguments& a) { return m.largest_order(a.cpus); }},
    operation{"reserve_block", "order", result_kind::status, op_scope::planner,
              [](auto& m, const arguments& a) { return m.reserve_block(a.num[0]); }},
    operation{"remove_reserved_block", "order", result_kind::status, op_scope::planner,
              [](auto& m, const arguments& a) { return m.remove_reserved_block(a.num[0]); }},
    operation{"alloc_reserved_block", "cpus order", result_kind::placement, op_scope::planner,
              [](auto& m, const arguments& a) { return m.alloc_reserved_block(a.cpus, a.num[0]); }},
    operation{"can_offline", "cpu", result_kind::count, op_scope::planner,
              [](auto& m, const arguments& a) { return m.can_offline(a.num[0]); }},
    operation{"evacuate", "cpu", result_kind::count, op_scope::planner,
              [](auto& m, const arguments& a) { return m.evacuate(a.num[0]); }},
    operation{"move_block", "cpu base cpus", result_kind::placement, op_scope::planner,
              [](auto& m, const arguments& a) { return m.move_block(a.num[0], a.num[1], a.cpus); }},
    operation{"pin", "cpu base", result_kind::status, op_scope::planner,
              [](auto& m, const arguments& a) { return m.pin(a.num[0], a.num[1]); }},
    operation{"unpin", "cpu base", result_kind::status, op_scope::planner,
              [](auto& m, const arguments& a) { return m.unpin(a.num[0], a.num[1]); }},
    // the moves under the MSI two-step rule (planner.hpp, move_rule), last so
    // that the ids above keep their numbers
    operation{"evacuate_two_step", "cpu", result_kind::count, op_scope::planner,
              [](auto& m, const arguments& a) {
                  return m.evacuate(a.num[0], nullptr, move_rule::two_step);
              }},
    operation{"move_block_two_step", "cpu base cpus", result_kind::placement, op_scope::planner,
              [](auto& m, const arguments& a) {
                  return m.move_block(a.num[0], a.num[1], a.cpus, move_rule::two_step);
              }},
};

inline constexpr std::size_t operation_count = std::tuple_size_v<decltype(operations)>;

/// An operation's id: its row's index in the table.
enum class op_id : std::uint8_t {};

/// A row without its call, for code that lists or parses operations.
struct op_signature {
    op_id id;
    std::string_view name;
    std::string_view roles;  ///< "cpu bit managed"
    std::string_view args;   ///< their kinds, one letter each (arg_kind): "nnf"
    result_kind result;
    op_scope scope;
};

namespace detail {
struct kind_letters {
    std::array<char, 4> letters{};
    std::size_t size = 0;
};

constexpr kind_letters kinds_of(std::string_view roles) {
    kind_letters k;
    for_each_role(roles, [&](std::string_view role) { k.letters[k.size++] = kind_of_role(role); });
    return k;
}

template <std::size_t... I>
constexpr std::array<kind_letters, sizeof...(I)> all_kinds(std::index_sequence<I...>) {
    return {kinds_of(std::get<I>(operations).roles)...};
}

inline constexpr std::array<kind_letters, operation_count> argument_kinds =
    all_kinds(std::make_index_sequence<operation_count>{});

template <std::size_t... I>
constexpr std::array<op_signature, sizeof...(I)> signatures_of(std::index_sequence<I...>) {
    return {op_signature{static_cast<op_id>(I), std::get<I>(operations).name,
                         std::get<I>(operations).roles,
                         std::string_view(argument_kinds[I].letters.data(), argument_kinds[I].size),
                         std::get<I>(operations).result, std::get<I>(operations).scope}...};
}
}  // namespace detail

/// Every operation's signature, indexed by op_id.
inline constexpr std::array<op_signature, operation_count> signatures =
    detail::signatures_of(std::make_index_sequence<operation_count>{});

/// The signature of an operation, or nullptr if there is no such operation.
constexpr const op_signature* find_signature(std::string_view name) noexcept {
    for (const auto& s : signatures)
        if (s.name == name) return &s;
    return nullptr;
}

constexpr const op_signature& signature(op_id id) noexcept {
    return signatures[static_cast<std::size_t>(id)];
}

namespace detail {
// Not constexpr: reaching it at compile time is the error id_of() reports.
inline void no_such_trace_operation() noexcept {}
}  // namespace detail

/// The id of a named operation, at compile time: a name that is not in the
/// table does not compile (no_such_trace_operation is not a constant).
consteval op_id id_of(std::string_view name) {
    // By index, not through find_signature(): g++ with ASan cannot compare a
    // pointer into the table at compile time.
    std::size_t i = 0;
    while (i < signatures.size() && signatures[i].name != name) ++i;
    if (i == signatures.size()) detail::no_such_trace_operation();
    return static_cast<op_id>(i);
}

/// A matrix or planner that has the planning operations.
template <class M>
concept planning_engine = requires(M& m, cpu_span s) {
    m.largest_order(s);
};

// ---- results as outcomes -----------------------------------------------------

inline outcome to_outcome(const status& r) {
    return r ? outcome::of({0}) : outcome::of_error(r.error());
}
inline outcome to_outcome(const result<placement>& r) {
    return r ? outcome::of({r->cpu, r->base}) : outcome::of_error(r.error());
}
inline outcome to_outcome(const result<unsigned>& r) {
    return r ? outcome::of({*r}) : outcome::of_error(r.error());
}
inline outcome to_outcome(unsigned v) { return outcome::of({v}); }
inline outcome to_outcome(const matrix_stats& s) {
    return outcome::of({s.online_maps, s.global_available, s.global_reserved, s.total_allocated});
}
inline outcome to_outcome(const result<cpu_stats>& c) {
    if (!c) return outcome::of_error(c.error());
    return outcome::of(
        {c->online ? 1u : 0u, c->available, c->allocated, c->managed, c->managed_allocated});
}

namespace detail {
template <std::size_t I, class M>
outcome run_row(M& m, const arguments& a) {
    constexpr const auto& row = std::get<I>(operations);
    if constexpr (row.scope == op_scope::header)
        return outcome::of_error(errc::invalid);  // trace::session's job
    else if constexpr (row.scope == op_scope::planner && !planning_engine<M>)
        return outcome::of_error(errc::invalid);  // a bare matrix has no such operation
    else
        return to_outcome(row.call(m, a));
}

template <class M, std::size_t... I>
outcome run_any_row(M& m, op_id id, const arguments& a, std::index_sequence<I...>) {
    outcome out = outcome::of_error(errc::invalid);
    (void)((static_cast<std::size_t>(id) == I ? (out = run_row<I>(m, a), true) : false) || ...);
    return out;
}
}  // namespace detail

/// Runs one operation (other than `matrix`) on a matrix or planner. The
/// planning operations on a bare matrix, like `matrix`, give -22.
template <class M>
outcome execute(M& m, op_id id, const arguments& a) {
    return detail::run_any_row(m, id, a, std::make_index_sequence<operation_count>{});
}

/// The same, by name; an unknown name gives -22.
template <class M>
outcome execute(M& m, std::string_view name, const arguments& a) {
    const op_signature* s = find_signature(name);
    return s ? execute(m, s->id, a) : outcome::of_error(errc::invalid);
}

/// Checks the words (the operation's name first) against its argument kinds
/// and parses them; CPU lists are parsed for nr_cpus CPUs. errc::invalid when
/// they do not fit.
inline result<arguments> parse_arguments(std::string_view kinds,
                                         const std::vector<std::string_view>& words,
                                         unsigned nr_cpus) {
    if (words.size() != kinds.size() + 1) return fail(errc::invalid);
    arguments a;
    unsigned n = 0;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        const std::string_view w = words[i + 1];
        if (kinds[i] == arg_kind::cpus) {
            auto cpus = parse_cpulist(w, nr_cpus);
            if (!cpus) return fail(errc::invalid);
            a.cpus = std::move(*cpus);
            continue;
        }
        const auto v = parse_number(w);
        if (!v || (kinds[i] == arg_kind::flag && *v > 1)) return fail(errc::invalid);
        a.num[n++] = *v;
    }
    return a;
}

/// Runs one operation given as its words (its name first) on a matrix or
/// planner: -22 for an unknown operation, arguments that do not parse, or
/// the `matrix` header (which needs trace::session).
template <class M>
outcome execute_words(M& m, const std::vector<std::string_view>& words) {
    const op_signature* sig = words.empty() ? nullptr : find_signature(words[0]);
    if (!sig) return outcome::of_error(errc::invalid);
    const auto args = parse_arguments(sig->args, words, m.nr_cpus());
    return args ? execute(m, sig->id, *args) : outcome::of_error(args.error());
}

/// An operation and its arguments as a trace line (without a result):
/// numbers in decimal, CPU lists in cpulist form.
inline std::string format_operation(op_id id, const arguments& a) {
    const op_signature& s = signature(id);
    std::string out(s.name);
    unsigned n = 0;
    for (const char k : s.args) {
        out += ' ';
        out += k == arg_kind::cpus ? format_cpulist(a.cpus) : std::to_string(a.num[n++]);
    }
    return out;
}

}  // namespace trace

IRQMATRIX_END_NAMESPACE
