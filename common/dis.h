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

/* A memory operand: [base + index*scale + disp], by register name. */
struct memop {
	char base[8], index[8];	/* "" when absent; "rip" for RIP-relative */
	int scale;
	int64_t disp;
	int segment;		/* an fs:/gs: override: base unknown here */
};

/* An operand, as emulating the instruction needs it (common/emu.c). */
struct operand {
	int kind;		/* OPK_REG, OPK_IMM or OPK_MEM */
	unsigned size;		/* bytes */
	char reg[8];		/* OPK_REG: "eax", "r8d", "al", "ah" */
	int64_t imm;		/* OPK_IMM */
	struct memop mem;	/* OPK_MEM (a lea's operand too) */
};

#define OPK_REG	1
#define OPK_IMM	2
#define OPK_MEM	3

struct insn {
	addr_t addr;
	unsigned char bytes[16];
	unsigned len;		/* bytes, 1..15 */
	unsigned flags;		/* INSN_* */
	char text[160];		/* "mov edi, edi", Intel or AT&T syntax */
	struct memop mem[2];	/* its memory operands (lea's excluded) */
	int nmem;
	addr_t target;		/* a direct near call's or jump's destination;
				   0 for any other instruction */
	char mnem[16];		/* "push", "jne", "ret" */
	struct operand op[2];	/* its first operands, in Intel order */
	int nop;		/* how many operands it has in all */
	int prefixed;		/* a lock, rep, segment or address-size
				   prefix changes what it does */
	int osize;		/* an operand-size prefix (66): 16 bits */
	unsigned disp_offset;	/* where its displacement sits in bytes[]
				   (0: none), and how wide it is: what a */
	unsigned disp_size;	/* copy elsewhere rewrites, if RIP-relative */
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
 * The instruction that ends exactly at a and accessed [lo, lo+len): what
 * a data breakpoint reports, as it fires after the access with the IP
 * already at a.  x86 cannot be decoded backwards, so every decoding that
 * ends at a is tried, and the one whose memory operand, computed from the
 * registers in c, lies in the range wins.  If several do (one may start
 * inside the instruction before), or none does, the instruction most
 * forward decodings from the 48 bytes before a end on decides: a strong
 * guess.  FALSE if no instruction ends at a.
 */
BOOL dis_before(struct dis *d, HANDLE process, addr_t a,
    const struct cpu *cpu, const union context *c, addr_t lo, unsigned len,
    struct insn *in);

/*
 * The address memory operand m refers to, with registers from c and the
 * instruction ending at next (for RIP-relative operands).  FALSE when it
 * cannot be known here (segment overrides, unknown registers).
 */
BOOL memop_address(const struct memop *m, const struct cpu *cpu,
    const union context *c, addr_t next, addr_t *ea);

/* Write the instruction bytes as hex ("8b ff") into buf.  Returns buf. */
char *insn_hex(const struct insn *in, char *buf, size_t n);

#endif
