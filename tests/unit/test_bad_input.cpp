// SPDX-License-Identifier: MIT
// Bad input end to end: every case of the trace spec's "Errors for bad input"
// table, as one table of (setup trace, bad line, expected errno), run three
// ways: through the C++ API (the matrix, and the planner the replay uses),
// through trace::replay as the tool runs it, and through the C interface
// (which wraps the planner).
// Each way checks the errno and that the state is exactly as before, with the
// one documented exception, the kernel's rollback of a failed reserve_managed
// (quirk Q7), whose counters come back but whose reservation may move.
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <irqmatrix/irqmatrix.hpp>

#if defined(IRQMATRIX_TESTS_HAVE_C_API)
#include <irqmatrix/irqmatrix.h>
#endif

#include "support/catch.hpp"
#include "support/helpers.hpp"

namespace trace = irqmatrix::trace;

namespace {

using engine = irqmatrix::basic_matrix<256>;
using planner = irqmatrix::basic_planner<256>;

// ---- the table -------------------------------------------------------------

enum class way {
    all,           // the matrix, the planner, the replay and (where it has the call) C
    planner_only,  // a planning operation: the planner, the replay and C
    trace_only,    // a line that does not parse, or no header: only a trace has it
};

struct bad_case {
    const char* what;   // the spec's case
    std::string setup;  // trace lines, each with its expected result
    const char* line;   // the bad operation, as the replay prints it back
    int expect;         // the result: a negative errno (0 for the documented no-ops)
    way ways = way::all;
    bool q7 = false;  // the documented exception: counters back, reservation moved
};

// A 64-bit matrix whose window [32, 40) holds 8 vectors; 4 CPUs, all offline.
const std::string offline4 = "matrix 64 32 40 4 => 0\n";
const std::string one_online = offline4 + "online 0 => 0\n";
const std::string two_online = one_online + "online 1 => 0\n";
// CPU 0: vector 32. CPU 1: managed 32 (allocated) and 33 (reserved only), the
// block 34-35.
const std::string busy = two_online +
                         "alloc 0 0 => 0 32\n"
                         "reserve_managed 1 => 0\n"
                         "alloc_managed 1 => 1 32\n"
                         "reserve_managed 1 => 0\n"
                         "alloc_block 1 1 0 => 1 34\n";
// CPU 0 or CPU 1 full (one 8-vector block).
const std::string full0 = two_online + "alloc_block 0 3 0 => 0 32\n";
const std::string full1 = two_online + "alloc_block 1 3 0 => 1 32\n";
// CPU 0: managed 32 unallocated below its lowest free vector 34; CPU 1 full.
const std::string q7_setup = full1 + "reserve_managed 0 => 0\nalloc 0 0 => 0 33\n";

const std::vector<bad_case>& table() {
    static const std::vector<bad_case> cases = {
        // -22: CPU, bit or order out of range.
        {"CPU out of range: online", offline4, "online 4", -22},
        {"CPU out of range: offline", two_online, "offline 4", -22},
        {"CPU out of range: assign_system", offline4, "assign_system 4 33 0", -22},
        {"bit out of range: assign_system at bits (the kernel's > lets it through)", offline4,
         "assign_system 0 64 0", -22},
        {"CPU out of range: assign", two_online, "assign 4 33", -22},
        {"bit out of range: assign below the window", two_online, "assign 0 31", -22},
        {"bit out of range: assign at alloc_end", two_online, "assign 0 40", -22},
        {"CPU out of range: free", busy, "free 4 32 0", -22},
        {"bit out of range: free outside the window", busy, "free 0 40 0", -22},
        {"bit out of range: free beyond bits", busy, "free 0 64 0", -22},
        {"CPU out of range: available", two_online, "available 4 0", -22},
        {"CPU out of range: allocated", two_online, "allocated 4", -22},
        {"CPU out of range: cpu", two_online, "cpu 4", -22},
        {"CPU out of range in a list: alloc", two_online, "alloc 0,4 0", -22},
        {"CPU out of range in a list: reserve_managed", two_online, "reserve_managed 3-4", -22},
        {"CPU out of range in a list: remove_managed", busy, "remove_managed 1,4", -22},
        {"CPU out of range in a list: alloc_managed", busy, "alloc_managed 4", -22},
        {"CPU out of range in a list: alloc_block", two_online, "alloc_block 0-4 0 0", -22},
        {"CPU out of range in a list: reserve_managed_block", two_online,
         "reserve_managed_block 0-4 0", -22},
        {"CPU out of range in a list: remove_managed_block", busy, "remove_managed_block 5 0", -22},
        {"CPU out of range in a list: alloc_managed_block", busy, "alloc_managed_block 1,63 0",
         -22},
        {"CPU out of range: free_block", busy, "free_block 4 34 1 0", -22},
        {"order out of range: alloc_block", two_online, "alloc_block 0 6 0", -22},
        {"order out of range: free_block", busy, "free_block 1 32 6 0", -22},
        {"order out of range: reserve_managed_block", two_online, "reserve_managed_block 0 6", -22},
        {"order out of range: remove_managed_block", busy, "remove_managed_block 1 6", -22},
        {"order out of range: alloc_managed_block", busy, "alloc_managed_block 1 6", -22},
        // -22: an empty CPU list where one is needed; reserve_managed and
        // remove_managed of none do nothing and give 0, as the kernel's do.
        {"empty CPU list: alloc", two_online, "alloc none 0", -22},
        {"empty CPU list: alloc_managed", busy, "alloc_managed none", -22},
        {"empty CPU list: alloc_block", two_online, "alloc_block none 0 0", -22},
        {"empty CPU list: reserve_managed_block", two_online, "reserve_managed_block none 0", -22},
        {"empty CPU list: remove_managed_block", busy, "remove_managed_block none 0", -22},
        {"empty CPU list: alloc_managed_block", busy, "alloc_managed_block none 0", -22},
        {"empty CPU list: reserve_managed does nothing", busy, "reserve_managed none", 0},
        {"empty CPU list: remove_managed does nothing", busy, "remove_managed none", 0},
        // -22: a base not aligned to its order (or a block outside the window).
        {"base not aligned: order 1 at 35", busy, "free_block 1 35 1 0", -22},
        {"base not aligned: order 3 at 36", busy, "free_block 1 36 3 0", -22},
        {"block past alloc_end", busy, "free_block 1 32 4 0", -22},
        {"block below alloc_start", busy, "free_block 1 0 5 0", -22},
        // -22: a line that does not parse (only a trace has one).
        {"unknown operation", two_online, "frobnicate 1", -22, way::trace_only},
        {"too few arguments", two_online, "online", -22, way::trace_only},
        {"too many arguments", two_online, "online 2 3", -22, way::trace_only},
        {"not a number", two_online, "online two", -22, way::trace_only},
        {"negative number", two_online, "online -2", -22, way::trace_only},
        {"0x without digits", two_online, "online 0x", -22, way::trace_only},
        {"number beyond 32 bits (2^32 + 2 must not wrap to CPU 2)", two_online, "online 4294967298",
         -22, way::trace_only},
        {"flag other than 0 or 1", two_online, "alloc 0 2", -22, way::trace_only},
        {"reversed CPU range", two_online, "alloc 1-0 0", -22, way::trace_only},
        {"trailing comma in a CPU list", two_online, "alloc 0, 0", -22, way::trace_only},
        {"a dash for a CPU list", two_online, "alloc - 0", -22, way::trace_only},
        {"a word for a CPU list", two_online, "alloc all 0", -22, way::trace_only},
        {"an operation before the header", "", "online 0", -22, way::trace_only},
        {"a second header", two_online, "matrix 64 32 40 4", -22, way::trace_only},
        // The header's own bad input: the matrix's create() and irqm_create().
        {"header: BITS the build does not support", "", "matrix 4096 0 64 1", -22},
        {"header: BITS 0", "", "matrix 0 0 0 1", -22},
        {"header: window start after its end", "", "matrix 64 40 32 1", -22},
        {"header: window beyond BITS", "", "matrix 64 32 65 1", -22},
        {"header: no CPU", "", "matrix 64 32 40 0", -22},
        {"header: more CPUs than supported", "", "matrix 64 32 40 65537", -22},

        // -2: freeing what is not allocated as stated.
        {"free on the wrong CPU", busy, "free 2 32 0", -2},
        {"free of a free vector", busy, "free 0 33 0", -2},
        {"free of a managed vector as not managed", busy, "free 1 32 0", -2},
        {"free of a vector as managed", busy, "free 0 32 1", -2},
        {"free of a managed vector reserved but not allocated", busy, "free 1 33 1", -2},
        {"free_block at the wrong base", busy, "free_block 1 36 1 0", -2},
        {"free_block with the wrong order", busy, "free_block 1 32 2 0", -2},
        {"free_block with the wrong managed flag", busy, "free_block 1 34 1 1", -2},
        {"free_block on the wrong CPU", busy, "free_block 0 34 1 0", -2},
        {"free_block of a block only partly allocated", busy, "free_block 0 32 1 0", -2},

        // -16: state conflicts.
        {"online of an online CPU", two_online, "online 1", -16},
        {"offline of an offline CPU", two_online, "offline 2", -16},
        {"assign of an allocated bit", busy, "assign 0 32", -16},
        {"assign_system with two CPUs online", two_online, "assign_system 0 33 0", -16},
        {"assign_system with two CPUs online, even with REPLACE", busy, "assign_system 0 32 1",
         -16},
        {"assign_system with one CPU online, without REPLACE", one_online, "assign_system 0 33 0",
         -16},
        {"assign_system REPLACE of a bit not allocated on that CPU",
         one_online + "alloc 0 0 => 0 32\n", "assign_system 0 33 1", -16},
        {"RESERVED 1 with no reservation: alloc", two_online, "alloc 0 1", -16},
        {"RESERVED 1 with fewer reservations than vectors: alloc_block",
         two_online + "reserve => 0\n", "alloc_block 0 1 1", -16},
        {"remove_reserved with none reserved", two_online, "remove_reserved", -16},
        {"remove_managed on a CPU with nothing removable", two_online, "remove_managed 0", -16},
        {"remove_managed refused whole when one CPU has nothing removable",
         two_online + "reserve_managed 0 => 0\n", "remove_managed 0-1", -16},
        {"remove_managed_block with no reserved block of the order",
         two_online + "reserve_managed 0 => 0\n", "remove_managed_block 0 1", -16},

        // -28: no room.
        {"no online CPU in the list: alloc", two_online, "alloc 2-3 0", -28},
        {"no room: alloc on a full CPU", full0, "alloc 0 0", -28},
        {"no room: alloc_block on a full CPU", full0, "alloc_block 0 0 0", -28},
        {"no room: alloc_block of an order no CPU has free", busy, "alloc_block 0-1 3 0", -28},
        {"no reserved vector: alloc_managed", two_online, "alloc_managed 0", -28},
        {"no online CPU: alloc_managed", busy, "alloc_managed 2", -28},
        {"no reserved block of the order: alloc_managed_block", busy, "alloc_managed_block 1 1",
         -28},
        {"no room: reserve_managed_block, all or nothing", full1, "reserve_managed_block 0-1 0",
         -28},
        {"no room: reserve_managed on a full CPU", full1, "reserve_managed 1", -28},
        {"no room: reserve_managed, the CPUs before the full one undone exactly", full1,
         "reserve_managed 0-1", -28},
        {"no room: reserve_managed undone the kernel's way (Q7): the reservation moves", q7_setup,
         "reserve_managed 0-1", -28, way::all, true},

        // The planning operations under the same rules (the planner only).
        {"order out of range: reserve_block", two_online, "reserve_block 6", -22,
         way::planner_only},
        {"order out of range: remove_reserved_block", two_online, "remove_reserved_block 6", -22,
         way::planner_only},
        {"order out of range: alloc_reserved_block", two_online, "alloc_reserved_block 0 6", -22,
         way::planner_only},
        {"CPU out of range in a list: largest_order", two_online, "largest_order 4", -22,
         way::planner_only},
        {"CPU out of range in a list: alloc_reserved_block", two_online, "alloc_reserved_block 4 0",
         -22, way::planner_only},
        {"CPU out of range: can_offline", two_online, "can_offline 4", -22, way::planner_only},
        {"CPU out of range: evacuate", two_online, "evacuate 4", -22, way::planner_only},
        {"CPU out of range: move_block", busy, "move_block 4 32 1", -22, way::planner_only},
        {"CPU out of range in a list: move_block", busy, "move_block 0 32 4", -22,
         way::planner_only},
        {"CPU out of range: pin", busy, "pin 4 32", -22, way::planner_only},
        {"CPU out of range: unpin", busy, "unpin 4 32", -22, way::planner_only},
        {"empty CPU list: largest_order", two_online, "largest_order none", -22, way::planner_only},
        {"empty CPU list: alloc_reserved_block", two_online, "alloc_reserved_block none 0", -22,
         way::planner_only},
        {"empty CPU list: move_block", busy, "move_block 0 32 none", -22, way::planner_only},
        {"no such group: move_block", busy, "move_block 0 33 1", -2, way::planner_only},
        {"no such group: pin", busy, "pin 0 33", -2, way::planner_only},
        {"remove_reserved_block with none outstanding", two_online, "remove_reserved_block 0", -16,
         way::planner_only},
        {"alloc_reserved_block with none outstanding", two_online, "alloc_reserved_block 0 0", -16,
         way::planner_only},
        {"can_offline of an offline CPU", two_online, "can_offline 2", -16, way::planner_only},
        {"evacuate of an offline CPU", two_online, "evacuate 2", -16, way::planner_only},
        {"no room: reserve_block larger than any free block", full0 + "alloc_block 1 2 0 => 1 32\n",
         "reserve_block 3", -28, way::planner_only},
        {"no online CPU: largest_order", two_online, "largest_order 2-3", -28, way::planner_only},
    };
    return cases;
}

std::string expected_text(const bad_case& c) { return std::to_string(c.expect); }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

// ---- the C++ API -------------------------------------------------------------

// A CPU list for the API and C ways: parsed for more CPUs than any matrix
// here has, so that a list naming CPU 4 of a 4-CPU matrix reaches the matrix
// (or the C mask check), which must refuse it itself.
constexpr unsigned list_limit = 128;

// The arguments of a line the API can express (every number fits and every
// flag is 0 or 1), or nothing for a line only a trace can write.
std::optional<trace::arguments> api_arguments(const std::vector<std::string_view>& words) {
    if (words.empty()) return std::nullopt;
    const trace::op_signature* sig = trace::find_signature(words[0]);
    if (!sig) return std::nullopt;
    auto a = trace::parse_arguments(sig->args, words, list_limit);
    if (!a) return std::nullopt;
    return std::move(*a);
}

template <class M>
const engine& engine_of(const M& m) {
    if constexpr (std::is_same_v<M, engine>)
        return m;
    else
        return m.matrix();
}

// The matrix (or planner) the setup builds, each setup line giving its result.
template <class M>
M build(const std::string& setup) {
    const auto lines = lines_of(setup);
    REQUIRE(!lines.empty());
    const auto header = trace::split_line(lines[0]);
    const auto h = api_arguments(header.words);
    REQUIRE((h && header.words[0] == "matrix"));
    M m = test::make<M>(h->num[0], h->num[1], h->num[2], h->num[3]);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        INFO("setup line: " << lines[i]);
        const auto parts = trace::split_line(lines[i]);
        const auto a = api_arguments(parts.words);
        REQUIRE(a.has_value());
        REQUIRE(trace::results_match(parts.expected, trace::execute(m, parts.words[0], *a).text()));
    }
    return m;
}

