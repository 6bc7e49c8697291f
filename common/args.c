/* args.c: numbers and target operands, checked strictly; command lines. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"

static int
digit_value(int c, int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

const char *
parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10, d;

	if (s == NULL || *s == '\0')
		return "empty";
	if (s[0] == '-')
		return "negative";
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (*s == '\0')
			return "not a number";
	}
	for (; *s != '\0'; s++) {
		if ((d = digit_value((unsigned char)*s, base)) < 0)
			return "not a number";
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return "out of range";
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (v < min || v > max)
		return v < min ? "too small" : "too large";
	*out = v;
	return NULL;
}

uint64_t
optnumber(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	const char *why;
	uint64_t v;

	if ((why = parse_number(s, min, max, &v)) != NULL)
		errx(EXIT_USAGE, "%s: \"%s\": %s", opt, s, why);
	return v;
}

char **
cut_command(int *argc, char **argv)
{
	int i;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = NULL;
			*argc = i;
			return argv[i + 1] != NULL ? &argv[i + 1] : NULL;
		}
	}
	return NULL;
}

const char *
parse_target(const char *arg, struct target_spec *t)
{
	const char *p = arg;
	uint64_t pid;
	const char *why;

	if (arg == NULL || *arg == '\0')
		return "empty target";
	/* Only digits, or 0x and hex digits: a pid.  Otherwise a name. */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2] != '\0')
		for (p += 2; digit_value((unsigned char)*p, 16) >= 0; p++)
			;
	else
		for (; *p >= '0' && *p <= '9'; p++)
			;
	if (*p != '\0') {
		t->kind = TARGET_NAME;
		t->name = arg;
		return NULL;
	}
	if ((why = parse_number(arg, 0, UINT32_MAX, &pid)) != NULL)
		return "pid out of range";
	t->kind = TARGET_PID;
	t->pid = (uint32_t)pid;
	return NULL;
}

void
take_target(char **cmd, int *argc, char ***argv, struct target_spec *t)
{
	const char *why, *a;
	int i;

	/* "-a", not "-1": a negative number is left to the operand's check. */
	for (i = 0; i < *argc; i++) {
		a = (*argv)[i];
		if (a[0] == '-' && a[1] != '\0' && (a[1] < '0' || a[1] > '9'))
			errx(EXIT_USAGE, "%s: options come first (see %s -h)",
			    a, getprogname());
	}
	if (cmd != NULL) {
		t->kind = TARGET_COMMAND;
		t->argv = cmd;
		return;
	}
	if (*argc < 1)
		errx(EXIT_USAGE, "missing target: a pid, an image name or "
		    "-- program [args] (see %s -h)", getprogname());
	if ((why = parse_target((*argv)[0], t)) != NULL)
		errx(EXIT_USAGE, "target \"%s\": %s", (*argv)[0], why);
	(*argc)--;
	(*argv)++;
}

void
end_operands(int argc, char *const argv[])
{
	if (argc > 0)
		errx(EXIT_USAGE, "%s: extra operand (see %s -h)", argv[0],
		    getprogname());
}

void
badopt(int ch, char *const argv[], const struct option *longopts)
{
	const char *arg = argv[optind - 1];
	const struct option *o;
	size_t n;

	/*
	 * "--regs=1" for an option that takes no argument: glibc calls it
	 * an unknown option -r, mingw-w64 a missing argument.  Both set
	 * optopt to the option's value.  (After an unknown -x in "-xv", arg
	 * is the argument before, maybe a "--name=value" that was accepted:
	 * hence the has_arg test.)
	 */
	if (optopt != 0 && strncmp(arg, "--", 2) == 0 &&
	    strchr(arg, '=') != NULL) {
		n = strcspn(arg + 2, "=");
		for (o = longopts; o->name != NULL; o++)
			if (o->val == optopt && o->has_arg == no_argument &&
			    strncmp(o->name, arg + 2, n) == 0)
				errx(EXIT_USAGE, "option --%s takes no argument "
				    "(see %s -h)", o->name, getprogname());
	}
	if (ch == ':')
		errx(EXIT_USAGE, "option %s needs an argument (see %s -h)", arg,
		    getprogname());
	if (optopt != 0)
		errx(EXIT_USAGE, "unknown option -%c (see %s -h)", optopt,
		    getprogname());
	errx(EXIT_USAGE, "unknown option %s (see %s -h)", arg, getprogname());
}

/* Append arg to cmd, quoted as CommandLineToArgvW will read it back. */
static size_t
quote_arg(char *cmd, size_t len, size_t cap, const char *arg)
{
	const char *p;
	size_t bs;

#define PUT(c)	do { if (len + 1 < cap) cmd[len] = (c); len++; } while (0)
	if (len > 0)
		PUT(' ');
	if (*arg != '\0' && strpbrk(arg, " \t\"") == NULL) {
		for (p = arg; *p; p++)
			PUT(*p);
		return len;
	}
	PUT('"');
	for (p = arg;; p++) {
		for (bs = 0; *p == '\\'; p++)
			bs++;
		if (*p == '\0') {	/* double the backslashes before the quote */
			while (bs--) { PUT('\\'); PUT('\\'); }
			break;
		}
		if (*p == '"') {
			while (bs--) { PUT('\\'); PUT('\\'); }
			PUT('\\');
		} else
			while (bs--)
				PUT('\\');
		PUT(*p);
	}
	PUT('"');
#undef PUT
	return len;
}

size_t
join_command(char *const argv[], char *buf, size_t n)
{
	size_t len = 0;
	int i;

	for (i = 0; argv[i] != NULL; i++)
		len = quote_arg(buf, len, n, argv[i]);
	if (n > 0)
		buf[len < n ? len : n - 1] = '\0';
	return len;
}
