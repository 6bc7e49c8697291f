/*
 * tf_self: a program that single-steps itself, as some protected programs
 * do: once a round it sets TF (pushf, or 0x100, popf) and catches the
 * EXCEPTION_SINGLE_STEP that follows in a vectored handler.
 *
 * First line: pid=N marker=ADDRESS.  Then "round N caught M" each round;
 * M stays equal to N unless a debugger swallows an exception that was the
 * program's own.  marker() is exported, so "tf_self!marker" names it.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>

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

/* Exported too, so that its code reads "tf_self!main+...". */
__declspec(dllexport) int
main(void)
{
	unsigned long round;

	setvbuf(stdout, NULL, _IONBF, 0);
	AddVectoredExceptionHandler(1, on_exception);
	printf("pid=%lu marker=0x%llx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)marker);
	for (round = 1;; round++) {
#ifdef _WIN64
		__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop" ::: "memory", "cc");
#else
		__asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\tnop" ::: "memory", "cc");
#endif
		marker();
		printf("round %lu caught %ld\n", round, caught);
		Sleep(100);
	}
}