// The counters a trace can read (stats and every CPU's), for the Q7 case,
// whose bitmaps differ but whose counters must not.
template <class M>
std::string counters(const M& m) {
    std::string out = test::stats(m);
    for (unsigned c = 0; c < m.nr_cpus(); ++c) out += " | " + test::cpu(m, c);
    return out;
}

// The Q7 case's one difference: CPU 0's unallocated reservation moved from
// 32 to its lowest free vector 34; everything else is as before.
template <class M>
void require_q7_move(const M& before, const M& after) {
    REQUIRE(counters(after) == counters(before));
    REQUIRE(test::managed_bits(engine_of(before), 0) == "32");
    REQUIRE(test::managed_bits(engine_of(after), 0) == "34");
    REQUIRE(test::allocated_bits(engine_of(after), 0) ==
            test::allocated_bits(engine_of(before), 0));
    REQUIRE(engine_of(after).cpu_map(1) == engine_of(before).cpu_map(1));
}

template <class M>
void run_api(const bad_case& c) {
    const auto words = trace::split_line(c.line).words;
    const auto a = api_arguments(words);
    REQUIRE(a.has_value());
    if (words[0] == "matrix") {
        // create() with the header's geometry, at the capacity a trace picks.
        const auto& n = a->num;
        const irqmatrix::errc e =
            n[0] <= 256 ? M::create(n[0], n[1], n[2], n[3]).error()
                        : irqmatrix::basic_matrix<2048>::create(n[0], n[1], n[2], n[3]).error();
        REQUIRE(irqmatrix::to_errno(e) == c.expect);
        return;
    }
    M m = build<M>(c.setup);
    const M before = m;
    REQUIRE(trace::execute(m, words[0], *a).text() == expected_text(c));
    if (c.q7)
        require_q7_move(before, m);
    else
        REQUIRE(m == before);
    test::require_consistent(m);
}

