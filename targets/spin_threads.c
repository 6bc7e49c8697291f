/*
 * spin_threads: start N named worker threads that sleep in a loop.
 *
 *   spin_threads [-wx] [-l LATE] [-d MS] [-p MS] [N]     (N defaults to 4)
 *
 * First line: pid=N threads=N tids=ID,ID,...  Each worker is named
 * "worker-K" with SetThreadDescription where Windows has it.  Worker K
 * calls work() (exported: "spin_threads!work") once a second, in its own
 * 60 ms slot, and sleeps the rest of the time.  Past 16 workers the slots
 * wrap around the second, and past 50 some workers share one.  With -l,
 * LATE more workers start MS ms later (default 1000), and a line
 * "late tids=ID,..." says so; with -w, MS ms after a debugger attaches,
 * so that a lesson can count on the debugger seeing them start.  With -x, each late worker exits after
 * three calls, and prints "exit tid=ID".
 *
 * With -p, any number of workers take turns: each calls work() once
 * every MS ms, the calls of all N + LATE workers evenly spaced across
 * that period, and never two at once (a lock around the call), even after
 * the process was stopped for a while and many sleeps ran out together.
 * Nor does a call meet the start of a late worker, or the end of a
 * debugger's break-in thread: the late workers start while the lock is
 * held, and it is let go once they all run; and when a debugger
 * attaches, the calls wait a second for its break-in thread to end.
 * With -x, a late worker exits right after its call, a whole turn
 * before the next call of any worker.
 * This is for hardware breakpoints on work() under Wine 8: for each
 * debug event (a hit, a thread's start or end) a debugger stops every
 * thread, and a thread caught at that moment in a hardware breakpoint's
 * trap can wedge.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef HRESULT (WINAPI *setdesc_fn)(HANDLE, PCWSTR);

#define SLOT	60	/* ms */
#define SETTLE	1000	/* ms, with -p */

static volatile LONG works, running;
static int late_exit;		/* -x */
static unsigned long nearly;	/* workers numbered above this are late */
static DWORD period;		/* -p, in ms; 0 without -p */
static unsigned long nall;	/* early and late workers */
static DWORD t0;		/* GetTickCount() before the first one started */
static CRITICAL_SECTION turn;	/* -p: one worker in work() at a time */

__declspec(dllexport) __attribute__((noinline)) void
work(void)
{
	InterlockedIncrement(&works);
}

/*
 * Sleep until worker k's call number calls.  Without -p: its slot, then a
 * second between calls.  With -p: its turn, (k - 1) * period / nall ms
 * into each period, counted from t0 rather than from the last call, so
 * that the workers never drift into each other.
 */
static void
wait_turn(unsigned long k, unsigned long calls)
{
	DWORD at, now;

	if (period == 0) {
		Sleep(calls == 1 ? (DWORD)(k * SLOT % 1000) : 1000);
		return;
	}
	at = (DWORD)((unsigned long long)(k - 1) * period / nall);
	now = GetTickCount() - t0;
	if (now >= at)
		at += ((now - at) / period + 1) * period;
	Sleep(at - now);
}

/*
 * -p, with the lock held: when a debugger has just attached, hold every
 * call back for a while, so that its break-in thread can end (a debug
 * event) before the first call.
 */
static void
let_debugger_settle(void)
{
	static BOOL debugged;

	if (IsDebuggerPresent() == debugged)
		return;
	debugged = !debugged;
	if (debugged)
		Sleep(SETTLE);
}

/* Exported too, so a thread's start address reads spin_threads!worker. */
__declspec(dllexport) DWORD WINAPI __attribute__((noreturn))
worker(void *arg)
{
	unsigned long k = (unsigned long)(uintptr_t)arg, calls;

	InterlockedIncrement(&running);
	for (calls = 1;; calls++) {
		wait_turn(k, calls);
		if (period != 0) {
			EnterCriticalSection(&turn);
			let_debugger_settle();
		}
		work();
		if (period != 0)
			LeaveCriticalSection(&turn);
		if (late_exit && k > nearly && calls == 3) {
			printf("exit tid=%lu\n", GetCurrentThreadId());
			ExitThread(0);
		}
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
	int c, wait_debugger = 0;

	while ((c = getopt(argc, argv, "d:l:p:wx")) != -1)
		switch (c) {
		case 'd': delay = strtoul(optarg, NULL, 0); break;
		case 'l': late = strtoul(optarg, NULL, 0); break;
		case 'p': period = strtoul(optarg, NULL, 0); break;
		case 'w': wait_debugger = 1; break;
		case 'x': late_exit = 1; break;
		default: goto bad;
		}
	if (optind < argc)
		n = strtoul(argv[optind], NULL, 0);
	if (n == 0 || n > 4096 || late > 4096 || period > 3600000)
		goto bad;
	nearly = n;
	nall = n + late;
	InitializeCriticalSection(&turn);
	t0 = GetTickCount();
	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(head, sizeof(head), "pid=%lu threads=%lu tids=",
	    GetCurrentProcessId(), n);
	start_workers(1, n, head);
	if (late > 0) {
		while (wait_debugger && !IsDebuggerPresent())
			Sleep(10);
		Sleep(delay);
		/* With -p, no call of work() until every late worker runs. */
		EnterCriticalSection(&turn);
		start_workers(n + 1, late, "late tids=");
		while ((unsigned long)running < nall)
			Sleep(1);
		LeaveCriticalSection(&turn);
	}
	for (;;)
		Sleep(1000);
bad:
	fprintf(stderr, "usage: spin_threads [-wx] [-l late] [-d ms] [-p ms] [1..4096]\n");
	return 2;
}
