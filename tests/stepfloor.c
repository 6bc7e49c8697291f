/*
 * stepfloor: the fastest single-stepping can be, for make bench.  Attach,
 * then N times: set TF, ContinueDebugEvent, WaitForDebugEvent.  Nothing
 * else: no disassembly, no printing, no bookkeeping.  Raw Win32, so it
 * shares no code with the stepper it is the floor for.
 *
 *   stepfloor PID N               attach, step the first thread N times
 *   stepfloor --launch N PROGRAM  launch, step from the loader's breakpoint
 * Either prints "N steps in MS ms: RATE steps/s".  A launched program is
 * ended afterwards.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN64
typedef WOW64_CONTEXT CTX32;
#define GET32	Wow64GetThreadContext
#define SET32	Wow64SetThreadContext
#define CTL32	WOW64_CONTEXT_CONTROL
#else
typedef CONTEXT CTX32;
#define GET32	GetThreadContext
#define SET32	SetThreadContext
#define CTL32	CONTEXT_CONTROL
#endif

static BOOL wow64;

/* Set TF in the thread (the CPU clears it after every trap). */
static BOOL
trap(HANDLE t)
{
#ifdef _WIN64
	if (!wow64) {
		CONTEXT c;

		c.ContextFlags = CONTEXT_CONTROL;
		if (!GetThreadContext(t, &c))
			return FALSE;
		c.EFlags |= 0x100;
		return SetThreadContext(t, &c);
	}
#endif
	CTX32 c32;

	c32.ContextFlags = CTL32;
	if (!GET32(t, &c32))
		return FALSE;
	c32.EFlags |= 0x100;
	return SET32(t, &c32);
}

int
main(int argc, char *argv[])
{
	DWORD pid, n, i = 0, t0, ms, tid = 0;
	HANDLE thread = NULL, p;
	DEBUG_EVENT ev;
	int started = 0;

	STARTUPINFOA si = { .cb = sizeof(si) };
	PROCESS_INFORMATION pi;
	int launched = argc == 4 && strcmp(argv[1], "--launch") == 0;

	if (argc != 3 && !launched)
		return 2;
	if (launched) {
		n = strtoul(argv[2], NULL, 0);
		if (!CreateProcessA(NULL, argv[3], NULL, NULL, FALSE,
		    DEBUG_ONLY_THIS_PROCESS, NULL, NULL, &si, &pi))
			return 1;
		pid = pi.dwProcessId;
		p = pi.hProcess;
		IsWow64Process(p, &wow64);
	} else {
		pid = strtoul(argv[1], NULL, 0);
		n = strtoul(argv[2], NULL, 0);
		if ((p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION |
		    PROCESS_TERMINATE, FALSE, pid)))
			IsWow64Process(p, &wow64);
		if (!DebugActiveProcess(pid))
			return 1;
	}
	DebugSetProcessKillOnExit(FALSE);
	/* Up to the break-in: note the first thread, continue everything. */
	while (!started && WaitForDebugEvent(&ev, 10000)) {
		if (ev.dwDebugEventCode == CREATE_PROCESS_DEBUG_EVENT) {
			thread = ev.u.CreateProcessInfo.hThread;
			tid = ev.dwThreadId;
			CloseHandle(ev.u.CreateProcessInfo.hFile);
		} else if (ev.dwDebugEventCode == LOAD_DLL_DEBUG_EVENT)
			CloseHandle(ev.u.LoadDll.hFile);
		else if (ev.dwDebugEventCode == EXCEPTION_DEBUG_EVENT)
			started = 1;
		if (!started)
			ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE);
	}
	if (!started || thread == NULL)
		return 1;
	t0 = GetTickCount();
	for (; i < n; i++) {
		if (!trap(thread))
			break;
		ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE);
		/* Other threads' events (the break-in thread ending) pass by. */
		while (WaitForDebugEvent(&ev, INFINITE) &&
		    !(ev.dwDebugEventCode == EXCEPTION_DEBUG_EVENT &&
		    ev.dwThreadId == tid))
			ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE);
	}
	ms = GetTickCount() - t0;
	if (launched)
		TerminateProcess(p, 0);
	ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE);
	DebugActiveProcessStop(pid);
	printf("%lu steps in %lu ms: %lu steps/s\n", i, ms,
	    ms ? (unsigned long)(i * 1000ull / ms) : 0);
	return i == n ? 0 : 1;
}
