/*
 * race: several threads running through the same function, fast.
 *
 *   race [-p PAUSE] [N]      (N threads, default 4)
 *
 * First line: pid=N threads=N work=ADDRESS calls=ADDRESS.  Each thread
 * calls work() (exported: "race!work") over and over, with a short busy
 * pause between calls (PAUSE rounds of a spin loop, default 2000).  The
 * first instruction of work() adds one to "race!calls", so the count is
 * exact: a call is counted exactly when that instruction runs, and a
 * breakpoint on work() stops a thread just before it.  Once a second the
 * main thread prints "calls N".
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

static DWORD WINAPI __attribute__((noreturn))
runner(void *arg)
{
	volatile unsigned long i;

	(void)arg;
	for (;;) {
		work();
		for (i = 0; i < pause_rounds; i++)
			;
	}
}

int
main(int argc, char *argv[])
{
	unsigned long n = 4, k;
	int c;

	while ((c = getopt(argc, argv, "p:")) != -1)
		switch (c) {
		case 'p': pause_rounds = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: race [-p pause] [threads]\n");
			return 2;
		}
	if (optind < argc)
		n = strtoul(argv[optind], NULL, 0);
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu threads=%lu work=0x%llx calls=0x%llx\n",
	    GetCurrentProcessId(), n, (unsigned long long)(uintptr_t)work,
	    (unsigned long long)(uintptr_t)&calls);
	for (k = 0; k < n; k++)
		CloseHandle(CreateThread(NULL, 0, runner, NULL, 0, NULL));
	for (;;) {
		Sleep(1000);
		printf("calls %ld\n", calls);
	}
}
