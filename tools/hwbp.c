/*
 * hwbp: hardware breakpoints, in the debug registers.
 *
 * Lesson 05.  DR0-DR3 hold up to four addresses; DR7 says, for each, what
 * fires it (execute, write, read/write) and over how many bytes.  Each
 * thread has its own debug registers, so they are set in every thread,
 * and in every thread created later.  When one fires, the thread raises
 * EXCEPTION_SINGLE_STEP and DR6 says which slot it was.  No byte of the
 * target's code or data changes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "mem.h"
#include "tool.h"

static const struct option longopts[] = {
	{ "count", required_argument, NULL, 'n' },
	{ "seconds", required_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: hwbp [-v] [-n hits] [-s seconds] pid|name kind location ...\n"
	    "       hwbp [-v] [-n hits] [-s seconds] kind location ... -- program [args]\n"
	    "  kind: e1 (execute), w1 w2 w4 w8 (write), rw1 .. rw8 or r1 .. r8 (read/write)\n"
	    "  at most 4 breakpoints: DR0-DR3\n"
	    "  -v  print DR7 before and after, field by field\n"
	    "  -n  stop after this many hits      -s  stop after this many seconds\n");
	exit(status);
}

static void
print_dr7(const char *when, uint32_t dr7)
{
	char buf[128];
	int i;

	printf("DR7 %s: %08lx\n", when, (unsigned long)dr7);
	for (i = 0; i < DR_SLOTS; i++)
		printf("  %s\n", dr7_slot_describe(dr7, i, buf, sizeof(buf)));
}

/* DR7 as a thread has it now. */
static uint32_t
thread_dr7(struct run *r, HANDLE thread)
{
	union context c;

	if (!session_get_context(&r->s, thread, &c, REG_DEBUG)) {
		session_context_failed(GetThreadId(thread), NULL);
		return 0;
	}
	return (uint32_t)reg_get(r->s.cpu->dr7, &c);
}

/* The largest element a string instruction moves: movsq, stosq. */
#define STRING_MAX	8

/*
 * Whether the instruction at the IP did the access: a REP string
 * instruction (rep movs, rep stos, ...) runs one element at a time and
 * can be interrupted between two.  A data breakpoint fires after the
 * iteration that touched the watched bytes, with the IP still on the
 * instruction and its pointers moved on to the next element, ready to
 * go on (Intel SDM vol. 2B, REP; vol. 3B, 17.3.1.2).  So when the IP's
 * own instruction is one, and a pointer it uses lies within an element
 * of the watched bytes, it is the one: *in.
 */
static BOOL
rep_at(struct run *r, const struct hwbp *hw, const union context *c,
    struct insn *in)
{
	addr_t ip = reg_get(r->s.cpu->ip, c), ea;
	int i;

	if (!run_insn(r, ip, in) || !(in->flags & INSN_REP))
		return FALSE;
	for (i = 0; i < in->nmem; i++)
		if (memop_address(&in->mem[i], r->s.cpu, c, ip + in->len, &ea) &&
		    ea + STRING_MAX > hw->addr &&
		    ea < hw->addr + hw->len + STRING_MAX)
			return TRUE;
	return FALSE;
}

