/*
 * bpcompare: the three kinds of breakpoint, measured on one target.
 *
 * Lesson 08.  Put each kind of breakpoint on the same location in turn,
 * let the target run through it, and measure what each one costs: debug
 * events per hit (an INT3 takes two, the hit and the single-step that
 * puts the byte back; a debug register takes one; a guard page takes two
 * for every access to its page, wanted or not), wall time per hit, and
 * what each leaves for the target to see.  The floor is one bare debug
 * event, a single-step, measured on the same target in the same run.
 *
 * The race lab (--race) runs several threads through the same INT3 and
 * counts the calls each way of re-arming misses, against the target's
 * own count of its calls.
 *
 * Lesson 14 adds two INT3s that never leave the code (-k emulate,
 * -k displaced; common/stay.c): one event per hit, or two, and no
 * thread held.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "mem.h"
#include "stay.h"
#include "target.h"
#include "tool.h"

enum mech { SOFT, HW, GUARD };

/* One kind of breakpoint, as this tool sets it. */
struct kind {
	const char *name;	/* for -k and the chart */
	const char *title;	/* for the table */
	enum mech mech;
	enum dr7_rw rw;		/* HW: what fires it */
	unsigned len;		/* bytes watched */
	int pass;		/* SOFT: how a thread gets past it (stay.h) */
	const char *at_once;	/* how many of this kind can exist at once */
	int extra;		/* only when -k names it */
};

static const struct kind code_kinds[] = {
	{ "int3", "INT3, persistent", SOFT, 0, 1, PASS_HOLD, "any", 0 },
	{ "hw", "hardware execute", HW, DR7_RW_EXECUTE, 1, 0, "4", 0 },
	{ "guard", "guard page, execute", GUARD, 0, 1, 0, "any", 0 },
	{ "emulate", "INT3, emulated", SOFT, 0, 1, PASS_EMULATE, "any", 1 },
	{ "displaced", "INT3, displaced", SOFT, 0, 1, PASS_DISPLACED, "any", 1 },
	{ NULL },
};

static const struct kind data_kinds[] = {
	{ "w4", "hardware write", HW, DR7_RW_WRITE, 4, 0, "4", 0 },
	{ "rw4", "hardware read/write", HW, DR7_RW_READWRITE, 4, 0, "4", 0 },
	{ "guard", "guard page, any access", GUARD, 0, 4, 0, "any", 0 },
	{ NULL },
};

static const struct kind race_kinds[] = {
	{ "naive", "INT3, naive re-arm", SOFT, 0, 1, PASS_REINSERT, "any", 0 },
	{ "suspend", "INT3, others held", SOFT, 0, 1, PASS_HOLD, "any", 0 },
	{ "hw", "hardware execute", HW, DR7_RW_EXECUTE, 1, 0, "4", 0 },
	{ "emulate", "INT3, emulated", SOFT, 0, 1, PASS_EMULATE, "any", 1 },
	{ "displaced", "INT3, displaced", SOFT, 0, 1, PASS_DISPLACED, "any", 1 },
	{ NULL },
};

/* At most this many kinds in one run. */
#define MAXKINDS	5

/* What one kind's run measured. */
struct result {
	const struct kind *k;
	unsigned long hits, false_hits, events, late;
	unsigned long unblocked;	/* times held threads were let go */
	unsigned long holds;	/* times the other threads were held */
	DWORD hit_tid;		/* the thread of the last guard-page hit */
	int stalled;		/* ended waiting for a step that never came */
	int cut;		/* cut short by Ctrl-C or the target's exit */
	int counted;		/* c0 and c1 are the target's count */
	double us;		/* the window's wall time */
	int bytes;		/* bytes of code that differed while armed */
	int slots;		/* debug-register slots DR7 had enabled */
	int guarded;		/* VirtualQueryEx showed PAGE_GUARD */
	uint32_t c0, c1;	/* the target's own count, armed and removed */
};

/* The floor: single-step round trips of one thread. */
#define FLOOR_STEPS	301
#define FLOOR_LIMIT	3000	/* ms */

static struct {
	int data, race, csv, counted;
	addr_t loc, count;
	unsigned char orig[16];	/* the bytes at loc before anything */
	DWORD floor_tid;	/* a single-step of ours may still come */
	FILE *log;		/* what happens as it happens: stdout, or
				   stderr with --csv, which keeps stdout for
				   the table alone */
	DWORD status;		/* how to continue the event left pending */
} opt;

