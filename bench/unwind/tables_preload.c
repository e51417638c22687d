/*
 * tables_preload.c - LD_PRELOAD this into any program to print the unwind
 * tables cprof would build for it (per object: FDEs, rows, bytes, build
 * time) and the whole process's total, then exit. Benchmark only:
 *
 *   LD_PRELOAD=.../libbench_unwind_tables.so redis-server --port 0
 *
 * The constructor runs after the loader has mapped every needed library,
 * which is what cprof_start sees when it starts from LD_PRELOAD.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/cfi_registry.h"

static void tables_row(const char *name, const struct cprof__cfi_object *o,
		       void *arg)
{
	const char *base = strrchr(name, '/');

	fprintf(stderr, "| %s | %u | %u | %.0f KB | %.2f ms | %.2f ms |\n",
		name[0] ? (base ? base + 1 : name) : "(main program)",
		o->table->stats.fdes, o->table->nrows,
		o->table->map_size / 1024.0, o->table->stats.build_ns / 1e6,
		o->table->stats.build_cpu_ns / 1e6);
}

static void tables_total(const char *what)
{
	struct cprof__cfi_registry_stats st;

	cprof__cfi_registry_stats(&st);
	fprintf(stderr, "| **whole process, %u objects, %s** | | %llu | "
		"%.0f KB | %.2f ms | %.2f ms |\n", st.objects, what,
		(unsigned long long)st.rows, st.table_bytes / 1024.0,
		st.build_ns / 1e6, st.build_cpu_ns / 1e6);
}

__attribute__((constructor)) static void tables_main(void)
{
	if (cprof__cfi_init() != 0)
		_exit(1);
	fprintf(stderr, "| object | FDEs | rows | bytes | build (wall) | "
			"build (CPU) |\n|---|---|---|---|---|---|\n");
	cprof__cfi_registry_each(tables_row, NULL);
	tables_total("first build");
	for (int i = 0; i < 3; i++) {
		cprof__cfi_fini();
		cprof__cfi_init();
	}
	tables_total("rebuilt, pages warm");
	_exit(0);
}
