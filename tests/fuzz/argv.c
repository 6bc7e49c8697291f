/*
 * argv.c: fuzz a whole command line as a breakpoint tool takes it:
 * cut_command(), getopt_long() with badopt(), optnumber() for the
 * numeric options, take_target(), and the LOCATION operands.  The input
 * is split at each NUL into argv[1], argv[2], ...
 *
 * getopt_long() here is the C library's (glibc), not mingw-w64's: the
 * two agree on valid command lines but may report errors differently.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "expr.h"
#include "fuzz.h"

#define MAXARGS	32

/* The options of softbp, hwbp and stepper together. */
static const char optstring[] = "+:1hin:o:rs:t:vV";
static const struct option longopts[] = {
	{ "once", no_argument, NULL, '1' },
	{ "count", required_argument, NULL, 'n' },
	{ "regs", no_argument, NULL, 'r' },
	{ "seconds", required_argument, NULL, 's' },
	{ "thread", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{ "out", no_argument, NULL, 'O' },
	{ "over", no_argument, NULL, 'P' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* True when c is a short option some "-abc" argument in av spells. */
static int
written(int c, char *const av[])
{
	for (; *av != NULL; av++)
		if ((*av)[0] == '-' && (*av)[1] != '-' &&
		    strchr(*av + 1, c) != NULL)
			return 1;
	return 0;
}

/* True when the option argument a names could need an argument. */
static int
takes_arg(const char *a)
{
	const struct option *o;
	size_t n;

	if (strncmp(a, "--", 2) == 0) {
		n = strlen(a + 2);
		for (o = longopts; o->name != NULL; o++)
			if (o->has_arg && strncmp(o->name, a + 2, n) == 0)
				return 1;
		return 0;
	}
	n = strlen(a);
	return a[0] == '-' && n > 1 && strchr("nost", a[n - 1]) != NULL;
}

/* True when av has a "--PREFIX=..." for the long option name. */
static int
given_arg(const char *name, char *const av[])
{
	size_t n;

	for (; *av != NULL; av++)
		if (strncmp(*av, "--", 2) == 0 && strchr(*av, '=') != NULL &&
		    (n = strcspn(*av + 2, "=")) > 0 &&
		    strncmp(name, *av + 2, n) == 0)
			return 1;
	return 0;
}

/* What badopt() said must be true of the command line av. */
static void
check_badopt(const char *msg, char *const av[])
{
	const char *see = " (see fuzz -h)", *need = " needs an argument", *p;
	const struct option *o;
	char what[sizeof(fuzz_msg)];
	size_t n = strlen(msg), m = strlen(see);

	if (n == sizeof(fuzz_msg) - 1)
		return;		/* cut short: nothing to check */
	CHECK(n > m && strcmp(msg + n - m, see) == 0);
	memcpy(what, msg, n - m);
	what[n - m] = '\0';
	if (strncmp(what, "unknown option ", 15) == 0) {
		p = what + 15;
		if (p[0] == '-' && p[1] != '-' && p[1] != '\0' && p[2] == '\0')
			CHECK((p[1] == ':' || strchr(optstring + 2, p[1]) ==
			    NULL) && written((unsigned char)p[1], av));
		else
			CHECK(strncmp(p, "--", 2) == 0);
	} else if (strncmp(what, "option --", 9) == 0 &&
	    (p = strstr(what, " takes no argument")) != NULL &&
	    p[18] == '\0') {
		what[p - what] = '\0';
		for (o = longopts; o->name != NULL; o++)
			if (strcmp(o->name, what + 9) == 0)
				break;
		CHECK(o->name != NULL && o->has_arg == no_argument);
		CHECK(given_arg(o->name, av));
	} else {
		n = strlen(what);
		m = strlen(need);
		CHECK(n > m && strcmp(what + n - m, need) == 0);
		what[n - m] = '\0';
		CHECK(takes_arg(what + 7));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *args[MAXARGS + 2], *mine[MAXARGS + 2], **argv = args, **cmd;
	struct target_spec spec;
	struct addr_expr e;
	size_t i, j;
	int argc = 1, ch, before;

	/* argv[0], then the input cut at each NUL, each in its own buffer. */
	args[0] = fuzz_string((const uint8_t *)"fuzz", 4);
	for (i = 0; argc <= MAXARGS; i = j + 1) {
		for (j = i; j < n && data[j] != '\0'; j++)
			;
		args[argc++] = fuzz_string(data + i, j - i);
		if (j >= n)
			break;
	}
	args[argc] = NULL;
	before = argc;
	/* cut_command() writes over "--": keep the pointers to free. */
	memcpy(mine, args, (size_t)(argc + 1) * sizeof(args[0]));

	cmd = cut_command(&argc, argv);
	CHECK(argc >= 1 && argc <= before && argv[argc] == NULL);
	if (argc < before)
		CHECK(cmd == NULL || (cmd == &argv[argc + 1] && cmd[0] != NULL));
	else
		CHECK(cmd == NULL);

	optind = 0;	/* glibc: start afresh, as in a new process */
	fuzz_armed = 1;
	if (setjmp(fuzz_exit) == 0) {
		while ((ch = getopt_long(argc, argv, optstring, longopts,
		    NULL)) != -1)
			switch (ch) {
			case 'n':
			case 's':
			case 't':
				optnumber("-n", optarg, 1, UINT32_MAX);
				break;
			case 'h':
			case 'V':
				goto out;	/* a tool prints and exits 0 */
			case '1': case 'i': case 'o': case 'r': case 'v':
			case 'O': case 'P':
				break;
			default:
				badopt(ch, argv, longopts);
			}
		argc -= optind;
		argv += optind;
		take_target(cmd, &argc, &argv, &spec);
		CHECK(argc >= 0 && argv[argc] == NULL);
		if (cmd != NULL)
			CHECK(spec.kind == TARGET_COMMAND && spec.argv == cmd);
		else
			CHECK(spec.kind == TARGET_PID || (spec.kind ==
			    TARGET_NAME && spec.name == argv[-1]));
		for (i = 0; i < (size_t)argc; i++)
			parse_addr_expr(argv[i], &e);
	} else {
		CHECK(fuzz_status == EXIT_USAGE);
		if (strncmp(fuzz_msg, "unknown option ", 15) == 0 ||
		    strncmp(fuzz_msg, "option ", 7) == 0)
			check_badopt(fuzz_msg, mine);
	}
out:
	fuzz_armed = 0;
	for (i = 0; i < (size_t)before; i++)
		free(mine[i]);
	return 0;
}