static const struct option longopts[] = {
	{ "count", required_argument, NULL, 'c' },
	{ "csv", no_argument, NULL, 'C' },
	{ "data", no_argument, NULL, 'd' },
	{ "kinds", required_argument, NULL, 'k' },
	{ "hits", required_argument, NULL, 'n' },
	{ "race", no_argument, NULL, 'R' },
	{ "seconds", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: bpcompare [options] pid|name location\n"
	    "       bpcompare --data [options] pid|name address\n"
	    "       bpcompare --race --count address [options] pid|name location\n"
	    "       (or location/address -- program [args], to start one)\n"
	    "  -n hits     per kind, stop after this many hits (default 1000)\n"
	    "  -s seconds  per kind, stop after this long (default 5)\n"
	    "  -k kinds    only these, e.g. int3,hw (code: int3 hw guard;\n"
	    "              --data: w4 rw4 guard; --race: naive suspend hw;\n"
	    "              code and --race also: emulate displaced)\n"
	    "  --count address  a 32-bit count of calls the target keeps,\n"
	    "              to check the hits against (e.g. printf_loop!calls)\n"
	    "  --csv       print the table as CSV, without the chart\n");
	exit(status);
}

static double
now_us(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER t;

	if (freq.QuadPart == 0)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&t);
	return (double)t.QuadPart * 1e6 / (double)freq.QuadPart;
}

/*
 * The target's own count, read while it stands still: past a guard page
 * of ours, which may be on the count's page (guard_read()).
 */
static uint32_t
target_count(struct run *r)
{
	uint32_t v = 0;

	if (opt.counted)
		guard_read(&r->bp, opt.count, &v, sizeof(v));
	return v;
}

/*
 * The thread the floor steps: the first to reach the location, on a
 * one-shot INT3 there, so that it runs the code the hits run; with
 * --data, the target's first thread.  Starts with an event pending and
 * ends with that thread's event pending, its IP back at the location
 * and the byte restored; NULL if no thread came in time (the INT3 is
 * taken out again).
 */
static struct thread *
floor_thread(struct run *r)
{
	struct session *s = &r->s;
	const EXCEPTION_RECORD *er;
	DWORD t0 = GetTickCount(), used, status = session_default_status(s);
	struct softbp *bp;
	union context c;

	if (opt.data)
		return &s->threads[0];
	if (soft_insert(&r->bp, opt.loc, 1, "location") == NULL)
		return NULL;
	for (;;) {
		if (s->pending && !session_continue(s, status))
			return NULL;
		used = GetTickCount() - t0;
		if (used >= FLOOR_LIMIT || session_wait(s, FLOOR_LIMIT - used) <= 0)
			break;
		status = session_default_status(s);
		if ((er = session_exception(s)) != NULL &&
		    is_breakpoint_code(er->ExceptionCode) && (bp = soft_at(&r->bp,
		    (addr_t)(uintptr_t)er->ExceptionAddress)) != NULL)
			return soft_hit(&r->bp, bp, s->ev.dwThreadId, &c) ?
			    session_thread(s, s->ev.dwThreadId) : NULL;
	}
	bp_cleanup(&r->bp);
	bp_reset(&r->bp);
	return NULL;
}

/*
 * Let thread tid run one instruction with TF, and wait for its step:
 * 1 when it is pending, 0 if it did not come within FLOOR_LIMIT or on
 * Ctrl-C, -1 on failure.  *status is how to continue the pending event,
 * and says so again on return.  Another thread that hit the floor's
 * one-shot INT3 at the same moment as the first is rewound, to run the
 * real instruction.
 */
