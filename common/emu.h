/* emu.h: carry out one instruction on a thread's context and stack, as the CPU would. */
#ifndef DBGKIT_EMU_H
#define DBGKIT_EMU_H

#include <windows.h>

#include "cpu.h"
#include "dis.h"

/* What an emulated instruction wrote to memory: a push's or a call's slot. */
struct emu_write {
	addr_t addr;		/* 0: it wrote nothing */
	unsigned len;
};

/*
 * Whether in is of a form emu_run() carries out: push reg, mov reg,reg
 * (mov edi,edi among them), add/sub reg,imm, lea, jmp/jcc/call to an
 * immediate target, call/jmp through a register or memory, ret and
 * ret imm, at the pointer size of cpu, without prefixes but 66 (a 16-bit
 * mov, add or sub).  When not,
 * *why (if why is not NULL) says what stands in the way.
 */
BOOL emu_can(const struct cpu *cpu, const struct insn *in, const char **why);

/*
 * Carry out in, the instruction at the IP in c, on c and the target's
 * memory: registers, flags (add and sub set OF SF ZF AF PF CF exactly as
 * the CPU does; every other instruction here leaves them alone), and the
 * stack (a push writes one slot, a call its return address).  *w says
 * what was written.  On success c holds the registers after the
 * instruction (the caller writes them to the thread).  FALSE, with *why
 * set and neither c nor the target changed, if in cannot be emulated
 * (emu_can()) or a memory operand cannot be read or written.
 */
BOOL emu_run(const struct cpu *cpu, HANDLE process, const struct insn *in,
    union context *c, struct emu_write *w, const char **why);

/*
 * Whether the jcc called mnem ("jne", "jbe", ...) jumps with these
 * flags.  -1 if mnem is not a condition emu knows.
 */
int emu_condition(const char *mnem, uint32_t flags);

#endif
