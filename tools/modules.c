/*
 * modules: the modules of a process, as WinDbg's lm lists them, read
 * from outside: no attach, no stop.
 *
 * Lesson 11.  For each module: where it is mapped, its size, its CPU, the
 * link time and entry point from its PE headers (read in the target's
 * memory), and whether its code there is still the code of its file on
 * disk.  The loader relocates an image it maps away from the base it was
 * linked for, so the file is relocated the same way before comparing;
 * what differs after that was written by someone: a debugger's INT3, a
 * hook, a patch.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "look.h"
#include "pe.h"
#include "sym.h"

/* The differing bytes shown for each module, at most. */
#define SHOW_DIFFS	8

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: modules pid | name\n");
	exit(status);
}

static const char *
machine_name(WORD machine)
{
	return machine == IMAGE_FILE_MACHINE_I386 ? "x86" :
	    machine == IMAGE_FILE_MACHINE_AMD64 ? "x64" : "?";
}

/* One module: a line of facts, then each byte of code that differs. */
static int
print_module(HANDLE h, const struct cpu *cpu, struct modules *mods,
    const struct module *m)
{
	struct pe_diff d[SHOW_DIFFS];
	struct pe pe;
	char linked[32], where[300], why[128];
	time_t t;
	long n, i;

	if (!pe_read(h, m->base, &pe)) {
		warn("%s: reading its headers at 0x%llx", m->name,
		    (unsigned long long)m->base);
		return 0;
	}
	t = (time_t)pe.timestamp;
	if (strftime(linked, sizeof(linked), "%Y-%m-%d %H:%M:%S", gmtime(&t)) == 0)
		snprintf(linked, sizeof(linked), "0x%08lx", pe.timestamp);
	n = pe_compare_code(h, &pe, m->path, d, SHOW_DIFFS);
	print_addr(stdout, cpu, m->base);
	printf("  ");
	print_addr(stdout, cpu, m->base + m->size);
	printf("  %8lx  %-3s  %s  %8lx  ", (unsigned long)m->size,
	    machine_name(pe.machine), linked, (unsigned long)pe.entry);
	if (n < 0)
		printf("%-10s", "no file");
	else if (n == 0)
		printf("%-10s", "same");
	else
		printf("%-10s", "DIFFERS");
	printf("  %-16s  %s\n", m->name, m->path);
	if (n < 0)
		printf("    (the file: %s)\n", strwinerror(GetLastError(), why,
		    sizeof(why)));
	for (i = 0; i < n && i < SHOW_DIFFS; i++)
		printf("    %s: file %02x, memory %02x%s\n", sym_format(mods,
		    m->base + d[i].rva, where, sizeof(where)), d[i].file,
		    d[i].memory, d[i].memory == 0xcc ? " (int3)" : "");
	if (n > SHOW_DIFFS)
		printf("    ... %ld bytes differ in all\n", n);
	return 1;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	const struct cpu *cpu;
	struct modules mods;
	DWORD pid;
	HANDLE h;
	size_t i;
	char **cmd;
	int ch, ok = 1, w;

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

	if ((h = look_open(&spec, &pid, &cpu)) == NULL)
		return EXIT_RUNTIME;
	if (!modules_load(h, &mods)) {
		CloseHandle(h);
		return EXIT_RUNTIME;
	}
	w = (int)cpu->ptrsize * 2;
	printf("pid %lu: %s, %u modules\n", pid, cpu->name, (unsigned)mods.n);
	printf("%-*s  %-*s  %8s  %-3s  %-19s  %8s  %-10s  %-16s  %s\n", w,
	    "base", w, "end", "size", "cpu", "linked (UTC)", "entry",
	    "code", "name", "path");
	for (i = 0; i < mods.n; i++)
		ok &= print_module(h, cpu, &mods, &mods.v[i]);
	modules_free(&mods);
	CloseHandle(h);
	return ok ? 0 : EXIT_RUNTIME;
}
