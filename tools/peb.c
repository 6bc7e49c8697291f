/*
 * peb: print four fields of a process's PEB (BeingDebugged,
 * ImageBaseAddress, the command line, NtGlobalFlag), without attaching.
 *
 * Every process has a Process Environment Block, filled in by the system
 * when it creates the process.  NtQueryInformationProcess says where it
 * is; ReadProcessMemory reads it like any other memory of the target.
 * IsDebuggerPresent() is one read of BeingDebugged in the caller's own
 * PEB, which the system sets to 1 when a debugger attaches and back to 0
 * when it detaches.  NtGlobalFlag's debug-heap bits, by contrast, are set
 * once, as the process starts (see print_global_flag).  A WOW64 process
 * has two PEBs, a 64-bit one for the system and a 32-bit one for the
 * program; the program reads the 32-bit one, so that is the one shown.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <windows.h>
#include <winternl.h>

#include "args.h"
#include "cpu.h"
#include "err.h"
#include "out.h"
#include "mem.h"
#include "target.h"

/*
 * Where the fields are, for each pointer size.  The PEB starts with four
 * one-byte fields; BeingDebugged is the third, at +2, in both.  After
 * them come pointers, each aligned to its own size, so the 64-bit offsets
 * are not simply twice the 32-bit ones.
 */
struct layout {
	unsigned ptrsize;
	unsigned image_base;	/* PEB.ImageBaseAddress */
	unsigned params;	/* PEB.ProcessParameters */
	unsigned global_flag;	/* PEB.NtGlobalFlag */
	unsigned cmdline;	/* RTL_USER_PROCESS_PARAMETERS.CommandLine */
};

#define PEB_BEING_DEBUGGED	0x02	/* a BYTE, after two other BYTEs */

/*
 * 32-bit: the four bytes, then Mutant (+0x04), ImageBaseAddress (+0x08),
 * Ldr (+0x0c), ProcessParameters (+0x10); NtGlobalFlag is at +0x68, after
 * NumberOfProcessors.  In the parameters, 16 bytes of sizes and flags,
 * the console handle and flags, three standard handles, CurrentDirectory
 * (a UNICODE_STRING and a handle), DllPath and ImagePathName come before
 * CommandLine, at +0x40.
 */
static const struct layout layout32 = { 4, 0x08, 0x10, 0x68, 0x40 };

/*
 * 64-bit: the four bytes are padded to 8, then Mutant (+0x08),
 * ImageBaseAddress (+0x10), Ldr (+0x18), ProcessParameters (+0x20);
 * NtGlobalFlag is at +0xbc, after NumberOfProcessors.  In the
 * parameters the same fields, with pointers and handles 8 bytes wide and
 * ConsoleFlags padded to 8, put CommandLine at +0x70.
 */
static const struct layout layout64 = { 8, 0x10, 0x20, 0xbc, 0x70 };

/*
 * RTL_USER_PROCESS_PARAMETERS.Flags (+0x08 in both): when NORMALIZED is
 * clear, the string pointers in the block are offsets from its start.
 */
#define PARAMS_FLAGS		0x08
#define PARAMS_NORMALIZED	0x1

/* NtGlobalFlag's debug-heap bits. */
#define FLG_HEAP_ENABLE_TAIL_CHECK	0x10
#define FLG_HEAP_ENABLE_FREE_CHECK	0x20
#define FLG_HEAP_VALIDATE_PARAMETERS	0x40

static const struct {
	DWORD bit;
	const char *name, *meaning;
} heap_flags[] = {
	{ FLG_HEAP_ENABLE_TAIL_CHECK, "FLG_HEAP_ENABLE_TAIL_CHECK",
	    "a pattern after each block, checked on free" },
	{ FLG_HEAP_ENABLE_FREE_CHECK, "FLG_HEAP_ENABLE_FREE_CHECK",
	    "a pattern in freed blocks, checked on reuse" },
	{ FLG_HEAP_VALIDATE_PARAMETERS, "FLG_HEAP_VALIDATE_PARAMETERS",
	    "heap calls check their arguments" },
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: peb pid | name\n"
	    "       peb -- program [args]   (started suspended, read, resumed)\n");
	exit(status);
}

/* Read n bytes of the field called what, at a; say so if it fails. */
static BOOL
read_field(HANDLE h, addr_t a, void *buf, size_t n, const char *what)
{
	if (mem_read(h, a, buf, n))
		return TRUE;
	warn("ReadProcessMemory(%s at 0x%llx)", what, (unsigned long long)a);
	return FALSE;
}

/* The same for a pointer of the target's size, zero-extended. */
static BOOL
read_ptr(HANDLE h, addr_t a, unsigned ptrsize, addr_t *p, const char *what)
{
	*p = 0;
	return read_field(h, a, p, ptrsize, what);	/* little-endian */
}

