// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * irq_matrix_block.c - the per-CPU interrupt vector matrix, with aligned
 * power-of-two blocks for PCI multi-MSI.
 *
 * This file is the irqmatrix library's block extension written the way it
 * would be proposed for kernel/irq/matrix.c: the existing irq_matrix_*()
 * operations with the kernel's accounting, tie-breaks and quirks, plus five
 * new functions that hand out 2^order consecutive vectors on one CPU whose
 * first vector is a multiple of 2^order. It is an independent
 * implementation from a behavioural specification, built in user space
 * against kernel_compat.h, and it is tested operation by operation against
 * the C++ library (port_diff_test.c).
 *
 * Model. Each CPU has an allocation bitmap and a managed-reservation
 * bitmap; the system bitmap is shared. A vector is free on a CPU when it is
 * inside [alloc_start, alloc_end) and in none of the three. The counters
 * (available, allocated, managed, managed_allocated and the global sums)
 * are maintained incrementally with the kernel's rules, including where
 * those rules let them drift from the bitmaps (a managed reservation made
 * while a CPU is offline, a free while offline, ...). The new functions
 * account a block exactly as 2^order single-vector operations would.
 *
 * Block placement generalises the single-vector rules: a non-managed block
 * goes to the online CPU of the mask with the most available vectors (ties:
 * the lowest CPU) among those that actually have a free aligned block and
 * whose available count covers it, at the lowest such base; a managed block
 * to the online CPU with the fewest managed-allocated vectors (ties: the
 * highest CPU) among those holding a reserved, unallocated aligned block.
 * Unlike the single-vector paths, a block never fails merely because the
 * CPU the counters favour is fragmented: CPUs without room are skipped.
 *
 * Port conventions: see irq_matrix.h (explicit @cpu, errno returns where the
 * kernel only warns).
 *
 * Locking: none inside; callers serialise (on x86, vector_lock).
 *
 * Built two ways: in user space over kernel_compat.h, and as part of an
 * out-of-tree module against a kernel's own headers (Kbuild), where the
 * tracepoints are those of irq_matrix_trace.h.
 */
#include "irq_matrix.h"

/* ---- allocation ------------------------------------------------------------- */

/**
 * irq_alloc_matrix - allocate a matrix
 * @matrix_bits:	number of vectors per CPU (x86: NR_VECTORS)
 * @alloc_start:	first vector the allocator may hand out
 * @alloc_end:		first vector past the allocatable window
 *
 * Allocates the matrix and one map per possible CPU, all zeroed and offline.
 * As in the kernel, the geometry is not validated.
 *
 * Return: the matrix, or NULL if memory ran out.
 */
struct irq_matrix *irq_alloc_matrix(unsigned int matrix_bits,
				    unsigned int alloc_start,
				    unsigned int alloc_end)
{
	unsigned int cpu, words = BITS_TO_LONGS(matrix_bits);
	struct irq_matrix *m;

	m = kzalloc(struct_size(m, scratch_map, 2 * words), GFP_KERNEL);
	if (!m)
		return NULL;

	m->system_map = &m->scratch_map[words];
	m->matrix_bits = matrix_bits;
	m->alloc_start = alloc_start;
	m->alloc_end = alloc_end;
	m->alloc_size = alloc_end - alloc_start;

	m->maps = __alloc_percpu(struct_size(m->maps, alloc_map, 2 * words),
				 _Alignof(struct cpumap));
	if (!m->maps) {
		kfree(m);
		return NULL;
	}

	for_each_possible_cpu(cpu) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

		cm->managed_map = &cm->alloc_map[words];
	}
	return m;
}

/**
 * irq_free_matrix - release a matrix (port only)
 * @m:	matrix from irq_alloc_matrix(), or NULL
 */
void irq_free_matrix(struct irq_matrix *m)
{
	if (!m)
		return;
	free_percpu(m->maps);
	kfree(m);
}

/* ---- internal helpers ----------------------------------------------------- */

/*
 * Fill the scratch map with the vectors of @cm that are not free: managed
 * reservations, system vectors and allocations, over [0, alloc_end).
 */
static void matrix_occupied_to_scratch(struct irq_matrix *m, struct cpumap *cm)
{
	unsigned int end = m->alloc_end;

	bitmap_or(m->scratch_map, cm->managed_map, m->system_map, end);
	bitmap_or(m->scratch_map, m->scratch_map, cm->alloc_map, end);
}

