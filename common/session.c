/* session.c: attach, launch, the debug event loop and its bookkeeping, detach. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "out.h"
#include "session.h"
#include "target.h"

const char *
debug_event_name(DWORD code)
{
	static const char *names[] = {
		[EXCEPTION_DEBUG_EVENT] = "EXCEPTION_DEBUG_EVENT",
		[CREATE_THREAD_DEBUG_EVENT] = "CREATE_THREAD_DEBUG_EVENT",
		[CREATE_PROCESS_DEBUG_EVENT] = "CREATE_PROCESS_DEBUG_EVENT",
		[EXIT_THREAD_DEBUG_EVENT] = "EXIT_THREAD_DEBUG_EVENT",
		[EXIT_PROCESS_DEBUG_EVENT] = "EXIT_PROCESS_DEBUG_EVENT",
		[LOAD_DLL_DEBUG_EVENT] = "LOAD_DLL_DEBUG_EVENT",
		[UNLOAD_DLL_DEBUG_EVENT] = "UNLOAD_DLL_DEBUG_EVENT",
		[OUTPUT_DEBUG_STRING_EVENT] = "OUTPUT_DEBUG_STRING_EVENT",
		[RIP_EVENT] = "RIP_EVENT",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code] != NULL)
		return names[code];
	return "?";
}

const char *
exception_name(DWORD code)
{
	static const struct { DWORD code; const char *name; } t[] = {
		{ 0x80000003, "EXCEPTION_BREAKPOINT" },
		{ 0x80000004, "EXCEPTION_SINGLE_STEP" },
		{ 0x80000001, "STATUS_GUARD_PAGE_VIOLATION" },
		{ 0x80000002, "EXCEPTION_DATATYPE_MISALIGNMENT" },
		{ 0xC0000005, "EXCEPTION_ACCESS_VIOLATION" },
		{ 0xC0000006, "EXCEPTION_IN_PAGE_ERROR" },
		{ 0xC0000008, "EXCEPTION_INVALID_HANDLE" },
		{ 0xC000001D, "EXCEPTION_ILLEGAL_INSTRUCTION" },
		{ 0xC0000025, "EXCEPTION_NONCONTINUABLE_EXCEPTION" },
		{ 0xC0000026, "EXCEPTION_INVALID_DISPOSITION" },
		{ 0xC000008C, "EXCEPTION_ARRAY_BOUNDS_EXCEEDED" },
		{ 0xC000008D, "EXCEPTION_FLT_DENORMAL_OPERAND" },
		{ 0xC000008E, "EXCEPTION_FLT_DIVIDE_BY_ZERO" },
		{ 0xC000008F, "EXCEPTION_FLT_INEXACT_RESULT" },
		{ 0xC0000090, "EXCEPTION_FLT_INVALID_OPERATION" },
		{ 0xC0000091, "EXCEPTION_FLT_OVERFLOW" },
		{ 0xC0000092, "EXCEPTION_FLT_STACK_CHECK" },
		{ 0xC0000093, "EXCEPTION_FLT_UNDERFLOW" },
		{ 0xC0000094, "EXCEPTION_INT_DIVIDE_BY_ZERO" },
		{ 0xC0000095, "EXCEPTION_INT_OVERFLOW" },
		{ 0xC0000096, "EXCEPTION_PRIV_INSTRUCTION" },
		{ 0xC00000FD, "EXCEPTION_STACK_OVERFLOW" },
		{ 0xC0000374, "STATUS_HEAP_CORRUPTION" },
		{ 0xC0000409, "STATUS_STACK_BUFFER_OVERRUN" },
		{ 0x40010005, "DBG_CONTROL_C" },
		{ 0x40010006, "DBG_PRINTEXCEPTION_C" },
		{ 0x4001000A, "DBG_PRINTEXCEPTION_WIDE_C" },
		{ 0x40010008, "DBG_CONTROL_BREAK" },
		{ 0x4000001E, "STATUS_WX86_SINGLE_STEP" },
		{ 0x4000001F, "STATUS_WX86_BREAKPOINT" },
		{ 0x406D1388, "MS_VC_EXCEPTION (thread name)" },
		{ 0xE06D7363, "C++ exception (msc)" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

struct thread *
session_thread(struct session *s, DWORD tid)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}

DWORD
session_tid(const struct session *s, HANDLE thread)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].handle == thread)
			return s->threads[i].tid;
	return GetThreadId(thread);
}

int
session_unannounced(struct session *s, DWORD **tids)
{
	int i, n, k = 0;

	if ((n = thread_ids(s->pid, tids)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (session_thread(s, (*tids)[i]) == NULL)
			(*tids)[k++] = (*tids)[i];
	return k;
}

static void
add_thread(struct session *s, DWORD tid, HANDLE h, addr_t start)
{
	struct thread *nt;

	if (s->nthreads == s->capthreads) {
		s->capthreads = s->capthreads ? s->capthreads * 2 : 16;
		nt = realloc(s->threads, s->capthreads * sizeof(*nt));
		if (nt == NULL)
			errx(EXIT_RUNTIME, "out of memory for %u threads",
			    (unsigned)s->capthreads);
		s->threads = nt;
	}
	s->threads[s->nthreads++] = (struct thread){ tid, h, start, ++s->born };
}

static void
remove_thread(struct session *s, DWORD tid)
{
	struct thread *t = session_thread(s, tid);

	if (t == NULL)
		return;
	memmove(t, t + 1, (size_t)(s->threads + s->nthreads - (t + 1)) *
	    sizeof(*t));
	s->nthreads--;
}

static volatile LONG interrupted;

static BOOL WINAPI
on_ctrl(DWORD type)
{
	if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT)
		return FALSE;
	/*
	 * Do not die: the event loop sees the count, cleans up and detaches.
	 * A wait that outlives the first (a thread that does not answer)
	 * gives up at the next.
	 */
	InterlockedIncrement(&interrupted);
	return TRUE;
}