// ---- the replay ----------------------------------------------------------------

// The session's planner, to compare whole states (groups included).
std::optional<planner> state_of(const trace::session& s) {
    return s.visit_planner(
        [](const auto& p) -> std::optional<planner> {
            if constexpr (std::is_same_v<std::decay_t<decltype(p)>, planner>)
                return p;
            else
                return std::nullopt;  // no case here is larger than 256 bits
        },
        std::optional<planner>{});
}

void run_replay(const bad_case& c) {
    trace::session s;
    {
        // The setup in check mode: every one of its results as stated.
        std::istringstream in(c.setup);
        std::ostringstream out;
        trace::replay_options opt;
        opt.check = true;
        const auto sum = trace::replay(in, out, opt, &s);
        INFO(out.str());
        REQUIRE(sum.mismatches == 0);
        REQUIRE(sum.checked == sum.operations);
    }
    const auto before = state_of(s);
    REQUIRE(before.has_value() == !c.setup.empty());

    // Print mode, as `irqmatrix replay` runs it: "LINE => -ERRNO".
    std::istringstream in(std::string(c.line) + "\n");
    std::ostringstream out;
    trace::replay(in, out, {}, &s);
    REQUIRE(out.str() == std::string(c.line) + " => " + expected_text(c) + "\n");

    const auto after = state_of(s);
    REQUIRE(after.has_value() == before.has_value());
    if (!after) return;
    if (c.q7)
        require_q7_move(*before, *after);
    else
        REQUIRE(*after == *before);
    test::require_consistent(*after);
}

