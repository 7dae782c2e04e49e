// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * irq_matrix_selftest.c - the port as an out-of-tree kernel module, with a
 * self-test that runs when it is loaded.
 *
 * The module holds no state of the kernel: it creates matrices of its own
 * with irq_matrix_block.c, built against the running kernel's headers (the
 * kernel's bitmap, cpumask, per-CPU and tracepoint code, not the user-space
 * stand-ins), and replays operation traces on them. The traces are
 * compiled in (irq_matrix_selftest_data.h, made at build time by
 * gen_selftest_data.py): the golden traces, whose results the kernel's own
 * allocator produced, and a seeded workload of block and managed
 * operations whose results the irqmatrix library produced. Each
 * operation's result and counters must be the expected ones, and after
 * every operation the matrix's own invariants must hold.
 *
 * The report is KTAP, as KUnit prints it: "KTAP version 1", the plan
 * "1..N", then "ok N - name" or "not ok N - name" with "# " diagnostic
 * lines before a failure. The module loads whatever the result (so that it
 * can be unloaded); the report says whether it passed.
 *
 * Writing a trace's name to /sys/module/irq_matrix_port/parameters/replay
 * replays that trace again on a fresh matrix, with the port's tracepoints
 * live (trace system irq_matrix_port): enable them first in
 * /sys/kernel/tracing/events/irq_matrix_port/, and the trace buffer then
 * holds one event per change of that matrix, which `irqmatrix
 * import-events` turns back into a trace. As in the kernel, a CPU's online
 * and offline run on that CPU (when the running kernel has it online).
 */
#define CREATE_TRACE_POINTS
#include "irq_matrix.h"

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/smp.h>
#include <linux/string.h>

enum irqm_test_kind {
	IRQM_T_ONLINE,
	IRQM_T_OFFLINE,
	IRQM_T_ASSIGN_SYSTEM,
	IRQM_T_RESERVE_MANAGED,
	IRQM_T_REMOVE_MANAGED,
	IRQM_T_ALLOC_MANAGED,
	IRQM_T_ASSIGN,
	IRQM_T_RESERVE,
	IRQM_T_REMOVE_RESERVED,
	IRQM_T_ALLOC,
	IRQM_T_FREE,
	IRQM_T_AVAILABLE,
	IRQM_T_RESERVED,
	IRQM_T_ALLOCATED,
	IRQM_T_CPU,
	IRQM_T_STATS,
	IRQM_T_ALLOC_BLOCK,
	IRQM_T_FREE_BLOCK,
	IRQM_T_RESERVE_MANAGED_BLOCK,
	IRQM_T_REMOVE_MANAGED_BLOCK,
	IRQM_T_ALLOC_MANAGED_BLOCK,
};

/* One trace line: the operation, its arguments and the expected result. */
struct irqm_test_op {
	u8 kind;
	u16 cpu;
	u16 bit;
	u8 order;
	u8 flag;
	s8 nr_expected; /* -1: no expected result on the line */
	u32 line;
	u64 mask; /* CPU list, at most 64 CPUs */
	int expected[5];
};

struct irqm_test_trace {
	const char *name;
	unsigned int bits, start, end, nr_cpus;
	const struct irqm_test_op *ops;
	unsigned int nr_ops;
};

#include "irq_matrix_selftest_data.h"

/* Serialises the matrices' users, as vector_lock does on x86. */
static DEFINE_MUTEX(irqm_test_lock);
/* A struct cpumask is NR_CPUS bits (1 KiB on Debian): not on the stack. */
static struct cpumask irqm_test_mask;

/* What the invariant and block checks saw across all replays. */
struct irqm_test_tally {
	unsigned long invariant_checks, block_checks;
	char invariant_failure[160], block_failure[160];
};

static const struct cpumask *irqm_test_cpus(u64 bits)
{
	unsigned int cpu;

	cpumask_clear(&irqm_test_mask);
	for (cpu = 0; cpu < 64; cpu++)
		if (bits & (1ULL << cpu))
			cpumask_set_cpu(cpu, &irqm_test_mask);
	return &irqm_test_mask;
}