int
session_interrupted(void)
{
	return (int)interrupted;
}

BOOL
session_break(struct session *s)
{
	InterlockedExchange(&interrupted, 0);
	if (s->breaking)
		return TRUE;
	if (!DebugBreakProcess(s->process)) {
		warn("DebugBreakProcess(pid %lu)", s->pid);
		return FALSE;
	}
	s->breaking = 1;
	s->break_born = s->born;
	return TRUE;
}

/*
 * Whether the pending exception is the breakpoint of the break-in that
 * session_break() asked for: a breakpoint from a thread that was born
 * after the asking.
 */
static int
is_breakin(struct session *s)
{
	struct thread *t;

	return s->breaking && is_breakpoint_code(
	    s->ev.u.Exception.ExceptionRecord.ExceptionCode) &&
	    (t = session_thread(s, s->ev.dwThreadId)) != NULL &&
	    t->born > s->break_born;
}

/*
 * The file name of the image a CREATE_PROCESS or LOAD_DLL event is about:
 * from the file handle the event carries, else from lpImageName, which
 * points (in the target) at a pointer to the name, and may be NULL.
 */
static void
event_image(struct session *s, HANDLE file, void *name_ptr, int wide)
{
	WCHAR path[MAX_PATH + 8], *base, *p;
	addr_t name;

	s->image[0] = '\0';
	if (file != NULL && GetFinalPathNameByHandleW(file, path,
	    MAX_PATH + 8, 0) - 1 < MAX_PATH + 7) {
		for (base = p = path; *p != L'\0'; p++)
			if (*p == L'\\' || *p == L'/')
				base = p + 1;
		utf8_of(base, s->image, sizeof(s->image));
		return;
	}
	if (name_ptr != NULL && s->cpu != NULL &&
	    mem_read_ptr(s->process, (addr_t)(uintptr_t)name_ptr,
	    s->cpu->ptrsize, &name) && name != 0)
		mem_read_string(s->process, name, wide, s->image,
		    sizeof(s->image));
}

static BOOL
attach(struct session *s, DWORD pid)
{
	/*
	 * Open the process and learn its bitness first, so that a target this
	 * tool cannot handle is refused before anything happens to it.
	 */
	s->process = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pid);
	if (s->process == NULL) {
		warn("OpenProcess(pid %lu)", pid);
		return FALSE;
	}
	if ((s->cpu = cpu_of_process(s->process)) == NULL) {
		if (GetLastError() == ERROR_NOT_SUPPORTED)
			warnx("pid %lu is a 64-bit process; use the x64 build "
			    "of %s", pid, getprogname());
		else
			warn("IsWow64Process(pid %lu)", pid);
		goto fail;
	}
	if (!DebugActiveProcess(pid)) {
		warn("DebugActiveProcess(pid %lu)", pid);
		goto fail;
	}
	/* Our exit must not kill the target: detach, not terminate. */
	DebugSetProcessKillOnExit(FALSE);
	s->pid = pid;
	return TRUE;