// ---- the C interface --------------------------------------------------------------

#if defined(IRQMATRIX_TESTS_HAVE_C_API)

struct c_matrix {
    irqm_matrix* m = nullptr;
    c_matrix() = default;
    explicit c_matrix(irqm_matrix* p) : m(p) {}
    c_matrix(const c_matrix&) = delete;
    c_matrix& operator=(const c_matrix&) = delete;
    ~c_matrix() { irqm_destroy(m); }
};

// A CPU list as kernel code holds a cpumask: unsigned long words and a bit count.
struct c_mask {
    std::vector<unsigned long> words =
        std::vector<unsigned long>(IRQM_BITS_TO_LONGS(list_limit), 0);
    unsigned nbits = list_limit;
};

std::optional<c_mask> c_mask_of(std::string_view list) {
    const auto set = irqmatrix::parse_cpulist(list, list_limit);
    if (!set) return std::nullopt;
    c_mask mask;
    for (unsigned cpu = 0; cpu < list_limit; ++cpu)
        if (set->test(cpu))
            mask.words[cpu / IRQM_BITS_PER_LONG] |= 1ul << (cpu % IRQM_BITS_PER_LONG);
    return mask;
}

// The out-parameter is read after the call (a reference: an argument
// evaluated beside the call could read it first).
std::string placed(int rc, const unsigned& cpu) {
    return rc < 0 ? std::to_string(rc) : std::to_string(cpu) + " " + std::to_string(rc);
}

