/*
 * flags: a program that saves and restores its flags around the spot a
 * debugger breaks on (pushf ... popf, as compiled code does around code
 * that must not disturb them), and checks that no one else's flags got in.
 *
 *   flags [-d MS]      (a round every MS ms, default 100)
 *
 * First line: pid=N saveflags=ADDRESS calls=ADDRESS.  Each round calls
 * saveflags() ten times.  saveflags (exported: "flags!saveflags") sits
 * alone on its page of code and is
 *
 *     pushf; mov (%esp), %eax; popf; nop; ret
 *
 * returning the flags as it pushed them.  A debugger that single-steps
 * the pushf with its trap flag set copies TF onto the stack: the function
 * returns it, and the popf loads it, which raises a single-step exception
 * that is nobody's.  The program's own handler counts such exceptions
 * (and clears TF, so that it lives on).  After each round it prints
 *
 *     round N calls=C tf=T stray=S code=same
 *
 * calls: its calls to saveflags(), also in the exported "flags!calls";
 * tf: calls whose pushed flags held TF; stray: single-step exceptions it
 * never raised; code: saveflags' bytes against a checksum taken at the
 * start ("changed" while a software breakpoint is in).  Whatever a
 * debugger does, calls = 10 N, tf = 0 and stray = 0.
 *
 * (Under Wine 8, a thread whose debug register fires while a debug event
 * of another thread stops the process can wedge; lesson 5.  So when a
 * debugger attaches, the program leaves a second for its break-in thread
 * to come and go before its next round.)
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* What dllexport does for a C function, for one written in assembly. */
#define ASM_EXPORT(s)	".section .drectve\n\t.ascii \" -export:" #s "\"\n\t"
#ifdef _WIN64
#define SYM(s)	#s
#define SP	"%rsp"
#define AX	"%rax"
#else
#define SYM(s)	"_" #s
#define SP	"%esp"
#define AX	"%eax"
#endif

__declspec(dllexport) volatile LONG calls;
static volatile LONG stray;

/* On a page of its own, so that a guard page on it guards nothing else. */
uintptr_t saveflags(void);
__asm__(ASM_EXPORT(saveflags)
    ".section .text$flags,\"x\"\n\t.balign 4096\n\t.globl " SYM(saveflags) "\n"
    SYM(saveflags) ":\n\t"
    "pushf\n\t"
    "mov (" SP "), " AX "\n\t"
    "popf\n\t"
    "nop\n\t"
    "ret\n\t"
    ".balign 4096\n\t.text\n");

#define CODE_BYTES	8	/* pushf .. ret */

static uint32_t
crc_of_code(void)
{
	const unsigned char *p = (const unsigned char *)(uintptr_t)saveflags;
	uint32_t crc = 0xffffffff;
	int i, k;

	for (i = 0; i < CODE_BYTES; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

/* Every single-step that reaches the program is one it never asked for. */
static LONG CALLBACK
on_exception(EXCEPTION_POINTERS *ep)
{
	if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_SINGLE_STEP)
		return EXCEPTION_CONTINUE_SEARCH;
	InterlockedIncrement(&stray);
	ep->ContextRecord->EFlags &= ~0x100u;
	return EXCEPTION_CONTINUE_EXECUTION;
}

int
main(int argc, char *argv[])
{
	unsigned long delay = 100, round, tf = 0;
	uint32_t crc = crc_of_code();
	BOOL debugged = FALSE;
	int c, i;

	while ((c = getopt(argc, argv, "d:")) != -1)
		switch (c) {
		case 'd': delay = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: flags [-d ms]\n");
			return 2;
		}
	setvbuf(stdout, NULL, _IONBF, 0);
	AddVectoredExceptionHandler(1, on_exception);
	printf("pid=%lu saveflags=0x%llx calls=0x%llx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)saveflags,
	    (unsigned long long)(uintptr_t)&calls);
	for (round = 1;; round++) {
		if (IsDebuggerPresent() != debugged) {
			debugged = !debugged;
			if (debugged)
				Sleep(1000);
		}
		for (i = 0; i < 10; i++) {
			if (saveflags() & 0x100)
				tf++;
			calls++;
		}
		printf("round %lu calls=%ld tf=%lu stray=%ld code=%s\n", round,
		    calls, tf, stray, crc_of_code() == crc ? "same" : "changed");
		Sleep(delay);
	}
}
