/*
 * guardbp: memory breakpoints, with guard pages.
 *
 * Lesson 06.  PAGE_GUARD makes the next access to a page raise
 * STATUS_GUARD_PAGE_VIOLATION, and then the guard is gone.  Memory is
 * protected a page at a time, so every access to the page fires, not only
 * accesses to the watched bytes: check each one against the range, count
 * the rest as false hits, and put the guard back after letting the
 * instruction run (a single-step).
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
	{ "access", required_argument, NULL, 'a' },
	{ "count", required_argument, NULL, 'n' },
	{ "seconds", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: guardbp [-n hits] [-s seconds] [--access r|w|x|any] pid|name address [size]\n"
	    "       guardbp [-n hits] [-s seconds] [--access r|w|x|any] address [size] -- program [args]\n"
	    "  address: 0x401530, module!export[+0x10], module+0x1530; size defaults to 1\n"
	    "  --access  count only reads, writes or executions as hits (default any)\n"
	    "  -n  stop after this many hits      -s  stop after this many seconds\n");
	exit(status);
}

static const char *
access_name(ULONG_PTR a)
{
	return a == ACCESS_WRITE ? "write" : a == ACCESS_EXECUTE ? "execute" :
	    "read";
}

/* The access filter: -1 for any, else ACCESS_READ/WRITE/EXECUTE. */
static int
parse_access(const char *s)
{
	if (strcmp(s, "any") == 0)
		return -1;
	if (strcmp(s, "r") == 0)
		return ACCESS_READ;
	if (strcmp(s, "w") == 0)
		return ACCESS_WRITE;
	if (strcmp(s, "x") == 0)
		return ACCESS_EXECUTE;
	errx(EXIT_USAGE, "--access: \"%s\": use r, w, x or any", s);
}

/*
 * A guard page on a stack is a bad idea: the stack's own guard page is
 * how Windows grows it, and every call and push touches the page.  Warn
 * when the range shares its allocation with a thread's stack pointer.
 */
static void
warn_if_stack(struct run *r, addr_t a)
{
	MEMORY_BASIC_INFORMATION want, mbi;
	union context c;
	size_t i;

	if (!VirtualQueryEx(r->s.process, (LPCVOID)(uintptr_t)a, &want,
	    sizeof(want)))
		return;
	for (i = 0; i < r->s.nthreads; i++)
		if (session_get_context(&r->s, r->s.threads[i].handle, &c,
		    REG_CONTROL) &&
		    VirtualQueryEx(r->s.process, (LPCVOID)(uintptr_t)
		    reg_get(r->s.cpu->sp, &c), &mbi, sizeof(mbi)) &&
		    mbi.AllocationBase == want.AllocationBase) {
			warnx("warning: 0x%llx is on the stack of tid %lu, where "
			    "Windows keeps a guard page of its own to grow the "
			    "stack; hits there are unreliable", (unsigned long long)a,
			    r->s.threads[i].tid);
			return;
		}
}

/*
 * A write watch where the target cannot write would never fire: refuse
 * --access w when no page of [a, a+size) is writable.  FALSE after
 * saying why.
 */
static BOOL
check_writable(struct run *r, addr_t a, uint64_t size, const char *loc)
{
	MEMORY_BASIC_INFORMATION mbi;
	DWORD first = 0;
	addr_t p = a;

	do {
		if (!mem_query(r->s.process, p, &mbi, loc))
			return FALSE;
		if (mbi.Protect & PAGE_WRITABLE)
			return TRUE;
		if (p == a)
			first = mbi.Protect;
		p = (addr_t)(uintptr_t)mbi.BaseAddress + mbi.RegionSize;
	} while (p - a < size);
	warnx("%s: 0x%llx is not writable (protection 0x%lx): the target "
	    "cannot write there, so --access w would never fire", loc,
	    (unsigned long long)a, first);
	return FALSE;
}

/*
 * One of our pages fired.  An access that straddles two guarded pages
 * faults on each, the second time while its thread is already on its way
 * past the first: one access, counted at its first fault.  Returns FALSE
 * on failure.
 */