std::string counted(int rc, const unsigned& n) {
    return rc < 0 ? std::to_string(rc) : std::to_string(n);
}

// Runs a trace line through the C interface and gives its result as the
// trace prints it; nothing if the interface has no such call or the line
// cannot be expressed (a number that does not fit, a flag above 1).
std::optional<std::string> c_run(irqm_matrix* m, const std::vector<std::string_view>& words) {
    const auto a = api_arguments(words);
    if (!a) return std::nullopt;
    const std::string_view op = words[0];
    const auto& n = a->num;
    // The list argument, for the operations that take one.
    std::optional<c_mask> mask;
    for (const auto& sig : trace::signatures)
        if (sig.name == op)
            for (std::size_t i = 0; i < sig.args.size(); ++i)
                if (sig.args[i] == 'l') mask = c_mask_of(words[i + 1]);
    const unsigned long* mw = mask ? mask->words.data() : nullptr;
    const unsigned mb = mask ? mask->nbits : 0;
    unsigned cpu = 0;
    unsigned count = 0;
    if (op == "online") return std::to_string(irqm_online(m, n[0]));
    if (op == "offline") return std::to_string(irqm_offline(m, n[0]));
    if (op == "assign_system") return std::to_string(irqm_assign_system(m, n[0], n[1], n[2] != 0));
    if (op == "reserve_managed") return std::to_string(irqm_reserve_managed(m, mw, mb));
    if (op == "remove_managed") return std::to_string(irqm_remove_managed(m, mw, mb));
    if (op == "alloc_managed") return placed(irqm_alloc_managed(m, mw, mb, &cpu), cpu);
    if (op == "assign") return std::to_string(irqm_assign(m, n[0], n[1]));
    if (op == "reserve") return std::to_string(irqm_reserve(m));
    if (op == "remove_reserved") return std::to_string(irqm_remove_reserved(m));
    if (op == "alloc") return placed(irqm_alloc(m, mw, mb, n[0] != 0, &cpu), cpu);
    if (op == "free") return std::to_string(irqm_free(m, n[0], n[1], n[2] != 0));
    if (op == "available") return counted(irqm_available(m, n[0], n[1] != 0, &count), count);
    if (op == "reserved") return std::to_string(irqm_reserved(m));
    if (op == "allocated") return counted(irqm_allocated(m, n[0], &count), count);
    if (op == "cpu") {
        irqm_cpu_stats s{};
        const int rc = irqm_get_cpu_stats(m, n[0], &s);
        if (rc < 0) return std::to_string(rc);
        return std::to_string(s.online ? 1 : 0) + " " + std::to_string(s.available) + " " +
               std::to_string(s.allocated) + " " + std::to_string(s.managed) + " " +
               std::to_string(s.managed_allocated);
    }
    if (op == "alloc_block") return placed(irqm_alloc_block(m, mw, mb, n[0], n[1] != 0, &cpu), cpu);
    if (op == "free_block") return std::to_string(irqm_free_block(m, n[0], n[1], n[2], n[3] != 0));
    if (op == "reserve_managed_block")
        return std::to_string(irqm_reserve_managed_block(m, mw, mb, n[0]));
    if (op == "remove_managed_block")
        return std::to_string(irqm_remove_managed_block(m, mw, mb, n[0]));
    if (op == "alloc_managed_block")
        return placed(irqm_alloc_managed_block(m, mw, mb, n[0], &cpu), cpu);
    if (op == "largest_order") return std::to_string(irqm_largest_order(m, mw, mb));
    if (op == "reserve_block") return std::to_string(irqm_reserve_block(m, n[0]));
    if (op == "remove_reserved_block") return std::to_string(irqm_remove_reserved_block(m, n[0]));
    if (op == "alloc_reserved_block")
        return placed(irqm_alloc_reserved_block(m, mw, mb, n[0], &cpu), cpu);
    if (op == "can_offline") return std::to_string(irqm_can_offline(m, n[0]));
    if (op == "evacuate") return std::to_string(irqm_evacuate(m, n[0]));
    if (op == "move_block") return placed(irqm_move_block(m, n[0], n[1], mw, mb, &cpu), cpu);
    if (op == "pin") return std::to_string(irqm_pin(m, n[0], n[1]));
    if (op == "unpin") return std::to_string(irqm_unpin(m, n[0], n[1]));
    return std::nullopt;  // stats and matrix
}

