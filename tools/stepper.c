/*
 * stepper: single-step a thread, step over calls, step out of functions.
 *
 * Lesson 07.  With TF, the trap flag (bit 8 of EFLAGS), set, the CPU runs
 * one instruction and raises EXCEPTION_SINGLE_STEP: that is step into.
 * Step over a call runs to the instruction after it, on a one-shot
 * breakpoint, and checks the stack pointer to know the call came back.
 * Step out runs to the return address of the current frame.  Lesson 14:
 * --blocks runs a block of code at a time, stopping on INT3s that stay
 * at the blocks' ends (step_block()).
 */
#include <getopt.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "emu.h"
#include "err.h"
#include "out.h"
#include "mem.h"
#include "stay.h"
#include "target.h"
#include "tool.h"

static const struct option longopts[] = {
	{ "att", no_argument, NULL, 'A' },
	{ "blocks", no_argument, NULL, 'B' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "out", no_argument, NULL, 'O' },
	{ "over", no_argument, NULL, 'P' },
	{ "thread", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: stepper [-i] [-n steps] [-t tid] [--over|--out|--blocks] [--att] [-o file] pid|name\n"
	    "       stepper [...] -- program [args]\n"
	    "  -n  trace this many steps and stop (with --out: at most this many)\n"
	    "  -i  interactive, even with -n; commands come from stdin:\n"
	    "      s|t step into   p|n step over   o|gu step out   c continue\n"
	    "      b LOCATION breakpoint   r registers   u [N] disassemble   q quit\n"
	    "  --over  trace steps over calls    --out  trace to the return\n"
	    "  --blocks  trace a straight run of code at a time, not each instruction\n"
	    "  --att   AT&T syntax               -o  write the trace to a file\n");
	exit(status);
}

/* Why the target stopped for us. */
enum stop {
	STOP_STEP,		/* a single-step on our thread */
	STOP_BREAK,		/* one of our INT3 breakpoints, on any thread */
	STOP_END,		/* our thread at the INT3 ending its block (--blocks) */
	STOP_EXCEPTION,		/* another exception on our thread */
	STOP_GONE,		/* our thread or the whole process exited */
	STOP_BREAKIN,		/* Ctrl-C broke into the running target */
	STOP_INTERRUPT		/* Ctrl-C, or the wait failed */
};

/* A call we stepped into: where it returns, and the stack pointer then. */
struct frame {
	addr_t ret, sp;
};

/*
 * --blocks: a straight run of instructions from start, and the one that
 * ends it (see step_block()).
 */
struct block {
	addr_t start;
	struct insn *run;	/* the straight instructions, n of them */
	int n;
	int code;		/* start is in executable memory */
	addr_t stop;		/* where the run stops: at end, if any */
	struct insn end;	/* the instruction that ends it, if any */
	int stays;		/* end carries an INT3 that stays */
	struct block *next;	/* in its bucket of stepper.blocks */
};

#define BLOCK_MAX	64	/* instructions in one block at most */
#define BUCKETS		1024

struct stepper {
	struct run r;
	DWORD tid;
	struct thread *t;
	union context regs;	/* our thread's registers at the last stop */
	FILE *out;
	int tracing;		/* print every step (traced mode, --out) */
	unsigned long steps;
	struct softbp *rearm;	/* a breakpoint taken out under our thread */
	enum stop last;		/* the stop now pending */
	int shared;		/* the step is the target's own trap too */
	int fresh;		/* regs were read as the step came (our_step()) */
	int expect_step;	/* we set a slot: a single-step there is ours */
	int interactive;	/* Ctrl-C breaks in, rather than ending the run */
	int want_prompt;	/* ... and a break-in is on its way */
	struct frame frames[256];
	int nframes;
	/*
	 * The code around the IP, as last read: a single step costs no
	 * memory read while the IP stays inside it.  Forgotten whenever the
	 * stepped instruction wrote memory or the target ran freely.
	 */
	unsigned char code[64];
	addr_t code_at;
	size_t code_len;
	/*
	 * --blocks: the blocks met so far, by their start; the INT3 our
	 * thread is on its way to (0: none); and what it cost.
	 */
	struct block *blocks[BUCKETS];
	int staying;		/* INT3s stay at the ends of blocks */
	int in_step;		/* our thread has TF set by step_into() */
	addr_t end_at;
	unsigned long nblocks, nstaying, emulated, passed, events;
};

static const struct cpu *
cpu_of(struct stepper *st)
{
	return st->r.s.cpu;
}

static addr_t
ip_of(struct stepper *st, const union context *c)
{
	return reg_get(cpu_of(st)->ip, c);
}

static addr_t
sp_of(struct stepper *st, const union context *c)
{
	return reg_get(cpu_of(st)->sp, c);
}

static BOOL
load_regs(struct stepper *st)
{
	/* --blocks: the debug registers too, for traps_itself(). */
	if ((st->t = session_thread(&st->r.s, st->tid)) == NULL ||
	    !session_get_context(&st->r.s, st->t->handle, &st->regs,
	    st->staying ? REG_GENERAL | REG_DEBUG : REG_GENERAL)) {
		session_context_failed(st->tid, NULL);
		return FALSE;
	}
	return TRUE;
}

/* Forget the frames that the stack pointer has left behind. */
static void
pop_frames(struct stepper *st)
{
	while (st->nframes > 0 &&
	    sp_of(st, &st->regs) > st->frames[st->nframes - 1].sp)
		st->nframes--;
}

/* The instruction at a, as the target's code really is (without our INT3s). */
static BOOL
decode(struct stepper *st, addr_t a, struct insn *in)
{
	size_t n;

	if (st->code_len == 0 || a < st->code_at ||
	    a + 16 > st->code_at + st->code_len) {
		/* Read ahead, but not into a page that may not be there. */
		n = 0x1000 - (size_t)(a & 0xfff);
		n = n < sizeof(st->code) ? n : sizeof(st->code);
		if (n < 16 && bp_read(&st->r.bp, a, st->code, 16))
			n = 16;
		else if (!bp_read(&st->r.bp, a, st->code, n))
			n = 0;
		st->code_at = a;
		st->code_len = n;
		if (n == 0)
			return FALSE;
	}
	return dis_decode(st->r.dis, st->code + (a - st->code_at),
	    st->code_len - (size_t)(a - st->code_at), a, in);
}