static BOOL
on_guard(struct run *r, const EXCEPTION_RECORD *er, int want)
{
	struct guardbp *g = r->bp.guard;
	addr_t at = (addr_t)er->ExceptionInformation[1];
	addr_t ip = (addr_t)(uintptr_t)er->ExceptionAddress;
	ULONG_PTR access = er->ExceptionInformation[0];
	char where[160], code[160], who[48];
	struct insn in;

	if (bp_stepping(&r->bp, r->s.ev.dwThreadId))
		return TRUE;	/* the same access, on its second page */
	if (at - g->addr < g->size && (want < 0 || (ULONG_PTR)want == access)) {
		r->hits++;
		g->hits++;
		/*
		 * A fault: the instruction has not run yet; IP points at it.
		 * Its bytes may lie on a page of ours still guarded, so they
		 * are read past the guard (run_insn(), guard_read()).
		 */
		if (!run_insn(r, ip, &in))
			snprintf(in.text, sizeof(in.text), "?");
		printf("hit %lu  %s  %s at %s  by %s: %s  (false hits so far: %lu)\n",
		    r->hits, thread_label(&r->s, r->s.ev.dwThreadId, who,
		    sizeof(who)), access_name(access), sym_format(&r->mods, at,
		    where, sizeof(where)), sym_format(&r->mods, ip, code,
		    sizeof(code)), in.text, g->false_hits);
	} else
		g->false_hits++;	/* same page, other bytes or access */
	if (r->maxhits != 0 && r->hits >= r->maxhits)
		return TRUE;		/* no need to re-arm: cleanup follows */
	/* Let the instruction run unguarded, then guard the pages again. */
	return step_begin(&r->bp, r->s.ev.dwThreadId);
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct run r = { .ms = INFINITE };
	const EXCEPTION_RECORD *er;
	struct guardbp *g;
	char **cmd, where[160];
	uint64_t size = 1;
	int ch, k, want = -1;
	BOOL ok = TRUE;
	DWORD status;
	addr_t a;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:a:hn:s:V", longopts, NULL)) != -1)
		switch (ch) {
		case 'a':
			want = parse_access(optarg);
			break;
		case 'n':
		case 's':
			run_option(&r, ch, optarg);
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
	if (argc < 1 || argc > 2)
		errx(EXIT_USAGE, "give an address and an optional size (see guardbp -h)");
	if (argc == 2)
		size = optnumber("size", argv[1], 1, 1u << 30);

	if (!run_start(&r, &spec, 0))
		return EXIT_RUNTIME;
	ok = sym_resolve(&r.mods, argv[0], &a);
	if (ok && want == ACCESS_WRITE)
		ok = check_writable(&r, a, size, argv[0]);
	if (ok)
		warn_if_stack(&r, a);
	if (ok && (g = guard_insert(&r.bp, a, (size_t)size, argv[0])) == NULL)
		ok = FALSE;
	if (ok) {
		printf("watching %s (0x%llx), %llu byte%s, for %s: PAGE_GUARD on "
		    "%u page%s\n", sym_format(&r.mods, a, where, sizeof(where)),
		    (unsigned long long)a, (unsigned long long)size,
		    size == 1 ? "" : "s", want < 0 ? "any access" :
		    access_name((ULONG_PTR)want), (unsigned)g->npages,
		    g->npages == 1 ? "" : "s");
	}
	if (ok && !session_continue(&r.s, DBG_CONTINUE))
		ok = FALSE;

	while (ok && run_next(&r) > 0) {
		status = session_default_status(&r.s);
		er = session_exception(&r.s);
		if (guard_hit(&r.bp, er) != NULL) {
			ok = on_guard(&r, er, want);
			status = DBG_CONTINUE;	/* retry the instruction */
		} else if (er != NULL && is_single_step_code(er->ExceptionCode) &&
		    (k = step_end(&r.bp, r.s.ev.dwThreadId, &status)) != 0)
			ok = k > 0;	/* it ran; the guard is back */
		/* Any other guard page is the target's own: passed back to it. */
		if (r.s.exited)
			break;
		if (!session_continue(&r.s, status))
			ok = FALSE;
	}
	if (r.bp.guard != NULL)
		printf("%lu false hit%s: accesses to the same page%s outside the "
		    "watched bytes\n", r.bp.guard->false_hits,
		    r.bp.guard->false_hits == 1 ? "" : "s", want < 0 ? "" :
		    ", or of another kind,");
	return run_finish(&r, ok);
}
