/* SPDX-License-Identifier: MIT */
/*
 * The README scenario through the C interface: an x86-sized matrix for two
 * CPUs, one MSI-X vector, then a 32-vector multi-MSI block, the debugfs
 * table, and everything freed again.
 */
#include <irqmatrix/irqmatrix.h>

#include <stdio.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "c_example: %s: %s\n", what, irqm_strerror(err));
	return 1;
}

int main(void)
{
	struct irqm_matrix *m =
		irqm_create(256, 32, 236, 2); /* x86: window [32, 236) */
	unsigned long all[IRQM_BITS_TO_LONGS(2)] = {
		0x3ul
	}; /* CPUs 0-1, a cpumask */
	unsigned int nic_cpu = 0, dev_cpu = 0;
	char table[1024];
	int nic, dev, rc;

	if (!m)
		return fail("irqm_create", IRQM_EINVAL);
	if ((rc = irqm_online(m, 0)) != 0 || (rc = irqm_online(m, 1)) != 0)
		return fail("irqm_online", rc);

	nic = irqm_alloc(m, all, 2, false, &nic_cpu); /* one MSI-X vector */
	dev = irqm_alloc_block(m, all, 2, 5, false,
			       &dev_cpu); /* 32 aligned vectors */
	if (nic < 0)
		return fail("irqm_alloc", nic);
	if (dev < 0)
		return fail("irqm_alloc_block", dev);
	printf("nic: cpu %u, vector %d\n", nic_cpu, nic);
	printf("dev: cpu %u, vectors %d-%d\n", dev_cpu, dev, dev + 31);

	rc = irqm_debug_show(m, 1, table, sizeof(table));
	if (rc < 0)
		return fail("irqm_debug_show", rc);
	fputs(table, stdout);

	if ((rc = irqm_free_block(m, dev_cpu, (unsigned int)dev, 5, false)) !=
		    0 ||
	    (rc = irqm_free(m, nic_cpu, (unsigned int)nic, false)) != 0)
		return fail("free", rc);
	if ((rc = irqm_verify(m, table, sizeof(table))) != 0)
		return fail(table, rc);
	irqm_destroy(m);
	return 0;
}
