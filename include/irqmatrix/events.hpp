// SPDX-License-Identifier: MIT
// The kernel's irq_matrix trace events, emitted by the library: the event
// record a matrix reports after each mutation, the observer that receives it,
// and a formatter that prints it exactly as the kernel's TP_printk does
// (docs/kernel-semantics.md 2.2), so that the irq_matrix lines of a kernel
// capture, with their log prefix stripped, and the events of a replay of the
// same operations compare line by line.
//
// When events are emitted (the kernel's rules, 1.x and 2.2 of that page):
//  * after the operation's state change, so the counters are the new ones;
//  * only when the operation succeeds: a refused operation emits nothing,
//    including those the kernel would carry out with a WARN (an online of an
//    online CPU, a remove_managed where some CPU has nothing removable, ...);
//  * reserve_managed and remove_managed emit one event per CPU of the mask,
//    in increasing CPU order, each with the counters as they are after that
//    CPU (the global ones include the CPUs before it, not those after);
//  * a reserve_managed that fails with ENOSPC on CPU F emits what the
//    kernel's does: one irq_matrix_reserve_managed per CPU before F, then one
//    irq_matrix_remove_managed per CPU before F (its rollback calls
//    irq_matrix_remove_managed one CPU at a time), each naming the bit that
//    rollback releases (the lowest unallocated managed one, quirk Q7);
//  * an empty mask emits nothing (reserve_managed and remove_managed succeed
//    doing nothing, like the kernel's);
//  * assign reports the CPU it was given (the kernel's "this CPU").
//
// Event formats. The kernel's three classes, and the library's block class:
//
//   irq_matrix_global         online, offline, reserve, remove_reserved
//     online_maps=<%d> global_avl=<%u>, global_rsvd=<%u>, total_alloc=<%u>
//   irq_matrix_global_update  assign_system
//     bit=<%d> online_maps=<%d> global_avl=<%u>, global_rsvd=<%u>, total_alloc=<%u>
//   irq_matrix_cpu            reserve_managed, remove_managed, alloc_managed,
//                             assign, alloc, free
//     bit=<%d> cpu=<%u> online=<0|1> avl=<%u> alloc=<%u> managed=<%u> online_maps=<%u> global_avl=<%u>, global_rsvd=<%u>, total_alloc=<%u>
//   block (the library's)     alloc_block, free_block, reserve_managed_block,
//                             remove_managed_block, alloc_managed_block
//     the irq_matrix_cpu text, then " order=<%u>"
//
// A line is the event's name, ": ", then its text, e.g.
//
//   irq_matrix_alloc: bit=33 cpu=1 online=1 avl=202 alloc=1 managed=0 online_maps=2 global_avl=405, global_rsvd=0, total_alloc=1
//   irq_matrix_alloc_block: bit=32 cpu=1 online=1 avl=196 alloc=8 managed=0 online_maps=2 global_avl=399, global_rsvd=0, total_alloc=9 order=3
//
// Numbers are plain decimal. Only global_avl and global_rsvd are followed by
// a comma. online_maps is signed in the two global classes and unsigned in
// the per-CPU one, as the kernel prints it. The block events are named
// irq_matrix_<operation> after the library's operation; bit is the block's
// base, and the counters move by 2^order at once (one event per block, per
// CPU for the managed reservations). The order is appended last so that a
// block line without its " order=K" is an irq_matrix_cpu line: tools that
// read the kernel's class read these too.
//
// The block operations emit their own events even at order 0. The matrix's
// placed operations (alloc_at, reserve_managed_at: the planner's building
// blocks, which the planner uses for single vectors and for blocks alike)
// report a single vector at order 0 (irq_matrix_alloc,
// irq_matrix_reserve_managed) and a block above it.
//
// Observers. A matrix holds at most one matrix_observer: a plain function
// pointer and a context pointer, called synchronously from inside the
// operation. An unobserved matrix tests one pointer per event it would emit
// and builds nothing (see basic_matrix::set_observer()). The callback must
// not throw (the matrix's operations are noexcept) and must not call the
// matrix (during a multi-CPU operation the matrix is between CPUs); anything
// that allocates, such as formatting, belongs in the callback, never in the
// matrix.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// cpuset.hpp before config.hpp, as in the other headers: bitmap.hpp (which
// cpuset.hpp includes) opens irqmatrix::v1::detail, and config.hpp's
// irqmatrix::detail then reopens that namespace; the other way round they
// are two namespaces, and IRQMATRIX_ASSERT's ::irqmatrix::detail is ambiguous.
#include "cpuset.hpp"  // no_cpu
#include "config.hpp"
#include "version.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// Which event. The kernel's name is event_name(kind).
enum class event_kind : std::uint8_t {
    // irq_matrix_global
    online,
    offline,
    reserve,
    remove_reserved,
    // irq_matrix_global_update
    assign_system,
    // irq_matrix_cpu
    reserve_managed,
    remove_managed,
    alloc_managed,
    assign,
    alloc,
    free,
    // the library's block events: irq_matrix_cpu plus the order
    alloc_block,
    free_block,
    reserve_managed_block,
    remove_managed_block,
    alloc_managed_block,
};

