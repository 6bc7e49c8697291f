/*
 * threads: list a process's threads: id, where each started, where it is
 * now, its priority and its description.
 *
 * Lesson 02.  The list comes from a Toolhelp snapshot; each thread is
 * then opened by id (OpenThread) to read its start address and context.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "session.h"
#include "sym.h"
#include "target.h"

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: threads pid | name\n"
	    "       threads -- program [args]\n");
	exit(status);
}

static int
print_thread(struct session *s, struct modules *mods, DWORD tid)
{
	char start[96], ip[96], desc[256], pri[32];
	union context c;
	HANDLE h;
	int prio;

	if ((h = thread_open(tid)) == NULL)
		return 0;
	sym_format(mods, thread_start(h), start, sizeof(start));
	if (s->cpu->get(h, &c, REG_GENERAL))
		sym_format(mods, reg_get(s->cpu->ip, &c), ip, sizeof(ip));
	else
		snprintf(ip, sizeof(ip), "?");
	prio = GetThreadPriority(h);
	thread_description(h, desc, sizeof(desc));
	CloseHandle(h);
	snprintf(pri, sizeof(pri), "%d %s", prio, priority_name(prio));
	printf("%6lu  %-28s %-30s %-9s %s%s%s\n", tid, start, ip, pri, desc,
	    desc[0] && tid == s->breakin_tid ? " " : "",
	    tid == s->breakin_tid ? "(break-in: created by DebugActiveProcess)" :
	    "");
	return 1;
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
	out_init();
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

	if (!session_open(&s, &spec))
		return EXIT_RUNTIME;
	if (!session_wait_start(&s, 10000) || (n = thread_ids(s.pid, &tids)) < 0) {
		session_detach(&s);
		return EXIT_RUNTIME;
	}
	if (!modules_load(s.process, &mods))
		ok = 0;
	printf("pid %lu: %s\n", s.pid, s.cpu->name);
	printf("%6s  %-28s %-30s %-9s %s\n", "tid", "start", "ip", "priority",
	    "description");
	for (i = 0; i < n; i++)
		ok &= print_thread(&s, &mods, tids[i]);
	printf("%d threads\n", n);
	free(tids);
	modules_free(&mods);
	if (!session_detach(&s))
		ok = 0;
	return ok ? 0 : EXIT_RUNTIME;
}
