/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * kernel_compat.h - just enough of the kernel's environment, in user space,
 * to build irq_matrix_block.c unchanged in spirit: bitmaps and cpumasks held
 * in native unsigned long words, the find/area primitives with the kernel's
 * contracts, WARN_ON_ONCE()/BUG_ON(), per-CPU allocation, kzalloc() and
 * stand-ins for the irq_matrix tracepoints. The module build (Kbuild) uses
 * the kernel's own headers instead and never sees this file.
 *
 * Written for this port from the documented contracts of the kernel's
 * helpers (include/linux/bitmap.h, include/linux/find.h, lib/bitmap.c,
 * include/linux/cpumask.h); no kernel code is reproduced. Only what the
 * port uses is provided, and only single-threaded use is supported (the
 * kernel's callers serialise on vector_lock; so must ours).
 *
 * Differences from the kernel that a reader should know about:
 *  - set_bit()/clear_bit() are not atomic (the matrix runs under a lock
 *    and uses the non-atomic forms' semantics anyway).
 *  - WARN_ON_ONCE() prints one line per call site to stderr, unless
 *    compat_quiet is set, and always counts in compat_warnings.
 *  - BUG_ON() prints and abort()s.
 *  - nr_cpu_ids is a variable the program sets before irq_alloc_matrix();
 *    every CPU below it is "possible". NR_CPUS bounds it.
 */
#ifndef IRQ_MATRIX_KERNEL_COMPAT_H
#define IRQ_MATRIX_KERNEL_COMPAT_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* The port returns Linux errno values; the hosts we build on agree. */
_Static_assert(ENOENT == 2 && EBUSY == 16 && EINVAL == 22 && ENOSPC == 28,
	       "the host's errno numbers differ from Linux's");

/* ---- annotations that mean nothing in user space ------------------------ */

#define __init
#define __percpu
#define GFP_KERNEL 0

/* ---- diagnostics ---------------------------------------------------------- */

/* Set to silence WARN_ON_ONCE() and pr_warn() output; they still count. */
extern bool compat_quiet;
/* How many WARN_ON_ONCE() conditions were true, and pr_warn() calls made. */
extern unsigned long compat_warnings;
extern unsigned long compat_pr_warns;

#if defined(__GNUC__)
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn __attribute__((noreturn))
#else
#define __printf(a, b)
#define __noreturn
#endif

int compat_warn_once(int cond, const char *file, int line, const char *text);
__noreturn void compat_bug(const char *file, int line, const char *text);
__printf(1, 2) void compat_pr_warn(const char *fmt, ...);

/* True when @cond holds; reports the first hit of each call site. */
#define WARN_ON_ONCE(cond) compat_warn_once(!!(cond), __FILE__, __LINE__, #cond)

#define BUG_ON(cond)                                           \
	do {                                                   \
		if (cond)                                      \
			compat_bug(__FILE__, __LINE__, #cond); \
	} while (0)

#define pr_warn(...) compat_pr_warn(__VA_ARGS__)

/* ---- memory --------------------------------------------------------------- */

void *kzalloc(size_t size, int gfp);
void kfree(const void *p);

/* Size of *p followed by @n elements of its flexible array @member. */
#define struct_size(p, member, n) \
	(sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(n))

/*
 * Per-CPU memory: one zeroed unit of @size bytes for each possible CPU.
 * per_cpu_ptr() yields a void pointer, which C converts to the unit's type
 * on assignment, as the kernel code reads.
 */
void *__alloc_percpu(size_t size, size_t align);
void free_percpu(void *pcpu);
void *compat_per_cpu_ptr(void *pcpu, unsigned int cpu);
#define per_cpu_ptr(pcpu, cpu) compat_per_cpu_ptr((pcpu), (cpu))

/* ---- bitmaps ---------------------------------------------------------------- */

#define BITS_PER_LONG ((unsigned int)(sizeof(unsigned long) * CHAR_BIT))
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))
#define BITS_TO_LONGS(nr) (((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits)                                           \
	unsigned long name[((bits) + sizeof(unsigned long) * CHAR_BIT - 1) / \
			   (sizeof(unsigned long) * CHAR_BIT)]

static inline bool test_bit(unsigned int nr, const unsigned long *addr)
{
	return (addr[BIT_WORD(nr)] & BIT_MASK(nr)) != 0;
}

static inline void set_bit(unsigned int nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline void clear_bit(unsigned int nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}

static inline bool test_and_set_bit(unsigned int nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	set_bit(nr, addr);
	return old;
}

static inline bool test_and_clear_bit(unsigned int nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	clear_bit(nr, addr);
	return old;
}

/* Whole-bitmap operations on the first @nbits bits (whole words, as in the
 * kernel: bits past @nbits in the last word may be touched). */
void bitmap_zero(unsigned long *dst, unsigned int nbits);
void bitmap_or(unsigned long *dst, const unsigned long *a,
	       const unsigned long *b, unsigned int nbits);
void bitmap_and(unsigned long *dst, const unsigned long *a,
		const unsigned long *b, unsigned int nbits);
/* dst = a & ~b; returns true if the result has a bit set below @nbits. */
bool bitmap_andnot(unsigned long *dst, const unsigned long *a,
		   const unsigned long *b, unsigned int nbits);
void bitmap_complement(unsigned long *dst, const unsigned long *src,
		       unsigned int nbits);
unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits);
bool bitmap_empty(const unsigned long *src, unsigned int nbits);

/* Set / clear the bits [start, start + len). */
void bitmap_set(unsigned long *map, unsigned int start, unsigned int len);
void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len);

