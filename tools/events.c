/*
 * events: attach to (or launch) a process and print its debug events as
 * they happen, by name, then detach.
 *
 * Lesson 01.  This is the debug event loop itself: WaitForDebugEvent,
 * look at the event, ContinueDebugEvent, again.  While an event waits
 * for ContinueDebugEvent, the whole target is stopped.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "mem.h"
#include "session.h"
#include "sym.h"

static const struct option longopts[] = {
	{ "count", required_argument, NULL, 'n' },
	{ "seconds", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: events [-n count] [-s seconds] pid | name\n"
	    "       events [-n count] [-s seconds] -- program [args]\n"
	    "  -n  stop after this many events\n"
	    "  -s  stop after this many seconds\n");
	exit(status);
}

static struct modules mods;

/* An address in the target as module+offset; the module list is refreshed
 * when the address lies outside every module we know of. */
static const char *
where(struct session *s, addr_t a, char *buf, size_t n)
{
	if (a != 0 && module_at(&mods, a) == NULL) {
		modules_free(&mods);
		modules_load(s->process, &mods);
	}
	return sym_format(&mods, a, buf, n);
}

static void
print_exception(struct session *s)
{
	const EXCEPTION_DEBUG_INFO *e = &s->ev.u.Exception;
	DWORD code = e->ExceptionRecord.ExceptionCode;
	const char *name = exception_name(code);
	char at[96];

	printf("%s (0x%08lx), %s chance, at %s", name ? name : "exception",
	    code, e->dwFirstChance ? "first" : "second",
	    where(s, (addr_t)(uintptr_t)e->ExceptionRecord.ExceptionAddress, at,
	    sizeof(at)));
	if (s->at_start)
		printf(s->launched ?
		    " -- the loader's initial breakpoint: the process is set up" :
		    " -- the attach break-in, raised by the thread "
		    "DebugActiveProcess injected; not the target's own");
	else if (s->at_wow64_start)
		printf(" -- the WOW64 layer's initial breakpoint");
}

static void
print_event(struct session *s)
{
	const DEBUG_EVENT *ev = &s->ev;
	char at[96], text[512];

	printf("%lu %-26s tid %-5lu ", ev->dwDebugEventCode,
	    debug_event_name(ev->dwDebugEventCode), ev->dwThreadId);
	switch (ev->dwDebugEventCode) {
	case CREATE_PROCESS_DEBUG_EVENT:
		printf("pid %lu, %s at 0x%llx", ev->dwProcessId, s->image,
		    (unsigned long long)(uintptr_t)ev->u.CreateProcessInfo.lpBaseOfImage);
		break;
	case LOAD_DLL_DEBUG_EVENT:
		printf("%s at 0x%llx", s->image[0] ? s->image : "?",
		    (unsigned long long)(uintptr_t)ev->u.LoadDll.lpBaseOfDll);
		break;
	case UNLOAD_DLL_DEBUG_EVENT:
		printf("base 0x%llx",
		    (unsigned long long)(uintptr_t)ev->u.UnloadDll.lpBaseOfDll);
		break;
	case CREATE_THREAD_DEBUG_EVENT:
		printf("start %s", where(s,
		    (addr_t)(uintptr_t)ev->u.CreateThread.lpStartAddress, at,
		    sizeof(at)));
		break;
	case EXIT_THREAD_DEBUG_EVENT:
		printf("exit code %lu", ev->u.ExitThread.dwExitCode);
		break;
	case EXIT_PROCESS_DEBUG_EVENT:
		printf("exit code %lu", ev->u.ExitProcess.dwExitCode);
		break;
	case EXCEPTION_DEBUG_EVENT:
		print_exception(s);
		break;
	case OUTPUT_DEBUG_STRING_EVENT:
		if (!mem_read_string(s->process, (addr_t)(uintptr_t)
		    ev->u.DebugString.lpDebugStringData,
		    ev->u.DebugString.fUnicode, text, sizeof(text)))
			snprintf(text, sizeof(text), "?");
		text[strcspn(text, "\r\n")] = '\0';
		printf("\"%s\"", text);
		break;
	case RIP_EVENT:
		printf("error %lu, type %lu", ev->u.RipInfo.dwError,
		    ev->u.RipInfo.dwType);
		break;
	}
	putchar('\n');
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct session s;
	uint64_t count = 0, seen = 0;
	DWORD ms = INFINITE, t0;
	char **cmd;
	int ch, r = 1;

	setprogname(argv[0]);
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:hn:s:V", longopts, NULL)) != -1)
		switch (ch) {
		case 'n':
			count = optnumber("-n", optarg, 1, UINT32_MAX);
			break;
		case 's':
			ms = (DWORD)optnumber("-s", optarg, 1, 86400) * 1000;
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
	t0 = GetTickCount();
	while (count == 0 || seen < count) {
		DWORD used = GetTickCount() - t0;

		if (ms != INFINITE && used >= ms)
			break;
		if ((r = session_wait(&s, ms == INFINITE ? INFINITE : ms - used)) <= 0)
			break;
		seen++;
		print_event(&s);
		if (s.exited)
			break;
		/* Not a debugger that handles anything: pass every exception on. */
		if (!session_continue(&s, session_default_status(&s))) {
			r = -1;
			break;
		}
	}
	if (session_interrupted())
		fprintf(stderr, "%s: interrupted; detaching\n", getprogname());
	printf("%llu events; %s\n", (unsigned long long)seen, s.exited ?
	    "the process exited" : "detached, the process keeps running");
	modules_free(&mods);
	if (!session_detach(&s) || r < 0)
		return EXIT_RUNTIME;
	return 0;
}
