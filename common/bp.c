/* bp.c: INT3 bytes, debug-register slots, guard pages, and their cleanup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp.h"
#include "err.h"
#include "mem.h"

void
bp_init(struct bpset *b, struct session *s)
{
	memset(b, 0, sizeof(*b));
	b->s = s;
}

/*
 * Write code bytes.  WriteProcessMemory manages on code by itself:
 * Windows' makes a range that is executable but not writable
 * (PAGE_EXECUTE_READ) writable for the moment of the write, puts its
 * protection back and flushes the instruction cache, and refuses only a
 * PAGE_READONLY or PAGE_NOACCESS range (source: ReactOS,
 * dll/win32/kernel32/client/proc.c, WriteProcessMemory()).  For such a
 * range, make it writable here, write, and put its protection back.
 */
static BOOL
code_write(HANDLE process, addr_t a, const void *buf, size_t n)
{
	DWORD old, dummy;
	BOOL ok;

	if (mem_write(process, a, buf, n))
		return TRUE;
	if (!VirtualProtectEx(process, (LPVOID)(uintptr_t)a, n,
	    PAGE_EXECUTE_READWRITE, &old))
		return FALSE;
	ok = mem_write(process, a, buf, n);
	VirtualProtectEx(process, (LPVOID)(uintptr_t)a, n, old, &dummy);
	return ok;
}

struct softbp *
soft_at(struct bpset *b, addr_t a)
{
	size_t i;

	for (i = 0; i < b->nsoft; i++)
		if (b->soft[i]->addr == a)
			return b->soft[i];
	return NULL;
}

struct softbp *
soft_insert(struct bpset *b, addr_t a, int oneshot, const char *location)
{
	const unsigned char int3 = INT3;
	MEMORY_BASIC_INFORMATION mbi;
	unsigned char saved, check;
	struct softbp *bp, **nv;
	HANDLE p = b->s->process;

	if ((bp = soft_at(b, a)) != NULL && bp->inserted) {
		warnx("%s: there is a breakpoint at 0x%llx already", location,
		    (unsigned long long)a);
		return NULL;
	}
	if (!mem_read(p, a, &saved, 1)) {
		warn("%s: ReadProcessMemory(0x%llx)", location, (unsigned long long)a);
		return NULL;
	}
	if (!code_write(p, a, &int3, 1)) {
		warn("%s: writing INT3 at 0x%llx", location, (unsigned long long)a);
		return NULL;
	}
	if (!mem_read(p, a, &check, 1) || check != INT3) {
		code_write(p, a, &saved, 1);
		warnx("%s: INT3 at 0x%llx did not stick", location,
		    (unsigned long long)a);
		return NULL;
	}
	if (bp == NULL) {
		if ((bp = calloc(1, sizeof(*bp))) == NULL ||
		    (nv = realloc(b->soft, (b->nsoft + 1) * sizeof(*nv))) == NULL) {
			code_write(p, a, &saved, 1);
			errx(EXIT_RUNTIME, "out of memory");
		}
		b->soft = nv;
		b->soft[b->nsoft++] = bp;
	}
	bp->addr = a;
	bp->saved = saved;
	bp->oneshot = oneshot;
	bp->inserted = 1;
	bp->gone = 0;
	bp->image = VirtualQueryEx(p, (LPCVOID)(uintptr_t)a, &mbi, sizeof(mbi)) ?
	    (addr_t)(uintptr_t)mbi.AllocationBase : 0;
	return bp;
}

size_t
soft_unloaded(struct bpset *b, addr_t base)
{
	size_t i, n = 0;

	for (i = 0; i < b->nsoft; i++)
		if (b->soft[i]->image == base && !b->soft[i]->gone) {
			b->soft[i]->gone = 1;
			b->soft[i]->inserted = 0;
			n++;
		}
	return n;
}

BOOL
soft_remove(struct bpset *b, struct softbp *bp)
{
	unsigned char now;

	if (!bp->inserted)
		return TRUE;
	bp->inserted = 0;
	/* Restore only our own 0xCC; never overwrite what the target wrote. */
	if (!mem_read(b->s->process, bp->addr, &now, 1)) {
		warn("ReadProcessMemory(0x%llx)", (unsigned long long)bp->addr);
		return FALSE;
	}
	if (now != INT3) {
		warnx("0x%llx: the target rewrote our INT3 (now %02x); left alone",
		    (unsigned long long)bp->addr, now);
		return TRUE;
	}
	if (!code_write(b->s->process, bp->addr, &bp->saved, 1)) {
		warn("restoring the byte at 0x%llx", (unsigned long long)bp->addr);
		return FALSE;
	}
	return TRUE;
}

BOOL
soft_context(struct bpset *b, struct softbp *bp, DWORD tid, union context *c)
{
	const struct cpu *cpu = b->s->cpu;
	struct thread *t = session_thread(b->s, tid);

	if (t == NULL || !cpu->get(t->handle, c, REG_GENERAL | REG_DEBUG)) {
		session_context_failed(tid, NULL);
		return FALSE;
	}
	/* The INT3 has run: the IP is one past it.  Point it back. */
	reg_set(cpu->ip, c, bp->addr);
	return TRUE;
}

