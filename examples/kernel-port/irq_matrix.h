/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * irq_matrix.h - the interface of the kernel-style port (irq_matrix_block.c).
 *
 * In the kernel, the prototypes below belong in include/linux/irq.h (next to
 * the existing irq_matrix_*() declarations) and the two structures stay
 * private at the top of kernel/irq/matrix.c. They are in this header only so
 * that the differential test can read the counters and bitmaps.
 *
 * Port conventions (README.md, "Differences from kernel/irq/matrix.c"):
 *  - Functions the kernel runs on "this CPU" (this_cpu_ptr()) take the CPU
 *    as an explicit @cpu argument: online, offline, assign_system, assign,
 *    available and allocated.
 *  - Three functions the kernel declares void return int here, because they
 *    have WARN_ON_ONCE() paths that now report an errno:
 *    irq_matrix_remove_managed(), irq_matrix_assign() and irq_matrix_free().
 *  - irq_free_matrix() exists only in the port (the kernel's matrix lives
 *    for the whole boot), and irq_alloc_matrix() is not __init: the test
 *    module creates matrices after its init too.
 */
#ifndef IRQ_MATRIX_PORT_H
#define IRQ_MATRIX_PORT_H

#ifdef __KERNEL__
/* An out-of-tree module against a distribution kernel's headers (Kbuild). */
#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/cpumask.h>
#include <linux/limits.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/slab.h>
#else
/* User space: the compatibility header stands in for the kernel. */
#include "kernel_compat.h"
#endif

/* The largest block: 2^5 = 32 vectors, the limit of PCI multi-MSI. */
#define IRQ_MATRIX_MAX_BLOCK_ORDER 5

/**
 * struct cpumap - per-CPU state of the matrix
 * @available:		vectors still available to non-managed allocations;
 *			set at the first online, then adjusted, never recomputed
 * @allocated:		bits set in @alloc_map (managed and non-managed)
 * @managed:		managed reservations held (bits set in @managed_map)
 * @managed_allocated:	managed reservations that are allocated
 * @initialized:	the CPU has been online at least once
 * @online:		the matrix's own notion of the CPU being online
 * @managed_map:	vectors reserved for managed interrupts (points into
 *			the same allocation as @alloc_map)
 * @alloc_map:		allocated vectors; followed by @managed_map's words
 */
struct cpumap {
	unsigned int available;
	unsigned int allocated;
	unsigned int managed;
	unsigned int managed_allocated;
	bool initialized;
	bool online;
	unsigned long *managed_map;
	unsigned long alloc_map[];
};

/**
 * struct irq_matrix - the vector matrix
 * @matrix_bits:	width of every bitmap
 * @alloc_start:	first vector of the allocation window
 * @alloc_end:		first vector past the allocation window
 * @alloc_size:		@alloc_end - @alloc_start
 * @global_available:	sum of @available over the online CPUs (kept
 *			incrementally; the kernel's quirks let it drift)
 * @global_reserved:	reservation-mode interrupts without a vector yet
 * @systembits_inalloc:	assign_system calls whose bit fell in the window
 * @total_allocated:	vectors allocated over all CPUs
 * @online_maps:	CPUs whose map is online
 * @maps:		the per-CPU maps
 * @system_map:		system vectors, excluded on every CPU (points into
 *			the same allocation as @scratch_map)
 * @scratch_map:	work area for searches; followed by @system_map's words
 */
struct irq_matrix {
	unsigned int matrix_bits;
	unsigned int alloc_start;
	unsigned int alloc_end;
	unsigned int alloc_size;
	unsigned int global_available;
	unsigned int global_reserved;
	unsigned int systembits_inalloc;
	unsigned int total_allocated;
	unsigned int online_maps;
	struct cpumap __percpu *maps;
	unsigned long *system_map;
	unsigned long scratch_map[];
};

/* ---- the kernel's interface (explicit @cpu where the kernel uses "this CPU") */

struct irq_matrix *irq_alloc_matrix(unsigned int matrix_bits,
				    unsigned int alloc_start,
				    unsigned int alloc_end);
void irq_free_matrix(struct irq_matrix *m);

void irq_matrix_online(struct irq_matrix *m, unsigned int cpu);
void irq_matrix_offline(struct irq_matrix *m, unsigned int cpu);
void irq_matrix_assign_system(struct irq_matrix *m, unsigned int cpu,
			      unsigned int bit, bool replace);
int irq_matrix_reserve_managed(struct irq_matrix *m, const struct cpumask *msk);
int irq_matrix_remove_managed(struct irq_matrix *m, const struct cpumask *msk);
int irq_matrix_alloc_managed(struct irq_matrix *m, const struct cpumask *msk,
			     unsigned int *mapped_cpu);
int irq_matrix_assign(struct irq_matrix *m, unsigned int cpu, unsigned int bit);
void irq_matrix_reserve(struct irq_matrix *m);
void irq_matrix_remove_reserved(struct irq_matrix *m);
int irq_matrix_alloc(struct irq_matrix *m, const struct cpumask *msk,
		     bool reserved, unsigned int *mapped_cpu);
int irq_matrix_free(struct irq_matrix *m, unsigned int cpu, unsigned int bit,
		    bool managed);
unsigned int irq_matrix_available(struct irq_matrix *m, unsigned int cpu,
				  bool cpudown);
unsigned int irq_matrix_reserved(struct irq_matrix *m);
unsigned int irq_matrix_allocated(struct irq_matrix *m, unsigned int cpu);

/* ---- aligned power-of-two blocks (new) -------------------------------------- */

int irq_matrix_alloc_block(struct irq_matrix *m, const struct cpumask *msk,
			   unsigned int order, bool reserved,
			   unsigned int *mapped_cpu);
int irq_matrix_free_block(struct irq_matrix *m, unsigned int cpu,
			  unsigned int base, unsigned int order, bool managed);
int irq_matrix_reserve_managed_block(struct irq_matrix *m,
				     const struct cpumask *msk,
				     unsigned int order);
int irq_matrix_remove_managed_block(struct irq_matrix *m,
				    const struct cpumask *msk,
				    unsigned int order);
int irq_matrix_alloc_managed_block(struct irq_matrix *m,
				   const struct cpumask *msk,
				   unsigned int order,
				   unsigned int *mapped_cpu);
/* A move's target under the MSI two-step rule (no interrupt remapping). */
bool irq_matrix_two_step_target_ok(const struct irq_matrix *m,
				   unsigned int old_cpu, unsigned int base,
				   unsigned int order);

#ifdef __KERNEL__
/* The tracepoints need the two structures above. */
#include "irq_matrix_trace.h"
#endif

#endif /* IRQ_MATRIX_PORT_H */