/* Runs @op on @m; the result in @got (a negative errno alone on failure). */
static int irqm_test_run(struct irq_matrix *m, const struct irqm_test_op *op,
			 int got[5])
{
	const struct cpumask *msk = irqm_test_cpus(op->mask);
	struct cpumap *cm = NULL;
	unsigned int cpu = 0;
	int v;

	if (op->kind == IRQM_T_CPU)
		cm = per_cpu_ptr(m->maps, op->cpu);
	switch (op->kind) {
	case IRQM_T_ONLINE:
		irq_matrix_online(m, op->cpu);
		v = 0;
		break;
	case IRQM_T_OFFLINE:
		irq_matrix_offline(m, op->cpu);
		v = 0;
		break;
	case IRQM_T_ASSIGN_SYSTEM:
		irq_matrix_assign_system(m, op->cpu, op->bit, op->flag);
		v = 0;
		break;
	case IRQM_T_RESERVE_MANAGED:
		v = irq_matrix_reserve_managed(m, msk);
		break;
	case IRQM_T_REMOVE_MANAGED:
		v = irq_matrix_remove_managed(m, msk);
		break;
	case IRQM_T_ALLOC_MANAGED:
		v = irq_matrix_alloc_managed(m, msk, &cpu);
		goto pick;
	case IRQM_T_ASSIGN:
		v = irq_matrix_assign(m, op->cpu, op->bit);
		break;
	case IRQM_T_RESERVE:
		irq_matrix_reserve(m);
		v = 0;
		break;
	case IRQM_T_REMOVE_RESERVED:
		irq_matrix_remove_reserved(m);
		v = 0;
		break;
	case IRQM_T_ALLOC:
		v = irq_matrix_alloc(m, msk, op->flag, &cpu);
		goto pick;
	case IRQM_T_FREE:
		v = irq_matrix_free(m, op->cpu, op->bit, op->flag);
		break;
	case IRQM_T_AVAILABLE:
		v = (int)irq_matrix_available(m, op->cpu, op->flag);
		break;
	case IRQM_T_RESERVED:
		v = (int)irq_matrix_reserved(m);
		break;
	case IRQM_T_ALLOCATED:
		v = (int)irq_matrix_allocated(m, op->cpu);
		break;
	case IRQM_T_CPU:
		got[0] = cm->online;
		got[1] = (int)cm->available;
		got[2] = (int)cm->allocated;
		got[3] = (int)cm->managed;
		got[4] = (int)cm->managed_allocated;
		return 5;
	case IRQM_T_STATS:
		got[0] = (int)m->online_maps;
		got[1] = (int)m->global_available;
		got[2] = (int)m->global_reserved;
		got[3] = (int)m->total_allocated;
		return 4;
	case IRQM_T_ALLOC_BLOCK:
		v = irq_matrix_alloc_block(m, msk, op->order, op->flag, &cpu);
		goto pick;
	case IRQM_T_FREE_BLOCK:
		v = irq_matrix_free_block(m, op->cpu, op->bit, op->order,
					  op->flag);
		break;
	case IRQM_T_RESERVE_MANAGED_BLOCK:
		v = irq_matrix_reserve_managed_block(m, msk, op->order);
		break;
	case IRQM_T_REMOVE_MANAGED_BLOCK:
		v = irq_matrix_remove_managed_block(m, msk, op->order);
		break;
	case IRQM_T_ALLOC_MANAGED_BLOCK:
		v = irq_matrix_alloc_managed_block(m, msk, op->order, &cpu);
		goto pick;
	default:
		got[0] = -EINVAL;
		return 1;
	}
	got[0] = v;
	return 1;
pick:
	if (v < 0) {
		got[0] = v;
		return 1;
	}
	got[0] = (int)cpu;
	got[1] = v;
	return 2;
}

/*
 * A CPU's online and offline run on that CPU, as the kernel's do, when it is
 * online in the running kernel: the trace buffer's CPU column then names
 * the matrix's CPU, which is how `irqmatrix import-events` tells which CPU
 * came or went (the events do not say).
 */
struct irqm_test_call {
	struct irq_matrix *m;
	const struct irqm_test_op *op;
	int *got;
	int n;
};

static int irqm_test_call_fn(void *arg)
{
	struct irqm_test_call *call = arg;

	call->n = irqm_test_run(call->m, call->op, call->got);
	return 0;
}

static int irqm_test_run_on_cpu(struct irq_matrix *m,
				const struct irqm_test_op *op, int got[5])
{
	struct irqm_test_call call = { m, op, got, 0 };

	if ((op->kind != IRQM_T_ONLINE && op->kind != IRQM_T_OFFLINE) ||
	    op->cpu >= nr_cpu_ids || !cpu_online(op->cpu))
		return irqm_test_run(m, op, got);
	if (smp_call_on_cpu(op->cpu, irqm_test_call_fn, &call, false)) {
		got[0] = -EIO;
		return 1;
	}
	return call.n;
}

