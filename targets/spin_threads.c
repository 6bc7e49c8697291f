/*
 * spin_threads: start N named worker threads that sleep in a loop.
 *
 *   spin_threads [-x] [-l LATE] [-d MS] [N]      (N defaults to 4)
 *
 * First line: pid=N threads=N tids=ID,ID,...  Each worker is named
 * "worker-K" with SetThreadDescription where Windows has it.  Worker K
 * calls work() (exported: "spin_threads!work") once a second, in its own
 * 60 ms slot, so no two workers are ever in it at the same moment, and
 * sleeps the rest of the time.  With -l, LATE more workers start MS ms
 * later (default 1000), and a line "late tids=ID,..." says so.  With -x,
 * each late worker exits after three calls, and prints "exit tid=ID".
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef HRESULT (WINAPI *setdesc_fn)(HANDLE, PCWSTR);

#define SLOT	60	/* ms */

static volatile LONG works;
static int late_exit;		/* -x */
static unsigned long nearly;	/* workers numbered above this are late */

__declspec(dllexport) __attribute__((noinline)) void
work(void)
{
	InterlockedIncrement(&works);
}

/* Exported too, so a thread's start address reads spin_threads!worker. */
__declspec(dllexport) DWORD WINAPI __attribute__((noreturn))
worker(void *arg)
{
	unsigned long k = (unsigned long)(uintptr_t)arg, calls;

	Sleep((DWORD)(k * SLOT % 1000));
	for (calls = 1;; calls++) {
		work();
		if (late_exit && k > nearly && calls == 3) {
			printf("exit tid=%lu\n", GetCurrentThreadId());
			ExitThread(0);
		}
		Sleep(1000);
	}
}

/* Start n workers numbered from first; print "label=ID,ID,...". */
static void
start_workers(unsigned long first, unsigned long n, const char *label)
{
	static setdesc_fn setdesc;
	static int looked;
	unsigned long i;
	WCHAR name[32];
	DWORD tid;
	HANDLE h;

	/* Windows 10 1607 and later; look it up so older systems still run. */
	if (!looked) {
		setdesc = (setdesc_fn)(void *)GetProcAddress(
		    GetModuleHandleA("kernel32.dll"), "SetThreadDescription");
		looked = 1;
	}
	printf("%s", label);
	for (i = 0; i < n; i++) {
		h = CreateThread(NULL, 64 * 1024, worker,
		    (void *)(uintptr_t)(first + i), STACK_SIZE_PARAM_IS_A_RESERVATION,
		    &tid);
		if (h == NULL)
			exit(1);
		if (setdesc != NULL) {
			swprintf(name, sizeof(name) / sizeof(name[0]),
			    L"worker-%lu", first + i);
			setdesc(h, name);
		}
		CloseHandle(h);
		printf("%s%lu", i > 0 ? "," : "", tid);
	}
	printf("\n");
}

int
main(int argc, char *argv[])
{
	unsigned long n = 4, late = 0, delay = 1000;
	char head[64];
	int c;

	while ((c = getopt(argc, argv, "d:l:x")) != -1)
		switch (c) {
		case 'd': delay = strtoul(optarg, NULL, 0); break;
		case 'l': late = strtoul(optarg, NULL, 0); break;
		case 'x': late_exit = 1; break;
		default: goto bad;
		}
	if (optind < argc)
		n = strtoul(argv[optind], NULL, 0);
	if (n == 0 || n > 4096 || late > 4096)
		goto bad;
	nearly = n;
	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(head, sizeof(head), "pid=%lu threads=%lu tids=",
	    GetCurrentProcessId(), n);
	start_workers(1, n, head);
	if (late > 0) {
		Sleep(delay);
		start_workers(n + 1, late, "late tids=");
	}
	for (;;)
		Sleep(1000);
bad:
	fprintf(stderr, "usage: spin_threads [-x] [-l late] [-d ms] [1..4096]\n");
	return 2;
}