BOOL
soft_hit(struct bpset *b, struct softbp *bp, DWORD tid, union context *c)
{
	struct thread *t = session_thread(b->s, tid);

	if (!soft_context(b, bp, tid, c))
		return FALSE;
	if (!b->s->cpu->set(t->handle, c, REG_GENERAL)) {
		warn("SetThreadContext(tid %lu)", tid);
		return FALSE;
	}
	/* The original instruction must run, so the original byte goes back. */
	return soft_remove(b, bp);
}

static BOOL
soft_reinsert(struct bpset *b, struct softbp *bp)
{
	const unsigned char int3 = INT3;

	if (bp->inserted || bp->oneshot || bp->gone)
		return TRUE;
	if (!code_write(b->s->process, bp->addr, &int3, 1)) {
		warn("writing INT3 at 0x%llx again", (unsigned long long)bp->addr);
		return FALSE;
	}
	bp->inserted = 1;
	return TRUE;
}

BOOL
bp_read(struct bpset *b, addr_t a, void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t i;

	if (!guard_read(b, a, buf, n))
		return FALSE;
	for (i = 0; i < b->nsoft; i++)
		if (b->soft[i]->inserted && b->soft[i]->addr >= a &&
		    b->soft[i]->addr - a < n)
			p[b->soft[i]->addr - a] = b->soft[i]->saved;
	return TRUE;
}

/*
 * Hold a thread still while its context changes, as SetThreadContext's
 * documentation asks, unless it is the thread reporting the pending event,
 * which is stopped already.  (Under Wine this also keeps its own internal
 * suspend for a context change from racing the debugger's.)  Returns
 * whether the thread was suspended here, for unhold().
 */
static BOOL
hold(struct bpset *b, HANDLE thread)
{
	if (b->s->pending && session_tid(b->s, thread) == b->s->ev.dwThreadId)
		return FALSE;
	return SuspendThread(thread) != (DWORD)-1;
}

static void
unhold(HANDLE thread, BOOL held)
{
	if (held)
		ResumeThread(thread);
}

/*
 * Program our slots into one thread's DR0-DR3 and DR7 (enable), or take
 * them out again; slots we do not use are left as the thread has them.
 * clear_dr6 also clears DR6; cleanup must not, as a hit already on its
 * way is recognised as ours by the slot bits DR6 still holds.
 */
static BOOL
hw_program(struct bpset *b, HANDLE thread, int enable, int clear_dr6)
{
	BOOL held = hold(b, thread), ok = FALSE;
	const struct cpu *cpu = b->s->cpu;
	union context c;
	uint32_t dr7;
	int i;

	if (!session_get_context(b->s, thread, &c, REG_DEBUG)) {
		session_context_failed(session_tid(b->s, thread), NULL);
		goto out;
	}
	dr7 = (uint32_t)reg_get(cpu->dr7, &c);
	for (i = 0; i < DR_SLOTS; i++) {
		if (!b->hw[i].used)
			continue;
		reg_set(cpu->dr[i], &c, enable ? b->hw[i].addr : 0);
		dr7 = enable ? dr7_enable(dr7, i, b->hw[i].rw, b->hw[i].len) :
		    dr7_disable(dr7, i);
	}
	reg_set(cpu->dr7, &c, dr7);
	if (clear_dr6)
		reg_set(cpu->dr6, &c, 0);
	if (!cpu->set(thread, &c, REG_DEBUG)) {
		warn("SetThreadContext(tid %lu)", session_tid(b->s, thread));
		goto out;
	}
	ok = TRUE;
out:
	unhold(thread, held);
	return ok;
}

BOOL
hw_apply(struct bpset *b, HANDLE thread)
{
	return hw_program(b, thread, 1, 0);
}

BOOL
hw_unapply(struct bpset *b, HANDLE thread)
{
	return hw_program(b, thread, 0, 1);
}

BOOL
hw_free_slots(struct bpset *b, unsigned *free)
{
	const struct cpu *cpu = b->s->cpu;
	union context c;
	uint32_t dr7;
	size_t i;
	int k;

	*free = (1u << DR_SLOTS) - 1;
	for (i = 0; i < b->s->nthreads; i++) {
		if (!session_get_context(b->s, b->s->threads[i].handle, &c,
		    REG_DEBUG)) {
			session_context_failed(b->s->threads[i].tid, NULL);
			return FALSE;
		}
		dr7 = (uint32_t)reg_get(cpu->dr7, &c);
		for (k = 0; k < DR_SLOTS; k++)
			if (!b->hw[k].used && dr7_enabled(dr7, k))
				*free &= ~(1u << k);
	}
	return TRUE;
}

