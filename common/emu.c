/* emu.c: the few instructions functions start with and branches are made of, done by the debugger. */
#include <string.h>

#include "emu.h"
#include "flags.h"
#include "mem.h"

/*
 * The general registers by family: each row names one register at 64,
 * 32, 16 and 8 bits.  A 32-bit tool's context has the 32-bit names only;
 * ah..bh are bits 8-15 of the first four.  Source: Intel SDM vol. 1,
 * 3.4.1.1 "General-Purpose Registers in 64-Bit Mode".
 */
static const char *const gpr[16][4] = {
	{ "rax", "eax", "ax", "al" },	{ "rcx", "ecx", "cx", "cl" },
	{ "rdx", "edx", "dx", "dl" },	{ "rbx", "ebx", "bx", "bl" },
	{ "rsp", "esp", "sp", "spl" },	{ "rbp", "ebp", "bp", "bpl" },
	{ "rsi", "esi", "si", "sil" },	{ "rdi", "edi", "di", "dil" },
	{ "r8", "r8d", "r8w", "r8b" },	{ "r9", "r9d", "r9w", "r9b" },
	{ "r10", "r10d", "r10w", "r10b" }, { "r11", "r11d", "r11w", "r11b" },
	{ "r12", "r12d", "r12w", "r12b" }, { "r13", "r13d", "r13w", "r13b" },
	{ "r14", "r14d", "r14w", "r14b" }, { "r15", "r15d", "r15w", "r15b" },
};
static const char *const high8[4] = { "ah", "ch", "dh", "bh" };

/* Where a register name lives: the context's register, and which bits. */
struct place {
	const struct reg *full;
	unsigned shift, width;	/* bits */
};

static BOOL
place_of(const struct cpu *cpu, const char *name, struct place *p)
{
	static const unsigned widths[4] = { 64, 32, 16, 8 };
	int i, w;

	for (i = 0; i < 4; i++)
		if (strcmp(name, high8[i]) == 0) {
			p->full = cpu_reg(cpu, gpr[i][cpu->ptrsize == 8 ? 0 : 1]);
			p->shift = 8;
			p->width = 8;
			return p->full != NULL;
		}
	for (i = 0; i < 16; i++)
		for (w = 0; w < 4; w++)
			if (strcmp(name, gpr[i][w]) == 0) {
				p->full = cpu_reg(cpu, gpr[i][cpu->ptrsize == 8 ? 0 : 1]);
				p->shift = 0;
				p->width = widths[w];
				/* 64-bit names in a 32-bit context, or r8+: none */
				return p->full != NULL &&
				    p->width <= cpu->ptrsize * 8;
			}
	return FALSE;
}

static uint64_t
mask(unsigned bits)
{
	return bits >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
}

static uint64_t
read_reg(const struct place *p, const union context *c)
{
	return reg_get(p->full, c) >> p->shift & mask(p->width);
}

/*
 * Write a register as the CPU does: a 32-bit result in 64-bit mode
 * clears the upper half; 16- and 8-bit ones leave the rest alone.
 * Source: Intel SDM vol. 1, 3.4.1.1.
 */
static void
write_reg(const struct cpu *cpu, const struct place *p, union context *c,
    uint64_t v)
{
	uint64_t old = reg_get(p->full, c), m = mask(p->width) << p->shift;

	if (p->width == 32 && cpu->ptrsize == 8)
		reg_set(p->full, c, v & mask(32));
	else
		reg_set(p->full, c, (old & ~m) | (v << p->shift & m));
}

/*
 * The jcc conditions, from the flags.  Source: Intel SDM vol. 2, the
 * table of the Jcc instruction ("Jump if Condition Is Met").
 */
int
emu_condition(const char *mnem, uint32_t f)
{
	int cf = !!(f & EFLAGS_CF), zf = !!(f & EFLAGS_ZF),
	    sf = !!(f & EFLAGS_SF), of = !!(f & EFLAGS_OF),
	    pf = !!(f & EFLAGS_PF);
	static const char *const names[] = {
		"jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
		"js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg",
	};
	int i, v;

	for (i = 0; i < 16; i++)
		if (strcmp(mnem, names[i]) == 0)
			break;
	if (i == 16)
		return -1;
	switch (i / 2) {	/* the even one; the odd one is its negation */
	case 0: v = of; break;
	case 1: v = cf; break;
	case 2: v = zf; break;
	case 3: v = cf || zf; break;
	case 4: v = sf; break;
	case 5: v = pf; break;
	case 6: v = sf != of; break;
	default: v = zf || sf != of; break;
	}
	return i % 2 ? !v : v;
}

