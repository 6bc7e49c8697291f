/*
 * churn: start and end many short threads, then exit.
 *
 *   churn [-n COUNT] [-j AT_ONCE] [-d MS]      (1000 threads, 4 at once)
 *
 * First line: pid=N count=N.  Then churn waits until a debugger is
 * attached (IsDebuggerPresent, which reads PEB.BeingDebugged), so that
 * the debugger sees every thread from its start; with -d it starts after
 * MS ms instead, debugger or not.  It runs COUNT threads, AT_ONCE at a
 * time: thread I (from 1) starts at the exported churn!churner and ends
 * at once with exit code I.  Each thread is counted as created when
 * CreateThread returns, and as exited when its handle is signaled with
 * the right exit code.  Last line: created=N exited=N; the exit code is
 * 0 when both are COUNT, 1 otherwise.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAXJ	64	/* WaitForMultipleObjects takes at most 64 handles */

static volatile LONG ran;

/* Exported, so a debugger names each thread's start churn!churner. */
__declspec(dllexport) DWORD WINAPI
churner(void *arg)
{
	InterlockedIncrement(&ran);
	return (DWORD)(uintptr_t)arg;
}

int
main(int argc, char *argv[])
{
	unsigned long count = 1000, atonce = 4, delay = 0, created = 0,
	    exited = 0, i, j, k;
	HANDLE h[MAXJ];
	DWORD code;
	int c;

	while ((c = getopt(argc, argv, "d:j:n:")) != -1)
		switch (c) {
		case 'd': delay = strtoul(optarg, NULL, 0); break;
		case 'j': atonce = strtoul(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		default: goto bad;
		}
	if (optind < argc || count == 0 || atonce == 0 || atonce > MAXJ)
		goto bad;
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu count=%lu\n", GetCurrentProcessId(), count);
	if (delay > 0)
		Sleep(delay);
	else
		while (!IsDebuggerPresent())
			Sleep(10);

	for (i = 1; i <= count; i += k) {
		for (k = 0; k < atonce && i + k <= count; k++) {
			h[k] = CreateThread(NULL, 64 * 1024, churner,
			    (void *)(uintptr_t)(i + k),
			    STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
			if (h[k] == NULL) {
				fprintf(stderr, "churn: CreateThread: error %lu\n",
				    GetLastError());
				return 1;
			}
			created++;
		}
		WaitForMultipleObjects((DWORD)k, h, TRUE, INFINITE);
		for (j = 0; j < k; j++) {
			if (GetExitCodeThread(h[j], &code) && code == i + j)
				exited++;
			CloseHandle(h[j]);
		}
	}
	printf("created=%lu exited=%lu\n", created, exited);
	return created == count && exited == count ? 0 : 1;
bad:
	fprintf(stderr, "usage: churn [-n count] [-j 1..64] [-d ms]\n");
	return 2;
}
