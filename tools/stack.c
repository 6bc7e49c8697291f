/*
 * stack: attach, walk each thread's call stack frame by frame, detach.
 *
 * Lesson 10.  Frame 0 is where the thread is; each frame after it is a
 * return address, found by undoing what the function before it did to
 * the stack: along the EBP chain, by the module's CFI or its .pdata
 * unwind codes (common/unwind.c).  Where no rule finds the caller, the
 * walk says so and stops rather than guess.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "mem.h"
#include "session.h"
#include "sym.h"
#include "target.h"
#include "unwind.h"

#define MAX_FRAMES	4096

static const struct option longopts[] = {
	{ "args", no_argument, NULL, 'a' },
	{ "dbghelp", no_argument, NULL, 'D' },
	{ "frames", required_argument, NULL, 'n' },
	{ "thread", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: stack [-a] [-n frames] [-t tid] [--dbghelp] pid | name\n"
	    "       stack [-a] [-n frames] [-t tid] [--dbghelp] -- program [args]\n"
	    "  -a         the first three stack arguments of each frame, as kb\n"
	    "  -n         at most this many frames per thread (default 64)\n"
	    "  -t         only this thread\n"
	    "  --dbghelp  also walk with dbghelp's StackWalk64, and compare\n");
	exit(status);
}

static struct {
	int args;		/* -a */
	unsigned frames;	/* -n */
	int dbghelp;		/* --dbghelp */
} opt = { 0, 64, 0 };

/* One frame's line: number, address, stack pointer, [args,] how, where. */
static void
print_frame(struct session *s, struct modules *mods, const struct frame *f,
    const addr_t *args)
{
	char where[300];
	int i;

	printf("%3u  ", f->n);
	print_addr(stdout, s->cpu, f->ip);
	printf("  ");
	print_addr(stdout, s->cpu, f->sp);
	for (i = 0; opt.args && i < 3; i++) {
		printf("  ");
		if (args != NULL)
			print_addr(stdout, s->cpu, args[i]);
		else
			printf("%*s", (int)s->cpu->ptrsize * 2, "-");
	}
	printf("  %-7s  %s\n", f->how, sym_format(mods, f->ip, where,
	    sizeof(where)));
}

/*
 * -a: what the caller left just above the return address, where the
 * stack arguments of frame f's function are (x86), or their home space
 * (x64): at the next frame's stack pointer.
 */
static const addr_t *
read_args(struct session *s, addr_t at, addr_t *args)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!mem_read_ptr(s->process, at + i * s->cpu->ptrsize,
		    s->cpu->ptrsize, &args[i]))
			return NULL;
	return args;
}

/* dbghelp's walk of the same thread, and where it differs from ours. */
static void
second_opinion(struct session *s, struct modules *mods, HANDLE h,
    const union context *c, const struct frame *ours, unsigned n)
{
	static struct frame theirs[MAX_FRAMES];
	unsigned i;
	int m;

	if ((m = unwind_dbghelp(s->process, h, s->cpu, c, theirs,
	    (int)opt.frames)) < 0)
		return;
	printf("dbghelp's StackWalk64:\n");
	for (i = 0; i < (unsigned)m; i++)
		print_frame(s, mods, &theirs[i], NULL);
	for (i = 0; i < n && i < (unsigned)m; i++)
		if (ours[i].ip != theirs[i].ip || ours[i].sp != theirs[i].sp)
			break;
	if (i == n && i == (unsigned)m)
		printf("dbghelp agrees: the same %u frames\n", n);
	else
		printf("dbghelp differs from frame %u on (%d frames, ours %u)\n",
		    i, m, n);
}

/* Why the walk of n frames ended: the end, a break, -n or Ctrl-C. */
static void
print_end(const struct walk *w, unsigned n)
{
	printf("%u frame%s; ", n, n == 1 ? "" : "s");
	if (!w->over && session_interrupted())
		printf("interrupted\n");
	else if (!w->over)
		printf("-n %u stopped the walk\n", opt.frames);
	else if (w->broken)
		printf("the chain is broken after frame %u: %s\n", n - 1, w->why);
	else
		printf("%s\n", w->why);
}

static int
walk_thread(struct session *s, struct modules *mods, DWORD tid)
{
	static struct frame seen[MAX_FRAMES];
	union context c;
	struct walk w;
	addr_t args[3];
	unsigned n = 0;
	int w2 = (int)s->cpu->ptrsize * 2;
	HANDLE h;

	if ((h = thread_open(tid)) == NULL)
		return 0;
	if (!s->cpu->get(h, &c, REG_GENERAL)) {
		warn("GetThreadContext(tid %lu)", tid);
		CloseHandle(h);
		return 0;
	}
	printf("\nthread %lu%s\n", tid, tid == s->breakin_tid ?
	    "  (the debugger's break-in thread)" : "");
	printf("  #  %-*s  %-*s  ", w2, "address", w2, "sp");
	if (opt.args)
		printf("%-*s  %-*s  %-*s  ", w2, "arg1", w2, "arg2", w2, "arg3");
	printf("%-7s  where\n", "how");
	unwind_begin(&w, s->process, s->cpu, mods, h, &c);
	seen[n++] = w.f;
	while (n < opt.frames && !session_interrupted() && unwind_next(&w)) {
		print_frame(s, mods, &seen[n - 1], read_args(s, w.f.sp, args));
		seen[n++] = w.f;
	}
	print_frame(s, mods, &seen[n - 1], NULL);
	print_end(&w, n);
	unwind_end(&w);
	if (opt.dbghelp)
		second_opinion(s, mods, h, &c, seen, n);
	CloseHandle(h);
	return 1;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct session s;
	struct modules mods;
	DWORD *tids, only = 0;
	char **cmd;
	int ch, i, n, ok = 1, found = 0;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:ahn:t:V", longopts, NULL)) != -1)
		switch (ch) {
		case 'a':
			opt.args = 1;
			break;
		case 'D':
			opt.dbghelp = 1;
			break;
		case 'n':
			opt.frames = (unsigned)optnumber("-n", optarg, 1, MAX_FRAMES);
			break;
		case 't':
			only = (DWORD)optnumber("-t", optarg, 1, UINT32_MAX);
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
	end_operands(argc, argv);

	if (!session_open(&s, &spec))
		return EXIT_RUNTIME;
	/* At the break-in every thread is stopped: the stacks hold still. */
	if (!session_wait_start(&s, 10000) || !modules_load(s.process, &mods)) {
		session_detach(&s);
		return EXIT_RUNTIME;
	}
	if ((n = thread_ids(s.pid, &tids)) < 0) {
		modules_free(&mods);
		session_detach(&s);
		return EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++)
		found |= tids[i] == only;
	if (only != 0 && !found) {
		warnx("-t %lu: no such thread in pid %lu", only, s.pid);
		ok = 0;
	} else {
		printf("pid %lu: %s, %d thread%s\n", s.pid, s.cpu->name, n,
		    n == 1 ? "" : "s");
		/* Ctrl-C ends the walk under way and skips the threads after it. */
		for (i = 0; i < n && !session_interrupted(); i++)
			if (only == 0 || tids[i] == only)
				ok &= walk_thread(&s, &mods, tids[i]);
	}
	free(tids);
	modules_free(&mods);
	if (!session_detach(&s))
		ok = 0;
	return ok ? 0 : EXIT_RUNTIME;
}