/* Forget every block met (--blocks); their INT3s stay where they are. */
static void
forget_blocks(struct stepper *st)
{
	struct block *bk;
	int i;

	for (i = 0; i < BUCKETS; i++)
		while ((bk = st->blocks[i]) != NULL) {
			st->blocks[i] = bk->next;
			free(bk->run);
			free(bk);
		}
}

/* Print the general registers that differ between a and b. */
static void
print_changes(struct stepper *st, const union context *a,
    const union context *b)
{
	const struct cpu *cpu = cpu_of(st);
	size_t i;

	for (i = 0; i < cpu->nregs; i++) {
		const struct reg *r = &cpu->regs[i];

		if (r->group != REG_GENERAL || r == cpu->ip ||
		    reg_get(r, a) == reg_get(r, b))
			continue;
		fprintf(st->out, " %s=%0*llx", r->name, r->width * 2,
		    (unsigned long long)reg_get(r, b));
	}
}

/* One line: the instruction that ran, and what it changed. */
static void
print_step(struct stepper *st, const struct insn *in, const union context *before,
    const union context *after, const char *note)
{
	char where[160], hex[64];

	fprintf(st->out, "%6lu  %-30s %-21s %-34s", st->steps,
	    sym_format(&st->r.mods, in->addr, where, sizeof(where)),
	    insn_hex(in, hex, sizeof(hex)), in->text);
	print_changes(st, before, after);
	if (note != NULL)
		fprintf(st->out, "  (%s)", note);
	fputc('\n', st->out);
}

/* Where we are now, for interactive mode. */
static void
print_here(struct stepper *st)
{
	char where[160], hex[64];
	struct insn in;

	if (!decode(st, ip_of(st, &st->regs), &in))
		return;
	fprintf(st->out, "tid %lu at %s: %-21s %s\n", st->tid,
	    sym_format(&st->r.mods, in.addr, where, sizeof(where)),
	    insn_hex(&in, hex, sizeof(hex)), in.text);
}

/*
 * Ctrl-C while the target runs, in interactive mode (c, or a long p or
 * o): break in, as WinDbg's Ctrl-Break and gdb's Ctrl-C do, and come
 * back to the prompt.  FALSE when the run should end instead: in traced
 * mode, or at a second Ctrl-C while the first one's break-in is on its
 * way.  Either way, a step we asked for is still ours when it comes:
 * bp_trapped() knows it.
 */
static BOOL
break_in(struct stepper *st)
{
	if (!session_interrupted())
		return FALSE;
	if (!st->interactive || st->want_prompt || !session_break(&st->r.s))
		return FALSE;
	st->want_prompt = 1;
	fprintf(st->out, "Ctrl-C: breaking in (Ctrl-C again to end the session)\n");
	return TRUE;
}

/*
 * The pending event, seen for what a break-in makes of it.  1: the
 * break-in's breakpoint, which the user waits for: the target stands
 * still, and we stop there.  -1: ours to answer with DBG_CONTINUE and
 * forget: a break-in's breakpoint that came after another stop had
 * brought us back to the prompt.  0: anything else.
 */
static int
broken_in(struct stepper *st)
{
	if (!st->r.s.at_breakin)
		return 0;
	if (!st->want_prompt)
		return -1;
	st->want_prompt = 0;
	return 1;
}

/*
 * A single-step arrived on tid: one we asked for?  1 if so, with *owed
 * the status to continue it with (bp_trapped()); 0 if not; -1 if a
 * breakpoint could not be put back after a step past it (step_end()).
 * Our thread's registers, read for the fix-ups of its step, are kept.
 */
static int
our_step(struct stepper *st, DWORD tid, DWORD *owed)
{
	int k;

	if ((k = step_end(&st->r.bp, tid, owed)) != 0)
		return k;
	if (tid != st->tid)
		return bp_trapped(&st->r.bp, tid, owed);
	if ((k = bp_trapped_regs(&st->r.bp, tid, owed, &st->regs)) == 0)
		return 0;
	st->fresh = k > 0;
	return 1;
}

/*
 * A thread other than ours (or ours, where we did not send it) reached
 * one of our INT3s, the end of a block (--blocks) or the one a step over
 * or out waits for: it gets past the instruction under it as a thread
 * gets past softbp's breakpoints by default, by emulation (stay_pass()),
 * and runs on without stopping us.
 */
static BOOL
pass_other(struct stepper *st, struct softbp *bp, DWORD tid)
{
	union context c;

	st->passed++;
	return soft_context(&st->r.bp, bp, tid, &c) &&
	    stay_pass(&st->r.bp, st->r.dis, bp, tid, &c) != 0;
}

/* Thread tid ran our INT3 at a: its IP back onto a, the instruction there. */
static BOOL
rewind_to(struct stepper *st, DWORD tid, addr_t a)
{
	const struct cpu *cpu = cpu_of(st);
	struct thread *t = session_thread(&st->r.s, tid);
	union context c;

	if (t == NULL || !cpu->get(t->handle, &c, REG_CONTROL)) {
		session_context_failed(tid, NULL);
		return FALSE;
	}
	reg_set(cpu->ip, &c, a);
	if (!cpu->set(t->handle, &c, REG_CONTROL)) {
		warn("SetThreadContext(tid %lu)", tid);
		return FALSE;
	}
	return TRUE;
}

/*
 * Our thread, stepped with TF, ran one of the INT3s that end blocks
 * before its trap came.  A system call can return with the trap still
 * due, to come after the first instruction back in the program: TF set
 * again by the return behaves as a popf's does (Intel SDM vol. 3B,
 * 17.3.1.4).  Wine 8 does so, returning to the instruction after the
 * syscall in ntdll's stub; when that instruction carries one of our
 * INT3s, the INT3 runs first.  The step is done, at the INT3: the IP
 * goes back onto it, and our TF is off.
 */
