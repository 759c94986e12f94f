// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: /proc/interrupts text of any shape (x86 and arm64
 * layouts, offline CPUs, huge counts) through the parser, the IPI
 * classification and the per-row deltas.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = malloc(size + 1);
	struct irq_table a, b;
	struct ipi_kinds k;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!irq_parse(text, &a)) {
		irq_ipi_kinds(&a, &k);
		/*
		 * The same table before and after: every delta is 0, where
		 * rows are told apart by label as the kernel's are.
		 */
		if (!irq_parse(text, &b)) {
			bool unique = true;

			for (int i = 0; i < a.nrows; i++)
				unique &= irq_find(&a, a.row[i].label) == &a.row[i];
			json_decref(irq_delta_json(&a, &b));
			irq_ipi_delta(&a, &b, &k);
			if (unique && k.total)
				abort();
			irq_free(&b);
		}
		irq_free(&a);
	}
	free(text);
	return 0;
}