/*
 * The rules every state of the matrix keeps, whatever the kernel's
 * counter quirks do: a CPU's allocated and managed counters are the
 * weights of its two bitmaps, both bitmaps stay inside the allocation
 * window, and online_maps counts the online maps. NULL, or what broke.
 */
static const char *irqm_test_invariants(struct irq_matrix *m,
					unsigned int nr_cpus, char *buf,
					size_t size)
{
	unsigned int cpu, online = 0, bits = m->matrix_bits;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		struct cpumap *cm = per_cpu_ptr(m->maps, cpu);

		if (cm->allocated != bitmap_weight(cm->alloc_map, bits)) {
			snprintf(buf, size, "cpu %u: allocated=%u, %u bits set",
				 cpu, cm->allocated,
				 bitmap_weight(cm->alloc_map, bits));
			return buf;
		}
		if (cm->managed != bitmap_weight(cm->managed_map, bits)) {
			snprintf(buf, size, "cpu %u: managed=%u, %u bits set",
				 cpu, cm->managed,
				 bitmap_weight(cm->managed_map, bits));
			return buf;
		}
		if (find_first_bit(cm->alloc_map, m->alloc_start) <
			    m->alloc_start ||
		    find_next_bit(cm->alloc_map, bits, m->alloc_end) < bits ||
		    find_first_bit(cm->managed_map, m->alloc_start) <
			    m->alloc_start ||
		    find_next_bit(cm->managed_map, bits, m->alloc_end) < bits) {
			snprintf(buf, size, "cpu %u: a vector outside [%u,%u)",
				 cpu, m->alloc_start, m->alloc_end);
			return buf;
		}
		online += cm->online;
	}
	if (online != m->online_maps) {
		snprintf(buf, size, "online_maps=%u, %u maps online",
			 m->online_maps, online);
		return buf;
	}
	return NULL;
}

/* A block handed out is aligned, inside the window and allocated. */
static const char *irqm_test_block(struct irq_matrix *m,
				   const struct irqm_test_op *op,
				   const int got[2], char *buf, size_t size)
{
	unsigned int num = 1U << op->order, base = (unsigned int)got[1];
	struct cpumap *cm = per_cpu_ptr(m->maps, (unsigned int)got[0]);

	if (base & (num - 1) || base < m->alloc_start ||
	    base + num > m->alloc_end ||
	    find_next_zero_bit(cm->alloc_map, base + num, base) < base + num) {
		snprintf(buf, size, "line %u: block %u+%u on cpu %d", op->line,
			 base, num, got[0]);
		return buf;
	}
	return NULL;
}

/*
 * Replays @t on a fresh matrix. Returns the number of mismatches; the first
 * is described in @why. With @tally, also checks the invariants after
 * every operation and every block handed out; with @on_cpu, runs online
 * and offline on the CPU they name.
 */
static unsigned int irqm_test_replay(const struct irqm_test_trace *t,
				     struct irqm_test_tally *tally, bool on_cpu,
				     char *why, size_t size)
{
	unsigned int i, mismatches = 0;
	struct irq_matrix *m;
	char buf[160];

	if (t->nr_cpus > nr_cpu_ids) {
		snprintf(
			why, size,
			"needs %u possible CPUs, nr_cpu_ids is %u (boot with possible_cpus=%u)",
			t->nr_cpus, nr_cpu_ids, t->nr_cpus);
		return 1;
	}
	m = irq_alloc_matrix(t->bits, t->start, t->end);
	if (!m) {
		snprintf(why, size, "irq_alloc_matrix() failed");
		return 1;
	}
	for (i = 0; i < t->nr_ops; i++) {
		const struct irqm_test_op *op = &t->ops[i];
		int got[5] = { 0 }, n, k;
		const char *bad;
		bool same;

		n = on_cpu ? irqm_test_run_on_cpu(m, op, got) :
			     irqm_test_run(m, op, got);
		same = op->nr_expected < 0 || op->nr_expected == n;
		for (k = 0; same && k < n && op->nr_expected >= 0; k++)
			same = got[k] == op->expected[k];
		if (!same && !mismatches++)
			snprintf(
				why, size,
				"line %u: got %d %d %d %d %d (%d values), expected %d %d %d %d %d (%d values)",
				op->line, got[0], got[1], got[2], got[3],
				got[4], n, op->expected[0], op->expected[1],
				op->expected[2], op->expected[3],
				op->expected[4], op->nr_expected);
		if (!tally)
			continue;
		tally->invariant_checks++;
		bad = irqm_test_invariants(m, t->nr_cpus, buf, sizeof(buf));
		if (bad && !tally->invariant_failure[0])
			snprintf(tally->invariant_failure,
				 sizeof(tally->invariant_failure),
				 "%s line %u: %s", t->name, op->line, bad);
		if ((op->kind == IRQM_T_ALLOC_BLOCK ||
		     op->kind == IRQM_T_ALLOC_MANAGED_BLOCK) &&
		    n == 2) {
			tally->block_checks++;
			bad = irqm_test_block(m, op, got, buf, sizeof(buf));
			if (bad && !tally->block_failure[0])
				snprintf(tally->block_failure,
					 sizeof(tally->block_failure), "%s %s",
					 t->name, bad);
		}
	}
	irq_free_matrix(m);
	return mismatches;
}

