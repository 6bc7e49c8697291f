/* stay.c: getting a thread past an INT3 that stays: by emulation, or by running a copy elsewhere. */
#include <stdio.h>
#include <string.h>


#include "emu.h"
#include "err.h"
#include "mem.h"
#include "stay.h"

static const char *const names[] = {
	NULL, "hold", "reinsert", "emulate", "displaced",
};

int
pass_mode(const char *name)
{
	int i;

	for (i = PASS_HOLD; i <= PASS_DISPLACED; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return 0;
}

const char *
pass_name(int how)
{
	return how >= PASS_HOLD && how <= PASS_DISPLACED ? names[how] : "?";
}

/* Each displaced copy gets a slot of the scratch page: 15 bytes at most. */
#define SLOT		16
#define SCRATCH		4096
/* How far a 32-bit displacement reaches, less the page itself. */
#define REACH		(0x7fffffffull - SCRATCH)

static BOOL
no(const char **why, const char *reason)
{
	*why = reason;
	return FALSE;
}

/*
 * A page of the target's, committed read-write, within REACH of a (and
 * below 2 GB for a 32-bit target): the free regions around a are tried
 * from the lowest up, at the allocation granularity.  0 if none.
 */
static addr_t
scratch_near(HANDLE p, addr_t a, unsigned ptrsize)
{
	MEMORY_BASIC_INFORMATION mbi;
	SYSTEM_INFO si;
	addr_t lo, hi, q, base, end, cand, gran;
	void *v;

	GetSystemInfo(&si);
	gran = si.dwAllocationGranularity;
	lo = a > REACH + gran ? a - REACH : gran;
	hi = ptrsize == 4 ? 0x7fff0000u : a + REACH;
	for (q = lo; q < hi; q = end) {
		if (!VirtualQueryEx(p, (LPCVOID)(uintptr_t)q, &mbi, sizeof(mbi)))
			break;
		base = (addr_t)(uintptr_t)mbi.BaseAddress;
		end = base + mbi.RegionSize;
		cand = (base + gran - 1) & ~(gran - 1);
		if (mbi.State != MEM_FREE || cand + SCRATCH > end ||
		    cand + SCRATCH > hi)
			continue;
		if ((v = VirtualAllocEx(p, (LPVOID)(uintptr_t)cand, SCRATCH,
		    MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)) != NULL)
			return (addr_t)(uintptr_t)v;
	}
	return 0;
}

/* Write into the scratch page, which is executable and not writable between. */
static BOOL
scratch_write(HANDLE p, addr_t at, const void *buf, size_t n)
{
	LPVOID page = (LPVOID)(uintptr_t)(at & ~(addr_t)(SCRATCH - 1));
	DWORD old;
	BOOL ok;

	if (!VirtualProtectEx(p, page, SCRATCH, PAGE_READWRITE, &old))
		return FALSE;
	ok = mem_write(p, at, buf, n);
	return VirtualProtectEx(p, page, SCRATCH, PAGE_EXECUTE_READ, &old) && ok;
}

/* Whether an operand of in is addressed relative to the IP. */
static int
rip_relative(const struct insn *in)
{
	int i;

	for (i = 0; i < in->nmem; i++)
		if (strcmp(in->mem[i].base, "rip") == 0)
			return 1;
	for (i = 0; i < 2 && i < in->nop; i++)
		if (in->op[i].kind == OPK_MEM &&
		    strcmp(in->op[i].mem.base, "rip") == 0)
			return 1;
	return 0;
}

/*
 * Copy bp's instruction into the scratch page, allocating it first if
 * need be, and rewrite a RIP-relative displacement so that the copy
 * reaches the same memory: the displacement counts from the end of the
 * instruction, which is now at the copy's end.  FALSE, with *why, when
 * the instruction cannot run anywhere else.
 */
static BOOL
displace(struct bpset *b, struct softbp *bp, const char **why)
{
	const struct insn *in = &bp->insn;
	unsigned char code[SLOT];
	int32_t d32;
	int64_t disp;
	addr_t copy;

	if (in->flags & (INSN_CALL | INSN_JUMP | INSN_RET | INSN_INT))
		return no(why, "a branch, return or system call runs only "
		    "where it is");
	if (b->nslots >= SCRATCH / SLOT)
		return no(why, "the scratch page is full");
	if (b->scratch == 0 && (b->scratch = scratch_near(b->s->process,
	    bp->addr, b->s->cpu->ptrsize)) == 0)
		return no(why, "no free page within 2 GB of the code");
	copy = b->scratch + b->nslots * SLOT;
	memcpy(code, in->bytes, in->len);
	if (rip_relative(in)) {
		if (in->disp_size != 4 || in->disp_offset + 4 > in->len)
			return no(why, "its RIP-relative operand is not where "
			    "expected");
		memcpy(&d32, code + in->disp_offset, 4);
		disp = (int64_t)d32 + (int64_t)(bp->addr - copy);
		if (disp < INT32_MIN || disp > INT32_MAX)
			return no(why, "its RIP-relative operand is out of "
			    "reach of the scratch page");
		d32 = (int32_t)disp;
		memcpy(code + in->disp_offset, &d32, 4);
	}
	if (!scratch_write(b->s->process, copy, code, in->len))
		return no(why, "the scratch page cannot be written");
	bp->copy = copy;
	b->nslots++;
	return TRUE;
}

/* At bp's first hit: what it covers, and how threads will get past it. */
static BOOL
decide(struct bpset *b, struct dis *d, struct softbp *bp)
{
	const char *why_emu = NULL, *why_dis = NULL;
	unsigned char code[15];
	int branch, mode = b->mode ? b->mode : PASS_HOLD;
	size_t n;

	/* The bytes under our INT3s; fewer at the end of the readable code. */
	for (n = sizeof(code); n > 0 && !bp_read(b, bp->addr, code, n); n--)
		;
	if (n == 0 || !dis_decode(d, code, n, bp->addr, &bp->insn)) {
		warnx("0x%llx: no valid instruction under the breakpoint",
		    (unsigned long long)bp->addr);
		return FALSE;
	}
	bp->how = mode;
	if (mode != PASS_EMULATE && mode != PASS_DISPLACED)
		return TRUE;
	branch = (bp->insn.flags & (INSN_CALL | INSN_JUMP | INSN_RET)) != 0;
	if ((mode == PASS_EMULATE || branch) &&
	    emu_can(b->s->cpu, &bp->insn, &why_emu))
		bp->how = PASS_EMULATE;
	else if (displace(b, bp, &why_dis))
		bp->how = PASS_DISPLACED;
	else
		bp->how = PASS_HOLD;
	bp->noemu = why_emu;
	bp->nodisp = why_dis;
	return TRUE;
}

char *
stay_describe(const struct softbp *bp, char *buf, size_t n)
{
	int k = 0;

	if (bp->noemu != NULL)
		k = snprintf(buf, n, "cannot emulate (%s); ", bp->noemu);
	if (k < 0 || (size_t)k >= n)
		k = 0;
	switch (bp->how) {
	case PASS_EMULATE:
		snprintf(buf + k, n - k, "emulated at each hit; the INT3 stays");
		break;
	case PASS_DISPLACED:
		snprintf(buf + k, n - k, "displaced: its copy at 0x%llx runs at "
		    "each hit; the INT3 stays", (unsigned long long)bp->copy);
		break;
	default:
		snprintf(buf + k, n - k, bp->nodisp != NULL ? "cannot displace "
		    "(%s): at each hit the byte goes out, the other threads "
		    "held" : "at each hit the byte goes out%s", bp->nodisp ?
		    bp->nodisp : bp->how == PASS_REINSERT ? ", the other "
		    "threads running" : ", the other threads held");
	}
	return buf;
}

/*
 * Whether the thread's next instruction may raise an exception of the
 * target's own: by c, its registers at the hit (soft_context() reads the
 * debug registers too), it has TF set, or a debug register of its own
 * enabled.
 */
static BOOL
target_traps(const struct bpset *b, const union context *c)
{
	return (reg_get(b->s->cpu->flags, c) & TRAP_FLAG) ||
	    hw_target_armed(b, c);
}

int
stay_pass(struct bpset *b, struct dis *d, struct softbp *bp, DWORD tid,
    union context *c)
{
	const struct cpu *cpu = b->s->cpu;
	struct thread *t = session_thread(b->s, tid);
	unsigned char code[16];
	struct emu_write w;
	const char *why;
	int how;

	if (t == NULL)
		return 0;
	/*
	 * The INT3 stays, so the target can rewrite the rest of the
	 * instruction under it meanwhile: what runs must be what is there.
	 */
	if (bp->how != 0 && (bp->how == PASS_EMULATE || bp->how == PASS_DISPLACED) &&
	    (!bp_read(b, bp->addr, code, bp->insn.len) ||
	    memcmp(code, bp->insn.bytes, bp->insn.len) != 0))
		bp->how = 0;
	if (bp->how == 0 && !decide(b, d, bp))
		return 0;
	how = bp->how;
	/*
	 * A target that single-steps itself expects its trap right after
	 * this instruction, and one with a debug register of its own may
	 * get a hit from it: only a real step of the code, in its place,
	 * gives the target its exception with the context it expects.
	 * Emulated, the debug register would never fire; displaced, the
	 * target's handlers would see the copy's address.
	 */
	if (how != PASS_HOLD && how != PASS_REINSERT && target_traps(b, c))
		how = PASS_HOLD;
	if (how == PASS_EMULATE) {
		if (emu_run(cpu, b->s->process, &bp->insn, c, &w, &why)) {
			if (!cpu->set(t->handle, c, REG_GENERAL)) {
				warn("SetThreadContext(tid %lu)", tid);
				return 0;
			}
			return PASS_EMULATE;
		}
		/* Its memory is not there: the CPU runs it, to fault for real. */
		how = PASS_HOLD;
	}
	if (how == PASS_DISPLACED)
		return displaced_step(b, tid, bp, c) ? PASS_DISPLACED : 0;
	/* The classic way (lesson 04): byte out, one step, byte back in. */
	b->naive = how == PASS_REINSERT;
	if (!cpu->set(t->handle, c, REG_CONTROL)) {
		warn("SetThreadContext(tid %lu)", tid);
		return 0;
	}
	return soft_remove(b, bp) && step_begin(b, tid) ? how : 0;
}
