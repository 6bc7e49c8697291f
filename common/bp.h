/* bp.h: the three kinds of breakpoint, and the cleanup that removes them all. */
#ifndef DBGKIT_BP_H
#define DBGKIT_BP_H

#include <windows.h>

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
	unsigned long hits;
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
	DWORD protect;		/* its protection before we added the guard */
	int armed;		/* PAGE_GUARD is on it now */
};

/* A guard-page (memory) breakpoint on [addr, addr+size). */
struct guardbp {
	addr_t addr;
	size_t size;
	struct guardpage *pages;
	size_t npages;
	unsigned long hits, false_hits;
};

/* Why a thread is single-stepping with a breakpoint taken out. */
enum step_why { STEP_NONE, STEP_SOFT, STEP_GUARD };

/* A thread stepping over a breakpoint taken out of its way. */
struct stepper_thread {
	DWORD tid;
	enum step_why why;
	void *what;		/* the softbp or guardpage to put back */
};

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
	/*
	 * The threads stepping over breakpoints taken out of their way: one,
	 * or more when others reached a breakpoint at the same moment.  The
	 * rest are held meanwhile; the last step done puts everything back.
	 */
	struct stepper_thread steppers[64];
	size_t nsteppers;
	DWORD step_tid;			/* the last thread that stepped */
	DWORD *suspended;		/* the other threads, held meanwhile */
	size_t nsuspended;
	/*
	 * Naive re-arming, to show what goes wrong: the other threads are
	 * not held while a thread steps past a breakpoint, so they can run
	 * through the spot unseen.  Only bpcompare's race lab sets this.
	 */
	int naive;
	unsigned long late;		/* hits answered by bp_cleanup() */
	unsigned long unblocked;	/* times bp_wait() let held threads go */
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
 * Read n bytes of code at a as they would be without our INT3s: what the
 * target's code really is.  FALSE when unreadable.
 */
BOOL bp_read(struct bpset *b, addr_t a, void *buf, size_t n);

/*
 * Program the slots in use into one thread's DR0-DR3 and DR7, holding the
 * thread still meanwhile; other slots are left alone.  FALSE (after
 * printing why) on failure.
 */
BOOL hw_apply(struct bpset *b, HANDLE thread);

/* Take the slots in use out of one thread again, and clear its DR6. */
BOOL hw_unapply(struct bpset *b, HANDLE thread);

/*
 * A single-step exception arrived on tid: which of our slots fired, as a
 * mask of DR6_B() bits, or 0 if none did (a trap-flag step).  For ours,
 * clear DR6 (the CPU never does), and after an execute breakpoint set RF,
 * so the instruction runs once without firing again.  *c receives the
 * thread's registers as of the hit.
 */
uint32_t hw_hit(struct bpset *b, DWORD tid, union context *c);

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

/* Add PAGE_GUARD to one of our pages again (it is gone after a hit). */
BOOL guard_arm(struct bpset *b, struct guardpage *pg);

/*
 * Set (on) or clear TF, the trap flag, in a thread's EFLAGS, holding the
 * thread still meanwhile unless it reports the pending event.  FALSE
 * (after printing why) on failure.
 */
BOOL bp_trap(struct bpset *b, HANDLE thread, int on);

/*
 * Let thread tid run one instruction with a breakpoint out of its way:
 * set TF on it and suspend every other thread, so none can pass the spot
 * unseen meanwhile.  why and what say what to put back afterwards.  A
 * thread that reached a breakpoint at the same moment as one already
 * stepping (its event came late) joins in: it is let go to step too.
 */
BOOL step_begin(struct bpset *b, DWORD tid, enum step_why why, void *what);

/*
 * The single-step from step_begin() arrived on tid.  When it is the last
 * thread stepping, put the breakpoints back (unless one-shot) and resume
 * the other threads.  FALSE if tid is not stepping for us (the step
 * belongs to someone else).
 */
BOOL step_end(struct bpset *b, DWORD tid);

/*
 * session_wait() for a target with breakpoints set.  While a thread steps
 * past one with the others held, its step should come within moments; if
 * it does not, the target itself may hold that thread (a thread of its
 * own suspended it, then was held by us).  So after 200 ms without it,
 * let the held threads go, and count that in b->unblocked: they may
 * pass the breakpoint unseen meanwhile, but the target can free the
 * stepping thread.
 */
int bp_wait(struct bpset *b, DWORD timeout);

/*
 * Remove everything: every INT3 byte restored, our DR7 slots cleared on
 * every thread, every page's protection restored, TF cleared on a
 * stepping thread and held threads resumed.  Then take in the events
 * already on their way (a breakpoint another thread hit a moment ago)
 * and answer them as ours, so that nothing reaches the target after we
 * detach.  Safe to call twice and after the target exited.  FALSE (after
 * printing why) if something could not be restored.
 */
BOOL bp_cleanup(struct bpset *b);

/* After bp_cleanup(): forget every breakpoint, to start a new set. */
void bp_reset(struct bpset *b);

#endif