static int
floor_step(struct run *r, HANDLE thread, DWORD tid, DWORD *status)
{
	struct session *s = &r->s;
	const EXCEPTION_RECORD *er;
	struct softbp *bp;
	union context c;
	int rc;

	if (!bp_trap(&r->bp, thread, 1))
		return -1;
	opt.floor_tid = tid;
	for (;;) {
		if (s->pending && !session_continue(s, *status))
			return -1;
		if ((rc = session_wait(s, FLOOR_LIMIT)) <= 0)
			return rc;
		*status = session_default_status(s);
		if ((er = session_exception(s)) == NULL)
			continue;
		if (is_breakpoint_code(er->ExceptionCode) && (bp = soft_at(&r->bp,
		    (addr_t)(uintptr_t)er->ExceptionAddress)) != NULL) {
			if (!soft_hit(&r->bp, bp, s->ev.dwThreadId, &c))
				return -1;
			*status = DBG_CONTINUE;
		} else if (s->ev.dwThreadId == tid &&
		    is_single_step_code(er->ExceptionCode)) {
			opt.floor_tid = 0;
			bp_trapped(&r->bp, tid, status);
			return 1;
		}
	}
}

/*
 * The floor: one debug event, measured the way the hits are, so that no
 * kind can come out cheaper than it.  A kind's us/hit is its window's
 * wall time over its hits, for threads that run the location's code, the
 * others held while one steps; the floor is FLOOR_STEPS single-steps'
 * wall time over their number, for one thread that runs the location's
 * code (floor_thread()), the others held throughout: nothing competes
 * with it for the CPU, as nothing else needs the debugger.  Starts with
 * an event pending, and ends with the last step pending (opt.status
 * says how to continue it) unless the thread did not step in time.
 * Returns us per event, or 0; *n steps of *tid were made.
 */
static double
floor_measure(struct run *r, size_t *n, DWORD *tid)
{
	struct session *s = &r->s;
	DWORD t0 = GetTickCount(), *held;
	DWORD status = DBG_CONTINUE;	/* the pending event is ours */
	struct thread *t;
	double start, end = 0;
	size_t nheld;
	int rc = 1;

	*n = 0;
	if ((t = floor_thread(r)) == NULL)
		return 0;
	*tid = t->tid;
	nheld = session_suspend(s, t->tid, &held);
	start = now_us();
	while (*n < FLOOR_STEPS && GetTickCount() - t0 < FLOOR_LIMIT &&
	    (rc = floor_step(r, t->handle, t->tid, &status)) > 0) {
		(*n)++;
		end = now_us();
	}
	session_resume(s, held, nheld);
	if (rc <= 0 && s->process != NULL && !s->exited)
		bp_trap(&r->bp, t->handle, 0);	/* it slept through it */
	opt.status = status;
	bp_reset(&r->bp);	/* the one-shot INT3, long out */
	return *n > 0 ? (end - start) / (double)*n : 0;
}

/* Put kind k's breakpoint in; FALSE after saying why. */
static BOOL
arm(struct run *r, const struct kind *k)
{
	size_t i;

	r->bp.naive = k->pass == PASS_REINSERT;
	r->bp.mode = k->pass;
	switch (k->mech) {
	case SOFT:
		return soft_insert(&r->bp, opt.loc, 0, "location") != NULL;
	case HW:
		r->bp.hw[0] = (struct hwbp){ .used = 1, .addr = opt.loc,
		    .rw = k->rw, .len = k->len };
		for (i = 0; i < r->s.nthreads; i++)
			if (!hw_apply(&r->bp, r->s.threads[i].handle))
				return FALSE;
		return TRUE;
	case GUARD:
		return guard_insert(&r->bp, opt.loc, k->len, "location") != NULL;
	}
	return FALSE;
}

/*
 * Look at the armed breakpoint the way the target could: its own code
 * bytes (a checksum), its debug registers, its page protections.  The
 * bytes are read past our guard page (guard_read()): a plain read of a
 * guarded page would take the guard off on Windows.
 */
static void
inspect(struct run *r, struct result *res)
{
	MEMORY_BASIC_INFORMATION mbi;
	unsigned char now[sizeof(opt.orig)];
	union context c;
	uint32_t dr7;
	size_t i;

	if (!opt.data && guard_read(&r->bp, opt.loc, now, sizeof(now)))
		for (i = 0; i < sizeof(now); i++)
			res->bytes += now[i] != opt.orig[i];
	if (session_get_context(&r->s, r->s.threads[0].handle, &c, REG_DEBUG)) {
		dr7 = (uint32_t)reg_get(r->s.cpu->dr7, &c);
		for (i = 0; i < DR_SLOTS; i++)
			res->slots += (dr7 >> (2 * i) & 3) != 0;
	}
	if (VirtualQueryEx(r->s.process, (LPCVOID)(uintptr_t)opt.loc, &mbi,
	    sizeof(mbi)) && (mbi.Protect & PAGE_GUARD))
		res->guarded = 1;
}

