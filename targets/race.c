/*
 * race: several threads running through the same function, fast.
 *
 *   race [-p PAUSE] [-n CALLS] [N]      (N threads, default 4)
 *
 * First line: pid=N threads=N work=ADDRESS calls=ADDRESS.  Each thread
 * calls work() (exported: "race!work") over and over, with a short busy
 * pause between calls (PAUSE rounds of a spin loop, default 2000).  The
 * first instruction of work() adds one to "race!calls", so the count is
 * exact: a call is counted exactly when that instruction runs, and a
 * breakpoint on work() stops a thread just before it.  Once a second the
 * main thread prints "calls N".  With -n, each thread makes CALLS calls
 * and ends; once all have, the main thread prints "done calls=N" (their
 * sum, counted by work() itself) and race exits.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__declspec(dllexport) volatile LONG calls;

#ifdef _WIN64
#define CALLS	"calls(%rip)"
#else
#define CALLS	"_calls"
#endif

/* Count the call, in the function's very first instruction, and return. */
__declspec(dllexport) __attribute__((naked, noinline)) void
work(void)
{
	__asm__("lock incl " CALLS "\n\tret");
}

static unsigned long pause_rounds = 2000;
static unsigned long ncalls;	/* -n: calls per thread; 0 = without end */

static DWORD WINAPI
runner(void *arg)
{
	volatile unsigned long i;
	unsigned long k;

	(void)arg;
	for (k = 0; ncalls == 0 || k < ncalls; k++) {
		work();
		for (i = 0; i < pause_rounds; i++)
			;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	unsigned long n = 4, k;
	HANDLE *th;
	int c;

	while ((c = getopt(argc, argv, "n:p:")) != -1)
		switch (c) {
		case 'n': ncalls = strtoul(optarg, NULL, 0); break;
		case 'p': pause_rounds = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: race [-p pause] [-n calls] [threads]\n");
			return 2;
		}
	if (optind < argc)
		n = strtoul(argv[optind], NULL, 0);
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu threads=%lu work=0x%llx calls=0x%llx\n",
	    GetCurrentProcessId(), n, (unsigned long long)(uintptr_t)work,
	    (unsigned long long)(uintptr_t)&calls);
	if ((th = calloc(n ? n : 1, sizeof(*th))) == NULL)
		return 1;
	for (k = 0; k < n; k++)
		th[k] = CreateThread(NULL, 0, runner, NULL, 0, NULL);
	if (ncalls != 0) {
		for (k = 0; k < n; k++)
			WaitForSingleObject(th[k], INFINITE);
		printf("done calls=%ld\n", calls);
		return 0;
	}
	for (;;) {
		Sleep(1000);
		printf("calls %ld\n", calls);
	}
}