/* NtQueryInformationProcess, with its NTSTATUS made a Win32 error. */
static BOOL
query(HANDLE h, PROCESSINFOCLASS what, void *buf, ULONG n)
{
	NTSTATUS st;

	if ((st = NtQueryInformationProcess(h, what, buf, n, NULL)) == 0)
		return TRUE;
	SetLastError(RtlNtStatusToDosError(st));
	return FALSE;
}

/*
 * Find the PEB the program itself uses: *peb, and in *peb64 the 64-bit
 * one of a WOW64 target (0 otherwise).  *wine_guess is set when the
 * 32-bit PEB's address had to be worked out rather than asked for.
 */
static BOOL
find_peb(HANDLE h, DWORD pid, const struct cpu *cpu, addr_t *peb,
    addr_t *peb64, int *wine_guess)
{
	PROCESS_BASIC_INFORMATION pbi;
	ULONG_PTR wow = 0;
	addr_t base32, base64;

	*peb64 = 0;
	*wine_guess = 0;
	/*
	 * The PEB of our own pointer size: a 64-bit tool gets the 64-bit one
	 * even of a WOW64 target; a 32-bit tool gets the 32-bit one.
	 */
	if (!query(h, ProcessBasicInformation, &pbi, sizeof(pbi))) {
		warn("NtQueryInformationProcess(pid %lu, ProcessBasicInformation)",
		    pid);
		return FALSE;
	}
	*peb = (addr_t)(uintptr_t)pbi.PebBaseAddress;
	if (cpu->ptrsize == sizeof(void *))
		return TRUE;

	/* A WOW64 target, seen from a 64-bit tool: ask for the 32-bit PEB. */
	*peb64 = *peb;
	if (!query(h, ProcessWow64Information, &wow, sizeof(wow))) {
		warn("NtQueryInformationProcess(pid %lu, ProcessWow64Information)",
		    pid);
		return FALSE;
	}
	*peb = wow;
	if (wow >= 0x10000)
		return TRUE;
	if (!running_on_wine()) {
		warnx("pid %lu: ProcessWow64Information gave 0x%llx, not the "
		    "address of a 32-bit PEB", pid, (unsigned long long)wow);
		return FALSE;
	}
	/*
	 * Wine 8 answers 1 ("yes, WOW64") instead of the address.  It keeps
	 * the 32-bit PEB on the page after the 64-bit one; take it from
	 * there, but only if both name the same image base.
	 */
	*peb = *peb64 + 0x1000;
	*wine_guess = 1;
	if (!read_ptr(h, *peb64 + layout64.image_base, 8, &base64,
	    "PEB64.ImageBaseAddress") ||
	    !read_ptr(h, *peb + layout32.image_base, 4, &base32,
	    "PEB32.ImageBaseAddress"))
		return FALSE;
	if (base32 != base64) {
		warnx("pid %lu: no 32-bit PEB at 0x%llx, the page after the 64-bit "
		    "one (Wine's ProcessWow64Information gave no address)", pid,
		    (unsigned long long)*peb);
		return FALSE;
	}
	return TRUE;
}

/* The command line: a UNICODE_STRING in the process parameters. */
static BOOL
print_cmdline(HANDLE h, const struct layout *l, addr_t params)
{
	static WCHAR w[32768];
	static char utf8[3 * 32768];
	addr_t buf;
	USHORT len;		/* UNICODE_STRING.Length: bytes, no NUL */
	DWORD flags;
	int n;

	if (params == 0) {
		printf("CommandLine       (none yet: ProcessParameters is NULL)\n");
		return TRUE;
	}
	/* Length and MaximumLength, two USHORTs; Buffer, pointer-aligned. */
	if (!read_field(h, params + PARAMS_FLAGS, &flags, 4,
	    "ProcessParameters.Flags") ||
	    !read_field(h, params + l->cmdline, &len, 2,
	    "CommandLine.Length") ||
	    !read_ptr(h, params + l->cmdline + l->ptrsize, l->ptrsize, &buf,
	    "CommandLine.Buffer"))
		return FALSE;
	if (!(flags & PARAMS_NORMALIZED))
		buf += params;
	if (!read_field(h, buf, w, len, "the command line"))
		return FALSE;
	n = WideCharToMultiByte(CP_UTF8, 0, w, len / 2, utf8, sizeof(utf8) - 1,
	    NULL, NULL);
	utf8[n] = '\0';
	printf("CommandLine       %s\n", utf8);
	return TRUE;
}

/*
 * NtGlobalFlag, with its debug-heap bits spelled out.  Windows' loader
 * turns them on as it starts a process whose BeingDebugged is already 1,
 * that is one a debugger started (unless _NO_DEBUG_HEAP=1 is in its
 * environment); a debugger that attaches later finds them as they were.
 * GlobalFlag in the registry (Session Manager, or Image File Execution
 * Options for one program) sets them too.  Wine 8's loader takes them
 * from the registry only, never from a debugger.
 */
