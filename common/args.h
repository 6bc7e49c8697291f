/* args.h: command-line operands every tool shares; portable C, no Win32. */
#ifndef DBGKIT_ARGS_H
#define DBGKIT_ARGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse s as an unsigned number: decimal, or hex after "0x".  No sign, no
 * spaces, no octal (a pid "010" is ten).  On success store it in *out and
 * return NULL; otherwise return a short reason ("not a number", "out of
 * range") and leave *out alone.  The value must lie in [min, max].
 */
const char *parse_number(const char *s, uint64_t min, uint64_t max,
    uint64_t *out);

/*
 * The same for an option's argument, for tools: on failure print
 * "tool: OPT: "S": REASON" and exit 2 (bad usage).
 */
uint64_t optnumber(const char *opt, const char *s, uint64_t min,
    uint64_t max);

/* How the user named the process to debug. */
enum target_kind {
	TARGET_PID,		/* "1234" or "0x4d2" */
	TARGET_NAME,		/* "printf_loop.exe", matched case-insensitively */
	TARGET_COMMAND		/* "-- PROGRAM ARGS": launch it under the debugger */
};

struct target_spec {
	enum target_kind kind;
	uint32_t pid;		/* TARGET_PID */
	const char *name;	/* TARGET_NAME */
	char **argv;		/* TARGET_COMMAND: NULL-terminated */
};

/*
 * Cut "-- PROGRAM ARGS" off the end of argv before getopt sees it, so the
 * tool's own options and operands come first.  Returns the PROGRAM ARGS
 * (argv's own storage, NULL-terminated), or NULL when there is no "--" or
 * nothing after it.  *argc shrinks to the part before "--".
 */
char **cut_command(int *argc, char **argv);

/*
 * Join argv (NULL-terminated) into one Windows command line in buf, which
 * holds n bytes, quoting each argument so that CommandLineToArgvW reads
 * it back unchanged.  Returns the length of the whole line without its
 * NUL; when that is n or more, buf holds only its start (NUL-terminated).
 */
size_t join_command(char *const argv[], char *buf, size_t n);

/*
 * Fill *t from a TARGET operand: all digits or 0x-hex is a pid, anything
 * else an image name.  Returns NULL on success or a reason on failure
 * (empty, pid out of range).  A name that starts with a digit, "7z.exe",
 * stays a name.
 */
const char *parse_target(const char *arg, struct target_spec *t);

/*
 * Take the target from the operands left after getopt: the command cut
 * off by cut_command() if there was one, otherwise the first operand,
 * which is consumed (*argc and *argv move past it).  On a missing or
 * malformed target, or an option among the operands ("regs 1234 -a":
 * getopt stops at the first operand), print one line and exit 2.
 */
void take_target(char **cmd, int *argc, char ***argv, struct target_spec *t);

/*
 * For tools whose only operand is the target: if any operand is left,
 * print "tool: ARG: extra operand" and exit 2.
 */
void end_operands(int argc, char *const argv[]);

struct option;			/* <getopt.h> */

/*
 * Report what getopt_long() rejected, in one line, and exit 2:
 * "unknown option -x", "option -t needs an argument" or "option --regs
 * takes no argument".  Call it from the default case with getopt's return
 * value and the tool's longopts; the optstring must begin with "+:" so
 * that getopt stays quiet and tells the cases apart.
 */
void badopt(int ch, char *const argv[], const struct option *longopts)
    __attribute__((noreturn));

#endif