static enum stop
stepped_onto(struct stepper *st, struct softbp *bp)
{
	const struct cpu *cpu = cpu_of(st);
	struct thread *t = session_thread(&st->r.s, st->tid);
	union context c;
	DWORD owed;

	if (t == NULL || !cpu->get(t->handle, &c, REG_CONTROL)) {
		session_context_failed(st->tid, NULL);
		return STOP_INTERRUPT;
	}
	reg_set(cpu->ip, &c, bp->addr);
	if (!cpu->set(t->handle, &c, REG_CONTROL)) {
		warn("SetThreadContext(tid %lu)", st->tid);
		return STOP_INTERRUPT;
	}
	if (!bp_trapped(&st->r.bp, st->tid, &owed))
		return STOP_INTERRUPT;
	st->shared = owed != DBG_CONTINUE;
	return STOP_STEP;
}

/*
 * Continue the pending event and wait for the next one that concerns us.
 * Events of other threads are answered on the spot with their default
 * status, but for the single-step of a thread we set TF on and then left
 * (another stopped first): that one is ours.  One of our INT3s is a stop
 * on any thread: it becomes our thread.  Those that end blocks are not
 * (--blocks): only ours stops there.
 */
static enum stop
resume(struct stepper *st, DWORD status)
{
	struct session *s = &st->r.s;
	const EXCEPTION_RECORD *er;
	struct softbp *bp;
	DWORD owed, tid;
	int rc;

	if (!session_continue(s, status))
		return STOP_INTERRUPT;
	st->last = STOP_INTERRUPT;
	st->fresh = 0;
	if (!(reg_get(cpu_of(st)->flags, &st->regs) & TRAP_FLAG))
		st->code_len = 0;	/* it runs freely: code may change */
	for (;;) {
		if ((rc = bp_wait(&st->r.bp, INFINITE)) == 0 && break_in(st))
			continue;
		if (rc <= 0)
			return STOP_INTERRUPT;
		st->events++;
		tid = s->ev.dwThreadId;
		/* A module that goes may take blocks with it: read them anew. */
		if (s->ev.dwDebugEventCode == UNLOAD_DLL_DEBUG_EVENT)
			forget_blocks(st);
		if (s->exited || (s->ev.dwDebugEventCode == EXIT_THREAD_DEBUG_EVENT &&
		    s->ev.dwThreadId == st->tid))
			return STOP_GONE;
		if ((rc = broken_in(st)) != 0) {
			if (rc > 0)
				return st->last = STOP_BREAKIN;
			if (!session_continue(s, DBG_CONTINUE))
				return STOP_INTERRUPT;
			continue;
		}
		status = session_default_status(s);
		if ((er = session_exception(s)) != NULL) {
			bp = soft_at(&st->r.bp, (addr_t)(uintptr_t)er->ExceptionAddress);
			/* --blocks has no breakpoint of the user's: only these stay. */
			if (is_breakpoint_code(er->ExceptionCode) && bp != NULL &&
			    st->staying && !bp->oneshot) {
				if (tid == st->tid && bp->addr == st->end_at)
					return st->last = STOP_END;
				if (tid == st->tid && st->in_step)
					return st->last = stepped_onto(st, bp);
				if (!pass_other(st, bp, tid))
					return STOP_INTERRUPT;
				status = DBG_CONTINUE;
			} else if (is_breakpoint_code(er->ExceptionCode) && bp != NULL &&
			    bp->oneshot && tid != st->tid) {
				/*
				 * Another thread at the INT3 that a step over
				 * or out waits for: no stop.  While the INT3 is
				 * in, the thread gets past it as others get
				 * past the INT3s that stay, and it stays for
				 * our thread; after, it hit the INT3 just before
				 * it went out, and runs the instruction again.
				 */
				if (!(bp->inserted ? pass_other(st, bp, tid) :
				    rewind_to(st, tid, bp->addr)))
					return STOP_INTERRUPT;
				status = DBG_CONTINUE;
			} else if (is_breakpoint_code(er->ExceptionCode) && bp != NULL &&
			    rewind_to(st, tid, bp->addr)) {
				/* Back onto the INT3's instruction; the byte out. */
				soft_remove(&st->r.bp, bp);
				if (!bp->oneshot)
					st->rearm = bp;
				st->tid = tid;
				return st->last = STOP_BREAK;
			} else if (is_single_step_code(er->ExceptionCode) &&
			    (rc = our_step(st, tid, &owed)) != 0) {
				if (rc < 0)
					return STOP_INTERRUPT;
				if (tid == st->tid) {
					st->shared = owed != DBG_CONTINUE;
					return st->last = STOP_STEP;
				}
				status = owed;	/* a thread we left behind */
			} else if (tid == st->tid)
				/*
				 * A single-step we did not ask for is the
				 * target's own (a program may set TF itself):
				 * it gets it.
				 */
				return st->last = is_single_step_code(
				    er->ExceptionCode) && st->expect_step ?
				    STOP_STEP : STOP_EXCEPTION;
		}
		if (!session_continue(s, status))
			return STOP_INTERRUPT;
	}
}

static void
report(struct stepper *st, enum stop why)
{
	const EXCEPTION_RECORD *er = session_exception(&st->r.s);
	char where[160];
	const char *name;

	switch (why) {
	case STOP_EXCEPTION:
		name = exception_name(er->ExceptionCode);
		fprintf(st->out, "tid %lu: %s (0x%08lx) at %s; it goes to the "
		    "target's own handlers\n", st->tid, name ? name : "exception",
		    er->ExceptionCode, sym_format(&st->r.mods,
		    (addr_t)(uintptr_t)er->ExceptionAddress, where, sizeof(where)));
		break;
	case STOP_GONE:
		fprintf(st->out, "%s\n", st->r.s.exited ? "the target exited" :
		    "the thread exited");
		break;
	case STOP_BREAK:
		load_regs(st);
		fprintf(st->out, "breakpoint: ");
		print_here(st);
		break;
	case STOP_BREAKIN:
		load_regs(st);
		fprintf(st->out, "stopped by tid %lu, the break-in's thread; ",
		    st->r.s.breakin_tid);
		print_here(st);
		break;
	default:
		break;
	}
}