/*
 * The lowest free, naturally aligned area of @num (a power of two) vectors
 * on @cm, or a value >= alloc_end if there is none. The alignment mask is
 * absolute (offset 0): the device ORs the message number into the low bits
 * of the vector, so the base itself must be a multiple of @num. For @num == 1
 * the mask is 0, which is the search the kernel does today.
 */
static unsigned int matrix_find_area(struct irq_matrix *m, struct cpumap *cm,
				     unsigned int num)
{
	matrix_occupied_to_scratch(m, cm);
	return (unsigned int)bitmap_find_next_zero_area_off(
		m->scratch_map, m->alloc_end, m->alloc_start, num, num - 1, 0);
}

/*
 * The kernel's matrix_alloc_area(), with the alignment mask added: find the
 * area as above and mark it in @cm's managed map (a reservation) or
 * allocation map. Counters are the caller's business.
 */
static unsigned int matrix_alloc_area(struct irq_matrix *m, struct cpumap *cm,
				      unsigned int num, bool managed)
{
	unsigned int area = matrix_find_area(m, cm, num);

	if (area >= m->alloc_end)
		return area;
	if (managed)
		bitmap_set(cm->managed_map, area, num);
	else
		bitmap_set(cm->alloc_map, area, num);
	return area;
}

/*
 * The lowest naturally aligned area of @num vectors on @cm that are all
 * managed-reserved and unallocated, or a value >= alloc_end. The scratch map
 * gets the complement (vectors that are allocated or not reserved), so the
 * same zero-area search serves.
 */
static unsigned int matrix_find_managed_area(struct irq_matrix *m,
					     struct cpumap *cm,
					     unsigned int num)
{
	unsigned int end = m->alloc_end;

	bitmap_complement(m->scratch_map, cm->managed_map, end);
	bitmap_or(m->scratch_map, m->scratch_map, cm->alloc_map, end);
	return (unsigned int)bitmap_find_next_zero_area_off(
		m->scratch_map, end, m->alloc_start, num, num - 1, 0);
}

/*
 * The lowest managed-reserved, unallocated vector of @cm, or alloc_end: what
 * the kernel's managed paths take (the lowest one, not the caller's own).
 */
static unsigned int matrix_first_managed_free(struct irq_matrix *m,
					      struct cpumap *cm)
{
	unsigned int end = m->alloc_end;

	if (!bitmap_andnot(m->scratch_map, cm->managed_map, cm->alloc_map, end))
		return end;
	return (unsigned int)find_first_bit(m->scratch_map, end);
}

/*
 * The online CPU of @msk with the most available vectors. Only a strictly
 * larger count replaces the best so far, so ties go to the lowest CPU and a
 * CPU with nothing available is never chosen. Looks at counters only.
 * Returns UINT_MAX if no CPU qualifies.
 */
static unsigned int matrix_find_best_cpu(struct irq_matrix *m,
					 const struct cpumask *msk)
{
	unsigned int cpu, best_cpu = UINT_MAX, maxavl = 0;

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

		if (!cm->online || cm->available <= maxavl)
			continue;
		best_cpu = cpu;
		maxavl = cm->available;
	}
	return best_cpu;
}

/*
 * The online CPU of @msk with the fewest managed-allocated vectors. A CPU is
 * passed over only when its count is strictly larger than the best so far,
 * so ties go to the highest CPU. Returns UINT_MAX if no CPU is online.
 */
static unsigned int matrix_find_best_cpu_managed(struct irq_matrix *m,
						 const struct cpumask *msk)
{
	unsigned int cpu, best_cpu = UINT_MAX, allocated = UINT_MAX;

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

		if (!cm->online || cm->managed_allocated > allocated)
			continue;
		best_cpu = cpu;
		allocated = cm->managed_allocated;
	}
	return best_cpu;
}

/*
 * matrix_find_best_cpu() for a block of @num vectors: the same preference,
 * restricted to CPUs whose available count covers the block (taking more
 * would wrap it) and which have a free aligned area of that size. The
 * bitmap is searched only for a CPU that would beat the current best.
 * Stores the area's base in @base. Returns UINT_MAX if no CPU qualifies.
 */