/* Whether a guard-page access is a hit: the watched bytes, the right way. */
static int
guard_wanted(struct run *r, const EXCEPTION_RECORD *er)
{
	addr_t at = (addr_t)er->ExceptionInformation[1];

	if (at - r->bp.guard->addr >= r->bp.guard->size)
		return 0;
	return opt.data || er->ExceptionInformation[0] == ACCESS_EXECUTE;
}

/* Whether a step past a breakpoint is under way: the classic or displaced. */
static int
under_way(const struct run *r)
{
	return r->bp.nsteppers > 0 || r->bp.ndisplaced > 0;
}

/* Whether kind k's window is used up: hits or time. */
static int
over(const struct run *r, const struct result *res, DWORD t0)
{
	return (r->maxhits != 0 && res->hits >= r->maxhits) ||
	    GetTickCount() - t0 >= r->ms;
}

/*
 * One event in kind k's window, whose time began at t0.  *status is how
 * to continue it.  Returns 1 when a hit has just run its instruction and
 * nothing else of ours is under way (the window may end here), 2 for the
 * same after a false hit, 0 to go on, -1 on failure.
 */
static int
on_event(struct run *r, const struct kind *k, struct result *res, DWORD t0,
    DWORD *status)
{
	const EXCEPTION_RECORD *er = session_exception(&r->s);
	DWORD tid = r->s.ev.dwThreadId;
	struct softbp *bp;
	union context c;
	char why[200];
	int done, how, first;

	*status = session_default_status(&r->s);
	if (r->s.ev.dwDebugEventCode == CREATE_THREAD_DEBUG_EVENT &&
	    k->mech == HW)
		return hw_apply(&r->bp, r->s.ev.u.CreateThread.hThread) ? 0 : -1;
	if (er == NULL)
		return 0;
	if (is_breakpoint_code(er->ExceptionCode) && (bp = soft_at(&r->bp,
	    (addr_t)(uintptr_t)er->ExceptionAddress)) != NULL) {
		*status = DBG_CONTINUE;
		res->hits++;
		/*
		 * Always past, even on the last hit: its instruction runs.
		 * Emulated, it has run already.
		 */
		first = bp->how == 0;
		if (!soft_context(&r->bp, bp, tid, &c) ||
		    (how = stay_pass(&r->bp, r->dis, bp, tid, &c)) == 0)
			return -1;
		if (first && (k->pass == PASS_EMULATE || k->pass == PASS_DISPLACED))
			fprintf(opt.log, "%s: %s: %s\n", k->name, bp->insn.text,
			    stay_describe(bp, why, sizeof(why)));
		return how == PASS_EMULATE && !under_way(r) ? 1 : 0;
	}
	if (guard_hit(&r->bp, er) != NULL) {
		*status = DBG_CONTINUE;
		if (guard_wanted(r, er)) {
			res->hits++;
			res->hit_tid = tid;
		} else
			res->false_hits++;
		return step_begin(&r->bp, tid) ? 0 : -1;
	}
	if (!is_single_step_code(er->ExceptionCode)) {
		if (is_breakpoint_code(er->ExceptionCode))
			fprintf(opt.log, "tid %lu: %s at 0x%llx; %s\n",
			    tid, exception_name(er->ExceptionCode),
			    (unsigned long long)(uintptr_t)er->ExceptionAddress,
			    session_own_exception(&r->s) ? "the WOW64 loader's "
			    "initial breakpoint, continued" : "passed to the target");
		return 0;
	}
	if ((done = step_end(&r->bp, tid, status)) != 0) {
		if (done < 0)
			return -1;
		if (under_way(r))
			return 0;
		/* After a false hit, the last call may be half made. */
		return k->mech != GUARD || tid == res->hit_tid ? 1 : 2;
	}
	if (k->mech == HW && hw_hit(&r->bp, tid, &c)) {
		*status = DBG_CONTINUE;
		res->hits++;
		/* RF lets the instruction run; on the last hit, see it run. */
		if (over(r, res, t0))
			return step_begin(&r->bp, tid) ? 0 : -1;
		return 0;
	}
	if (tid == opt.floor_tid) {	/* the floor's last step, late */
		opt.floor_tid = 0;
		*status = DBG_CONTINUE;
		return 0;
	}
	fprintf(opt.log, "tid %lu: %s at 0x%llx is not ours; passed to the "
	    "target\n",
	    tid, exception_name(er->ExceptionCode), (unsigned long long)
	    (uintptr_t)er->ExceptionAddress);
	return 0;
}

