/* tool.h: what every breakpoint tool does around its own concept. */
#ifndef DBGKIT_TOOL_H
#define DBGKIT_TOOL_H

#include <stdio.h>

#include "bp.h"
#include "dis.h"
#include "session.h"
#include "sym.h"

/* One run of a tool against one target. */
struct run {
	struct session s;
	struct modules mods;
	struct bpset bp;
	struct dis *dis;
	unsigned long maxhits;	/* -n: stop after this many hits; 0 = never */
	DWORD ms;		/* -s: stop after this long; INFINITE = never */
	DWORD t0;		/* when the breakpoints went in */
	unsigned long hits;	/* counted by the tool */
	const char *unit;	/* what hits counts: "hit" (default), "step" */
	const char *ended;	/* why the run ended, if the tool knows better */
	FILE *status;		/* where run_start() and run_finish() report:
				   stdout, unless the tool sets another */
};

/*
 * Open the target, stop it at its first breakpoint (the attach break-in
 * or the loader's breakpoint) and say so, list its modules, and open a
 * disassembler (AT&T syntax if att).  The first breakpoint stays pending:
 * the target is stopped while the tool sets its breakpoints.  FALSE
 * (after printing why, and detaching) on failure; the target is untouched.
 */
BOOL run_start(struct run *r, const struct target_spec *spec, int att);

/*
 * After an attach, run the target on from the break-in to the break-in
 * thread's end, stop there (session_wait_breakin_end()) and say so; at
 * once after a launch.  A tool whose first steps or hits can come at
 * once starts from here: under Wine 8 a thread inside its own debug trap
 * as the break-in thread's end stops the process wedges (lesson 05).
 * FALSE (after printing why) if that end does not come.
 */
BOOL run_settle(struct run *r);

/*
 * Wait for the next event while the run should go on.  Returns 1 for an
 * event (pending in r->s.ev), 0 when the run is over (the hit count was
 * reached, the time ran out, Ctrl-C, the target exited), -1 on failure.
 */
int run_next(struct run *r);

/*
 * The end of every run, whatever ended it: remove every breakpoint, detach
 * (the target keeps running), say why the run ended, and return the exit
 * status: 0, or 1 if ok is FALSE or the cleanup failed.
 */
int run_finish(struct run *r, BOOL ok);

/* "tid 1234" plus "(break-in)" for the debugger's own thread: into buf. */
char *thread_label(const struct session *s, DWORD tid, char *buf, size_t n);

/*
 * Decode the instruction at a as the target's code really is: read
 * without our INT3s and past our guard pages (bp_read()), 15 bytes, or
 * up to the end of the page when the next one cannot be read.  FALSE if
 * unreadable or not a valid instruction.
 */
BOOL run_insn(struct run *r, addr_t a, struct insn *in);

/* Parse -n and -s option arguments into r (exits 2 when malformed). */
void run_option(struct run *r, int opt, const char *arg);

#endif