/* Slot i fired in the thread whose context is c. */
static void
on_hit(struct run *r, int i, const union context *c)
{
	struct hwbp *hw = &r->bp.hw[i];
	char where[160], who[48];
	struct insn in;
	uint64_t v = 0;

	r->hits++;
	hw->hits++;
	printf("hit %lu  %s  DR%d (%s", r->hits, thread_label(&r->s,
	    r->s.ev.dwThreadId, who, sizeof(who)), i, dr7_rw_name(hw->rw));
	if (hw->rw != DR7_RW_EXECUTE)
		printf(", %u byte%s", hw->len, hw->len == 1 ? "" : "s");
	printf(") at %s\n", sym_format(&r->mods, hw->addr, where, sizeof(where)));
	if (hw->rw == DR7_RW_EXECUTE) {
		if (dis_at(r->dis, r->s.process, hw->addr, &in))
			printf("    %s    <- not run yet: an execute breakpoint "
			    "fires before the instruction\n", in.text);
		return;
	}
	/*
	 * A data breakpoint fires after the access: the IP is already past
	 * the instruction, or, for a REP string instruction, past one
	 * iteration of it.
	 */
	if (rep_at(r, hw, c, &in))
		printf("    %s: %s    <- under way: a REP string instruction "
		    "traps after each iteration, the IP still on it\n",
		    sym_format(&r->mods, in.addr, where, sizeof(where)), in.text);
	else if (dis_before(r->dis, r->s.process, reg_get(r->s.cpu->ip, c),
	    r->s.cpu, c, hw->addr, hw->len, &in))
		printf("    %s: %s    <- already run: a data breakpoint fires "
		    "after the access\n", sym_format(&r->mods, in.addr, where,
		    sizeof(where)), in.text);
	if (mem_read(r->s.process, hw->addr, &v, hw->len)) {
		if (v != hw->value)
			printf("    value 0x%llx (was 0x%llx)\n", (unsigned long long)v,
			    (unsigned long long)hw->value);
		else if (hw->rw == DR7_RW_WRITE)
			printf("    value 0x%llx (unchanged: the value it had, "
			    "written again)\n", (unsigned long long)v);
		else
			printf("    value 0x%llx (unchanged: a read)\n",
			    (unsigned long long)v);
		hw->value = v;
	}
}

/*
 * A single-step exception: ours if DR6 names one of our slots (hw_hit()
 * clears their bits, and sets RF after an execute breakpoint so the
 * instruction can run).  Report each slot that fired.  *status: how to
 * continue; a slot of the target's own that fired as well makes the
 * exception its own too.
 */
static BOOL
on_single_step(struct run *r, DWORD *status)
{
	union context c;
	uint32_t fired;
	int i;

	if ((fired = hw_hit(&r->bp, r->s.ev.dwThreadId, &c)) == 0)
		return FALSE;
	for (i = 0; i < DR_SLOTS; i++)
		if (fired & DR6_B(i))
			on_hit(r, i, &c);
	*status = hw_foreign(&r->bp, &c) ? DBG_EXCEPTION_NOT_HANDLED :
	    DBG_CONTINUE;
	return TRUE;
}

/*
 * Fill the slots from the KIND LOCATION pairs; FALSE after saying why.
 * Refused: what DR7 cannot watch (length 8 in a 32-bit tool, which may
 * run where the CPU is not in IA-32e mode; an address not aligned to its
 * length), memory that is not there, a write watch on
 * memory the target cannot write, and more breakpoints than the target
 * leaves slots free: a program may use debug registers itself, and those
 * stay its own.
 */