/*
 * Run one kind: arm it with the target standing still, read the target's
 * count, let it run until the hits or the time are used up, stop it
 * again just after a hit has run its instruction, read the count again,
 * and take everything out.  FALSE on failure or Ctrl-C.
 */
static BOOL
measure(struct run *r, const struct kind *k, struct result *res)
{
	struct session *s = &r->s;
	DWORD *held, status = DBG_CONTINUE, t0, used, wait;
	size_t nheld;
	double start;
	int rc;
	BOOL ok;

	memset(res, 0, sizeof(*res));
	res->k = k;
	res->counted = opt.counted;
	nheld = session_suspend(s, 0, &held);
	ok = arm(r, k);
	if (ok) {
		inspect(r, res);
		res->c0 = target_count(r);
	}
	session_resume(s, held, nheld);
	if (!ok)
		return FALSE;
	t0 = GetTickCount();
	start = now_us();
	if (s->pending && !session_continue(s, opt.status))
		return FALSE;
	for (;;) {
		used = GetTickCount() - t0;
		wait = used < r->ms ? r->ms - used : 0;
		if (under_way(r))	/* a step takes microseconds */
			wait = 1000;
		rc = bp_wait(&r->bp, wait);
		if (rc < 0)
			return FALSE;
		if (rc == 0 && session_interrupted()) {
			res->cut = 1;	/* Ctrl-C: what we have, then stop */
			break;
		}
		if (rc == 0 && !under_way(r))
			break;		/* time's up, nothing under way */
		if (rc == 0) {
			res->stalled = 1;	/* a step never came: end it here */
			break;
		}
		if ((rc = on_event(r, k, res, t0, &status)) < 0)
			return FALSE;
		if (s->exited) {
			res->cut = 1;	/* nothing left to count or clean */
			res->counted = 0;
			res->us = now_us() - start;
			return TRUE;
		}
		/*
		 * Exceptions only: a thread that starts or ends is no cost of
		 * the breakpoint (the floor holds the attach break-in's thread,
		 * which ends in the first window), and the step that ends a
		 * hardware window is ours.
		 */
		if (session_exception(s) != NULL && (k->mech != HW || rc == 0))
			res->events++;
		/*
		 * Stop here, with the event pending, when a hit has run; after
		 * a false hit only if no hit comes for a second past the time.
		 */
		if (over(r, res, t0) && (rc == 1 || (rc == 2 &&
		    GetTickCount() - t0 >= r->ms + 1000)))
			break;
		if (!session_continue(s, status))
			return FALSE;
	}
	res->us = now_us() - start;
	/*
	 * Hold the target still, count, answer the event that ended the
	 * window ourselves (we know it is ours), and take the breakpoint out.
	 */
	nheld = session_suspend(s, 0, &held);
	res->c1 = target_count(r);
	ok = !s->pending || session_continue(s, status);
	res->unblocked = r->bp.unblocked;
	res->holds = r->bp.holds;
	r->bp.late = 0;
	ok &= bp_cleanup(&r->bp);
	res->late = r->bp.late;
	bp_reset(&r->bp);
	session_resume(s, held, nheld);
	opt.status = DBG_CONTINUE;
	return ok;
}

/* The checks that would see this kind, as the target could make them. */
static const char *
seen_by(const struct result *res, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s", res->bytes ? "code bytes " : "",
	    res->slots ? "DR7 " : "", res->guarded ? "PAGE_GUARD " : "",
	    res->bytes || res->slots || res->guarded ? "" : "nothing ");
	buf[strlen(buf) - 1] = '\0';
	return buf;
}

static double
per_hit(double v, unsigned long hits)
{
	return hits ? v / (double)hits : 0;
}

