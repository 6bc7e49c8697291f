/* dis.c: Capstone, reduced to what a debugger asks of a disassembler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "dis.h"
#include "err.h"
#include "mem.h"

struct dis {
	csh cs;
	cs_insn *ci;		/* one instruction, reused */
};

struct dis *
dis_open(const struct cpu *cpu, int att)
{
	struct dis *d;
	cs_err e;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		errx(EXIT_RUNTIME, "out of memory");
	e = cs_open(CS_ARCH_X86, cpu->ptrsize == 8 ? CS_MODE_64 : CS_MODE_32,
	    &d->cs);
	if (e != CS_ERR_OK) {
		warnx("cs_open: %s", cs_strerror(e));
		free(d);
		return NULL;
	}
	/* Details give the groups (call, ret, jump) and the prefixes. */
	cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON);
	if (att)
		cs_option(d->cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	d->ci = cs_malloc(d->cs);
	return d;
}

void
dis_close(struct dis *d)
{
	if (d == NULL)
		return;
	cs_free(d->ci, 1);
	cs_close(&d->cs);
	free(d);
}

static unsigned
classify(csh cs, const cs_insn *ci)
{
	const cs_x86 *x = &ci->detail->x86;
	unsigned f = 0;
	uint8_t i;

	if (cs_insn_group(cs, ci, CS_GRP_CALL))
		f |= INSN_CALL;
	if (cs_insn_group(cs, ci, CS_GRP_RET) || cs_insn_group(cs, ci, CS_GRP_IRET))
		f |= INSN_RET;
	if (cs_insn_group(cs, ci, CS_GRP_JUMP))
		f |= INSN_JUMP;
	if (cs_insn_group(cs, ci, CS_GRP_INT) || ci->id == X86_INS_SYSCALL ||
	    ci->id == X86_INS_SYSENTER || ci->id == X86_INS_INT3)
		f |= INSN_INT;
	if (x->prefix[0] == X86_PREFIX_REP || x->prefix[0] == X86_PREFIX_REPNE)
		f |= INSN_REP;
	if (ci->id == X86_INS_PUSHF || ci->id == X86_INS_PUSHFD ||
	    ci->id == X86_INS_PUSHFQ)
		f |= INSN_PUSHF;
	for (i = 0; i < x->op_count; i++) {
		if (x->operands[i].type != X86_OP_MEM || ci->id == X86_INS_LEA)
			continue;
		if (x->operands[i].access & CS_AC_READ)
			f |= INSN_MEMREAD;
		if (x->operands[i].access & CS_AC_WRITE)
			f |= INSN_MEMWRITE;
	}
	return f;
}

/* Record the memory operands of ci, by register name. */
static int
memops(csh cs, const cs_insn *ci, struct memop *m, int max)
{
	const cs_x86 *x = &ci->detail->x86;
	const x86_op_mem *om;
	int i, n = 0;

	for (i = 0; i < x->op_count && n < max; i++) {
		if (x->operands[i].type != X86_OP_MEM || ci->id == X86_INS_LEA)
			continue;
		om = &x->operands[i].mem;
		memset(&m[n], 0, sizeof(m[n]));
		if (om->base != X86_REG_INVALID)
			snprintf(m[n].base, sizeof(m[n].base), "%s",
			    cs_reg_name(cs, om->base));
		if (om->index != X86_REG_INVALID)
			snprintf(m[n].index, sizeof(m[n].index), "%s",
			    cs_reg_name(cs, om->index));
		m[n].scale = om->scale;
		m[n].disp = om->disp;
		m[n].segment = om->segment == X86_REG_FS ||
		    om->segment == X86_REG_GS;
		n++;
	}
	return n;
}

