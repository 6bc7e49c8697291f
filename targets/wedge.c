/*
 * wedge: a thread that stops answering a debugger, as a wedged one does.
 *
 * Under Wine, another process reads a thread's registers by sending it
 * Wine's suspend signal (SIGUSR1 on Linux); the thread's handler hands
 * its context over.  A thread that has the signal blocked never answers:
 * GetThreadContext on it waits forever.  That is how a thread wedges in
 * Wine 8 when it hits a hardware breakpoint at the wrong moment (README,
 * "Known limits under Wine"), and a debugger's cleanup must not hang on
 * it.  This program makes such a thread on purpose.
 *
 * First line: pid=N tid=ID, ID being the second thread.  It reads its
 * own debug registers every 100 ms; once a debugger has set one (DR7 is
 * no longer 0), it blocks SIGUSR1 with a raw Linux system call, prints
 * "tid ID: deaf: DR7=X, SIGUSR1 blocked", and sleeps on.  Not under
 * Wine it says so and blocks nothing.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>

#define SIGUSR1_BIT	(1ull << (10 - 1))	/* Linux's SIGUSR1 is 10 */
#define SIG_BLOCK	0

/* rt_sigprocmask(SIG_BLOCK, {SIGUSR1}, NULL, 8), straight to Linux. */
static long
block_suspend_signal(void)
{
	static unsigned long long set = SIGUSR1_BIT;
	long ret;
#ifdef _WIN64
	register long len __asm__("r10") = sizeof(set);

	__asm__ volatile("syscall" : "=a"(ret) : "a"(14L), "D"((long)SIG_BLOCK),
	    "S"(&set), "d"(0L), "r"(len) : "rcx", "r11", "memory");
#else
	__asm__ volatile("push %%ebx\n\tmov %2, %%ebx\n\tint $0x80\n\tpop %%ebx"
	    : "=a"(ret) : "a"(175L), "r"((long)SIG_BLOCK), "c"(&set), "d"(0L),
	    "S"((long)sizeof(set)) : "memory");
#endif
	return ret;
}

static DWORD WINAPI __attribute__((noreturn))
listener(void *arg)
{
	CONTEXT c;

	(void)arg;
	for (;;) {
		Sleep(100);
		memset(&c, 0, sizeof(c));
		c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
		if (!GetThreadContext(GetCurrentThread(), &c) || c.Dr7 == 0)
			continue;
		printf("tid %lu: deaf: DR7=%llx, SIGUSR1 blocked (%ld)\n",
		    GetCurrentThreadId(), (unsigned long long)c.Dr7,
		    block_suspend_signal());
		for (;;)
			Sleep(1000);
	}
}

int
main(void)
{
	DWORD tid;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (GetProcAddress(GetModuleHandleA("ntdll.dll"), "wine_get_version") ==
	    NULL) {
		printf("pid=%lu tid=0 (not under Wine: no thread goes deaf)\n",
		    GetCurrentProcessId());
		for (;;)
			Sleep(1000);
	}
	CloseHandle(CreateThread(NULL, 0, listener, NULL, 0, &tid));
	printf("pid=%lu tid=%lu\n", GetCurrentProcessId(), tid);
	for (;;)
		Sleep(1000);
}
