/* stay.h: breakpoints that stay in the code: emulation and displaced stepping. */
#ifndef DBGKIT_STAY_H
#define DBGKIT_STAY_H

#include "bp.h"
#include "dis.h"

/*
 * How a thread gets past a persistent INT3, the instruction under it
 * being run one way or another.
 */
enum pass {
	PASS_HOLD = 1,	/* byte out, single-step, byte in; the others held */
	PASS_REINSERT,	/* the same, the others running: they may pass unseen */
	PASS_EMULATE,	/* INT3 stays; the debugger carries the instruction out */
	PASS_DISPLACED,	/* INT3 stays; the thread single-steps a copy of it */
};

/* The mode called name ("hold", "reinsert", "emulate", "displaced"), or 0. */
int pass_mode(const char *name);

/* The name of a PASS_* mode. */
const char *pass_name(int how);

/*
 * Thread tid reported INT3 bp (its event is pending); *c holds its
 * registers with the IP pointed back at the INT3 (soft_context()).  Let
 * it past the instruction the INT3 covers, as b->mode asks:
 *   PASS_EMULATE: emulate it (emu.h); if it is of a form that cannot be,
 *     run it displaced, and if that cannot be either, hold the others;
 *   PASS_DISPLACED: run a copy of it out of line, from a scratch page
 *     allocated in the target (on x64 within 2 GB of the code, so that
 *     a RIP-relative operand can be rewritten), with TF set; step_end()
 *     brings the IP back.  Branches, calls and returns cannot run
 *     elsewhere: they are emulated; what neither way can run, held;
 *   PASS_HOLD, PASS_REINSERT: the classic way, step_begin().
 * A thread with TF set, or a debug register of the target's own
 * enabled, goes the classic way whatever the mode: its own traps must
 * come from the real instruction, in place.
 * The first hit of each breakpoint decides (bp->how; stay_describe()
 * says what and why), and so does the next hit that finds other bytes
 * under the INT3 than those decided on: the target rewrote its code.
 * Returns the PASS_* used this time, or 0 (after printing why) on
 * failure.
 */
int stay_pass(struct bpset *b, struct dis *d, struct softbp *bp, DWORD tid,
    union context *c);

/*
 * What stay_pass() decided for bp, for a person, into buf: "emulated at
 * each hit; the INT3 stays", "cannot emulate (why); displaced: its copy
 * at 0x... runs at each hit; the INT3 stays", and so on.  Returns buf.
 */
char *stay_describe(const struct softbp *bp, char *buf, size_t n);

#endif
