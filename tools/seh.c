/*
 * seh: the frame-based exception handlers each thread of a process has
 * registered, as the system's dispatcher would find them.
 *
 * Lesson 12.  On x86 a function that wants to handle exceptions pushes a
 * record onto a chain whose head is the first field of its thread's TEB
 * (fs:[0]): the address of the next record and the address of a handler.
 * The dispatcher walks that chain, newest record first.  x64 has no
 * chain: the handler of each function is written in its unwind
 * information, found through the module's .pdata table, and the
 * dispatcher unwinds the stack frame by frame to find it.  The whole
 * target is stopped at the attach break-in while seh looks.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "err.h"
#include "mem.h"
#include "pdata.h"
#include "session.h"
#include "sym.h"
#include "target.h"
#include "teb.h"
#include "unwind.h"

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: seh pid | name\n"
	    "       seh -- program [args]\n");
	exit(status);
}

/* The head of the chain: NT_TIB.ExceptionList, the TEB's first field. */
#define TIB_EXCEPTION_LIST	0x00
#define CHAIN_MAX		256	/* more records than this is a loop */
#define FRAMES_MAX		256

/* The thread's TEB and stack, and its first line of output. */
static BOOL
thread_header(struct session *s, HANDLE thread, DWORD tid, addr_t *teb,
    addr_t *base, addr_t *limit)
{
	addr_t reserve;

	if (!teb_find(s->process, s->cpu, thread, teb) ||
	    !teb_stack(s->process, s->cpu, *teb, base, limit, &reserve)) {
		warn("the TEB of tid %lu", tid);
		return FALSE;
	}
	printf("thread %lu%s: TEB 0x%llx, stack 0x%llx-0x%llx\n", tid,
	    tid == s->breakin_tid ? " (break-in)" : "", (unsigned long long)*teb,
	    (unsigned long long)*limit, (unsigned long long)*base);
	return TRUE;
}

/*
 * Walk the chain of EXCEPTION_REGISTRATION_RECORDs that starts in the
 * TEB, as RtlDispatchException does on x86.  Each record is two
 * pointers: the next record (all ones after the last), and the handler,
 * called as EXCEPTION_DISPOSITION handler(EXCEPTION_RECORD *, void
 * *record, CONTEXT *, void *dispatcher_context).  A record outside the
 * thread's stack, or not aligned, ends the walk: the dispatcher gives up
 * there too (EXCEPTION_STACK_INVALID).
 */
static BOOL
print_chain(struct session *s, struct modules *mods, addr_t teb, addr_t base,
    addr_t limit)
{
	unsigned w = s->cpu->ptrsize, digits = 2 * w;
	addr_t at, next, handler, end = w == 4 ? 0xffffffffu : ~(addr_t)0;
	char name[160];
	int n;

	if (!mem_read_ptr(s->process, teb + TIB_EXCEPTION_LIST, w, &at)) {
		warn("ReadProcessMemory(NT_TIB.ExceptionList at 0x%llx)",
		    (unsigned long long)teb);
		return FALSE;
	}
	if (w == 8 && at == 0) {
		printf("  gs:[0] is 0: no chain, as 64-bit code registers "
		    "no records\n");
		return TRUE;
	}
	printf("  %s:[0], the chain:\n  %-*s  handler\n", w == 4 ? "fs" : "gs",
	    digits + 2, "record");
	for (n = 0; at != end; n++) {
		if (n == CHAIN_MAX) {
			printf("  ... more than %d records: a loop\n", CHAIN_MAX);
			return TRUE;
		}
		if (at < limit || at + 2 * w > base || (at & (w - 1)) != 0) {
			printf("  0x%0*llx  not a record on this thread's stack: "
			    "the dispatcher stops here\n", digits,
			    (unsigned long long)at);
			return TRUE;
		}
		if (!mem_read_ptr(s->process, at, w, &next) ||
		    !mem_read_ptr(s->process, at + w, w, &handler)) {
			warn("ReadProcessMemory(record at 0x%llx)",
			    (unsigned long long)at);
			return FALSE;
		}
		printf("  0x%0*llx  0x%0*llx  %s\n", digits,
		    (unsigned long long)at, digits, (unsigned long long)handler,
		    sym_format(mods, handler, name, sizeof(name)));
		at = next;
	}
	printf("  0x%0*llx  the end of the chain\n", digits,
	    (unsigned long long)end);
	return TRUE;
}

