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
	snprintf(in->text, sizeof(in->text), "%s%s%s", d->ci->mnemonic,
	    d->ci->op_str[0] ? " " : "", d->ci->op_str);
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

BOOL
dis_before(struct dis *d, HANDLE process, addr_t a, struct insn *in)
{
	unsigned char buf[15];
	struct insn cand;
	size_t got, k;
	int found = 0;

	got = read_code(process, a - sizeof(buf), buf, sizeof(buf));
	if (got != sizeof(buf))
		return FALSE;
	/* Longest first: the decoding that starts earliest and ends at a. */
	for (k = 0; k < sizeof(buf); k++) {
		if (!dis_decode(d, buf + k, sizeof(buf) - k, a - sizeof(buf) + k,
		    &cand) || cand.len != sizeof(buf) - k)
			continue;
		if (cand.flags & (INSN_MEMREAD | INSN_MEMWRITE)) {
			*in = cand;
			return TRUE;
		}
		if (!found) {
			*in = cand;
			found = 1;
		}
	}
	return found;
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