/* The operands of ci, by register name, for emulating it. */
static int
operands(csh cs, const cs_insn *ci, struct operand *op, int max)
{
	const cs_x86 *x = &ci->detail->x86;
	const cs_x86_op *o;
	const char *name;
	int i;

	for (i = 0; i < x->op_count && i < max; i++) {
		o = &x->operands[i];
		memset(&op[i], 0, sizeof(op[i]));
		op[i].size = o->size;
		switch (o->type) {
		case X86_OP_REG:
			op[i].kind = OPK_REG;
			name = cs_reg_name(cs, o->reg);
			snprintf(op[i].reg, sizeof(op[i].reg), "%s",
			    name ? name : "?");
			break;
		case X86_OP_IMM:
			op[i].kind = OPK_IMM;
			op[i].imm = o->imm;
			break;
		case X86_OP_MEM:
			op[i].kind = OPK_MEM;
			if (o->mem.base != X86_REG_INVALID)
				snprintf(op[i].mem.base, sizeof(op[i].mem.base),
				    "%s", cs_reg_name(cs, o->mem.base));
			if (o->mem.index != X86_REG_INVALID)
				snprintf(op[i].mem.index, sizeof(op[i].mem.index),
				    "%s", cs_reg_name(cs, o->mem.index));
			op[i].mem.scale = o->mem.scale;
			op[i].mem.disp = o->mem.disp;
			/* Any segment but the flat ones: its base is not known. */
			op[i].mem.segment = o->mem.segment != X86_REG_INVALID &&
			    o->mem.segment != X86_REG_CS &&
			    o->mem.segment != X86_REG_DS &&
			    o->mem.segment != X86_REG_SS &&
			    o->mem.segment != X86_REG_ES;
			break;
		default:
			return 0;
		}
	}
	return x->op_count;
}

/*
 * Whether a prefix makes ci something other than its plain form: all
 * but the operand-size prefix, whose effect the operand sizes show.
 */
static int
prefixed(const cs_insn *ci)
{
	const cs_x86 *x = &ci->detail->x86;

	return x->prefix[0] != 0 || x->prefix[1] != 0 || x->prefix[3] != 0;
}

/* Where a near call or jump with an immediate operand goes; 0 otherwise. */
static addr_t
direct_target(const cs_insn *ci, unsigned flags)
{
	const cs_x86 *x = &ci->detail->x86;

	/* A far one (ljmp, lcall) has a segment too: no plain address. */
	if (!(flags & (INSN_CALL | INSN_JUMP)) || ci->id == X86_INS_LJMP ||
	    ci->id == X86_INS_LCALL || x->op_count != 1 ||
	    x->operands[0].type != X86_OP_IMM)
		return 0;
	return (addr_t)x->operands[0].imm;
}

BOOL
memop_address(const struct memop *m, const struct cpu *cpu,
    const union context *c, addr_t next, addr_t *ea)
{
	const struct reg *r;
	addr_t a = (addr_t)m->disp;

	if (m->segment)
		return FALSE;
	if (strcmp(m->base, "rip") == 0 || strcmp(m->base, "eip") == 0)
		a += next;
	else if (m->base[0] != '\0') {
		if ((r = cpu_reg(cpu, m->base)) == NULL)
			return FALSE;
		a += reg_get(r, c);
	}
	if (m->index[0] != '\0') {
		if ((r = cpu_reg(cpu, m->index)) == NULL)
			return FALSE;
		a += reg_get(r, c) * (addr_t)m->scale;
	}
	if (cpu->ptrsize == 4)
		a &= 0xffffffffu;
	*ea = a;
	return TRUE;
}

BOOL
dis_decode(struct dis *d, const void *code, size_t n, addr_t a,
    struct insn *in)
{
	const uint8_t *p = code;
	uint64_t addr = a;

	if (!cs_disasm_iter(d->cs, &p, &n, &addr, d->ci))
		return FALSE;
	in->addr = a;
	in->len = d->ci->size;
	memcpy(in->bytes, d->ci->bytes, in->len);
	in->flags = classify(d->cs, d->ci);
	in->nmem = memops(d->cs, d->ci, in->mem, 2);
	in->target = direct_target(d->ci, in->flags);
	snprintf(in->text, sizeof(in->text), "%s%s%s", d->ci->mnemonic,
	    d->ci->op_str[0] ? " " : "", d->ci->op_str);
	snprintf(in->mnem, sizeof(in->mnem), "%s", d->ci->mnemonic);
	in->nop = operands(d->cs, d->ci, in->op, 2);
	in->prefixed = prefixed(d->ci);
	in->osize = d->ci->detail->x86.prefix[2] != 0;
	in->disp_offset = d->ci->detail->x86.encoding.disp_offset;
	in->disp_size = d->ci->detail->x86.encoding.disp_size;
	return TRUE;
}

