/* dis.h: one instruction at a time, through Capstone, for x86 and x64. */
#ifndef DBGKIT_DIS_H
#define DBGKIT_DIS_H

#include <windows.h>

#include "cpu.h"

/* What kind of instruction it is, as far as a debugger cares. */
#define INSN_CALL	0x01	/* call: step-over runs to the next instruction */
#define INSN_RET	0x02
#define INSN_JUMP	0x04	/* jmp, jcc, loop, jecxz */
#define INSN_INT	0x08	/* int, int3, into, syscall, sysenter */
#define INSN_REP	0x10	/* REP/REPE/REPNE prefix: traps once per iteration */
#define INSN_PUSHF	0x20	/* pushf: copies TF onto the stack when stepping */
#define INSN_MEMREAD	0x40	/* reads memory through an operand */
#define INSN_MEMWRITE	0x80	/* writes memory through an operand */

struct insn {
	addr_t addr;
	unsigned char bytes[16];
	unsigned len;		/* bytes, 1..15 */
	unsigned flags;		/* INSN_* */
	char text[160];		/* "mov edi, edi", Intel or AT&T syntax */
};

struct dis;

/*
 * Open a disassembler for the CPU's mode (32- or 64-bit), Intel syntax, or
 * AT&T when att is set.  NULL (after printing why) on failure.  Release
 * it with dis_close().
 */
struct dis *dis_open(const struct cpu *cpu, int att);
void dis_close(struct dis *d);

/*
 * Decode one instruction from the n bytes at code, which sit at address a
 * in the target.  FALSE if they do not begin with a valid instruction.
 */
BOOL dis_decode(struct dis *d, const void *code, size_t n, addr_t a,
    struct insn *in);

/*
 * Read up to 15 bytes at a from the target (fewer when the next page is
 * not readable) and decode them.  FALSE if unreadable or invalid.  Code
 * with breakpoints planted in it should be read through bp_read() first.
 */
BOOL dis_at(struct dis *d, HANDLE process, addr_t a, struct insn *in);

/*
 * The instruction that ends exactly at a, which is where a data
 * breakpoint reports (after the access): decode backwards from a-15 and
 * prefer a candidate that touches memory.  A guess where several decodings
 * fit, as x86 code cannot be read backwards for certain.  FALSE if none.
 */
BOOL dis_before(struct dis *d, HANDLE process, addr_t a, struct insn *in);

/* Write the instruction bytes as hex ("8b ff") into buf.  Returns buf. */
char *insn_hex(const struct insn *in, char *buf, size_t n);

#endif