uint32_t
hw_hit(struct bpset *b, DWORD tid, union context *c)
{
	const struct cpu *cpu = b->s->cpu;
	struct thread *t = session_thread(b->s, tid);
	uint32_t dr6, fired = 0;
	int i;

	if (t == NULL || !cpu->get(t->handle, c, REG_GENERAL | REG_DEBUG))
		return 0;
	dr6 = (uint32_t)reg_get(cpu->dr6, c);
	for (i = 0; i < DR_SLOTS; i++)
		if (b->hw[i].used && (dr6 & DR6_B(i))) {
			fired |= DR6_B(i);
			if (b->hw[i].rw == DR7_RW_EXECUTE)
				reg_set(cpu->flags, c, reg_get(cpu->flags, c) |
				    RESUME_FLAG);
		}
	if (fired == 0)
		return 0;
	/* Ours only: a slot of the target's own that fired too stays set. */
	reg_set(cpu->dr6, c, dr6 & ~fired);
	if (!cpu->set(t->handle, c, REG_GENERAL | REG_DEBUG))
		warn("SetThreadContext(tid %lu)", tid);
	return fired;
}

BOOL
hw_foreign(const struct bpset *b, const union context *c)
{
	const struct cpu *cpu = b->s->cpu;
	uint32_t dr6 = (uint32_t)reg_get(cpu->dr6, c);
	uint32_t dr7 = (uint32_t)reg_get(cpu->dr7, c);
	int i;

	for (i = 0; i < DR_SLOTS; i++)
		if ((dr6 & DR6_B(i)) && dr7_enabled(dr7, i) && !b->hw[i].used)
			return TRUE;
	return FALSE;
}

BOOL
hw_target_armed(const struct bpset *b, const union context *c)
{
	uint32_t dr7 = (uint32_t)reg_get(b->s->cpu->dr7, c);
	int i;

	for (i = 0; i < DR_SLOTS; i++)
		if (dr7_enabled(dr7, i) && !b->hw[i].used)
			return TRUE;
	return FALSE;
}

static DWORD
page_size(void)
{
	SYSTEM_INFO si;

	GetSystemInfo(&si);
	return si.dwPageSize;
}

struct guardpage *
guard_page_at(struct bpset *b, addr_t a)
{
	DWORD ps = page_size();
	size_t i;

	if (b->guard == NULL)
		return NULL;
	for (i = 0; i < b->guard->npages; i++)
		if (a - b->guard->pages[i].base < ps)
			return &b->guard->pages[i];
	return NULL;
}

/*
 * Whether a page with protection prot lets an access of this kind
 * (ExceptionInformation[0]) through.
 */
static int
allows(DWORD prot, ULONG_PTR access)
{
	switch (access) {
	case ACCESS_WRITE:
		return (prot & PAGE_WRITABLE) != 0;
	case ACCESS_EXECUTE:
		return (prot & PAGE_EXECUTABLE) != 0;
	default:
		return (prot & PAGE_NOACCESS) == 0;
	}
}

struct guardpage *
guard_hit(struct bpset *b, const EXCEPTION_RECORD *er)
{
	struct guardpage *pg;

	if (er == NULL || er->NumberParameters < 2 ||
	    (pg = guard_page_at(b, (addr_t)er->ExceptionInformation[1])) == NULL)
		return NULL;
	if (er->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION &&
	    (er->ExceptionCode != EXCEPTION_ACCESS_VIOLATION ||
	    !allows(pg->protect, er->ExceptionInformation[0])))
		return NULL;
	pg->armed = 0;
	return pg;
}

/*
 * The protection of page a as it is now, into *prot; FALSE (after printing
 * why) if it cannot be read.
 */
static BOOL
page_protection(struct bpset *b, addr_t a, DWORD *prot)
{
	MEMORY_BASIC_INFORMATION mbi;

	if (!VirtualQueryEx(b->s->process, (LPCVOID)(uintptr_t)a, &mbi,
	    sizeof(mbi))) {
		warn("VirtualQueryEx(0x%llx)", (unsigned long long)a);
		return FALSE;
	}
	*prot = mbi.Protect;
	return TRUE;
}

BOOL
guard_arm(struct bpset *b, struct guardpage *pg)
{
	DWORD now, old;

	if (pg->armed)
		return TRUE;
	/*
	 * The target may have changed the page's protection since we looked
	 * (VirtualProtect): guard what it has now.  A page it made a guard
	 * page itself, or took away, stays as it is.
	 */
	if (!page_protection(b, pg->base, &now))
		return FALSE;
	if (now & (PAGE_GUARD | PAGE_NOACCESS))
		return TRUE;
	pg->protect = now;
	if (!VirtualProtectEx(b->s->process, (LPVOID)(uintptr_t)pg->base, 1,
	    pg->protect | PAGE_GUARD, &old)) {
		warn("VirtualProtectEx(0x%llx, PAGE_GUARD)",
		    (unsigned long long)pg->base);
		return FALSE;
	}
	pg->armed = 1;
	return TRUE;
}

/*
 * Take our guard off a page again.  Only a guard that is still there is
 * ours to take: one that fired is gone already, and a page whose
 * protection the target changed meanwhile keeps what the target gave it.
 */
static BOOL
guard_disarm(struct bpset *b, struct guardpage *pg)
{
	DWORD now, old;

	if (!pg->armed)
		return TRUE;
	pg->armed = 0;
	if (!page_protection(b, pg->base, &now))
		return FALSE;
	if (!(now & PAGE_GUARD))
		return TRUE;
	if (!VirtualProtectEx(b->s->process, (LPVOID)(uintptr_t)pg->base, 1,
	    now & ~(DWORD)PAGE_GUARD, &old)) {
		warn("VirtualProtectEx(0x%llx): restoring the protection",
		    (unsigned long long)pg->base);
		return FALSE;
	}
	return TRUE;
}

