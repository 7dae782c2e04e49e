// SPDX-License-Identifier: MIT
/*
 * port_diff_test.c - differential test of the kernel-style C port
 * (irq_matrix_block.c) against the C++ library, driven through the C shim
 * (irqmatrix.h).
 *
 * Long seeded random sequences of kernel and block operations go to both
 * sides; after every operation the results, the global and per-CPU counters,
 * the allocated, managed and system bitmaps must be identical and the
 * library's irqm_verify() must pass.
 *
 * Which operations are generated. Block operations: valid and invalid
 * alike (the port answers bad input with the library's errno). Kernel
 * operations: the valid ones, plus those invalid ones for which the port, as
 * the kernel's WARN_ON_ONCE() paths do, returns an errno: remove_managed with
 * nothing removable, assign outside the window or of an allocated vector,
 * free outside the window or of an unallocated vector, alloc/alloc_managed
 * with an empty mask. Calls the kernel answers with BUG() or lets corrupt
 * its counters (online of an online CPU, offline of an offline one,
 * assign_system after boot, remove_reserved or a reserved alloc with no
 * reservation, free with the wrong managed flag) are never generated: the
 * library refuses them and the kernel does not, by design.
 *
 * On a divergence the sequence since the matrices were created is shrunk
 * and printed as a trace (docs/trace-format.md) together with the
 * seed and the command line that reproduces it.
 *
 * Usage: irqmatrix-port-diff [--seed N] [--scale K] [--geometry NAME] [--verbose]
 *        irqmatrix-port-diff --emit-trace NAME [--seed N] [--ops N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <irqmatrix/irqmatrix.h>

#include "irq_matrix.h"

/* ---- random numbers (splitmix64: tiny, and the same on every host) ------ */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n)
{
	return n ? (unsigned int)(rng_next() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- operations as data ---------------------------------------------------- */

enum kind {
	OP_ONLINE,
	OP_OFFLINE,
	OP_ASSIGN_SYSTEM,
	OP_RESERVE_MANAGED,
	OP_REMOVE_MANAGED,
	OP_ALLOC_MANAGED,
	OP_ASSIGN,
	OP_RESERVE,
	OP_REMOVE_RESERVED,
	OP_ALLOC,
	OP_FREE,
	OP_AVAILABLE,
	OP_RESERVED,
	OP_ALLOCATED,
	OP_ALLOC_BLOCK,
	OP_FREE_BLOCK,
	OP_RESERVE_MANAGED_BLOCK,
	OP_REMOVE_MANAGED_BLOCK,
	OP_ALLOC_MANAGED_BLOCK,
	OP_KINDS
};

static const char *const kind_name[OP_KINDS] = {
	"online",
	"offline",
	"assign_system",
	"reserve_managed",
	"remove_managed",
	"alloc_managed",
	"assign",
	"reserve",
	"remove_reserved",
	"alloc",
	"free",
	"available",
	"reserved",
	"allocated",
	"alloc_block",
	"free_block",
	"reserve_managed_block",
	"remove_managed_block",
	"alloc_managed_block",
};

struct op {
	enum kind kind;
	unsigned int cpu;
	unsigned int bit; /* vector, or a block's base */
	unsigned int order;
	bool flag; /* replace / reserved / managed / cpudown */
	struct cpumask mask;
};

/* A result: err 0 or a negative errno; a = value or CPU, b = vector. */
struct outcome {
	int err;
	long long a;
	unsigned int b;
	bool pair; /* a and b are a CPU and a vector */
};

static bool same_outcome(const struct outcome *x, const struct outcome *y)
{
	return x->err == y->err && x->a == y->a && x->b == y->b &&
	       x->pair == y->pair;
}

static void outcome_text(const struct outcome *r, char *buf, size_t size)
{
	if (r->err)
		snprintf(buf, size, "%d", r->err);
	else if (r->pair)
		snprintf(buf, size, "%lld %u", r->a, r->b);
	else
		snprintf(buf, size, "%lld", r->a);
}

/* ---- geometries --------------------------------------------------------------- */

struct geometry {
	const char *name;
	const char *what;
	unsigned int bits, start, end, nr_cpus;
	unsigned int operations; /* per run */
	unsigned int epoch;	 /* operations before both sides restart */
	bool x86_boot;		 /* boot like lapic_assign_system_vectors() */
};

static const struct geometry geometries[] = {
	{ "x86", "x86 6.10+, [32,235), 4 CPUs", 256, 32, 235, 4, 40000, 5000,
	  true },
	{ "x86-old", "x86 before 6.10, [32,236), 8 CPUs", 256, 32, 236, 8,
	  25000, 5000, true },
	{ "small", "small window [16,48) that fills up, 3 CPUs", 64, 16, 48, 3,
	  20000, 1500, false },
	{ "tiny", "unaligned window [5,21), 2 CPUs", 64, 5, 21, 2, 10000, 800,
	  false },
	{ "odd", "odd width 100, window [3,97), 5 CPUs", 100, 3, 97, 5, 10000,
	  2000, false },
	{ "one-cpu", "x86 window, 1 CPU", 256, 32, 236, 1, 8000, 2000, true },
	{ "many-cpus", "x86 window, 70 CPUs (two mask words)", 256, 32, 236, 70,
	  8000, 4000, true },
};
#define NR_GEOMETRIES (sizeof(geometries) / sizeof(geometries[0]))

/* ---- the two sides ------------------------------------------------------------ */

struct sides {
	const struct geometry *g;
	struct irq_matrix *port;
	struct irqm_matrix *lib;
};

static bool sides_create(struct sides *s, const struct geometry *g)
{
	s->g = g;
	nr_cpu_ids = g->nr_cpus;
	s->port = irq_alloc_matrix(g->bits, g->start, g->end);
	s->lib = irqm_create(g->bits, g->start, g->end, g->nr_cpus);
	return s->port && s->lib;
}

static void sides_destroy(struct sides *s)
{
	irq_free_matrix(s->port);
	irqm_destroy(s->lib);
	s->port = NULL;
	s->lib = NULL;
}

static struct cpumap *port_cpu(const struct sides *s, unsigned int cpu)
{
	return per_cpu_ptr(s->port->maps, cpu);
}

static struct outcome from_int(int v)
{
	struct outcome r = { 0, 0, 0, false };

	if (v < 0)
		r.err = v;
	return r;
}

static struct outcome from_pick(int v, unsigned int cpu)
{
	struct outcome r = { 0, 0, 0, false };

	if (v < 0) {
		r.err = v;
	} else {
		r.a = cpu;
		r.b = (unsigned int)v;
		r.pair = true;
	}
	return r;
}

static struct outcome from_value(unsigned int v)
{
	struct outcome r = { 0, v, 0, false };

	return r;
}

static struct outcome run_port(struct sides *s, const struct op *o)
{
	struct irq_matrix *m = s->port;
	const struct cpumask *msk = &o->mask;
	unsigned int cpu = UINT_MAX;
	int v;

	switch (o->kind) {
	case OP_ONLINE:
		irq_matrix_online(m, o->cpu);
		return from_int(0);
	case OP_OFFLINE:
		irq_matrix_offline(m, o->cpu);
		return from_int(0);
	case OP_ASSIGN_SYSTEM:
		irq_matrix_assign_system(m, o->cpu, o->bit, o->flag);
		return from_int(0);
	case OP_RESERVE_MANAGED:
		return from_int(irq_matrix_reserve_managed(m, msk));
	case OP_REMOVE_MANAGED:
		return from_int(irq_matrix_remove_managed(m, msk));
	case OP_ALLOC_MANAGED:
		v = irq_matrix_alloc_managed(m, msk, &cpu);
		return from_pick(v, cpu);
	case OP_ASSIGN:
		return from_int(irq_matrix_assign(m, o->cpu, o->bit));
	case OP_RESERVE:
		irq_matrix_reserve(m);
		return from_int(0);
	case OP_REMOVE_RESERVED:
		irq_matrix_remove_reserved(m);
		return from_int(0);
	case OP_ALLOC:
		v = irq_matrix_alloc(m, msk, o->flag, &cpu);
		return from_pick(v, cpu);
	case OP_FREE:
		return from_int(irq_matrix_free(m, o->cpu, o->bit, o->flag));
	case OP_AVAILABLE:
		return from_value(irq_matrix_available(m, o->cpu, o->flag));
	case OP_RESERVED:
		return from_value(irq_matrix_reserved(m));
	case OP_ALLOCATED:
		return from_value(irq_matrix_allocated(m, o->cpu));
	case OP_ALLOC_BLOCK:
		v = irq_matrix_alloc_block(m, msk, o->order, o->flag, &cpu);
		return from_pick(v, cpu);
	case OP_FREE_BLOCK:
		return from_int(irq_matrix_free_block(m, o->cpu, o->bit,
						      o->order, o->flag));
	case OP_RESERVE_MANAGED_BLOCK:
		return from_int(
			irq_matrix_reserve_managed_block(m, msk, o->order));
	case OP_REMOVE_MANAGED_BLOCK:
		return from_int(
			irq_matrix_remove_managed_block(m, msk, o->order));
	case OP_ALLOC_MANAGED_BLOCK:
		v = irq_matrix_alloc_managed_block(m, msk, o->order, &cpu);
		return from_pick(v, cpu);
	case OP_KINDS:
		break;
	}
	return from_int(-1);
}

static struct outcome run_lib(struct sides *s, const struct op *o)
{
	struct irqm_matrix *m = s->lib;
	const unsigned long *msk = cpumask_bits(&o->mask);
	unsigned int nbits = s->g->nr_cpus, cpu = UINT_MAX, value = 0;
	int v;

	switch (o->kind) {
	case OP_ONLINE:
		return from_int(irqm_online(m, o->cpu));
	case OP_OFFLINE:
		return from_int(irqm_offline(m, o->cpu));
	case OP_ASSIGN_SYSTEM:
		return from_int(irqm_assign_system(m, o->cpu, o->bit, o->flag));
	case OP_RESERVE_MANAGED:
		return from_int(irqm_reserve_managed(m, msk, nbits));
	case OP_REMOVE_MANAGED:
		return from_int(irqm_remove_managed(m, msk, nbits));
	case OP_ALLOC_MANAGED:
		v = irqm_alloc_managed(m, msk, nbits, &cpu);
		return from_pick(v, cpu);
	case OP_ASSIGN:
		return from_int(irqm_assign(m, o->cpu, o->bit));
	case OP_RESERVE:
		return from_int(irqm_reserve(m));
	case OP_REMOVE_RESERVED:
		return from_int(irqm_remove_reserved(m));
	case OP_ALLOC:
		v = irqm_alloc(m, msk, nbits, o->flag, &cpu);
		return from_pick(v, cpu);
	case OP_FREE:
		return from_int(irqm_free(m, o->cpu, o->bit, o->flag));
	case OP_AVAILABLE:
		v = irqm_available(m, o->cpu, o->flag, &value);
		return v ? from_int(v) : from_value(value);
	case OP_RESERVED:
		return from_value(irqm_reserved(m));
	case OP_ALLOCATED:
		v = irqm_allocated(m, o->cpu, &value);
		return v ? from_int(v) : from_value(value);
	case OP_ALLOC_BLOCK:
		v = irqm_alloc_block(m, msk, nbits, o->order, o->flag, &cpu);
		return from_pick(v, cpu);
	case OP_FREE_BLOCK:
		return from_int(
			irqm_free_block(m, o->cpu, o->bit, o->order, o->flag));
	case OP_RESERVE_MANAGED_BLOCK:
		return from_int(
			irqm_reserve_managed_block(m, msk, nbits, o->order));
	case OP_REMOVE_MANAGED_BLOCK:
		return from_int(
			irqm_remove_managed_block(m, msk, nbits, o->order));
	case OP_ALLOC_MANAGED_BLOCK:
		v = irqm_alloc_managed_block(m, msk, nbits, o->order, &cpu);
		return from_pick(v, cpu);
	case OP_KINDS:
		break;
	}
	return from_int(-1);
}

/*
 * Whether the kernel's semantics define this call in the current state:
 * false for the calls the kernel BUG()s on or lets corrupt its state, which
 * the library refuses instead (see the file comment). The generator never
 * makes them; the shrinker drops them when a shorter sequence makes them so.
 */
static bool kernel_defined(const struct sides *s, const struct op *o)
{
	const struct irq_matrix *m = s->port;
	const struct cpumap *cm = o->cpu < s->g->nr_cpus ? port_cpu(s, o->cpu) :
							   NULL;

	switch (o->kind) {
	case OP_ONLINE:
		return cm && !cm->online;
	case OP_OFFLINE:
		return cm && cm->online;
	case OP_ASSIGN_SYSTEM:
		if (!cm || o->bit >= m->matrix_bits)
			return false;
		if (m->online_maps > 1 || (m->online_maps == 1 && !o->flag))
			return false;
		return !o->flag || test_bit(o->bit, cm->alloc_map);
	case OP_REMOVE_RESERVED:
		return m->global_reserved > 0;
	case OP_ALLOC:
		return !o->flag || m->global_reserved > 0;
	case OP_ASSIGN:
	case OP_AVAILABLE:
	case OP_ALLOCATED:
		return cm != NULL;
	case OP_FREE:
		if (!cm)
			return false;
		if (o->bit < m->alloc_start || o->bit >= m->alloc_end ||
		    !test_bit(o->bit, cm->alloc_map))
			return true; /* both refuse */
		return o->flag == test_bit(o->bit, cm->managed_map);
	default:
		return true;
	}
}

/* ---- state comparison ------------------------------------------------------ */

static char diff_text[512];

static bool diff_counter(const char *what, int cpu, unsigned int port,
			 unsigned int lib)
{
	if (port == lib)
		return false;
	if (cpu < 0)
		snprintf(diff_text, sizeof(diff_text),
			 "%s: port %u, library %u", what, port, lib);
	else
		snprintf(diff_text, sizeof(diff_text),
			 "%s of cpu %d: port %u, library %u", what, cpu, port,
			 lib);
	return true;
}

static bool diff_bitmap(const char *what, int cpu, const unsigned long *port,
			const unsigned long *lib, unsigned int nbits)
{
	unsigned int bit;

	for (bit = 0; bit < nbits; bit++) {
		bool p = test_bit(bit, port), l = test_bit(bit, lib);

		if (p == l)
			continue;
		if (cpu < 0)
			snprintf(
				diff_text, sizeof(diff_text),
				"%s: vector %u is %s in the port, %s in the library",
				what, bit, p ? "set" : "clear",
				l ? "set" : "clear");
		else
			snprintf(
				diff_text, sizeof(diff_text),
				"%s of cpu %d: vector %u is %s in the port, %s in the library",
				what, cpu, bit, p ? "set" : "clear",
				l ? "set" : "clear");
		return true;
	}
	return false;
}

/* Everything observable; returns NULL when equal, else the first difference. */
static const char *state_diff(const struct sides *s)
{
	const struct irq_matrix *m = s->port;
	unsigned int bits = s->g->bits, cpu;
	unsigned long lmap[BITS_TO_LONGS(2048)];
	struct irqm_stats st;
	char msg[256];

	if (irqm_get_stats(s->lib, &st))
		return "irqm_get_stats failed";
	if (diff_counter("online_maps", -1, m->online_maps, st.online_maps) ||
	    diff_counter("global_available", -1, m->global_available,
			 st.global_available) ||
	    diff_counter("global_reserved", -1, m->global_reserved,
			 st.global_reserved) ||
	    diff_counter("total_allocated", -1, m->total_allocated,
			 st.total_allocated) ||
	    diff_counter("systembits_inalloc", -1, m->systembits_inalloc,
			 st.systembits_inalloc))
		return diff_text;

	for (cpu = 0; cpu < s->g->nr_cpus; cpu++) {
		const struct cpumap *cm = port_cpu(s, cpu);
		struct irqm_cpu_stats cs;
		int c = (int)cpu;

		if (irqm_get_cpu_stats(s->lib, cpu, &cs))
			return "irqm_get_cpu_stats failed";
		if (diff_counter("online", c, cm->online, cs.online) ||
		    diff_counter("available", c, cm->available, cs.available) ||
		    diff_counter("allocated", c, cm->allocated, cs.allocated) ||
		    diff_counter("managed", c, cm->managed, cs.managed) ||
		    diff_counter("managed_allocated", c, cm->managed_allocated,
				 cs.managed_allocated))
			return diff_text;
		if (irqm_cpu_alloc_map(s->lib, cpu, lmap, bits) < 0)
			return "irqm_cpu_alloc_map failed";
		if (diff_bitmap("alloc_map", c, cm->alloc_map, lmap, bits))
			return diff_text;
		if (irqm_cpu_managed_map(s->lib, cpu, lmap, bits) < 0)
			return "irqm_cpu_managed_map failed";
		if (diff_bitmap("managed_map", c, cm->managed_map, lmap, bits))
			return diff_text;
	}
	if (irqm_system_map(s->lib, lmap, bits) < 0)
		return "irqm_system_map failed";
	if (diff_bitmap("system_map", -1, m->system_map, lmap, bits))
		return diff_text;
	if (irqm_verify(s->lib, msg, sizeof(msg))) {
		snprintf(diff_text, sizeof(diff_text),
			 "library irqm_verify(): %s", msg);
		return diff_text;
	}
	return NULL;
}

/* How often irq_matrix_two_step_target_ok() said yes and no (coverage). */
static unsigned long two_step_answers[2];

/*
 * irq_matrix_two_step_target_ok() on @cpu for every aligned block of every
 * order against the library's free map (through the shim): a block may be a
 * two-step target iff the library has all its vectors free there.
 */
static const char *two_step_diff(const struct sides *s, unsigned int cpu)
{
	unsigned int bits = s->g->bits, order, base, v;
	unsigned long lmap[BITS_TO_LONGS(2048)];

	if (irqm_cpu_free_map(s->lib, cpu, lmap, bits) < 0)
		return "irqm_cpu_free_map failed";
	for (order = 0; order <= IRQ_MATRIX_MAX_BLOCK_ORDER; order++) {
		for (base = 0; base + (1U << order) <= bits;
		     base += 1U << order) {
			bool lib = true, port;

			for (v = base; lib && v < base + (1U << order); v++)
				lib = test_bit(v, lmap);
			port = irq_matrix_two_step_target_ok(s->port, cpu, base,
							     order);
			two_step_answers[port]++;
			if (port != lib) {
				snprintf(
					diff_text, sizeof(diff_text),
					"two-step target %u/%u from cpu %u: port %d, library %d",
					base, order, cpu, port, lib);
				return diff_text;
			}
		}
	}
	return NULL;
}

/*
 * One operation on both sides; NULL when they agree, else what differs.
 * @result gets the port's result, @lib_result (optional) the library's.
 */
static const char *step(struct sides *s, const struct op *o,
			struct outcome *result, struct outcome *lib_result)
{
	struct outcome p = run_port(s, o);
	struct outcome l = run_lib(s, o);

	*result = p;
	if (lib_result)
		*lib_result = l;
	if (!same_outcome(&p, &l)) {
		char pt[64], lt[64];

		outcome_text(&p, pt, sizeof(pt));
		outcome_text(&l, lt, sizeof(lt));
		snprintf(diff_text, sizeof(diff_text),
			 "result: port %s, library %s", pt, lt);
		return diff_text;
	}
	/* The block operations change the free space where moves would look. */
	if ((o->kind == OP_ALLOC_BLOCK || o->kind == OP_FREE_BLOCK) && !p.err) {
		const char *d = two_step_diff(s, o->kind == OP_FREE_BLOCK ?
							 o->cpu :
							 (unsigned int)p.a);
		if (d)
			return d;
	}
	return state_diff(s);
}

/* ---- trace output -------------------------------------------------------------- */

static void print_mask(FILE *f, const struct cpumask *msk, unsigned int nr_cpus)
{
	unsigned int cpu = 0;
	bool first = true;

	while (cpu < nr_cpus) {
		unsigned int last;

		if (!test_bit(cpu, cpumask_bits(msk))) {
			cpu++;
			continue;
		}
		for (last = cpu; last + 1 < nr_cpus &&
				 test_bit(last + 1, cpumask_bits(msk));
		     last++)
			;
		fprintf(f, "%s%u", first ? "" : ",", cpu);
		if (last > cpu)
			fprintf(f, "-%u", last);
		first = false;
		cpu = last + 1;
	}
	if (first)
		fprintf(f, "none");
}

static void print_op(FILE *f, const struct op *o, unsigned int nr_cpus)
{
	fprintf(f, "%s", kind_name[o->kind]);
	switch (o->kind) {
	case OP_ONLINE:
	case OP_OFFLINE:
	case OP_ALLOCATED:
		fprintf(f, " %u", o->cpu);
		break;
	case OP_ASSIGN_SYSTEM:
	case OP_FREE:
		fprintf(f, " %u %u %d", o->cpu, o->bit, o->flag);
		break;
	case OP_ASSIGN:
		fprintf(f, " %u %u", o->cpu, o->bit);
		break;
	case OP_AVAILABLE:
		fprintf(f, " %u %d", o->cpu, o->flag);
		break;
	case OP_RESERVE_MANAGED:
	case OP_REMOVE_MANAGED:
	case OP_ALLOC_MANAGED:
		fputc(' ', f);
		print_mask(f, &o->mask, nr_cpus);
		break;
	case OP_ALLOC:
		fputc(' ', f);
		print_mask(f, &o->mask, nr_cpus);
		fprintf(f, " %d", o->flag);
		break;
	case OP_ALLOC_BLOCK:
		fputc(' ', f);
		print_mask(f, &o->mask, nr_cpus);
		fprintf(f, " %u %d", o->order, o->flag);
		break;
	case OP_FREE_BLOCK:
		fprintf(f, " %u %u %u %d", o->cpu, o->bit, o->order, o->flag);
		break;
	case OP_RESERVE_MANAGED_BLOCK:
	case OP_REMOVE_MANAGED_BLOCK:
	case OP_ALLOC_MANAGED_BLOCK:
		fputc(' ', f);
		print_mask(f, &o->mask, nr_cpus);
		fprintf(f, " %u", o->order);
		break;
	case OP_RESERVE:
	case OP_REMOVE_RESERVED:
	case OP_RESERVED:
	case OP_KINDS:
		break;
	}
}

/* ---- the generator ------------------------------------------------------------- */

enum phase { BALANCED, FILL, DRAIN };

struct generator {
	const struct geometry *g;
	enum phase phase;
	unsigned int phase_left;
	unsigned int boot_step; /* position in the boot script */
	unsigned int boot_len;
};

static unsigned int any_cpu(const struct generator *gen)
{
	return below(gen->g->nr_cpus);
}

static unsigned int online_cpu(const struct sides *s)
{
	unsigned int n = s->port->online_maps, cpu, k;

	if (!n)
		return below(s->g->nr_cpus);
	k = below(n);
	for (cpu = 0; cpu < s->g->nr_cpus; cpu++)
		if (port_cpu(s, cpu)->online && k-- == 0)
			return cpu;
	return 0;
}

static unsigned int order_arg(const struct generator *gen)
{
	unsigned int r;

	if (chance(2))
		return IRQ_MATRIX_MAX_BLOCK_ORDER + 1 + below(3); /* invalid */
	r = below(100);
	if (r < 35)
		return 0;
	if (r < 60)
		return 1;
	if (r < 78)
		return 2;
	if (r < 88)
		return 3;
	if (r < 95 || gen->g->end - gen->g->start < 64)
		return 4;
	return 5;
}

/* Mostly online CPUs; sometimes all CPUs or none. */
static void mask_arg(const struct sides *s, struct cpumask *msk,
		     bool allow_empty)
{
	unsigned int r = below(100), cpu;

	cpumask_clear(msk);
	if (r < 3 && allow_empty)
		return;
	if (r < 13) {
		for (cpu = 0; cpu < s->g->nr_cpus; cpu++)
			cpumask_set_cpu(cpu, msk);
	} else if (r < 50) {
		cpumask_set_cpu(online_cpu(s), msk);
	} else {
		for (cpu = 0; cpu < s->g->nr_cpus; cpu++)
			if (chance(port_cpu(s, cpu)->online ? 60 : 15))
				cpumask_set_cpu(cpu, msk);
		if (cpumask_empty(msk))
			cpumask_set_cpu(online_cpu(s), msk);
	}
}

/* A random set bit of @map below @nbits, or UINT_MAX. */
static unsigned int random_set_bit(const unsigned long *map, unsigned int nbits)
{
	unsigned int n = bitmap_weight(map, nbits), k, bit;

	if (!n)
		return UINT_MAX;
	k = below(n);
	for (bit = (unsigned int)find_first_bit(map, nbits); bit < nbits;
	     bit = (unsigned int)find_next_bit(map, nbits, bit + 1))
		if (k-- == 0)
			return bit;
	return UINT_MAX;
}

/* A CPU with an allocated vector and that vector; false if there is none. */
static bool allocated_vector(const struct sides *s, unsigned int *cpu,
			     unsigned int *bit)
{
	unsigned int tries;

	for (tries = 0; tries < 4; tries++) {
		unsigned int c = below(s->g->nr_cpus);
		unsigned int b =
			random_set_bit(port_cpu(s, c)->alloc_map, s->g->bits);

		if (b != UINT_MAX) {
			*cpu = c;
			*bit = b;
			return true;
		}
	}
	return false;
}

/* Vectors in use (allocated or reserved) as a share of all windows. */
static double occupancy(const struct sides *s)
{
	double cap = (double)s->g->nr_cpus * (s->g->end - s->g->start),
	       used = 0;
	unsigned int cpu;

	for (cpu = 0; cpu < s->g->nr_cpus; cpu++) {
		const struct cpumap *cm = port_cpu(s, cpu);

		used += cm->allocated + (cm->managed - cm->managed_allocated);
	}
	return cap > 0 ? used / cap : 0;
}

static void gen_new_epoch(struct generator *gen)
{
	gen->phase = BALANCED;
	gen->phase_left = 200;
	gen->boot_step = 0;
	gen->boot_len = gen->g->x86_boot ? 80 : 8 + below(16);
}

/*
 * The boot script of an epoch. x86: the exceptions, the cascade and int80
 * (when inside the window) and the APIC vectors become system vectors, the
 * boot CPU comes online and gets the ISA vectors assigned, some of which
 * become system vectors by replace (no IO-APIC); then the other CPUs come
 * online. Elsewhere: a few random system vectors, assignments and managed
 * reservations on CPUs that are still offline, then onlining. A step that
 * would not be valid is turned into a query.
 */
static void gen_boot(struct generator *gen, const struct sides *s, struct op *o)
{
	const struct geometry *g = gen->g;
	unsigned int step = gen->boot_step++;

	memset(o, 0, sizeof(*o));
	o->kind = OP_RESERVED;
	if (g->x86_boot) {
		static const unsigned int sys[] = {
			0,    1,    2,	  3,	4,    5,    6,	  7,
			8,    9,    10,	  11,	12,   13,   14,	  15,
			16,   17,   18,	  19,	0x32, 0x80, 0xec, 0xed,
			0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
		};
		unsigned int nsys = sizeof(sys) / sizeof(sys[0]);

		if (step < nsys) {
			if (sys[step] == 0x80 && chance(50))
				return; /* no IA32 emulation */
			o->kind = OP_ASSIGN_SYSTEM;
			o->bit = sys[step];
			if (step == nsys - 1 && chance(30))
				o->bit = 0x32; /* a repeated call (quirk Q6) */
			return;
		}
		step -= nsys;
		if (step == 0) {
			o->kind = OP_ONLINE;
			return;
		}
		if (step <= 16) {
			/* ISA vectors 0x30 + i on the boot CPU, i != 2 */
			unsigned int vec = 0x30 + step - 1;

			if (vec == 0x32 || vec < g->start || vec >= g->end)
				return;
			o->kind = OP_ASSIGN;
			o->bit = vec;
			return;
		}
		step -= 17;
		if (step < 4) {
			unsigned int vec = 0x30 + below(16);

			if (vec != 0x32 &&
			    test_bit(vec, port_cpu(s, 0)->alloc_map) &&
			    chance(50)) {
				o->kind = OP_ASSIGN_SYSTEM;
				o->bit = vec;
				o->flag = true;
			}
			return;
		}
		o->kind = OP_ONLINE;
		o->cpu = any_cpu(gen);
		if (port_cpu(s, o->cpu)->online || chance(10))
			o->kind = OP_RESERVED;
		return;
	}

	/* small geometries */
	switch (below(5)) {
	case 0:
		o->kind = OP_ASSIGN_SYSTEM;
		o->bit = below(g->bits);
		o->cpu = any_cpu(gen);
		if (s->port->online_maps) {
			if (s->port->online_maps > 1 ||
			    !test_bit(o->bit, port_cpu(s, o->cpu)->alloc_map))
				o->kind = OP_RESERVED;
			o->flag = true;
		}
		return;
	case 1:
		o->kind = OP_ASSIGN;
		o->cpu = any_cpu(gen);
		o->bit = g->start + below(g->end - g->start);
		return;
	case 2:
		o->kind = OP_RESERVE_MANAGED;
		mask_arg(s, &o->mask, true);
		return;
	default:
		o->kind = OP_ONLINE;
		o->cpu = any_cpu(gen);
		if (port_cpu(s, o->cpu)->online)
			o->kind = OP_RESERVED;
		return;
	}
}

static enum kind pick_kind(struct generator *gen, const struct sides *s)
{
	/* weights: balanced, fill, drain */
	static const unsigned int weight[OP_KINDS][3] = {
		[OP_ONLINE] = { 3, 2, 2 },
		[OP_OFFLINE] = { 2, 1, 1 },
		[OP_ASSIGN_SYSTEM] = { 1, 1, 1 },
		[OP_RESERVE_MANAGED] = { 6, 8, 2 },
		[OP_REMOVE_MANAGED] = { 5, 2, 10 },
		[OP_ALLOC_MANAGED] = { 6, 8, 3 },
		[OP_ASSIGN] = { 2, 2, 1 },
		[OP_RESERVE] = { 3, 3, 2 },
		[OP_REMOVE_RESERVED] = { 2, 1, 3 },
		[OP_ALLOC] = { 10, 14, 3 },
		[OP_FREE] = { 10, 3, 22 },
		[OP_AVAILABLE] = { 2, 1, 1 },
		[OP_RESERVED] = { 1, 1, 1 },
		[OP_ALLOCATED] = { 2, 1, 1 },
		[OP_ALLOC_BLOCK] = { 12, 16, 3 },
		[OP_FREE_BLOCK] = { 10, 3, 20 },
		[OP_RESERVE_MANAGED_BLOCK] = { 5, 7, 2 },
		[OP_REMOVE_MANAGED_BLOCK] = { 5, 2, 10 },
		[OP_ALLOC_MANAGED_BLOCK] = { 6, 8, 3 },
	};
	unsigned int total = 0, k, r;

	(void)s;
	for (k = 0; k < OP_KINDS; k++)
		total += weight[k][gen->phase];
	r = below(total);
	for (k = 0; k < OP_KINDS; k++) {
		if (r < weight[k][gen->phase])
			return (enum kind)k;
		r -= weight[k][gen->phase];
	}
	return OP_RESERVED;
}

static void gen_next(struct generator *gen, const struct sides *s, struct op *o)
{
	const struct geometry *g = gen->g;
	const struct irq_matrix *m = s->port;
	unsigned int cpu, bit;
	double occ;

	if (gen->boot_step < gen->boot_len) {
		gen_boot(gen, s, o);
		return;
	}

	occ = occupancy(s);
	if (!gen->phase_left || (gen->phase == FILL && occ >= 0.92) ||
	    (gen->phase == DRAIN && occ <= 0.08)) {
		unsigned int r = below(10);

		if (gen->phase == FILL)
			gen->phase = r < 7 ? DRAIN : BALANCED;
		else if (gen->phase == DRAIN)
			gen->phase = r < 7 ? FILL : BALANCED;
		else
			gen->phase = r < 5 ? FILL : DRAIN;
		gen->phase_left = 100 + below(1500);
	}
	gen->phase_left--;

	memset(o, 0, sizeof(*o));
	o->kind = pick_kind(gen, s);
	switch (o->kind) {
	case OP_ONLINE:
	case OP_OFFLINE:
		/* Flip a CPU; keep most of them online. */
		o->cpu = any_cpu(gen);
		o->kind = port_cpu(s, o->cpu)->online ? OP_OFFLINE : OP_ONLINE;
		if (o->kind == OP_OFFLINE &&
		    m->online_maps * 3 < g->nr_cpus * 2 && chance(70))
			o->kind = OP_AVAILABLE;
		break;
	case OP_ASSIGN_SYSTEM:
		/* Valid only while at most one map is online (boot). */
		o->cpu = any_cpu(gen);
		o->bit = below(g->bits);
		if (m->online_maps == 1) {
			o->flag = true;
			if (!allocated_vector(s, &o->cpu, &o->bit))
				o->kind = OP_RESERVED;
		} else if (m->online_maps > 1) {
			o->kind = OP_RESERVED;
		}
		break;
	case OP_RESERVE_MANAGED:
	case OP_REMOVE_MANAGED:
		mask_arg(s, &o->mask, true);
		break;
	case OP_ALLOC_MANAGED:
		mask_arg(s, &o->mask, true);
		break;
	case OP_ASSIGN:
		o->cpu = any_cpu(gen);
		if (chance(8))
			o->bit = below(g->bits); /* maybe outside the window */
		else
			o->bit = g->start + below(g->end - g->start);
		break;
	case OP_REMOVE_RESERVED:
		if (!m->global_reserved)
			o->kind = OP_RESERVE;
		break;
	case OP_ALLOC:
		mask_arg(s, &o->mask, true);
		o->flag = m->global_reserved > 0 && chance(40);
		break;
	case OP_FREE:
		if (!chance(8) && allocated_vector(s, &cpu, &bit)) {
			o->cpu = cpu;
			o->bit = bit;
			o->flag = test_bit(bit, port_cpu(s, cpu)->managed_map);
		} else {
			/* not allocated, or outside the window: refused by both */
			o->cpu = any_cpu(gen);
			o->bit = below(g->bits);
			o->flag = chance(50);
			if (o->bit >= g->start && o->bit < g->end &&
			    test_bit(o->bit, port_cpu(s, o->cpu)->alloc_map))
				o->flag = test_bit(
					o->bit,
					port_cpu(s, o->cpu)->managed_map);
		}
		break;
	case OP_AVAILABLE:
		o->cpu = any_cpu(gen);
		o->flag = chance(50);
		break;
	case OP_ALLOCATED:
		o->cpu = any_cpu(gen);
		break;
	case OP_ALLOC_BLOCK:
		mask_arg(s, &o->mask, true);
		o->order = order_arg(gen);
		/* sometimes more reservations than outstanding: -EBUSY */
		o->flag = m->global_reserved > 0 && chance(30);
		break;
	case OP_FREE_BLOCK:
		o->order = order_arg(gen);
		if (!chance(10) && allocated_vector(s, &cpu, &bit)) {
			unsigned int n =
				1U << (o->order > IRQ_MATRIX_MAX_BLOCK_ORDER ?
					       0 :
					       o->order);

			o->cpu = cpu;
			o->bit = bit & ~(n - 1);
			o->flag =
				test_bit(o->bit, port_cpu(s, cpu)->managed_map);
			if (chance(5))
				o->flag = !o->flag;
			if (chance(3))
				o->bit += 1; /* unaligned for order > 0 */
		} else {
			o->cpu = chance(5) ? g->nr_cpus + below(3) :
					     any_cpu(gen);
			o->bit = below(g->bits + 8);
			o->flag = chance(50);
		}
		break;
	case OP_RESERVE_MANAGED_BLOCK:
	case OP_REMOVE_MANAGED_BLOCK:
	case OP_ALLOC_MANAGED_BLOCK:
		mask_arg(s, &o->mask, true);
		o->order = order_arg(gen);
		break;
	case OP_RESERVE:
	case OP_RESERVED:
	case OP_KINDS:
		break;
	}
}

/* ---- coverage ---------------------------------------------------------------------- */

/* Per kind: successes and each errno. */
enum { R_OK, R_ENOENT, R_EBUSY, R_EINVAL, R_ENOSPC, R_OTHER, R_COUNT };
static unsigned long coverage[OP_KINDS][R_COUNT];

static void count_result(enum kind k, const struct outcome *r)
{
	int slot;

	switch (r->err) {
	case 0:
		slot = R_OK;
		break;
	case -ENOENT:
		slot = R_ENOENT;
		break;
	case -EBUSY:
		slot = R_EBUSY;
		break;
	case -EINVAL:
		slot = R_EINVAL;
		break;
	case -ENOSPC:
		slot = R_ENOSPC;
		break;
	default:
		slot = R_OTHER;
		break;
	}
	coverage[k][slot]++;
}

/*
 * A fingerprint of how far the counters have drifted from the bitmaps
 * through kernel quirks (Q1, Q2, Q6, Q8, ...), from the library's ledger.
 * The driver counts the operations that change it: the runs must exercise
 * those paths, not only the well-behaved ones.
 */
static uint64_t drift_fingerprint(const struct sides *s)
{
	struct irqm_drift d;
	uint64_t h = 0;
	unsigned int cpu;

	if (!irqm_get_global_drift(s->lib, &d))
		h = (uint64_t)(uint32_t)d.available * 31 +
		    (uint32_t)d.allocated;
	for (cpu = 0; cpu < s->g->nr_cpus; cpu++) {
		if (irqm_get_cpu_drift(s->lib, cpu, &d))
			continue;
		h = h * 1000003 + (uint32_t)d.available;
		h = h * 1000003 + (uint32_t)d.allocated;
	}
	return h;
}

/* ---- shrinking and reporting ---------------------------------------------------- */

/*
 * Replays @ops[0..n) on fresh sides, skipping the operations the kernel does
 * not define in the state reached. Returns the index of the diverging
 * operation, or -1 if the two sides agree throughout. With @out, prints the
 * replayed operations as a trace with the library's results, the diverging
 * one last with what differs.
 */
static long replay(const struct geometry *g, const struct op *ops, size_t n,
		   FILE *out)
{
	struct sides s;
	long bad = -1;
	size_t i;

	if (!sides_create(&s, g)) {
		sides_destroy(&s);
		return -1;
	}
	if (out)
		fprintf(out, "matrix %u %u %u %u => 0\n", g->bits, g->start,
			g->end, g->nr_cpus);
	for (i = 0; i < n; i++) {
		struct outcome r, l;
		const char *why;
		char text[64];

		if (!kernel_defined(&s, &ops[i]))
			continue;
		why = step(&s, &ops[i], &r, &l);
		if (out) {
			print_op(out, &ops[i], g->nr_cpus);
			outcome_text(&l, text, sizeof(text));
			fprintf(out, " => %s", text);
			if (why)
				fprintf(out, "   # mismatch: %s", why);
			fputc('\n', out);
		}
		if (why) {
			bad = (long)i;
			break;
		}
	}
	sides_destroy(&s);
	return bad;
}

/*
 * Removes chunks of operations (halves, quarters, ... single ones), repeating
 * until no chunk can go or 20 s have passed, as long as the sequence still
 * diverges (at its new last operation). Returns the new length.
 */
static size_t shrink(const struct geometry *g, struct op *ops, size_t n,
		     struct op *tmp)
{
	clock_t deadline = clock() + 20 * CLOCKS_PER_SEC;
	bool changed = true;

	while (changed && clock() < deadline) {
		size_t chunk;

		changed = false;
		for (chunk = n / 2; chunk >= 1; chunk /= 2) {
			size_t at = 0;

			/* never drop the diverging operation itself (the last) */
			while (at + chunk < n && clock() < deadline) {
				long bad;

				memcpy(tmp, ops, at * sizeof(*ops));
				memcpy(tmp + at, ops + at + chunk,
				       (n - at - chunk) * sizeof(*ops));
				bad = replay(g, tmp, n - chunk, NULL);
				if (bad >= 0) {
					n = (size_t)bad + 1;
					memcpy(ops, tmp, n * sizeof(*ops));
					changed = true;
				} else {
					at += chunk;
				}
			}
		}
	}
	return n;
}

static void report(const struct geometry *g, uint64_t base_seed, uint64_t seed,
		   unsigned long index, struct op *ops, size_t n,
		   const char *why, const struct op *culprit)
{
	struct op *tmp = malloc(n * sizeof(*tmp));

	fprintf(stderr,
		"\nDIVERGENCE in geometry '%s' (%s), seed %" PRIu64
		", operation %lu:\n  ",
		g->name, g->what, seed, index);
	print_op(stderr, culprit, g->nr_cpus);
	fprintf(stderr, "\n  %s\n", why);
	fprintf(stderr,
		"reproduce: irqmatrix-port-diff --geometry %s --seed %" PRIu64
		"\n",
		g->name, base_seed);
	if (!tmp)
		return;
	compat_quiet = true;
	n = shrink(g, ops, n, tmp);
	fprintf(stderr,
		"shrunk; this trace carries the library's results (replay it with the"
		" irqmatrix tool) and ends at the first difference:\n");
	replay(g, ops, n, stderr);
	free(tmp);
}

/* ---- driver ----------------------------------------------------------------------- */

struct totals {
	unsigned long passed, failed;
};

static bool run_geometry(const struct geometry *g, uint64_t base_seed,
			 uint64_t seed, unsigned int scale, bool verbose,
			 struct totals *t)
{
	unsigned long total = (unsigned long)g->operations * scale, done = 0;
	struct op *log = malloc(g->epoch * sizeof(*log));
	struct generator gen = { .g = g };
	unsigned long refused = 0, warns_before = compat_warnings, warns = 0,
		      drift = 0;
	uint64_t fingerprint, last_fingerprint;
	bool ok = true;

	if (!log) {
		fprintf(stderr, "out of memory\n");
		return false;
	}
	rng_state = seed;
	while (ok && done < total) {
		struct sides s;
		size_t n = 0;
		const char *why;

		if (!sides_create(&s, g)) {
			fprintf(stderr, "cannot create the matrices for '%s'\n",
				g->name);
			sides_destroy(&s);
			ok = false;
			break;
		}
		why = state_diff(&s);
		if (why) {
			fprintf(stderr, "fresh matrices differ in '%s': %s\n",
				g->name, why);
			t->failed++;
			sides_destroy(&s);
			ok = false;
			break;
		}
		gen_new_epoch(&gen);
		last_fingerprint = drift_fingerprint(&s);
		while (n < g->epoch && done < total) {
			struct op *o = &log[n];
			struct outcome r;

			gen_next(&gen, &s, o);
			if (!kernel_defined(&s, o)) {
				/* a generator bug, not a divergence */
				fprintf(stderr,
					"generator made an undefined call: ");
				print_op(stderr, o, g->nr_cpus);
				fputc('\n', stderr);
				ok = false;
				t->failed++;
				break;
			}
			n++;
			done++;
			why = step(&s, o, &r, NULL);
			if (why) {
				char saved[sizeof(diff_text)];
				struct op culprit = *o;

				snprintf(saved, sizeof(saved), "%s", why);
				warns = compat_warnings - warns_before;
				t->failed++;
				sides_destroy(&s);
				report(g, base_seed, seed, done, log, n, saved,
				       &culprit);
				ok = false;
				break;
			}
			t->passed++;
			count_result(o->kind, &r);
			if (r.err)
				refused++;
			fingerprint = drift_fingerprint(&s);
			if (fingerprint != last_fingerprint)
				drift++;
			last_fingerprint = fingerprint;
		}
		if (s.port)
			sides_destroy(&s);
	}
	if (ok)
		warns = compat_warnings - warns_before;
	printf("%-10s %-45s %7lu ops, %6lu refused, %5lu WARN_ON_ONCE, %5lu drift changes: %s\n",
	       g->name, g->what, done, refused, warns, drift,
	       ok ? "ok" : "DIVERGED");
	if (verbose)
		printf("           seed %" PRIu64 "\n", seed);
	free(log);
	return ok;
}

static void print_coverage(void)
{
	unsigned int k;

	printf("%-22s %8s %8s %8s %8s %8s\n", "operation", "ok", "-ENOENT",
	       "-EBUSY", "-EINVAL", "-ENOSPC");
	for (k = 0; k < OP_KINDS; k++)
		printf("%-22s %8lu %8lu %8lu %8lu %8lu\n", kind_name[k],
		       coverage[k][R_OK], coverage[k][R_ENOENT],
		       coverage[k][R_EBUSY], coverage[k][R_EINVAL],
		       coverage[k][R_ENOSPC]);
}

/*
 * The run is only meaningful if every operation succeeded somewhere and the
 * refusals the port shares with the library actually happened.
 */
static bool coverage_ok(void)
{
	static const struct {
		enum kind kind;
		int slot;
	} need[] = {
		{ OP_RESERVE_MANAGED, R_ENOSPC },
		{ OP_REMOVE_MANAGED, R_EBUSY },
		{ OP_ALLOC_MANAGED, R_EINVAL },
		{ OP_ALLOC_MANAGED, R_ENOSPC },
		{ OP_ASSIGN, R_EINVAL },
		{ OP_ASSIGN, R_EBUSY },
		{ OP_ALLOC, R_EINVAL },
		{ OP_ALLOC, R_ENOSPC },
		{ OP_FREE, R_EINVAL },
		{ OP_FREE, R_ENOENT },
		{ OP_ALLOC_BLOCK, R_EINVAL },
		{ OP_ALLOC_BLOCK, R_EBUSY },
		{ OP_ALLOC_BLOCK, R_ENOSPC },
		{ OP_FREE_BLOCK, R_EINVAL },
		{ OP_FREE_BLOCK, R_ENOENT },
		{ OP_RESERVE_MANAGED_BLOCK, R_EINVAL },
		{ OP_RESERVE_MANAGED_BLOCK, R_ENOSPC },
		{ OP_REMOVE_MANAGED_BLOCK, R_EINVAL },
		{ OP_REMOVE_MANAGED_BLOCK, R_EBUSY },
		{ OP_ALLOC_MANAGED_BLOCK, R_EINVAL },
		{ OP_ALLOC_MANAGED_BLOCK, R_ENOSPC },
	};
	bool ok = true;
	unsigned int i, k;

	if (!two_step_answers[0] || !two_step_answers[1]) {
		fprintf(stderr, "coverage: the two-step check never said %s\n",
			two_step_answers[1] ? "no" : "yes");
		ok = false;
	}
	for (k = 0; k < OP_KINDS; k++) {
		if (!coverage[k][R_OK]) {
			fprintf(stderr, "coverage: %s never succeeded\n",
				kind_name[k]);
			ok = false;
		}
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!coverage[need[i].kind][need[i].slot]) {
			fprintf(stderr,
				"coverage: %s never gave the expected refusal %d\n",
				kind_name[need[i].kind], need[i].slot);
			ok = false;
		}
	}
	return ok;
}

/*
 * --emit-trace NAME: one epoch of geometry NAME as a trace whose results are
 * the library's (through the shim), for the kernel module's self-test
 * (README.md, "The port as a kernel module"). Only the calls a kernel
 * answers without a warning are kept: in a booted kernel a WARN_ON_ONCE()
 * prints a WARNING, which the self-test counts as a failure. Such a call is
 * refused by both sides with nothing changed, so leaving it out changes
 * nothing that follows; nor is an assign_system that replaces a vector on a
 * CPU other than the one online, which the kernel (acting on the CPU it
 * runs on) cannot make. After every operation the global counters are
 * expected too, and every 16 operations each CPU's.
 */
static int emit_trace(const struct geometry *g, uint64_t seed,
		      unsigned int nr_ops)
{
	struct generator gen = { .g = g };
	unsigned int done = 0, tries = 0, cpu;
	struct sides s;

	rng_state = seed;
	compat_quiet = true;
	if (!sides_create(&s, g)) {
		sides_destroy(&s);
		fprintf(stderr, "cannot create the matrices for '%s'\n",
			g->name);
		return 1;
	}
	gen_new_epoch(&gen);
	printf("# irqmatrix-port-diff --emit-trace %s --seed %" PRIu64
	       " --ops %u: %s; results from irqmatrix %s\n",
	       g->name, seed, nr_ops, g->what, irqm_version());
	printf("matrix %u %u %u %u => 0\n", g->bits, g->start, g->end,
	       g->nr_cpus);
	while (done < nr_ops && tries++ < 4 * nr_ops) {
		unsigned long warns = compat_warnings;
		struct outcome r, l;
		struct irqm_stats st;
		const char *why;
		struct op o;
		char text[64];

		gen_next(&gen, &s, &o);
		if (!kernel_defined(&s, &o))
			continue;
		/* The kernel replaces a system vector on the CPU it runs on,
		 * the only one online: not on another. */
		if (o.kind == OP_ASSIGN_SYSTEM && o.flag &&
		    !port_cpu(&s, o.cpu)->online)
			continue;
		why = step(&s, &o, &r, &l);
		if (why) {
			fprintf(stderr, "DIVERGENCE while emitting: %s\n", why);
			sides_destroy(&s);
			return 1;
		}
		if (compat_warnings != warns)
			continue;
		print_op(stdout, &o, g->nr_cpus);
		outcome_text(&l, text, sizeof(text));
		printf(" => %s\n", text);
		if (irqm_get_stats(s.lib, &st))
			break;
		printf("stats => %u %u %u %u\n", st.online_maps,
		       st.global_available, st.global_reserved,
		       st.total_allocated);
		if (++done % 16)
			continue;
		for (cpu = 0; cpu < g->nr_cpus; cpu++) {
			struct irqm_cpu_stats cs;

			if (irqm_get_cpu_stats(s.lib, cpu, &cs))
				break;
			printf("cpu %u => %d %u %u %u %u\n", cpu,
			       cs.online ? 1 : 0, cs.available, cs.allocated,
			       cs.managed, cs.managed_allocated);
		}
	}
	sides_destroy(&s);
	if (done < nr_ops) {
		fprintf(stderr, "only %u of %u operations emitted\n", done,
			nr_ops);
		return 1;
	}
	return 0;
}

static void usage(const char *argv0)
{
	unsigned int i;

	fprintf(stderr,
		"usage: %s [--seed N] [--scale K] [--geometry NAME] [--verbose]\n"
		"       %s --emit-trace NAME [--seed N] [--ops N]\n"
		"geometries:",
		argv0, argv0);
	for (i = 0; i < NR_GEOMETRIES; i++)
		fprintf(stderr, " %s", geometries[i].name);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	uint64_t seed = 0x1d6a5eedULL;
	bool seed_given = false, verbose = false, all_ok = true;
	const char *only = NULL, *emit = NULL;
	unsigned int scale = 1, nr_ops = 2000, i;
	struct totals t = { 0, 0 };
	clock_t start = clock();
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--seed") && a + 1 < argc) {
			seed = strtoull(argv[++a], NULL, 0);
			seed_given = true;
		} else if (!strcmp(argv[a], "--scale") && a + 1 < argc) {
			scale = (unsigned int)strtoul(argv[++a], NULL, 0);
		} else if (!strcmp(argv[a], "--geometry") && a + 1 < argc) {
			only = argv[++a];
		} else if (!strcmp(argv[a], "--emit-trace") && a + 1 < argc) {
			emit = argv[++a];
		} else if (!strcmp(argv[a], "--ops") && a + 1 < argc) {
			nr_ops = (unsigned int)strtoul(argv[++a], NULL, 0);
		} else if (!strcmp(argv[a], "--verbose")) {
			verbose = true;
		} else {
			usage(argv[0]);
			return 2;
		}
	}
	if (!seed_given && getenv("IRQMATRIX_PORT_DIFF_SEED"))
		seed = strtoull(getenv("IRQMATRIX_PORT_DIFF_SEED"), NULL, 0);
	if (scale == 0)
		scale = 1;
	if (emit) {
		for (i = 0; i < NR_GEOMETRIES; i++)
			if (!strcmp(emit, geometries[i].name))
				return emit_trace(&geometries[i], seed, nr_ops);
		usage(argv[0]);
		return 2;
	}

	/* The port warns once per call site on bad input; count, don't print. */
	compat_quiet = !verbose;
	printf("kernel port vs. irqmatrix %s through the C shim; base seed %" PRIu64
	       "\n",
	       irqm_version(), seed);
	for (i = 0; i < NR_GEOMETRIES; i++) {
		const struct geometry *g = &geometries[i];

		if (only && strcmp(only, g->name))
			continue;
		/* each geometry has its own seed, derived from the base seed */
		if (!run_geometry(g, seed, seed + i * 0x100000001ULL, scale,
				  verbose, &t))
			all_ok = false;
	}
	if (only && !t.passed && !t.failed) {
		usage(argv[0]);
		return 2;
	}
	if (verbose)
		print_coverage();
	if (!only && all_ok && !coverage_ok()) {
		print_coverage();
		t.failed++;
		all_ok = false;
	}
	printf("%.2f s CPU\n", (double)(clock() - start) / CLOCKS_PER_SEC);
	printf("%lu passed, %lu failed\n", t.passed, t.failed);
	return all_ok && !t.failed ? 0 : 1;
}