static void
print_table(const struct result *res, size_t n, double floor_us,
    size_t floor_steps)
{
	char seen[64];
	size_t i;
	long calls;

	if (opt.csv) {
		printf("kind,hits,events,events_per_hit,us_per_hit,false_hits,"
		    "bytes_changed,hw_slots,at_once,seen_by%s,held\n",
		    opt.counted ? ",target_count,missed" : "");
		if (floor_steps)
			printf("floor,%zu,%zu,1.00,%.1f,,,,,%s,\n", floor_steps,
			    floor_steps, floor_us, opt.counted ? ",," : "");
		for (i = 0; i < n; i++) {
			printf("%s,%lu,%lu,%.2f,%.1f,%lu,%d,%d,%s,%s",
			    res[i].k->name, res[i].hits, res[i].events,
			    per_hit((double)res[i].events, res[i].hits),
			    per_hit(res[i].us, res[i].hits), res[i].false_hits,
			    res[i].bytes, res[i].slots, res[i].k->at_once,
			    seen_by(&res[i], seen, sizeof(seen)));
			calls = (long)(res[i].c1 - res[i].c0);
			if (opt.counted && res[i].counted)
				printf(",%ld,", calls);
			else if (opt.counted)
				printf(",,");
			if (opt.counted && res[i].counted && !opt.data)
				printf("%ld", calls - (long)res[i].hits);
			printf(",%lu\n", res[i].holds);
		}
		return;
	}
	printf("\n%-24s %6s %10s %8s %6s %6s %8s %7s  %-12s", "kind", "hits",
	    "events/hit", "us/hit", "false", "bytes", "hw slots", "at once",
	    "seen by");
	if (opt.counted)
		printf(" %6s%s", "count", opt.data ? "" : " missed");
	printf(" %6s\n", "held");
	if (floor_steps)
		printf("%-24s %6s %10.2f %8.1f %6s %6s %8s %7s  %-12s\n",
		    "floor: one debug event", "-", 1.0, floor_us, "-", "-", "-",
		    "-", "-");
	for (i = 0; i < n; i++) {
		printf("%-24s %6lu %10.2f %8.1f %6lu %6d %6d/4 %7s  %-12s",
		    res[i].k->title, res[i].hits,
		    per_hit((double)res[i].events, res[i].hits),
		    per_hit(res[i].us, res[i].hits), res[i].false_hits,
		    res[i].bytes, res[i].slots, res[i].k->at_once,
		    seen_by(&res[i], seen, sizeof(seen)));
		calls = (long)(res[i].c1 - res[i].c0);
		if (opt.counted && !res[i].counted)
			printf(" %6s%s", "-", opt.data ? "" : "      -");
		else if (opt.counted)
			printf(" %6ld", calls);
		if (opt.counted && res[i].counted && !opt.data)
			printf(" %6ld", calls - (long)res[i].hits);
		printf(" %6lu\n", res[i].holds);
	}
}

/* One row of the chart: name, a bar of v scaled to most, and v. */
static void
print_bar(const char *name, double v, double most)
{
	static const char bar[] =
	    "##################################################";

	printf("  %-9s |%-50.*s %8.1f\n", name, (int)((sizeof(bar) - 1) * v /
	    most + 0.5), bar, v);
}

/* A bar of us per hit for each row, the longest 50 characters. */
static void
print_chart(const struct result *res, size_t n, double floor_us)
{
	double v, most = floor_us;
	size_t i;

	for (i = 0; i < n; i++)
		if ((v = per_hit(res[i].us, res[i].hits)) > most)
			most = v;
	if (most <= 0)
		return;
	printf("\nus per hit (shorter is cheaper)\n");
	if (floor_us > 0)
		print_bar("floor", floor_us, most);
	for (i = 0; i < n; i++)
		print_bar(res[i].k->name, per_hit(res[i].us, res[i].hits), most);
}