/* Even parity of the low byte: PF. */
static int
parity(uint64_t v)
{
	v &= 0xff;
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return !(v & 1);
}

/*
 * a + b, or a - b when sub, on bits-wide operands: the result, and the
 * six status flags set as add and sub set them (SDM vol. 1, 3.4.3.1 and
 * the ADD and SUB pages of vol. 2), in *flags, the other bits kept.
 */
static uint64_t
arith(int sub, uint64_t a, uint64_t b, unsigned bits, uint32_t *flags)
{
	uint64_t m = mask(bits), sign = (uint64_t)1 << (bits - 1), r;
	uint32_t f = *flags & ~(EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF |
	    EFLAGS_SF | EFLAGS_OF);

	a &= m;
	b &= m;
	r = (sub ? a - b : a + b) & m;
	if (sub ? b > a : r < a)
		f |= EFLAGS_CF;
	if (parity(r))
		f |= EFLAGS_PF;
	if ((a ^ b ^ r) & 0x10)
		f |= EFLAGS_AF;
	if (r == 0)
		f |= EFLAGS_ZF;
	if (r & sign)
		f |= EFLAGS_SF;
	/* Signed overflow: for add, same-signed operands and a sign change. */
	if ((sub ? (a ^ b) & (a ^ r) : ~(a ^ b) & (a ^ r)) & sign)
		f |= EFLAGS_OF;
	*flags = f;
	return r;
}

static BOOL
no(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return FALSE;
}

static int
is(const struct insn *in, const char *mnem)
{
	return strcmp(in->mnem, mnem) == 0;
}

/* A register operand of a width this context has. */
static int
reg_operand(const struct cpu *cpu, const struct operand *o)
{
	struct place p;

	return o->kind == OPK_REG && place_of(cpu, o->reg, &p);
}

BOOL
emu_can(const struct cpu *cpu, const struct insn *in, const char **why)
{
	const struct operand *o = in->op;
	unsigned ps = cpu->ptrsize;

	if (in->prefixed)
		return no(why, "a prefix changes it");
	if (is(in, "push"))
		return in->nop == 1 && reg_operand(cpu, &o[0]) &&
		    o[0].size == ps ? TRUE : no(why, "push of other than a register");
	if (is(in, "mov"))
		return in->nop == 2 && reg_operand(cpu, &o[0]) &&
		    reg_operand(cpu, &o[1]) ? TRUE :
		    no(why, "mov with other than two registers");
	if (is(in, "add") || is(in, "sub"))
		return in->nop == 2 && reg_operand(cpu, &o[0]) &&
		    o[1].kind == OPK_IMM ? TRUE :
		    no(why, "add or sub of other than an immediate to a register");
	if (is(in, "lea"))
		return in->nop == 2 && reg_operand(cpu, &o[0]) &&
		    o[0].size >= 4 && o[1].kind == OPK_MEM && !o[1].mem.segment ?
		    TRUE : no(why, "lea into a 16-bit register");
	/* A 16-bit branch cuts the IP to 16 bits; a 16-bit ret pops 2 bytes. */
	if (in->osize && !is(in, "mov") && !is(in, "add") && !is(in, "sub") &&
	    !is(in, "push"))
		return no(why, "a 16-bit branch or lea");
	if (is(in, "ret"))
		return in->nop == 0 || o[0].kind == OPK_IMM ? TRUE :
		    no(why, "a far ret");
	if (is(in, "call") || is(in, "jmp") || emu_condition(in->mnem, 0) >= 0) {
		if (in->target != 0)
			return TRUE;
		if (is(in, "call") || is(in, "jmp"))
			return in->nop == 1 && o[0].size == ps &&
			    (reg_operand(cpu, &o[0]) || (o[0].kind == OPK_MEM &&
			    !o[0].mem.segment)) ? TRUE :
			    no(why, "a far or segment-relative branch");
	}
	return no(why, "not one of the forms emulated");
}