/*
 * Before we detach, what is still on its way to us is answered as ours,
 * so that it never reaches the target: the single-step of a thread we
 * had set TF on when Ctrl-C ended the run (bp_cleanup() takes it in
 * while it still knows the trap; later, one on our thread is taken as
 * ours), and the breakpoint of a break-in that the session ended before
 * it came, waited for here a moment at most, with our breakpoints out.
 */
static void
settle(struct stepper *st)
{
	struct session *s = &st->r.s;
	const EXCEPTION_RECORD *er;
	DWORD t0 = GetTickCount(), status;

	if (!s->breaking || s->exited)
		return;
	bp_cleanup(&st->r.bp);
	for (;;) {
		if (s->pending) {
			status = session_default_status(s);
			if ((er = session_exception(s)) != NULL &&
			    is_single_step_code(er->ExceptionCode) &&
			    s->ev.dwThreadId == st->tid)
				status = DBG_CONTINUE;
			if (!session_continue(s, status))
				return;
		}
		if (!s->breaking || s->exited || GetTickCount() - t0 > 2000 ||
		    session_poll(s, 100) < 0)
			return;
	}
}

/* The status to continue a stop with: an exception we did not cause is the target's. */
static DWORD
status_of(enum stop why)
{
	return why == STOP_EXCEPTION ? DBG_EXCEPTION_NOT_HANDLED : DBG_CONTINUE;
}

/*
 * Step into: set TF and let the thread run one instruction.  Returns the
 * stop.  A step is counted and printed when tracing or not quiet; with
 * quiet 2 (a step the debugger takes for itself) it is neither.
 */
static enum stop
step_into(struct stepper *st, int quiet)
{
	const struct cpu *cpu = cpu_of(st);
	union context before = st->regs, after;
	struct insn in;
	const char *note = NULL;
	char buf[96];
	addr_t ip = ip_of(st, &before), sp = sp_of(st, &before);
	enum stop why;

	if (!decode(st, ip, &in))
		snprintf(in.text, sizeof(in.text), "(undecodable)"), in.len = 0,
		    in.flags = 0, in.addr = ip;
	/* TF for one instruction; bp_trapped() puts right what it did. */
	if (!bp_trap(&st->r.bp, st->t->handle, 1))
		return STOP_INTERRUPT;
	st->in_step = 1;
	why = resume(st, DBG_CONTINUE);
	st->in_step = 0;
	if (why == STOP_BREAKIN && quiet == 0)
		report(st, why);	/* s: the step did not come at once */
	if (why != STOP_STEP)
		return why;
	if (quiet < 2)
		st->steps++;
	if (in.flags & INSN_MEMWRITE)
		st->code_len = 0;	/* it may have written code */
	if (!st->fresh && !load_regs(st))
		return STOP_INTERRUPT;
	after = st->regs;
	if (st->rearm != NULL) {	/* the breakpoint we stood on goes back */
		soft_insert(&st->r.bp, st->rearm->addr, 0, "breakpoint");
		st->rearm = NULL;
	}
	if (st->r.bp.trap_fixed == FLAGS_PUSHF)
		note = "pushf copied TF to the stack; cleared it there";
	else if (st->r.bp.trap_fixed == FLAGS_POPF)
		note = "popf set the target's own TF; kept";
	else if (st->shared)
		note = "the target's own trap too";
	/* A REP instruction traps once per iteration, at the same address. */
	if ((in.flags & INSN_REP) && ip_of(st, &after) == ip) {
		snprintf(buf, sizeof(buf), "rep: one trap per iteration, %s=%llu left",
		    cpu->ptrsize == 4 ? "ecx" : "rcx", (unsigned long long)reg_get(
		    cpu_reg(cpu, cpu->ptrsize == 4 ? "ecx" : "rcx"), &after));
		note = buf;
	}
	/* Keep the frames of the calls we stepped into, for step out. */
	if ((in.flags & INSN_CALL) && sp_of(st, &after) < sp &&
	    st->nframes < (int)(sizeof(st->frames) / sizeof(st->frames[0])))
		st->frames[st->nframes++] = (struct frame){ ip + in.len,
		    sp_of(st, &after) };
	pop_frames(st);
	if ((st->tracing && quiet < 2) || !quiet)
		print_step(st, &in, &before, &after, note);
	/*
	 * The target had set TF itself, so the trap is its own as well: it
	 * goes to its handlers, like any exception of its own.  (Under Wine
	 * the handlers run without the trap flag: the thread cannot be
	 * followed through them.)
	 */
	if (st->shared) {
		if (!st->tracing)
			report(st, STOP_EXCEPTION);
		return st->last = STOP_EXCEPTION;
	}
	return STOP_STEP;
}

/*
 * Run until our thread reaches target with its stack pointer at least
 * sp_min, on a one-shot breakpoint there.  On Windows that is a
 * debug-register slot set in this thread alone: nothing to take out of
 * the code, and other threads never see it.  Under Wine, whose threads
 * can wedge after their debug registers are written, it is an INT3; then
 * another thread, or a deeper recursive call of ours, may reach the spot
 * first: it is stepped past, and the INT3 goes back.  Returns STOP_STEP
 * on arrival, else why the thread stopped elsewhere.
 */
