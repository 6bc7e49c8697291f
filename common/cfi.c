/* cfi.c: an i386 .eh_frame reader: find a function's FDE, run its CFA program. */
#include <string.h>

#include "cfi.h"
#include "mem.h"

/* i386 DWARF numbers the registers in encoding order; 8 is eip. */
#define DW_I386_EIP	8

/* Pointer encodings (DW_EH_PE_*): a format in the low nibble ... */
#define PE_ABSPTR	0x00
#define PE_ULEB128	0x01
#define PE_UDATA2	0x02
#define PE_UDATA4	0x03
#define PE_UDATA8	0x04
#define PE_SLEB128	0x09
#define PE_SDATA2	0x0a
#define PE_SDATA4	0x0b
#define PE_SDATA8	0x0c
/* ... and what it is relative to in the high one. */
#define PE_PCREL	0x10		/* the address of the field itself */
#define PE_OMIT		0xff

/* The CFA instructions (DW_CFA_*) this reader knows. */
enum {
	CFA_ADVANCE_LOC = 0x40,		/* high 2 bits; delta in the low 6 */
	CFA_OFFSET = 0x80,		/* high 2 bits; register in the low 6 */
	CFA_RESTORE = 0xc0,		/* high 2 bits; register in the low 6 */
	CFA_NOP = 0x00,
	CFA_SET_LOC = 0x01,
	CFA_ADVANCE_LOC1 = 0x02,
	CFA_ADVANCE_LOC2 = 0x03,
	CFA_ADVANCE_LOC4 = 0x04,
	CFA_OFFSET_EXTENDED = 0x05,
	CFA_RESTORE_EXTENDED = 0x06,
	CFA_UNDEFINED = 0x07,
	CFA_SAME_VALUE = 0x08,
	CFA_REGISTER = 0x09,
	CFA_REMEMBER_STATE = 0x0a,
	CFA_RESTORE_STATE = 0x0b,
	CFA_DEF_CFA = 0x0c,
	CFA_DEF_CFA_REGISTER = 0x0d,
	CFA_DEF_CFA_OFFSET = 0x0e,
	CFA_DEF_CFA_EXPRESSION = 0x0f,
	CFA_EXPRESSION = 0x10,
	CFA_OFFSET_EXTENDED_SF = 0x11,
	CFA_DEF_CFA_SF = 0x12,
	CFA_DEF_CFA_OFFSET_SF = 0x13,
	CFA_VAL_OFFSET = 0x14,
	CFA_VAL_OFFSET_SF = 0x15,
	CFA_VAL_EXPRESSION = 0x16,
	CFA_GNU_ARGS_SIZE = 0x2e
};

/* A cursor over the section's bytes; bad is set by any read past end. */
struct cur {
	const BYTE *p, *end;
	const BYTE *sec;		/* the section's first byte ... */
	addr_t va;			/* ... is at this address in the target */
	int bad;
};

static uint64_t
get(struct cur *c, unsigned n)
{
	uint64_t v = 0;

	if ((size_t)(c->end - c->p) < n) {
		c->bad = 1;
		c->p = c->end;
		return 0;
	}
	memcpy(&v, c->p, n);			/* little-endian */
	c->p += n;
	return v;
}

/*
 * A LEB128 number: 7 bits a byte, the lowest first, the top bit set on
 * every byte but the last; a signed one takes its sign from bit 6 of the
 * last byte.
 */
