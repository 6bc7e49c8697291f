/* look.c: open a process to read it, without becoming its debugger. */
#include "err.h"
#include "look.h"
#include "target.h"

HANDLE
look_open(const struct target_spec *spec, DWORD *pid, const struct cpu **cpu)
{
	struct target_spec t = *spec;
	HANDLE h;

	if (t.kind == TARGET_COMMAND)
		errx(EXIT_USAGE, "-- %s: %s looks at a running process; start "
		    "the program first", t.argv[0], getprogname());
	if (!target_resolve(&t))
		return NULL;
	*pid = t.pid;
	h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
	    *pid);
	if (h == NULL) {
		warn("OpenProcess(pid %lu)", *pid);
		return NULL;
	}
	if ((*cpu = cpu_of_process(h)) == NULL) {
		if (GetLastError() == ERROR_NOT_SUPPORTED)
			warnx("pid %lu is a 64-bit process; use the x64 build "
			    "of %s", *pid, getprogname());
		else
			warn("IsWow64Process(pid %lu)", *pid);
		CloseHandle(h);
		return NULL;
	}
	return h;
}
