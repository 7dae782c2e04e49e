/* SPDX-License-Identifier: MIT */
/*
 * irqmatrix.h - the C interface of irqmatrix: the Linux kernel's per-CPU
 * interrupt vector matrix (kernel/irq/matrix.c) with aligned power-of-two
 * block extensions, for C programs and for kernel developers who want to
 * check a C port against the tested C++ model.
 *
 * Compiles as C11 and as C++; includes only <stdint.h>, <stddef.h> and
 * <stdbool.h>. Link irqmatrix::c (CMake) or `pkg-config --libs irqmatrix`.
 *
 * Every irq_matrix_*() function of the kernel has an irqm_*() counterpart
 * with the kernel's argument order and return convention, with three
 * systematic changes:
 *
 *  - where the kernel acts on "this CPU", an explicit `cpu` argument follows
 *    the matrix, in the place irq_matrix_free() has its cpu;
 *  - a function the kernel declares void returns 0 or a negative errno,
 *    because the library refuses bad calls (see "Errors for bad input" in the
 *    trace format specification) instead of WARNing and carrying on;
 *  - a function that can fail only on a bad argument and whose kernel
 *    counterpart returns a count returns 0 or a negative errno and passes the
 *    count through an out-parameter (irqm_available(), irqm_allocated()).
 *
 * A refused call never changes the matrix, with one exception the kernel
 * itself has: see irqm_reserve_managed().
 */
#ifndef IRQMATRIX_IRQMATRIX_H
#define IRQMATRIX_IRQMATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * IRQM_API: the visibility/export attribute of every function. A shared
 * build of the shim is compiled with hidden visibility and IRQM_BUILDING; its
 * users get IRQM_SHARED from the irqmatrix::c target (Windows DLL import).
 */
#ifndef IRQM_API
#if defined(_WIN32) && defined(IRQM_SHARED)
#ifdef IRQM_BUILDING
#define IRQM_API __declspec(dllexport)
#else
#define IRQM_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define IRQM_API __attribute__((visibility("default")))
#else
#define IRQM_API
#endif
#endif

/*
 * IRQM_NODISCARD: a result that must be looked at ([[nodiscard]] in C++17
 * and C23, warn_unused_result in GNU C before C23). GCC's warn_unused_result
 * cannot be silenced by a cast to void: define IRQM_NODISCARD empty before
 * including this header to turn the check off.
 */
#ifndef IRQM_NODISCARD
#if defined(__cplusplus) && __cplusplus >= 201703L
#define IRQM_NODISCARD [[nodiscard]]
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && \
	__STDC_VERSION__ >= 202311L
#define IRQM_NODISCARD [[nodiscard]]
#elif defined(__GNUC__) || defined(__clang__)
#define IRQM_NODISCARD __attribute__((warn_unused_result))
#else
#define IRQM_NODISCARD
#endif
#endif

/*
 * IRQM_NOEXCEPT: no function of this interface lets an exception escape; C++
 * callers see that in the type.
 */
#ifndef IRQM_NOEXCEPT
#if defined(__cplusplus) && __cplusplus >= 201103L
#define IRQM_NOEXCEPT noexcept
#else
#define IRQM_NOEXCEPT
#endif
#endif

/* The largest matrix (vectors per CPU) irqm_create() accepts. */
#define IRQM_MAX_BITS 2048u
/* The largest CPU count irqm_create() accepts. */
#define IRQM_MAX_CPUS 65536u
/* The largest block order: 2^5 = 32 vectors, the multi-MSI limit. */
#define IRQM_MAX_ORDER 5u
/* Bits in one word of a mask or bitmap (unsigned long, as the kernel's). */
#define IRQM_BITS_PER_LONG (8u * sizeof(unsigned long))
/* Words of unsigned long needed for a mask or bitmap of @nbits bits. */
#define IRQM_BITS_TO_LONGS(nbits) \
	(((nbits) + IRQM_BITS_PER_LONG - 1u) / IRQM_BITS_PER_LONG)