fail:
	CloseHandle(s->process);
	s->process = NULL;
	return FALSE;
}

static BOOL
launch(struct session *s, char **argv)
{
	STARTUPINFOW si = { .cb = sizeof(si) };
	PROCESS_INFORMATION pi;
	static char *uargv[4096];
	static char cmd[32768];
	static WCHAR wcmd[32768];
	size_t i;

	/* The program and its arguments as typed, not as ANSI left them. */
	for (i = 0; argv[i] != NULL && i < sizeof(uargv) / sizeof(uargv[0]) - 1; i++)
		uargv[i] = (char *)arg_utf8(argv[i]);
	uargv[i] = NULL;
	if (argv[i] != NULL || join_command(uargv, cmd, sizeof(cmd)) >=
	    sizeof(cmd) || MultiByteToWideChar(CP_UTF8, 0, cmd, -1, wcmd,
	    sizeof(wcmd) / sizeof(wcmd[0])) == 0) {
		warnx("%s: command line too long", uargv[0]);
		return FALSE;
	}
	if (!CreateProcessW(NULL, wcmd, NULL, NULL, FALSE, DEBUG_ONLY_THIS_PROCESS,
	    NULL, NULL, &si, &pi)) {
		warn("CreateProcess(%s)", uargv[0]);
		return FALSE;
	}
	CloseHandle(pi.hThread);
	DebugSetProcessKillOnExit(FALSE);
	s->process = pi.hProcess;
	s->pid = pi.dwProcessId;
	s->launched = 1;
	if ((s->cpu = cpu_of_process(s->process)) == NULL) {
		if (GetLastError() == ERROR_NOT_SUPPORTED)
			warnx("%s is a 64-bit program; use the x64 build of %s",
			    uargv[0], getprogname());
		else
			warn("IsWow64Process(%s)", uargv[0]);
		TerminateProcess(s->process, 1);	/* ours, never started */
		CloseHandle(s->process);
		s->process = NULL;
		return FALSE;
	}
	return TRUE;
}

BOOL
session_open(struct session *s, const struct target_spec *spec)
{
	struct target_spec t = *spec;

	memset(s, 0, sizeof(*s));
	SetConsoleCtrlHandler(on_ctrl, TRUE);
	if (t.kind == TARGET_COMMAND)
		return launch(s, t.argv);
	if (!target_resolve(&t))
		return FALSE;
	return attach(s, t.pid);
}

/*
 * Whether the target's int3 and single steps reach this debugger as
 * STATUS_WX86_BREAKPOINT and STATUS_WX86_SINGLE_STEP: on Windows, when a
 * 64-bit debugger debugs a 32-bit (WOW64) process.  The kernel gives an
 * exception in 32-bit code those codes, and WOW64 turns them back into
 * the usual ones for the program's own handlers (and for a 32-bit
 * debugger).  Source: WRK, base/ntos/ke/amd64/exceptn.c,
 * KiDispatchException().
 */
static int
wx86_codes(const struct session *s)
{
	return sizeof(void *) == 8 && s->cpu != NULL && s->cpu->ptrsize == 4;
}

/*
 * Whether a LOAD_DLL event's image is WOW64's own wow64.dll, which
 * Windows loads into every 32-bit process before its 64-bit loader's
 * breakpoint.
 */
static int
is_wow64_layer(const char *image)
{
	const char *base = image, *p;

	for (p = image; *p != '\0'; p++)
		if (*p == '\\' || *p == '/')
			base = p + 1;
	return _stricmp(base, "wow64.dll") == 0;
}

BOOL
is_breakpoint_code(DWORD code)
{
	return code == EXCEPTION_BREAKPOINT || code == STATUS_WX86_BREAKPOINT_CODE;
}

BOOL
is_single_step_code(DWORD code)
{
	return code == EXCEPTION_SINGLE_STEP || code == STATUS_WX86_SINGLE_STEP_CODE;
}

const EXCEPTION_RECORD *
session_exception(const struct session *s)
{
	if (!s->pending || s->ev.dwDebugEventCode != EXCEPTION_DEBUG_EVENT)
		return NULL;
	return &s->ev.u.Exception.ExceptionRecord;
}

static int wait_event(struct session *s, DWORD timeout, int stop_on_ctrl_c);

