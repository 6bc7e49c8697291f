/*
 * events: attach to (or launch) a process and print its debug events as
 * they happen, by name, then detach.
 *
 * Lesson 01.  This is the debug event loop itself: WaitForDebugEvent,
 * look at the event, ContinueDebugEvent, again.  While an event waits
 * for ContinueDebugEvent, the whole target is stopped.
 *
 * Lesson 12.  An exception of the target's own comes with its record
 * (code, address, parameters) and its chance, and the debugger's answer
 * decides what happens next: DBG_CONTINUE ("gh", handled: the thread
 * goes on from its saved context, and no handler of the target sees the
 * exception) or DBG_EXCEPTION_NOT_HANDLED ("gn": at the first chance the
 * target's own handlers get it, at the second the process ends).  -1 and
 * -2 choose the answer for each chance; see answer().
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "mem.h"
#include "session.h"
#include "sym.h"

static const struct option longopts[] = {
	{ "first", required_argument, NULL, '1' },
	{ "second", required_argument, NULL, '2' },
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
	    "usage: events [-n count] [-s seconds] [-1 gh|gn] [-2 gh|gn] pid | name\n"
	    "       events [-n count] [-s seconds] [-1 gh|gn] [-2 gh|gn] -- program [args]\n"
	    "  -n  stop after this many events\n"
	    "  -s  stop after this many seconds\n"
	    "  -1, --first   the answer to the target's first-chance exceptions:\n"
	    "                gh (DBG_CONTINUE) or gn (DBG_EXCEPTION_NOT_HANDLED, the default)\n"
	    "  -2, --second  the same at the second chance (default gn)\n");
	exit(status);
}

/* The answers to the target's own exceptions, at each chance (-1, -2). */
static DWORD first_answer = DBG_EXCEPTION_NOT_HANDLED;
static DWORD second_answer = DBG_EXCEPTION_NOT_HANDLED;

/* An ANSWER operand: WinDbg's names for the two continue statuses. */
static DWORD
optanswer(const char *opt, const char *arg)
{
	if (strcmp(arg, "gh") == 0)
		return DBG_CONTINUE;
	if (strcmp(arg, "gn") == 0)
		return DBG_EXCEPTION_NOT_HANDLED;
	errx(EXIT_USAGE, "%s: \"%s\": not gh (DBG_CONTINUE) or gn "
	    "(DBG_EXCEPTION_NOT_HANDLED)", opt, arg);
}

static const char *
answer_name(DWORD status)
{
	return status == DBG_CONTINUE ? "gh (DBG_CONTINUE)" :
	    "gn (DBG_EXCEPTION_NOT_HANDLED)";
}

/*
 * What to give ContinueDebugEvent for the pending event.  The debugger's
 * own exceptions (the first breakpoint) are DBG_CONTINUE, or the target
 * would get a breakpoint it never set; every other event ignores the
 * status.  The target's own exceptions get the answer -1 or -2 chose.
 */
static DWORD
answer(const struct session *s)
{
	if (s->ev.dwDebugEventCode != EXCEPTION_DEBUG_EVENT ||
	    session_own_exception(s))
		return session_default_status(s);
	return s->ev.u.Exception.dwFirstChance ? first_answer : second_answer;
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

/* Bit 29 of an exception code: set in codes that programs define. */
#define CUSTOMER_BIT	0x20000000u

/*
 * The parameters of an exception record, and for the codes that define
 * them, what they mean: an access violation's kind and address, into buf.
 */
static char *
describe_parameters(const EXCEPTION_RECORD *er, char *buf, size_t n)
{
	size_t len = 0;
	DWORD i;

	if (er->NumberParameters == 0)
		return snprintf(buf, n, "no parameters"), buf;
	len = snprintf(buf, n, "parameters");
	for (i = 0; i < er->NumberParameters && i < EXCEPTION_MAXIMUM_PARAMETERS &&
	    len < n; i++)
		len += snprintf(buf + len, n - len, " 0x%llx",
		    (unsigned long long)er->ExceptionInformation[i]);
	/* [0] is what the access was, [1] the address it touched. */
	if ((er->ExceptionCode == EXCEPTION_ACCESS_VIOLATION ||
	    er->ExceptionCode == EXCEPTION_IN_PAGE_ERROR ||
	    er->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION) &&
	    er->NumberParameters >= 2 && len < n)
		snprintf(buf + len, n - len, ": %s 0x%llx",
		    er->ExceptionInformation[0] == EXCEPTION_WRITE_FAULT ?
		    "a write to" : er->ExceptionInformation[0] ==
		    EXCEPTION_EXECUTE_FAULT ? "code run at" : "a read of",
		    (unsigned long long)er->ExceptionInformation[1]);
	return buf;
}

static void
print_exception(struct session *s)
{
	const EXCEPTION_DEBUG_INFO *e = &s->ev.u.Exception;
	const EXCEPTION_RECORD *er = &e->ExceptionRecord;
	const char *name = exception_name(er->ExceptionCode);
	char at[96], params[256];

	printf("%s (0x%08lx), %s chance, at %s", name != NULL ? name :
	    er->ExceptionCode & CUSTOMER_BIT ? "a program's own exception" :
	    "exception", er->ExceptionCode,
	    e->dwFirstChance ? "first" : "second",
	    where(s, (addr_t)(uintptr_t)er->ExceptionAddress, at, sizeof(at)));
	if (s->at_start)
		printf(s->launched ?
		    " -- the loader's initial breakpoint: the process is set up" :
		    " -- the attach break-in, raised by the thread "
		    "DebugActiveProcess injected; not the target's own");
	else if (s->at_wow64_start)
		printf(" -- the WOW64 layer's initial breakpoint");
	if (session_own_exception(s))
		return;
	/* The target's own: the whole record, and the answer it gets. */
	printf("\n    address 0x%llx; %s%s; answered %s",
	    (unsigned long long)(uintptr_t)er->ExceptionAddress,
	    describe_parameters(er, params, sizeof(params)),
	    er->ExceptionFlags & EXCEPTION_NONCONTINUABLE ?
	    "; noncontinuable" : "", answer_name(answer(s)));
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
		/* A process that an exception ended exits with its code. */
		if (exception_name(ev->u.ExitProcess.dwExitCode) != NULL)
			printf(" (0x%08lx, %s)", ev->u.ExitProcess.dwExitCode,
			    exception_name(ev->u.ExitProcess.dwExitCode));
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
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:1:2:hn:s:V", longopts, NULL)) != -1)
		switch (ch) {
		case '1':
			first_answer = optanswer("-1", optarg);
			break;
		case '2':
			second_answer = optanswer("-2", optarg);
			break;
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

	/*
	 * Fully buffered, and flushed before every continue: the target is
	 * stopped while an event is printed, so what it prints after the
	 * event comes after it, also when both write to the same file.
	 */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
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
		fflush(stdout);
		if (!session_continue(&s, answer(&s))) {
			r = -1;
			break;
		}
	}
	if (session_interrupted())
		fprintf(stderr, "%s: interrupted; detaching\n", getprogname());
	printf("%llu events; %s\n", (unsigned long long)seen, s.exited ?
	    "the process exited" : "detached, the process keeps running");
	/*
	 * Said before the target runs on: an event left pending by -n gets
	 * the answer it was printed with.
	 */
	fflush(stdout);
	if (s.pending && !s.exited && !session_continue(&s, answer(&s)))
		r = -1;
	modules_free(&mods);
	if (!session_detach(&s) || r < 0)
		return EXIT_RUNTIME;
	return 0;
}