// A bitmap the C interface copies out, as "32,34,35".
template <class Getter>
std::string c_map(const irqm_geometry& g, Getter get) {
    std::vector<unsigned long> words(IRQM_BITS_TO_LONGS(g.bits), 0);
    REQUIRE(get(words.data(), g.bits) >= 0);
    std::string out;
    for (unsigned v = 0; v < g.bits; ++v)
        if ((words[v / IRQM_BITS_PER_LONG] >> (v % IRQM_BITS_PER_LONG)) & 1ul)
            out += (out.empty() ? "" : ",") + std::to_string(v);
    return out;
}

// Everything the C getters show, counters and bitmaps apart (the Q7 case
// keeps the first and changes the second).
struct c_state {
    std::string counters;
    std::string maps;
    std::string cpu0_managed;
};

c_state c_state_of(const irqm_matrix* m) {
    irqm_geometry g{};
    irqm_stats s{};
    irqm_drift gd{};
    REQUIRE(irqm_get_geometry(m, &g) == 0);
    REQUIRE(irqm_get_stats(m, &s) == 0);
    REQUIRE(irqm_get_global_drift(m, &gd) == 0);
    c_state st;
    st.counters = std::to_string(g.bits) + " " + std::to_string(g.alloc_start) + " " +
                  std::to_string(g.alloc_end) + " " + std::to_string(g.nr_cpus) + " | " +
                  std::to_string(s.online_maps) + " " + std::to_string(s.global_available) + " " +
                  std::to_string(s.global_reserved) + " " + std::to_string(s.total_allocated) +
                  " " + std::to_string(s.systembits_inalloc) + " | reserved " +
                  std::to_string(irqm_reserved(m)) + " | drift " + std::to_string(gd.available) +
                  " " + std::to_string(gd.allocated);
    st.maps = "system " +
              c_map(g, [&](unsigned long* w, unsigned nb) { return irqm_system_map(m, w, nb); });
    for (unsigned c = 0; c < g.nr_cpus; ++c) {
        irqm_cpu_stats cs{};
        irqm_drift d{};
        REQUIRE(irqm_get_cpu_stats(m, c, &cs) == 0);
        REQUIRE(irqm_get_cpu_drift(m, c, &d) == 0);
        st.counters += " | cpu " + std::to_string(c) + ": " + std::to_string(cs.online ? 1 : 0) +
                       " " + std::to_string(cs.available) + " " + std::to_string(cs.allocated) +
                       " " + std::to_string(cs.managed) + " " +
                       std::to_string(cs.managed_allocated) + " drift " +
                       std::to_string(d.available) + " " + std::to_string(d.allocated);
        const std::string managed = c_map(
            g, [&](unsigned long* w, unsigned nb) { return irqm_cpu_managed_map(m, c, w, nb); });
        if (c == 0) st.cpu0_managed = managed;
        st.maps +=
            " | cpu " + std::to_string(c) + ": allocated " +
            c_map(g,
                  [&](unsigned long* w, unsigned nb) { return irqm_cpu_alloc_map(m, c, w, nb); }) +
            " managed " + managed + " free " +
            c_map(g, [&](unsigned long* w, unsigned nb) { return irqm_cpu_free_map(m, c, w, nb); });
    }
    return st;
}

