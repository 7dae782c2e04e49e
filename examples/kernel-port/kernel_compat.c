// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * kernel_compat.c - the out-of-line half of kernel_compat.h: diagnostics,
 * memory, per-CPU units and the bitmap search primitives.
 */
#include "kernel_compat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool compat_quiet;
unsigned long compat_warnings;
unsigned long compat_pr_warns;
unsigned int nr_cpu_ids = 1;

/* ---- diagnostics ---------------------------------------------------------- */

/* Call sites that have reported already (file pointer and line). */
#define COMPAT_MAX_SITES 256
static struct {
	const char *file;
	int line;
} warned_sites[COMPAT_MAX_SITES];
static unsigned int nr_warned_sites;

int compat_warn_once(int cond, const char *file, int line, const char *text)
{
	unsigned int i;

	if (!cond)
		return 0;
	compat_warnings++;
	for (i = 0; i < nr_warned_sites; i++) {
		if (warned_sites[i].file == file &&
		    warned_sites[i].line == line)
			return 1;
	}
	if (nr_warned_sites < COMPAT_MAX_SITES) {
		warned_sites[nr_warned_sites].file = file;
		warned_sites[nr_warned_sites].line = line;
		nr_warned_sites++;
	}
	if (!compat_quiet)
		fprintf(stderr, "WARNING: %s:%d: WARN_ON_ONCE(%s)\n", file,
			line, text);
	return 1;
}

void compat_bug(const char *file, int line, const char *text)
{
	fprintf(stderr, "kernel BUG at %s:%d: BUG_ON(%s)\n", file, line, text);
	abort();
}

void compat_pr_warn(const char *fmt, ...)
{
	va_list ap;

	compat_pr_warns++;
	if (compat_quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* ---- memory --------------------------------------------------------------- */

void *kzalloc(size_t size, int gfp)
{
	(void)gfp;
	return calloc(1, size);
}

void kfree(const void *p)
{
	free((void *)(uintptr_t)p);
}

/*
 * A per-CPU area is one calloc()ed block: a header that records the unit
 * size, then nr_cpu_ids units. The pointer handed out is the first unit.
 */
struct percpu_header {
	size_t unit;
	unsigned int nr_units;
	/* keeps the units that follow aligned for any object type */
	max_align_t align;
};

void *__alloc_percpu(size_t size, size_t align)
{
	struct percpu_header *h;
	size_t unit = size;

	if (align > sizeof(max_align_t))
		return NULL;
	if (unit % sizeof(max_align_t))
		unit += sizeof(max_align_t) - unit % sizeof(max_align_t);
	h = calloc(1, sizeof(*h) + unit * nr_cpu_ids);
	if (!h)
		return NULL;
	h->unit = unit;
	h->nr_units = nr_cpu_ids;
	return h + 1;
}

static struct percpu_header *percpu_header_of(void *pcpu)
{
	return (struct percpu_header *)pcpu - 1;
}

void free_percpu(void *pcpu)
{
	if (pcpu)
		free(percpu_header_of(pcpu));
}

void *compat_per_cpu_ptr(void *pcpu, unsigned int cpu)
{
	struct percpu_header *h = percpu_header_of(pcpu);

	BUG_ON(cpu >= h->nr_units);
	return (char *)pcpu + h->unit * cpu;
}

/* ---- bitmaps ---------------------------------------------------------------- */

void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

void bitmap_or(unsigned long *dst, const unsigned long *a,
	       const unsigned long *b, unsigned int nbits)
{
	unsigned int i;

	for (i = 0; i < BITS_TO_LONGS(nbits); i++)
		dst[i] = a[i] | b[i];
}

void bitmap_and(unsigned long *dst, const unsigned long *a,
		const unsigned long *b, unsigned int nbits)
{
	unsigned int i;

	for (i = 0; i < BITS_TO_LONGS(nbits); i++)
		dst[i] = a[i] & b[i];
}

/* The bits of the last word of an @nbits-bit bitmap that belong to it. */
static unsigned long last_word_mask(unsigned int nbits)
{
	unsigned int used = nbits % BITS_PER_LONG;

	return used ? (1UL << used) - 1 : ~0UL;
}

bool bitmap_andnot(unsigned long *dst, const unsigned long *a,
		   const unsigned long *b, unsigned int nbits)
{
	unsigned int i, words = BITS_TO_LONGS(nbits);
	unsigned long any = 0;

	for (i = 0; i < words; i++) {
		dst[i] = a[i] & ~b[i];
		any |= i + 1 == words ? dst[i] & last_word_mask(nbits) : dst[i];
	}
	return any != 0;
}

void bitmap_complement(unsigned long *dst, const unsigned long *src,
		       unsigned int nbits)
{
	unsigned int i;

	for (i = 0; i < BITS_TO_LONGS(nbits); i++)
		dst[i] = ~src[i];
}

static unsigned int word_weight(unsigned long w)
{
	unsigned int n = 0;

	for (; w; w &= w - 1)
		n++;
	return n;
}

unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits)
{
	unsigned int i, words = BITS_TO_LONGS(nbits), n = 0;

	for (i = 0; i < words; i++)
		n += word_weight(i + 1 == words ?
					 src[i] & last_word_mask(nbits) :
					 src[i]);
	return n;
}

bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_first_bit(src, nbits) >= nbits;
}

