/* teb.c: TEBs, stacks, PEBs and heaps, found from outside the process. */
#include <windows.h>
#include <winternl.h>

#include "mem.h"
#include "teb.h"

/* Offsets in the TEB and the PEB, 32-bit and 64-bit. */
struct layout {
	unsigned ptr;			/* pointer size */
	unsigned tib_self;		/* NT_TIB.Self */
	unsigned teb_peb;		/* TEB.ProcessEnvironmentBlock */
	unsigned teb_dealloc;		/* TEB.DeallocationStack */
	unsigned teb_wow_offset;	/* TEB64.WowTebOffset (a LONG) */
	unsigned peb_heap;		/* PEB.ProcessHeap */
	unsigned peb_nheaps;		/* PEB.NumberOfHeaps (a ULONG) */
	unsigned peb_heaps;		/* PEB.ProcessHeaps */
};

static const struct layout l32 = { 4, 0x18, 0x30, 0xe0c, 0, 0x18, 0x88, 0x90 };
static const struct layout l64 = { 8, 0x30, 0x60, 0x1478, 0x180c, 0x30, 0xe8, 0xf0 };

/* Windows keeps a WOW64 thread's 32-bit TEB this far after its 64-bit one. */
#define WOW64_TEB32_OFFSET	0x2000

/* NtQueryInformationThread(ThreadBasicInformation); winternl.h lacks it. */
struct thread_basic_information {
	NTSTATUS ExitStatus;
	PVOID TebBaseAddress;
	HANDLE UniqueProcess, UniqueThread;
	ULONG_PTR AffinityMask;
	LONG Priority, BasePriority;
};

static const struct layout *
layout(const struct cpu *cpu)
{
	return cpu->ptrsize == 4 ? &l32 : &l64;
}

/* A TEB of this layout is at a if its NT_TIB.Self says so. */
static BOOL
is_teb(HANDLE process, const struct layout *l, addr_t a)
{
	addr_t self;

	return mem_read_ptr(process, a + l->tib_self, l->ptr, &self) && self == a;
}

BOOL
teb_find(HANDLE process, const struct cpu *cpu, HANDLE thread, addr_t *teb)
{
	struct thread_basic_information tbi;
	NTSTATUS st;
	LONG off = 0;
	addr_t t;

	st = NtQueryInformationThread(thread, (THREADINFOCLASS)0 /* Basic */,
	    &tbi, sizeof(tbi), NULL);
	if (st != 0) {
		SetLastError(RtlNtStatusToDosError(st));
		return FALSE;
	}
	t = (addr_t)(uintptr_t)tbi.TebBaseAddress;
	if (cpu->ptrsize == sizeof(void *) || is_teb(process, &l32, t)) {
		/* Our own bitness; or Wine, which names the 32-bit TEB here. */
		*teb = t;
		return TRUE;
	}
	/* Windows names the 64-bit TEB of a WOW64 thread; find the other. */
	if (!mem_read(process, t + l64.teb_wow_offset, &off, sizeof(off)) ||
	    off == 0)
		off = WOW64_TEB32_OFFSET;
	*teb = t + off;
	if (!is_teb(process, &l32, *teb)) {
		SetLastError(ERROR_NOT_FOUND);
		return FALSE;
	}
	return TRUE;
}

BOOL
teb_stack(HANDLE process, const struct cpu *cpu, addr_t teb, addr_t *base,
    addr_t *limit, addr_t *reserve)
{
	const struct layout *l = layout(cpu);

	/* NT_TIB: ExceptionList, StackBase, StackLimit, one pointer each. */
	return mem_read_ptr(process, teb + l->ptr, l->ptr, base) &&
	    mem_read_ptr(process, teb + 2 * l->ptr, l->ptr, limit) &&
	    mem_read_ptr(process, teb + l->teb_dealloc, l->ptr, reserve);
}

BOOL
peb_find(HANDLE process, const struct cpu *cpu, addr_t teb, addr_t *peb,
    addr_t *peb64)
{
	PROCESS_BASIC_INFORMATION pbi;
	NTSTATUS st;

	*peb64 = 0;
	if (!mem_read_ptr(process, teb + layout(cpu)->teb_peb, cpu->ptrsize, peb))
		return FALSE;
	st = NtQueryInformationProcess(process, ProcessBasicInformation, &pbi,
	    sizeof(pbi), NULL);
	if (st != 0) {
		SetLastError(RtlNtStatusToDosError(st));
		return FALSE;
	}
	if ((addr_t)(uintptr_t)pbi.PebBaseAddress != *peb)
		*peb64 = (addr_t)(uintptr_t)pbi.PebBaseAddress;
	return TRUE;
}

int
peb_heaps(HANDLE process, const struct cpu *cpu, addr_t peb, addr_t *heaps,
    int max)
{
	const struct layout *l = layout(cpu);
	ULONG n;
	addr_t list;
	int i;

	if (max <= 0)
		return 0;
	if (!mem_read(process, peb + l->peb_nheaps, &n, sizeof(n)) ||
	    !mem_read_ptr(process, peb + l->peb_heaps, l->ptr, &list))
		return -1;
	if (n == 0 || list == 0)	/* no list: the default heap alone */
		return mem_read_ptr(process, peb + l->peb_heap, l->ptr,
		    &heaps[0]) ? heaps[0] != 0 : -1;
	for (i = 0; i < (int)n && i < max; i++)
		if (!mem_read_ptr(process, list + i * l->ptr, l->ptr, &heaps[i]))
			return -1;
	return i;
}