static BOOL
set_slots(struct run *r, int n, char **pairs)
{
	MEMORY_BASIC_INFORMATION mbi;
	struct hwbp *hw;
	char what[160], where[160];
	unsigned free;
	int i, slot = -1;

	if (!hw_free_slots(&r->bp, &free))
		return FALSE;
	for (i = 0; i < n; i++) {
		while (++slot < DR_SLOTS && !(free & (1u << slot)))
			;
		if (slot == DR_SLOTS) {
			warnx("%s %s: no debug register left: the target uses "
			    "%d of the four itself", pairs[2 * i],
			    pairs[2 * i + 1], DR_SLOTS - __builtin_popcount(free));
			return FALSE;
		}
		hw = &r->bp.hw[slot];
		snprintf(what, sizeof(what), "%s %s", pairs[2 * i],
		    pairs[2 * i + 1]);
		parse_hw_kind(pairs[2 * i], &hw->rw, &hw->len);
		if (!sym_resolve(&r->mods, pairs[2 * i + 1], &hw->addr))
			return FALSE;
		if (hw->len > r->s.cpu->watch_max) {
			warnx("%s: length 8 needs the CPU in 64-bit (IA-32e) "
			    "mode; use the 64-bit hwbp, on 64-bit Windows", what);
			return FALSE;
		}
		if (hw->addr % hw->len != 0) {
			warnx("%s: 0x%llx is not aligned to %u bytes (DR7's "
			    "LEN ignores the low address bits)", what,
			    (unsigned long long)hw->addr, hw->len);
			return FALSE;
		}
		if (!mem_query(r->s.process, hw->addr, &mbi, what))
			return FALSE;
		if (hw->rw == DR7_RW_WRITE && !(mbi.Protect & PAGE_WRITABLE)) {
			warnx("%s: 0x%llx is not writable (protection 0x%lx): "
			    "the target cannot write there, so a write watch "
			    "would never fire", what,
			    (unsigned long long)hw->addr, mbi.Protect);
			return FALSE;
		}
		if (hw->rw != DR7_RW_EXECUTE)
			mem_read(r->s.process, hw->addr, &hw->value, hw->len);
		hw->used = 1;
		printf("DR%d = %s (0x%llx), %s", slot, sym_format(&r->mods, hw->addr,
		    where, sizeof(where)), (unsigned long long)hw->addr,
		    dr7_rw_name(hw->rw));
		if (hw->rw != DR7_RW_EXECUTE)
			printf(", %u byte%s, value 0x%llx", hw->len,
			    hw->len == 1 ? "" : "s", (unsigned long long)hw->value);
		putchar('\n');
	}
	return TRUE;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct run r = { .ms = INFINITE };
	const EXCEPTION_RECORD *er;
	enum dr7_rw rw;
	char **cmd;
	const char *why;
	unsigned len;
	int ch, i, verbose = 0;
	BOOL ok = TRUE;
	DWORD status;
	HANDLE first;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:hn:s:vV", longopts, NULL)) != -1)
		switch (ch) {
		case 'n':
		case 's':
			run_option(&r, ch, optarg);
			break;
		case 'v':
			verbose = 1;
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
	if (argc < 2 || argc % 2 != 0)
		errx(EXIT_USAGE, "give KIND LOCATION pairs (see hwbp -h)");
	if (argc / 2 > DR_SLOTS)
		errx(EXIT_USAGE, "%s %s: a 5th breakpoint; the CPU has 4 debug "
		    "address registers, DR0-DR3", argv[2 * DR_SLOTS],
		    argv[2 * DR_SLOTS + 1]);
	for (i = 0; i < argc; i += 2)
		if ((why = parse_hw_kind(argv[i], &rw, &len)) != NULL)
			errx(EXIT_USAGE, "%s: %s", argv[i], why);

	if (!run_start(&r, &spec, 0))
		return EXIT_RUNTIME;
	/*
	 * After an attach, the break-in thread is still to end, and under
	 * Wine 8 a hit that meets its end wedges (lesson 05): so the
	 * registers go in once it has, at its exit event.
	 */
	if (!run_settle(&r))
		return run_finish(&r, FALSE);
	first = r.s.threads[0].handle;
	if (verbose)
		print_dr7("before", thread_dr7(&r, first));
	/* Every location checked before any thread is touched. */
	ok = set_slots(&r, argc / 2, argv);
	if (!ok)
		memset(r.bp.hw, 0, sizeof(r.bp.hw));
	for (i = 0; ok && (size_t)i < r.s.nthreads; i++)
		ok = hw_apply(&r.bp, r.s.threads[i].handle);
	if (ok) {
		if (r.s.nthreads == 1)
			printf("set in its only thread\n");
		else
			printf("set in all %u threads\n", (unsigned)r.s.nthreads);
		if (verbose)
			print_dr7("after", thread_dr7(&r, first));
	}
	if (ok && !session_continue(&r.s, DBG_CONTINUE))
		ok = FALSE;

	while (ok && run_next(&r) > 0) {
		status = session_default_status(&r.s);
		er = session_exception(&r.s);
		if (r.s.ev.dwDebugEventCode == CREATE_THREAD_DEBUG_EVENT) {
			/* A new thread starts with clear debug registers. */
			ok = hw_apply(&r.bp, r.s.ev.u.CreateThread.hThread);
			printf("tid %lu: new thread; debug registers set in it too\n",
			    r.s.ev.dwThreadId);
		} else if (r.s.ev.dwDebugEventCode == EXIT_THREAD_DEBUG_EVENT) {
			printf("tid %lu: thread exited; its debug registers went "
			    "with it\n", r.s.ev.dwThreadId);
		} else if (er != NULL && is_single_step_code(er->ExceptionCode))
			on_single_step(&r, &status);
		if (r.s.exited)
			break;
		if (!session_continue(&r.s, status))
			ok = FALSE;
	}
	return run_finish(&r, ok);
}