static unsigned int matrix_find_best_cpu_block(struct irq_matrix *m,
					       const struct cpumask *msk,
					       unsigned int num,
					       unsigned int *base)
{
	unsigned int cpu, best_cpu = UINT_MAX, maxavl = 0;

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);
		unsigned int area;

		if (!cm->online || cm->available < num ||
		    cm->available <= maxavl)
			continue;
		area = matrix_find_area(m, cm, num);
		if (area >= m->alloc_end)
			continue;
		best_cpu = cpu;
		maxavl = cm->available;
		*base = area;
	}
	return best_cpu;
}

/*
 * matrix_find_best_cpu_managed() for a block of @num vectors: the same
 * preference among the online CPUs that hold a reserved, unallocated aligned
 * area of that size. Stores its base in @base. Returns UINT_MAX if none.
 */
static unsigned int
matrix_find_best_cpu_managed_block(struct irq_matrix *m,
				   const struct cpumask *msk, unsigned int num,
				   unsigned int *base)
{
	unsigned int cpu, best_cpu = UINT_MAX, allocated = UINT_MAX;

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);
		unsigned int area;

		if (!cm->online || cm->managed_allocated > allocated)
			continue;
		area = matrix_find_managed_area(m, cm, num);
		if (area >= m->alloc_end)
			continue;
		best_cpu = cpu;
		allocated = cm->managed_allocated;
		*base = area;
	}
	return best_cpu;
}

/* ---- the kernel's operations ------------------------------------------------ */

/**
 * irq_matrix_online - bring a CPU's map online
 * @m:		matrix
 * @cpu:	the CPU (the kernel acts on the calling CPU)
 *
 * The first time, the CPU's available count is set to the window size less
 * its managed reservations and the in-window system vectors; afterwards it
 * keeps the value it had, and allocations made before going offline stay.
 * Onlining an online map is a bug.
 */
void irq_matrix_online(struct irq_matrix *m, unsigned int cpu)
{
	struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

	BUG_ON(cm->online);

	if (!cm->initialized) {
		cm->available = m->alloc_size;
		cm->available -= cm->managed + m->systembits_inalloc;
		cm->initialized = true;
	}
	m->global_available += cm->available;
	cm->online = true;
	m->online_maps++;
	trace_irq_matrix_online(m);
}

/**
 * irq_matrix_offline - take a CPU's map offline
 * @m:		matrix
 * @cpu:	the CPU (the kernel acts on the calling CPU)
 *
 * The CPU's available count leaves the global one. Its allocations and
 * reservations stay; total_allocated is not adjusted. As in the kernel, the
 * map is not checked to be online.
 */
void irq_matrix_offline(struct irq_matrix *m, unsigned int cpu)
{
	struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

	m->global_available -= cm->available;
	cm->online = false;
	m->online_maps--;
	trace_irq_matrix_offline(m);
}

/**
 * irq_matrix_assign_system - make a vector a system vector on every CPU
 * @m:		matrix
 * @cpu:	the CPU whose allocation @replace releases (the kernel: the
 *		calling CPU)
 * @bit:	the vector
 * @replace:	@bit is allocated on @cpu and becomes a system vector
 *
 * Boot-time only: with more than one map online, or with one online and no
 * @replace, this is a bug. With @replace the allocation on @cpu is released
 * (allocated and total_allocated drop; available is not given back, as the
 * vector stays unusable). Every call for an in-window bit counts in
 * systembits_inalloc, even a repeated one.
 *
 * Port: the range check is @bit >= matrix_bits; the kernel tests >, which
 * lets @bit == matrix_bits write past the bitmap.
 */
void irq_matrix_assign_system(struct irq_matrix *m, unsigned int cpu,
			      unsigned int bit, bool replace)
{
	struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

	BUG_ON(bit >= m->matrix_bits);
	BUG_ON(m->online_maps > 1 || (m->online_maps && !replace));

	set_bit(bit, m->system_map);
	if (replace) {
		BUG_ON(!test_and_clear_bit(bit, cm->alloc_map));
		cm->allocated--;
		m->total_allocated--;
	}
	if (bit >= m->alloc_start && bit < m->alloc_end)
		m->systembits_inalloc++;

	trace_irq_matrix_assign_system(bit, m);
}

