/* space.c: the landmarks of a process's address space, found by reading it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <psapi.h>

#include "err.h"
#include "pe.h"
#include "space.h"
#include "target.h"
#include "teb.h"

#define PAGE		0x1000u
#define PAGE_UP(a)	(((a) + PAGE - 1) & ~(addr_t)(PAGE - 1))
#define MAX_HEAPS	64

static void __attribute__((format(printf, 6, 7)))
add(struct space *sp, addr_t lo, addr_t hi, int whole, const char *owner,
    const char *fmt, ...)
{
	struct landmark *nv, *l;
	va_list ap;

	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? 2 * sp->cap : 64;
		if ((nv = realloc(sp->v, sp->cap * sizeof(*nv))) == NULL)
			errx(EXIT_RUNTIME, "out of memory");
		sp->v = nv;
	}
	l = &sp->v[sp->n++];
	l->lo = lo;
	l->hi = hi;
	l->whole_allocation = whole;
	snprintf(l->owner, sizeof(l->owner), "%s", owner);
	va_start(ap, fmt);
	vsnprintf(l->what, sizeof(l->what), fmt, ap);
	va_end(ap);
}

/* An image: its headers, then each section, by its name. */
static void
add_module(struct space *sp, const struct module *m)
{
	struct pe pe;
	unsigned i;

	if (!pe_read(sp->process, m->base, &pe))
		return;
	pe_long_names(&pe, m->path);
	add(sp, m->base, m->base + PAGE_UP(pe.headers_size), 0, m->name,
	    "headers");
	for (i = 0; i < pe.nsections; i++)
		add(sp, m->base + pe.sec[i].VirtualAddress, m->base +
		    pe.sec[i].VirtualAddress + PAGE_UP(pe_section_size(&pe.sec[i])),
		    0, m->name, "%s", pe.name[i]);
}

/* A thread: its TEB, and its stack, the whole reservation. */
static void
add_thread(struct space *sp, const struct cpu *cpu, DWORD tid)
{
	addr_t teb, base, limit, reserve;
	HANDLE h;

	if ((h = OpenThread(THREAD_QUERY_INFORMATION, FALSE, tid)) == NULL)
		return;
	if (teb_find(sp->process, cpu, h, &teb)) {
		add(sp, teb, teb + 1, 0, "", "TEB of tid %lu", tid);
		if (teb_stack(sp->process, cpu, teb, &base, &limit, &reserve) &&
		    base > limit) {
			add(sp, reserve != 0 ? reserve : limit, 0, 1, "",
			    "stack of tid %lu", tid);
			/*
			 * Wine 8 allocates a thread's "kernel stack", for its
			 * Unix side, right above its stack (virtual.c,
			 * virtual_alloc_thread_stack).
			 */
			if (running_on_wine())
				add(sp, base, 0, 1, "", "Wine's kernel stack "
				    "for tid %lu", tid);
		}
	}
	CloseHandle(h);
}

BOOL
space_load(HANDLE process, DWORD pid, const struct cpu *cpu,
    const struct modules *mods, struct space *sp)
{
	addr_t heaps[MAX_HEAPS], teb = 0, peb, peb64;
	DWORD *tids;
	HANDLE h;
	size_t i;
	int n, k;

	memset(sp, 0, sizeof(*sp));
	sp->process = process;
	for (i = 0; i < mods->n; i++)
		add_module(sp, &mods->v[i]);
	if ((n = thread_ids(pid, &tids)) < 0)
		return FALSE;
	for (k = 0; k < n; k++)
		add_thread(sp, cpu, tids[k]);
	/* The PEB, found from a TEB, and the heaps it lists. */
	for (k = 0; k < n && teb == 0; k++)
		if ((h = OpenThread(THREAD_QUERY_INFORMATION, FALSE, tids[k])) != NULL) {
			if (!teb_find(process, cpu, h, &teb))
				teb = 0;
			CloseHandle(h);
		}
	free(tids);
	if (teb != 0 && peb_find(process, cpu, teb, &peb, &peb64)) {
		add(sp, peb, peb + 1, 0, "", "PEB");
		if (peb64 != 0)
			add(sp, peb64, peb64 + 1, 0, "", "PEB (64-bit, for the "
			    "system's side of WOW64)");
		n = peb_heaps(process, cpu, peb, heaps, MAX_HEAPS);
		for (k = 0; k < n; k++)
			add(sp, heaps[k], 0, 1, "", "heap 0x%llx%s",
			    (unsigned long long)heaps[k],
			    k == 0 ? " (the process heap)" : "");
	}
	add(sp, KUSER_SHARED_DATA_VA, KUSER_SHARED_DATA_VA + PAGE, 0, "",
	    "KUSER_SHARED_DATA");
	return TRUE;
}

char *
space_what(const struct space *sp, const MEMORY_BASIC_INFORMATION *mbi,
    char *buf, size_t n)
{
	addr_t lo = (addr_t)(uintptr_t)mbi->BaseAddress, hi = lo + mbi->RegionSize;
	addr_t alloc = (addr_t)(uintptr_t)mbi->AllocationBase;
	char file[MAX_PATH];
	const struct landmark *l, *prev = NULL;
	size_t i, len = 0;

	buf[0] = '\0';
	if (mbi->State == MEM_FREE)
		return buf;
#define APPEND(...)	do { if (len < n) len += snprintf(buf + len, n - len, \
	    __VA_ARGS__); } while (0)
	for (i = 0; i < sp->n; i++) {
		l = &sp->v[i];
		if (l->whole_allocation ? l->lo != alloc : l->hi <= lo || l->lo >= hi)
			continue;
		/* The sections of one image: "deep.exe .rdata .pdata". */
		if (prev != NULL && l->owner[0] != '\0' &&
		    strcmp(prev->owner, l->owner) == 0)
			APPEND(" %s", l->what);
		else
			APPEND("%s%s%s%s", len > 0 ? "; " : "", l->owner,
			    l->owner[0] != '\0' ? " " : "", l->what);
		prev = l;
	}
	if (mbi->Type == MEM_MAPPED && GetMappedFileNameA(sp->process,
	    mbi->BaseAddress, file, sizeof(file)) > 0)
		APPEND("%sa view of %s", len > 0 ? "; " : "", file);
	if (mbi->Protect & PAGE_GUARD)
		APPEND("%s", len > 0 ? " (guard page)" : "guard page");
#undef APPEND
	return buf;
}

void
space_free(struct space *sp)
{
	free(sp->v);
	sp->v = NULL;
	sp->n = sp->cap = 0;
}