BOOL
guard_read(struct bpset *b, addr_t a, void *buf, size_t n)
{
	struct guardpage *pg;
	DWORD ps = page_size(), err;
	size_t i;
	BOOL ok = TRUE, read;

	for (i = 0; b->guard != NULL && i < b->guard->npages; i++) {
		pg = &b->guard->pages[i];
		if (pg->armed && pg->base < a + n && a < pg->base + ps) {
			pg->lifted = 1;
			ok &= guard_disarm(b, pg);
		}
	}
	read = ok && mem_read(b->s->process, a, buf, n);
	err = GetLastError();
	for (i = 0; b->guard != NULL && i < b->guard->npages; i++) {
		pg = &b->guard->pages[i];
		if (pg->lifted) {
			pg->lifted = 0;
			ok &= guard_arm(b, pg);
		}
	}
	SetLastError(err);
	return read && ok;
}

struct guardbp *
guard_insert(struct bpset *b, addr_t a, size_t size, const char *location)
{
	MEMORY_BASIC_INFORMATION mbi;
	struct guardbp *g;
	DWORD ps = page_size();
	addr_t first = a & ~(addr_t)(ps - 1), last;
	size_t i;

	if (size == 0 || a + size < a) {
		warnx("%s: empty or wrapping range", location);
		return NULL;
	}
	last = (a + size - 1) & ~(addr_t)(ps - 1);
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->pages = calloc((size_t)((last - first) / ps + 1),
	    sizeof(*g->pages))) == NULL)
		errx(EXIT_RUNTIME, "out of memory");
	g->addr = a;
	g->size = size;
	/* Look at every page before changing any. */
	for (; g->npages <= (last - first) / ps; g->npages++) {
		addr_t pg = first + g->npages * ps;

		if (!mem_query(b->s->process, pg < a ? a : pg, &mbi, location))
			goto fail;
		if (mbi.Protect & (PAGE_GUARD | PAGE_NOACCESS)) {
			warnx("%s: page 0x%llx is already %s", location,
			    (unsigned long long)pg, mbi.Protect & PAGE_GUARD ?
			    "a guard page" : "inaccessible");
			goto fail;
		}
		g->pages[g->npages].base = pg;
		g->pages[g->npages].protect = mbi.Protect;
	}
	b->guard = g;
	for (i = 0; i < g->npages; i++)
		if (!guard_arm(b, &g->pages[i])) {
			while (i-- > 0)
				guard_disarm(b, &g->pages[i]);
			b->guard = NULL;
			goto fail;
		}
	return g;
fail:
	free(g->pages);
	free(g);
	return NULL;
}

/* The trap we set on tid, or NULL. */
static struct trap *
trap_of(struct bpset *b, DWORD tid)
{
	size_t i;

	for (i = 0; i < b->ntraps; i++)
		if (b->traps[i].tid == tid)
			return &b->traps[i];
	return NULL;
}

static void
trap_forget(struct bpset *b, struct trap *tr)
{
	if (tr->stepping)
		b->nsteppers--;
	if (tr->displaced != NULL)
		b->ndisplaced--;
	*tr = b->traps[--b->ntraps];
}

/*
 * What the instruction at ip does with the flags: FLAGS_PUSHF (9c),
 * FLAGS_POPF (9d), or 0.  Prefixes come first: operand size, segment,
 * lock and rep, and on x64 a REX byte.  Its bytes are read in one go (a
 * single step pays for each ReadProcessMemory), but not beyond the end
 * of its page, which may be the last one there is.
 */
static int
flags_op(struct bpset *b, addr_t ip)
{
	unsigned char code[15], c;
	size_t n = 0x1000 - (size_t)(ip & 0xfff), i;

	if (n > sizeof(code))
		n = sizeof(code);
	if (!bp_read(b, ip, code, n))
		return 0;
	for (i = 0; i < n; i++) {
		c = code[i];
		if (c == 0x66 || c == 0x26 || c == 0x2e || c == 0x36 ||
		    c == 0x3e || c == 0x64 || c == 0x65 || c == 0xf0 ||
		    c == 0xf2 || c == 0xf3 ||
		    (b->s->cpu->ptrsize == 8 && (c & 0xf0) == 0x40))
			continue;
		return c == 0x9c ? FLAGS_PUSHF : c == 0x9d ? FLAGS_POPF : 0;
	}
	return 0;
}

/*
 * TF is bit 8 of the flags, and in the low 16 bits whatever the operand
 * size of a pushf or popf: the second byte of the value on the stack.
 */
#define STACK_TF	0x01	/* TRAP_FLAG >> 8 */

/*
 * A thread that ran (or is about to run) bp's displaced copy: its IP goes
 * from the copy to the same place in the code, in c.  Whether it moved.
 */