/**
 * irq_matrix_reserve_managed - reserve a managed vector on each CPU of a mask
 * @m:		matrix
 * @msk:	the CPUs, online or not
 *
 * Reserves the lowest free vector on each CPU of @msk; an online CPU's
 * available count is charged now. If some CPU has no free vector, the CPUs
 * already done are undone with irq_matrix_remove_managed(), which releases
 * each one's lowest unallocated reservation (not necessarily the one just
 * made: the counts come back, a reservation may move).
 *
 * Return: 0, or -ENOSPC.
 */
int irq_matrix_reserve_managed(struct irq_matrix *m, const struct cpumask *msk)
{
	unsigned int cpu, failed_cpu;

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);
		unsigned int bit;

		bit = matrix_alloc_area(m, cm, 1, true);
		if (bit >= m->alloc_end)
			goto undo;
		cm->managed++;
		if (cm->online) {
			cm->available--;
			m->global_available--;
		}
		trace_irq_matrix_reserve_managed(bit, cpu, m, cm);
	}
	return 0;

undo:
	failed_cpu = cpu;
	for_each_cpu(cpu, msk) {
		if (cpu == failed_cpu)
			break;
		irq_matrix_remove_managed(m, cpumask_of(cpu));
	}
	return -ENOSPC;
}

/**
 * irq_matrix_remove_managed - release a managed reservation on each CPU
 * @m:		matrix
 * @msk:	the CPUs, online or not
 *
 * Releases the lowest reserved, unallocated vector on each CPU of @msk; an
 * online CPU's available count gets it back. Allocated managed vectors must
 * be freed first.
 *
 * Port: the kernel warns and skips a CPU with nothing removable, returning
 * nothing; here the call is refused before anything changes.
 *
 * Return: 0 (also for an empty mask), or -EBUSY if a CPU of @msk has no
 * removable reservation.
 */
int irq_matrix_remove_managed(struct irq_matrix *m, const struct cpumask *msk)
{
	unsigned int cpu;

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

		if (WARN_ON_ONCE(!cm->managed))
			return -EBUSY;
		if (WARN_ON_ONCE(matrix_first_managed_free(m, cm) >=
				 m->alloc_end))
			return -EBUSY;
	}

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);
		unsigned int bit = matrix_first_managed_free(m, cm);

		clear_bit(bit, cm->managed_map);
		cm->managed--;
		if (cm->online) {
			cm->available++;
			m->global_available++;
		}
		trace_irq_matrix_remove_managed(bit, cpu, m, cm);
	}
	return 0;
}

/**
 * irq_matrix_alloc_managed - allocate a reserved managed vector
 * @m:		matrix
 * @msk:	the candidate CPUs
 * @mapped_cpu:	set to the CPU the vector is on
 *
 * Picks the online CPU of @msk with the fewest managed-allocated vectors
 * (ties: the highest) and takes its lowest reserved, unallocated vector.
 * There is no retry on another CPU. available is not charged: it was at
 * reservation time.
 *
 * Return: the vector, -EINVAL for an empty mask, -ENOSPC if no CPU of @msk
 * is online or the chosen one has no reserved vector left.
 */
int irq_matrix_alloc_managed(struct irq_matrix *m, const struct cpumask *msk,
			     unsigned int *mapped_cpu)
{
	unsigned int bit, cpu;
	struct cpumap *cm;

	if (cpumask_empty(msk))
		return -EINVAL;

	cpu = matrix_find_best_cpu_managed(m, msk);
	if (cpu == UINT_MAX)
		return -ENOSPC;

	cm = per_cpu_ptr(m->maps, cpu);
	bit = matrix_first_managed_free(m, cm);
	if (bit >= m->alloc_end)
		return -ENOSPC;

	set_bit(bit, cm->alloc_map);
	cm->allocated++;
	cm->managed_allocated++;
	m->total_allocated++;
	*mapped_cpu = cpu;
	trace_irq_matrix_alloc_managed(bit, cpu, m, cm);
	return (int)bit;
}

/**
 * irq_matrix_assign - mark a preallocated vector allocated
 * @m:		matrix
 * @cpu:	the CPU (the kernel acts on the calling CPU)
 * @bit:	the vector, inside the allocation window
 *
 * For vectors the platform has set up itself (x86: the legacy ISA vectors
 * on the boot CPU). System and managed bits are not checked, and the CPU is
 * charged even if its map is offline.
 *
 * Return: 0, -EINVAL if @bit is outside the window, -EBUSY if it is already
 * allocated on @cpu (the kernel warns and returns in both cases).
 */
