/* teb.h: where a process keeps its threads' TEBs and stacks, its PEB and its heaps. */
#ifndef DBGKIT_TEB_H
#define DBGKIT_TEB_H

#include <windows.h>

#include "cpu.h"

/*
 * Every thread has a Thread Environment Block: its NT_TIB starts it
 * (exception list, stack base, stack limit, ..., a pointer to itself),
 * and it points to the process's PEB.  A WOW64 thread has two, one for
 * each bitness; the program's own code uses the 32-bit one.
 *   Source: Microsoft docs, "NT_TIB structure" (winnt.h) and "TEB
 *   structure" (winternl.h); ReactOS, sdk/include/ndk/pstypes.h.
 */

/*
 * The thread's TEB as the target's own code sees it: for a WOW64 target,
 * the 32-bit one.  FALSE (last error set) if it cannot be found.
 */
BOOL teb_find(HANDLE process, const struct cpu *cpu, HANDLE thread,
    addr_t *teb);

/*
 * The stack the TEB describes: StackBase (its top, exclusive), StackLimit
 * (the lowest committed address: the guard page is just below) and
 * DeallocationStack (the bottom of the whole reservation).  FALSE (last
 * error set) if the TEB cannot be read.
 */
BOOL teb_stack(HANDLE process, const struct cpu *cpu, addr_t teb,
    addr_t *base, addr_t *limit, addr_t *reserve);

/*
 * The PEB the target's code uses, the one its TEB (any thread's, from
 * teb_find) points to, into *peb; and in *peb64 the 64-bit PEB a 64-bit
 * tool is told of for a WOW64 target (0 if the same or none).  FALSE
 * (last error set) if they cannot be read.
 */
BOOL peb_find(HANDLE process, const struct cpu *cpu, addr_t teb, addr_t *peb,
    addr_t *peb64);

/*
 * The process's heaps, from its PEB: ProcessHeaps, NumberOfHeaps long,
 * or only ProcessHeap (the default heap) where that list is empty.  Up
 * to max handles (each the heap's base address) into heaps; returns how
 * many, or -1 (last error set) if the PEB cannot be read.
 */
int peb_heaps(HANDLE process, const struct cpu *cpu, addr_t peb, addr_t *heaps,
    int max);

#endif