static void
print_global_flag(DWORD flag)
{
	size_t i;

	printf("NtGlobalFlag      0x%lx\n", flag);
	for (i = 0; i < sizeof(heap_flags) / sizeof(heap_flags[0]); i++)
		printf("  0x%02lx %-28s  %-3s  %s\n", heap_flags[i].bit,
		    heap_flags[i].name, flag & heap_flags[i].bit ? "on" : "off",
		    heap_flags[i].meaning);
	printf("  On Windows they are on in a process started by a debugger "
	    "(attaching\n  later changes nothing) or when GlobalFlag in the "
	    "registry asks for them.\n");
	if (running_on_wine())
		printf("  Wine turns them on only for GlobalFlag.\n");
}

static BOOL
print_peb(HANDLE h, DWORD pid, const struct cpu *cpu)
{
	const struct layout *l = cpu->ptrsize == 4 ? &layout32 : &layout64;
	addr_t peb, peb64, image, params;
	BYTE debugged;
	DWORD flag;
	int guess;

	if (!find_peb(h, pid, cpu, &peb, &peb64, &guess))
		return FALSE;
	printf("pid %lu: %s, %u-bit PEB at 0x%llx", pid, cpu->name,
	    l->ptrsize * 8, (unsigned long long)peb);
	if (peb64 != 0)
		printf("; its 64-bit PEB is at 0x%llx", (unsigned long long)peb64);
	printf("\n");
	if (guess)
		printf("  (Wine gives no 32-bit PEB address: this is the page "
		    "after the 64-bit PEB)\n");
	if (!read_field(h, peb + PEB_BEING_DEBUGGED, &debugged, 1,
	    "PEB.BeingDebugged") ||
	    !read_ptr(h, peb + l->image_base, l->ptrsize, &image,
	    "PEB.ImageBaseAddress") ||
	    !read_ptr(h, peb + l->params, l->ptrsize, &params,
	    "PEB.ProcessParameters") ||
	    !read_field(h, peb + l->global_flag, &flag, 4, "PEB.NtGlobalFlag"))
		return FALSE;
	printf("BeingDebugged     %u\n", debugged);
	printf("ImageBaseAddress  0x%llx\n", (unsigned long long)image);
	if (!print_cmdline(h, l, params))
		return FALSE;
	print_global_flag(flag);
	return TRUE;
}

/*
 * Open pid to query it and read its memory, nothing more.  A protected
 * process may refuse the reading; then open it for the query alone, so
 * that the tool can still say where the PEB is before the read fails.
 */
static HANDLE
open_target(DWORD pid)
{
	HANDLE h;

	h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ,
	    FALSE, pid);
	if (h == NULL && GetLastError() == ERROR_ACCESS_DENIED)
		h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
	if (h == NULL)
		warn("OpenProcess(pid %lu)", pid);
	return h;
}

/*
 * -- program [args]: start it, not debugged, with its first thread
 * suspended, so that the PEB is read before any of its code runs.
 */
static BOOL
start_suspended(char **argv, PROCESS_INFORMATION *pi)
{
	STARTUPINFOA si = { .cb = sizeof(si) };
	char cmd[32768];

	if (join_command(argv, cmd, sizeof(cmd)) >= sizeof(cmd)) {
		warnx("%s: command line too long", argv[0]);
		return FALSE;
	}
	if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED,
	    NULL, NULL, &si, pi)) {
		warn("CreateProcess(%s)", argv[0]);
		return FALSE;
	}
	printf("started pid %lu with its first thread suspended\n",
	    pi->dwProcessId);
	return TRUE;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	PROCESS_INFORMATION pi = { 0 };
	const struct cpu *cpu;
	HANDLE h;
	DWORD pid;
	char **cmd;
	int ch, ok;

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

	if (spec.kind == TARGET_COMMAND) {
		if (!start_suspended(spec.argv, &pi))
			return EXIT_RUNTIME;
		h = pi.hProcess;
		pid = pi.dwProcessId;
	} else {
		if (!target_resolve(&spec) || (h = open_target(spec.pid)) == NULL)
			return EXIT_RUNTIME;
		pid = spec.pid;
	}
	if ((cpu = cpu_of_process(h)) == NULL) {
		if (GetLastError() == ERROR_NOT_SUPPORTED)
			warnx("pid %lu is a 64-bit process; use the x64 build of "
			    "peb", pid);
		else
			warn("IsWow64Process(pid %lu)", pid);
		if (pi.hThread != NULL)		/* ours, and it never ran */
			TerminateProcess(h, EXIT_RUNTIME);
		return EXIT_RUNTIME;
	}
	ok = print_peb(h, pid, cpu);
	if (pi.hThread != NULL) {
		out_idle();		/* before the program's own output */
		if (ResumeThread(pi.hThread) == (DWORD)-1) {
			warn("ResumeThread(pid %lu)", pid);
			ok = 0;
		} else
			printf("resumed pid %lu; it keeps running\n", pid);
		CloseHandle(pi.hThread);
	}
	CloseHandle(h);
	return ok ? 0 : EXIT_RUNTIME;
}
