/* bp.h: the three kinds of breakpoint, and the cleanup that removes them all. */
#ifndef DBGKIT_BP_H
#define DBGKIT_BP_H

#include <windows.h>

#include "dis.h"
#include "flags.h"
#include "session.h"

#define INT3	0xCC

/* ExceptionInformation[0] of an access fault: what the access was. */
#define ACCESS_READ	0
#define ACCESS_WRITE	1
#define ACCESS_EXECUTE	8

/* A software breakpoint: one byte of code swapped for INT3. */
struct softbp {
	addr_t addr;
	unsigned char saved;	/* the original byte */
	int inserted;		/* 0xCC is in the target now */
	int oneshot;		/* remove after the first hit */
	int gone;		/* its module was unloaded: never written again */
	addr_t image;		/* the base of the module (allocation) it is in */
	unsigned long hits;
	/*
	 * How a thread gets past it (common/stay.c), decided at its first
	 * hit: PASS_* (stay.h), 0 until then; the instruction it covers;
	 * and for a displaced one, where its copy is.
	 */
	int how;
	struct insn insn;
	addr_t copy;
	const char *noemu, *nodisp;	/* why not emulated, not displaced
					   (NULL: not tried, or done) */
};

/* A hardware breakpoint: one of the four debug-register slots. */
struct hwbp {
	int used;
	addr_t addr;		/* DRn */
	enum dr7_rw rw;
	unsigned len;		/* 1, 2, 4 or 8 bytes */
	unsigned long hits;
	uint64_t value;		/* data breakpoints: the last value seen */
};

/* A page that carries PAGE_GUARD for a guard breakpoint. */
struct guardpage {
	addr_t base;
	DWORD protect;		/* its own protection, without our guard */
	int armed;		/* we put PAGE_GUARD on it, and it has not fired */
	int lifted;		/* taken off for a moment by guard_read() */
};

/* A guard-page (memory) breakpoint on [addr, addr+size). */
struct guardbp {
	addr_t addr;
	size_t size;
	struct guardpage *pages;
	size_t npages;
	unsigned long hits, false_hits;
};

/*
 * A thread we set the trap flag on, until its single-step comes.  What
 * the one instruction does with the flags matters: a pushf run with TF
 * set copies our TF onto the stack, and a popf may load the target's own
 * TF, which the trap reporting our step then clears.
 */
struct trap {
	DWORD tid;
	int op;			/* FLAGS_PUSHF, FLAGS_POPF, or 0 for another */
	int own;		/* TF was set already: the target's own trap */
	int loads_tf;		/* a popf that loads TF: the target sets its own */
	int stepping;		/* stepping past a breakpoint (step_begin) */
	struct softbp *displaced;	/* stepping a copy of its instruction
					   (stay.h): its IP goes back after */
};

#define FLAGS_PUSHF	1
#define FLAGS_POPF	2

/*
 * Every breakpoint a tool has set in one target, so that one call can
 * remove them all, whichever way the tool ends.
 */
struct bpset {
	struct session *s;
	struct softbp **soft;		/* kept after removal, for late events */
	size_t nsoft;
	struct hwbp hw[DR_SLOTS];
	struct guardbp *guard;		/* at most one range */
	struct trap *traps;		/* threads we set TF on (bp_trap) */
	size_t ntraps, captraps;
	int trap_fixed;			/* what bp_trapped() last put right:
					   FLAGS_PUSHF, FLAGS_POPF or 0 */
	/*
	 * Of those, the threads stepping past breakpoints taken out of their
	 * way: one, or more when others reached a breakpoint at the same
	 * moment.  The rest of the target is held meanwhile, threads that
	 * start meanwhile included; the last step done puts every breakpoint
	 * back and lets them go.
	 */
	size_t nsteppers;
	DWORD *held;			/* the threads held meanwhile */
	size_t nheld, capheld;
	/*
	 * Naive re-arming, to show what goes wrong: the other threads are
	 * not held while a thread steps past a breakpoint, so they can run
	 * through the spot unseen.  Only bpcompare's race lab sets this.
	 */
	int naive;
	unsigned long late;		/* hits answered by bp_cleanup() */
	unsigned long unblocked;	/* times bp_wait() let held threads go */
	unsigned long holds;		/* times the others were held (steps) */
	/*
	 * Breakpoints that stay in the code (stay.h): how threads get past
	 * them, and the page in the target that holds displaced copies
	 * (0 until one is needed; bp_cleanup() frees it).
	 */
	int mode;			/* PASS_*; 0 is PASS_HOLD */
	size_t ndisplaced;		/* displaced steps under way */
	addr_t scratch;
	unsigned nslots;		/* copies in it so far */
};

/* Start an empty set for session s. */
void bp_init(struct bpset *b, struct session *s);

/*
 * Plant INT3 at a: save the byte, write 0xCC (making the page writable for
 * the moment), read it back.  NULL (after printing why, naming location)
 * if the byte cannot be read or written; nothing is left changed.
 */
struct softbp *soft_insert(struct bpset *b, addr_t a, int oneshot,
    const char *location);

