/* tool.c: start, loop limits, cleanup and detach, shared by the breakpoint tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "tool.h"

char *
thread_label(const struct session *s, DWORD tid, char *buf, size_t n)
{
	snprintf(buf, n, "tid %lu%s", tid, tid == s->breakin_tid ?
	    " (break-in)" : "");
	return buf;
}

BOOL
run_insn(struct run *r, addr_t a, struct insn *in)
{
	unsigned char code[15];
	size_t n = sizeof(code), page = 0x1000 - (size_t)(a & 0xfff);

	if (!bp_read(&r->bp, a, code, n) &&
	    (page >= n || !bp_read(&r->bp, a, code, n = page)))
		return FALSE;
	return dis_decode(r->dis, code, n, a, in);
}

void
run_option(struct run *r, int opt, const char *arg)
{
	if (opt == 'n')
		r->maxhits = (unsigned long)optnumber("-n", arg, 1, UINT32_MAX);
	else if (opt == 's')
		r->ms = (DWORD)optnumber("-s", arg, 1, 86400) * 1000;
}

BOOL
run_start(struct run *r, const struct target_spec *spec, int att)
{
	char where[160];
	const EXCEPTION_RECORD *er;

	if (r->status == NULL)
		r->status = stdout;
	if (!session_open(&r->s, spec))
		return FALSE;
	if (!session_wait_start(&r->s, 10000) ||
	    !modules_load(r->s.process, &r->mods) ||
	    (r->dis = dis_open(r->s.cpu, att)) == NULL) {
		session_detach(&r->s);
		return FALSE;
	}
	bp_init(&r->bp, &r->s);
	er = session_exception(&r->s);
	sym_format(&r->mods, (addr_t)(uintptr_t)er->ExceptionAddress, where,
	    sizeof(where));
	if (r->s.launched)
		fprintf(r->status, "pid %lu (%s): started; stopped at the "
		    "loader's initial breakpoint, %s -- not one of ours\n",
		    r->s.pid, r->s.cpu->name, where);
	else
		fprintf(r->status, "pid %lu (%s): attached; stopped at the "
		    "attach break-in, %s in tid %lu -- the debugger's own "
		    "breakpoint, not one of ours\n", r->s.pid, r->s.cpu->name,
		    where, r->s.breakin_tid);
	return TRUE;
}

BOOL
run_settle(struct run *r)
{
	if (r->s.launched)
		return TRUE;
	if (!session_wait_breakin_end(&r->s, 10000))
		return FALSE;
	fprintf(r->status, "tid %lu: the break-in thread ended; the target is "
	    "stopped at its exit\n", r->s.breakin_tid);
	return TRUE;
}

int
run_next(struct run *r)
{
	DWORD used, left = INFINITE;

	if (r->t0 == 0)
		r->t0 = GetTickCount();
	if (r->s.exited || (r->maxhits != 0 && r->hits >= r->maxhits))
		return 0;
	if (r->ms != INFINITE) {
		used = GetTickCount() - r->t0;
		left = used < r->ms ? r->ms - used : 0;
	}
	return bp_wait(&r->bp, left);
}

/*
 * Cleanup talks to every thread of the target, and gives up on one that
 * does not answer within CONTEXT_LIMIT (under Wine 8 a thread stopped in
 * the middle of its own debug trap wedges).  This is the net under that:
 * a debugger must not hang silently, so if cleanup as a whole takes this
 * long, say so and exit.
 */
#define CLEANUP_LIMIT	60000	/* ms */

static DWORD WINAPI
watchdog(void *done)
{
	if (WaitForSingleObject(done, CLEANUP_LIMIT) == WAIT_TIMEOUT) {
		warnx("cleanup is stuck after %u s: the target or Windows does "
		    "not answer; exiting without finishing: check the target's "
		    "code bytes and DR7", CLEANUP_LIMIT / 1000);
		ExitProcess(EXIT_RUNTIME);
	}
	return 0;
}

int
run_finish(struct run *r, BOOL ok)
{
	HANDLE done = CreateEventA(NULL, TRUE, FALSE, NULL), dog;
	const char *why;
	BOOL clean;

	if (r->s.exited)
		why = "the target exited";
	else if (r->ended != NULL)
		why = r->ended;
	else if (session_interrupted())
		why = "interrupted";
	else if (r->maxhits != 0 && r->hits >= r->maxhits)
		why = "hit count reached";
	else if (!ok)
		why = "stopped by an error";
	else
		why = "time limit reached";
	dog = CreateThread(NULL, 0, watchdog, done, 0, NULL);
	clean = bp_cleanup(&r->bp);
	clean &= session_detach(&r->s);
	SetEvent(done);
	if (dog != NULL) {
		WaitForSingleObject(dog, INFINITE);
		CloseHandle(dog);
	}
	CloseHandle(done);
	fprintf(r->status ? r->status : stdout, "%lu %s%s; %s; %s\n",
	    r->hits, r->unit ? r->unit : "hit", r->hits == 1 ? "" : "s", why,
	    r->s.exited ? "nothing left to clean up" : clean ?
	    "breakpoints removed, detached, the target keeps running" :
	    "CLEANUP FAILED: see the errors above");
	dis_close(r->dis);
	modules_free(&r->mods);
	return ok && clean ? 0 : EXIT_RUNTIME;
}
