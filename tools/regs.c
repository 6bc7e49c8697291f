/*
 * regs: attach to a process, print the registers of its threads, detach.
 *
 * Lesson 03.  While a debug event is pending the whole target is stopped,
 * so every thread is read at the same instant, from its CONTEXT.  The
 * threads are the ones the debug events announced (the session's list);
 * a thread so new that its announcement is still on its way is not
 * stopped, and is named but not read.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "cpu.h"
#include "err.h"
#include "out.h"
#include "flags.h"
#include "session.h"
#include "target.h"

static const struct option longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "thread", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: regs [-a] [-t tid] pid | name\n"
	    "       regs [-a] [-t tid] -- program [args]\n"
	    "  -a  also segment and debug registers, EFLAGS and DR7 decoded\n"
	    "  -t  only this thread\n");
	exit(status);
}

/* -a: the flags and DR7, bit by bit. */
static void
print_decoded(const struct cpu *cpu, const union context *c)
{
	uint32_t efl = (uint32_t)reg_get(cpu->flags, c);
	uint32_t dr7 = (uint32_t)reg_get(cpu->dr7, c);
	char buf[128];
	int i;

	printf("efl: %s", eflags_windbg(efl, buf, sizeof(buf)));
	printf("  set: %s\n", eflags_names(efl, buf, sizeof(buf)));
	printf("dr6: %s\n", dr6_names((uint32_t)reg_get(cpu->dr6, c), buf,
	    sizeof(buf)));
	for (i = 0; i < DR_SLOTS; i++)
		printf("dr7 slot %d: %s\n", i, dr7_slot_describe(dr7, i, buf,
		    sizeof(buf)));
}

static int
print_thread(struct session *s, const struct thread *t, int all)
{
	union context c;

	if (!session_get_context(s, t->handle, &c, all ? REG_ALL : REG_GENERAL)) {
		if (WaitForSingleObject(t->handle, 0) == WAIT_OBJECT_0) {
			printf("thread %lu  (ended; its exit is on its way to the "
			    "debugger)\n", t->tid);
			return 1;
		}
		session_context_failed(t->tid, "skipped");
		return 0;
	}
	printf("thread %lu%s\n", t->tid, t->tid == s->breakin_tid ?
	    "  (the debugger's break-in thread: DebugActiveProcess created it)" :
	    "");
	cpu_print(stdout, s->cpu, &c, all ? REG_GENERAL | REG_SEGMENT |
	    REG_DEBUG : REG_GENERAL);
	if (all)
		print_decoded(s->cpu, &c);
	return 1;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct session s;
	DWORD *tids, only = 0;
	char **cmd;
	int all = 0, ch, i, n, ok = 1;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:ahVt:", longopts, NULL)) != -1)
		switch (ch) {
		case 'a':
			all = 1;
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
	/* Stop the whole target: at the break-in, every thread is frozen. */
	if (!session_wait_start(&s, 10000) ||
	    (n = session_unannounced(&s, &tids)) < 0) {
		session_detach(&s);
		return EXIT_RUNTIME;
	}
	if (only != 0 && session_thread(&s, only) == NULL) {
		warnx("-t %lu: no such thread in pid %lu", only, s.pid);
		ok = 0;
	} else {
		printf("pid %lu: %s, %u threads\n", s.pid, s.cpu->name,
		    (unsigned)s.nthreads + n);
		for (i = 0; (size_t)i < s.nthreads && !session_interrupted(); i++)
			if (only == 0 || s.threads[i].tid == only)
				ok &= print_thread(&s, &s.threads[i], all);
		for (i = 0; i < n && only == 0; i++)
			printf("thread %lu  (just starting: not yet announced to "
			    "the debugger, so not stopped; not read)\n", tids[i]);
		if (session_interrupted()) {
			warnx("interrupted");
			ok = 0;
		}
	}
	free(tids);
	if (!session_detach(&s))
		ok = 0;
	return ok ? 0 : EXIT_RUNTIME;
}
