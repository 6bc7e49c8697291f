/* sym.h: the target's modules, and addresses printed as module+offset. */
#ifndef DBGKIT_SYM_H
#define DBGKIT_SYM_H

#include <windows.h>

#include "cpu.h"

struct module {
	addr_t base;
	uint32_t size;
	char name[256];	/* "kernel32.dll" */
	char path[MAX_PATH];
};

struct modules {
	struct module *v;
	size_t n;
};

/*
 * List the modules of process, 32-bit and 64-bit alike
 * (EnumProcessModulesEx with LIST_MODULES_ALL), into *m, which the caller
 * releases with modules_free().  The handle needs PROCESS_QUERY_INFORMATION
 * and PROCESS_VM_READ.  FALSE (after printing why) on failure.
 */
BOOL modules_load(HANDLE process, struct modules *m);

/* Release what modules_load() allocated; *m becomes empty. */
void modules_free(struct modules *m);

/* The module that contains address a, or NULL. */
const struct module *module_at(const struct modules *m, addr_t a);

/*
 * The module called name, ignoring case and an optional ".dll"/".exe":
 * "kernel32", "KERNEL32.DLL".  NULL if there is none.
 */
const struct module *module_named(const struct modules *m, const char *name);

/*
 * Write a as "module+0x1234" (module name without its extension), or as
 * a bare hex address outside every module, into buf (n bytes).
 * Returns buf.
 */
char *sym_format(const struct modules *m, addr_t a, char *buf, size_t n);

#endif
