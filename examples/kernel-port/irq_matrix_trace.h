/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * irq_matrix_trace.h - the port's tracepoints, for the module build only
 * (irq_matrix.h includes this file under __KERNEL__; in user space the
 * stand-ins of kernel_compat.h take their place).
 *
 * The port's matrix is a second matrix beside the kernel's own, so it has
 * its own trace system, irq_matrix_port, with events named as in
 * irq_matrix: a capture of the port reads like a capture of the kernel's
 * allocator, and `irqmatrix import-events` takes either. Each event prints
 * the matrix's counters after its change, in the text the library's
 * observer produces (include/irqmatrix/events.hpp), so that the library can
 * replay a capture and compare event by event:
 *
 *   global:	online_maps= global_avl=, global_rsvd=, total_alloc=
 *   update:	bit= and the global text (assign_system)
 *   per CPU:	bit= cpu= online= avl= alloc= managed= and the global text
 *   block:	the per-CPU text with the block's base as bit, then order=
 *
 * The five block events are new. Upstream they would be DEFINE_EVENT()s of
 * a block class next to the per-CPU class in include/trace/events/
 * irq_matrix.h; the other eleven exist there already and are only repeated
 * here because this matrix is not the kernel's. Written for this port from
 * the events' printed format; no kernel text is reproduced.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM irq_matrix_port

#if !defined(IRQ_MATRIX_PORT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define IRQ_MATRIX_PORT_TRACE_H

#include <linux/tracepoint.h>

struct irq_matrix;
struct cpumap;

/*
 * The four global counters every event ends with. (clang-format would
 * indent each __field() one step deeper than the one before.)
 */
/* clang-format off */
#define IRQM_PORT_GLOBAL_ENTRY                  \
	__field(unsigned int, online_maps)      \
	__field(unsigned int, global_available) \
	__field(unsigned int, global_reserved)  \
	__field(unsigned int, total_allocated)
/* clang-format on */

#define IRQM_PORT_GLOBAL_ASSIGN(m)                                 \
	do {                                                       \
		__entry->online_maps = (m)->online_maps;           \
		__entry->global_available = (m)->global_available; \
		__entry->global_reserved = (m)->global_reserved;   \
		__entry->total_allocated = (m)->total_allocated;   \
	} while (0)

#define IRQM_PORT_GLOBAL_FMT \
	"online_maps=%u global_avl=%u, global_rsvd=%u, total_alloc=%u"
#define IRQM_PORT_GLOBAL_ARGS                            \
	__entry->online_maps, __entry->global_available, \
		__entry->global_reserved, __entry->total_allocated

/* The per-CPU fields before the global ones. */
/* clang-format off */
#define IRQM_PORT_CPU_ENTRY              \
	__field(int, bit)                \
	__field(unsigned int, cpu)       \
	__field(bool, online)            \
	__field(unsigned int, available) \
	__field(unsigned int, allocated) \
	__field(unsigned int, managed)   \
	IRQM_PORT_GLOBAL_ENTRY
/* clang-format on */

#define IRQM_PORT_CPU_ASSIGN(b, c, m, cm)             \
	do {                                          \
		__entry->bit = (b);                   \
		__entry->cpu = (c);                   \
		__entry->online = (cm)->online;       \
		__entry->available = (cm)->available; \
		__entry->allocated = (cm)->allocated; \
		__entry->managed = (cm)->managed;     \
		IRQM_PORT_GLOBAL_ASSIGN(m);           \
	} while (0)

#define IRQM_PORT_CPU_FMT \
	"bit=%d cpu=%u online=%d avl=%u alloc=%u managed=%u " IRQM_PORT_GLOBAL_FMT
#define IRQM_PORT_CPU_ARGS                                               \
	__entry->bit, __entry->cpu, __entry->online, __entry->available, \
		__entry->allocated, __entry->managed, IRQM_PORT_GLOBAL_ARGS

DECLARE_EVENT_CLASS(irq_matrix_port_global, TP_PROTO(struct irq_matrix *matrix),
		    TP_ARGS(matrix), TP_STRUCT__entry(IRQM_PORT_GLOBAL_ENTRY),
		    TP_fast_assign(IRQM_PORT_GLOBAL_ASSIGN(matrix);),
		    TP_printk(IRQM_PORT_GLOBAL_FMT, IRQM_PORT_GLOBAL_ARGS));

DEFINE_EVENT(irq_matrix_port_global, irq_matrix_online,
	     TP_PROTO(struct irq_matrix *matrix), TP_ARGS(matrix));
