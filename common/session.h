/* session.h: one debug session: attach or launch, the event loop, detach. */
#ifndef DBGKIT_SESSION_H
#define DBGKIT_SESSION_H

#include <windows.h>

#include "args.h"
#include "cpu.h"

/* A thread of the target, as the debug events announced it. */
struct thread {
	DWORD tid;
	HANDLE handle;		/* from the event; the system owns it */
	addr_t start;		/* start address the event gave, 0 if none */
	unsigned long born;	/* its place in the order threads were announced */
};

struct session {
	DWORD pid;
	HANDLE process;		/* our own handle, PROCESS_ALL_ACCESS */
	const struct cpu *cpu;	/* the target's CPU view */
	int launched;		/* started by us, rather than attached to */
	DEBUG_EVENT ev;		/* the event being handled */
	int pending;		/* ev still waits for ContinueDebugEvent */
	int started;		/* the first breakpoint has arrived */
	int at_start;		/* ... and it is the event being handled */
	DWORD breakin_tid;	/* thread that raised the last break-in, or 0 */
	int wow64_started;	/* a launched WOW64 target's 32-bit loader has
				   raised its breakpoint */
	int at_wow64_start;	/* ... and it is the event being handled */
	int wow64_layer;	/* WOW64's wow64.dll was loaded (Windows): a
				   launched target's start is its 32-bit
				   loader's breakpoint */
	int breaking;		/* session_break() asked; its breakpoint is on its way */
	int at_breakin;		/* ... and it is the event being handled */
	unsigned long born;	/* threads announced so far */
	unsigned long break_born;	/* ... when session_break() asked */
	int exited;		/* EXIT_PROCESS_DEBUG_EVENT arrived */
	DWORD exit_code;
	char image[4 * MAX_PATH]; /* CREATE_PROCESS, LOAD_DLL: the file's name, UTF-8 */
	struct thread *threads;	/* live threads, in creation order */
	size_t nthreads, capthreads;
};

/*
 * Open the target that spec names and become its debugger: attach to a
 * running process (DebugActiveProcess) or launch a command line under the
 * debugger (CreateProcess with DEBUG_ONLY_THIS_PROCESS).  Either way the
 * target is not killed when the tool exits.  On failure, prints one line
 * naming the API and returns FALSE with the target untouched.
 */
BOOL session_open(struct session *s, const struct target_spec *spec);

/*
 * Wait up to timeout ms (INFINITE allowed) for the next debug event, keep
 * the thread table up to date, and leave the event in s->ev, pending.
 * The caller must session_continue() it before waiting again.  Returns
 * 1 for an event, 0 on timeout or Ctrl-C, -1 on failure (after printing
 * why).  session_interrupted() tells a Ctrl-C from a timeout.
 */
int session_wait(struct session *s, DWORD timeout);

/* session_wait(), but deaf to Ctrl-C: for cleaning up after one. */
int session_poll(struct session *s, DWORD timeout);

/* ContinueDebugEvent for the pending event with status; FALSE on failure. */
BOOL session_continue(struct session *s, DWORD status);

/*
 * True when the pending event is an exception that is the debugger's own
 * business, not the target's: the attach break-in, the loader's initial
 * breakpoint, a break-in that session_break() asked for, or the first
 * STATUS_WX86_BREAKPOINT of a WOW64 target that a 64-bit tool launched
 * (its 32-bit loader's).  Any other exception, a WOW64 target's own int3
 * among them, is the target's.
 */
BOOL session_own_exception(const struct session *s);

/*
 * The status a debugger that does not care about this event should give:
 * DBG_CONTINUE, but DBG_EXCEPTION_NOT_HANDLED for an exception of the
 * target's own (see session_own_exception), so its handlers see it.
 */
DWORD session_default_status(const struct session *s);

/*
 * Run the event loop until the first breakpoint: the break-in after an
 * attach, or the loader's breakpoint after a launch (of a WOW64 program
 * on Windows, the second one, its 32-bit loader's, once its 32-bit DLLs
 * are loaded).  Leaves that event pending, so the whole target stays
 * stopped.  FALSE (after printing why)
 * if it does not come within timeout ms or the target exits first.
 */
BOOL session_wait_start(struct session *s, DWORD timeout);

/*
 * After an attach, let the target run on from the break-in until the
 * break-in thread has ended, and stop at its EXIT_THREAD_DEBUG_EVENT,
 * left pending: the target stands still again, without the debugger's
 * thread.  Under Wine 8 a thread whose debug register fires just as that
 * thread's end stops the process wedges (README), so a debugger sets its
 * debug registers here, where no such end is still to come.  Other
 * events on the way are continued as session_default_status() says.
 * TRUE at once after a launch: there is no break-in thread.  FALSE (after
 * printing why) if it does not end within timeout ms, or on a Ctrl-C or
 * the target's exit.
 */
BOOL session_wait_breakin_end(struct session *s, DWORD timeout);