static enum stop
run_to(struct stepper *st, addr_t target, addr_t sp_min)
{
	const struct cpu *cpu = cpu_of(st);
	struct hwbp *hw = NULL;
	DWORD mine = st->tid;
	enum stop why;
	int i;

	for (i = 0; i < DR_SLOTS && hw == NULL && !running_on_wine(); i++)
		if (!st->r.bp.hw[i].used)
			hw = &st->r.bp.hw[i];
	if (hw != NULL) {
		*hw = (struct hwbp){ .used = 1, .addr = target,
		    .rw = DR7_RW_EXECUTE, .len = 1 };
		if (!hw_apply(&st->r.bp, st->t->handle))
			return STOP_INTERRUPT;
	}
	for (;;) {
		if (hw == NULL && soft_insert(&st->r.bp, target, 1,
		    "step target") == NULL)
			return STOP_INTERRUPT;
		st->expect_step = hw != NULL;
		why = resume(st, DBG_CONTINUE);
		st->expect_step = 0;
		/* Our slot reports as a single-step; our INT3 as a break. */
		if (why != (hw != NULL ? STOP_STEP : STOP_BREAK))
			break;
		if (!load_regs(st))
			return STOP_INTERRUPT;
		if (ip_of(st, &st->regs) != target)
			break;		/* a breakpoint of the user's */
		if (st->tid == mine && sp_of(st, &st->regs) >= sp_min) {
			why = STOP_STEP;
			break;
		}
		if (hw != NULL) {	/* deeper: run on, past the slot */
			reg_set(cpu->flags, &st->regs,
			    reg_get(cpu->flags, &st->regs) | RESUME_FLAG);
			cpu->set(st->t->handle, &st->regs, REG_GENERAL);
			continue;
		}
		/* Deeper (others pass it in resume()): step past, re-arm. */
		why = step_into(st, 2);
		st->tid = mine;
		if (why != STOP_STEP || !load_regs(st))
			break;
	}
	if (hw != NULL) {
		hw_unapply(&st->r.bp, st->t->handle);
		hw->used = 0;
	} else if (soft_at(&st->r.bp, target) != NULL)
		soft_remove(&st->r.bp, soft_at(&st->r.bp, target));
	if (why != STOP_GONE) {		/* a thread that exited has none */
		load_regs(st);
		pop_frames(st);
	}
	return why;
}

/* Step over: a call runs to the next instruction; anything else is a step. */
static enum stop
step_over(struct stepper *st, int quiet)
{
	union context before = st->regs;
	addr_t ip = ip_of(st, &before);
	struct insn in;
	enum stop why;

	if (!decode(st, ip, &in) || !(in.flags & INSN_CALL))
		return step_into(st, quiet);
	/* Standing on our INT3 (taken out): step into the call to put it back. */
	if (st->rearm != NULL && (why = step_into(st, 2)) != STOP_STEP)
		return why;
	if ((why = run_to(st, ip + in.len, sp_of(st, &before))) != STOP_STEP) {
		fprintf(st->out, "the call at 0x%llx did not come back to the next "
		    "instruction: ", (unsigned long long)ip);
		if (why == STOP_INTERRUPT)
			fprintf(st->out, "interrupted\n");
		report(st, why);
		return why;
	}
	st->steps++;
	if (st->tracing || !quiet)
		print_step(st, &in, &before, &st->regs, "stepped over the call");
	return STOP_STEP;
}

/* True if the page holding a is executable code. */
static BOOL
executable(struct stepper *st, addr_t a)
{
	MEMORY_BASIC_INFORMATION mbi;

	return VirtualQueryEx(st->r.s.process, (LPCVOID)(uintptr_t)a, &mbi,
	    sizeof(mbi)) && mbi.State == MEM_COMMIT &&
	    (mbi.Protect & PAGE_EXECUTABLE) && !(mbi.Protect & PAGE_GUARD);
}

/*
 * Block stepping (--blocks).  A single step costs a whole debug event,
 * however simple the instruction.  But most code holds no surprises: a
 * block, the instructions from where the thread stands up to the next
 * branch whose way is not known beforehand (jcc, ret, a call or jmp
 * through a register or memory), runs the same way every time.  A direct
 * call or jmp goes where it says, so a block runs on through it, at its
 * destination.  The first time a block is entered, the branch that ends
 * it gets an INT3 that stays there; from then on the thread runs the
 * whole block freely and stops on it: one debug event per block.  The
 * CPU never runs the branch under the INT3: the tool carries it out on
 * the thread's registers and stack (common/emu.c, lesson 14), and the
 * thread goes on at its destination, the start of the next block.  If
 * that block starts with its branch, no event at all is needed.  The
 * trace shows every instruction as if stepped, with the registers known
 * at the ends of blocks.  A block is decoded once, the first time it is
 * entered: code that rewrites itself needs single steps.
 *
 * A REP instruction ends a block too, for a single step traps once per
 * iteration, and the trace must show each; so does a branch that emu.c
 * does not do.  Both keep their INT3 as well, and at each hit the byte
 * goes out for real steps, then back in.  (pushf does not end a block:
 * it copies TF onto the stack only when single-stepped.)
 *
 * Other threads that run the same code meet the INT3s too: they get past
 * them the way they get past softbp's, by emulation (stay_pass()), and
 * ours is not stopped.  No block runs through an INT3 of another's but
 * at a direct call or jmp; there ours is passed the same way.
 *
 * A block ends early at an address it has been through already (a loop
 * of direct jumps), at code that cannot be read, and after BLOCK_MAX
 * instructions: at the last direct call or jmp it ran through, which
 * gets the INT3.  If there is none, or the block ends at int or syscall,
 * it runs the way blocks ran before INT3s stayed: to its end on a
 * one-shot breakpoint, or step by step if it is short.
 */

/* What ends a block, unless it is a direct call or jmp (follows()). */
#define ENDS	(INSN_CALL | INSN_RET | INSN_JUMP | INSN_INT | INSN_REP)

/* Whether a block runs on through in, at its destination. */
static int
follows(const struct insn *in)
{
	return in->target != 0 && !in->prefixed && ((in->flags & INSN_CALL) ||
	    ((in->flags & INSN_JUMP) && strcmp(in->mnem, "jmp") == 0));
}

/* Whether one of the n instructions of run is at a. */
static int
ran(const struct insn *run, int n, addr_t a)
{
	while (n-- > 0)
		if (run[n].addr == a)
			return 1;
	return 0;
}

/*
 * The block that starts at a: met before, or decoded now, with the INT3
 * at its end planted.  NULL (after printing why) if out of memory.
 */