/*
 * Thread tid reported our INT3 at bp: its registers into *c (REG_GENERAL
 * and REG_DEBUG), with the IP pointed back at bp->addr (the INT3 has
 * run); the thread itself is not changed.  Write back only REG_GENERAL
 * or REG_CONTROL.  FALSE (after printing why) on failure.
 */
BOOL soft_context(struct bpset *b, struct softbp *bp, DWORD tid,
    union context *c);

/*
 * Thread tid reported our INT3 at bp: the INT3 has run, so point its IP
 * back at bp->addr, and take the byte out so the real instruction can
 * run.  *c receives the thread's registers as of the hit.  FALSE (after
 * printing why) on failure.
 */
BOOL soft_hit(struct bpset *b, struct softbp *bp, DWORD tid, union context *c);

/* The software breakpoint at a, or NULL. */
struct softbp *soft_at(struct bpset *b, addr_t a);

/*
 * Put the saved byte back, if 0xCC is still there (a target that rewrote
 * its own code keeps its new byte).  FALSE (after printing why) on failure.
 */
BOOL soft_remove(struct bpset *b, struct softbp *bp);

/*
 * The module (allocation) at base was unloaded (UNLOAD_DLL_DEBUG_EVENT):
 * its breakpoints went with its code, and must never be written again,
 * as another module may be loaded there.  Returns how many it had.
 */
size_t soft_unloaded(struct bpset *b, addr_t base);

/*
 * Read n bytes of code at a as they would be without our INT3s: what the
 * target's code really is, read past our guard pages (guard_read()).
 * FALSE when unreadable.
 */
BOOL bp_read(struct bpset *b, addr_t a, void *buf, size_t n);

/*
 * Read n bytes of the target at a without setting off our guard pages:
 * each armed guard of ours on the range is taken off for the read and
 * put back after it.  On Windows, ReadProcessMemory fails on a guard
 * page, and the guard is gone after that, as after any access: a
 * debugger that reads its own guarded page has disarmed its breakpoint.
 * Call it with the target stopped (at a debug event, or held), or one of
 * its threads could pass a page while it is unguarded.  FALSE (with the
 * last error set) when unreadable, and (after printing why) when a guard
 * could not be put back; the others go back on either way.
 */
BOOL guard_read(struct bpset *b, addr_t a, void *buf, size_t n);

/*
 * Program the slots in use into one thread's DR0-DR3 and DR7, holding the
 * thread still meanwhile; other slots are left alone.  FALSE (after
 * printing why) on failure.
 */
BOOL hw_apply(struct bpset *b, HANDLE thread);

/*
 * The debug-register slots that no thread of the target uses itself (a
 * program may set its own, lesson 5), into *free as a mask of bit i for
 * slot i.  Our own slots in use count as free.  FALSE (after printing
 * why) if a thread's registers cannot be read.
 */
BOOL hw_free_slots(struct bpset *b, unsigned *free);

/* Take the slots in use out of one thread again, and clear its DR6. */
BOOL hw_unapply(struct bpset *b, HANDLE thread);

/*
 * A single-step exception arrived on tid: which of our slots fired, as a
 * mask of DR6_B() bits, or 0 if none did (a trap-flag step).  For ours,
 * clear their bits in DR6 (the CPU never does), and after an execute
 * breakpoint set RF, so the instruction runs once without firing again.
 * *c receives the thread's registers as of the hit, with DR6 as left:
 * bits still set there are the target's own slots firing too.
 */
uint32_t hw_hit(struct bpset *b, DWORD tid, union context *c);

/*
 * Whether, by DR6 and DR7 in c (read with REG_DEBUG), a debug register
 * of the target's own fired: one enabled in DR7 that is not ours.  Its
 * single-step exception is then the target's, to pass on to it.
 */
BOOL hw_foreign(const struct bpset *b, const union context *c);

/*
 * Whether, by DR7 in c (read with REG_DEBUG), the thread has a debug
 * register of the target's own enabled: one that is not ours.
 */
BOOL hw_target_armed(const struct bpset *b, const union context *c);

/*
 * Put PAGE_GUARD on every page of [a, a+size), recording each page's
 * protection first (VirtualQueryEx).  NULL (after printing why, naming
 * location) for memory that is not committed or cannot be changed; then
 * no page is left changed.
 */
struct guardbp *guard_insert(struct bpset *b, addr_t a, size_t size,
    const char *location);

/* Our guard page that contains a, or NULL. */
struct guardpage *guard_page_at(struct bpset *b, addr_t a);

/*
 * Whether the exception er is one of our guard pages firing; if so the
 * page (its guard now gone: the system takes it off as it fires).
 * Under Wine a second thread reaching the page at the same moment sees an
 * access violation instead; that is ours too when the page's own
 * protection allows the access.
 */
struct guardpage *guard_hit(struct bpset *b, const EXCEPTION_RECORD *er);

/*
 * Add PAGE_GUARD to one of our pages again (it is gone after a hit), to
 * the page's protection as it is now: the target may have changed it.
 */
BOOL guard_arm(struct bpset *b, struct guardpage *pg);