static BOOL
displaced_back(struct bpset *b, const struct softbp *bp, union context *c)
{
	const struct reg *ip = b->s->cpu->ip;
	addr_t at = reg_get(ip, c);

	if (at - bp->copy > bp->insn.len)
		return FALSE;		/* elsewhere: it branched, or faulted */
	reg_set(ip, c, bp->addr + (at - bp->copy));
	return TRUE;
}

/*
 * Clear the TF we set on a thread (never the target's own).  A thread
 * about to run a displaced copy runs the original instead: the copy may
 * be going away.
 */
static BOOL
trap_clear(struct bpset *b, HANDLE thread, const struct trap *tr)
{
	const struct cpu *cpu = b->s->cpu;
	union context c;
	uint64_t f;
	int changed = 0;

	if (tr->own && tr->displaced == NULL)
		return TRUE;
	if (!session_get_context(b->s, thread, &c, REG_CONTROL)) {
		session_context_failed(tr->tid, NULL);
		return FALSE;
	}
	f = reg_get(cpu->flags, &c);
	if (!tr->own && (f & TRAP_FLAG)) {
		reg_set(cpu->flags, &c, f & ~(uint64_t)TRAP_FLAG);
		changed = 1;
	}
	if (tr->displaced != NULL && reg_get(cpu->ip, &c) == tr->displaced->copy)
		changed |= displaced_back(b, tr->displaced, &c);
	if (changed && !cpu->set(thread, &c, REG_CONTROL)) {
		warn("SetThreadContext(tid %lu)", tr->tid);
		return FALSE;
	}
	return TRUE;
}

/*
 * Record a trap on tid for the instruction at the IP in c, which does op
 * (FLAGS_*) with the flags, and set TF in c unless the target has it set
 * already.  The caller writes c to the thread.
 */
static struct trap *
trap_set(struct bpset *b, DWORD tid, union context *c, int op)
{
	const struct cpu *cpu = b->s->cpu;
	struct trap *tr = trap_of(b, tid), *nv;
	uint64_t f = reg_get(cpu->flags, c);
	unsigned char tf;

	if (tr == NULL) {
		if (b->ntraps == b->captraps) {
			b->captraps = b->captraps ? 2 * b->captraps : 8;
			if ((nv = realloc(b->traps, b->captraps *
			    sizeof(*nv))) == NULL)
				errx(EXIT_RUNTIME, "out of memory for %u traps",
				    (unsigned)b->captraps);
			b->traps = nv;
		}
		tr = &b->traps[b->ntraps++];
		memset(tr, 0, sizeof(*tr));
		tr->tid = tid;
	}
	tr->own = (f & TRAP_FLAG) != 0;
	tr->op = op;
	tr->loads_tf = op == FLAGS_POPF && mem_read(b->s->process,
	    reg_get(cpu->sp, c) + 1, &tf, 1) && (tf & STACK_TF);
	if (!tr->own)
		reg_set(cpu->flags, c, f | TRAP_FLAG);
	return tr;
}

BOOL
bp_trap(struct bpset *b, HANDLE thread, int on)
{
	const struct cpu *cpu = b->s->cpu;
	DWORD tid = session_tid(b->s, thread);
	struct trap *tr = trap_of(b, tid);
	BOOL held, ok = FALSE;
	union context c;

	if (!on && tr == NULL)
		return TRUE;
	held = hold(b, thread);
	if (!on) {
		ok = trap_clear(b, thread, tr);
		trap_forget(b, tr);
		goto out;
	}
	if (!session_get_context(b->s, thread, &c, REG_CONTROL)) {
		session_context_failed(tid, NULL);
		goto out;
	}
	tr = trap_set(b, tid, &c, flags_op(b, reg_get(cpu->ip, &c)));
	ok = TRUE;
	if (!tr->own && !cpu->set(thread, &c, REG_CONTROL)) {
		warn("SetThreadContext(tid %lu)", tid);
		trap_forget(b, tr);
		ok = FALSE;
	}
out:
	unhold(thread, held);
	return ok;
}

BOOL
bp_trapped(struct bpset *b, DWORD tid, DWORD *status)
{
	union context c;

	return bp_trapped_regs(b, tid, status, &c) != 0;
}