/*
 * How long a thread that is not the event's may take to hand over its
 * registers.  Under Wine 8 a thread stopped inside its own debug trap at
 * the wrong moment wedges, and GetThreadContext on it never returns (see
 * "Known limits under Wine" in the README).  Otherwise it takes
 * microseconds, or seconds on a machine loaded far beyond its cores.
 */
#define CONTEXT_LIMIT	15000	/* ms */
#define CONTEXT_LIMIT_AGAIN 1000	/* ms, once one thread has not answered */

/*
 * Read the register groups (REG_*) of a thread of the target into *c,
 * like cpu->get.  The thread of the pending event is stopped in it and
 * answers at once.  Any other is asked from a helper thread, and given
 * up after CONTEXT_LIMIT ms (CONTEXT_LIMIT_AGAIN once a thread of the
 * target has failed to answer: threads wedge together, as when several
 * hit a debug register at once), or at a Ctrl-C pressed meanwhile: then
 * FALSE with ERROR_TIMEOUT (or ERROR_CANCELLED) as the last error.
 * FALSE on failure, printing nothing: the caller names the thread.
 */
BOOL session_get_context(struct session *s, HANDLE thread, union context *c,
    unsigned groups);

/*
 * Say, in one line, why session_get_context() failed on thread tid:
 * Windows' error, or for a thread that did not answer in time, that it
 * is wedged and left as it is.  what, if not NULL, is added: what the
 * failure means for the caller ("skipped").
 */
void session_context_failed(DWORD tid, const char *what);

/*
 * Stop debugging: continue any pending event with its default status,
 * then DebugActiveProcessStop, and release the session.  The target keeps
 * running.  Safe after the target exited.  FALSE (after printing why) on
 * failure.
 */
BOOL session_detach(struct session *s);

/*
 * How many times Ctrl-C or Ctrl-Break was pressed (session_open catches
 * them): true once one was.
 */
int session_interrupted(void);

/*
 * Break into the running target, as a debugger's Ctrl-Break does, and
 * forget the Ctrl-C that asked for it (a second one ends the session).
 * DebugBreakProcess starts a thread in the target that raises a
 * breakpoint at once; when that event arrives, s->at_breakin is set, and
 * while it is pending the whole target stands still.  Its default status
 * is DBG_CONTINUE: it is ours, and never reaches the target's handlers.
 * A break-in already on its way is not asked for twice.  FALSE (after
 * printing why) if the target cannot be broken into.
 */
BOOL session_break(struct session *s);

/*
 * Suspend every thread of the target except keep (0: none), for a moment
 * of stillness while the debugger works without a pending event.  The
 * ids of the threads suspended go to *ids (for session_resume()); returns
 * their number.  A thread that has just ended is no matter.
 */
size_t session_suspend(struct session *s, DWORD keep, DWORD **ids);

/* Resume the threads session_suspend() suspended, and free ids. */
void session_resume(struct session *s, DWORD *ids, size_t n);

/* The thread table entry for tid, or NULL. */
struct thread *session_thread(struct session *s, DWORD tid);

/*
 * The thread id of a thread handle of the session's, from its list of
 * threads (under Wine, GetThreadId is a round trip to the server, which
 * a single step cannot afford to pay twice); GetThreadId for any other.
 */
DWORD session_tid(const struct session *s, HANDLE thread);

/*
 * The threads of the target that a Toolhelp snapshot lists but no debug
 * event has announced: so new that their CREATE_THREAD event is still on
 * its way.  They are not stopped with the rest of the target, so a
 * debugger may name them but not touch them.  Stores a malloc'd array in
 * *tids (the caller frees it) and returns the count; -1 (after printing
 * why) on failure.
 */
int session_unannounced(struct session *s, DWORD **tids);

/* "CREATE_PROCESS_DEBUG_EVENT" for 3, and so on; "?" if unknown. */
const char *debug_event_name(DWORD code);

/* "EXCEPTION_BREAKPOINT" for 0x80000003, and so on; NULL if unknown. */
const char *exception_name(DWORD code);

/*
 * What a 64-bit debugger on Windows receives for a WOW64 target's INT3 and
 * single step (a debug register's hit included), instead of the usual
 * codes; STATUS_WX86_BREAKPOINT is also the WOW64 loader's own initial
 * breakpoint.  Wine, which runs 32-bit programs as 32-bit processes,
 * sends the usual codes.
 */
#define STATUS_WX86_BREAKPOINT_CODE	0x4000001Fu
#define STATUS_WX86_SINGLE_STEP_CODE	0x4000001Eu

/* True for EXCEPTION_BREAKPOINT and STATUS_WX86_BREAKPOINT. */
BOOL is_breakpoint_code(DWORD code);

/* True for EXCEPTION_SINGLE_STEP and STATUS_WX86_SINGLE_STEP. */
BOOL is_single_step_code(DWORD code);

/* The exception of the pending event, or NULL if it is not one. */
const EXCEPTION_RECORD *session_exception(const struct session *s);

#endif