/* Apply a set (@set true) or clear to the bits [start, start + len). */
static void bitmap_update_range(unsigned long *map, unsigned int start,
				unsigned int len, bool set)
{
	while (len) {
		unsigned int shift = start % BITS_PER_LONG;
		unsigned int span = BITS_PER_LONG - shift;
		unsigned long mask;

		if (span > len)
			span = len;
		mask = span == BITS_PER_LONG ? ~0UL :
					       ((1UL << span) - 1) << shift;
		if (set)
			map[BIT_WORD(start)] |= mask;
		else
			map[BIT_WORD(start)] &= ~mask;
		start += span;
		len -= span;
	}
}

void bitmap_set(unsigned long *map, unsigned int start, unsigned int len)
{
	bitmap_update_range(map, start, len, true);
}

void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len)
{
	bitmap_update_range(map, start, len, false);
}

static unsigned int lowest_bit(unsigned long w)
{
	unsigned int n = 0;

	while (!(w & 1UL)) {
		w >>= 1;
		n++;
	}
	return n;
}

/* Shared by the two searches: @invert selects zero bits. */
static unsigned long find_next(const unsigned long *addr, unsigned long size,
			       unsigned long offset, unsigned long invert)
{
	unsigned long idx, w;

	if (offset >= size)
		return size;
	idx = offset / BITS_PER_LONG;
	w = (addr[idx] ^ invert) & (~0UL << (offset % BITS_PER_LONG));
	for (;;) {
		if (w) {
			unsigned long bit = idx * BITS_PER_LONG + lowest_bit(w);

			return bit < size ? bit : size;
		}
		if (++idx * BITS_PER_LONG >= size)
			return size;
		w = addr[idx] ^ invert;
	}
}

unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset)
{
	return find_next(addr, size, offset, 0UL);
}

unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long offset)
{
	return find_next(addr, size, offset, ~0UL);
}

unsigned long bitmap_find_next_zero_area_off(
	unsigned long *map, unsigned long size, unsigned long start,
	unsigned int nr, unsigned long align_mask, unsigned long align_offset)
{
	unsigned long index = start;

	for (;;) {
		unsigned long end, blocker;

		/* The first clear bit, moved up to the next aligned position. */
		index = find_next_zero_bit(map, size, index);
		index = ((index + align_offset + align_mask) & ~align_mask) -
			align_offset;
		end = index + nr;
		if (end > size)
			return end;
		/* Any set bit inside the candidate area restarts past it. */
		blocker = find_next_bit(map, end, index);
		if (blocker >= end)
			return index;
		index = blocker + 1;
	}
}

/* ---- cpumasks -------------------------------------------------------------- */

const struct cpumask *cpumask_of(unsigned int cpu)
{
	static struct cpumask single[NR_CPUS];
	static bool ready;

	if (!ready) {
		unsigned int i;

		for (i = 0; i < NR_CPUS; i++)
			set_bit(i, cpumask_bits(&single[i]));
		ready = true;
	}
	BUG_ON(cpu >= NR_CPUS);
	return &single[cpu];
}