/*
 * Set (on) TF, the trap flag, in a thread's EFLAGS for one instruction,
 * and remember what that instruction does with the flags (see struct
 * trap), until bp_trapped().  Only the control registers are written.
 * A thread that has TF set already, by the target itself, keeps it: its
 * trap will be the target's as well as ours.  With on 0, clear the TF we
 * set (not the target's own) and forget it.  The thread is held still
 * meanwhile unless it reports the pending event.  FALSE (after printing
 * why) on failure.
 */
BOOL bp_trap(struct bpset *b, HANDLE thread, int on);

/*
 * A single-step exception arrived on tid.  If it is the trap bp_trap()
 * set, put right what the instruction did with TF: a pushf copied ours
 * onto the stack (taken out there), a popf loaded the target's own (put
 * back, since the trap that reports our step clears it).  Returns FALSE
 * if we set no trap on tid.  Otherwise *status says how to continue the
 * event: DBG_CONTINUE, or DBG_EXCEPTION_NOT_HANDLED when the trap is the
 * target's own too (it had set TF, or a debug register of its own fired
 * on the same instruction), so that its handlers see it.
 */
BOOL bp_trapped(struct bpset *b, DWORD tid, DWORD *status);

/*
 * bp_trapped(), which reads the thread's registers anyway, giving them to
 * the caller as well: *c receives REG_GENERAL and REG_DEBUG as the thread
 * has them now, after the fix-ups.  A stepper needs them after every
 * step, and one GetThreadContext is spared.  0 if we set no trap on tid;
 * 1 if we did and *c holds the registers; -1 if we did but they could
 * not be read (after printing why).
 */
int bp_trapped_regs(struct bpset *b, DWORD tid, DWORD *status,
    union context *c);

/* Whether tid is stepping past a breakpoint now (step_begin()). */
BOOL bp_stepping(const struct bpset *b, DWORD tid);

/*
 * Let thread tid run one instruction with the breakpoint it stands on out
 * of its way: set TF on it (bp_trap()) and hold every other thread, so
 * none can pass the spot unseen meanwhile.  A thread that reached a
 * breakpoint at the same moment as one already stepping (its event came
 * late) joins in: it is let go to step too.  A thread already stepping
 * (an access that straddles two guarded pages faults on each) goes on
 * with the step it has.  FALSE (after printing why) on failure.
 */
BOOL step_begin(struct bpset *b, DWORD tid);

/*
 * Thread tid, which reported INT3 bp (its registers in *c, as
 * soft_context() gave them), runs the copy of its instruction in the
 * scratch page (stay.h) with TF set, as bp_trap() sets it: its IP and
 * flags are written in one go.  No other thread is held, as the INT3
 * stays in the code.  step_end() brings its IP back after.  FALSE (after
 * printing why) on failure.
 */
BOOL displaced_step(struct bpset *b, DWORD tid, struct softbp *bp,
    union context *c);

/*
 * A single-step arrived on tid.  If it is a displaced step (stay.h), the
 * IP goes from the copy back to the code, and it returns 1 with *status
 * as bp_trapped() gives it.  If it is the step of a thread that
 * step_begin() let go, and the last one, put every breakpoint taken out
 * back in (unless one-shot) and let the held threads go.  Returns 0 if
 * tid is not stepping for us (the step is someone else's), 1 if it was,
 * with *status as bp_trapped() gives it, and -1 if a breakpoint could not
 * be put back (after printing why).
 */
int step_end(struct bpset *b, DWORD tid, DWORD *status);

/*
 * session_wait() for a target with breakpoints set, which also keeps the
 * steps past them whole: a thread that starts while others step is held
 * with the rest, and a thread that ends in the middle of its step (its
 * instruction was the one that ends it) counts as done.  While a thread
 * steps with the others held, its step should come within moments; if it
 * does not, the target itself may hold that thread (a thread of its own
 * suspended it, then was held by us).  So after 200 ms without it, let
 * the held threads go, and count that in b->unblocked: they may pass the
 * breakpoint unseen meanwhile, but the target can free the stepping
 * thread.  Returns as session_wait() does; -1 also when a breakpoint
 * could not be put back (after printing why).
 */
int bp_wait(struct bpset *b, DWORD timeout);

/*
 * Remove everything: every INT3 byte restored, our DR7 slots cleared on
 * every thread, every page's protection restored, the TF we set cleared
 * and held threads resumed.  The threads are touched while the target
 * is stopped at a debug event: if none is pending, one on its way is
 * waited for a moment; a target that sends none is suspended thread by
 * thread meanwhile.  Then take in the events already on their way (a
 * breakpoint another thread hit a moment ago) and answer them as ours,
 * so that nothing reaches the target after we detach.  Safe to call twice
 * and after the target exited.  A thread that was about to run a displaced
 * copy runs the original instead, and the scratch page is freed last.
 * FALSE (after printing why) if something could not be restored.
 */
BOOL bp_cleanup(struct bpset *b);

/* After bp_cleanup(): forget every breakpoint, to start a new set. */
void bp_reset(struct bpset *b);

#endif