/* Read as many of the n bytes at a as are readable; returns the count. */
static size_t
read_code(HANDLE process, addr_t a, unsigned char *buf, size_t n)
{
	size_t first = 0x1000 - (size_t)(a & 0xfff);

	if (first >= n)
		return mem_read(process, a, buf, n) ? n : 0;
	if (!mem_read(process, a, buf, first))
		return 0;
	return mem_read(process, a + first, buf + first, n - first) ? n : first;
}

BOOL
dis_at(struct dis *d, HANDLE process, addr_t a, struct insn *in)
{
	unsigned char buf[15];
	size_t n;

	if ((n = read_code(process, a, buf, sizeof(buf))) == 0)
		return FALSE;
	return dis_decode(d, buf, n, a, in);
}

/* The instruction most forward decodings of buf (BACK bytes before a) end on. */
static BOOL
vote_before(struct dis *d, const unsigned char *buf, size_t back, addr_t a,
    struct insn *in)
{
	addr_t starts[64];
	int votes[64] = { 0 }, nstarts = 0, i, best = -1;
	struct insn cur;
	size_t k, off;

	for (k = 0; k < back; k++) {
		addr_t last = 0;

		for (off = k; off < back; off += cur.len) {
			if (!dis_decode(d, buf + off, back - off, a - back + off, &cur))
				break;
			last = cur.addr;
		}
		if (off != back || last == 0)
			continue;	/* did not land on a exactly */
		for (i = 0; i < nstarts && starts[i] != last; i++)
			;
		if (i == nstarts)
			starts[nstarts++] = last;
		votes[i]++;
	}
	for (i = 0; i < nstarts; i++)
		if (best < 0 || votes[i] > votes[best])
			best = i;
	if (best < 0)
		return FALSE;
	return dis_decode(d, buf + (starts[best] - (a - back)),
	    (size_t)(a - starts[best]), starts[best], in);
}

BOOL
dis_before(struct dis *d, HANDLE process, addr_t a, const struct cpu *cpu,
    const union context *c, addr_t lo, unsigned len, struct insn *in)
{
	enum { BACK = 48, LONGEST = 15 };
	unsigned char buf[BACK];
	struct insn cand[LONGEST], voted;
	addr_t ea;
	size_t k;
	int i, n = 0;

	if (read_code(process, a - BACK, buf, BACK) != BACK)
		return FALSE;
	/* Every instruction (at most 15 bytes) that ends exactly at a... */
	for (k = BACK - LONGEST; k < BACK; k++) {
		if (!dis_decode(d, buf + k, BACK - k, a - BACK + k, &cand[n]) ||
		    cand[n].len != BACK - k)
			continue;
		/* ... that addressed the watched bytes. */
		for (i = 0; i < cand[n].nmem; i++)
			if (memop_address(&cand[n].mem[i], cpu, c, a, &ea) &&
			    ea < lo + len && lo < ea + 16) {
				n++;
				break;
			}
	}
	/*
	 * Decoding forwards from almost any byte falls into step with the
	 * real instructions within a few of them, so the decodings from each
	 * of the bytes before a can vote.  They choose when several
	 * candidates addressed the bytes (a decoding that starts inside the
	 * instruction before, as 01 a3 ... reads "add [ebx + disp], esp"
	 * where the code is "add eax, 1" and then a3 ..., a "mov [disp],
	 * eax"), and when none provably did (a register it used was changed
	 * by the instruction itself, say).
	 */
	if (n != 1 && vote_before(d, buf, BACK, a, &voted)) {
		for (i = 0; i < n; i++)
			if (cand[i].addr == voted.addr)
				break;
		*in = i < n ? cand[i] : n > 0 ? cand[0] : voted;
		return TRUE;
	}
	if (n > 0)
		*in = cand[0];
	return n > 0;
}

char *
insn_hex(const struct insn *in, char *buf, size_t n)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < in->len && len + 3 < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%02x", i ? " " : "",
		    in->bytes[i]);
	return buf;
}
