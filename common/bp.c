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
 * Write code bytes.  WriteProcessMemory usually manages on a read-only
 * code page by itself (Windows changes the protection for the moment);
 * where it does not, make the page writable, write, and put its
 * protection back.
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
	return bp;
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
soft_hit(struct bpset *b, struct softbp *bp, DWORD tid, union context *c)
{
	const struct cpu *cpu = b->s->cpu;
	struct thread *t = session_thread(b->s, tid);

	if (t == NULL || !cpu->get(t->handle, c, REG_GENERAL)) {
		warn("GetThreadContext(tid %lu)", tid);
		return FALSE;
	}
	/* The INT3 has run: the IP is one past it.  Point it back. */
	reg_set(cpu->ip, c, bp->addr);
	if (!cpu->set(t->handle, c, REG_GENERAL)) {
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

	if (bp->inserted || bp->oneshot)
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

	if (!mem_read(b->s->process, a, buf, n))
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
	if (b->s->pending && GetThreadId(thread) == b->s->ev.dwThreadId)
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

	if (!cpu->get(thread, &c, REG_DEBUG)) {
		warn("GetThreadContext(tid %lu)", GetThreadId(thread));
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
		warn("SetThreadContext(tid %lu)", GetThreadId(thread));
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
	reg_set(cpu->dr6, c, 0);
	if (!cpu->set(t->handle, c, REG_GENERAL | REG_DEBUG))
		warn("SetThreadContext(tid %lu)", tid);
	return fired;
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

BOOL
guard_arm(struct bpset *b, struct guardpage *pg)
{
	DWORD old;

	if (pg->armed)
		return TRUE;
	if (!VirtualProtectEx(b->s->process, (LPVOID)(uintptr_t)pg->base, 1,
	    pg->protect | PAGE_GUARD, &old)) {
		warn("VirtualProtectEx(0x%llx, PAGE_GUARD)",
		    (unsigned long long)pg->base);
		return FALSE;
	}
	pg->armed = 1;
	return TRUE;
}

static BOOL
guard_disarm(struct bpset *b, struct guardpage *pg)
{
	DWORD old;

	if (!pg->armed)
		return TRUE;
	pg->armed = 0;
	if (!VirtualProtectEx(b->s->process, (LPVOID)(uintptr_t)pg->base, 1,
	    pg->protect, &old)) {
		warn("VirtualProtectEx(0x%llx): restoring the protection",
		    (unsigned long long)pg->base);
		return FALSE;
	}
	return TRUE;
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

BOOL
bp_trap(struct bpset *b, HANDLE thread, int on)
{
	BOOL held = hold(b, thread), ok = FALSE;
	const struct cpu *cpu = b->s->cpu;
	union context c;
	uint64_t f;

	if (!cpu->get(thread, &c, REG_GENERAL)) {
		warn("GetThreadContext(tid %lu)", GetThreadId(thread));
		goto out;
	}
	f = reg_get(cpu->flags, &c);
	ok = TRUE;
	if (((f & TRAP_FLAG) != 0) == (on != 0))
		goto out;
	reg_set(cpu->flags, &c, on ? f | TRAP_FLAG : f & ~(uint64_t)TRAP_FLAG);
	if (!cpu->set(thread, &c, REG_GENERAL)) {
		warn("SetThreadContext(tid %lu)", GetThreadId(thread));
		ok = FALSE;
	}
out:
	unhold(thread, held);
	return ok;
}

/* The index of tid among the steppers, or -1. */
static int
stepper_of(const struct bpset *b, DWORD tid)
{
	size_t i;

	for (i = 0; i < b->nsteppers; i++)
		if (b->steppers[i].tid == tid)
			return (int)i;
	return -1;
}

/* Let go of a thread we hold, if we hold it. */
static void
release(struct bpset *b, DWORD tid)
{
	struct thread *t = session_thread(b->s, tid);
	size_t i;

	for (i = 0; i < b->nsuspended; i++)
		if (b->suspended[i] == tid) {
			if (t != NULL)
				ResumeThread(t->handle);
			b->suspended[i] = b->suspended[--b->nsuspended];
			return;
		}
}

BOOL
step_begin(struct bpset *b, DWORD tid, enum step_why why, void *what)
{
	struct thread *t = session_thread(b->s, tid);

	if (t == NULL || b->nsteppers == sizeof(b->steppers) /
	    sizeof(b->steppers[0]) || !bp_trap(b, t->handle, 1))
		return FALSE;
	b->steppers[b->nsteppers++] = (struct stepper_thread){ tid, why, what };
	b->step_tid = tid;
	if (b->nsteppers == 1 && !b->naive)
		b->nsuspended = session_suspend(b->s, tid, &b->suspended);
	else
		release(b, tid);	/* a latecomer: it steps too */
	return TRUE;
}

BOOL
step_end(struct bpset *b, DWORD tid)
{
	struct stepper_thread done;
	struct thread *t;
	BOOL ok = TRUE;
	size_t i;
	int k;

	if ((k = stepper_of(b, tid)) < 0)
		return FALSE;
	done = b->steppers[k];
	b->steppers[k] = b->steppers[--b->nsteppers];
	/* The trap has fired; do not let TF linger in the thread's flags. */
	if ((t = session_thread(b->s, tid)) != NULL)
		bp_trap(b, t->handle, 0);
	if (b->nsteppers > 0) {
		/* Others still on their way past: hold it with the rest. */
		if (!b->naive && b->suspended != NULL && t != NULL &&
		    SuspendThread(t->handle) != (DWORD)-1)
			b->suspended[b->nsuspended++] = tid;
		return TRUE;
	}
	/* The last one is past: every breakpoint goes back, all run again. */
	for (i = 0; i < b->nsoft; i++)
		if (!b->soft[i]->inserted)
			ok &= soft_reinsert(b, b->soft[i]);
	if (done.why == STEP_GUARD)
		ok &= guard_arm(b, done.what);
	session_resume(b->s, b->suspended, b->nsuspended);
	b->suspended = NULL;
	b->nsuspended = 0;
	return ok;
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
		if (b->nsuspended == 0 || left < STEP_WAIT)
			return session_wait(b->s, left);
		if ((rc = session_wait(b->s, STEP_WAIT)) != 0 ||
		    session_interrupted())
			return rc;
		session_resume(b->s, b->suspended, b->nsuspended);
		b->suspended = NULL;
		b->nsuspended = 0;
		b->unblocked++;
	}
}

/*
 * Answer an event that a breakpoint we already removed may still cause:
 * a thread that hit our INT3 (or guard page, or debug register) just
 * before cleanup is already waiting on us.  Returns the status to
 * continue it with.
 */
static DWORD
late_status(struct bpset *b)
{
	const EXCEPTION_RECORD *er = session_exception(b->s);
	const struct cpu *cpu = b->s->cpu;
	addr_t at;
	struct thread *t;
	union context c;

	if (er == NULL)
		return session_default_status(b->s);
	at = (addr_t)(uintptr_t)er->ExceptionAddress;
	t = session_thread(b->s, b->s->ev.dwThreadId);
	if (is_breakpoint_code(er->ExceptionCode) && soft_at(b, at) != NULL &&
	    t != NULL && cpu->get(t->handle, &c, REG_GENERAL)) {
		reg_set(cpu->ip, &c, at);	/* run the restored instruction */
		cpu->set(t->handle, &c, REG_GENERAL);
		b->late++;
		return DBG_CONTINUE;
	}
	if (guard_hit(b, er) != NULL) {
		at = (addr_t)er->ExceptionInformation[1];
		if (at - b->guard->addr < b->guard->size)
			b->late++;
		return DBG_CONTINUE;	/* protection restored: retry */
	}
	if (is_single_step_code(er->ExceptionCode) && t != NULL &&
	    cpu->get(t->handle, &c, REG_DEBUG) &&
	    (b->s->ev.dwThreadId == b->step_tid ||
	    stepper_of(b, b->s->ev.dwThreadId) >= 0 ||
	    (reg_get(cpu->dr6, &c) & 0xfu) != 0)) {
		if (reg_get(cpu->dr6, &c) & 0xfu)
			b->late++;
		reg_set(cpu->dr6, &c, 0);
		cpu->set(t->handle, &c, REG_DEBUG);
		return DBG_CONTINUE;
	}
	return session_default_status(b->s);
}

BOOL
bp_cleanup(struct bpset *b)
{
	struct session *s = b->s;
	struct thread *t;
	DWORD *held = NULL;
	size_t i, nheld = 0;
	BOOL ok = TRUE, any_hw = FALSE;

	if (s->exited || s->process == NULL)
		goto done;
	/* Between events the target runs: hold it still while we work. */
	if (!s->pending)
		nheld = session_suspend(s, 0, &held);
	for (i = 0; i < b->nsoft; i++)
		ok &= soft_remove(b, b->soft[i]);
	for (i = 0; i < DR_SLOTS; i++)
		any_hw |= b->hw[i].used;
	for (i = 0; any_hw && i < s->nthreads; i++)
		ok &= hw_program(b, s->threads[i].handle, 0, 0);
	if (b->guard != NULL)
		for (i = 0; i < b->guard->npages; i++)
			ok &= guard_disarm(b, &b->guard->pages[i]);
	if (b->nsteppers > 0) {
		for (i = 0; i < b->nsteppers; i++)
			if ((t = session_thread(s, b->steppers[i].tid)) != NULL)
				ok &= bp_trap(b, t->handle, 0);
		b->step_tid = b->steppers[0].tid;
		session_resume(s, b->suspended, b->nsuspended);
		b->suspended = NULL;
		b->nsuspended = 0;
	}
	if (held != NULL)
		session_resume(s, held, nheld);

	/* Events already under way are ours to answer, as if still set. */
	for (;;) {
		if (s->pending && !session_continue(s, late_status(b))) {
			ok = FALSE;
			break;
		}
		if (session_poll(s, 50) <= 0 || s->exited)
			break;
	}
done:
	for (i = 0; i < DR_SLOTS; i++)
		b->hw[i].used = 0;
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
	free(b->suspended);
	bp_init(b, s);
}
