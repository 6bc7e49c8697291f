/* sym.h: the target's modules, and addresses printed as module+offset. */
#ifndef DBGKIT_SYM_H
#define DBGKIT_SYM_H

#include <windows.h>

#include "cpu.h"

#include "expr.h"

struct exports;			/* a module's export table, read on demand */

struct module {
	addr_t base;
	uint32_t size;
	unsigned bits;		/* 32 (PE32) or 64 (PE32+); 0 if unknown */
	char name[256];		/* "kernel32.dll", in UTF-8 */
	char path[4 * MAX_PATH];	/* in UTF-8 */
	struct exports *exports;	/* NULL until first needed */
};

struct modules {
	HANDLE process;		/* where the modules live */
	unsigned bits;		/* the process's own: 32 for x86 and WOW64 */
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
 * "kernel32", "KERNEL32.DLL".  A WOW64 process on Windows has two ntdll
 * modules, its own 32-bit one and the 64-bit one under it: a bare name
 * means the module of the process's own bitness, and a name with a
 * directory before it ("system32\ntdll", "syswow64\ntdll") the module
 * whose path ends so.  NULL if there is none.
 */
const struct module *module_named(const struct modules *m, const char *name);

/*
 * Write a as "module!export+0x10" after the nearest export at or below
 * it, as "module+0x1234" in a module with no export below it, or as a
 * bare hex address outside every module, into buf (n bytes).  Module
 * names lose their extension, as in WinDbg, and gain their directory
 * ("System32\ntdll") where another module has the same name.  Export
 * tables are read from the target on first use.  Returns buf.
 */
char *sym_format(struct modules *m, addr_t a, char *buf, size_t n);

/*
 * Resolve a LOCATION (see expr.h) inside the target: the module from its
 * own module list, the export from the PE export directory in its memory
 * (PE32 or PE32+, by name or ordinal, following forwarders).  Stores the
 * address in *a.  On failure prints one line naming the location and the
 * reason (unknown module, unknown export, bad ordinal, an offset that
 * leaves the module) and returns FALSE.
 * Nothing is written to the target either way.
 */
BOOL sym_resolve(struct modules *m, const char *location, addr_t *a);

/*
 * The export at exactly address a, or NULL: "printf" for msvcrt's printf.
 * The string lives as long as *m.
 */
const char *sym_export_at(struct modules *m, addr_t a);

/*
 * Call fn for each named export of mod that has code in the module (not
 * a forwarder), in the order of the export table's name array (sorted
 * by name), with the name and the address; stop early when fn returns
 * FALSE.  The export table is read from the target on first use.  FALSE
 * when it could not be read (out of memory); a module without exports
 * simply makes no call.
 */
BOOL sym_each_export(struct modules *m, const struct module *mod,
    BOOL (*fn)(const char *name, addr_t a, void *arg), void *arg);

/*
 * The pointer size of the module's code, from its PE header in the
 * target: 4 for PE32, 8 for PE32+, 0 when the header cannot be read.  A
 * WOW64 process holds modules of both.
 */
unsigned module_ptrsize(HANDLE process, const struct module *mod);

#endif