/*
 * x64: the handler the function of one frame has, as the dispatcher
 * finds it: the RUNTIME_FUNCTION in its module's .pdata that covers
 * the frame's IP, and the handler that entry's UNWIND_INFO names.
 */
static void
print_handler(struct session *s, struct modules *mods, const struct frame *f)
{
	const struct module *m = module_at(mods, f->ip);
	struct pdata_entry e;
	struct pe pe;
	char ip[160], fn[160], h[160];
	int r;

	sym_format(mods, f->ip, ip, sizeof(ip));
	printf("%3u  %016llx  %-34s ", f->n, (unsigned long long)f->sp, ip);
	if (m == NULL || !pe_read(s->process, m->base, &pe)) {
		printf("no module: no .pdata\n");
		return;
	}
	if ((r = pdata_lookup(s->process, &pe, f->ip, &e)) < 0) {
		printf("cannot read %s's .pdata\n", m->name);
		return;
	}
	if (r == 0) {
		printf("no .pdata entry: a leaf function, no handler\n");
		return;
	}
	sym_format(mods, pe.base + e.primary.BeginAddress, fn, sizeof(fn));
	if (e.handler == 0) {
		printf("%s: no handler\n", fn);
		return;
	}
	printf("%s (0x%llx): handler 0x%llx %s, for %s\n", fn,
	    (unsigned long long)(pe.base + e.primary.BeginAddress),
	    (unsigned long long)(pe.base + e.handler),
	    sym_format(mods, pe.base + e.handler, h, sizeof(h)),
	    e.flags == (UNW_FLAG_EHANDLER | UNW_FLAG_UHANDLER) ?
	    "exceptions and unwinding" : e.flags & UNW_FLAG_EHANDLER ?
	    "exceptions" : "unwinding");
}

/* x64: each frame of the thread's stack, with its function's handler. */
static BOOL
print_frames(struct session *s, struct modules *mods, HANDLE thread, DWORD tid)
{
	struct walk w;
	union context c;

	if (!s->cpu->get(thread, &c, REG_GENERAL)) {
		warn("GetThreadContext(tid %lu)", tid);
		return FALSE;
	}
	printf("  #  rsp               ip                                 "
	    "function, and the handler .pdata names\n");
	unwind_begin(&w, s->process, s->cpu, mods, thread, &c);
	do
		print_handler(s, mods, &w.f);
	while (w.f.n < FRAMES_MAX && unwind_next(&w));
	if (w.broken)
		printf("  the walk stops: %s\n", w.why);
	unwind_end(&w);
	return TRUE;
}

/* Everything the dispatcher would find for one thread. */
static BOOL
print_thread(struct session *s, struct modules *mods, DWORD tid)
{
	addr_t teb, base, limit;
	HANDLE h;
	BOOL ok;

	if ((h = thread_open(tid)) == NULL)
		return FALSE;
	ok = thread_header(s, h, tid, &teb, &base, &limit) &&
	    print_chain(s, mods, teb, base, limit) &&
	    (s->cpu->ptrsize == 4 || print_frames(s, mods, h, tid));
	CloseHandle(h);
	return ok;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct session s;
	struct modules mods;
	DWORD *tids;
	char **cmd;
	int ch, i, n, ok = 1;

	setprogname(argv[0]);
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1)
		switch (ch) {
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

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!session_open(&s, &spec))
		return EXIT_RUNTIME;
	if (!session_wait_start(&s, 10000) || !modules_load(s.process, &mods)) {
		session_detach(&s);
		return EXIT_RUNTIME;
	}
	if ((n = thread_ids(s.pid, &tids)) < 0)
		ok = 0;
	else
		printf("pid %lu: %s, %d threads\n", s.pid, s.cpu->name, n);
	for (i = 0; i < n; i++)
		ok &= print_thread(&s, &mods, tids[i]);
	if (n >= 0)
		free(tids);
	modules_free(&mods);
	if (!session_detach(&s))
		ok = 0;
	return ok ? 0 : EXIT_RUNTIME;
}