DEFINE_EVENT(irq_matrix_port_global, irq_matrix_offline,
	     TP_PROTO(struct irq_matrix *matrix), TP_ARGS(matrix));
DEFINE_EVENT(irq_matrix_port_global, irq_matrix_reserve,
	     TP_PROTO(struct irq_matrix *matrix), TP_ARGS(matrix));
DEFINE_EVENT(irq_matrix_port_global, irq_matrix_remove_reserved,
	     TP_PROTO(struct irq_matrix *matrix), TP_ARGS(matrix));

DECLARE_EVENT_CLASS(irq_matrix_port_update,
		    TP_PROTO(int bit, struct irq_matrix *matrix),
		    TP_ARGS(bit, matrix),
		    TP_STRUCT__entry(__field(int, bit) IRQM_PORT_GLOBAL_ENTRY),
		    TP_fast_assign(__entry->bit = bit;
				   IRQM_PORT_GLOBAL_ASSIGN(matrix);),
		    TP_printk("bit=%d " IRQM_PORT_GLOBAL_FMT, __entry->bit,
			      IRQM_PORT_GLOBAL_ARGS));

DEFINE_EVENT(irq_matrix_port_update, irq_matrix_assign_system,
	     TP_PROTO(int bit, struct irq_matrix *matrix),
	     TP_ARGS(bit, matrix));

DECLARE_EVENT_CLASS(irq_matrix_port_cpu,
		    TP_PROTO(int bit, unsigned int cpu,
			     struct irq_matrix *matrix, struct cpumap *cmap),
		    TP_ARGS(bit, cpu, matrix, cmap),
		    TP_STRUCT__entry(IRQM_PORT_CPU_ENTRY),
		    TP_fast_assign(IRQM_PORT_CPU_ASSIGN(bit, cpu, matrix,
							cmap);),
		    TP_printk(IRQM_PORT_CPU_FMT, IRQM_PORT_CPU_ARGS));

#define IRQM_PORT_CPU_EVENT(name)                                              \
	DEFINE_EVENT(irq_matrix_port_cpu, name,                                \
		     TP_PROTO(int bit, unsigned int cpu,                       \
			      struct irq_matrix *matrix, struct cpumap *cmap), \
		     TP_ARGS(bit, cpu, matrix, cmap))

IRQM_PORT_CPU_EVENT(irq_matrix_reserve_managed);
IRQM_PORT_CPU_EVENT(irq_matrix_remove_managed);
IRQM_PORT_CPU_EVENT(irq_matrix_alloc_managed);
IRQM_PORT_CPU_EVENT(irq_matrix_assign);
IRQM_PORT_CPU_EVENT(irq_matrix_alloc);
IRQM_PORT_CPU_EVENT(irq_matrix_free);

/* New: a block operation, with the block's base as bit and its order. */
DECLARE_EVENT_CLASS(irq_matrix_port_block,
		    TP_PROTO(int bit, unsigned int order, unsigned int cpu,
			     struct irq_matrix *matrix, struct cpumap *cmap),
		    TP_ARGS(bit, order, cpu, matrix, cmap),
		    TP_STRUCT__entry(IRQM_PORT_CPU_ENTRY __field(unsigned int,
								 order)),
		    TP_fast_assign(IRQM_PORT_CPU_ASSIGN(bit, cpu, matrix, cmap);
				   __entry->order = order;),
		    TP_printk(IRQM_PORT_CPU_FMT " order=%u", IRQM_PORT_CPU_ARGS,
			      __entry->order));

#define IRQM_PORT_BLOCK_EVENT(name)                                            \
	DEFINE_EVENT(irq_matrix_port_block, name,                              \
		     TP_PROTO(int bit, unsigned int order, unsigned int cpu,   \
			      struct irq_matrix *matrix, struct cpumap *cmap), \
		     TP_ARGS(bit, order, cpu, matrix, cmap))

IRQM_PORT_BLOCK_EVENT(irq_matrix_alloc_block);
IRQM_PORT_BLOCK_EVENT(irq_matrix_free_block);
IRQM_PORT_BLOCK_EVENT(irq_matrix_reserve_managed_block);
IRQM_PORT_BLOCK_EVENT(irq_matrix_remove_managed_block);
IRQM_PORT_BLOCK_EVENT(irq_matrix_alloc_managed_block);

#endif /* IRQ_MATRIX_PORT_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE irq_matrix_trace
#include <trace/define_trace.h>
