/*
 * procs: list every process: pid, parent, threads, bitness, image name.
 *
 * Lesson 01.  What a learner runs first, to find a pid.  The list is a
 * Toolhelp snapshot; nothing is attached to.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu.h"
#include "err.h"
#include "out.h"
#include "target.h"

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: procs\n");
	exit(status);
}

/* "x86" or "x64", from IsWow64Process; "?" if the process can't be opened. */
static const char *
bitness(DWORD pid)
{
	const struct cpu *cpu;
	const char *s = "?";
	HANDLE h;

	if ((h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid)) == NULL)
		return s;
	if ((cpu = cpu_of_process(h)) != NULL)
		s = cpu->ptrsize == 4 ? "x86" : "x64";
	else if (GetLastError() == ERROR_NOT_SUPPORTED)
		s = "x64";	/* seen from a 32-bit tool */
	CloseHandle(h);
	return s;
}

static BOOL
print_proc(const PROCESSENTRY32W *pe, void *arg)
{
	char name[4 * MAX_PATH];
	int *n = arg;

	printf("%6lu %6lu %7lu  %-4s ", pe->th32ProcessID,
	    pe->th32ParentProcessID, pe->cntThreads, bitness(pe->th32ProcessID));
	put_utf8(utf8_of(pe->szExeFile, name, sizeof(name)), stdout);
	putchar('\n');
	(*n)++;
	return TRUE;
}

int
main(int argc, char *argv[])
{
	int ch, n = 0;

	setprogname(argv[0]);
	out_init();
	while ((ch = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1)
		switch (ch) {
		case 'V':
			version();
		case 'h':
			usage(0);
		default:
			badopt(ch, argv, longopts);
		}
	end_operands(argc - optind, argv + optind);

	printf("%6s %6s %7s  %-4s %s\n", "pid", "ppid", "threads", "arch", "image");
	if (!proc_walk(print_proc, &n))
		return EXIT_RUNTIME;
	printf("%d processes\n", n);
	return 0;
}
