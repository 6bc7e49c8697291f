/* unwind.h: walking a thread's stack, frame by frame, with its modules' unwind data. */
#ifndef DBGKIT_UNWIND_H
#define DBGKIT_UNWIND_H

#include <windows.h>
#include <stdint.h>

#include "cpu.h"
#include "sym.h"

/*
 * The registers a walk follows, in the order the x86 instruction encoding
 * numbers them: eax/rax is 0, esp/rsp 4, ebp/rbp 5, r8..r15 8..15.  x64's
 * UNWIND_CODEs name registers by these numbers, and so does i386 DWARF
 * (where 8, our UREG_R8, is eip: cfi.c maps it).  The instruction pointer
 * comes last.
 */
enum ureg {
	UREG_AX, UREG_CX, UREG_DX, UREG_BX, UREG_SP, UREG_BP, UREG_SI, UREG_DI,
	UREG_R8, UREG_R9, UREG_R10, UREG_R11, UREG_R12, UREG_R13, UREG_R14,
	UREG_R15, UREG_IP, UREG_COUNT
};

/* One frame of a walk. */
struct frame {
	unsigned n;		/* 0 is the thread itself */
	addr_t ip;		/* frame 0: where the thread is; then the
				   return address into this frame's function */
	addr_t sp;		/* the stack pointer in this frame: at a
				   return address, just above it */
	const char *how;	/* how it was found: "context" (frame 0),
				   "ebp", "cfi", "ret" (x86), "pdata",
				   "epilog", "leaf" (x64), "dbghelp" */
};

struct unwind_module;		/* unwind data of one module, read on demand */

/* A walk of one thread's stack. */
struct walk {
	HANDLE process;
	const struct cpu *cpu;
	struct modules *mods;
	addr_t stack_lo, stack_hi;	/* the stack, [lo, hi); 0, 0 unknown */
	uint64_t r[UREG_COUNT];		/* registers in the current frame */
	struct frame f;			/* the current frame */
	int over;			/* no frame after f */
	int broken;			/* ... because the chain broke there */
	char why[256];			/* why it is over, if over */
	struct unwind_module *um;	/* one per module of mods, or NULL */
};

/*
 * Start a walk of a stopped thread: frame 0 from its registers c (read
 * with cpu->get, REG_GENERAL), and the stack's bounds from its TEB.
 * mods lists the process's modules and must outlive the walk.  Prints
 * nothing; the walk reads the target's memory as it goes.
 */
void unwind_begin(struct walk *w, HANDLE process, const struct cpu *cpu,
    struct modules *mods, HANDLE thread, const union context *c);

/*
 * Step to the caller of the current frame, w->f.  TRUE with w->f the new
 * frame; FALSE when there is none: w->why then says why, and w->broken
 * says whether the chain broke (no rule found the caller, or the one
 * that did gave an impossible frame) rather than ended (a return address
 * of 0, the outermost frame).  A broken walk never makes up a frame.
 */
BOOL unwind_next(struct walk *w);

/* Release what the walk read and cached. */
void unwind_end(struct walk *w);

/*
 * The same thread walked by dbghelp's StackWalk64 (with its own
 * SymFunctionTableAccess64 and SymGetModuleBase64), for comparison: up to
 * max frames into out (how is "dbghelp"), cut where its stack pointer
 * stops rising.  Returns how many, or -1 (after printing why) if dbghelp
 * cannot be started for the process.
 */
int unwind_dbghelp(HANDLE process, HANDLE thread, const struct cpu *cpu,
    const union context *c, struct frame *out, int max);

#endif