/* Say where the numbers need care. */
static void
print_notes(const struct result *res, size_t n, double floor_us)
{
	double ev;
	size_t i;

	for (i = 0; i < n; i++) {
		ev = per_hit((double)res[i].events, res[i].hits);
		if (res[i].hits == 0 && opt.counted && res[i].c1 != res[i].c0)
			printf("note: %s: no hits, yet the target's count shows "
			    "%lu calls in its window: every one was missed\n",
			    res[i].k->name, (unsigned long)(res[i].c1 - res[i].c0));
		else if (res[i].hits == 0)
			printf("note: %s: no hits in its window: the target did "
			    "not reach the location\n", res[i].k->name);
		if (res[i].stalled)
			printf("note: %s: a thread stepping past the breakpoint "
			    "did not come back within a second, so its window "
			    "ended there, with that call maybe half made\n",
			    res[i].k->name);
		else if (!opt.race && floor_us > 0 && per_hit(res[i].us, res[i].hits) >
		    10 * ev * floor_us)
			printf("note: %s: most of its time per hit is the "
			    "target's own, between hits; to time the breakpoint, "
			    "give it a target that reaches the location back to "
			    "back (printf_loop -d 0)\n", res[i].k->name);
		if (res[i].unblocked)
			printf("note: %s: %lu time%s a stepping thread did not "
			    "come back until the other threads were let go (the "
			    "target suspends its own threads); calls may have "
			    "passed unseen then\n", res[i].k->name,
			    res[i].unblocked, res[i].unblocked == 1 ? "" : "s");
		if (res[i].late)
			printf("note: %s: %lu more hit%s arrived as it was "
			    "taken out, answered and not counted\n",
			    res[i].k->name, res[i].late, res[i].late == 1 ?
			    "" : "s");
	}
}

/* The kinds of the mode, or those -k names; exits 2 on a bad name. */
static size_t
pick_kinds(const struct kind *all, const char *names,
    const struct kind **out)
{
	char *list, *name, *last;
	size_t i, n = 0;

	if (names == NULL) {
		for (i = 0; all[i].name != NULL; i++)
			if (!all[i].extra)
				out[n++] = &all[i];
		return n;
	}
	if ((list = strdup(names)) == NULL)
		errx(EXIT_RUNTIME, "out of memory");
	for (name = strtok_r(list, ",", &last); name != NULL;
	    name = strtok_r(NULL, ",", &last)) {
		for (i = 0; all[i].name != NULL; i++)
			if (strcmp(all[i].name, name) == 0)
				break;
		if (all[i].name == NULL)
			errx(EXIT_USAGE, "-k: \"%s\" is not a kind here; use %s, "
			    "%s or %s%s", name, all[0].name, all[1].name,
			    all[2].name, all[3].name != NULL ?
			    " (or emulate, displaced)" : "");
		if (n < MAXKINDS)
			out[n++] = &all[i];
	}
	free(list);
	if (n == 0)
		errx(EXIT_USAGE, "-k: no kinds given");
	return n;
}

/*
 * The location must suit the mode: code for code and race (a guard page
 * watches for execution, an INT3 is only ever executed), mapped memory
 * for data.  FALSE after saying why.
 */