static struct block *
block_at(struct stepper *st, addr_t a)
{
	struct block **bucket = &st->blocks[(a ^ a >> 12) % BUCKETS], *bk;
	struct insn run[BLOCK_MAX], in;
	struct softbp *bp;
	addr_t start = a, page = 0;
	int n = 0, ended = 0, last = -1;

	for (bk = *bucket; bk != NULL; bk = bk->next)
		if (bk->start == a)
			return bk;
	for (;; n++) {
		if (n == BLOCK_MAX || ran(run, n, a) ||
		    ((a & ~(addr_t)0xfff) != page && !executable(st, a)) ||
		    !decode(st, a, &in)) {
			if (last >= 0) {	/* end at the last call or jmp */
				in = run[last];
				n = last;
				ended = 1;
			}
			break;
		}
		page = a & ~(addr_t)0xfff;
		if ((in.flags & ENDS) && !follows(&in)) {
			ended = 1;
			break;
		}
		run[n] = in;
		if (in.flags & ENDS) {
			last = n;
			a = in.target;
		} else
			a += in.len;
	}
	if ((bk = calloc(1, sizeof(*bk))) == NULL || (n > 0 &&
	    (bk->run = malloc(n * sizeof(*bk->run))) == NULL)) {
		free(bk);
		warnx("--blocks: out of memory");
		return NULL;
	}
	bk->start = start;
	bk->code = n > 0 || ended;
	if (n > 0)
		memcpy(bk->run, run, n * sizeof(*run));
	bk->n = n;
	bk->stop = ended ? in.addr : a;
	if (ended)
		bk->end = in;
	/* Its end gets an INT3, unless one is there already. */
	bk->stays = ended && !(in.flags & INSN_INT) &&
	    (((bp = soft_at(&st->r.bp, in.addr)) != NULL && bp->inserted) ||
	    soft_insert(&st->r.bp, in.addr, 0, "the end of a block") != NULL);
	bk->next = *bucket;
	*bucket = bk;
	st->nblocks++;
	st->nstaying += bk->stays;
	return bk;
}

/*
 * Whether the thread, by its registers c (with the debug registers),
 * traps itself after its next instruction: it has TF set, or a debug
 * register of its own enabled.  Only the real instruction, run in its
 * place, gives it that trap.
 */
static BOOL
traps_itself(struct stepper *st, const union context *c)
{
	return (reg_get(cpu_of(st)->flags, c) & TRAP_FLAG) ||
	    hw_target_armed(&st->r.bp, c);
}

/*
 * Our thread stands on the instruction that ends bk (the INT3 on it has
 * run, or the thread has not run since the last stop): carry it out as
 * the CPU would; or take the byte out for real steps, as lesson 04 does,
 * for what emu.c does not do, and for a thread that traps itself.
 */
static enum stop
pass_end(struct stepper *st, struct block *bk)
{
	const struct cpu *cpu = cpu_of(st);
	union context before = st->regs, after = st->regs;
	struct softbp *bp = soft_at(&st->r.bp, bk->end.addr);
	struct block *next;
	struct emu_write w;
	enum stop why;

	/*
	 * Not into what is not code to us: under Wine a system call is a
	 * call or jmp into Wine's own dispatcher, outside every module, and
	 * a real single step over it comes back after the system call, as
	 * a step over syscall or sysenter does on Windows.
	 */
	if (!traps_itself(st, &before) &&
	    emu_run(cpu, st->r.s.process, &bk->end, &after, &w, NULL) &&
	    (next = block_at(st, ip_of(st, &after))) != NULL && next->code) {
		if (!cpu->set(st->t->handle, &after, REG_GENERAL)) {
			warn("SetThreadContext(tid %lu)", st->tid);
			return STOP_INTERRUPT;
		}
		/* Its stop is answered as a step now, not as an INT3. */
		if (st->last == STOP_END)
			st->last = STOP_STEP;
		st->regs = after;
		st->steps++;
		st->emulated++;
		print_step(st, &bk->end, &before, &after, NULL);
		return STOP_STEP;
	}
	/*
	 * (Or its memory operand is not there: the CPU faults for real.  A
	 * call emulated and then not taken wrote its return address below
	 * the stack pointer, where the real call writes the same.)
	 */
	if (!cpu->set(st->t->handle, &before, REG_CONTROL)) {
		warn("SetThreadContext(tid %lu)", st->tid);
		return STOP_INTERRUPT;
	}
	if (st->last == STOP_END)
		st->last = STOP_STEP;
	if (bp != NULL && bp->inserted && !soft_remove(&st->r.bp, bp))
		return STOP_INTERRUPT;
	do	/* REP: every iteration, till the IP moves on */
		why = step_into(st, 1);
	while (why == STOP_STEP && (bk->end.flags & INSN_REP) &&
	    ip_of(st, &st->regs) == bk->end.addr);
	if (bp != NULL && !bp->inserted && !bp->gone &&
	    soft_insert(&st->r.bp, bp->addr, 0, "the end of a block") == NULL)
		return STOP_INTERRUPT;
	return why;
}

/*
 * The straight run of bk, which the thread has just run from the
 * registers *before to st->regs: each instruction as if stepped.  The
 * registers are known at the block's ends only.
 */
static void
print_run(struct stepper *st, const struct block *bk,
    const union context *before)
{
	int i;

	for (i = 0; i < bk->n; i++) {
		st->steps++;
		print_step(st, &bk->run[i], before, i == bk->n - 1 ?
		    &st->regs : before, NULL);
	}
}

/* A block as it was run before INT3s stayed: on a one-shot breakpoint. */
static enum stop
run_block(struct stepper *st, struct block *bk)
{
	union context before = st->regs;
	enum stop why;

	/*
	 * A one-shot breakpoint costs about as many round trips to the
	 * kernel (Wine's server) as three or four single steps: a shorter
	 * block is stepped.
	 */
	if (bk->n < 4)
		return step_into(st, 1);
	if ((why = run_to(st, bk->stop, 0)) != STOP_STEP) {
		fprintf(st->out, "inside a block: ");
		report(st, why);
		return why;
	}
	print_run(st, bk, &before);
	return STOP_STEP;
}

/* One block, from where our thread stands. */
static enum stop
step_block(struct stepper *st)
{
	union context before = st->regs;
	struct block *bk;
	enum stop why;

	if ((bk = block_at(st, ip_of(st, &before))) == NULL)
		return STOP_INTERRUPT;
	if (!bk->stays)
		return run_block(st, bk);
	if (bk->n > 0) {
		st->end_at = bk->end.addr;
		why = resume(st, DBG_CONTINUE);
		st->end_at = 0;
		if (why != STOP_END) {
			fprintf(st->out, "inside a block: ");
			report(st, why);
			return why;
		}
		if (!load_regs(st))
			return STOP_INTERRUPT;
		/* The INT3 has run; it stands for the branch under it. */
		reg_set(cpu_of(st)->ip, &st->regs, bk->end.addr);
	}
	print_run(st, bk, &before);
	return pass_end(st, bk);
}