int
bp_trapped_regs(struct bpset *b, DWORD tid, DWORD *status, union context *cp)
{
	const struct cpu *cpu = b->s->cpu;
	struct trap *tr = trap_of(b, tid), done;
	struct thread *t = session_thread(b->s, tid);
	unsigned char tf;
	addr_t sp;

	if (tr == NULL)
		return 0;
	done = *tr;
	trap_forget(b, tr);
	b->trap_fixed = 0;
	*status = done.own ? DBG_EXCEPTION_NOT_HANDLED : DBG_CONTINUE;
	/*
	 * The trap that reports the step clears TF in the thread's saved
	 * flags (Windows' KiTrap01 does, and Wine likewise), so ours is
	 * gone.  What the instruction did with TF is not.
	 */
	if (t == NULL || !cpu->get(t->handle, cp, REG_GENERAL | REG_DEBUG)) {
		session_context_failed(tid, NULL);
		return -1;
	}
	/* A debug register of the target's own fired on the same instruction. */
	if (hw_foreign(b, cp))
		*status = DBG_EXCEPTION_NOT_HANDLED;
	if (done.displaced != NULL && displaced_back(b, done.displaced, cp) &&
	    !cpu->set(t->handle, cp, REG_CONTROL))
		warn("SetThreadContext(tid %lu): back from the displaced copy",
		    tid);
	sp = reg_get(cpu->sp, cp);
	if (done.op == FLAGS_PUSHF && !done.own &&
	    mem_read(b->s->process, sp + 1, &tf, 1) && (tf & STACK_TF)) {
		/* pushf ran with our TF set and copied it: take it out there. */
		tf &= ~STACK_TF;
		if (mem_write(b->s->process, sp + 1, &tf, 1))
			b->trap_fixed = FLAGS_PUSHF;
		else
			warn("WriteProcessMemory(0x%llx): the flags pushf "
			    "copied TF into", (unsigned long long)sp);
	} else if (done.loads_tf || (reg_get(cpu->flags, cp) & TRAP_FLAG)) {
		/*
		 * The popf loaded the target's own TF, which the report of our
		 * step cleared: put it back, and its own trap follows the next
		 * instruction.  (Any other TF still set is ours: off it goes.)
		 */
		reg_set(cpu->flags, cp, done.loads_tf ?
		    reg_get(cpu->flags, cp) | TRAP_FLAG :
		    reg_get(cpu->flags, cp) & ~(uint64_t)TRAP_FLAG);
		if (!cpu->set(t->handle, cp, REG_CONTROL))
			warn("SetThreadContext(tid %lu)", tid);
		else if (done.loads_tf)
			b->trap_fixed = FLAGS_POPF;
	}
	return 1;
}

BOOL
bp_stepping(const struct bpset *b, DWORD tid)
{
	size_t i;

	for (i = 0; i < b->ntraps; i++)
		if (b->traps[i].tid == tid)
			return b->traps[i].stepping;
	return FALSE;
}

/* Hold one more thread while steps are under way. */
static void
hold_thread(struct bpset *b, DWORD tid, HANDLE h)
{
	DWORD *nv;

	if (SuspendThread(h) == (DWORD)-1) {
		if (WaitForSingleObject(h, 0) != WAIT_OBJECT_0)
			warn("SuspendThread(tid %lu)", tid);
		return;
	}
	if (b->nheld == b->capheld) {
		b->capheld = b->capheld ? 2 * b->capheld : 16;
		if ((nv = realloc(b->held, b->capheld * sizeof(*nv))) == NULL)
			errx(EXIT_RUNTIME, "out of memory for %u threads",
			    (unsigned)b->capheld);
		b->held = nv;
	}
	b->held[b->nheld++] = tid;
}

/* Hold every thread but keep. */
static void
hold_all(struct bpset *b, DWORD keep)
{
	size_t i;

	for (i = 0; i < b->s->nthreads; i++)
		if (b->s->threads[i].tid != keep)
			hold_thread(b, b->s->threads[i].tid,
			    b->s->threads[i].handle);
}

/* Let go of a thread we hold, if we hold it (and it is still there). */
static void
release(struct bpset *b, DWORD tid)
{
	struct thread *t = session_thread(b->s, tid);
	size_t i;

	for (i = 0; i < b->nheld; i++)
		if (b->held[i] == tid) {
			if (t != NULL && ResumeThread(t->handle) == (DWORD)-1)
				warn("ResumeThread(tid %lu)", tid);
			b->held[i] = b->held[--b->nheld];
			return;
		}
}

static void
release_all(struct bpset *b)
{
	while (b->nheld > 0)
		release(b, b->held[b->nheld - 1]);
}

BOOL
step_begin(struct bpset *b, DWORD tid)
{
	struct thread *t = session_thread(b->s, tid);
	struct trap *tr;

	if (bp_stepping(b, tid))
		return TRUE;	/* its instruction faulted on a second page */
	if (t == NULL) {
		warnx("step_begin: tid %lu is not a thread of pid %lu", tid,
		    b->s->pid);
		return FALSE;
	}
	if (!bp_trap(b, t->handle, 1))
		return FALSE;
	tr = trap_of(b, tid);
	tr->stepping = 1;
	b->nsteppers++;
	if (b->nsteppers == 1 && !b->naive) {
		hold_all(b, tid);
		b->holds++;
	} else
		release(b, tid);	/* a latecomer: it steps too */
	return TRUE;
}

BOOL
displaced_step(struct bpset *b, DWORD tid, struct softbp *bp, union context *c)
{
	const struct cpu *cpu = b->s->cpu;
	struct thread *t = session_thread(b->s, tid);
	struct trap *tr;
	int op = 0;

	if (t == NULL)
		return FALSE;
	/* What the instruction does with TF, from what it is (bp_trap()). */
	if (bp->insn.flags & INSN_PUSHF)
		op = FLAGS_PUSHF;
	else if (strncmp(bp->insn.mnem, "popf", 4) == 0)
		op = FLAGS_POPF;
	/* The IP to the copy and TF on, in one write. */
	reg_set(cpu->ip, c, bp->copy);
	tr = trap_set(b, tid, c, op);
	if (!cpu->set(t->handle, c, REG_CONTROL)) {
		warn("SetThreadContext(tid %lu)", tid);
		trap_forget(b, tr);
		return FALSE;
	}
	tr->displaced = bp;
	b->ndisplaced++;
	return TRUE;
}