static void irqm_test_result(unsigned int nr, bool ok, const char *name,
			     const char *why, unsigned int *failed)
{
	if (!ok) {
		pr_info("# %s: %s\n", name, why);
		(*failed)++;
	}
	pr_info("%sok %u - %s\n", ok ? "" : "not ", nr, name);
}

static int __init irqm_test_init(void)
{
	unsigned int i, nr = ARRAY_SIZE(irqm_test_traces), failed = 0;
	struct irqm_test_tally *tally;
	char why[200];

	tally = kzalloc(sizeof(*tally), GFP_KERNEL);
	if (!tally)
		return -ENOMEM;
	mutex_lock(&irqm_test_lock);
	pr_info("KTAP version 1\n");
	pr_info("1..%u\n", nr + 2);
	for (i = 0; i < nr; i++) {
		const struct irqm_test_trace *t = &irqm_test_traces[i];
		unsigned int bad;

		why[0] = '\0';
		bad = irqm_test_replay(t, tally, false, why, sizeof(why));
		pr_info("# %s: %u operations, %u mismatched\n", t->name,
			t->nr_ops, bad);
		irqm_test_result(i + 1, !bad, t->name, why, &failed);
	}
	pr_info("# invariants: checked after %lu operations\n",
		tally->invariant_checks);
	irqm_test_result(
		nr + 1,
		!tally->invariant_failure[0] && tally->invariant_checks > 0,
		"invariants after every operation",
		tally->invariant_failure[0] ? tally->invariant_failure :
					      "nothing checked",
		&failed);
	pr_info("# blocks: %lu handed out\n", tally->block_checks);
	irqm_test_result(nr + 2,
			 !tally->block_failure[0] && tally->block_checks > 0,
			 "blocks aligned, inside the window, allocated",
			 tally->block_failure[0] ? tally->block_failure :
						   "no block handed out",
			 &failed);
	pr_info("# irq_matrix_port: pass:%u fail:%u skip:0 total:%u\n",
		nr + 2 - failed, failed, nr + 2);
	mutex_unlock(&irqm_test_lock);
	kfree(tally);
	return 0;
}

/* /sys/module/irq_matrix_port/parameters/replay: NAME replays that trace. */
static int irqm_test_replay_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strcspn(val, "\n");
	unsigned int i, bad;
	char why[200];

	for (i = 0; i < ARRAY_SIZE(irqm_test_traces); i++) {
		const struct irqm_test_trace *t = &irqm_test_traces[i];

		if (strlen(t->name) != len || strncmp(t->name, val, len))
			continue;
		why[0] = '\0';
		mutex_lock(&irqm_test_lock);
		bad = irqm_test_replay(t, NULL, true, why, sizeof(why));
		mutex_unlock(&irqm_test_lock);
		pr_info("irq_matrix_port: replayed %s: %u operations, %u mismatched%s%s\n",
			t->name, t->nr_ops, bad, bad ? ": " : "", why);
		return bad ? -EIO : 0;
	}
	return -EINVAL;
}

static const struct kernel_param_ops irqm_test_replay_ops = {
	.set = irqm_test_replay_set,
};
module_param_cb(replay, &irqm_test_replay_ops, NULL, 0200);
MODULE_PARM_DESC(
	replay,
	"name of a compiled-in trace to replay with the tracepoints live");

static void __exit irqm_test_exit(void)
{
}

module_init(irqm_test_init);
module_exit(irqm_test_exit);

MODULE_DESCRIPTION(
	"irq_matrix with aligned blocks for multi-MSI: the irqmatrix kernel port and its self-test");
MODULE_LICENSE("Dual MIT/GPL");