int irq_matrix_assign(struct irq_matrix *m, unsigned int cpu, unsigned int bit)
{
	struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

	if (WARN_ON_ONCE(bit < m->alloc_start || bit >= m->alloc_end))
		return -EINVAL;
	if (WARN_ON_ONCE(test_and_set_bit(bit, cm->alloc_map)))
		return -EBUSY;
	cm->allocated++;
	m->total_allocated++;
	cm->available--;
	m->global_available--;
	trace_irq_matrix_assign(bit, cpu, m, cm);
	return 0;
}

/**
 * irq_matrix_reserve - note one more reservation-mode interrupt
 * @m:	matrix
 *
 * Bookkeeping only: no vector is taken. Warns once the reservations reach
 * the globally available vectors, but never refuses.
 */
void irq_matrix_reserve(struct irq_matrix *m)
{
	if (m->global_reserved == m->global_available)
		pr_warn("Interrupt reservation exceeds available resources\n");

	m->global_reserved++;
	trace_irq_matrix_reserve(m);
}

/**
 * irq_matrix_remove_reserved - drop one reservation-mode interrupt
 * @m:	matrix
 *
 * As in the kernel, the count is not checked (it wraps when already 0).
 */
void irq_matrix_remove_reserved(struct irq_matrix *m)
{
	m->global_reserved--;
	trace_irq_matrix_remove_reserved(m);
}

/**
 * irq_matrix_alloc - allocate a regular vector
 * @m:		matrix
 * @msk:	the candidate CPUs
 * @reserved:	the interrupt held a reservation, which this consumes
 * @mapped_cpu:	set to the CPU the vector is on
 *
 * Picks the online CPU of @msk with the most available vectors (ties: the
 * lowest) from the counters alone and takes its lowest free vector; if that
 * CPU has none, the allocation fails without trying another CPU.
 *
 * Return: the vector, -EINVAL for an empty mask, or -ENOSPC.
 */
int irq_matrix_alloc(struct irq_matrix *m, const struct cpumask *msk,
		     bool reserved, unsigned int *mapped_cpu)
{
	unsigned int cpu, bit;
	struct cpumap *cm;

	if (cpumask_empty(msk))
		return -EINVAL;

	cpu = matrix_find_best_cpu(m, msk);
	if (cpu == UINT_MAX)
		return -ENOSPC;

	cm = per_cpu_ptr(m->maps, cpu);
	bit = matrix_alloc_area(m, cm, 1, false);
	if (bit >= m->alloc_end)
		return -ENOSPC;
	cm->allocated++;
	cm->available--;
	m->total_allocated++;
	m->global_available--;
	if (reserved)
		m->global_reserved--;
	*mapped_cpu = cpu;
	trace_irq_matrix_alloc(bit, cpu, m, cm);
	return (int)bit;
}

/**
 * irq_matrix_free - free an allocated vector
 * @m:		matrix
 * @cpu:	the CPU the vector is on, online or not
 * @bit:	the vector
 * @managed:	the vector is a managed one (trusted, not checked)
 *
 * A managed vector stays reserved until irq_matrix_remove_managed(); a
 * regular one goes back to the CPU's available count. The global counters
 * only move while the CPU's map is online (so a vector freed on an offline
 * CPU stays in total_allocated).
 *
 * Return: 0, -EINVAL if @bit is outside the window, -ENOENT if it is not
 * allocated on @cpu (the kernel warns and returns in both cases).
 */
int irq_matrix_free(struct irq_matrix *m, unsigned int cpu, unsigned int bit,
		    bool managed)
{
	struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

	if (WARN_ON_ONCE(bit < m->alloc_start || bit >= m->alloc_end))
		return -EINVAL;
	if (WARN_ON_ONCE(!test_and_clear_bit(bit, cm->alloc_map)))
		return -ENOENT;

	cm->allocated--;
	if (managed)
		cm->managed_allocated--;
	if (cm->online)
		m->total_allocated--;
	if (!managed) {
		cm->available++;
		if (cm->online)
			m->global_available++;
	}
	trace_irq_matrix_free(bit, cpu, m, cm);
	return 0;
}

