/*
 * deep: a known chain of calls, stopped at its deepest point, for lesson 10.
 *
 * main calls outer(), outer calls middle(3), middle recurses down to
 * middle(1), which calls inner(), which calls rest(), which sleeps in a
 * loop.  The makefile builds it twice: deep.exe keeps its frame pointers
 * (-O0), deep-fpo.exe has none on x86 (-O2 -fomit-frame-pointer), which is
 * what breaks a walk along EBP.
 *
 * Each function of the chain notes where it will return to (the return
 * address its caller's call pushed) and the caller's stack pointer after
 * that return (the CFA: the address just above the return address).
 * First line: pid=N tid=T (the sleeping thread), then one word per
 * frame, innermost first, as a stack walk must find them:
 *   rest=RET/SP inner=RET/SP middle=RET/SP ... main=RET/SP
 * RET is an address in the caller (for rest, in inner), SP the caller's
 * stack pointer there.  middle's arguments are (depth, 0x1d1d1d1d,
 * 0x2e2e2e2e), for `stack -a`; outer's are (0x0badf00d, 0x5eed5eed).
 *
 * deep -b breaks the chain: middle(2) writes 0x1234 two pointers below
 * its return address, where deep.exe (which keeps frame pointers) has
 * saved middle(3)'s EBP or RBP.  It never returns, so it does not crash.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define EXPORT	__declspec(dllexport)
/* Never inlined, cloned or merged: each call stays a real call. */
#define CHAIN	EXPORT __attribute__((noinline, noipa))

#define TAG1	0x1d1d1d1d
#define TAG2	0x2e2e2e2e

enum { REST, INNER, MIDDLE1, MIDDLE2, MIDDLE3, OUTER, MAIN, NFRAMES };
static const char *const names[NFRAMES] = {
	"rest", "inner", "middle", "middle", "middle", "outer", "main"
};
static struct { void *ret, *cfa; } frames[NFRAMES];
volatile int effect;		/* keeps each call from being a tail call */
volatile int wake;		/* never set: rest() could return, but does not */
static int smash;		/* -b */

/* Note where the function that calls this one returns to. */
#define NOTE(i) do { \
	frames[i].ret = __builtin_return_address(0); \
	frames[i].cfa = __builtin_dwarf_cfa(); \
} while (0)

CHAIN void
rest(void)
{
	int i;

	NOTE(REST);
	printf("pid=%lu tid=%lu", GetCurrentProcessId(), GetCurrentThreadId());
	for (i = 0; i < NFRAMES; i++)
		printf(" %s=0x%llx/0x%llx", names[i],
		    (unsigned long long)(uintptr_t)frames[i].ret,
		    (unsigned long long)(uintptr_t)frames[i].cfa);
	printf("\n");
	fflush(stdout);
	while (!wake)
		Sleep(1000);
}

CHAIN int
inner(void)
{
	NOTE(INNER);
	rest();
	return effect + 1;
}

CHAIN int
middle(int depth, int tag1, int tag2)
{
	NOTE(MIDDLE1 + depth - 1);	/* middle(1) is the innermost */
	if (smash && depth == 2)
		((void **)frames[MIDDLE2].cfa)[-2] = (void *)0x1234;
	if (depth == 1)
		return inner() + tag1;
	return middle(depth - 1, tag1, tag2) + tag2 + effect;
}

CHAIN int
outer(int a, int b)
{
	NOTE(OUTER);
	return middle(3, TAG1, TAG2) + a + b + effect;
}

/* Exported too, so that a walk names it "deep!main". */
EXPORT int
main(int argc, char *argv[])
{
	NOTE(MAIN);
	smash = argc > 1 && strcmp(argv[1], "-b") == 0;
	effect = outer(0x0badf00d, 0x5eed5eed);
	return 0;
}
