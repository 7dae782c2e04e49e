/* SPDX-License-Identifier: MIT */
/*
 * Tests of the C interface (include/irqmatrix/irqmatrix.h), compiled as C11
 * and, from a copy, as C++: every function, every case of "Errors for bad
 * input" in the trace format specification (each checked to leave the state
 * exactly as it was: counters, drift, bitmaps and the debugfs text), the
 * golden geometries, the start of golden trace kernel-01, and the planning
 * operations (results, errors, refusals that change nothing; guarantees,
 * which no getter shows, are checked through what they let through).
 *
 * Plain C on purpose: no test framework, no casts (the C++ build has
 * -Wold-style-cast), no allocation. CHECK() counts; main() prints
 * "N passed, M failed" and fails if M > 0.
 */
#include <irqmatrix/irqmatrix.h>

#include <stdio.h>
#include <string.h>

static int passed;
static int failed;

static void check(bool ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
}

static void check_eq(long long got, long long want, const char *what,
		     const char *file, int line)
{
	if (got == want) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "%s:%d: CHECK_EQ failed: %s is %lld, expected %lld\n",
		file, line, what, got, want);
}

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(expr, want) check_eq((expr), (want), #expr, __FILE__, __LINE__)

/* The one conversion the tests need, spelled for both languages. */
#ifdef __cplusplus
#define AS_UINT(x) static_cast<unsigned int>(x)
#else
#define AS_UINT(x) ((unsigned int)(x))
#endif

/* ---- state snapshots ---------------------------------------------------- */

#define MAX_CPUS 4
#define MAX_WORDS IRQM_BITS_TO_LONGS(IRQM_MAX_BITS)

struct snapshot {
	struct irqm_stats stats;
	unsigned int reserved;
	struct irqm_drift global_drift;
	struct irqm_cpu_stats cpu[MAX_CPUS];
	struct irqm_drift drift[MAX_CPUS];
	unsigned long alloc_map[MAX_CPUS][MAX_WORDS];
	unsigned long managed_map[MAX_CPUS][MAX_WORDS];
	unsigned long system_map[MAX_WORDS];
	char show[16384];
};

static struct snapshot before;
static struct snapshot after;

static unsigned int nr_cpus_of(const struct irqm_matrix *m)
{
	struct irqm_geometry geo;

	if (irqm_get_geometry(m, &geo) != 0)
		return 0;
	return geo.nr_cpus;
}

static void take(const struct irqm_matrix *m, struct snapshot *s)
{
	unsigned int n = nr_cpus_of(m);
	unsigned int cpu;

	memset(s, 0, sizeof(*s));
	CHECK(n >= 1 && n <= MAX_CPUS);
	CHECK_EQ(irqm_get_stats(m, &s->stats), 0);
	s->reserved = irqm_reserved(m);
	CHECK_EQ(irqm_get_global_drift(m, &s->global_drift), 0);
	CHECK(irqm_system_map(m, s->system_map, IRQM_MAX_BITS) >= 0);
	for (cpu = 0; cpu < n && cpu < MAX_CPUS; cpu++) {
		CHECK_EQ(irqm_get_cpu_stats(m, cpu, &s->cpu[cpu]), 0);
		CHECK_EQ(irqm_get_cpu_drift(m, cpu, &s->drift[cpu]), 0);
		CHECK(irqm_cpu_alloc_map(m, cpu, s->alloc_map[cpu],
					 IRQM_MAX_BITS) >= 0);
		CHECK(irqm_cpu_managed_map(m, cpu, s->managed_map[cpu],
					   IRQM_MAX_BITS) >= 0);
	}
	CHECK(irqm_debug_show(m, 1, s->show, sizeof(s->show)) > 0);
}

static bool same_stats(const struct irqm_stats *a, const struct irqm_stats *b)
{
	return a->online_maps == b->online_maps &&
	       a->global_available == b->global_available &&
	       a->global_reserved == b->global_reserved &&
	       a->total_allocated == b->total_allocated &&
	       a->systembits_inalloc == b->systembits_inalloc;
}

static bool same_cpu(const struct irqm_cpu_stats *a,
		     const struct irqm_cpu_stats *b)
{
	return a->online == b->online && a->available == b->available &&
	       a->allocated == b->allocated && a->managed == b->managed &&
	       a->managed_allocated == b->managed_allocated;
}

static bool same_drift(const struct irqm_drift *a, const struct irqm_drift *b)
{
	return a->available == b->available && a->allocated == b->allocated;
}

/* Counters only: what a failed reserve_managed restores (quirk Q7). */
static bool same_counters(const struct snapshot *a, const struct snapshot *b)
{
	unsigned int cpu;

	if (!same_stats(&a->stats, &b->stats) || a->reserved != b->reserved)
		return false;
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (!same_cpu(&a->cpu[cpu], &b->cpu[cpu]))
			return false;
	return true;
}

static bool same(const struct snapshot *a, const struct snapshot *b)
{
	unsigned int cpu;

	if (!same_counters(a, b) ||
	    !same_drift(&a->global_drift, &b->global_drift))
		return false;
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (!same_drift(&a->drift[cpu], &b->drift[cpu]))
			return false;
	return memcmp(a->alloc_map, b->alloc_map, sizeof(a->alloc_map)) == 0 &&
	       memcmp(a->managed_map, b->managed_map, sizeof(a->managed_map)) ==
		       0 &&
	       memcmp(a->system_map, b->system_map, sizeof(a->system_map)) ==
		       0 &&
	       strcmp(a->show, b->show) == 0;
}

static bool consistent(const struct irqm_matrix *m)
{
	char msg[256];
	int rc = irqm_verify(m, msg, sizeof(msg));

	if (rc != 0)
		fprintf(stderr, "verify: %d %s\n", rc, msg);
	return rc == 0 && msg[0] == '\0';
}

/*
 * REFUSED(m, call, err): the call returns err and changes nothing. The
 * snapshots are taken through the interface itself.
 */
#define REFUSED(m, call, err)                                             \
	do {                                                              \
		take((m), &before);                                       \
		check_eq((call), (err), #call, __FILE__, __LINE__);       \
		take((m), &after);                                        \
		check(same(&before, &after), "state unchanged by " #call, \
		      __FILE__, __LINE__);                                \
		check(consistent(m), "consistent after " #call, __FILE__, \
		      __LINE__);                                          \
	} while (0)

/* DONE(m, call, want): the call returns want and the state is consistent. */
#define DONE(m, call, want)                                               \
	do {                                                              \
		check_eq((call), (want), #call, __FILE__, __LINE__);      \
		check(consistent(m), "consistent after " #call, __FILE__, \
		      __LINE__);                                          \
	} while (0)

static bool test_bit(const unsigned long *map, unsigned int bit)
{
	return (map[bit / IRQM_BITS_PER_LONG] >> (bit % IRQM_BITS_PER_LONG)) &
	       1ul;
}

static void expect_cpu(const struct irqm_matrix *m, unsigned int cpu,
		       bool online, unsigned int avl, unsigned int alloc,
		       unsigned int managed, unsigned int mac, int line)
{
	struct irqm_cpu_stats s;

	memset(&s, 0, sizeof(s));
	check_eq(irqm_get_cpu_stats(m, cpu, &s), 0, "irqm_get_cpu_stats",
		 __FILE__, line);
	check(s.online == online, "cpu online", __FILE__, line);
	check_eq(s.available, avl, "cpu available", __FILE__, line);
	check_eq(s.allocated, alloc, "cpu allocated", __FILE__, line);
	check_eq(s.managed, managed, "cpu managed", __FILE__, line);
	check_eq(s.managed_allocated, mac, "cpu managed_allocated", __FILE__,
		 line);
}

static void expect_stats(const struct irqm_matrix *m, unsigned int online,
			 unsigned int avl, unsigned int reserved,
			 unsigned int allocated, int line)
{
	struct irqm_stats s;

	memset(&s, 0, sizeof(s));
	check_eq(irqm_get_stats(m, &s), 0, "irqm_get_stats", __FILE__, line);
	check_eq(s.online_maps, online, "online_maps", __FILE__, line);
	check_eq(s.global_available, avl, "global_available", __FILE__, line);
	check_eq(s.global_reserved, reserved, "global_reserved", __FILE__,
		 line);
	check_eq(s.total_allocated, allocated, "total_allocated", __FILE__,
		 line);
}

/*
 * An allocation that must give (cpu, vector). The mapped CPU is passed by
 * address: it is read only after the call has stored it.
 */
static void expect_placed(int rc, const unsigned int *mapped, unsigned int cpu,
			  long long vector, const char *what, int line)
{
	check_eq(rc, vector, what, __FILE__, line);
	check_eq(*mapped, cpu, what, __FILE__, line);
}

/* ---- lifetime, geometry, miscellany --------------------------------------- */

static void test_create(void)
{
	struct irqm_matrix *m;
	struct irqm_geometry geo;

	/* Bad geometry gives NULL, as the library's create() refuses it. */
	CHECK(irqm_create(0, 0, 0, 1) == NULL);
	CHECK(irqm_create(IRQM_MAX_BITS + 1, 32, 236, 1) == NULL);
	CHECK(irqm_create(256, 40, 32, 1) == NULL);
	CHECK(irqm_create(256, 32, 257, 1) == NULL);
	CHECK(irqm_create(256, 32, 236, 0) == NULL);
	CHECK(irqm_create(256, 32, 236, IRQM_MAX_CPUS + 1) == NULL);
	irqm_destroy(NULL);

	m = irqm_create(256, 32, 236, 2);
	CHECK(m != NULL);
	memset(&geo, 0, sizeof(geo));
	CHECK_EQ(irqm_get_geometry(m, &geo), 0);
	CHECK_EQ(geo.bits, 256);
	CHECK_EQ(geo.alloc_start, 32);
	CHECK_EQ(geo.alloc_end, 236);
	CHECK_EQ(geo.nr_cpus, 2);
	CHECK_EQ(geo.capacity, 256);
	CHECK_EQ(irqm_get_geometry(m, NULL), IRQM_EINVAL);
	CHECK_EQ(irqm_get_geometry(NULL, &geo), IRQM_EINVAL);
	CHECK(consistent(m));
	irqm_destroy(m);

	/* Above 256 vectors the shim switches to the 2048-vector engine. */
	m = irqm_create(257, 0, 257, 1);
	CHECK(m != NULL);
	CHECK_EQ(irqm_get_geometry(m, &geo), 0);
	CHECK_EQ(geo.capacity, 2048);
	irqm_destroy(m);

	/* Extreme but legal: one vector, an empty window, many CPUs. */
	m = irqm_create(1, 0, 0, IRQM_MAX_CPUS);
	CHECK(m != NULL);
	CHECK_EQ(irqm_online(m, IRQM_MAX_CPUS - 1), 0);
	CHECK_EQ(irqm_largest_free_order(m, IRQM_MAX_CPUS - 1), IRQM_ENOSPC);
	irqm_destroy(m);
}

static void test_misc(void)
{
	CHECK(strcmp(irqm_strerror(0), "success") == 0);
	CHECK(strncmp(irqm_strerror(IRQM_ENOENT), "ENOENT", 6) == 0);
	CHECK(strncmp(irqm_strerror(IRQM_ENOMEM), "ENOMEM", 6) == 0);
	CHECK(strncmp(irqm_strerror(IRQM_EBUSY), "EBUSY", 5) == 0);
	CHECK(strncmp(irqm_strerror(IRQM_EINVAL), "EINVAL", 6) == 0);
	CHECK(strncmp(irqm_strerror(IRQM_ENOSPC), "ENOSPC", 6) == 0);
	CHECK(strncmp(irqm_strerror(IRQM_EUCLEAN), "EUCLEAN", 7) == 0);
	CHECK(strcmp(irqm_strerror(-9999), "unknown error") == 0);
	CHECK(strcmp(irqm_strerror(5), "unknown error") == 0);
	CHECK(irqm_version()[0] >= '0' && irqm_version()[0] <= '9');
	CHECK(strchr(irqm_version(), '.') != NULL);
	CHECK_EQ(IRQM_BITS_TO_LONGS(0), 0);
	CHECK_EQ(IRQM_BITS_TO_LONGS(1), 1);
	CHECK_EQ(IRQM_BITS_TO_LONGS(IRQM_BITS_PER_LONG), 1);
	CHECK_EQ(IRQM_BITS_TO_LONGS(IRQM_BITS_PER_LONG + 1), 2);
}

/* Every function refuses a NULL matrix and NULL out-parameters. */
static void test_null_arguments(void)
{
	unsigned long mask[1] = { 1ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 77, count = 77;
	struct irqm_stats st;
	struct irqm_cpu_stats cs;
	struct irqm_drift d;
	char buf[8];
	struct irqm_matrix *m;

	CHECK_EQ(irqm_online(NULL, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_offline(NULL, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_assign_system(NULL, 0, 0, false), IRQM_EINVAL);
	CHECK_EQ(irqm_reserve_managed(NULL, mask, 1), IRQM_EINVAL);
	CHECK_EQ(irqm_remove_managed(NULL, mask, 1), IRQM_EINVAL);
	CHECK_EQ(irqm_alloc_managed(NULL, mask, 1, &cpu), IRQM_EINVAL);
	CHECK_EQ(irqm_assign(NULL, 0, 32), IRQM_EINVAL);
	CHECK_EQ(irqm_reserve(NULL), IRQM_EINVAL);
	CHECK_EQ(irqm_remove_reserved(NULL), IRQM_EINVAL);
	CHECK_EQ(irqm_alloc(NULL, mask, 1, false, &cpu), IRQM_EINVAL);
	CHECK_EQ(irqm_free(NULL, 0, 32, false), IRQM_EINVAL);
	CHECK_EQ(irqm_available(NULL, 0, false, &count), IRQM_EINVAL);
	CHECK_EQ(irqm_reserved(NULL), 0);
	CHECK_EQ(irqm_allocated(NULL, 0, &count), IRQM_EINVAL);
	CHECK_EQ(irqm_alloc_block(NULL, mask, 1, 0, false, &cpu), IRQM_EINVAL);
	CHECK_EQ(irqm_free_block(NULL, 0, 32, 0, false), IRQM_EINVAL);
	CHECK_EQ(irqm_reserve_managed_block(NULL, mask, 1, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_remove_managed_block(NULL, mask, 1, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_alloc_managed_block(NULL, mask, 1, 0, &cpu), IRQM_EINVAL);
	CHECK_EQ(irqm_get_stats(NULL, &st), IRQM_EINVAL);
	CHECK_EQ(irqm_get_cpu_stats(NULL, 0, &cs), IRQM_EINVAL);
	CHECK_EQ(irqm_get_cpu_drift(NULL, 0, &d), IRQM_EINVAL);
	CHECK_EQ(irqm_get_global_drift(NULL, &d), IRQM_EINVAL);
	CHECK_EQ(irqm_largest_free_order(NULL, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_cpu_alloc_map(NULL, 0, map, IRQM_MAX_BITS), IRQM_EINVAL);
	CHECK_EQ(irqm_cpu_managed_map(NULL, 0, map, IRQM_MAX_BITS),
		 IRQM_EINVAL);
	CHECK_EQ(irqm_cpu_free_map(NULL, 0, map, IRQM_MAX_BITS), IRQM_EINVAL);
	CHECK_EQ(irqm_system_map(NULL, map, IRQM_MAX_BITS), IRQM_EINVAL);
	CHECK_EQ(irqm_verify(NULL, buf, sizeof(buf)), IRQM_EINVAL);
	CHECK_EQ(irqm_debug_show(NULL, 1, buf, sizeof(buf)), IRQM_EINVAL);
	CHECK_EQ(cpu, 77);
	CHECK_EQ(count, 77);

	m = irqm_create(256, 32, 236, 2);
	CHECK(m != NULL);
	CHECK_EQ(irqm_online(m, 0), 0);
	REFUSED(m, irqm_alloc(m, mask, 1, false, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_managed(m, mask, 1, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_block(m, mask, 1, 0, false, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_managed_block(m, mask, 1, 0, NULL), IRQM_EINVAL);
	/* A NULL mask is the empty mask only when it has no bits. */
	REFUSED(m, irqm_alloc(m, NULL, 2, false, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_reserve_managed(m, NULL, 2), IRQM_EINVAL);
	REFUSED(m, irqm_remove_managed(m, NULL, 2), IRQM_EINVAL);
	REFUSED(m, irqm_reserve_managed(m, NULL, 0), 0);
	REFUSED(m, irqm_remove_managed(m, NULL, 0), 0);
	REFUSED(m, irqm_alloc(m, NULL, 0, false, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_available(m, 0, false, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_allocated(m, 0, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_get_stats(m, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_get_cpu_stats(m, 0, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_get_cpu_drift(m, 0, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_get_global_drift(m, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_cpu_alloc_map(m, 0, NULL, 256), IRQM_EINVAL);
	REFUSED(m, irqm_cpu_managed_map(m, 0, NULL, 256), IRQM_EINVAL);
	REFUSED(m, irqm_cpu_free_map(m, 0, NULL, 256), IRQM_EINVAL);
	REFUSED(m, irqm_system_map(m, NULL, 256), IRQM_EINVAL);
	REFUSED(m, irqm_verify(m, NULL, 4), IRQM_EINVAL);
	REFUSED(m, irqm_debug_show(m, 1, NULL, 4), IRQM_EINVAL);
	CHECK_EQ(cpu, 77);
	irqm_destroy(m);
}

/* ---- the README scenario, byte for byte ------------------------------------ */

static const char readme_table[] = "Online bitmaps:        2\n"
				   "Global available:    375\n"
				   "Global reserved:       0\n"
				   "Total allocated:      33\n"
				   "System: 0: \n"
				   " | CPU | avl | man | mac | act | vectors\n"
				   "     0   203     0     0    1  32\n"
				   "     1   172     0     0   32  32-63\n";

static const long long readme_len = sizeof(readme_table) - 1;

static void test_readme_scenario(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 2);
	unsigned long all[1] = { 3ul };
	unsigned int cpu = 99;
	char text[1024];
	char small[10];
	int len;

	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	expect_placed(irqm_alloc(m, all, 2, false, &cpu), &cpu, 0, 32, "nic",
		      __LINE__);
	expect_placed(irqm_alloc_block(m, all, 2, 5, false, &cpu), &cpu, 1, 32,
		      "dev", __LINE__);
	CHECK(consistent(m));

	len = irqm_debug_show(m, 1, text, sizeof(text));
	CHECK_EQ(len, readme_len);
	CHECK(strcmp(text, readme_table) == 0);
	/* snprintf-like: the length without a buffer, and a cut, terminated copy. */
	CHECK_EQ(irqm_debug_show(m, 1, NULL, 0), len);
	memset(small, 'x', sizeof(small));
	CHECK_EQ(irqm_debug_show(m, 1, small, sizeof(small)), len);
	CHECK(memcmp(small, "Online bi", 9) == 0 && small[9] == '\0');
	/* The kernel's indent for a parent domain is 5; out of range is refused. */
	CHECK(irqm_debug_show(m, 5, text, sizeof(text)) > len);
	CHECK(strstr(text, "\n     | CPU |") != NULL);
	CHECK(irqm_debug_show(m, 0, text, sizeof(text)) > 0);
	REFUSED(m, irqm_debug_show(m, -1, text, sizeof(text)), IRQM_EINVAL);
	REFUSED(m, irqm_debug_show(m, 33, text, sizeof(text)), IRQM_EINVAL);
	irqm_destroy(m);
}

/* ---- golden geometries and the start of kernel-01.trace --------------------- */

static void test_golden_geometries(void)
{
	/* The geometries of tests/golden/kernel-*.trace. */
	static const unsigned int geos[][4] = {
		{ 64, 2, 56, 2 },    { 64, 31, 42, 3 },	  { 64, 6, 12, 6 },
		{ 128, 1, 128, 16 }, { 128, 30, 115, 5 }, { 256, 0, 256, 12 },
		{ 256, 32, 235, 4 }, { 256, 32, 236, 1 }, { 256, 32, 236, 2 },
		{ 256, 32, 236, 8 },
	};
	size_t i;

	for (i = 0; i < sizeof(geos) / sizeof(geos[0]); i++) {
		const unsigned int bits = geos[i][0], start = geos[i][1],
				   end = geos[i][2];
		const unsigned int n = geos[i][3];
		struct irqm_matrix *m = irqm_create(bits, start, end, n);
		unsigned long all[1] = { 0 };
		unsigned long map[MAX_WORDS];
		unsigned int cpu, avl = 0;

		CHECK(m != NULL);
		if (m == NULL)
			continue;
		for (cpu = 0; cpu < n; cpu++) {
			all[0] |= 1ul << cpu;
			CHECK_EQ(irqm_online(m, cpu), 0);
			expect_cpu(m, cpu, true, end - start, 0, 0, 0,
				   __LINE__);
			/* The free map is exactly the window. */
			CHECK_EQ(irqm_cpu_free_map(m, cpu, map, bits),
				 end - start);
			CHECK(test_bit(map, start) && test_bit(map, end - 1));
			CHECK(start == 0 || !test_bit(map, start - 1));
			CHECK(end == bits || !test_bit(map, end));
		}
		expect_stats(m, n, n * (end - start), 0, 0, __LINE__);
		CHECK_EQ(irqm_available(m, 0, true, &avl), 0);
		CHECK_EQ(avl, (n - 1) * (end - start));
		/* The first vector goes to CPU 0 at the window's start. */
		cpu = 99;
		expect_placed(irqm_alloc(m, all, n, false, &cpu), &cpu, 0,
			      start, "first alloc", __LINE__);
		CHECK(consistent(m));
		irqm_destroy(m);
	}
}

static void test_kernel01_prefix(void)
{
	/* tests/golden/kernel-01.trace, results from the kernel's allocator. */
	struct irqm_matrix *m = irqm_create(64, 2, 56, 2);
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul }, c01[1] = { 3ul };
	unsigned int cpu = 99, v = 0;
	struct irqm_drift d;

	CHECK(m != NULL);
	DONE(m, irqm_assign_system(m, 0, 11, false), 0);
	DONE(m, irqm_online(m, 0), 0);
	expect_placed(irqm_alloc(m, c0, 2, false, &cpu), &cpu, 0, 2,
		      "alloc 0 0", __LINE__);
	DONE(m, irqm_online(m, 1), 0);
	expect_cpu(m, 0, true, 52, 1, 0, 0, __LINE__);
	expect_stats(m, 2, 105, 0, 1, __LINE__);
	CHECK_EQ(irqm_available(m, 0, false, &v), 0);
	CHECK_EQ(v, 105);
	CHECK_EQ(irqm_available(m, 0, true, &v), 0);
	CHECK_EQ(v, 53);
	CHECK_EQ(irqm_available(m, 1, false, &v), 0);
	CHECK_EQ(v, 105);
	expect_placed(irqm_alloc(m, c1, 2, false, &cpu), &cpu, 1, 2,
		      "alloc 1 0", __LINE__);
	expect_placed(irqm_alloc(m, c01, 2, false, &cpu), &cpu, 0, 3,
		      "alloc 0-1 0", __LINE__);
	expect_placed(irqm_alloc(m, c01, 2, false, &cpu), &cpu, 1, 3,
		      "alloc 0-1 0", __LINE__);
	DONE(m, irqm_reserve_managed(m, c1, 2), 0);
	expect_cpu(m, 0, true, 51, 2, 0, 0, __LINE__);
	DONE(m, irqm_reserve(m), 0);
	CHECK_EQ(irqm_reserved(m), 1);
	DONE(m, irqm_free(m, 0, 2, false), 0);
	DONE(m, irqm_reserve_managed(m, c01, 2), 0);
	DONE(m, irqm_free(m, 1, 3, false), 0);
	DONE(m, irqm_assign(m, 1, 0x24), 0);
	expect_stats(m, 2, 100, 1, 3, __LINE__);
	expect_cpu(m, 0, true, 51, 1, 1, 0, __LINE__);
	DONE(m, irqm_offline(m, 0), 0);
	expect_placed(irqm_alloc(m, c1, 2, false, &cpu), &cpu, 1, 3,
		      "alloc 1 0", __LINE__);
	CHECK_EQ(irqm_reserved(m), 1);
	expect_cpu(m, 0, false, 51, 1, 1, 0, __LINE__);
	/* A free on an offline CPU: total_allocated does not fall (drift). */
	DONE(m, irqm_free(m, 0, 3, false), 0);
	expect_cpu(m, 1, true, 48, 3, 2, 0, __LINE__);
	expect_placed(irqm_alloc(m, c01, 2, false, &cpu), &cpu, 1, 6,
		      "alloc 0-1 0", __LINE__);
	expect_cpu(m, 1, true, 47, 4, 2, 0, __LINE__);
	DONE(m, irqm_remove_managed(m, c1, 2), 0);
	expect_stats(m, 1, 48, 1, 5, __LINE__);
	CHECK_EQ(irqm_get_global_drift(m, &d), 0);
	CHECK_EQ(d.available, 0);
	CHECK_EQ(d.allocated, 1);
	expect_cpu(m, 1, true, 48, 4, 1, 0, __LINE__);
	expect_placed(irqm_alloc(m, c01, 2, false, &cpu), &cpu, 1, 4,
		      "alloc 0-1 0", __LINE__);
	expect_cpu(m, 1, true, 47, 5, 1, 0, __LINE__);
	DONE(m, irqm_reserve(m), 0);
	CHECK_EQ(irqm_reserved(m), 2);
	expect_placed(irqm_alloc_managed(m, c01, 2, &cpu), &cpu, 1, 5,
		      "alloc_managed 0-1", __LINE__);
	DONE(m, irqm_free(m, 1, 2, false), 0);
	DONE(m, irqm_reserve_managed(m, c1, 2), 0);
	irqm_destroy(m);
}

/* ---- every function on its success path ------------------------------------ */

static void test_kernel_operations(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 3);
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul }, c12[1] = { 6ul },
		      all[1] = { 7ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 99, v = 0;
	struct irqm_drift d;
	int vec;

	CHECK(m != NULL);
	/* Boot: system vectors before any CPU is online, one outside the window. */
	DONE(m, irqm_assign_system(m, 0, 0xef, false), 0);
	DONE(m, irqm_assign_system(m, 0, 50, false), 0);
	CHECK_EQ(irqm_system_map(m, map, 256), 2);
	CHECK(test_bit(map, 0xef) && test_bit(map, 50) && !test_bit(map, 51));
	DONE(m, irqm_online(m, 0), 0);
	expect_cpu(m, 0, true, 203, 0, 0, 0,
		   __LINE__); /* 204 less system vector 50 */

	/* assign_system with replace while one CPU is online. */
	DONE(m, irqm_assign(m, 0, 40), 0);
	DONE(m, irqm_assign_system(m, 0, 40, true), 0);
	expect_cpu(m, 0, true, 202, 0, 0, 0, __LINE__);
	CHECK_EQ(irqm_system_map(m, map, 256), 3);
	CHECK(test_bit(map, 40));

	DONE(m, irqm_online(m, 1), 0);
	DONE(m, irqm_online(m, 2), 0);
	expect_stats(m, 3, 202 + 202 + 202, 0, 0, __LINE__);

	/* Regular allocation: most available, ties to the lowest CPU. */
	expect_placed(irqm_alloc(m, all, 3, false, &cpu), &cpu, 0, 32, "alloc",
		      __LINE__);
	expect_placed(irqm_alloc(m, all, 3, false, &cpu), &cpu, 1, 32, "alloc",
		      __LINE__);
	expect_placed(irqm_alloc(m, all, 3, false, &cpu), &cpu, 2, 32, "alloc",
		      __LINE__);
	CHECK_EQ(irqm_allocated(m, 0, &v), 0);
	CHECK_EQ(v, 1);

	/* Reserved allocation consumes a global reservation. */
	DONE(m, irqm_reserve(m), 0);
	DONE(m, irqm_reserve(m), 0);
	CHECK_EQ(irqm_reserved(m), 2);
	DONE(m, irqm_remove_reserved(m), 0);
	expect_placed(irqm_alloc(m, c1, 3, true, &cpu), &cpu, 1, 33,
		      "alloc reserved", __LINE__);
	CHECK_EQ(irqm_reserved(m), 0);

	/* Managed: reserve on 1-2, allocate (fewest managed-allocated, ties high). */
	DONE(m, irqm_reserve_managed(m, c12, 3), 0);
	expect_cpu(m, 1, true, 199, 2, 1, 0, __LINE__);
	CHECK_EQ(irqm_cpu_managed_map(m, 1, map, 256), 1);
	CHECK(test_bit(map, 34));
	expect_placed(irqm_alloc_managed(m, c12, 3, &cpu), &cpu, 2, 33,
		      "alloc_managed", __LINE__);
	expect_cpu(m, 2, true, 200, 2, 1, 1, __LINE__);
	CHECK_EQ(irqm_allocated(m, 2, &v), 0);
	CHECK_EQ(v, 1); /* non-managed only */
	DONE(m, irqm_free(m, 2, 33, true), 0);
	expect_cpu(m, 2, true, 200, 1, 1, 0, __LINE__);
	DONE(m, irqm_remove_managed(m, c12, 3), 0);
	expect_cpu(m, 1, true, 200, 2, 0, 0, __LINE__);
	expect_cpu(m, 2, true, 201, 1, 0, 0, __LINE__);

	/* Free a regular vector; available comes back. */
	DONE(m, irqm_free(m, 1, 33, false), 0);
	expect_cpu(m, 1, true, 201, 1, 0, 0, __LINE__);

	/* available with cpudown, allocated. */
	CHECK_EQ(irqm_available(m, 2, true, &v), 0);
	CHECK_EQ(v, 201 + 201);
	CHECK_EQ(irqm_available(m, 2, false, &v), 0);
	CHECK_EQ(v, 201 + 201 + 201);

	/* The maps: allocated, free, and nbits larger than bits is zero-filled. */
	memset(map, 0xff, sizeof(map));
	CHECK_EQ(irqm_cpu_alloc_map(m, 0, map, IRQM_MAX_BITS), 1);
	CHECK(test_bit(map, 32) && !test_bit(map, 33) && !test_bit(map, 255) &&
	      !test_bit(map, 256) && !test_bit(map, IRQM_MAX_BITS - 1));
	CHECK_EQ(irqm_cpu_free_map(m, 0, map, 256), 204 - 2 - 1);
	CHECK(!test_bit(map, 32) && test_bit(map, 33) && !test_bit(map, 40) &&
	      !test_bit(map, 50) && !test_bit(map, 31));
	CHECK_EQ(irqm_largest_free_order(m, 0), 5);

	/* Drift: a managed reservation on an offline (initialized) CPU. */
	DONE(m, irqm_offline(m, 2), 0);
	DONE(m, irqm_reserve_managed(m, all, 3), 0);
	CHECK_EQ(irqm_get_cpu_drift(m, 2, &d), 0);
	CHECK_EQ(d.available, 1);
	CHECK_EQ(d.allocated, 0);
	CHECK_EQ(irqm_get_cpu_drift(m, 0, &d), 0);
	CHECK_EQ(d.available, 0);
	DONE(m, irqm_online(m, 2), 0);

	/* And back to no drift on CPU 0 after an alloc/free pair. */
	vec = irqm_alloc(m, c0, 3, false, &cpu);
	CHECK(vec >= 32);
	DONE(m, irqm_free(m, 0, AS_UINT(vec), false), 0);
	irqm_destroy(m);
}

static void test_blocks(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 2);
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul }, all[1] = { 3ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 99;

	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	CHECK_EQ(irqm_largest_free_order(m, 0), 5);

	/* Aligned blocks: the emptier CPU, the lowest aligned base. */
	expect_placed(irqm_alloc(m, c0, 2, false, &cpu), &cpu, 0, 32, "alloc",
		      __LINE__);
	expect_placed(irqm_alloc_block(m, c0, 2, 3, false, &cpu), &cpu, 0, 40,
		      "order 3", __LINE__);
	expect_placed(irqm_alloc_block(m, all, 2, 4, false, &cpu), &cpu, 1, 32,
		      "order 4", __LINE__);
	expect_cpu(m, 0, true, 204 - 9, 9, 0, 0, __LINE__);
	expect_cpu(m, 1, true, 204 - 16, 16, 0, 0, __LINE__);
	CHECK_EQ(irqm_cpu_alloc_map(m, 1, map, 256), 16);
	CHECK(test_bit(map, 32) && test_bit(map, 47) && !test_bit(map, 48));

	/* Reserved blocks consume 2^order reservations. */
	DONE(m, irqm_reserve(m), 0);
	DONE(m, irqm_reserve(m), 0);
	expect_placed(irqm_alloc_block(m, c1, 2, 1, true, &cpu), &cpu, 1, 48,
		      "reserved order 1", __LINE__);
	CHECK_EQ(irqm_reserved(m), 0);
	DONE(m, irqm_free_block(m, 1, 48, 1, false), 0);

	/* Free a block as a block, or vector by vector. */
	DONE(m, irqm_free_block(m, 0, 40, 3, false), 0);
	DONE(m, irqm_free(m, 1, 32, false), 0);
	DONE(m, irqm_free_block(m, 1, 34, 1, false), 0);
	DONE(m, irqm_free_block(m, 1, 36, 2, false), 0);
	DONE(m, irqm_free_block(m, 1, 40, 3, false), 0);
	DONE(m, irqm_free(m, 1, 33, false), 0);
	expect_cpu(m, 1, true, 204, 0, 0, 0, __LINE__);

	/* Managed blocks: reserve on both, allocate, free, remove. */
	DONE(m, irqm_reserve_managed_block(m, all, 2, 2), 0);
	expect_cpu(m, 0, true, 204 - 1 - 4, 1, 4, 0, __LINE__);
	CHECK_EQ(irqm_cpu_managed_map(m, 0, map, 256), 4);
	CHECK(test_bit(map, 36) &&
	      test_bit(map, 39)); /* 32 is taken, so the base is 36 */
	CHECK_EQ(irqm_cpu_managed_map(m, 1, map, 256), 4);
	CHECK(test_bit(map, 32) && test_bit(map, 35));
	expect_placed(irqm_alloc_managed_block(m, all, 2, 2, &cpu), &cpu, 1, 32,
		      "managed order 2", __LINE__);
	expect_cpu(m, 1, true, 200, 4, 4, 4, __LINE__);
	DONE(m, irqm_free_block(m, 1, 32, 2, true), 0);
	DONE(m, irqm_remove_managed_block(m, all, 2, 2), 0);
	expect_cpu(m, 0, true, 203, 1, 0, 0, __LINE__);
	expect_cpu(m, 1, true, 204, 0, 0, 0, __LINE__);
	DONE(m, irqm_free(m, 0, 32, false), 0);
	expect_stats(m, 2, 408, 0, 0, __LINE__);
	irqm_destroy(m);
}

/* CPU masks the way kernel code holds them. */
static void test_masks(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 3);
	unsigned long big[IRQM_BITS_TO_LONGS(1024)];
	unsigned long low[1] = { 7ul }; /* CPUs 0-2 */
	unsigned int cpu = 99;

	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	DONE(m, irqm_online(m, 2), 0);
	/* Bits at or above nr_mask_bits are ignored: only CPU 0 counts here. */
	expect_placed(irqm_alloc(m, low, 1, false, &cpu), &cpu, 0, 32,
		      "nr_mask_bits 1", __LINE__);
	/* A mask wider than the matrix (NR_CPUS-sized) is fine while it names
	 * only CPUs that exist. */
	memset(big, 0, sizeof(big));
	big[0] = 4ul;
	expect_placed(irqm_alloc(m, big, 1024, false, &cpu), &cpu, 2, 32,
		      "wide mask", __LINE__);
	/* A CPU the matrix does not have, in any word, is EINVAL. */
	big[0] = 8ul;
	REFUSED(m, irqm_alloc(m, big, 1024, false, &cpu), IRQM_EINVAL);
	big[0] = 1ul;
	big[IRQM_BITS_TO_LONGS(1024) - 1] =
		1ul << (IRQM_BITS_PER_LONG - 1); /* CPU 1023 */
	REFUSED(m, irqm_alloc(m, big, 1024, false, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_reserve_managed(m, big, 1024), IRQM_EINVAL);
	/* ... but not when the bit is past nr_mask_bits. */
	expect_placed(irqm_alloc(m, big, 1023, false, &cpu), &cpu, 0, 33,
		      "CPU 1023 ignored", __LINE__);
	CHECK_EQ(cpu, 0);
	irqm_destroy(m);
}

/* The 2048-vector engine behind the same interface. */
static void test_large_matrix(void)
{
	struct irqm_matrix *m = irqm_create(2048, 32, 2000, 2);
	unsigned long all[1] = { 3ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 99, v = 0;
	int i;

	CHECK(m != NULL);
	DONE(m, irqm_assign_system(m, 0, 1999, false), 0);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	expect_cpu(m, 0, true, 1967, 0, 0, 0, __LINE__);
	for (i = 0; i < 40; i++)
		CHECK(irqm_alloc_block(m, all, 2, 5, false, &cpu) >= 0);
	CHECK(consistent(m));
	expect_placed(irqm_alloc_block(m, all, 2, 5, false, &cpu), &cpu, 0, 672,
		      "block 41", __LINE__);
	CHECK_EQ(irqm_cpu_alloc_map(m, 0, map, 2048), 21 * 32);
	CHECK(test_bit(map, 703) && !test_bit(map, 704));
	REFUSED(m, irqm_cpu_alloc_map(m, 0, map, 2047), IRQM_EINVAL);
	CHECK_EQ(irqm_system_map(m, map, 2048), 1);
	CHECK(test_bit(map, 1999));
	CHECK_EQ(irqm_allocated(m, 1, &v), 0);
	CHECK_EQ(v, 20 * 32);
	REFUSED(m, irqm_assign(m, 0, 2000), IRQM_EINVAL);
	DONE(m, irqm_assign(m, 0, 1998), 0);
	DONE(m, irqm_free(m, 0, 1998, false), 0);
	irqm_destroy(m);
}

/* ---- "Errors for bad input", every row, state unchanged --------------------- */

static void test_errors_invalid(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 2);
	unsigned long c0[1] = { 1ul }, c2[1] = { 4ul }, none[1] = { 0ul },
		      all[1] = { 3ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 99, v = 99;
	struct irqm_cpu_stats cs;
	struct irqm_drift d;

	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	expect_placed(irqm_alloc_block(m, c0, 2, 2, false, &cpu), &cpu, 0, 32,
		      "setup", __LINE__);
	DONE(m, irqm_reserve_managed(m, all, 2), 0);

	/* CPU out of range. */
	REFUSED(m, irqm_online(m, 2), IRQM_EINVAL);
	REFUSED(m, irqm_offline(m, 2), IRQM_EINVAL);
	REFUSED(m, irqm_assign_system(m, 2, 0, true), IRQM_EINVAL);
	REFUSED(m, irqm_assign(m, 2, 40), IRQM_EINVAL);
	REFUSED(m, irqm_free(m, 2, 32, false), IRQM_EINVAL);
	REFUSED(m, irqm_free_block(m, 2, 32, 2, false), IRQM_EINVAL);
	REFUSED(m, irqm_available(m, 2, true, &v), IRQM_EINVAL);
	REFUSED(m, irqm_available(m, 2, false, &v), IRQM_EINVAL);
	REFUSED(m, irqm_allocated(m, 2, &v), IRQM_EINVAL);
	REFUSED(m, irqm_get_cpu_stats(m, 2, &cs), IRQM_EINVAL);
	REFUSED(m, irqm_get_cpu_drift(m, 2, &d), IRQM_EINVAL);
	REFUSED(m, irqm_largest_free_order(m, 2), IRQM_EINVAL);
	REFUSED(m, irqm_cpu_alloc_map(m, 2, map, 256), IRQM_EINVAL);
	REFUSED(m, irqm_cpu_managed_map(m, 2, map, 256), IRQM_EINVAL);
	REFUSED(m, irqm_cpu_free_map(m, 2, map, 256), IRQM_EINVAL);
	REFUSED(m, irqm_reserve_managed(m, c2, 3), IRQM_EINVAL);
	REFUSED(m, irqm_remove_managed(m, c2, 3), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_managed(m, c2, 3, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_alloc(m, c2, 3, false, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_block(m, c2, 3, 0, false, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_reserve_managed_block(m, c2, 3, 0), IRQM_EINVAL);
	REFUSED(m, irqm_remove_managed_block(m, c2, 3, 0), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_managed_block(m, c2, 3, 0, &cpu), IRQM_EINVAL);

	/* Bit out of range. */
	REFUSED(m, irqm_assign_system(m, 0, 256, true),
		IRQM_EINVAL); /* == bits */
	REFUSED(m, irqm_assign_system(m, 0, 1000, true), IRQM_EINVAL);
	REFUSED(m, irqm_assign(m, 0, 31), IRQM_EINVAL);	 /* below the window */
	REFUSED(m, irqm_assign(m, 0, 236), IRQM_EINVAL); /* at its end */
	REFUSED(m, irqm_free(m, 0, 31, false), IRQM_EINVAL);
	REFUSED(m, irqm_free(m, 0, 236, false), IRQM_EINVAL);
	REFUSED(m, irqm_free_block(m, 0, 232, 3, false),
		IRQM_EINVAL); /* crosses the end */
	REFUSED(m, irqm_free_block(m, 0, 0, 5, false),
		IRQM_EINVAL); /* below the window */

	/* Order out of range. */
	REFUSED(m, irqm_alloc_block(m, all, 2, 6, false, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_free_block(m, 0, 64, 6, false), IRQM_EINVAL);
	REFUSED(m, irqm_reserve_managed_block(m, all, 2, 6), IRQM_EINVAL);
	REFUSED(m, irqm_remove_managed_block(m, all, 2, 6), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_managed_block(m, all, 2, 6, &cpu), IRQM_EINVAL);

	/* Empty CPU list where one is needed; none does nothing for the kernel's
	 * reserve_managed and remove_managed. */
	REFUSED(m, irqm_alloc(m, none, 2, false, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_managed(m, none, 2, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_block(m, none, 2, 0, false, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_reserve_managed_block(m, none, 2, 0), IRQM_EINVAL);
	REFUSED(m, irqm_remove_managed_block(m, none, 2, 0), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_managed_block(m, none, 2, 0, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_reserve_managed(m, none, 2), 0);
	REFUSED(m, irqm_remove_managed(m, none, 2), 0);

	/* Base not aligned to its order. */
	REFUSED(m, irqm_free_block(m, 0, 34, 2, false), IRQM_EINVAL);
	REFUSED(m, irqm_free_block(m, 0, 33, 1, false), IRQM_EINVAL);

	/* A bitmap buffer smaller than the matrix. */
	REFUSED(m, irqm_cpu_alloc_map(m, 0, map, 255), IRQM_EINVAL);
	REFUSED(m, irqm_cpu_managed_map(m, 0, map, 255), IRQM_EINVAL);
	REFUSED(m, irqm_cpu_free_map(m, 0, map, 255), IRQM_EINVAL);
	REFUSED(m, irqm_system_map(m, map, 0), IRQM_EINVAL);

	CHECK_EQ(cpu, 0); /* never written by a refusal */
	CHECK_EQ(v, 99);
	irqm_destroy(m);
}

static void test_errors_not_found(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 2);
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul };
	unsigned int cpu = 99;

	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	expect_placed(irqm_alloc_block(m, c0, 2, 2, false, &cpu), &cpu, 0, 32,
		      "block", __LINE__);
	DONE(m, irqm_reserve_managed(m, c1, 2), 0);
	expect_placed(irqm_alloc_managed(m, c1, 2, &cpu), &cpu, 1, 32,
		      "managed", __LINE__);

	REFUSED(m, irqm_free(m, 0, 40, false), IRQM_ENOENT); /* not allocated */
	REFUSED(m, irqm_free(m, 1, 33, false), IRQM_ENOENT); /* wrong CPU */
	REFUSED(m, irqm_free(m, 0, 32, true), IRQM_ENOENT);  /* not managed */
	REFUSED(m, irqm_free(m, 1, 32, false), IRQM_ENOENT); /* is managed */
	REFUSED(m, irqm_free_block(m, 1, 32, 2, false),
		IRQM_ENOENT); /* wrong CPU */
	REFUSED(m, irqm_free_block(m, 0, 36, 2, false),
		IRQM_ENOENT); /* wrong base */
	REFUSED(m, irqm_free_block(m, 0, 32, 3, false),
		IRQM_ENOENT); /* wrong order */
	REFUSED(m, irqm_free_block(m, 0, 32, 2, true),
		IRQM_ENOENT); /* not managed */
	REFUSED(m, irqm_free_block(m, 1, 32, 0, false),
		IRQM_ENOENT); /* is managed */
	DONE(m, irqm_free(m, 0, 33, false), 0);
	REFUSED(m, irqm_free_block(m, 0, 32, 2, false),
		IRQM_ENOENT);				     /* partly freed */
	REFUSED(m, irqm_free(m, 0, 33, false), IRQM_ENOENT); /* twice */
	irqm_destroy(m);
}

static void test_errors_busy(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 3);
	unsigned long c0[1] = { 1ul }, c01[1] = { 3ul }, all[1] = { 7ul };
	unsigned int cpu = 99;

	CHECK(m != NULL);
	REFUSED(m, irqm_offline(m, 0),
		IRQM_EBUSY); /* offline of an offline CPU */
	DONE(m, irqm_online(m, 0), 0);
	REFUSED(m, irqm_online(m, 0), IRQM_EBUSY); /* online of an online CPU */
	/* assign_system with one CPU online and no replace; replace of a bit not
	 * allocated on that CPU. */
	REFUSED(m, irqm_assign_system(m, 0, 100, false), IRQM_EBUSY);
	REFUSED(m, irqm_assign_system(m, 0, 100, true), IRQM_EBUSY);
	DONE(m, irqm_online(m, 1), 0);
	DONE(m, irqm_assign(m, 1, 100), 0);
	/* More than one CPU online. */
	REFUSED(m, irqm_assign_system(m, 1, 100, true), IRQM_EBUSY);
	REFUSED(m, irqm_assign_system(m, 0, 20, false), IRQM_EBUSY);
	/* assign of an allocated bit. */
	REFUSED(m, irqm_assign(m, 1, 100), IRQM_EBUSY);
	/* RESERVED with fewer global reservations than vectors asked. */
	REFUSED(m, irqm_alloc(m, c01, 3, true, &cpu), IRQM_EBUSY);
	DONE(m, irqm_reserve(m), 0);
	DONE(m, irqm_reserve(m), 0);
	DONE(m, irqm_reserve(m), 0);
	REFUSED(m, irqm_alloc_block(m, c01, 3, 2, true, &cpu), IRQM_EBUSY);
	expect_placed(irqm_alloc_block(m, c01, 3, 1, true, &cpu), &cpu, 0, 32,
		      "2 of 3", __LINE__);
	DONE(m, irqm_remove_reserved(m), 0);
	/* remove_reserved with none reserved. */
	REFUSED(m, irqm_remove_reserved(m), IRQM_EBUSY);
	/* remove_managed on a CPU with nothing removable, refused whole. */
	DONE(m, irqm_reserve_managed(m, c0, 3), 0);
	REFUSED(m, irqm_remove_managed(m, c01, 3), IRQM_EBUSY);
	REFUSED(m, irqm_remove_managed(m, all, 3), IRQM_EBUSY);
	REFUSED(m, irqm_remove_managed_block(m, c0, 3, 1), IRQM_EBUSY);
	/* A managed vector that is allocated is not removable. */
	expect_placed(irqm_alloc_managed(m, c0, 3, &cpu), &cpu, 0, 34,
		      "managed", __LINE__);
	REFUSED(m, irqm_remove_managed(m, c0, 3), IRQM_EBUSY);
	REFUSED(m, irqm_remove_managed_block(m, c0, 3, 0), IRQM_EBUSY);
	DONE(m, irqm_free(m, 0, 34, true), 0);
	DONE(m, irqm_remove_managed(m, c0, 3), 0);
	DONE(m, irqm_offline(m, 1), 0);
	REFUSED(m, irqm_offline(m, 1), IRQM_EBUSY);
	irqm_destroy(m);
}

static void test_errors_no_space(void)
{
	struct irqm_matrix *m = irqm_create(64, 8, 16, 2);
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul }, all[1] = { 3ul };
	unsigned int cpu = 99;
	int i;

	CHECK(m != NULL);
	/* No online CPU in the mask. */
	REFUSED(m, irqm_alloc(m, all, 2, false, &cpu), IRQM_ENOSPC);
	REFUSED(m, irqm_alloc_block(m, all, 2, 0, false, &cpu), IRQM_ENOSPC);
	REFUSED(m, irqm_alloc_managed(m, all, 2, &cpu), IRQM_ENOSPC);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	/* No managed reservation to allocate. */
	REFUSED(m, irqm_alloc_managed(m, all, 2, &cpu), IRQM_ENOSPC);
	REFUSED(m, irqm_alloc_managed_block(m, all, 2, 0, &cpu), IRQM_ENOSPC);
	/* The window holds 8 vectors: no block of 16. */
	REFUSED(m, irqm_alloc_block(m, all, 2, 4, false, &cpu), IRQM_ENOSPC);
	REFUSED(m, irqm_reserve_managed_block(m, all, 2, 4), IRQM_ENOSPC);
	/* Fill CPU 0, then it has no room at all. */
	expect_placed(irqm_alloc_block(m, c0, 2, 3, false, &cpu), &cpu, 0, 8,
		      "fill", __LINE__);
	CHECK_EQ(irqm_largest_free_order(m, 0), IRQM_ENOSPC);
	REFUSED(m, irqm_alloc(m, c0, 2, false, &cpu), IRQM_ENOSPC);
	REFUSED(m, irqm_alloc_block(m, c0, 2, 0, false, &cpu), IRQM_ENOSPC);
	/* reserve_managed_block is all or nothing: CPU 1 has room, 0 has not. */
	REFUSED(m, irqm_reserve_managed_block(m, all, 2, 0), IRQM_ENOSPC);
	/* The managed block rule needs a whole reserved aligned block. */
	DONE(m, irqm_reserve_managed(m, c1, 2), 0);
	REFUSED(m, irqm_alloc_managed_block(m, c1, 2, 1, &cpu), IRQM_ENOSPC);
	/* A fragmented CPU: no aligned pair although two vectors are free. */
	for (i = 0; i < 6; i++)
		CHECK(irqm_alloc(m, c1, 2, false, &cpu) >= 0);
	/* CPU 1 now: 8 managed, 9..14 allocated, 15 free. */
	DONE(m, irqm_free(m, 1, 10, false), 0);
	REFUSED(m, irqm_alloc_block(m, c1, 2, 1, false, &cpu), IRQM_ENOSPC);
	CHECK_EQ(irqm_largest_free_order(m, 1), 0);

	/*
	 * reserve_managed with a full CPU: -ENOSPC and the kernel's undo. The
	 * counters come back exactly (which vector is reserved may move, Q7,
	 * the one refusal that is not state-neutral).
	 */
	take(m, &before);
	CHECK_EQ(irqm_reserve_managed(m, all, 2),
		 IRQM_ENOSPC); /* CPU 0 full: none done */
	take(m, &after);
	CHECK(same_counters(&before, &after));
	CHECK(consistent(m));
	/* Now CPU 1 full and CPU 0 with room: CPU 0 is done, then undone. */
	DONE(m, irqm_free(m, 0, 12, false), 0);
	CHECK(irqm_alloc(m, c1, 2, false, &cpu) == 10 && cpu == 1);
	CHECK(irqm_alloc(m, c1, 2, false, &cpu) == 15 && cpu == 1);
	take(m, &before);
	CHECK_EQ(irqm_reserve_managed(m, all, 2), IRQM_ENOSPC);
	take(m, &after);
	CHECK(same_counters(&before, &after));
	CHECK(consistent(m));
	irqm_destroy(m);
}

static void test_verify_messages(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 1);
	char msg[4];

	CHECK(m != NULL);
	memset(msg, 'x', sizeof(msg));
	CHECK_EQ(irqm_verify(m, msg, sizeof(msg)), 0);
	CHECK(msg[0] == '\0');
	CHECK_EQ(irqm_verify(m, NULL, 0), 0);
	irqm_destroy(m);
}

/* ---- planning operations ----------------------------------------------------- */

/* The planning functions refuse a NULL matrix, NULL out-parameters and bad
 * masks like the kernel operations, changing nothing. */
static void test_planning_null_arguments(void)
{
	unsigned long mask[1] = { 1ul }, none[1] = { 0ul }, c2[1] = { 4ul };
	unsigned int cpu = 77;
	struct irqm_matrix *m;

	CHECK_EQ(irqm_largest_order(NULL, mask, 1), IRQM_EINVAL);
	CHECK_EQ(irqm_reserve_block(NULL, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_remove_reserved_block(NULL, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_alloc_reserved_block(NULL, mask, 1, 0, &cpu),
		 IRQM_EINVAL);
	CHECK_EQ(irqm_can_offline(NULL, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_evacuate(NULL, 0), IRQM_EINVAL);
	CHECK_EQ(irqm_move_block(NULL, 0, 32, mask, 1, &cpu), IRQM_EINVAL);
	CHECK_EQ(irqm_pin(NULL, 0, 32), IRQM_EINVAL);
	CHECK_EQ(irqm_unpin(NULL, 0, 32), IRQM_EINVAL);
	CHECK_EQ(cpu, 77);

	m = irqm_create(256, 32, 236, 2);
	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	expect_placed(irqm_alloc(m, mask, 1, false, &cpu), &cpu, 0, 32, "setup",
		      __LINE__);
	DONE(m, irqm_reserve_block(m, 0), 0);
	cpu = 77;
	REFUSED(m, irqm_alloc_reserved_block(m, mask, 1, 0, NULL), IRQM_EINVAL);
	REFUSED(m, irqm_move_block(m, 0, 32, mask, 2, NULL), IRQM_EINVAL);
	/* A NULL mask with bits, the empty mask, a CPU the matrix lacks. */
	REFUSED(m, irqm_largest_order(m, NULL, 2), IRQM_EINVAL);
	REFUSED(m, irqm_largest_order(m, NULL, 0), IRQM_EINVAL);
	REFUSED(m, irqm_largest_order(m, none, 2), IRQM_EINVAL);
	REFUSED(m, irqm_largest_order(m, c2, 3), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_reserved_block(m, NULL, 2, 0, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_reserved_block(m, none, 2, 0, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_alloc_reserved_block(m, c2, 3, 0, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_move_block(m, 0, 32, NULL, 2, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_move_block(m, 0, 32, none, 2, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_move_block(m, 0, 32, c2, 3, &cpu), IRQM_EINVAL);
	/* CPU, base or order out of range. */
	REFUSED(m, irqm_reserve_block(m, IRQM_MAX_ORDER + 1), IRQM_EINVAL);
	REFUSED(m, irqm_remove_reserved_block(m, IRQM_MAX_ORDER + 1),
		IRQM_EINVAL);
	REFUSED(m,
		irqm_alloc_reserved_block(m, mask, 1, IRQM_MAX_ORDER + 1, &cpu),
		IRQM_EINVAL);
	REFUSED(m, irqm_can_offline(m, 2), IRQM_EINVAL);
	REFUSED(m, irqm_evacuate(m, 2), IRQM_EINVAL);
	REFUSED(m, irqm_move_block(m, 2, 32, mask, 1, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_move_block(m, 0, 256, mask, 1, &cpu), IRQM_EINVAL);
	REFUSED(m, irqm_pin(m, 2, 32), IRQM_EINVAL);
	REFUSED(m, irqm_pin(m, 0, 256), IRQM_EINVAL);
	REFUSED(m, irqm_unpin(m, 2, 32), IRQM_EINVAL);
	REFUSED(m, irqm_unpin(m, 0, 256), IRQM_EINVAL);
	CHECK_EQ(cpu, 77);
	/* The order-0 guarantee is still outstanding, exactly once. */
	DONE(m, irqm_remove_reserved_block(m, 0), 0);
	REFUSED(m, irqm_remove_reserved_block(m, 0), IRQM_EBUSY);
	irqm_destroy(m);
}

/*
 * largest_order: placement-aware, a query only. The window [8, 40) of a
 * 64-vector matrix holds one aligned 16-block ([16, 32)) and no 32-block.
 */
static void test_largest_order(void)
{
	struct irqm_matrix *m = irqm_create(64, 8, 40, 2);
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul }, all[1] = { 3ul };
	unsigned int cpu = 99;

	CHECK(m != NULL);
	REFUSED(m, irqm_largest_order(m, all, 2),
		IRQM_ENOSPC); /* no CPU online */
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	REFUSED(m, irqm_largest_order(m, all, 2), 4);
	REFUSED(m, irqm_alloc_block(m, all, 2, 5, false, &cpu), IRQM_ENOSPC);
	expect_placed(irqm_alloc(m, c0, 2, false, &cpu), &cpu, 0, 8, "single",
		      __LINE__);
	expect_placed(irqm_alloc_block(m, c0, 2, 4, false, &cpu), &cpu, 0, 16,
		      "16-block", __LINE__);
	/* CPU 0 keeps 9-15 and 32-39: an aligned 8-block at 32 at best. */
	REFUSED(m, irqm_largest_order(m, c0, 2), 3);
	REFUSED(m, irqm_largest_order(m, c1, 2), 4);
	REFUSED(m, irqm_largest_order(m, all, 2), 4);
	DONE(m, irqm_free(m, 0, 8, false), 0);
	REFUSED(m, irqm_largest_order(m, c0, 2),
		3); /* 8-15 is an 8-block too */
	expect_placed(irqm_alloc_block(m, c0, 2, 3, false, &cpu), &cpu, 0, 8,
		      "8-block", __LINE__);
	expect_placed(irqm_alloc_block(m, c0, 2, 3, false, &cpu), &cpu, 0, 32,
		      "8-block", __LINE__);
	REFUSED(m, irqm_largest_order(m, c0, 2), IRQM_ENOSPC); /* full */
	DONE(m, irqm_offline(m, 1), 0);
	REFUSED(m, irqm_largest_order(m, all, 2),
		IRQM_ENOSPC); /* CPU 1 offline */
	irqm_destroy(m);
}

/*
 * Guaranteed reservations. Window [8, 40) on two CPUs: one free aligned
 * 16-block per CPU, so two order-4 guarantees fit and a third does not, and
 * while both are outstanding the other operations must leave those blocks be.
 */
static void test_reserve_block(void)
{
	struct irqm_matrix *m = irqm_create(64, 8, 40, 2);
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul }, all[1] = { 3ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 99;

	CHECK(m != NULL);
	REFUSED(m, irqm_reserve_block(m, 0), IRQM_ENOSPC); /* no CPU online */
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	REFUSED(m, irqm_reserve_block(m, 5),
		IRQM_ENOSPC); /* no 32-block anywhere */
	/* Admitted, and no counter moves (global_reserved is irqm_reserve()'s). */
	REFUSED(m, irqm_reserve_block(m, 4), 0);
	REFUSED(m, irqm_reserve_block(m, 4), 0);
	REFUSED(m, irqm_reserve_block(m, 4), IRQM_ENOSPC);
	CHECK_EQ(irqm_reserved(m), 0);
	REFUSED(m, irqm_remove_reserved_block(m, 3), IRQM_EBUSY);
	REFUSED(m, irqm_alloc_reserved_block(m, all, 2, 3, &cpu), IRQM_EBUSY);

	/* The kernel would place this 16-block; the guarantees forbid it. */
	REFUSED(m, irqm_alloc_block(m, all, 2, 4, false, &cpu), IRQM_ENOSPC);
	REFUSED(m, irqm_largest_order(m, all, 2), 3);
	REFUSED(m, irqm_reserve_managed_block(m, c0, 2, 4), IRQM_ENOSPC);
	REFUSED(m, irqm_assign(m, 0, 20),
		IRQM_ENOSPC); /* inside CPU 0's 16-block */
	REFUSED(m, irqm_offline(m, 1), IRQM_ENOSPC); /* CPU 0 alone holds one */
	/* What leaves them placeable goes ahead, at the first such place. */
	expect_placed(irqm_alloc_block(m, all, 2, 3, false, &cpu), &cpu, 0, 8,
		      "8-block", __LINE__);
	DONE(m, irqm_assign(m, 0, 33), 0);
	/* Managed reservations skip the guaranteed blocks: CPU 0's lowest free
	 * vector is 16, taken instead is 32; CPU 1 keeps the kernel's 8. */
	DONE(m, irqm_reserve_managed(m, all, 2), 0);
	CHECK_EQ(irqm_cpu_managed_map(m, 0, map, 64), 1);
	CHECK(test_bit(map, 32));
	CHECK_EQ(irqm_cpu_managed_map(m, 1, map, 64), 1);
	CHECK(test_bit(map, 8));
	expect_cpu(m, 0, true, 22, 9, 1, 0, __LINE__);
	expect_cpu(m, 1, true, 31, 0, 1, 0, __LINE__);

	/* Allocate one: CPU 1 has the most available. */
	expect_placed(irqm_alloc_reserved_block(m, all, 2, 4, &cpu), &cpu, 1,
		      16, "guaranteed", __LINE__);
	expect_cpu(m, 1, true, 15, 16, 1, 0, __LINE__);
	/* The other one is CPU 0's: not placeable on CPU 1, and it stays. */
	REFUSED(m, irqm_alloc_reserved_block(m, c1, 2, 4, &cpu), IRQM_ENOSPC);
	REFUSED(m, irqm_offline(m, 0), IRQM_ENOSPC);
	REFUSED(m, irqm_reserve_block(m, 0), 0);
	DONE(m, irqm_remove_reserved_block(m, 0), 0);
	/* Withdrawn, the kernel's rules apply again. */
	DONE(m, irqm_remove_reserved_block(m, 4), 0);
	REFUSED(m, irqm_remove_reserved_block(m, 4), IRQM_EBUSY);
	expect_placed(irqm_alloc_block(m, all, 2, 4, false, &cpu), &cpu, 0, 16,
		      "16-block", __LINE__);
	DONE(m, irqm_offline(m, 0), 0);
	irqm_destroy(m);
}

/* move_block, pin and unpin: an affinity change of a group. */
static void test_move_block(void)
{
	struct irqm_matrix *m = irqm_create(256, 32, 236, 3);
	unsigned long c0[1] = { 1ul }, c2[1] = { 4ul }, all[1] = { 7ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 99, ncpu = 99;

	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	DONE(m, irqm_online(m, 2), 0);
	expect_placed(irqm_alloc_block(m, all, 3, 3, false, &cpu), &cpu, 0, 32,
		      "8-block", __LINE__);
	expect_placed(irqm_alloc(m, all, 3, false, &cpu), &cpu, 1, 32, "single",
		      __LINE__);

	/* To CPU 2; then within CPU 2 (never the current place). */
	expect_placed(irqm_move_block(m, 0, 32, c2, 3, &ncpu), &ncpu, 2, 32,
		      "move", __LINE__);
	expect_cpu(m, 0, true, 204, 0, 0, 0, __LINE__);
	expect_cpu(m, 2, true, 196, 8, 0, 0, __LINE__);
	expect_placed(irqm_move_block(m, 2, 32, c2, 3, &ncpu), &ncpu, 2, 40,
		      "move in place", __LINE__);
	CHECK_EQ(irqm_cpu_alloc_map(m, 2, map, 256), 8);
	CHECK(test_bit(map, 40) && test_bit(map, 47) && !test_bit(map, 32));
	/* A single vector is a group too. */
	expect_placed(irqm_move_block(m, 1, 32, all, 3, &ncpu), &ncpu, 0, 32,
		      "move single", __LINE__);

	/* Not a group's base, or nothing there. */
	ncpu = 99;
	REFUSED(m, irqm_move_block(m, 2, 32, all, 3, &ncpu), IRQM_ENOENT);
	REFUSED(m, irqm_move_block(m, 2, 41, all, 3, &ncpu), IRQM_ENOENT);
	REFUSED(m, irqm_move_block(m, 1, 32, all, 3, &ncpu), IRQM_ENOENT);
	REFUSED(m, irqm_pin(m, 2, 41), IRQM_ENOENT);
	REFUSED(m, irqm_unpin(m, 1, 32), IRQM_ENOENT);

	/* Pinned: neither moved nor evacuated; unpinned, it moves again. */
	REFUSED(m, irqm_pin(m, 2, 40), 0);
	REFUSED(m, irqm_pin(m, 2, 40), 0);
	REFUSED(m, irqm_move_block(m, 2, 40, all, 3, &ncpu), IRQM_EBUSY);
	REFUSED(m, irqm_can_offline(m, 2), IRQM_EBUSY);
	REFUSED(m, irqm_evacuate(m, 2), IRQM_EBUSY);
	REFUSED(m, irqm_unpin(m, 2, 40), 0);
	REFUSED(m, irqm_unpin(m, 2, 40), 0);
	REFUSED(m, irqm_can_offline(m, 2), 8);
	CHECK_EQ(ncpu, 99);
	expect_placed(irqm_move_block(m, 2, 40, all, 3, &ncpu), &ncpu, 1, 32,
		      "move unpinned", __LINE__);

	/* A partly freed block keeps its order and its members' offsets. */
	DONE(m, irqm_free(m, 1, 33, false), 0);
	expect_placed(irqm_move_block(m, 1, 32, c2, 3, &ncpu), &ncpu, 2, 32,
		      "move partial", __LINE__);
	CHECK_EQ(irqm_cpu_alloc_map(m, 2, map, 256), 7);
	CHECK(test_bit(map, 32) && !test_bit(map, 33) && test_bit(map, 34) &&
	      test_bit(map, 39));
	expect_cpu(m, 1, true, 204, 0, 0, 0, __LINE__);

	/* Managed groups never move. */
	DONE(m, irqm_reserve_managed(m, c0, 3), 0);
	expect_placed(irqm_alloc_managed(m, c0, 3, &cpu), &cpu, 0, 33,
		      "managed", __LINE__);
	REFUSED(m, irqm_move_block(m, 0, 33, all, 3, &ncpu), IRQM_EBUSY);
	REFUSED(m, irqm_can_offline(m, 0),
		1); /* only the single vector 32 moves */
	/* A pinned group blocks its CPU's offline check, managed or not. */
	REFUSED(m, irqm_pin(m, 0, 33), 0);
	REFUSED(m, irqm_can_offline(m, 0), IRQM_EBUSY);
	REFUSED(m, irqm_evacuate(m, 0), IRQM_EBUSY);
	REFUSED(m, irqm_unpin(m, 0, 33), 0);
	DONE(m, irqm_evacuate(m, 0), 1);
	expect_cpu(m, 0, true, 203, 1, 1, 1, __LINE__);
	irqm_destroy(m);
}

/* Two CPUs of the window [8,64), CPU 0 holding blocks of 8 at 8 and 16. */
static struct irqm_matrix *two_step_matrix(void)
{
	struct irqm_matrix *m = irqm_create(64, 8, 64, 2);
	unsigned long c0[1] = { 1ul };
	unsigned int cpu = 99, c, base;

	CHECK(m != NULL);
	for (c = 0; c < 2; c++)
		DONE(m, irqm_online(m, c), 0);
	for (base = 8; base <= 16; base += 8)
		expect_placed(irqm_alloc_block(m, c0, 2, 3, false, &cpu), &cpu,
			      0, base, "block of 8", __LINE__);
	return m;
}

/*
 * The MSI two-step rule (IRQM_MOVE_TWO_STEP): the target block must also be
 * free on the old CPU.
 */
static void test_move_two_step(void)
{
	struct irqm_matrix *plain = two_step_matrix();
	struct irqm_matrix *m = two_step_matrix();
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 99, ncpu = 99, base;

	/* Plain: CPU 1's lowest block, 8-15, the group's own numbers on CPU 0. */
	expect_placed(irqm_move_block_flags(plain, 0, 8, c1, 2, 0, &ncpu),
		      &ncpu, 1, 8, "plain move", __LINE__);
	/* Two-step: 8-15 and 16-23 are busy on CPU 0; 24-31 is free on both. */
	expect_placed(irqm_move_block_flags(m, 0, 8, c1, 2, IRQM_MOVE_TWO_STEP,
					    &ncpu),
		      &ncpu, 1, 24, "two-step move", __LINE__);
	CHECK_EQ(irqm_cpu_alloc_map(m, 1, map, 64), 8);
	CHECK(test_bit(map, 24) && test_bit(map, 31) && !test_bit(map, 8));
	/* An unknown flag, NULL arguments. */
	ncpu = 99;
	REFUSED(m, irqm_move_block_flags(m, 1, 24, c0, 2, 2u, &ncpu),
		IRQM_EINVAL);
	REFUSED(m, irqm_move_block_flags(m, 1, 24, c0, 2, 0, NULL),
		IRQM_EINVAL);
	REFUSED(m, irqm_evacuate_flags(m, 0, 3u), IRQM_EINVAL);
	CHECK_EQ(irqm_move_block_flags(NULL, 1, 24, c0, 2, 0, &ncpu),
		 IRQM_EINVAL);
	CHECK_EQ(irqm_evacuate_flags(NULL, 0, IRQM_MOVE_TWO_STEP), IRQM_EINVAL);
	CHECK_EQ(ncpu, 99);
	/* Evacuate CPU 0: its group 16-23 goes to 8-15, now free on CPU 0. */
	DONE(m, irqm_evacuate_flags(m, 0, IRQM_MOVE_TWO_STEP), 8);
	CHECK_EQ(irqm_cpu_alloc_map(m, 1, map, 64), 16);
	CHECK(test_bit(map, 8) && test_bit(map, 15) && !test_bit(map, 16));
	DONE(m, irqm_evacuate_flags(plain, 0, 0), 8);

	/*
	 * CPU 0 full of blocks of 8, CPU 1 empty: the plain rule can empty CPU
	 * 0, the two-step rule finds no block free on both, all or nothing.
	 */
	DONE(m, irqm_free_block(m, 1, 8, 3, false), 0);
	DONE(m, irqm_free_block(m, 1, 24, 3, false), 0);
	for (base = 8; base < 64; base += 8)
		expect_placed(irqm_alloc_block(m, c0, 2, 3, false, &cpu), &cpu,
			      0, base, "fill", __LINE__);
	REFUSED(m, irqm_can_offline(m, 0), 56);
	REFUSED(m, irqm_evacuate_flags(m, 0, IRQM_MOVE_TWO_STEP), IRQM_ENOSPC);
	REFUSED(m,
		irqm_move_block_flags(m, 0, 8, c1, 2, IRQM_MOVE_TWO_STEP,
				      &ncpu),
		IRQM_ENOSPC);
	DONE(m, irqm_evacuate_flags(m, 0, 0), 56);
	irqm_destroy(plain);
	irqm_destroy(m);
}

/* No room: the target CPUs have no free aligned block of the group's order. */
static void test_move_block_no_space(void)
{
	struct irqm_matrix *m = irqm_create(64, 8, 24, 2);
	unsigned long c0[1] = { 1ul }, c1[1] = { 2ul }, all[1] = { 3ul };
	unsigned int cpu = 99, ncpu = 99;

	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	expect_placed(irqm_alloc_block(m, c0, 2, 3, false, &cpu), &cpu, 0, 8,
		      "8-block", __LINE__);
	DONE(m, irqm_assign(m, 1, 12), 0);
	DONE(m, irqm_assign(m, 1, 20), 0);
	/* CPU 1 has 14 free vectors but no aligned 8-block. */
	REFUSED(m, irqm_move_block(m, 0, 8, c1, 2, &ncpu), IRQM_ENOSPC);
	CHECK_EQ(ncpu, 99);
	/* CPU 1 comes first (most available) but cannot serve; CPU 0's 16 can. */
	expect_placed(irqm_move_block(m, 0, 8, all, 2, &ncpu), &ncpu, 0, 16,
		      "move", __LINE__);
	REFUSED(m, irqm_move_block(m, 0, 16, c1, 2, &ncpu), IRQM_ENOSPC);
	expect_placed(irqm_move_block(m, 0, 16, c0, 2, &ncpu), &ncpu, 0, 8,
		      "move back", __LINE__);
	/* Both of CPU 0's blocks taken: nowhere to go. */
	expect_placed(irqm_alloc_block(m, c0, 2, 3, false, &cpu), &cpu, 0, 16,
		      "8-block", __LINE__);
	REFUSED(m, irqm_move_block(m, 0, 8, all, 2, &ncpu), IRQM_ENOSPC);
	REFUSED(m, irqm_can_offline(m, 0), IRQM_ENOSPC);
	irqm_destroy(m);
}

/*
 * can_offline and evacuate against the kernel's count-based unplug check
 * (lapic_can_unplug_cpu(): allocated(cpu) <= available(cpu, cpudown)).
 * Window [8, 40) of three CPUs; CPU 2 holds an 8-block, a single and a
 * managed vector; CPUs 0 and 1 have room by count but no aligned 8-block.
 */
static void test_can_offline(void)
{
	struct irqm_matrix *m = irqm_create(64, 8, 40, 3);
	unsigned long c2[1] = { 4ul };
	unsigned long map[MAX_WORDS];
	unsigned int cpu = 99, tomove = 0, avl = 0, c, bit;

	CHECK(m != NULL);
	for (c = 0; c < 3; c++)
		DONE(m, irqm_online(m, c), 0);
	expect_placed(irqm_alloc_block(m, c2, 3, 3, false, &cpu), &cpu, 2, 8,
		      "8-block", __LINE__);
	expect_placed(irqm_alloc(m, c2, 3, false, &cpu), &cpu, 2, 16, "single",
		      __LINE__);
	DONE(m, irqm_reserve_managed(m, c2, 3), 0);
	expect_placed(irqm_alloc_managed(m, c2, 3, &cpu), &cpu, 2, 17,
		      "managed", __LINE__);
	for (c = 0; c < 2; c++)
		for (bit = 8; bit < 40; bit += 8)
			DONE(m, irqm_assign(m, c, bit + 3), 0);

	/* The kernel's check says yes: 9 to move, 56 available elsewhere. */
	CHECK_EQ(irqm_allocated(m, 2, &tomove), 0);
	CHECK_EQ(irqm_available(m, 2, true, &avl), 0);
	CHECK_EQ(tomove, 9);
	CHECK_EQ(avl, 56);
	/* Placement says no, and evacuate refuses whole. */
	REFUSED(m, irqm_can_offline(m, 2), IRQM_ENOSPC);
	REFUSED(m, irqm_evacuate(m, 2), IRQM_ENOSPC);
	REFUSED(m, irqm_can_offline(m, 0), 4); /* singles fit anywhere */

	/* Free one blocker: CPU 0's [16, 24) opens. */
	DONE(m, irqm_free(m, 0, 19, false), 0);
	REFUSED(m, irqm_can_offline(m, 2), 9);
	DONE(m, irqm_evacuate(m, 2), 9);
	/* Largest first: the block to CPU 0 (most available), at 16; then the
	 * single to CPU 1 (now the most available), its lowest free vector. */
	CHECK_EQ(irqm_cpu_alloc_map(m, 0, map, 64), 3 + 8);
	CHECK(test_bit(map, 16) && test_bit(map, 23));
	CHECK_EQ(irqm_cpu_alloc_map(m, 1, map, 64), 4 + 1);
	CHECK(test_bit(map, 8));
	/* The managed vector stays (the kernel shuts it down). */
	CHECK_EQ(irqm_cpu_alloc_map(m, 2, map, 64), 1);
	CHECK(test_bit(map, 17));
	expect_cpu(m, 2, true, 31, 1, 1, 1, __LINE__);
	REFUSED(m, irqm_can_offline(m, 2), 0);
	REFUSED(m, irqm_evacuate(m, 2), 0);
	DONE(m, irqm_offline(m, 2), 0);
	REFUSED(m, irqm_can_offline(m, 2), IRQM_EBUSY);
	REFUSED(m, irqm_evacuate(m, 2), IRQM_EBUSY);
	irqm_destroy(m);
}

/* The 2048-vector planner behind the same interface. */
static void test_planning_large(void)
{
	struct irqm_matrix *m = irqm_create(2048, 32, 2000, 2);
	unsigned long all[1] = { 3ul }, c1[1] = { 2ul };
	unsigned int cpu = 99, ncpu = 99;

	CHECK(m != NULL);
	DONE(m, irqm_online(m, 0), 0);
	DONE(m, irqm_online(m, 1), 0);
	REFUSED(m, irqm_largest_order(m, all, 2), 5);
	DONE(m, irqm_reserve_block(m, 5), 0);
	expect_placed(irqm_alloc_reserved_block(m, all, 2, 5, &cpu), &cpu, 0,
		      32, "guaranteed", __LINE__);
	DONE(m, irqm_assign(m, 1, 1990), 0);
	expect_placed(irqm_move_block(m, 0, 32, c1, 2, &ncpu), &ncpu, 1, 32,
		      "move", __LINE__);
	REFUSED(m, irqm_can_offline(m, 1), 33);
	DONE(m, irqm_evacuate(m, 1), 33);
	CHECK_EQ(irqm_can_offline(m, 1), 0);
	irqm_destroy(m);
}

int main(void)
{
	test_create();
	test_misc();
	test_null_arguments();
	test_readme_scenario();
	test_golden_geometries();
	test_kernel01_prefix();
	test_kernel_operations();
	test_blocks();
	test_masks();
	test_large_matrix();
	test_errors_invalid();
	test_errors_not_found();
	test_errors_busy();
	test_errors_no_space();
	test_verify_messages();
	test_planning_null_arguments();
	test_largest_order();
	test_reserve_block();
	test_move_block();
	test_move_block_no_space();
	test_move_two_step();
	test_can_offline();
	test_planning_large();
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