/**
 * irq_matrix_available - available vectors
 * @m:		matrix
 * @cpu:	the CPU that @cpudown refers to (the kernel: the calling CPU)
 * @cpudown:	leave @cpu's share out (it is about to go offline)
 *
 * Return: the global available count, less @cpu's own with @cpudown
 * (unsigned arithmetic, as in the kernel).
 */
unsigned int irq_matrix_available(struct irq_matrix *m, unsigned int cpu,
				  bool cpudown)
{
	struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

	if (!cpudown)
		return m->global_available;
	return m->global_available - cm->available;
}

/**
 * irq_matrix_reserved - outstanding reservation-mode interrupts
 * @m:	matrix
 */
unsigned int irq_matrix_reserved(struct irq_matrix *m)
{
	return m->global_reserved;
}

/**
 * irq_matrix_allocated - non-managed vectors allocated on a CPU
 * @m:		matrix
 * @cpu:	the CPU (the kernel: the calling CPU)
 *
 * Return: allocated less managed_allocated: what must move if @cpu goes away.
 */
unsigned int irq_matrix_allocated(struct irq_matrix *m, unsigned int cpu)
{
	struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

	return cm->allocated - cm->managed_allocated;
}

/* ---- aligned power-of-two blocks ---------------------------------------------- */

/**
 * DOC: Aligned blocks
 *
 * A block of order k is 2^k consecutive vectors on one CPU whose first
 * vector is a multiple of 2^k and which lies inside the allocation window:
 * what a PCI multi-MSI device needs when no interrupt remapping sits between
 * it and the local APIC, because it writes the message number into the low
 * bits of the single message's data, i.e. of the vector. k runs from 0 to
 * IRQ_MATRIX_MAX_BLOCK_ORDER (32 vectors, the MSI limit).
 *
 * Accounting is exactly that of 2^k single-vector operations. All block
 * operations are all-or-nothing: an error leaves the matrix unchanged.
 * Invalid arguments are caller bugs and warn once; running out of room
 * does not warn.
 */

/**
 * irq_matrix_alloc_block - allocate an aligned block of regular vectors
 * @m:		matrix
 * @msk:	the candidate CPUs
 * @order:	the block holds 2^@order vectors
 * @reserved:	the block consumes 2^@order reservation-mode reservations
 * @mapped_cpu:	set to the CPU the block is on
 *
 * Among the online CPUs of @msk that have a free aligned block of that order
 * and at least 2^@order available vectors, takes the one with the most
 * available vectors (ties: the lowest CPU) and, on it, the lowest such
 * block. At order 0 this agrees with irq_matrix_alloc() whenever that
 * succeeds, and succeeds in addition where irq_matrix_alloc()'s counter-only
 * choice lands on a CPU with no free vector.
 *
 * Return: the block's first vector; -EINVAL for an empty mask or an order
 * above IRQ_MATRIX_MAX_BLOCK_ORDER; -EBUSY if @reserved and fewer than
 * 2^@order reservations are outstanding; -ENOSPC if no CPU has room.
 */
int irq_matrix_alloc_block(struct irq_matrix *m, const struct cpumask *msk,
			   unsigned int order, bool reserved,
			   unsigned int *mapped_cpu)
{
	unsigned int cpu, num, base = 0;
	struct cpumap *cm;

	if (WARN_ON_ONCE(order > IRQ_MATRIX_MAX_BLOCK_ORDER))
		return -EINVAL;
	if (cpumask_empty(msk))
		return -EINVAL;

	num = 1U << order;
	if (WARN_ON_ONCE(reserved && m->global_reserved < num))
		return -EBUSY;

	cpu = matrix_find_best_cpu_block(m, msk, num, &base);
	if (cpu == UINT_MAX)
		return -ENOSPC;

	cm = per_cpu_ptr(m->maps, cpu);
	bitmap_set(cm->alloc_map, base, num);
	cm->allocated += num;
	cm->available -= num;
	m->total_allocated += num;
	m->global_available -= num;
	if (reserved)
		m->global_reserved -= num;
	*mapped_cpu = cpu;
	trace_irq_matrix_alloc_block(base, order, cpu, m, cm);
	return (int)base;
}