/// The event kinds, in declaration order.
inline constexpr std::array<event_kind, 16> all_event_kinds = {
    event_kind::online,
    event_kind::offline,
    event_kind::reserve,
    event_kind::remove_reserved,
    event_kind::assign_system,
    event_kind::reserve_managed,
    event_kind::remove_managed,
    event_kind::alloc_managed,
    event_kind::assign,
    event_kind::alloc,
    event_kind::free,
    event_kind::alloc_block,
    event_kind::free_block,
    event_kind::reserve_managed_block,
    event_kind::remove_managed_block,
    event_kind::alloc_managed_block,
};

/// The event classes: which fields an event's text has.
enum class event_class : std::uint8_t {
    global,         ///< irq_matrix_global: the four global counters
    global_update,  ///< irq_matrix_global_update: bit, then the global counters
    cpu,            ///< irq_matrix_cpu: bit, cpu, the CPU's counters, the globals
    block,          ///< the library's: irq_matrix_cpu, then the order
};

constexpr event_class class_of(event_kind k) noexcept {
    switch (k) {
    case event_kind::online:
    case event_kind::offline:
    case event_kind::reserve:
    case event_kind::remove_reserved: return event_class::global;
    case event_kind::assign_system: return event_class::global_update;
    case event_kind::reserve_managed:
    case event_kind::remove_managed:
    case event_kind::alloc_managed:
    case event_kind::assign:
    case event_kind::alloc:
    case event_kind::free: return event_class::cpu;
    case event_kind::alloc_block:
    case event_kind::free_block:
    case event_kind::reserve_managed_block:
    case event_kind::remove_managed_block:
    case event_kind::alloc_managed_block: return event_class::block;
    }
    return event_class::global;
}

/// The event's name as the kernel's trace prints it ("irq_matrix_alloc").
constexpr std::string_view event_name(event_kind k) noexcept {
    switch (k) {
    case event_kind::online: return "irq_matrix_online";
    case event_kind::offline: return "irq_matrix_offline";
    case event_kind::reserve: return "irq_matrix_reserve";
    case event_kind::remove_reserved: return "irq_matrix_remove_reserved";
    case event_kind::assign_system: return "irq_matrix_assign_system";
    case event_kind::reserve_managed: return "irq_matrix_reserve_managed";
    case event_kind::remove_managed: return "irq_matrix_remove_managed";
    case event_kind::alloc_managed: return "irq_matrix_alloc_managed";
    case event_kind::assign: return "irq_matrix_assign";
    case event_kind::alloc: return "irq_matrix_alloc";
    case event_kind::free: return "irq_matrix_free";
    case event_kind::alloc_block: return "irq_matrix_alloc_block";
    case event_kind::free_block: return "irq_matrix_free_block";
    case event_kind::reserve_managed_block: return "irq_matrix_reserve_managed_block";
    case event_kind::remove_managed_block: return "irq_matrix_remove_managed_block";
    case event_kind::alloc_managed_block: return "irq_matrix_alloc_managed_block";
    }
    return "irq_matrix_unknown";
}

/// The kind named `name` ("irq_matrix_alloc"), if there is one.
constexpr std::optional<event_kind> event_kind_named(std::string_view name) noexcept {
    for (const event_kind k : all_event_kinds)
        if (event_name(k) == name) return k;
    return std::nullopt;
}

/// One event: the fields the kernel records, plus the block order. Every
/// field is filled whatever the class, though the text prints only the
/// class's fields: `cpu` is the CPU the operation named (online, offline
/// and assign_system have one too; reserve and remove_reserved have none:
/// no_cpu, with the per-CPU counters 0), and the per-CPU counters are that
/// CPU's. `bit` is 0 in the irq_matrix_global class, `order` 0 outside the
/// block class. All counters are after the event's step.
struct matrix_event {
    event_kind kind = event_kind::online;
    int bit = 0;             ///< the vector; a block's base; assign_system's bit
    unsigned cpu = no_cpu;   ///< the CPU the event names
    bool online = false;     ///< that CPU's online flag
    unsigned available = 0;  ///< that CPU's available counter
    unsigned allocated = 0;  ///< that CPU's allocated counter
    unsigned managed = 0;    ///< that CPU's managed counter (managed_allocated is not recorded)
    unsigned order = 0;      ///< the block's order (block class)
    unsigned online_maps = 0;
    unsigned global_available = 0;
    unsigned global_reserved = 0;
    unsigned total_allocated = 0;
    friend constexpr bool operator==(const matrix_event&, const matrix_event&) noexcept = default;
};