/*
 * The last thread is past (or gone): every breakpoint taken out goes back
 * in, every guard that fired is put back, and the others run again.
 */
static BOOL
steps_done(struct bpset *b)
{
	BOOL ok = TRUE;
	size_t i;

	for (i = 0; i < b->nsoft; i++)
		if (!b->soft[i]->inserted)
			ok &= soft_reinsert(b, b->soft[i]);
	for (i = 0; b->guard != NULL && i < b->guard->npages; i++)
		ok &= guard_arm(b, &b->guard->pages[i]);
	release_all(b);
	return ok;
}

int
step_end(struct bpset *b, DWORD tid, DWORD *status)
{
	struct trap *tr = trap_of(b, tid);
	struct thread *t;

	if (tr != NULL && tr->displaced != NULL)
		return bp_trapped(b, tid, status);	/* IP back from the copy */
	if (!bp_stepping(b, tid) || !bp_trapped(b, tid, status))
		return 0;
	if (b->nsteppers > 0) {
		/* Others still on their way past: hold it with the rest. */
		if (!b->naive && (t = session_thread(b->s, tid)) != NULL)
			hold_thread(b, tid, t->handle);
		return 1;
	}
	return steps_done(b) ? 1 : -1;
}

/*
 * Keep the breakpoints whole through the target's own events: a thread
 * that starts while others step is held with the rest; a thread that
 * ends while we hold it is let go of; a stepping thread that ends (its
 * instruction was its last) is done stepping; a module that goes takes
 * its breakpoints with it.  FALSE if the breakpoints could not be put
 * back (after printing why).
 */
static BOOL
track_events(struct bpset *b)
{
	const DEBUG_EVENT *ev = &b->s->ev;
	struct trap *tr;
	int stepping;
	size_t i, n;

	switch (ev->dwDebugEventCode) {
	case UNLOAD_DLL_DEBUG_EVENT:
		if ((n = soft_unloaded(b, (addr_t)(uintptr_t)
		    ev->u.UnloadDll.lpBaseOfDll)) > 0)
			printf("the module at 0x%llx was unloaded, and its %u "
			    "breakpoint%s with it\n", (unsigned long long)(uintptr_t)
			    ev->u.UnloadDll.lpBaseOfDll, (unsigned)n,
			    n == 1 ? "" : "s");
		break;
	case CREATE_THREAD_DEBUG_EVENT:
		if (b->nsteppers > 0 && !b->naive)
			hold_thread(b, ev->dwThreadId, ev->u.CreateThread.hThread);
		break;
	case EXIT_THREAD_DEBUG_EVENT:
		for (i = 0; i < b->nheld; i++)
			if (b->held[i] == ev->dwThreadId)
				b->held[i] = b->held[--b->nheld];
		if ((tr = trap_of(b, ev->dwThreadId)) != NULL) {
			stepping = tr->stepping;
			trap_forget(b, tr);
			if (stepping && b->nsteppers == 0)
				return steps_done(b);
		}
		break;
	}
	return TRUE;
}

/* How long a single-step may take before bp_wait() lets the others go. */
#define STEP_WAIT	200	/* ms */

int
bp_wait(struct bpset *b, DWORD timeout)
{
	DWORD t0 = GetTickCount(), used, left;
	int rc;

	for (;;) {
		left = timeout;
		if (timeout != INFINITE) {
			used = GetTickCount() - t0;
			left = used < timeout ? timeout - used : 0;
		}
		if (b->nheld == 0 || left < STEP_WAIT)
			rc = session_wait(b->s, left);
		else if ((rc = session_wait(b->s, STEP_WAIT)) == 0 &&
		    !session_interrupted()) {
			release_all(b);
			b->unblocked++;
			continue;
		}
		if (rc > 0 && !track_events(b))
			return -1;
		return rc;
	}
}

/*
 * Answer an event that a breakpoint we already removed may still cause:
 * a thread that hit our INT3 (or guard page, or debug register) just
 * before cleanup is already waiting on us, and so may be the single-step
 * of a thread we set TF on.  Returns the status to continue it with.
 */