/* How long wait_event() waits at a time, the first time and after. */
#define SLICE_FIRST	10	/* ms */
#define SLICE		100	/* ms */

int
session_wait(struct session *s, DWORD timeout)
{
	return wait_event(s, timeout, 1);
}

int
session_poll(struct session *s, DWORD timeout)
{
	return wait_event(s, timeout, 0);
}

static int
wait_event(struct session *s, DWORD timeout, int stop_on_ctrl_c)
{
	DEBUG_EVENT *ev = &s->ev;
	DWORD slice;
	int quiet;

	if (s->pending)
		errx(EXIT_RUNTIME, "session_wait: the last event was not continued");
	/*
	 * Wait in short slices, so that a Ctrl-C is noticed promptly.  The
	 * first is shorter still: an event that does not come at once may
	 * not come for a while, so what the tool printed is shown first.
	 */
	out_tick();
	for (quiet = 0;; quiet++) {
		if (interrupted && stop_on_ctrl_c)
			return 0;
		if (quiet == 1)
			out_idle();
		slice = quiet == 0 ? SLICE_FIRST : SLICE;
		slice = timeout < slice ? timeout : slice;
		if (WaitForDebugEvent(ev, slice))
			break;
		if (GetLastError() != ERROR_SEM_TIMEOUT &&
		    GetLastError() != WAIT_TIMEOUT) {
			warn("WaitForDebugEvent(pid %lu)", s->pid);
			return -1;
		}
		if (timeout != INFINITE && (timeout -= slice) == 0)
			return 0;
	}
	s->pending = 1;
	s->at_start = s->at_wow64_start = s->at_breakin = 0;
	switch (ev->dwDebugEventCode) {
	case CREATE_PROCESS_DEBUG_EVENT:
		event_image(s, ev->u.CreateProcessInfo.hFile,
		    ev->u.CreateProcessInfo.lpImageName,
		    ev->u.CreateProcessInfo.fUnicode);
		/* The file handle is ours to close; hProcess/hThread are not. */
		if (ev->u.CreateProcessInfo.hFile != NULL)
			CloseHandle(ev->u.CreateProcessInfo.hFile);
		add_thread(s, ev->dwThreadId, ev->u.CreateProcessInfo.hThread,
		    (addr_t)(uintptr_t)ev->u.CreateProcessInfo.lpStartAddress);
		break;
	case CREATE_THREAD_DEBUG_EVENT:
		add_thread(s, ev->dwThreadId, ev->u.CreateThread.hThread,
		    (addr_t)(uintptr_t)ev->u.CreateThread.lpStartAddress);
		break;
	case EXIT_THREAD_DEBUG_EVENT:
		remove_thread(s, ev->dwThreadId);
		break;
	case LOAD_DLL_DEBUG_EVENT:
		event_image(s, ev->u.LoadDll.hFile, ev->u.LoadDll.lpImageName,
		    ev->u.LoadDll.fUnicode);
		if (ev->u.LoadDll.hFile != NULL)
			CloseHandle(ev->u.LoadDll.hFile);
		if (wx86_codes(s) && is_wow64_layer(s->image))
			s->wow64_layer = 1;
		break;
	case EXIT_PROCESS_DEBUG_EVENT:
		s->exited = 1;
		s->exit_code = ev->u.ExitProcess.dwExitCode;
		break;
	case EXCEPTION_DEBUG_EVENT:
		/*
		 * The first breakpoint of a session is not the target's own:
		 * after an attach, the break-in thread that DebugActiveProcess
		 * injected raises it; after a launch, the loader does, once
		 * the process is set up.
		 */
		if (!s->started &&
		    is_breakpoint_code(ev->u.Exception.ExceptionRecord.ExceptionCode)) {
			s->started = s->at_start = 1;
			if (!s->launched)
				s->breakin_tid = ev->dwThreadId;
		} else if (s->launched && !s->wow64_started &&
		    ev->u.Exception.ExceptionRecord.ExceptionCode ==
		    STATUS_WX86_BREAKPOINT_CODE) {
			/*
			 * On Windows the 32-bit loader of a WOW64 process
			 * raises a breakpoint of its own as it starts, once,
			 * after the 64-bit loader's and before any code of
			 * the program runs; a 64-bit debugger gets it with
			 * this code.  Every later STATUS_WX86_BREAKPOINT is an
			 * int3 of the target's, its DebugBreak() among them,
			 * and goes to its handlers; so is any such code from
			 * a process that gives no 32-bit loader's breakpoint.
			 */
			s->wow64_started = s->at_wow64_start = wx86_codes(s);
		} else if (is_breakin(s)) {
			s->breaking = 0;
			s->at_breakin = 1;
			s->breakin_tid = ev->dwThreadId;
		}
		break;
	}
	return 1;
}