/*
 * Step out: run to where the current function returns.  If we stepped
 * into it, its return address is known; otherwise step (over calls) to
 * the ret that pops the current frame, by the stack pointer: no frame
 * pointer needed, and recursion does not fool it.
 */
static enum stop
step_out(struct stepper *st, unsigned long limit)
{
	union context before = st->regs;
	addr_t sp0 = sp_of(st, &before);
	struct frame f;
	struct insn in;
	enum stop why = STOP_STEP;
	unsigned long n;
	char where[160];

	if (st->nframes > 0 && st->frames[st->nframes - 1].sp >= sp0) {
		f = st->frames[--st->nframes];
		why = run_to(st, f.ret, f.sp + 1);
	} else {
		for (n = 0; limit == 0 || n < limit; n++) {
			if (!decode(st, ip_of(st, &st->regs), &in))
				return STOP_INTERRUPT;
			if ((in.flags & INSN_RET) && sp_of(st, &st->regs) >= sp0) {
				why = step_into(st, 1);
				break;
			}
			why = (in.flags & INSN_CALL) ? step_over(st, 1) :
			    step_into(st, 1);
			if (why != STOP_STEP)
				break;
		}
	}
	if (why == STOP_STEP)
		fprintf(st->out, "returned to %s  %s=%0*llx (was %0*llx)\n",
		    sym_format(&st->r.mods, ip_of(st, &st->regs), where,
		    sizeof(where)), cpu_of(st)->sp->name,
		    (int)cpu_of(st)->ptrsize * 2,
		    (unsigned long long)sp_of(st, &st->regs),
		    (int)cpu_of(st)->ptrsize * 2, (unsigned long long)sp0);
	else
		report(st, why);
	return why;
}

/* c: run until one of our breakpoints, an exception, or the end. */
static enum stop
cont(struct stepper *st)
{
	enum stop why;

	if (st->rearm != NULL && (why = step_into(st, 2)) != STOP_STEP)
		return why;	/* off the breakpoint we stand on, first */
	why = resume(st, DBG_CONTINUE);
	report(st, why);
	return why;
}

static void
disassemble(struct stepper *st, unsigned long n)
{
	char where[160], hex[64];
	addr_t a = ip_of(st, &st->regs);
	struct insn in;

	while (n-- > 0 && decode(st, a, &in)) {
		fprintf(st->out, "  %-30s %-21s %s\n", sym_format(&st->r.mods, a,
		    where, sizeof(where)), insn_hex(&in, hex, sizeof(hex)), in.text);
		a += in.len;
	}
}

/* One interactive command.  Returns the stop it caused (STOP_STEP if none). */
static enum stop
command(struct stepper *st, char *line, int *quit)
{
	char *cmd = strtok(line, " \t\r\n"), *arg = strtok(NULL, " \t\r\n");
	uint64_t n = 8;
	addr_t a;

	if (cmd == NULL)
		return STOP_STEP;
	if (!strcmp(cmd, "s") || !strcmp(cmd, "t"))
		return step_into(st, 0);
	if (!strcmp(cmd, "p") || !strcmp(cmd, "n"))
		return step_over(st, 0);
	if (!strcmp(cmd, "o") || !strcmp(cmd, "gu"))
		return step_out(st, 0);
	if (!strcmp(cmd, "c"))
		return cont(st);
	if (!strcmp(cmd, "q")) {
		*quit = 1;
		return STOP_STEP;
	}
	if (!strcmp(cmd, "r")) {
		cpu_print(st->out, cpu_of(st), &st->regs, REG_GENERAL);
		return STOP_STEP;
	}
	if (!strcmp(cmd, "u")) {
		if (arg != NULL && parse_number(arg, 1, 1000, &n) != NULL)
			warnx("u: \"%s\": give a count from 1 to 1000", arg);
		else
			disassemble(st, (unsigned long)n);
		return STOP_STEP;
	}
	if (!strcmp(cmd, "b")) {
		if (arg == NULL)
			warnx("b: give a location");
		else if (sym_resolve(&st->r.mods, arg, &a) &&
		    soft_insert(&st->r.bp, a, 0, arg) != NULL)
			fprintf(st->out, "breakpoint at %s (0x%llx)\n", arg,
			    (unsigned long long)a);
		return STOP_STEP;
	}
	warnx("unknown command \"%s\" (s, p, o, c, b LOCATION, r, u [N], q)", cmd);
	return STOP_STEP;
}

/*
 * The user's commands, read by a thread of their own.  A read from the
 * console does not return for a Ctrl-C (not under Wine, at least), so
 * the tool waits for the next line and for Ctrl-C at the same time.
 * The reader takes the handle as it is, with no stdio lock held, so that
 * it can be left blocked when the tool exits.
 */
static struct {
	HANDLE thread;
	HANDLE asked;		/* the tool wants a line */
	HANDLE ready;		/* line holds it, or eof is set */
	char line[512];
	int eof;
} input;

static DWORD WINAPI
read_input(void *arg)
{
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
	static char buf[1024];
	static size_t n;
	char *nl;
	DWORD got;
	size_t len;

	for (;;) {
		WaitForSingleObject(input.asked, INFINITE);
		/* One line from what came in; a long one is cut. */
		while ((nl = memchr(buf, '\n', n)) == NULL && n < sizeof(buf) &&
		    ReadFile(in, buf + n, (DWORD)(sizeof(buf) - n), &got, NULL) &&
		    got > 0)
			n += got;
		len = nl != NULL ? (size_t)(nl + 1 - buf) : n;
		input.eof = len == 0;
		len = len < sizeof(input.line) ? len : sizeof(input.line) - 1;
		memcpy(input.line, buf, len);
		input.line[len] = '\0';
		n -= nl != NULL ? (size_t)(nl + 1 - buf) : n;
		memmove(buf, nl != NULL ? nl + 1 : buf, n);
		SetEvent(input.ready);
		if (input.eof)
			return 0;
	}
}