namespace events_detail {
template <class Int>
void append_number(std::string& out, Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}
inline void append_field(std::string& out, std::string_view key, unsigned v) {
    out += key;
    append_number(out, v);
}
}  // namespace events_detail

/// Appends the event's TP_printk text (what follows "irq_matrix_xxx: ").
inline void append_event_text(std::string& out, const matrix_event& e) {
    using events_detail::append_field;
    using events_detail::append_number;
    const event_class c = class_of(e.kind);
    if (c != event_class::global) {
        out += "bit=";
        append_number(out, e.bit);
        out += ' ';
    }
    if (c == event_class::cpu || c == event_class::block) {
        append_field(out, "cpu=", e.cpu);
        append_field(out, " online=", e.online ? 1u : 0u);
        append_field(out, " avl=", e.available);
        append_field(out, " alloc=", e.allocated);
        append_field(out, " managed=", e.managed);
        append_field(out, " online_maps=", e.online_maps);  // %u in this class
        out += ' ';
    } else {
        out += "online_maps=";
        append_number(out, static_cast<int>(e.online_maps));  // %d in the global classes
        out += ' ';
    }
    append_field(out, "global_avl=", e.global_available);
    append_field(out, ", global_rsvd=", e.global_reserved);
    append_field(out, ", total_alloc=", e.total_allocated);
    if (c == event_class::block) append_field(out, " order=", e.order);
}

/// The event's TP_printk text alone.
inline std::string event_text(const matrix_event& e) {
    std::string out;
    append_event_text(out, e);
    return out;
}

/// Appends the event as one trace line without its log prefix and newline:
/// "irq_matrix_alloc: bit=33 cpu=1 ...".
inline void append_event(std::string& out, const matrix_event& e) {
    out += event_name(e.kind);
    out += ": ";
    append_event_text(out, e);
}

/// The event as one trace line (see append_event).
inline std::string format_event(const matrix_event& e) {
    std::string out;
    append_event(out, e);
    return out;
}

/// Where a matrix reports its events: a function and the context it is
/// called with. Empty (fn null) means no observer. Compared by identity.
struct matrix_observer {
    using callback = void (*)(void* context, const matrix_event& event) noexcept;
    callback fn = nullptr;
    void* context = nullptr;

    constexpr explicit operator bool() const noexcept { return fn != nullptr; }
    /// Reports one event (requires *this to be non-empty).
    void operator()(const matrix_event& e) const noexcept { fn(context, e); }
    friend constexpr bool operator==(const matrix_observer&,
                                     const matrix_observer&) noexcept = default;
};

/// An observer that calls f(event) on the object f, which must outlive its
/// attachment and must not throw out of that call.
template <class F>
matrix_observer observe(F& f) noexcept {
    return {[](void* context, const matrix_event& e) noexcept { (*static_cast<F*>(context))(e); },
            &f};
}

/// Collects events in order (for tests and tools; it allocates as it grows,
/// so a matrix observed by it allocates in the callback, never in itself).
struct event_log {
    std::vector<matrix_event> events;
    void operator()(const matrix_event& e) { events.push_back(e); }
    matrix_observer observer() noexcept { return observe(*this); }
};

/// Holds back the events of a trial until it is committed: a copy of an
/// observed matrix is unobserved (see basic_matrix::set_observer()), so a
/// caller that mutates a copy and may then keep it attaches this to the
/// copy, and delivers its events to the real observer on commit, or drops
/// them with the trial. Room for `most` events is reserved up front (it may
/// throw std::bad_alloc there, as the trial's own copy may), so recording in
/// the callback never allocates; with no target it records nothing.
class deferred_events {
public:
    deferred_events(matrix_observer target, std::size_t most) : target_(target) {
        if (target_) events_.reserve(most);
    }
    deferred_events(const deferred_events&) = delete;
    deferred_events& operator=(const deferred_events&) = delete;

    /// The observer to attach to the trial: empty when there is no target,
    /// so that an unobserved matrix's trial stays unobserved.
    matrix_observer observer() noexcept { return target_ ? observe(*this) : matrix_observer{}; }

    void operator()(const matrix_event& e) noexcept {
        IRQMATRIX_ASSERT(events_.size() < events_.capacity(),
                         "deferred_events: more events than the room reserved");
        if (events_.size() < events_.capacity()) events_.push_back(e);
    }

    /// Delivers the held events to the target, in order, and forgets them.
    void commit() noexcept {
        for (const matrix_event& e : events_) target_(e);
        events_.clear();
    }

    std::size_t size() const noexcept { return events_.size(); }

private:
    matrix_observer target_;
    std::vector<matrix_event> events_;
};

IRQMATRIX_END_NAMESPACE