BOOL
session_continue(struct session *s, DWORD status)
{
	if (!s->pending)
		return TRUE;
	/*
	 * A program we started shares our console: what we printed about
	 * this event shows before what it prints next.
	 */
	if (s->launched)
		out_idle();
	s->pending = 0;
	if (!ContinueDebugEvent(s->ev.dwProcessId, s->ev.dwThreadId, status)) {
		warn("ContinueDebugEvent(pid %lu, tid %lu)", s->pid,
		    s->ev.dwThreadId);
		return FALSE;
	}
	return TRUE;
}

BOOL
session_own_exception(const struct session *s)
{
	return s->ev.dwDebugEventCode == EXCEPTION_DEBUG_EVENT &&
	    (s->at_start || s->at_wow64_start || s->at_breakin);
}

DWORD
session_default_status(const struct session *s)
{
	if (s->ev.dwDebugEventCode != EXCEPTION_DEBUG_EVENT ||
	    session_own_exception(s))
		return DBG_CONTINUE;
	return DBG_EXCEPTION_NOT_HANDLED;
}

/*
 * Whether the pending event is the first stop of the session: the attach
 * break-in, or the loader's breakpoint.  A launched WOW64 program on
 * Windows stops twice: at the 64-bit loader's breakpoint, before WOW64
 * has loaded a single 32-bit DLL, and then at its 32-bit loader's, with
 * the program's DLLs in place.  Only the second shows the program as its
 * own code sees it.  (Under Wine 8 no WOW64 layer is loaded, and the one
 * loader's breakpoint is the start.)
 */
static int
at_first_stop(const struct session *s)
{
	if (s->launched && s->wow64_layer)
		return s->at_wow64_start;
	return s->at_start;
}

/*
 * Continue events until there(s) holds for the pending one, for up to
 * timeout ms, and leave that one pending.  FALSE (after saying that
 * what, the event awaited, did not come) if it does not.
 */
static BOOL
run_until(struct session *s, DWORD timeout, int (*there)(const struct session *),
    const char *what)
{
	DWORD t0 = GetTickCount(), used;
	int r;

	while (!(s->pending && there(s))) {
		if (s->pending && !session_continue(s, session_default_status(s)))
			return FALSE;
		used = GetTickCount() - t0;
		r = session_wait(s, used < timeout ? timeout - used : 0);
		if (r < 0)
			return FALSE;
		if (r == 0) {
			if (session_interrupted())
				warnx("pid %lu: interrupted while waiting for %s",
				    s->pid, what);
			else
				warnx("pid %lu: %s did not come within %lu ms",
				    s->pid, what, timeout);
			return FALSE;
		}
		if (s->exited) {
			warnx("pid %lu exited (code %lu) before it could be stopped",
			    s->pid, s->exit_code);
			return FALSE;
		}
	}
	return TRUE;
}

BOOL
session_wait_start(struct session *s, DWORD timeout)
{
	return run_until(s, timeout, at_first_stop, s->launched ?
	    "the loader's breakpoint" : "the break-in's breakpoint");
}

static int
at_breakin_end(const struct session *s)
{
	return s->ev.dwDebugEventCode == EXIT_THREAD_DEBUG_EVENT &&
	    s->ev.dwThreadId == s->breakin_tid;
}

BOOL
session_wait_breakin_end(struct session *s, DWORD timeout)
{
	if (s->launched)
		return TRUE;
	return run_until(s, timeout, at_breakin_end,
	    "the end of the break-in thread");
}

/*
 * The helper that reads other threads' registers for
 * session_get_context(), and its mailbox.  A helper that does not come
 * back in time is left where it is, with its mailbox, and another takes
 * its place.
 */
struct ctx_call {
	HANDLE go, done;
	const struct cpu *cpu;
	HANDLE thread;
	union context c;
	unsigned groups;
	BOOL ok;
	DWORD error;
};

static struct ctx_call *helper;
static DWORD ctx_limit = CONTEXT_LIMIT;	/* shorter once one failed */