#ifdef __cplusplus
extern "C" {
#endif

/**
 * DOC: The accounting model
 *
 * A matrix holds @bits vectors per CPU for @nr_cpus possible CPUs, all
 * offline at creation. Only vectors in the allocation window
 * [alloc_start, alloc_end) are ever handed out. A vector is *free* on a CPU
 * when it lies in the window and is neither allocated on that CPU, nor
 * managed-reserved on that CPU, nor a system vector (system vectors are the
 * same on every CPU).
 *
 * Per CPU the matrix keeps the kernel's struct cpumap counters: @available
 * (vectors it can still hand to non-managed users), @allocated (vectors
 * allocated, managed or not), @managed (managed reservations) and
 * @managed_allocated (managed reservations in use). Globally it keeps
 * @online_maps, @global_available (the sum of @available over online CPUs),
 * @global_reserved (reservations made by irqm_reserve()), @total_allocated
 * and @systembits_inalloc.
 *
 * As in the kernel, @available is computed once, when a CPU comes online for
 * the first time (window size - managed - systembits_inalloc), and is then
 * moved by one per operation, never recomputed. Some legal sequences (a
 * managed reservation made while the CPU is offline, a vector freed on an
 * offline CPU, irqm_assign() onto a system vector, ...) make the counters
 * drift from the bitmaps exactly as the kernel's do. The library records the
 * amount of every such drift, so that irqm_verify() can still check every
 * counter against the bitmaps exactly, and irqm_get_cpu_drift() and
 * irqm_get_global_drift() report it.
 *
 * Placement follows the kernel: irqm_alloc() takes the online CPU of the mask
 * with the most available vectors (ties: the lowest CPU), irqm_alloc_managed()
 * the one with the fewest managed-allocated vectors (ties: the highest CPU);
 * on that CPU the lowest vector is taken. Blocks of order k are 2^k
 * consecutive vectors of one CPU whose first vector is a multiple of 2^k,
 * inside the window, placed by the same rules; irqm_alloc_block() skips a CPU
 * whose @available counter is below 2^k.
 *
 * CPU masks are passed the way kernel code holds a struct cpumask: an array
 * of unsigned long words, bit c of the array being CPU c, plus the number of
 * meaningful bits @nr_mask_bits (the kernel's nr_cpumask_bits). Bits at or
 * above @nr_mask_bits are ignored; a set bit naming a CPU at or above the
 * matrix's @nr_cpus is refused with -EINVAL. @mask may be NULL when
 * @nr_mask_bits is 0 (the empty mask).
 *
 * A matrix is not thread-safe, like the kernel's (whose callers hold
 * vector_lock): serialise all calls on one matrix, queries included.
 * Distinct matrices are independent. Of the kernel's operations and the
 * queries, only irqm_create(), irqm_verify() and irqm_debug_show() allocate
 * memory, unless a guaranteed reservation is outstanding (see DOC: Planning).
 */

/**
 * enum irqm_status - the negative Linux errno values the functions return.
 * @IRQM_OK: success (functions returning a vector return it, >= 0, instead).
 * @IRQM_ENOENT: freeing something that is not allocated as stated.
 * @IRQM_ENOMEM: out of memory (irqm_verify(), irqm_debug_show() and the
 *	planning operations).
 * @IRQM_EBUSY: state conflict (already online, nothing removable, ...).
 * @IRQM_EINVAL: an argument is out of range, an empty mask where a CPU is
 *	needed, an unaligned base, a NULL pointer where one is needed.
 * @IRQM_ENOSPC: no room.
 * @IRQM_EUCLEAN: irqm_verify() found the state inconsistent (a library bug).
 *
 * The numbers are fixed here (they are the x86/generic Linux values), not
 * taken from the host's <errno.h>.
 */
typedef enum irqm_status {
	IRQM_OK = 0,
	IRQM_ENOENT = -2,
	IRQM_ENOMEM = -12,
	IRQM_EBUSY = -16,
	IRQM_EINVAL = -22,
	IRQM_ENOSPC = -28,
	IRQM_EUCLEAN = -117
} irqm_status;

/* The matrix, opaque: made by irqm_create(), released by irqm_destroy(). */
struct irqm_matrix;

/**
 * struct irqm_geometry - the shape of a matrix, fixed at creation.
 * @bits: vectors per CPU.
 * @alloc_start: first vector of the allocation window.
 * @alloc_end: end (exclusive) of the allocation window.
 * @nr_cpus: possible CPUs (0 .. nr_cpus - 1).
 * @capacity: the bitmap capacity the shim chose: 256, or 2048 when
 *	@bits > 256.
 */
struct irqm_geometry {
	unsigned int bits;
	unsigned int alloc_start;
	unsigned int alloc_end;
	unsigned int nr_cpus;
	unsigned int capacity;
};

/**
 * struct irqm_stats - the global counters (the first debugfs lines).
 * @online_maps: CPUs online.
 * @global_available: sum of @available over the online CPUs (+ drift).
 * @global_reserved: outstanding irqm_reserve() reservations.
 * @total_allocated: vectors allocated on all CPUs (+ drift).
 * @systembits_inalloc: irqm_assign_system() calls whose bit fell in the
 *	allocation window.
 */
struct irqm_stats {
	unsigned int online_maps;
	unsigned int global_available;
	unsigned int global_reserved;
	unsigned int total_allocated;
	unsigned int systembits_inalloc;
};

/**
 * struct irqm_cpu_stats - one CPU's counters (the kernel's struct cpumap).
 * @online: the CPU is online in the matrix.
 * @available: vectors it can still hand to non-managed users.
 * @allocated: vectors allocated, managed or not.
 * @managed: managed reservations held.
 * @managed_allocated: managed reservations allocated.
 */
struct irqm_cpu_stats {
	bool online;
	unsigned int available;
	unsigned int allocated;
	unsigned int managed;
	unsigned int managed_allocated;
};

/**
 * struct irqm_drift - how far kernel counters are from the bitmaps' truth.
 * @available: per CPU: @available less the free vectors; globally:
 *	@global_available less the sum of the online CPUs' @available.
 * @allocated: per CPU: @managed_allocated less the allocated managed
 *	vectors; globally: @total_allocated less the sum of the CPUs'
 *	@allocated.
 *
 * Both are 0 unless a kernel quirk path ran (see DOC: The accounting model).
 */
struct irqm_drift {
	int available;
	int allocated;
};

/* ---- lifetime ---------------------------------------------------------- */

/**
 * irqm_create() - allocate a matrix (the kernel's irq_alloc_matrix()).
 * @bits: vectors per CPU, 1 to IRQM_MAX_BITS (x86: 256).
 * @alloc_start: first vector of the allocation window (x86: 32).
 * @alloc_end: end of the window, alloc_start <= alloc_end <= bits (x86: 236).
 * @nr_cpus: possible CPUs, 1 to IRQM_MAX_CPUS; all start offline.
 *
 * Return: the new matrix, to be released with irqm_destroy(); NULL if an
 * argument is out of range or memory runs out.
 */
IRQM_NODISCARD IRQM_API struct irqm_matrix *
irqm_create(unsigned int bits, unsigned int alloc_start, unsigned int alloc_end,
	    unsigned int nr_cpus) IRQM_NOEXCEPT;

/**
 * irqm_destroy() - release a matrix.
 * @m: the matrix, or NULL (then nothing happens).
 */
IRQM_API void irqm_destroy(struct irqm_matrix *m) IRQM_NOEXCEPT;

/* ---- the kernel's operations ------------------------------------------ */

/**
 * irqm_online() - bring a CPU online in the matrix (irq_matrix_online()).
 * @m: the matrix.
 * @cpu: the CPU.
 *
 * The first time, @available becomes the window size less the managed
 * reservations and @systembits_inalloc; later onlinings keep the value it had.
 * The CPU's @available joins @global_available.
 *
 * Return: 0; -EINVAL if @m is NULL or @cpu is out of range; -EBUSY if the
 * CPU is already online.
 */
IRQM_NODISCARD IRQM_API int irqm_online(struct irqm_matrix *m,
					unsigned int cpu) IRQM_NOEXCEPT;

/**
 * irqm_offline() - take a CPU offline in the matrix (irq_matrix_offline()).
 * @m: the matrix.
 * @cpu: the CPU.
 *
 * Its @available leaves @global_available; its allocations stay (see
 * irqm_can_offline() and irqm_evacuate() for moving them first).
 *
 * Return: 0; -EINVAL if @m is NULL or @cpu is out of range; -EBUSY if the
 * CPU is offline; -ENOSPC if the outstanding guaranteed reservations (DOC:
 * Planning) could not be placed without this CPU.
 */
IRQM_NODISCARD IRQM_API int irqm_offline(struct irqm_matrix *m,
					 unsigned int cpu) IRQM_NOEXCEPT;

/**
 * irqm_assign_system() - make a vector a system vector on every CPU
 *	(irq_matrix_assign_system()).
 * @m: the matrix.
 * @cpu: the CPU whose allocation of @bit a replace releases (the kernel's
 *	"this CPU").
 * @bit: the vector, below @bits.
 * @replace: @bit is allocated on @cpu and is released there (@allocated and
 *	@total_allocated fall; @available is not given back).
 *
 * Meant for early boot: at most one CPU may be online, and only with
 * @replace. A bit in the window raises @systembits_inalloc.
 *
 * Return: 0; -EINVAL if @m is NULL, or @cpu or @bit is out of range
 * (@bit == @bits included, which the kernel lets through); -EBUSY if two or
 * more CPUs are online, one is online and @replace is false, or @replace is
 * true and @bit is not allocated on @cpu.
 */
IRQM_NODISCARD IRQM_API int irqm_assign_system(struct irqm_matrix *m,
					       unsigned int cpu,
					       unsigned int bit,
					       bool replace) IRQM_NOEXCEPT;

/**
 * irqm_reserve_managed() - reserve a managed vector on each CPU of a mask
 *	(irq_matrix_reserve_managed()).
 * @m: the matrix.
 * @mask: the CPUs, online or not (see DOC: The accounting model).
 * @nr_mask_bits: meaningful bits in @mask.
 *
 * On every CPU of the mask the lowest free vector becomes managed-reserved:
 * @managed rises by one, and on an online CPU @available and
 * @global_available fall by one. An empty mask does nothing.
 *
 * Return: 0; -EINVAL if @m is NULL, @mask is NULL with @nr_mask_bits > 0, or
 * a CPU is out of range; -ENOSPC if some CPU of the mask has no free vector.
 * The -ENOSPC case is undone the kernel's way: each CPU already done releases
 * its *lowest* unallocated managed vector, so every counter comes back but
 * which vector is reserved may move (the only refusal that is not
 * state-neutral; irqm_reserve_managed_block() is all or nothing). While a
 * guaranteed reservation is outstanding (DOC: Planning) each CPU takes its
 * lowest free vector that keeps the reservations placeable, -ENOSPC is also
 * given when some CPU has none, and it is all or nothing too.
 */
IRQM_NODISCARD IRQM_API int
irqm_reserve_managed(struct irqm_matrix *m, const unsigned long *mask,
		     unsigned int nr_mask_bits) IRQM_NOEXCEPT;

/**
 * irqm_remove_managed() - release a managed reservation on each CPU of a mask
 *	(irq_matrix_remove_managed()).
 * @m: the matrix.
 * @mask: the CPUs.
 * @nr_mask_bits: meaningful bits in @mask.
 *
 * On every CPU of the mask the lowest managed-reserved, unallocated vector is
 * released (the reverse accounting of irqm_reserve_managed()). An empty mask
 * does nothing.
 *
 * Return: 0; -EINVAL if @m is NULL, @mask is NULL with @nr_mask_bits > 0, or
 * a CPU is out of range; -EBUSY if some CPU of the mask has nothing removable
 * (refused whole, where the kernel warns and skips that CPU).
 */
IRQM_NODISCARD IRQM_API int
irqm_remove_managed(struct irqm_matrix *m, const unsigned long *mask,
		    unsigned int nr_mask_bits) IRQM_NOEXCEPT;

/**
 * irqm_alloc_managed() - allocate a reserved managed vector
 *	(irq_matrix_alloc_managed()).
 * @m: the matrix.
 * @mask: the candidate CPUs.
 * @nr_mask_bits: meaningful bits in @mask.
 * @mapped_cpu: where the chosen CPU is stored (untouched on failure).
 *
 * Among the online CPUs of the mask, the one with the fewest managed-allocated
 * vectors (ties: the highest CPU), its lowest managed-reserved, unallocated
 * vector. @allocated, @managed_allocated and @total_allocated rise by one.
 *
 * Return: the vector (>= 0); -EINVAL if @m or @mapped_cpu is NULL, the mask
 * is empty or NULL with @nr_mask_bits > 0, or a CPU is out of range; -ENOSPC
 * if no CPU of the mask is online or the chosen CPU has no reserved vector
 * free.
 */
IRQM_NODISCARD IRQM_API int
irqm_alloc_managed(struct irqm_matrix *m, const unsigned long *mask,
		   unsigned int nr_mask_bits,
		   unsigned int *mapped_cpu) IRQM_NOEXCEPT;

/**
 * irqm_assign() - mark a preallocated vector allocated (irq_matrix_assign()).
 * @m: the matrix.
 * @cpu: the CPU (the kernel's "this CPU").
 * @bit: the vector, inside the window.
 *
 * Like the kernel it does not look at system or managed vectors and charges
 * @available even on an offline CPU (counter drift, recorded).
 *
 * Return: 0; -EINVAL if @m is NULL, @cpu is out of range or @bit is outside
 * the window; -EBUSY if @bit is already allocated on @cpu; -ENOSPC if @bit is
 * free on an online @cpu and taking it would leave the outstanding guaranteed
 * reservations (DOC: Planning) unplaceable.
 */
IRQM_NODISCARD IRQM_API int irqm_assign(struct irqm_matrix *m, unsigned int cpu,
					unsigned int bit) IRQM_NOEXCEPT;

/**
 * irqm_reserve() - make one global reservation (irq_matrix_reserve()).
 * @m: the matrix.
 *
 * Bookkeeping only: @global_reserved rises by one, for a later irqm_alloc()
 * or irqm_alloc_block() with @reserved set. Never refused (the kernel only
 * logs a warning when the reservations reach @global_available).
 *
 * Return: 0; -EINVAL if @m is NULL.
 */
IRQM_NODISCARD IRQM_API int irqm_reserve(struct irqm_matrix *m) IRQM_NOEXCEPT;

/**
 * irqm_remove_reserved() - drop one global reservation
 *	(irq_matrix_remove_reserved()).
 * @m: the matrix.
 *
 * Return: 0; -EINVAL if @m is NULL; -EBUSY if no reservation is outstanding.
 */
IRQM_NODISCARD IRQM_API int
irqm_remove_reserved(struct irqm_matrix *m) IRQM_NOEXCEPT;

/**
 * irqm_alloc() - allocate a vector (irq_matrix_alloc()).
 * @m: the matrix.
 * @mask: the candidate CPUs.
 * @nr_mask_bits: meaningful bits in @mask.
 * @reserved: consume one irqm_reserve() reservation.
 * @mapped_cpu: where the chosen CPU is stored (untouched on failure).
 *
 * The online CPU of the mask with the most available vectors (ties: the
 * lowest CPU), its lowest free vector. @allocated and @total_allocated rise,
 * @available and @global_available fall, by one.
 *
 * Return: the vector (>= 0); -EINVAL if @m or @mapped_cpu is NULL, the mask
 * is empty or NULL with @nr_mask_bits > 0, or a CPU is out of range; -EBUSY
 * if @reserved and no reservation is outstanding; -ENOSPC if no CPU of the
 * mask is online with an available vector, or the chosen CPU is full although
 * its counter says otherwise (counter drift, as in the kernel), or while a
 * guaranteed reservation is outstanding (DOC: Planning) if every candidate
 * would leave it unplaceable.
 */
IRQM_NODISCARD IRQM_API int irqm_alloc(struct irqm_matrix *m,
				       const unsigned long *mask,
				       unsigned int nr_mask_bits, bool reserved,
				       unsigned int *mapped_cpu) IRQM_NOEXCEPT;

/**
 * irqm_free() - release a vector (irq_matrix_free()).
 * @m: the matrix.
 * @cpu: the CPU it is allocated on, online or not.
 * @bit: the vector.
 * @managed: the vector is a managed one (it stays reserved; release the
 *	reservation with irqm_remove_managed()).
 *
 * @total_allocated falls only while @cpu is online, as in the kernel.
 *
 * Return: 0; -EINVAL if @m is NULL, @cpu is out of range or @bit is outside
 * the window; -ENOENT if @bit is not allocated on @cpu, or @managed does not
 * match whether it is managed-reserved.
 */
IRQM_NODISCARD IRQM_API int irqm_free(struct irqm_matrix *m, unsigned int cpu,
				      unsigned int bit,
				      bool managed) IRQM_NOEXCEPT;

/**
 * irqm_available() - the available vectors (irq_matrix_available()).
 * @m: the matrix.
 * @cpu: the CPU that @cpudown means (the kernel's "this CPU").
 * @cpudown: leave out @cpu's available vectors (CPU hotplug check).
 * @available: where the count is stored: @global_available, less @cpu's
 *	@available if @cpudown, computed in unsigned int as the kernel does
 *	(untouched on failure).
 *
 * Return: 0; -EINVAL if @m or @available is NULL or @cpu is out of range.
 */
IRQM_NODISCARD IRQM_API int
irqm_available(const struct irqm_matrix *m, unsigned int cpu, bool cpudown,
	       unsigned int *available) IRQM_NOEXCEPT;

/**
 * irqm_reserved() - the outstanding global reservations
 *	(irq_matrix_reserved()).
 * @m: the matrix.
 *
 * Return: @global_reserved; 0 if @m is NULL.
 */
IRQM_NODISCARD IRQM_API unsigned int
irqm_reserved(const struct irqm_matrix *m) IRQM_NOEXCEPT;

/**
 * irqm_allocated() - the non-managed vectors allocated on a CPU
 *	(irq_matrix_allocated()).
 * @m: the matrix.
 * @cpu: the CPU (the kernel's "this CPU").
 * @allocated: where the count is stored: @allocated - @managed_allocated, in
 *	unsigned int, as since Linux 6.7 (untouched on failure).
 *
 * Return: 0; -EINVAL if @m or @allocated is NULL or @cpu is out of range.
 */
IRQM_NODISCARD IRQM_API int
irqm_allocated(const struct irqm_matrix *m, unsigned int cpu,
	       unsigned int *allocated) IRQM_NOEXCEPT;

/* ---- aligned power-of-two blocks (multi-MSI) --------------------------- */

/**
 * irqm_alloc_block() - allocate an aligned block of 2^@order vectors on one
 *	CPU.
 * @m: the matrix.
 * @mask: the candidate CPUs.
 * @nr_mask_bits: meaningful bits in @mask.
 * @order: 0 to IRQM_MAX_ORDER (1 to 32 vectors).
 * @reserved: consume 2^@order irqm_reserve() reservations.
 * @mapped_cpu: where the chosen CPU is stored (untouched on failure).
 *
 * Among the online CPUs of the mask that have a free aligned block of the
 * order and an @available counter of at least 2^@order, the one with the most
 * available vectors (ties: the lowest CPU), its lowest such base. Accounted
 * as 2^@order irqm_alloc() calls. At order 0 it is irqm_alloc() except where
 * the kernel's rule would pick a CPU that cannot serve.
 *
 * Return: the base vector (>= 0, a multiple of 2^@order); -EINVAL if @m or
 * @mapped_cpu is NULL, the mask is empty or NULL with @nr_mask_bits > 0, a CPU
 * or @order is out of range; -EBUSY if @reserved and fewer than 2^@order
 * reservations are outstanding; -ENOSPC if no CPU qualifies (while a
 * guaranteed reservation is outstanding, DOC: Planning, a candidate that
 * would leave it unplaceable does not qualify).
 */
IRQM_NODISCARD IRQM_API int
irqm_alloc_block(struct irqm_matrix *m, const unsigned long *mask,
		 unsigned int nr_mask_bits, unsigned int order, bool reserved,
		 unsigned int *mapped_cpu) IRQM_NOEXCEPT;

/**
 * irqm_free_block() - release an aligned block, each vector as irqm_free()
 *	releases it.
 * @m: the matrix.
 * @cpu: the CPU the block is allocated on.
 * @base: the first vector, a multiple of 2^@order.
 * @order: 0 to IRQM_MAX_ORDER.
 * @managed: the block is managed (its vectors stay reserved).
 *
 * All or nothing. A block may equally be freed vector by vector.
 *
 * Return: 0; -EINVAL if @m is NULL, @cpu or @order is out of range, @base is
 * not aligned to the order or the block is not inside the window; -ENOENT if
 * some vector of the block is not allocated on @cpu, or is (not)
 * managed-reserved against @managed.
 */
IRQM_NODISCARD IRQM_API int irqm_free_block(struct irqm_matrix *m,
					    unsigned int cpu, unsigned int base,
					    unsigned int order,
					    bool managed) IRQM_NOEXCEPT;

/**
 * irqm_reserve_managed_block() - reserve an aligned managed block on each CPU
 *	of a mask.
 * @m: the matrix.
 * @mask: the CPUs, online or not.
 * @nr_mask_bits: meaningful bits in @mask.
 * @order: 0 to IRQM_MAX_ORDER.
 *
 * On every CPU of the mask the lowest free aligned block of the order becomes
 * managed-reserved (@managed rises by 2^@order; on an online CPU @available
 * and @global_available fall by 2^@order). All or nothing.
 *
 * Return: 0; -EINVAL if @m is NULL, the mask is empty or NULL with
 * @nr_mask_bits > 0, a CPU or @order is out of range; -ENOSPC if some CPU of
 * the mask has no free aligned block of the order, or (DOC: Planning) none
 * that keeps the outstanding guaranteed reservations placeable (nothing
 * changes).
 */
IRQM_NODISCARD IRQM_API int
irqm_reserve_managed_block(struct irqm_matrix *m, const unsigned long *mask,
			   unsigned int nr_mask_bits,
			   unsigned int order) IRQM_NOEXCEPT;

/**
 * irqm_remove_managed_block() - release an aligned managed block on each CPU
 *	of a mask.
 * @m: the matrix.
 * @mask: the CPUs.
 * @nr_mask_bits: meaningful bits in @mask.
 * @order: 0 to IRQM_MAX_ORDER.
 *
 * On every CPU of the mask the lowest aligned block of the order whose
 * vectors are all managed-reserved and unallocated is released (the reverse
 * accounting). All or nothing.
 *
 * Return: 0; -EINVAL if @m is NULL, the mask is empty or NULL with
 * @nr_mask_bits > 0, a CPU or @order is out of range; -EBUSY if some CPU of
 * the mask has no such block (nothing changes).
 */
IRQM_NODISCARD IRQM_API int
irqm_remove_managed_block(struct irqm_matrix *m, const unsigned long *mask,
			  unsigned int nr_mask_bits,
			  unsigned int order) IRQM_NOEXCEPT;

/**
 * irqm_alloc_managed_block() - allocate a reserved managed aligned block.
 * @m: the matrix.
 * @mask: the candidate CPUs.
 * @nr_mask_bits: meaningful bits in @mask.
 * @order: 0 to IRQM_MAX_ORDER.
 * @mapped_cpu: where the chosen CPU is stored (untouched on failure).
 *
 * Among the online CPUs of the mask that hold a managed-reserved, unallocated
 * aligned block of the order, the one with the fewest managed-allocated
 * vectors (ties: the highest CPU), its lowest such base. @allocated,
 * @managed_allocated and @total_allocated rise by 2^@order.
 *
 * Return: the base vector (>= 0); -EINVAL if @m or @mapped_cpu is NULL, the
 * mask is empty or NULL with @nr_mask_bits > 0, a CPU or @order is out of
 * range; -ENOSPC if no CPU qualifies.
 */
IRQM_NODISCARD IRQM_API int
irqm_alloc_managed_block(struct irqm_matrix *m, const unsigned long *mask,
			 unsigned int nr_mask_bits, unsigned int order,
			 unsigned int *mapped_cpu) IRQM_NOEXCEPT;

/* ---- planning operations (beyond the kernel) --------------------------- */

/**
 * DOC: Planning
 *
 * The kernel's matrix counts vectors; it cannot say whether a block can be
 * placed later, where a block goes when it moves, or whether a CPU's vectors
 * fit elsewhere before it goes offline. These functions answer that (the
 * "Planning operations" of the trace format specification).
 *
 * Every successful allocation (irqm_alloc(), irqm_alloc_managed(),
 * irqm_assign(), the block allocations and irqm_alloc_reserved_block())
 * creates a *group*: the vector or block it took, named by its CPU and base
 * vector. Freeing releases members; a group keeps its order (a partly freed
 * block still needs a whole aligned block to move). Managed groups never
 * move. When a block's freed vector has been allocated again, two groups
 * share a CPU and base; (@cpu, @base) then names the one of the lowest order.
 *
 * irqm_reserve_block() makes a *guaranteed* reservation of an aligned block:
 * admitted only if all outstanding ones can be placed at once in the free
 * space of the online CPUs (exact for aligned power-of-two blocks). It is
 * separate from irqm_reserve(), which only counts. While one is outstanding,
 * every operation that takes free vectors (irqm_alloc(), irqm_alloc_block(),
 * irqm_assign(), irqm_reserve_managed(), irqm_reserve_managed_block(),
 * irqm_offline(), irqm_move_block(), irqm_evacuate()) takes the first
 * candidate in its default order that keeps them all placeable, and is
 * refused with -ENOSPC, changing nothing, if there is none. With none
 * outstanding, every kernel operation behaves exactly as the kernel's.
 *
 * The planning functions that search (irqm_largest_order(),
 * irqm_alloc_reserved_block(), irqm_can_offline(), irqm_evacuate(),
 * irqm_move_block()) may allocate memory and give -ENOMEM if it runs out.
 * While a guaranteed reservation is outstanding, the kernel operations that
 * take free vectors search the same way and allocate too; without one, they
 * allocate nothing.
 */

/**
 * irqm_largest_order() - the largest block that irqm_alloc_block() would
 *	place now.
 * @m: the matrix.
 * @mask: the candidate CPUs.
 * @nr_mask_bits: meaningful bits in @mask.
 *
 * Placement-aware: the largest order k for which irqm_alloc_block(@m, @mask,
 * @nr_mask_bits, k, false, ...) would succeed now (a free aligned block of
 * 2^k vectors on an online CPU of the mask whose @available counter is at
 * least 2^k, keeping the guaranteed reservations placeable). Changes nothing.
 *
 * Return: the order, 0 to IRQM_MAX_ORDER; -EINVAL if @m is NULL, the mask is
 * empty or NULL with @nr_mask_bits > 0, or a CPU is out of range; -ENOSPC if
 * not even one vector can be placed; -ENOMEM if memory runs out.
 */
IRQM_NODISCARD IRQM_API int
irqm_largest_order(const struct irqm_matrix *m, const unsigned long *mask,
		   unsigned int nr_mask_bits) IRQM_NOEXCEPT;

/**
 * irqm_reserve_block() - make a guaranteed reservation of an aligned block.
 * @m: the matrix.
 * @order: 0 to IRQM_MAX_ORDER (1 to 32 vectors).
 *
 * Reserves one aligned block of 2^@order vectors on some online CPU, to be
 * taken later with irqm_alloc_reserved_block() (a driver at probe time,
 * before it activates the device). Admitted only if every outstanding
 * guaranteed reservation, this one included, can be placed at once into the
 * free aligned space of the online CPUs. No vector is taken yet and no
 * counter moves (@global_reserved included); see DOC: Planning for how the
 * other operations keep the guarantee.
 *
 * Return: 0; -EINVAL if @m is NULL or @order is out of range; -ENOSPC if
 * the reservation cannot be guaranteed (nothing changes).
 */
IRQM_NODISCARD IRQM_API int
irqm_reserve_block(struct irqm_matrix *m, unsigned int order) IRQM_NOEXCEPT;

/**
 * irqm_remove_reserved_block() - withdraw one guaranteed reservation.
 * @m: the matrix.
 * @order: the order it was made with.
 *
 * Return: 0; -EINVAL if @m is NULL or @order is out of range; -EBUSY if no
 * guaranteed reservation of @order is outstanding.
 */
IRQM_NODISCARD IRQM_API int
irqm_remove_reserved_block(struct irqm_matrix *m,
			   unsigned int order) IRQM_NOEXCEPT;

/**
 * irqm_alloc_reserved_block() - allocate a guaranteed reservation.
 * @m: the matrix.
 * @mask: the candidate CPUs.
 * @nr_mask_bits: meaningful bits in @mask.
 * @order: the order of an outstanding irqm_reserve_block().
 * @mapped_cpu: where the chosen CPU is stored (untouched on failure).
 *
 * Placed by the irqm_alloc_block() rule among the online CPUs of the mask,
 * taking the first candidate that keeps the other outstanding reservations
 * placeable; the reservation is then retired. Accounted as
 * irqm_alloc_block() with @reserved false. With every online CPU in the mask
 * it cannot fail for want of room.
 *
 * Return: the base vector (>= 0, a multiple of 2^@order); -EINVAL if @m or
 * @mapped_cpu is NULL, the mask is empty or NULL with @nr_mask_bits > 0, a
 * CPU or @order is out of range; -EBUSY if no guaranteed reservation of
 * @order is outstanding; -ENOSPC if no CPU of the mask can take it (the
 * reservation stays); -ENOMEM if memory runs out.
 */
IRQM_NODISCARD IRQM_API int
irqm_alloc_reserved_block(struct irqm_matrix *m, const unsigned long *mask,
			  unsigned int nr_mask_bits, unsigned int order,
			  unsigned int *mapped_cpu) IRQM_NOEXCEPT;

/**
 * irqm_can_offline() - whether a CPU's vectors fit on the other online CPUs.
 * @m: the matrix.
 * @cpu: the CPU to be taken offline.
 *
 * Placement-aware, where the kernel's lapic_can_unplug_cpu() only compares
 * counts: every non-managed group on @cpu needs a free aligned block of its
 * order on another online CPU, all at once, with the guaranteed reservations
 * still placeable. Managed groups stay (the kernel shuts them down). Changes
 * nothing.
 *
 * Return: the number of vectors that would move (>= 0); -EINVAL if @m is
 * NULL or @cpu is out of range; -EBUSY if @cpu is offline or holds a pinned
 * group; -ENOSPC if the groups do not fit; -ENOMEM if memory runs out.
 */
IRQM_NODISCARD IRQM_API int irqm_can_offline(const struct irqm_matrix *m,
					     unsigned int cpu) IRQM_NOEXCEPT;

/**
 * irqm_evacuate() - move every non-managed group off a CPU.
 * @m: the matrix.
 * @cpu: the CPU.
 *
 * Largest group first (ties: lower base first), each make-before-break into a
 * free aligned block of its order, placed by the irqm_alloc_block() rule
 * among the other online CPUs (the first candidate that keeps the groups
 * still to move and the guaranteed reservations placeable); members keep
 * their offsets in the block. All or nothing, and it succeeds whenever
 * irqm_can_offline() does. @cpu stays online: irqm_offline() is the caller's
 * next step.
 *
 * Return: the number of vectors moved (>= 0); errors as irqm_can_offline()
 * (-EINVAL, -EBUSY, -ENOSPC, -ENOMEM), with nothing changed.
 */
IRQM_NODISCARD IRQM_API int irqm_evacuate(struct irqm_matrix *m,
					  unsigned int cpu) IRQM_NOEXCEPT;

/**
 * irqm_move_block() - move a group to another place (an affinity change).
 * @m: the matrix.
 * @cpu: the CPU the group is on.
 * @base: the group's base vector (for a single vector, the vector).
 * @mask: the CPUs it may move to.
 * @nr_mask_bits: meaningful bits in @mask.
 * @new_cpu: where the new CPU is stored (untouched on failure).
 *
 * The group goes where the irqm_alloc_block() rule puts a block of its order
 * among the online CPUs of the mask (never its current place; the same CPU
 * is allowed). The target block must be wholly free; the members are
 * allocated at the same offsets in it before the old ones are freed, so for
 * a moment both are held, as during the kernel's two-step affinity change.
 *
 * Return: the new base vector (>= 0); -EINVAL if @m or @new_cpu is NULL,
 * @cpu is out of range, @base is not below @bits, the mask is empty or NULL
 * with @nr_mask_bits > 0, or a CPU of it is out of range; -ENOENT if no
 * group is based at (@cpu, @base); -EBUSY if the group is pinned or managed;
 * -ENOSPC if there is no room; -ENOMEM if memory runs out.
 */
IRQM_NODISCARD IRQM_API int
irqm_move_block(struct irqm_matrix *m, unsigned int cpu, unsigned int base,
		const unsigned long *mask, unsigned int nr_mask_bits,
		unsigned int *new_cpu) IRQM_NOEXCEPT;

/*
 * Flags of irqm_move_block_flags() and irqm_evacuate_flags().
 *
 * IRQM_MOVE_TWO_STEP: the MSI two-step rule. Without interrupt remapping a
 * device that cannot mask its MSI is retargeted in two writes, the vector
 * first and the CPU second, so between them it may fire at the new vectors
 * on the old CPU. With this flag a target block qualifies only if its
 * vectors are also free (not allocated, not managed-reserved, not system)
 * on the group's old CPU when that group moves; among those the choice is
 * the one without the flag would make.
 */
#define IRQM_MOVE_TWO_STEP 0x1u

/**
 * irqm_move_block_flags() - irqm_move_block() with flags.
 * @m: the matrix.
 * @cpu: the CPU the group is on.
 * @base: the group's base vector.
 * @mask: the CPUs it may move to.
 * @nr_mask_bits: meaningful bits in @mask.
 * @flags: 0 or IRQM_MOVE_TWO_STEP.
 * @new_cpu: where the new CPU is stored (untouched on failure).
 *
 * With @flags 0, irqm_move_block().
 *
 * Return: as irqm_move_block(), and -EINVAL for an unknown flag; with
 * IRQM_MOVE_TWO_STEP, -ENOSPC also when no room is free on the old CPU too.
 */
IRQM_NODISCARD IRQM_API int
irqm_move_block_flags(struct irqm_matrix *m, unsigned int cpu,
		      unsigned int base, const unsigned long *mask,
		      unsigned int nr_mask_bits, unsigned int flags,
		      unsigned int *new_cpu) IRQM_NOEXCEPT;

/**
 * irqm_evacuate_flags() - irqm_evacuate() with flags.
 * @m: the matrix.
 * @cpu: the CPU.
 * @flags: 0 or IRQM_MOVE_TWO_STEP.
 *
 * With @flags 0, irqm_evacuate(). With IRQM_MOVE_TWO_STEP each group's
 * target is also free on @cpu at its turn; still all or nothing, but it may
 * give -ENOSPC where irqm_can_offline() succeeds.
 *
 * Return: as irqm_evacuate(), and -EINVAL for an unknown flag.
 */
IRQM_NODISCARD IRQM_API int
irqm_evacuate_flags(struct irqm_matrix *m, unsigned int cpu,
		    unsigned int flags) IRQM_NOEXCEPT;

/**
 * irqm_pin() - mark a group immovable.
 * @m: the matrix.
 * @cpu: the CPU the group is on.
 * @base: the group's base vector.
 *
 * For a device that caches its message (as some firmware does): while
 * pinned, irqm_move_block() of the group and irqm_can_offline() and
 * irqm_evacuate() of its CPU give -EBUSY. Pinning a pinned group does
 * nothing. Freeing the group's vectors drops the mark.
 *
 * Return: 0; -EINVAL if @m is NULL, @cpu is out of range or @base is not
 * below @bits; -ENOENT if no group is based at (@cpu, @base).
 */
IRQM_NODISCARD IRQM_API int irqm_pin(struct irqm_matrix *m, unsigned int cpu,
				     unsigned int base) IRQM_NOEXCEPT;

/**
 * irqm_unpin() - make a pinned group movable again.
 * @m: the matrix.
 * @cpu: the CPU the group is on.
 * @base: the group's base vector.
 *
 * Unpinning a group that is not pinned does nothing.
 *
 * Return: as irqm_pin().
 */
IRQM_NODISCARD IRQM_API int irqm_unpin(struct irqm_matrix *m, unsigned int cpu,
				       unsigned int base) IRQM_NOEXCEPT;

/* ---- queries ----------------------------------------------------------- */

/**
 * irqm_get_geometry() - the shape of a matrix.
 * @m: the matrix.
 * @geo: where it is stored (untouched on failure).
 *
 * Return: 0; -EINVAL if @m or @geo is NULL.
 */
IRQM_NODISCARD IRQM_API int
irqm_get_geometry(const struct irqm_matrix *m,
		  struct irqm_geometry *geo) IRQM_NOEXCEPT;

/**
 * irqm_get_stats() - the global counters.
 * @m: the matrix.
 * @stats: where they are stored (untouched on failure).
 *
 * Return: 0; -EINVAL if @m or @stats is NULL.
 */
IRQM_NODISCARD IRQM_API int
irqm_get_stats(const struct irqm_matrix *m,
	       struct irqm_stats *stats) IRQM_NOEXCEPT;

/**
 * irqm_get_cpu_stats() - one CPU's counters.
 * @m: the matrix.
 * @cpu: the CPU.
 * @stats: where they are stored (untouched on failure).
 *
 * Return: 0; -EINVAL if @m or @stats is NULL or @cpu is out of range.
 */
IRQM_NODISCARD IRQM_API int
irqm_get_cpu_stats(const struct irqm_matrix *m, unsigned int cpu,
		   struct irqm_cpu_stats *stats) IRQM_NOEXCEPT;

/**
 * irqm_get_cpu_drift() - how far a CPU's counters have drifted from its
 *	bitmaps through kernel quirks.
 * @m: the matrix.
 * @cpu: the CPU.
 * @drift: where it is stored (untouched on failure).
 *
 * Return: 0; -EINVAL if @m or @drift is NULL or @cpu is out of range.
 */
IRQM_NODISCARD IRQM_API int
irqm_get_cpu_drift(const struct irqm_matrix *m, unsigned int cpu,
		   struct irqm_drift *drift) IRQM_NOEXCEPT;

/**
 * irqm_get_global_drift() - how far @global_available and @total_allocated
 *	have drifted from the per-CPU counters through kernel quirks.
 * @m: the matrix.
 * @drift: where it is stored (untouched on failure).
 *
 * Return: 0; -EINVAL if @m or @drift is NULL.
 */
IRQM_NODISCARD IRQM_API int
irqm_get_global_drift(const struct irqm_matrix *m,
		      struct irqm_drift *drift) IRQM_NOEXCEPT;

/**
 * irqm_largest_free_order() - the largest order of a free aligned block on a
 *	CPU.
 * @m: the matrix.
 * @cpu: the CPU.
 *
 * Looks at the bitmaps only (free vectors), not at the @available counter.
 *
 * Return: the order, 0 to IRQM_MAX_ORDER; -EINVAL if @m is NULL or @cpu is
 * out of range; -ENOSPC if the CPU has no free vector.
 */
IRQM_NODISCARD IRQM_API int
irqm_largest_free_order(const struct irqm_matrix *m,
			unsigned int cpu) IRQM_NOEXCEPT;

/**
 * irqm_cpu_alloc_map() - copy out the vectors allocated on a CPU.
 * @m: the matrix.
 * @cpu: the CPU.
 * @map: IRQM_BITS_TO_LONGS(@nbits) words; bit v is vector v. Every word is
 *	written, bits at or above @bits as 0 (untouched on failure).
 * @nbits: the size of @map in bits, at least the matrix's @bits.
 *
 * Return: the number of vectors set in @map (>= 0); -EINVAL if @m or @map is
 * NULL, @cpu is out of range or @nbits is below @bits.
 */
IRQM_NODISCARD IRQM_API int
irqm_cpu_alloc_map(const struct irqm_matrix *m, unsigned int cpu,
		   unsigned long *map, unsigned int nbits) IRQM_NOEXCEPT;

/**
 * irqm_cpu_managed_map() - copy out the managed-reserved vectors of a CPU
 *	(allocated or not).
 * @m: the matrix.
 * @cpu: the CPU.
 * @map: as for irqm_cpu_alloc_map().
 * @nbits: as for irqm_cpu_alloc_map().
 *
 * Return: as irqm_cpu_alloc_map().
 */
IRQM_NODISCARD IRQM_API int
irqm_cpu_managed_map(const struct irqm_matrix *m, unsigned int cpu,
		     unsigned long *map, unsigned int nbits) IRQM_NOEXCEPT;

/**
 * irqm_cpu_free_map() - copy out the free vectors of a CPU: inside the window,
 *	not allocated, not managed-reserved, not system vectors.
 * @m: the matrix.
 * @cpu: the CPU.
 * @map: as for irqm_cpu_alloc_map().
 * @nbits: as for irqm_cpu_alloc_map().
 *
 * Return: as irqm_cpu_alloc_map().
 */
IRQM_NODISCARD IRQM_API int irqm_cpu_free_map(const struct irqm_matrix *m,
					      unsigned int cpu,
					      unsigned long *map,
					      unsigned int nbits) IRQM_NOEXCEPT;

/**
 * irqm_system_map() - copy out the system vectors (the same on every CPU).
 * @m: the matrix.
 * @map: as for irqm_cpu_alloc_map().
 * @nbits: as for irqm_cpu_alloc_map().
 *
 * Return: the number of system vectors (>= 0); -EINVAL if @m or @map is NULL
 * or @nbits is below @bits.
 */
IRQM_NODISCARD IRQM_API int irqm_system_map(const struct irqm_matrix *m,
					    unsigned long *map,
					    unsigned int nbits) IRQM_NOEXCEPT;

/**
 * irqm_verify() - recompute every counter from the bitmaps and check the
 *	structural rules (see DOC: The accounting model).
 * @m: the matrix.
 * @msg: where the first broken rule is written in words, truncated to
 *	@size - 1 characters and NUL-terminated; "" when the state is
 *	consistent. May be NULL when @size is 0.
 * @size: the size of @msg in bytes.
 *
 * Return: 0 if the state is consistent; -EUCLEAN if it is not (a library bug:
 * report it with the calls that led there); -EINVAL if @m is NULL, or @msg is
 * NULL with @size > 0; -ENOMEM if memory runs out.
 */
IRQM_NODISCARD IRQM_API int irqm_verify(const struct irqm_matrix *m, char *msg,
					size_t size) IRQM_NOEXCEPT;

/**
 * irqm_debug_show() - the kernel's debugfs table of the matrix
 *	(irq_matrix_debug_show(), /sys/kernel/debug/irq/domains/VECTOR).
 * @m: the matrix.
 * @ind: the kernel's indent, 0 to 32 (1 when VECTOR is read directly).
 * @buf: where the text is written, like snprintf(): at most @size - 1
 *	characters and a NUL. May be NULL when @size is 0.
 * @size: the size of @buf in bytes.
 *
 * Return: the length of the whole text, without the NUL (the text was cut
 * if it is >= @size); -EINVAL if @m is NULL, @ind is out of range, or @buf is
 * NULL with @size > 0; -ENOMEM if memory runs out.
 */
IRQM_NODISCARD IRQM_API int irqm_debug_show(const struct irqm_matrix *m,
					    int ind, char *buf,
					    size_t size) IRQM_NOEXCEPT;

/* ---- miscellany -------------------------------------------------------- */

/**
 * irqm_strerror() - a short description of a return value.
 * @err: a negative errno from this interface (or 0).
 *
 * Return: a static string ("EINVAL: invalid argument", ...); "unknown error"
 * for a value this interface never returns.
 */
IRQM_NODISCARD IRQM_API const char *irqm_strerror(int err) IRQM_NOEXCEPT;

/**
 * irqm_version() - the library version.
 *
 * Return: a static string, "MAJOR.MINOR.PATCH".
 */
IRQM_NODISCARD IRQM_API const char *irqm_version(void) IRQM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* IRQMATRIX_IRQMATRIX_H */