static BOOL
check_location(struct run *r, const char *arg)
{
	MEMORY_BASIC_INFORMATION mbi;

	if (!mem_query(r->s.process, opt.loc, &mbi, arg))
		return FALSE;
	if (!opt.data && !(mbi.Protect & PAGE_EXECUTABLE)) {
		warnx("%s: 0x%llx is not code: its page is not executable "
		    "(protection 0x%lx); for a variable, use --data", arg,
		    (unsigned long long)opt.loc, mbi.Protect);
		return FALSE;
	}
	if (opt.data && opt.loc % 4 != 0) {
		warnx("%s: 0x%llx is not aligned to 4 bytes, as a 4-byte "
		    "hardware breakpoint needs", arg, (unsigned long long)opt.loc);
		return FALSE;
	}
	if (!mem_read(r->s.process, opt.loc, opt.orig, opt.data ? 4 :
	    sizeof(opt.orig))) {
		warn("%s: ReadProcessMemory(0x%llx)", arg,
		    (unsigned long long)opt.loc);
		return FALSE;
	}
	return TRUE;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct run r = { .maxhits = 1000, .ms = 5000 };
	const struct kind *kinds[MAXKINDS];
	struct result res[MAXKINDS], *rs;
	const char *pick = NULL, *count = NULL;
	char **cmd, where[160];
	size_t nkinds, i, done = 0, floor_steps = 0;
	double floor_us = 0;
	DWORD floor_tid = 0;
	uint32_t v;
	BOOL ok = TRUE;
	int ch;

	opt.status = DBG_CONTINUE;
	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:c:hk:n:s:V", longopts,
	    NULL)) != -1)
		switch (ch) {
		case 'c':
			count = optarg;
			break;
		case 'C':
			opt.csv = 1;
			break;
		case 'd':
			opt.data = 1;
			break;
		case 'k':
			pick = optarg;
			break;
		case 'n':
		case 's':
			run_option(&r, ch, optarg);
			break;
		case 'R':
			opt.race = 1;
			break;
		case 'V':
			version();
		case 'h':
			usage(0);
		default:
			badopt(ch, argv, longopts);
		}
	argc -= optind;
	argv += optind;
	take_target(cmd, &argc, &argv, &spec);
	if (argc != 1)
		errx(EXIT_USAGE, "give one location (see bpcompare -h)");
	if (opt.data && opt.race)
		errx(EXIT_USAGE, "--data and --race: choose one");
	if (opt.race && count == NULL)
		errx(EXIT_USAGE, "--race needs --count: the target's own count "
		    "of calls, to find the hits missed");
	nkinds = pick_kinds(opt.data ? data_kinds : opt.race ? race_kinds :
	    code_kinds, pick, kinds);

	/* With --csv, stdout holds the table and nothing else. */
	opt.log = r.status = opt.csv ? stderr : stdout;
	if (!run_start(&r, &spec, 0))
		return EXIT_RUNTIME;
	ok = sym_resolve(&r.mods, argv[0], &opt.loc) && check_location(&r,
	    argv[0]);
	if (ok && count != NULL) {
		ok = sym_resolve(&r.mods, count, &opt.count);
		if (ok && !(ok = mem_read(r.s.process, opt.count, &v, sizeof(v))))
			warn("--count %s: ReadProcessMemory(0x%llx)", count,
			    (unsigned long long)opt.count);
		opt.counted = ok;
	}
	if (ok) {
		fprintf(opt.log, "%s: %s (0x%llx); each kind runs for %lu hits "
		    "or %lu s, whichever comes first\n", opt.data ? "address" : "location",
		    sym_format(&r.mods, opt.loc, where, sizeof(where)),
		    (unsigned long long)opt.loc, r.maxhits,
		    (unsigned long)(r.ms / 1000));
		floor_us = floor_measure(&r, &floor_steps, &floor_tid);
		if (floor_steps)
			fprintf(opt.log, "floor: %zu single-steps of tid %lu, the "
			    "%s, the others held: %.1f us per debug event\n",
			    floor_steps, floor_tid, opt.data ? "first thread" :
			    "first at the location", floor_us);
		else if (floor_tid)
			fprintf(opt.log, "floor: tid %lu did not step; no floor\n",
			    floor_tid);
		else
			fprintf(opt.log, "floor: no thread reached the location "
			    "in %d s; no floor\n", FLOOR_LIMIT / 1000);
	}
	for (i = 0; ok && i < nkinds && !session_interrupted(); i++) {
		if (opt.race && kinds[i]->mech == HW && running_on_wine()) {
			fprintf(opt.log, "%s: skipped: under Wine 8, threads that "
			    "hit a debug register at the same moment can wedge "
			    "for good; run this row on Windows\n", kinds[i]->name);
			continue;
		}
		if (!(ok = measure(&r, kinds[i], &res[done])))
			break;
		rs = &res[done++];
		r.hits += rs->hits;
		fprintf(opt.log, "%s: %lu hit%s, %lu false, %lu events in %.3f s",
		    kinds[i]->name, rs->hits, rs->hits == 1 ? "" : "s",
		    rs->false_hits, rs->events, rs->us / 1e6);
		if (opt.counted && !r.s.exited)
			fprintf(opt.log, "; the target's count went %lu -> %lu",
			    (unsigned long)rs->c0, (unsigned long)rs->c1);
		fprintf(opt.log, "; %s\n", r.s.exited ? "the target exited" :
		    rs->cut ? "cut short by Ctrl-C; removed" : "removed");
		if (rs->cut)
			break;
	}
	if (done > 0) {
		print_table(res, done, floor_us, floor_steps);
		if (!opt.csv) {
			print_chart(res, done, floor_us);
			print_notes(res, done, floor_us);
		}
	}
	if (ok && (done == 0 || !res[done - 1].cut))
		r.ended = "every kind measured";
	return run_finish(&r, ok);
}
