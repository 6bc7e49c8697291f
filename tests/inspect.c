/*
 * inspect: look at a live process without debugging it, for the tests
 * that prove a tool left nothing behind.  Raw Win32 only, so it does not
 * share the code it checks.
 *
 *   inspect PID bytes ADDR N    N bytes of memory at ADDR, in hex
 *   inspect PID prot ADDR       the protection of ADDR's page, in hex
 *   inspect PID dr7             "TID DR7" for every thread
 *   inspect PID mem             "ws=BYTES private=BYTES": its working set
 *                               and private bytes (GetProcessMemoryInfo)
 *
 * Reading a thread's debug registers needs it stopped for a moment:
 * SuspendThread, GetThreadContext, ResumeThread; nothing else changes.
 */
#include <windows.h>
#include <psapi.h>
#include <tlhelp32.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
dr7_all(DWORD pid)
{
	THREADENTRY32 te = { .dwSize = sizeof(te) };
	HANDLE snap, h;
	BOOL more;
	int rc = 0;

	snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	for (more = Thread32First(snap, &te); more; more = Thread32Next(snap, &te)) {
		if (te.th32OwnerProcessID != pid)
			continue;
		h = OpenThread(THREAD_GET_CONTEXT | THREAD_SUSPEND_RESUME |
		    THREAD_QUERY_INFORMATION, FALSE, te.th32ThreadID);
		if (h == NULL) {
			rc = 1;
			continue;
		}
		SuspendThread(h);
#ifdef _WIN64
		BOOL wow = FALSE;
		HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
		IsWow64Process(p, &wow);
		CloseHandle(p);
		if (wow) {
			WOW64_CONTEXT c = { .ContextFlags = WOW64_CONTEXT_DEBUG_REGISTERS };
			if (Wow64GetThreadContext(h, &c))
				printf("%lu %lx\n", te.th32ThreadID, (unsigned long)c.Dr7);
			else
				rc = 1;
		} else
#endif
		{
			CONTEXT c;

			memset(&c, 0, sizeof(c));
			c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
			if (GetThreadContext(h, &c))
				printf("%lu %lx\n", te.th32ThreadID, (unsigned long)c.Dr7);
			else
				rc = 1;
		}
		ResumeThread(h);
		CloseHandle(h);
	}
	CloseHandle(snap);
	return rc;
}

static int
mem(DWORD pid)
{
	PROCESS_MEMORY_COUNTERS_EX pmc = { .cb = sizeof(pmc) };
	HANDLE p;

	if ((p = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
	    pid)) == NULL || !GetProcessMemoryInfo(p,
	    (PROCESS_MEMORY_COUNTERS *)&pmc, sizeof(pmc)))
		return 1;
	printf("ws=%llu private=%llu\n", (unsigned long long)pmc.WorkingSetSize,
	    (unsigned long long)pmc.PrivateUsage);
	CloseHandle(p);
	return 0;
}

int
main(int argc, char *argv[])
{
	MEMORY_BASIC_INFORMATION mbi;
	unsigned char buf[4096];
	DWORD pid;
	SIZE_T n, got;
	uintptr_t a;
	HANDLE p;
	SIZE_T i;

	if (argc < 3)
		goto usage;
	pid = strtoul(argv[1], NULL, 0);
	if (strcmp(argv[2], "dr7") == 0)
		return dr7_all(pid);
	if (strcmp(argv[2], "mem") == 0)
		return mem(pid);
	if (argc < 4)
		goto usage;
	a = (uintptr_t)strtoull(argv[3], NULL, 0);
	if ((p = OpenProcess(PROCESS_VM_READ | PROCESS_QUERY_INFORMATION, FALSE,
	    pid)) == NULL)
		return 1;
	if (strcmp(argv[2], "prot") == 0) {
		if (!VirtualQueryEx(p, (LPCVOID)a, &mbi, sizeof(mbi)))
			return 1;
		printf("%lx\n", mbi.Protect);
		return 0;
	}
	if (strcmp(argv[2], "bytes") == 0 && argc == 5) {
		n = strtoul(argv[4], NULL, 0);
		if (n > sizeof(buf) || !ReadProcessMemory(p, (LPCVOID)a, buf, n,
		    &got) || got != n)
			return 1;
		for (i = 0; i < n; i++)
			printf("%02x", buf[i]);
		printf("\n");
		return 0;
	}
usage:
	fprintf(stderr, "usage: inspect pid bytes addr n | pid prot addr | pid dr7 | pid mem\n");
	return 2;
}