/* The lowest set (zero) bit at or above @offset and below @size, or @size. */
unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset);
unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long offset);
static inline unsigned long find_first_bit(const unsigned long *addr,
					   unsigned long size)
{
	return find_next_bit(addr, size, 0);
}

/*
 * bitmap_find_next_zero_area_off - first fit for @nr clear bits
 * @map:	  the bitmap to search
 * @size:	  bits of @map to consider
 * @start:	  lowest candidate
 * @nr:		  number of clear bits wanted
 * @align_mask:	  alignment - 1 (a power of two minus one; 0: no alignment)
 * @align_offset: the candidate is aligned so that
 *		  (candidate + @align_offset) & @align_mask == 0
 *
 * Return: the first bit of the lowest such area, or a value greater than
 * @size when there is none (the matrix tests "area >= alloc_end").
 */
unsigned long bitmap_find_next_zero_area_off(
	unsigned long *map, unsigned long size, unsigned long start,
	unsigned int nr, unsigned long align_mask, unsigned long align_offset);

static inline unsigned long bitmap_find_next_zero_area(unsigned long *map,
						       unsigned long size,
						       unsigned long start,
						       unsigned int nr,
						       unsigned long align_mask)
{
	return bitmap_find_next_zero_area_off(map, size, start, nr, align_mask,
					      0);
}

/* ---- CPUs and cpumasks -------------------------------------------------- */

#ifndef NR_CPUS
#define NR_CPUS 256
#endif

/* CPUs [0, nr_cpu_ids) are possible; set before irq_alloc_matrix(). */
extern unsigned int nr_cpu_ids;

struct cpumask {
	DECLARE_BITMAP(bits, NR_CPUS);
};

#define cpumask_bits(maskp) ((maskp)->bits)

static inline unsigned int cpumask_first(const struct cpumask *m)
{
	return (unsigned int)find_first_bit(cpumask_bits(m), nr_cpu_ids);
}

/* The next CPU of @m after @n, or nr_cpu_ids. */
static inline unsigned int cpumask_next(int n, const struct cpumask *m)
{
	return (unsigned int)find_next_bit(cpumask_bits(m), nr_cpu_ids,
					   (unsigned long)(n + 1));
}

static inline bool cpumask_empty(const struct cpumask *m)
{
	return cpumask_first(m) >= nr_cpu_ids;
}

static inline bool cpumask_test_cpu(unsigned int cpu, const struct cpumask *m)
{
	return test_bit(cpu, cpumask_bits(m));
}

static inline void cpumask_set_cpu(unsigned int cpu, struct cpumask *m)
{
	set_bit(cpu, cpumask_bits(m));
}