void require_c_consistent(const irqm_matrix* m) {
    char msg[256] = {};
    const int rc = irqm_verify(m, msg, sizeof msg);
    INFO(msg);
    REQUIRE(rc == 0);
}

// Runs a case through the C interface; false if it has no such call.
bool run_c(const bad_case& c) {
    const auto words = trace::split_line(c.line).words;
    if (words[0] == "matrix") {
        const auto a = api_arguments(words);
        REQUIRE(a.has_value());
        const c_matrix m(irqm_create(a->num[0], a->num[1], a->num[2], a->num[3]));
        REQUIRE(m.m == nullptr);  // irqm_create's way of saying -EINVAL
        return true;
    }
    const auto lines = lines_of(c.setup);
    const auto header = api_arguments(trace::split_line(lines.at(0)).words);
    REQUIRE(header.has_value());
    const c_matrix m(irqm_create(header->num[0], header->num[1], header->num[2], header->num[3]));
    REQUIRE(m.m != nullptr);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        INFO("setup line: " << lines[i]);
        const auto parts = trace::split_line(lines[i]);
        const auto got = c_run(m.m, parts.words);
        REQUIRE(got.has_value());
        REQUIRE(trace::results_match(parts.expected, *got));
    }
    const c_state before = c_state_of(m.m);
    const auto got = c_run(m.m, words);
    if (!got) return false;
    REQUIRE(*got == expected_text(c));
    const c_state after = c_state_of(m.m);
    REQUIRE(after.counters == before.counters);
    if (c.q7) {
        REQUIRE(before.cpu0_managed == "32");
        REQUIRE(after.cpu0_managed == "34");
    } else {
        REQUIRE(after.maps == before.maps);
    }
    require_c_consistent(m.m);
    return true;
}

