/*
 * vmmap: the map of a process's address space, region by region, read
 * from outside: no attach, no stop.
 *
 * Lesson 11.  VirtualQueryEx describes the region an address lies in:
 * pages of one allocation that share a state, a protection and a type.
 * Asking again just past it walks the whole space.  What each region
 * holds (a module's section, a stack, a TEB, a heap) comes from
 * common/space.c, which reads the headers and structures that say so.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "look.h"
#include "mem.h"
#include "space.h"
#include "sym.h"

static const struct option longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vmmap [-a] pid | name\n"
	    "  -a  free regions too\n");
	exit(status);
}

static const char *
state_name(DWORD state)
{
	return state == MEM_COMMIT ? "commit" : state == MEM_RESERVE ?
	    "reserve" : "free";
}

static const char *
type_name(DWORD type)
{
	return type == MEM_IMAGE ? "image" : type == MEM_MAPPED ? "mapped" :
	    type == MEM_PRIVATE ? "private" : "-";
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	const struct cpu *cpu;
	MEMORY_BASIC_INFORMATION mbi;
	struct modules mods;
	struct space sp;
	char prot[64], what[512];
	addr_t a, committed = 0, reserved = 0;
	unsigned long regions = 0;
	DWORD pid;
	HANDLE h;
	char **cmd;
	int all = 0, ch, w;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:ahV", longopts, NULL)) != -1)
		switch (ch) {
		case 'a':
			all = 1;
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

	if ((h = look_open(&spec, &pid, &cpu)) == NULL)
		return EXIT_RUNTIME;
	if (!modules_load(h, &mods) || !space_load(h, pid, cpu, &mods, &sp))
		return EXIT_RUNTIME;
	w = (int)cpu->ptrsize * 2;
	printf("pid %lu: %s\n", pid, cpu->name);
	printf("%-*s  %-*s  %12s  %-7s  %-26s  %-7s  %s\n", w, "base", w, "end",
	    "size", "state", "protection", "type", "what");
	/* From address 0 up, one region after the other, until the end. */
	for (a = 0; a <= (addr_t)(uintptr_t)-1 && VirtualQueryEx(h,
	    (LPCVOID)(uintptr_t)a, &mbi, sizeof(mbi)) != 0; a += mbi.RegionSize) {
		a = (addr_t)(uintptr_t)mbi.BaseAddress;
		if (mbi.State == MEM_COMMIT)
			committed += mbi.RegionSize;
		else if (mbi.State == MEM_RESERVE)
			reserved += mbi.RegionSize;
		if (mbi.State == MEM_FREE && !all)
			continue;
		regions++;
		print_addr(stdout, cpu, a);
		printf("  ");
		print_addr(stdout, cpu, a + mbi.RegionSize);
		printf("  %12llx", (unsigned long long)mbi.RegionSize);
		printf("  %-7s  %-26s  %-7s  %s\n", state_name(mbi.State),
		    mem_protect_name(mbi.State == MEM_COMMIT ? mbi.Protect : 0,
		    prot, sizeof(prot)), type_name(mbi.State == MEM_FREE ? 0 :
		    mbi.Type), space_what(&sp, &mbi, what, sizeof(what)));
	}
	printf("%lu regions; %llu KB committed, %llu KB reserved\n", regions,
	    (unsigned long long)committed / 1024,
	    (unsigned long long)reserved / 1024);
	space_free(&sp);
	modules_free(&mods);
	CloseHandle(h);
	return 0;
}