static uint64_t
leb128(struct cur *c, int is_signed)
{
	uint64_t v = 0;
	unsigned shift = 0;
	BYTE b;

	do {
		b = (BYTE)get(c, 1);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !c->bad);
	if (is_signed && shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;	/* sign-extend */
	return v;
}

#define uleb(c)	leb128((c), 0)
#define sleb(c)	((int64_t)leb128((c), 1))

/*
 * A pointer in encoding enc.  pcrel pointers count from the field's own
 * address in the target.  *ok is cleared for encodings not handled.
 */
static addr_t
pointer(struct cur *c, BYTE enc, int *ok)
{
	addr_t field = c->va + (addr_t)(c->p - c->sec), v;

	switch (enc & 0x0f) {
	case PE_ABSPTR:
	case PE_UDATA4:	v = (uint32_t)get(c, 4); break;
	case PE_SDATA4:	v = (addr_t)(int64_t)(int32_t)get(c, 4); break;
	case PE_UDATA2:	v = (uint16_t)get(c, 2); break;
	case PE_SDATA2:	v = (addr_t)(int64_t)(int16_t)get(c, 2); break;
	case PE_UDATA8:
	case PE_SDATA8:	v = get(c, 8); break;
	case PE_ULEB128: v = uleb(c); break;
	case PE_SLEB128: v = (addr_t)sleb(c); break;
	default:	*ok = 0; return 0;
	}
	switch (enc & 0x70) {
	case 0:		break;
	case PE_PCREL:	v += field; break;
	default:	*ok = 0; return 0;	/* datarel, textrel, funcrel */
	}
	if (enc & 0x80)			/* indirect: not for FDE addresses */
		*ok = 0;
	return (uint32_t)v;		/* i386: addresses are 32 bits */
}

/* What a CIE says, for the FDEs that point to it. */
struct cie {
	uint64_t code_align;
	int64_t data_align;
	unsigned ra;			/* the return address's column */
	BYTE fde_enc;			/* 'R': how FDEs encode addresses */
	int has_z;			/* 'z': FDEs carry augmentation data */
	const BYTE *insns, *insns_end;	/* the initial instructions */
};

/* Parse the CIE whose body (after its id) is at c. */
static const char *
parse_cie(struct cur c, struct cie *cie)
{
	const char *aug;
	BYTE version;
	int ok = 1;

	memset(cie, 0, sizeof(*cie));
	version = (BYTE)get(&c, 1);
	if (version != 1 && version != 3)
		return "a CIE of an unknown version";
	aug = (const char *)c.p;
	while (c.p < c.end && *c.p != '\0')
		c.p++;
	get(&c, 1);
	cie->code_align = uleb(&c);
	cie->data_align = sleb(&c);
	cie->ra = version == 1 ? (unsigned)get(&c, 1) : (unsigned)uleb(&c);
	if (aug[0] == 'z') {
		uint64_t len = uleb(&c);
		const BYTE *after = c.p + len;

		cie->has_z = 1;
		for (aug++; *aug != '\0' && !c.bad; aug++)
			switch (*aug) {
			case 'R':	/* the FDEs' pointer encoding */
				cie->fde_enc = (BYTE)get(&c, 1);
				break;
			case 'P':	/* a personality routine: skipped */
				pointer(&c, (BYTE)get(&c, 1), &ok);
				break;
			case 'L':	/* the LSDA's encoding: skipped */
				get(&c, 1);
				break;
			case 'S':	/* a signal frame */
				break;
			default:
				return "a CIE augmentation not handled";
			}
		if (after > c.end)
			return "a CIE longer than its record";
		c.p = after;
	} else if (aug[0] != '\0')
		return "a CIE augmentation not handled";
	if (c.bad || !ok)
		return "a malformed CIE";
	cie->insns = c.p;
	cie->insns_end = c.end;
	return NULL;
}

/* The DWARF register number r as a UREG_*, or -1 for one not followed. */
static int
ureg(uint64_t r)
{
	if (r < DW_I386_EIP)
		return (int)r;		/* eax ecx edx ebx esp ebp esi edi */
	return r == DW_I386_EIP ? UREG_IP : -1;
}

/* Set register r's rule in row, if r is one we follow. */
static void
rule(struct cfi_row *row, uint64_t r, enum cfi_rule how, int64_t off, int reg)
{
	int u = ureg(r);

	if (u < 0)
		return;
	row->reg[u].rule = how;
	row->reg[u].off = (int32_t)off;
	row->reg[u].reg = reg;
}

#define MAX_REMEMBER	8

/*
 * Run CFA instructions [c.p, c.end) from location loc, stopping before
 * the first that would take loc past ip (stop 0: run them all, as for a
 * CIE's initial instructions).  initial is the row the CIE set up, for
 * DW_CFA_restore.  NULL, or what went wrong.
 */
static const char *
run(struct cur c, const struct cie *cie, addr_t loc, addr_t ip, int stop,
    const struct cfi_row *initial, struct cfi_row *row)
{
	struct cfi_row saved[MAX_REMEMBER];
	unsigned nsaved = 0;
	uint64_t r, delta;
	BYTE op;
	int ok = 1;

	while (c.p < c.end && !c.bad) {
		op = (BYTE)get(&c, 1);
		delta = 0;
		switch (op & 0xc0) {
		case CFA_ADVANCE_LOC:
			delta = (op & 0x3f) * cie->code_align;
			break;
		case CFA_OFFSET:
			rule(row, op & 0x3f, CFI_OFFSET, (int64_t)uleb(&c) *
			    cie->data_align, 0);
			continue;
		case CFA_RESTORE:
			if (ureg(op & 0x3f) >= 0)
				row->reg[ureg(op & 0x3f)] =
				    initial->reg[ureg(op & 0x3f)];
			continue;
		}
		switch (op) {
		case CFA_NOP:
			break;
		case CFA_SET_LOC:
			r = pointer(&c, cie->fde_enc, &ok);
			if (stop && r > ip)
				return NULL;
			loc = r;
			break;
		case CFA_ADVANCE_LOC1:
			delta = get(&c, 1) * cie->code_align;
			break;
		case CFA_ADVANCE_LOC2:
			delta = get(&c, 2) * cie->code_align;
			break;
		case CFA_ADVANCE_LOC4:
			delta = get(&c, 4) * cie->code_align;
			break;
		case CFA_OFFSET_EXTENDED:
			r = uleb(&c);
			rule(row, r, CFI_OFFSET, (int64_t)uleb(&c) *
			    cie->data_align, 0);
			break;
		case CFA_OFFSET_EXTENDED_SF:
			r = uleb(&c);
			rule(row, r, CFI_OFFSET, sleb(&c) * cie->data_align, 0);
			break;
		case CFA_VAL_OFFSET:
			r = uleb(&c);
			rule(row, r, CFI_VAL_OFFSET, (int64_t)uleb(&c) *
			    cie->data_align, 0);
			break;
		case CFA_VAL_OFFSET_SF:
			r = uleb(&c);
			rule(row, r, CFI_VAL_OFFSET, sleb(&c) * cie->data_align, 0);
			break;
		case CFA_RESTORE_EXTENDED:
			r = uleb(&c);
			if (ureg(r) >= 0)
				row->reg[ureg(r)] = initial->reg[ureg(r)];
			break;
		case CFA_UNDEFINED:
			rule(row, uleb(&c), CFI_UNDEFINED, 0, 0);
			break;
		case CFA_SAME_VALUE:
			rule(row, uleb(&c), CFI_SAME, 0, 0);
			break;
		case CFA_REGISTER:
			r = uleb(&c);
			rule(row, r, CFI_REGISTER, 0, ureg(uleb(&c)));
			break;
		case CFA_REMEMBER_STATE:
			if (nsaved == MAX_REMEMBER)
				return "DW_CFA_remember_state nested too deep";
			saved[nsaved++] = *row;
			break;
		case CFA_RESTORE_STATE:
			if (nsaved == 0)
				return "DW_CFA_restore_state with nothing remembered";
			/* The CFA comes back too, in DWARF 4's reading. */
			*row = saved[--nsaved];
			break;
		case CFA_DEF_CFA:
			row->cfa_reg = ureg(uleb(&c));
			row->cfa_off = (int32_t)uleb(&c);
			row->cfa_expr = NULL;
			break;
		case CFA_DEF_CFA_SF:
			row->cfa_reg = ureg(uleb(&c));
			row->cfa_off = (int32_t)(sleb(&c) * cie->data_align);
			row->cfa_expr = NULL;
			break;
		case CFA_DEF_CFA_REGISTER:
			row->cfa_reg = ureg(uleb(&c));
			row->cfa_expr = NULL;
			break;
		case CFA_DEF_CFA_OFFSET:
			row->cfa_off = (int32_t)uleb(&c);
			break;
		case CFA_DEF_CFA_OFFSET_SF:
			row->cfa_off = (int32_t)(sleb(&c) * cie->data_align);
			break;
		case CFA_EXPRESSION:
		case CFA_VAL_EXPRESSION:
			r = uleb(&c);
			if ((delta = uleb(&c)) > (uint64_t)(c.end - c.p))
				return "a malformed DWARF expression";
			rule(row, r, op == CFA_EXPRESSION ? CFI_EXPRESSION :
			    CFI_VAL_EXPRESSION, 0, 0);
			if (ureg(r) >= 0) {
				row->reg[ureg(r)].expr = c.p;
				row->reg[ureg(r)].len = (size_t)delta;
			}
			c.p += delta;
			delta = 0;
			break;
		case CFA_DEF_CFA_EXPRESSION:
			if ((delta = uleb(&c)) > (uint64_t)(c.end - c.p))
				return "a malformed DWARF expression";
			row->cfa_expr = c.p;
			row->cfa_len = (size_t)delta;
			c.p += delta;
			delta = 0;
			break;
		case CFA_GNU_ARGS_SIZE:		/* for exceptions: no effect here */
			uleb(&c);
			break;
		default:
			if ((op & 0xc0) == 0)
				return "an unknown CFA instruction";
			break;
		}
		if (delta != 0) {
			if (stop && loc + delta > ip)
				return NULL;	/* the row for ip is complete */
			loc += delta;
		}
	}
	if (c.bad || !ok)
		return "CFA instructions cut short";
	return NULL;
}

/* DWARF expression operations (DW_OP_*) that CFI for i386 uses. */
enum {
	OP_DEREF = 0x06,
	OP_CONST1U = 0x08, OP_CONST1S, OP_CONST2U, OP_CONST2S, OP_CONST4U,
	OP_CONST4S,
	OP_DUP = 0x12,
	OP_AND = 0x1a,
	OP_MINUS = 0x1c,
	OP_PLUS = 0x22,
	OP_PLUS_UCONST = 0x23,
	OP_LIT0 = 0x30,		/* ... OP_LIT31 = 0x4f: the number itself */
	OP_BREG0 = 0x70,	/* ... OP_BREG31 = 0x8f: register + sleb */
	OP_BREGX = 0x92
};

#define EVAL_DEPTH	16

BOOL
cfi_eval(HANDLE process, const BYTE *op, size_t n,
    const uint64_t r[UREG_COUNT], int has_push, uint64_t push, uint64_t *out,
    const char **why)
{
	struct cur c = { op, op + n, op, 0, 0 };
	uint64_t st[EVAL_DEPTH], v;
	unsigned sp = 0;
	uint32_t w;
	int u;
	BYTE o;

#define PUSH(x)	do { if (sp == EVAL_DEPTH) goto deep; st[sp++] = (uint32_t)(x); } while (0)
#define NEED(k)	do { if (sp < (k)) goto empty; } while (0)
	if (has_push)
		PUSH(push);
	while (c.p < c.end && !c.bad) {
		o = (BYTE)get(&c, 1);
		if (o >= OP_LIT0 && o < OP_LIT0 + 32) {
			PUSH(o - OP_LIT0);
			continue;
		}
		if ((o >= OP_BREG0 && o < OP_BREG0 + 32) || o == OP_BREGX) {
			v = o == OP_BREGX ? uleb(&c) : (uint64_t)(o - OP_BREG0);
			if ((u = ureg(v)) < 0 || u == UREG_IP) {
				*why = "a DWARF expression on a register not followed";
				return FALSE;
			}
			PUSH(r[u] + (uint64_t)sleb(&c));
			continue;
		}
		switch (o) {
		case OP_DEREF:
			NEED(1);
			if (!mem_read(process, st[sp - 1], &w, 4)) {
				*why = "a DWARF expression reads memory that cannot be read";
				return FALSE;
			}
			st[sp - 1] = w;
			break;
		case OP_CONST1U: PUSH(get(&c, 1)); break;
		case OP_CONST1S: PUSH((int8_t)get(&c, 1)); break;
		case OP_CONST2U: PUSH(get(&c, 2)); break;
		case OP_CONST2S: PUSH((int16_t)get(&c, 2)); break;
		case OP_CONST4U: PUSH(get(&c, 4)); break;
		case OP_CONST4S: PUSH((int32_t)get(&c, 4)); break;
		case OP_DUP: NEED(1); v = st[sp - 1]; PUSH(v); break;
		case OP_AND: NEED(2); sp--; st[sp - 1] &= st[sp]; break;
		case OP_MINUS: NEED(2); sp--; st[sp - 1] = (uint32_t)(st[sp - 1] - st[sp]); break;
		case OP_PLUS: NEED(2); sp--; st[sp - 1] = (uint32_t)(st[sp - 1] + st[sp]); break;
		case OP_PLUS_UCONST: NEED(1); st[sp - 1] = (uint32_t)(st[sp - 1] + uleb(&c)); break;
		default:
			*why = "a DWARF expression operation not handled";
			return FALSE;
		}
	}
	NEED(1);
	if (c.bad) {
		*why = "a DWARF expression cut short";
		return FALSE;
	}
	*out = st[sp - 1];
	return TRUE;
deep:
	*why = "a DWARF expression too deep";
	return FALSE;
empty:
	*why = "a DWARF expression that pops an empty stack";
	return FALSE;
#undef PUSH
#undef NEED
}

BOOL
cfi_is_eh_frame(const BYTE *eh, size_t n)
{
	uint32_t len, id;

	if (n < 9)
		return FALSE;
	memcpy(&len, eh, 4);
	memcpy(&id, eh + 4, 4);
	return len >= 5 && len != 0xffffffffu && id == 0 &&
	    (eh[8] == 1 || eh[8] == 3);
}

int
cfi_find(const BYTE *eh, size_t n, addr_t va, addr_t ip, struct cfi_row *row,
    const char **why)
{
	struct cur c = { eh, eh + n, eh, va, 0 }, rec, cc;
	struct cfi_row initial;
	struct cie cie;
	uint32_t len, id;
	addr_t begin, range;
	const BYTE *body;
	int ok = 1, i;

	*why = NULL;
	/* Records follow each other: a length, then a CIE id or CIE pointer. */
	while ((size_t)(c.end - c.p) >= 8) {
		len = (uint32_t)get(&c, 4);
		if (len == 0)			/* the terminator */
			break;
		if (len == 0xffffffffu || len > (size_t)(c.end - c.p)) {
			*why = "a record with a bad length";
			return -1;
		}
		rec = c;
		rec.end = c.p + len;
		c.p += len;
		body = rec.p;
		id = (uint32_t)get(&rec, 4);
		if (id == 0)			/* a CIE: read with its FDEs */
			continue;
		/* An FDE: id is the distance back to the start of its CIE. */
		if (id > (size_t)(body - eh)) {
			*why = "an FDE whose CIE is outside the section";
			return -1;
		}
		cc = c;
		cc.p = body - id;		/* the CIE's length */
		len = (uint32_t)get(&cc, 4);
		if (len < 4 || len > (size_t)(c.end - cc.p) || get(&cc, 4) != 0) {
			*why = "an FDE that points to no CIE";
			return -1;
		}
		cc.end = cc.p - 4 + len;
		if ((*why = parse_cie(cc, &cie)) != NULL)
			return -1;
		begin = pointer(&rec, cie.fde_enc, &ok);
		range = pointer(&rec, cie.fde_enc & 0x0f, &ok);
		if (!ok || rec.bad) {
			*why = "an FDE address encoding not handled";
			return -1;
		}
		if (ip < begin || ip - begin >= range)
			continue;

		/* Ours: the CIE's rules first, then the FDE's up to ip. */
		if (cie.has_z)
			rec.p += uleb(&rec);		/* augmentation data */
		memset(row, 0, sizeof(*row));
		for (i = 0; i < UREG_COUNT; i++)
			row->reg[i].rule = CFI_SAME;
		row->cfa_reg = -1;
		cc.p = cie.insns;
		cc.end = cie.insns_end;
		if ((*why = run(cc, &cie, begin, 0, 0, row, row)) != NULL)
			return -1;
		initial = *row;
		if ((*why = run(rec, &cie, begin, ip, 1, &initial, row)) != NULL)
			return -1;
		if (ureg(cie.ra) != UREG_IP) {
			*why = "a return address column other than eip";
			return -1;
		}
		if (row->cfa_reg < 0 && row->cfa_expr == NULL) {
			*why = "a CFA in a register not followed";
			return -1;
		}
		row->fde_begin = begin;
		row->fde_end = begin + range;
		return 1;
	}
	return 0;
}