/* Read a pointer-sized value at a from the target. */
static BOOL
read_ptr(HANDLE process, const struct cpu *cpu, addr_t a, uint64_t *v)
{
	return mem_read_ptr(process, a, cpu->ptrsize, v);
}

/* Push v (ptrsize or size bytes) below the stack pointer in c. */
static BOOL
push(const struct cpu *cpu, HANDLE process, union context *c, uint64_t v,
    unsigned size, struct emu_write *w)
{
	addr_t sp = reg_get(cpu->sp, c) - size;

	if (cpu->ptrsize == 4)
		sp &= 0xffffffffu;
	if (!mem_write(process, sp, &v, size))	/* little-endian: low bytes */
		return FALSE;
	w->addr = sp;
	w->len = size;
	reg_set(cpu->sp, c, sp);
	return TRUE;
}

/* The address of a memory operand; its registers as in c before in runs. */
static BOOL
operand_address(const struct cpu *cpu, const struct insn *in,
    const struct operand *o, const union context *c, addr_t *ea)
{
	return memop_address(&o->mem, cpu, c, in->addr + in->len, ea);
}

BOOL
emu_run(const struct cpu *cpu, HANDLE process, const struct insn *in,
    union context *c, struct emu_write *w, const char **why)
{
	const struct operand *o = in->op;
	union context n = *c;		/* the registers after: c until done */
	addr_t next = in->addr + in->len, ea, sp;
	uint32_t f = (uint32_t)reg_get(cpu->flags, c);
	struct place d, s;
	uint64_t v;
	int taken;

	memset(w, 0, sizeof(*w));
	if (!emu_can(cpu, in, why))
		return FALSE;
	reg_set(cpu->ip, &n, next);
	if (is(in, "push")) {
		place_of(cpu, o[0].reg, &s);
		if (!push(cpu, process, &n, read_reg(&s, c), o[0].size, w))
			return no(why, "the stack is not writable");
	} else if (is(in, "mov")) {
		place_of(cpu, o[0].reg, &d);
		place_of(cpu, o[1].reg, &s);
		write_reg(cpu, &d, &n, read_reg(&s, c));
	} else if (is(in, "add") || is(in, "sub")) {
		place_of(cpu, o[0].reg, &d);
		v = arith(is(in, "sub"), read_reg(&d, c), (uint64_t)o[1].imm,
		    d.width, &f);
		write_reg(cpu, &d, &n, v);
		reg_set(cpu->flags, &n, f);
	} else if (is(in, "lea")) {
		/* The address, cut to the address size, then the operand size. */
		if (!operand_address(cpu, in, &o[1], c, &ea))
			return no(why, "an address register this context lacks");
		place_of(cpu, o[0].reg, &d);
		write_reg(cpu, &d, &n, ea);
	} else if (is(in, "ret")) {
		sp = reg_get(cpu->sp, c);
		if (!read_ptr(process, cpu, sp, &v))
			return no(why, "the stack is not readable");
		reg_set(cpu->ip, &n, v);
		reg_set(cpu->sp, &n, sp + cpu->ptrsize +
		    (in->nop ? (uint64_t)o[0].imm & 0xffff : 0));
	} else {
		/* A branch: where to, and whether it is taken. */
		taken = emu_condition(in->mnem, f);
		if (in->target != 0)
			v = in->target;
		else if (o[0].kind == OPK_REG) {
			place_of(cpu, o[0].reg, &s);
			v = read_reg(&s, c);
		} else if (!operand_address(cpu, in, &o[0], c, &ea) ||
		    !read_ptr(process, cpu, ea, &v))
			return no(why, "its pointer in memory is not readable");
		if (taken != 0)
			reg_set(cpu->ip, &n, v);
		if (is(in, "call") &&
		    !push(cpu, process, &n, next, cpu->ptrsize, w))
			return no(why, "the stack is not writable");
	}
	*c = n;
	return TRUE;
}
