/* space.h: what lies where in a process: images and sections, stacks, TEBs, PEBs, heaps. */
#ifndef DBGKIT_SPACE_H
#define DBGKIT_SPACE_H

#include <windows.h>

#include "cpu.h"
#include "sym.h"

/* Where Windows maps KUSER_SHARED_DATA in every process, read-only. */
#define KUSER_SHARED_DATA_VA	0x7ffe0000u

/* One thing the process has at known addresses. */
struct landmark {
	addr_t lo, hi;		/* it covers [lo, hi) ... */
	int whole_allocation;	/* ... or every region allocated at lo */
	char owner[64];		/* "deep.exe" for a section, else "" */
	char what[96];		/* ".text", "stack of tid 52" */
};

/* The landmarks of one process. */
struct space {
	HANDLE process;
	struct landmark *v;
	size_t n, cap;
};

/*
 * Find the landmarks of a process that is not stopped, by reading it:
 * each module's headers and sections (long section names from its file),
 * each thread's TEB and stack, the PEB (both of a WOW64 process), the
 * heaps the PEB lists, and KUSER_SHARED_DATA.  mods must be loaded.
 * Threads that end meanwhile are left out.  FALSE (after printing why)
 * only if the process's threads cannot be listed.
 */
BOOL space_load(HANDLE process, DWORD pid, const struct cpu *cpu,
    const struct modules *mods, struct space *sp);

/*
 * What the region mbi describes holds: the landmarks it overlaps (or
 * that own its allocation), "; " between them, and for a mapped view its
 * file's name (GetMappedFileName).  Into buf (n bytes); "" if nothing is
 * known.  Returns buf.
 */
char *space_what(const struct space *sp, const MEMORY_BASIC_INFORMATION *mbi,
    char *buf, size_t n);

/* Release what space_load() allocated. */
void space_free(struct space *sp);

#endif