/**
 * irq_matrix_two_step_target_ok - may a move from @old_cpu take this block?
 * @m:		matrix
 * @old_cpu:	the CPU the moving group is on now
 * @base:	the candidate target block's first vector
 * @order:	the block holds 2^@order vectors
 *
 * Without interrupt remapping a device that cannot mask its MSI is
 * retargeted in two writes, the vector first and the CPU second, so between
 * them it may raise the new vectors on the old CPU. A target block is safe
 * only if none of its vectors there belongs to anyone: each must be inside
 * the window and neither allocated, managed-reserved nor a system vector on
 * @old_cpu. The caller checks this for each candidate besides the block
 * being free on the target CPU (a move within one CPU always passes). Reads
 * only; the vector lock must be held, as for the allocation that follows.
 *
 * Return: true if the block qualifies; false otherwise, and for a CPU or
 * order out of range or an unaligned @base.
 */
bool irq_matrix_two_step_target_ok(const struct irq_matrix *m,
				   unsigned int old_cpu, unsigned int base,
				   unsigned int order)
{
	const struct cpumap *cm;
	unsigned int num, end;

	if (old_cpu >= nr_cpu_ids || order > IRQ_MATRIX_MAX_BLOCK_ORDER)
		return false;
	num = 1U << order;
	end = base + num;
	if (base & (num - 1) || base < m->alloc_start || end > m->alloc_end)
		return false;
	cm = per_cpu_ptr(m->maps, old_cpu);
	return find_next_bit(cm->alloc_map, end, base) >= end &&
	       find_next_bit(cm->managed_map, end, base) >= end &&
	       find_next_bit(m->system_map, end, base) >= end;
}

/**
 * irq_matrix_free_block - free an aligned block
 * @m:		matrix
 * @cpu:	the CPU the block is on, online or not
 * @base:	the block's first vector
 * @order:	the block holds 2^@order vectors
 * @managed:	the block is managed (stays reserved) or not
 *
 * Every vector of the block must be allocated on @cpu and, as @managed says,
 * all managed-reserved or none. Each is then freed as irq_matrix_free()
 * frees it. A block may equally be freed vector by vector.
 *
 * Return: 0; -EINVAL for a CPU or order out of range, an unaligned @base or
 * a block outside the window; -ENOENT if the block is not allocated as
 * stated (nothing is freed).
 */
int irq_matrix_free_block(struct irq_matrix *m, unsigned int cpu,
			  unsigned int base, unsigned int order, bool managed)
{
	unsigned int num, end;
	struct cpumap *cm;

	if (WARN_ON_ONCE(cpu >= nr_cpu_ids ||
			 order > IRQ_MATRIX_MAX_BLOCK_ORDER))
		return -EINVAL;

	num = 1U << order;
	if (WARN_ON_ONCE(base & (num - 1)))
		return -EINVAL;
	if (WARN_ON_ONCE(base < m->alloc_start || base >= m->alloc_end ||
			 m->alloc_end - base < num))
		return -EINVAL;

	end = base + num;
	cm = per_cpu_ptr(m->maps, cpu);
	if (WARN_ON_ONCE(find_next_zero_bit(cm->alloc_map, end, base) < end))
		return -ENOENT;
	if (managed) {
		if (WARN_ON_ONCE(find_next_zero_bit(cm->managed_map, end,
						    base) < end))
			return -ENOENT;
	} else {
		if (WARN_ON_ONCE(find_next_bit(cm->managed_map, end, base) <
				 end))
			return -ENOENT;
	}

	bitmap_clear(cm->alloc_map, base, num);
	cm->allocated -= num;
	if (managed)
		cm->managed_allocated -= num;
	if (cm->online)
		m->total_allocated -= num;
	if (!managed) {
		cm->available += num;
		if (cm->online)
			m->global_available += num;
	}
	trace_irq_matrix_free_block(base, order, cpu, m, cm);
	return 0;
}

/**
 * irq_matrix_reserve_managed_block - reserve an aligned managed block on
 *				      each CPU of a mask
 * @m:		matrix
 * @msk:	the CPUs, online or not
 * @order:	each block holds 2^@order vectors
 *
 * On every CPU of @msk the lowest free aligned block of that order becomes
 * managed-reserved; an online CPU's available count is charged now. Every
 * CPU is checked before any is changed, so unlike
 * irq_matrix_reserve_managed() a failure needs no rollback.
 *
 * Return: 0; -EINVAL for an empty mask or an order out of range; -ENOSPC if
 * some CPU of @msk has no such block.
 */