static DWORD WINAPI __attribute__((noreturn))
ctx_helper(void *arg)
{
	struct ctx_call *k = arg;

	for (;;) {
		WaitForSingleObject(k->go, INFINITE);
		k->ok = k->cpu->get(k->thread, &k->c, k->groups);
		k->error = GetLastError();
		SetEvent(k->done);
	}
}

static struct ctx_call *
ctx_helper_start(void)
{
	struct ctx_call *k;
	HANDLE h;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		errx(EXIT_RUNTIME, "out of memory");
	k->go = CreateEventA(NULL, FALSE, FALSE, NULL);
	k->done = CreateEventA(NULL, FALSE, FALSE, NULL);
	if (k->go == NULL || k->done == NULL ||
	    (h = CreateThread(NULL, 0, ctx_helper, k, 0, NULL)) == NULL) {
		free(k);
		return NULL;
	}
	CloseHandle(h);
	return k;
}

BOOL
session_get_context(struct session *s, HANDLE thread, union context *c,
    unsigned groups)
{
	DWORD waited = 0, r;
	int presses = session_interrupted();

	if (s->pending && session_tid(s, thread) == s->ev.dwThreadId)
		return s->cpu->get(thread, c, groups);
	if (helper == NULL && (helper = ctx_helper_start()) == NULL)
		return FALSE;
	helper->cpu = s->cpu;
	helper->thread = thread;
	helper->groups = groups;
	SetEvent(helper->go);
	for (;;) {
		if ((r = WaitForSingleObject(helper->done, 100)) == WAIT_OBJECT_0)
			break;
		waited += 100;
		if (r != WAIT_TIMEOUT || waited >= ctx_limit ||
		    session_interrupted() != presses) {
			helper = NULL;		/* stuck: the next call starts another */
			if (session_interrupted() == presses)
				ctx_limit = CONTEXT_LIMIT_AGAIN;
			SetLastError(session_interrupted() != presses ?
			    ERROR_CANCELLED : ERROR_TIMEOUT);
			return FALSE;
		}
	}
	memcpy(c, &helper->c, sizeof(*c));
	SetLastError(helper->error);
	return helper->ok;
}

void
session_context_failed(DWORD tid, const char *what)
{
	if (GetLastError() == ERROR_TIMEOUT)
		warnx("GetThreadContext(tid %lu): no answer: the thread is "
		    "wedged (under Wine 8, stopped inside its own debug trap; "
		    "see the README)%s%s", tid, what ? "; " : "", what ? what : "");
	else
		warn("GetThreadContext(tid %lu)%s%s", tid, what ? ": " : "",
		    what ? what : "");
}

BOOL
session_detach(struct session *s)
{
	BOOL ok = TRUE;

	if (s->process == NULL)		/* never opened */
		return TRUE;
	if (s->pending)
		ok = session_continue(s, session_default_status(s));
	if (!s->exited && !DebugActiveProcessStop(s->pid)) {
		warn("DebugActiveProcessStop(pid %lu)", s->pid);
		ok = FALSE;
	}
	CloseHandle(s->process);
	s->process = NULL;
	free(s->threads);
	s->threads = NULL;
	s->nthreads = s->capthreads = 0;
	return ok;
}

size_t
session_suspend(struct session *s, DWORD keep, DWORD **ids)
{
	size_t i, n = 0;

	if ((*ids = calloc(s->nthreads + 1, sizeof(**ids))) == NULL)
		errx(EXIT_RUNTIME, "out of memory");
	for (i = 0; i < s->nthreads; i++) {
		if (s->threads[i].tid == keep)
			continue;
		if (SuspendThread(s->threads[i].handle) != (DWORD)-1)
			(*ids)[n++] = s->threads[i].tid;
		else if (WaitForSingleObject(s->threads[i].handle, 0) !=
		    WAIT_OBJECT_0)	/* (a thread that has ended is no matter) */
			warn("SuspendThread(tid %lu)", s->threads[i].tid);
	}
	return n;
}

void
session_resume(struct session *s, DWORD *ids, size_t n)
{
	struct thread *t;
	size_t i;

	for (i = 0; i < n; i++)
		if ((t = session_thread(s, ids[i])) != NULL &&
		    ResumeThread(t->handle) == (DWORD)-1)
			warn("ResumeThread(tid %lu)", ids[i]);
	free(ids);
}
