/*
 * churn: start and end many short threads, then exit.
 *
 *   churn [-n COUNT] [-j AT_ONCE] [-d MS]      (1000 threads, 4 at once)
 *
 * First line: pid=N count=N leave=ADDRESS.  Then churn waits until a
 * debugger is attached (IsDebuggerPresent, which reads PEB.BeingDebugged),
 * so that the debugger sees every thread from its start, and a second
 * more for the debugger's break-in thread to come and go; with -d it
 * starts after MS ms instead, debugger or not.  It runs COUNT threads,
 * AT_ONCE at a time: thread I (from 1) starts at the exported
 * churn!churner and ends at once with exit code I.  Each thread is counted
 * as created when CreateThread returns, as run when churner counts it,
 * and as exited when its handle is signaled with the right exit code.
 * The last two lines: ran=N, then created=N exited=N; the exit code is 0
 * when all three are COUNT, 1 otherwise.
 *
 * leave is the instruction on which a thread's last system call leaves
 * user mode, found in ntdll's NtTerminateThread as programs that make
 * their own system calls find it: a thread single-stepped there ends
 * before its step does (0 if the stub has a shape not known here).
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAXJ	64	/* WaitForMultipleObjects takes at most 64 handles */

static volatile LONG ran;

/*
 * The stub of NtTerminateThread.  x64: "mov r10, rcx; mov eax, N", then
 * Windows' "test byte [0x7ffe0308], 1; jne; syscall" at +0x12, or, where
 * that byte is 1 (Wine), a jump on to "call [0x7ffe1000]" at +0x18.
 * x86 and WOW64: "mov eax, N; mov edx, GATE; call edx", and GATE's first
 * instruction jumps out of user mode (Windows' Wow64SystemServiceCall,
 * Wine's system call dispatcher).
 */
static uintptr_t
leave_point(void)
{
	const unsigned char *p = (const unsigned char *)(uintptr_t)
	    GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtTerminateThread");

	if (p == NULL)
		return 0;
#ifdef _WIN64
	if (p[0] != 0x4c || p[3] != 0xb8 || p[0x10] != 0x75)
		return 0;
	if (!(*(volatile unsigned char *)0x7ffe0308 & 1) && p[0x12] == 0x0f &&
	    p[0x13] == 0x05)
		return (uintptr_t)(p + 0x12);		/* syscall */
	if (p[0x18] == 0xff && p[0x19] == 0x14 && p[0x1a] == 0x25)
		return (uintptr_t)(p + 0x18);		/* call [0x7ffe1000] */
	return 0;
#else
	if (p[0] != 0xb8 || p[5] != 0xba || p[10] != 0xff || p[11] != 0xd2)
		return 0;
	return *(const uint32_t *)(p + 6);		/* GATE */
#endif
}

/*
 * Exported, so a debugger names each thread's start churn!churner.  On a
 * page of its own: a guard page on it guards nothing the main thread runs.
 */
__declspec(dllexport) __attribute__((section(".text$churner"), aligned(4096)))
DWORD WINAPI
churner(void *arg)
{
	InterlockedIncrement(&ran);
	return (DWORD)(uintptr_t)arg;
}
__asm__(".section .text$churner$end,\"x\"\n\t.balign 4096\n\t.text\n");

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
	printf("pid=%lu count=%lu leave=0x%llx\n", GetCurrentProcessId(), count,
	    (unsigned long long)leave_point());
	if (delay > 0)
		Sleep(delay);
	else {
		while (!IsDebuggerPresent())
			Sleep(10);
		Sleep(1000);
	}

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
	printf("ran=%ld\n", ran);
	printf("created=%lu exited=%lu\n", created, exited);
	return created == count && exited == count &&
	    (unsigned long)ran == count ? 0 : 1;
bad:
	fprintf(stderr, "usage: churn [-n count] [-j 1..64] [-d ms]\n");
	return 2;
}