/* The next command into line.  1, 0 at the end of the input, -1 at Ctrl-C. */
static int
read_command(char *line, size_t size)
{
	if (input.thread == NULL) {
		input.asked = CreateEventA(NULL, FALSE, FALSE, NULL);
		input.ready = CreateEventA(NULL, FALSE, FALSE, NULL);
		if (input.asked == NULL || input.ready == NULL || (input.thread =
		    CreateThread(NULL, 0, read_input, NULL, 0, NULL)) == NULL) {
			warn("CreateThread(command reader)");
			return 0;
		}
	}
	SetEvent(input.asked);
	while (WaitForSingleObject(input.ready, 100) == WAIT_TIMEOUT)
		if (session_interrupted())
			return -1;
	snprintf(line, size, "%s", input.line);
	return !input.eof;
}

static BOOL
interactive(struct stepper *st)
{
	char line[512];
	int quit = 0, prompt = _isatty(_fileno(stdin)), rc;
	enum stop why;

	st->interactive = 1;
	print_here(st);
	for (;;) {
		/* Everything so far shows before we wait for the next command. */
		fflush(st->out);
		if (prompt)
			fputs("stepper> ", stdout);
		out_idle();
		if ((rc = read_command(line, sizeof(line))) <= 0) {
			if (prompt)	/* the end of the input or a Ctrl-C */
				putchar('\n');
			return TRUE;
		}
		why = command(st, line, &quit);
		st->want_prompt = 0;	/* any stop brings the user back */
		if (quit || why == STOP_GONE || why == STOP_INTERRUPT)
			return TRUE;
		/* Not ours: the target's handlers get it; on to our next stop. */
		while (why == STOP_EXCEPTION) {
			why = resume(st, DBG_EXCEPTION_NOT_HANDLED);
			report(st, why);
		}
		st->want_prompt = 0;
		if (why == STOP_GONE || why == STOP_INTERRUPT)
			return TRUE;
		if (why == STOP_STEP && !load_regs(st))
			return FALSE;
	}
}

static BOOL
traced(struct stepper *st, unsigned long n, int mode)
{
	unsigned long i;
	enum stop why = STOP_STEP;
	DWORD t0 = GetTickCount(), ms;

	st->tracing = 1;
	if (mode == 'O')
		why = step_out(st, n);
	else if (mode == 'B')
		while (st->steps < n && why == STOP_STEP)
			why = step_block(st);
	else
		for (i = 0; i < n && why == STOP_STEP; i++)
			why = mode == 'P' ? step_over(st, 1) : step_into(st, 1);
	if (why != STOP_STEP && mode != 'O')
		report(st, why);
	ms = GetTickCount() - t0;
	if (mode == 'B')
		printf("%lu blocks, %lu ending at an INT3 that stays; "
		    "%lu branches emulated; %lu debug events; other threads "
		    "passed the INT3s %lu times\n", st->nblocks, st->nstaying,
		    st->emulated, st->events, st->passed);
	printf("%lu steps in %lu ms: %lu steps/s\n", st->steps, ms,
	    ms ? (unsigned long)(st->steps * 1000ull / ms) : st->steps * 1000);
	return why != STOP_INTERRUPT || session_interrupted();
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct stepper st = { .r.ms = INFINITE, .r.unit = "step",
	    .last = STOP_STEP };
	const char *outfile = NULL;
	uint64_t n = 0;
	char **cmd;
	int ch, att = 0, inter = 0, mode = 's';
	BOOL ok;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:hin:o:t:V", longopts, NULL)) != -1)
		switch (ch) {
		case 'A': att = 1; break;
		case 'i': inter = 1; break;
		case 'n': n = optnumber("-n", optarg, 1, UINT32_MAX); break;
		case 'o': outfile = optarg; break;
		case 'B': case 'O': case 'P': mode = ch; break;
		case 't': st.tid = (DWORD)optnumber("-t", optarg, 1, UINT32_MAX); break;
		case 'V': version();
		case 'h': usage(0);
		default: badopt(ch, argv, longopts);
		}
	argc -= optind;
	argv += optind;
	take_target(cmd, &argc, &argv, &spec);
	end_operands(argc, argv);
	st.out = stdout;
	if (outfile != NULL && (st.out = fopen(outfile, "w")) == NULL)
		err(EXIT_RUNTIME, "%s", outfile);

	/*
	 * The steps begin once the break-in thread has ended: a step trap
	 * of a thread that has a debug register of its own enabled, or that
	 * cleared TF itself, wedges under Wine 8 if that end meets it.
	 */
	if (!run_start(&st.r, &spec, att))
		return EXIT_RUNTIME;
	if (!run_settle(&st.r))
		return run_finish(&st.r, FALSE);
	/* The target's first thread, unless -t names another. */
	if (st.tid == 0)
		st.tid = st.r.s.threads[0].tid;
	if (session_thread(&st.r.s, st.tid) == NULL) {
		warnx("-t %lu: no such thread in pid %lu", st.tid, st.r.s.pid);
		return run_finish(&st.r, FALSE);
	}
	/*
	 * Other threads get past our own INT3s, the ends of blocks (--blocks)
	 * and the one a step over or out waits for, by emulation (or a
	 * displaced copy): the INT3 stays for our thread.
	 */
	st.r.bp.mode = PASS_EMULATE;
	st.staying = mode == 'B';
	ok = load_regs(&st);
	/* The first stop, still pending, is the break-in thread's end. */
	if (ok)
		ok = (n > 0 && !inter) ? traced(&st, (unsigned long)n, mode) :
		    interactive(&st);
	/*
	 * Our own stop is ours to answer; an exception goes to the target.
	 * run_finish() then clears TF on every thread we set it on and that
	 * has not stepped yet, this one or one we left behind.
	 */
	if (st.r.s.pending && (st.last == STOP_STEP || st.last == STOP_BREAK ||
	    st.last == STOP_BREAKIN || st.last == STOP_EXCEPTION))
		session_continue(&st.r.s, status_of(st.last));
	settle(&st);
	st.r.hits = st.steps;
	if (st.r.ended == NULL && !session_interrupted())
		st.r.ended = "done";
	if (st.out != stdout)
		fclose(st.out);
	forget_blocks(&st);
	return run_finish(&st.r, ok);
}