static inline void cpumask_clear_cpu(unsigned int cpu, struct cpumask *m)
{
	clear_bit(cpu, cpumask_bits(m));
}

static inline void cpumask_clear(struct cpumask *m)
{
	bitmap_zero(cpumask_bits(m), NR_CPUS);
}

static inline unsigned int cpumask_weight(const struct cpumask *m)
{
	return bitmap_weight(cpumask_bits(m), nr_cpu_ids);
}

/* A mask holding only @cpu (a constant mask, as in the kernel). */
const struct cpumask *cpumask_of(unsigned int cpu);

#define for_each_cpu(cpu, mask)                               \
	for ((cpu) = cpumask_first(mask); (cpu) < nr_cpu_ids; \
	     (cpu) = cpumask_next((int)(cpu), (mask)))

#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)

/* ---- the irq_matrix tracepoints ------------------------------------------ */
/*
 * In the module build these are the events of irq_matrix_trace.h: an event
 * class for the global counters, one with a bit, one per CPU, and the new
 * block class (the per-CPU one plus the order). Here they compile to
 * nothing but keep the call sites. The events' bit field is an int; the
 * stand-ins take the callers' unsigned int, so that the port builds
 * cleanly with -Wsign-conversion.
 */
struct irq_matrix;
struct cpumap;

#define COMPAT_TRACE_GLOBAL(name)                             \
	static inline void trace_##name(struct irq_matrix *m) \
	{                                                     \
		(void)m;                                      \
	}
#define COMPAT_TRACE_GLOBAL_UPDATE(name)                      \
	static inline void trace_##name(unsigned int bit,     \
					struct irq_matrix *m) \
	{                                                     \
		(void)bit;                                    \
		(void)m;                                      \
	}
#define COMPAT_TRACE_CPU(name)                                              \
	static inline void trace_##name(unsigned int bit, unsigned int cpu, \
					struct irq_matrix *m,               \
					struct cpumap *cm)                  \
	{                                                                   \
		(void)bit;                                                  \
		(void)cpu;                                                  \
		(void)m;                                                    \
		(void)cm;                                                   \
	}
#define COMPAT_TRACE_BLOCK(name)                                              \
	static inline void trace_##name(unsigned int bit, unsigned int order, \
					unsigned int cpu,                     \
					struct irq_matrix *m,                 \
					struct cpumap *cm)                    \
	{                                                                     \
		(void)bit;                                                    \
		(void)order;                                                  \
		(void)cpu;                                                    \
		(void)m;                                                      \
		(void)cm;                                                     \
	}

COMPAT_TRACE_GLOBAL(irq_matrix_online)
COMPAT_TRACE_GLOBAL(irq_matrix_offline)
COMPAT_TRACE_GLOBAL(irq_matrix_reserve)
COMPAT_TRACE_GLOBAL(irq_matrix_remove_reserved)
COMPAT_TRACE_GLOBAL_UPDATE(irq_matrix_assign_system)
COMPAT_TRACE_CPU(irq_matrix_reserve_managed)
COMPAT_TRACE_CPU(irq_matrix_remove_managed)
COMPAT_TRACE_CPU(irq_matrix_alloc_managed)
COMPAT_TRACE_CPU(irq_matrix_assign)
COMPAT_TRACE_CPU(irq_matrix_alloc)
COMPAT_TRACE_CPU(irq_matrix_free)
COMPAT_TRACE_BLOCK(irq_matrix_alloc_block)
COMPAT_TRACE_BLOCK(irq_matrix_free_block)
COMPAT_TRACE_BLOCK(irq_matrix_reserve_managed_block)
COMPAT_TRACE_BLOCK(irq_matrix_remove_managed_block)
COMPAT_TRACE_BLOCK(irq_matrix_alloc_managed_block)

#undef COMPAT_TRACE_GLOBAL
#undef COMPAT_TRACE_GLOBAL_UPDATE
#undef COMPAT_TRACE_CPU
#undef COMPAT_TRACE_BLOCK

#endif /* IRQ_MATRIX_KERNEL_COMPAT_H */