static DWORD
late_status(struct bpset *b)
{
	const EXCEPTION_RECORD *er = session_exception(b->s);
	const struct cpu *cpu = b->s->cpu;
	DWORD tid = b->s->ev.dwThreadId, status;
	struct thread *t = session_thread(b->s, tid);
	union context c;
	uint32_t dr6;
	addr_t at;
	int i, ours = 0;

	if (er == NULL)
		return session_default_status(b->s);
	at = (addr_t)(uintptr_t)er->ExceptionAddress;
	if (is_breakpoint_code(er->ExceptionCode) && soft_at(b, at) != NULL &&
	    !soft_at(b, at)->gone && t != NULL &&
	    cpu->get(t->handle, &c, REG_CONTROL)) {
		reg_set(cpu->ip, &c, at);	/* run the restored instruction */
		cpu->set(t->handle, &c, REG_CONTROL);
		b->late++;
		return DBG_CONTINUE;
	}
	if (guard_hit(b, er) != NULL) {
		at = (addr_t)er->ExceptionInformation[1];
		if (at - b->guard->addr < b->guard->size)
			b->late++;
		return DBG_CONTINUE;	/* protection restored: retry */
	}
	if (!is_single_step_code(er->ExceptionCode))
		return session_default_status(b->s);
	/* The step of a thread we set TF on is ours (and may be its too). */
	if (bp_trapped(b, tid, &status))
		return status;
	/* One of our debug-register slots fired just before it went. */
	if (t == NULL || !cpu->get(t->handle, &c, REG_DEBUG))
		return session_default_status(b->s);
	dr6 = (uint32_t)reg_get(cpu->dr6, &c);
	for (i = 0; i < DR_SLOTS; i++)
		if (b->hw[i].used && (dr6 & DR6_B(i))) {
			dr6 &= ~DR6_B(i);
			ours = 1;
		}
	if (!ours)
		return session_default_status(b->s);
	b->late++;
	reg_set(cpu->dr6, &c, dr6);
	cpu->set(t->handle, &c, REG_DEBUG);
	/* Another slot, the target's own, may have fired with ours. */
	return hw_foreign(b, &c) ? DBG_EXCEPTION_NOT_HANDLED : DBG_CONTINUE;
}

/*
 * How long cleanup waits for a debug event already on its way, and how
 * long it goes on answering events at most: a target that starts threads
 * without end never falls quiet, and the events our breakpoints caused
 * come first, as the system queues each process's events in order.
 */
#define EVENT_WAIT	50	/* ms */
#define DRAIN_LIMIT	1000	/* ms */

BOOL
bp_cleanup(struct bpset *b)
{
	struct session *s = b->s;
	DWORD *held = NULL, t0;
	size_t i, nheld = 0;
	BOOL ok = TRUE, any_hw = FALSE;

	if (s->exited || s->process == NULL)
		goto done;
	/*
	 * Between events the target runs.  Touch its threads while it is
	 * stopped at a debug event if at all possible: a thread stopped any
	 * other way in the middle of its own debug trap can wedge under
	 * Wine 8.  An event on its way (a hit, a step) comes within moments.
	 * A target that sends none is not hitting anything, and is suspended
	 * thread by thread.  (Not with DebugBreakProcess: under Wine 8 the
	 * target's own threads start the thread it injects, and one of them
	 * that is waiting at a debug event meanwhile does not survive it.)
	 */
	if (!s->pending && session_poll(s, EVENT_WAIT) <= 0)
		nheld = session_suspend(s, 0, &held);
	if (s->exited)
		goto done;
	for (i = 0; i < b->nsoft; i++)
		if (!b->soft[i]->gone)
			ok &= soft_remove(b, b->soft[i]);
	for (i = 0; i < DR_SLOTS; i++)
		any_hw |= b->hw[i].used;
	for (i = 0; any_hw && i < s->nthreads; i++)
		ok &= hw_program(b, s->threads[i].handle, 0, 0);
	if (b->guard != NULL)
		for (i = 0; i < b->guard->npages; i++)
			ok &= guard_disarm(b, &b->guard->pages[i]);
	/*
	 * Our TF off every thread whose step has not come.  The trap stays
	 * known: a step already on its way is still ours when it arrives.
	 */
	for (i = b->ntraps; i-- > 0; ) {
		struct thread *t = session_thread(s, b->traps[i].tid);
		BOOL h;

		if (t == NULL) {
			trap_forget(b, &b->traps[i]);
			continue;
		}
		h = hold(b, t->handle);
		ok &= trap_clear(b, t->handle, &b->traps[i]);
		unhold(t->handle, h);
	}
	release_all(b);
	if (held != NULL)
		session_resume(s, held, nheld);

	/* Events already under way are ours to answer, as if still set. */
	for (t0 = GetTickCount();;) {
		if (s->pending && !session_continue(s, late_status(b))) {
			ok = FALSE;
			break;
		}
		if (GetTickCount() - t0 > DRAIN_LIMIT ||
		    session_poll(s, EVENT_WAIT) <= 0 || s->exited)
			break;
	}
	/* The displaced copies last: no thread can be running one now. */
	if (b->scratch != 0 && !s->exited &&
	    !VirtualFreeEx(s->process, (LPVOID)(uintptr_t)b->scratch, 0,
	    MEM_RELEASE)) {
		warn("VirtualFreeEx(0x%llx): the scratch page",
		    (unsigned long long)b->scratch);
		ok = FALSE;
	}
done:
	b->scratch = 0;
	b->nslots = 0;
	for (i = 0; i < DR_SLOTS; i++)
		b->hw[i].used = 0;
	b->ntraps = b->nsteppers = b->ndisplaced = 0;
	return ok;
}

void
bp_reset(struct bpset *b)
{
	struct session *s = b->s;
	size_t i;

	for (i = 0; i < b->nsoft; i++)
		free(b->soft[i]);
	free(b->soft);
	if (b->guard != NULL)
		free(b->guard->pages);
	free(b->guard);
	free(b->traps);
	free(b->held);
	bp_init(b, s);
}
