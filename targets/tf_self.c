/*
 * tf_self: a program that single-steps itself, as some protected programs
 * do: once a round it sets TF (pushf, or 0x100, popf) and catches the
 * EXCEPTION_SINGLE_STEP that follows in a vectored handler.
 *
 * First line: pid=N marker=ADDRESS trapped=ADDRESS.  Then "round N
 * caught M" each round; M stays equal to N unless a debugger swallows an
 * exception that was the program's own.  marker() is exported, so
 * "tf_self!marker" names it; so is trapped, the nop after the popf, the
 * one instruction that runs with the program's own TF set.
 *
 * (Under Wine 8, a thread with a debug register enabled whose trap comes
 * while a debug event of another thread stops the process can wedge;
 * lesson 5.  So when a debugger attaches, the program leaves a second for
 * its break-in thread to come and go before its next round.)
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>

/* What dllexport does for a C function, for a label in assembly. */
#define ASM_EXPORT(s)	".section .drectve\n\t.ascii \" -export:" #s "\"\n\t.text\n"
#ifdef _WIN64
#define SYM(s)	#s
#else
#define SYM(s)	"_" #s
#endif

static volatile LONG caught;

static LONG CALLBACK
on_exception(EXCEPTION_POINTERS *ep)
{
	if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_SINGLE_STEP)
		return EXCEPTION_CONTINUE_SEARCH;
	caught++;
	return EXCEPTION_CONTINUE_EXECUTION;
}

__declspec(dllexport) __attribute__((noinline)) void
marker(void)
{
	__asm__ volatile("");
}

/* The label on the nop after the popf, in main(). */
extern const char trapped[];
__asm__(ASM_EXPORT(trapped));

/* Exported too, so that its code reads "tf_self!main+...". */
__declspec(dllexport) int
main(void)
{
	unsigned long round;
	BOOL debugged = FALSE;

	setvbuf(stdout, NULL, _IONBF, 0);
	AddVectoredExceptionHandler(1, on_exception);
	printf("pid=%lu marker=0x%llx trapped=0x%llx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)marker,
	    (unsigned long long)(uintptr_t)trapped);
	for (round = 1;; round++) {
		if (IsDebuggerPresent() != debugged) {
			debugged = !debugged;
			if (debugged)
				Sleep(1000);
		}
#ifdef _WIN64
		__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n"
		    ".globl " SYM(trapped) "\n" SYM(trapped) ":\n\tnop" ::: "memory", "cc");
#else
		__asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n"
		    ".globl " SYM(trapped) "\n" SYM(trapped) ":\n\tnop" ::: "memory", "cc");
#endif
		marker();
		printf("round %lu caught %ld\n", round, caught);
		Sleep(100);
	}
}