int irq_matrix_reserve_managed_block(struct irq_matrix *m,
				     const struct cpumask *msk,
				     unsigned int order)
{
	unsigned int cpu, num;

	if (WARN_ON_ONCE(order > IRQ_MATRIX_MAX_BLOCK_ORDER))
		return -EINVAL;
	if (cpumask_empty(msk))
		return -EINVAL;

	num = 1U << order;
	for_each_cpu(cpu, msk) {
		if (matrix_find_area(m, per_cpu_ptr(m->maps, cpu), num) >=
		    m->alloc_end)
			return -ENOSPC;
	}

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);
		unsigned int base = matrix_alloc_area(m, cm, num, true);

		cm->managed += num;
		if (cm->online) {
			cm->available -= num;
			m->global_available -= num;
		}
		trace_irq_matrix_reserve_managed_block(base, order, cpu, m, cm);
	}
	return 0;
}

/**
 * irq_matrix_remove_managed_block - release an aligned managed block on
 *				     each CPU of a mask
 * @m:		matrix
 * @msk:	the CPUs, online or not
 * @order:	each block holds 2^@order vectors
 *
 * On every CPU of @msk the lowest aligned block of that order whose vectors
 * are all managed-reserved and unallocated is released; an online CPU's
 * available count gets it back.
 *
 * Return: 0; -EINVAL for an empty mask or an order out of range; -EBUSY if
 * some CPU of @msk has no such block (nothing is released).
 */
int irq_matrix_remove_managed_block(struct irq_matrix *m,
				    const struct cpumask *msk,
				    unsigned int order)
{
	unsigned int cpu, num;

	if (WARN_ON_ONCE(order > IRQ_MATRIX_MAX_BLOCK_ORDER))
		return -EINVAL;
	if (cpumask_empty(msk))
		return -EINVAL;

	num = 1U << order;
	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

		if (WARN_ON_ONCE(matrix_find_managed_area(m, cm, num) >=
				 m->alloc_end))
			return -EBUSY;
	}

	for_each_cpu(cpu, msk) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);
		unsigned int base = matrix_find_managed_area(m, cm, num);

		bitmap_clear(cm->managed_map, base, num);
		cm->managed -= num;
		if (cm->online) {
			cm->available += num;
			m->global_available += num;
		}
		trace_irq_matrix_remove_managed_block(base, order, cpu, m, cm);
	}
	return 0;
}

/**
 * irq_matrix_alloc_managed_block - allocate a reserved aligned managed block
 * @m:		matrix
 * @msk:	the candidate CPUs
 * @order:	the block holds 2^@order vectors
 * @mapped_cpu:	set to the CPU the block is on
 *
 * Among the online CPUs of @msk that hold a managed-reserved, unallocated
 * aligned block of that order, takes the one with the fewest
 * managed-allocated vectors (ties: the highest CPU) and its lowest such
 * block. available is not charged: it was at reservation time.
 *
 * Return: the block's first vector; -EINVAL for an empty mask or an order
 * out of range; -ENOSPC if no online CPU of @msk holds such a block.
 */
int irq_matrix_alloc_managed_block(struct irq_matrix *m,
				   const struct cpumask *msk,
				   unsigned int order, unsigned int *mapped_cpu)
{
	unsigned int cpu, num, base = 0;
	struct cpumap *cm;

	if (WARN_ON_ONCE(order > IRQ_MATRIX_MAX_BLOCK_ORDER))
		return -EINVAL;
	if (cpumask_empty(msk))
		return -EINVAL;

	num = 1U << order;
	cpu = matrix_find_best_cpu_managed_block(m, msk, num, &base);
	if (cpu == UINT_MAX)
		return -ENOSPC;

	cm = per_cpu_ptr(m->maps, cpu);
	bitmap_set(cm->alloc_map, base, num);
	cm->allocated += num;
	cm->managed_allocated += num;
	m->total_allocated += num;
	*mapped_cpu = cpu;
	trace_irq_matrix_alloc_managed_block(base, order, cpu, m, cm);
	return (int)base;
}
