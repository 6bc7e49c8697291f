/*
 * crc_check: a program that looks for a debugger the way protected
 * programs do, and says what it sees.
 *
 * First line: pid=N checked=ADDRESS crc=VALUE.  Once a second it
 *   - checksums the first bytes of its own function checked(), which it
 *     calls every time: a software breakpoint there changes them;
 *   - reads the debug registers DR0-DR3 and DR7 of the thread doing the
 *     checks: a debugger sets a hardware breakpoint in every thread, and
 *     it shows there and nowhere else (a thread may read its own context
 *     without stopping; another thread it would have to suspend first);
 *   - asks IsDebuggerPresent(), which reads PEB.BeingDebugged.
 * and prints a line whenever one of them changes.  A guard page changes
 * none of them.  checked() is exported, so "crc_check!checked" names it,
 * and so is the count of calls to it, "crc_check!calls".
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>

#define CHECKED_BYTES	16

/* Calls to checked() so far, counted by the caller just before each. */
__declspec(dllexport) volatile LONG calls;

__declspec(dllexport) __attribute__((noipa)) LONG
checked(LONG x)
{
	return x * 3 + 1;
}

/* A CRC-32 of the first bytes of checked(), read as data. */
static uint32_t
crc_of_checked(void)
{
	const unsigned char *p = (const unsigned char *)(uintptr_t)checked;
	uint32_t crc = 0xffffffff;
	int i, k;

	for (i = 0; i < CHECKED_BYTES; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

static DWORD WINAPI __attribute__((noreturn))
watcher(void *arg)
{
	uint32_t crc = crc_of_checked(), now;
	DWORD64 dr[5] = { 0 }, seen[5] = { 0 };
	BOOL dbg = IsDebuggerPresent(), d;
	CONTEXT c;
	int i, changed;

	(void)arg;
	printf("being debugged: %s\n", dbg ? "yes" : "no");
	for (;;) {
		Sleep(1000);
		if ((now = crc_of_checked()) != crc) {
			printf("crc of checked() changed: %08lx -> %08lx: "
			    "its code was modified (a software breakpoint?)\n",
			    (unsigned long)crc, (unsigned long)now);
			crc = now;
		}
		memset(&c, 0, sizeof(c));
		c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
		if (GetThreadContext(GetCurrentThread(), &c)) {
			dr[0] = c.Dr0; dr[1] = c.Dr1; dr[2] = c.Dr2;
			dr[3] = c.Dr3; dr[4] = c.Dr7;
		}
		for (i = 0, changed = 0; i < 5; i++)
			changed |= dr[i] != seen[i];
		if (changed) {
			printf("debug registers changed: dr0=%llx dr1=%llx "
			    "dr2=%llx dr3=%llx dr7=%llx%s\n",
			    (unsigned long long)dr[0], (unsigned long long)dr[1],
			    (unsigned long long)dr[2], (unsigned long long)dr[3],
			    (unsigned long long)dr[4], dr[4] & 0xff ?
			    " (a hardware breakpoint)" : "");
			memcpy(seen, dr, sizeof(seen));
		}
		if ((d = IsDebuggerPresent()) != dbg) {
			printf("being debugged: %s\n", d ? "yes" : "no");
			dbg = d;
		}
	}
}

int
main(void)
{
	volatile LONG x = 0;	/* volatile: every call must really happen */

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu checked=0x%llx crc=%08lx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)checked,
	    (unsigned long)crc_of_checked());
	CloseHandle(CreateThread(NULL, 0, watcher, NULL, 0, NULL));
	for (;;) {
		calls++;
		x = checked(x) & 0xffff;
		Sleep(100);
	}
}