#endif  // IRQMATRIX_TESTS_HAVE_C_API

}  // namespace

TEST_CASE("bad input: the table covers every row of the spec's error table", "[bad-input]") {
    unsigned per_errno[4] = {};  // -22, -2, -16, -28
    unsigned noops = 0, q7 = 0;
    for (const auto& c : table()) {
        switch (c.expect) {
        case -22: ++per_errno[0]; break;
        case -2: ++per_errno[1]; break;
        case -16: ++per_errno[2]; break;
        case -28: ++per_errno[3]; break;
        case 0: ++noops; break;
        default: FAIL("unexpected result " << c.expect << " for: " << c.what);
        }
        q7 += c.q7 ? 1u : 0u;
    }
    for (unsigned n : per_errno) REQUIRE(n >= 5);
    REQUIRE(noops == 2);  // reserve_managed none, remove_managed none
    REQUIRE(q7 == 1);     // the one documented exception
}

TEST_CASE("bad input: through the C++ API, the state is unchanged", "[bad-input]") {
    unsigned matrix_runs = 0, planner_runs = 0;
    for (const auto& c : table()) {
        if (c.ways == way::trace_only) continue;
        INFO(c.what << ": " << c.line);
        if (c.ways == way::all) {
            run_api<engine>(c);
            ++matrix_runs;
        }
        run_api<planner>(c);
        ++planner_runs;
    }
    REQUIRE(matrix_runs >= 70);
    REQUIRE(planner_runs > matrix_runs);
}

TEST_CASE("bad input: through trace::replay, LINE => -ERRNO and the state is unchanged",
          "[bad-input]") {
    for (const auto& c : table()) {
        INFO(c.what << ": " << c.line);
        run_replay(c);
    }
}

TEST_CASE("bad input: a trace of every case checks, setup and bad line", "[bad-input]") {
    // Each case as one trace with its expected results, in check mode: what a
    // golden file of the errors would hold.
    for (const auto& c : table()) {
        INFO(c.what << ": " << c.line);
        std::istringstream in(c.setup + c.line + " => " + expected_text(c) + "\n");
        std::ostringstream out;
        trace::replay_options opt;
        opt.check = true;
        const auto sum = trace::replay(in, out, opt);
        INFO(out.str());
        REQUIRE(sum.mismatches == 0);
        REQUIRE(sum.checked == sum.operations);
    }
}

#if defined(IRQMATRIX_TESTS_HAVE_C_API)
TEST_CASE("bad input: through the C interface, the state is unchanged", "[bad-input]") {
    unsigned cases = 0, runs = 0;
    for (const auto& c : table()) {
        if (c.ways == way::trace_only) continue;
        INFO(c.what << ": " << c.line);
        ++cases;
        runs += run_c(c) ? 1u : 0u;
    }
    // Every kernel, block and planning operation, and irq_alloc_matrix, has
    // its C call.
    REQUIRE(runs == cases);
}
#endif

TEST_CASE("bad input: the placed operations refuse a base past the window, however large",
          "[bad-input]") {
    // alloc_at and reserve_managed_at take their base from the caller: one
    // near UINT_MAX must not wrap past the window check into the bitmaps.
    auto m = test::make(256, 32, 236, 2);
    test::ok(m.online(0));
    for (const unsigned base : {236u, 256u, 0xFFFFFFE0u, 0xFFFFFFF0u, 0xFFFFFFFFu}) {
        for (unsigned order = 0; order <= irqmatrix::max_order; ++order) {
            INFO("base " << base << " order " << order);
            test::require_refused(
                m, [&](engine& x) { return x.alloc_at(0, base, order, false); }, "-22");
            test::require_refused(
                m, [&](engine& x) { return x.reserve_managed_at(1, base, order); }, "-22");
        }
    }
    // A block that starts inside the window and ends past it.
    test::require_refused(
        m, [](engine& x) { return x.alloc_at(0, 224, 4, false); }, "-22");
    test::require_refused(
        m, [](engine& x) { return x.reserve_managed_at(0, 224, 4); }, "-22");
}
