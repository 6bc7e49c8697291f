/*
 * dr_self: a program that uses a debug register itself, as some
 * protected programs do: a write watch on a variable of its own.
 *
 *   dr_self [-d MS]      (a round every MS ms, default 100)
 *
 * First line: pid=N watched=ADDRESS poke=ADDRESS.  The main thread puts
 * DR0 on its own variable watched (write, 4 bytes, enabled in DR7's L0),
 * with SetThreadContext on itself.  Each round it calls poke() (exported:
 * "dr_self!poke"), whose one instruction adds one to watched, so DR0
 * fires: the CPU raises EXCEPTION_SINGLE_STEP with B0 set in DR6, and the
 * program's own handler catches it.  After each round it prints
 *
 *     round N caught M stray S dr0=same
 *
 * caught: DR0's exceptions its handler saw; stray: single-step exceptions
 * without B0, which it never raised; dr0: DR0 and DR7's slot 0 as it set
 * them, read back with GetThreadContext ("changed" if someone took them).
 * Whatever a debugger does, caught = N and stray = 0.  DR1-DR3 stay free.
 *
 * (Under Wine 8, a thread whose debug register fires while a debug event
 * of another thread stops the process can wedge; lesson 5.  So when a
 * debugger attaches, the program leaves a second for its break-in thread
 * to come and go before it pokes again.)
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ASM_EXPORT(s)	".section .drectve\n\t.ascii \" -export:" #s "\"\n\t.text\n"

__declspec(dllexport) volatile LONG watched;
static volatile LONG caught, stray;

/* poke: one write to watched. */
void poke(void);
#ifdef _WIN64
__asm__(ASM_EXPORT(poke) ".globl poke\npoke:\n\t"
    "lock incl watched(%rip)\n\t"
    "ret\n");
#else
__asm__(ASM_EXPORT(poke) ".globl _poke\n_poke:\n\t"
    "lock incl _watched\n\t"
    "ret\n");
#endif

#define DR7_SLOT0	0x000f0003u	/* L0, G0, RW0 and LEN0 */
#define DR7_WATCH	0x000d0001u	/* L0, RW0 = 01 (write), LEN0 = 11 (4) */

static LONG CALLBACK
on_exception(EXCEPTION_POINTERS *ep)
{
	if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_SINGLE_STEP)
		return EXCEPTION_CONTINUE_SEARCH;
	if (ep->ContextRecord->Dr6 & 1)
		InterlockedIncrement(&caught);
	else
		InterlockedIncrement(&stray);
	return EXCEPTION_CONTINUE_EXECUTION;
}

/* Whether DR0 and DR7's slot 0 are as the program set them. */
static int
dr0_same(void)
{
	CONTEXT c;

	memset(&c, 0, sizeof(c));
	c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
	return GetThreadContext(GetCurrentThread(), &c) &&
	    c.Dr0 == (uintptr_t)&watched && (c.Dr7 & DR7_SLOT0) == DR7_WATCH;
}

int
main(int argc, char *argv[])
{
	unsigned long delay = 100, round;
	BOOL debugged = FALSE;
	CONTEXT c;
	int ch;

	while ((ch = getopt(argc, argv, "d:")) != -1)
		switch (ch) {
		case 'd': delay = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: dr_self [-d ms]\n");
			return 2;
		}
	setvbuf(stdout, NULL, _IONBF, 0);
	AddVectoredExceptionHandler(1, on_exception);
	memset(&c, 0, sizeof(c));
	c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
	c.Dr0 = (uintptr_t)&watched;
	c.Dr7 = DR7_WATCH;
	if (!SetThreadContext(GetCurrentThread(), &c)) {
		fprintf(stderr, "dr_self: SetThreadContext: error %lu\n",
		    GetLastError());
		return 1;
	}
	printf("pid=%lu watched=0x%llx poke=0x%llx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)&watched,
	    (unsigned long long)(uintptr_t)poke);
	for (round = 1;; round++) {
		if (IsDebuggerPresent() != debugged) {
			debugged = !debugged;
			if (debugged)
				Sleep(1000);
		}
		poke();
		printf("round %lu caught %ld stray %ld dr0=%s\n", round, caught,
		    stray, dr0_same() ? "same" : "changed");
		Sleep(delay);
	}
}
