/*
 * faults: raise exceptions on request, and say which of the program's own
 * handlers saw each one and which one took it.
 *
 *   faults [-w] [-d MS] [-f FILE] [-H vectored|frame|filter|none] [KIND...]
 *
 * KIND is av (a write to address 0x1234), div (an integer division by
 * zero), int3, ud (ud2, an illegal instruction), raise (RaiseException
 * with the program's own code, 0xe0db0001, and three arguments) or wx86
 * (RaiseException with STATUS_WX86_BREAKPOINT, 0x4000001f, the code a
 * 64-bit debugger on Windows receives for a WOW64 program's int3: under
 * Wine, whose int3 never arrives so, the way a test sends the debugger
 * one).  They are raised in the order given, after a pause of -d MS
 * (default 0), and with -f only once FILE exists (a test creates it when
 * its debugger is ready).  Three handlers of the program's own are in
 * place:
 *
 *   vectored  added with AddVectoredExceptionHandler: asked first
 *   frame     a frame-based handler around all the raising, in_frame():
 *             on x86 a record pushed onto the chain at fs:[0]; on x64 the
 *             handler that in_frame()'s .pdata entry names
 *   filter    set with SetUnhandledExceptionFilter: asked last, when no
 *             frame took the exception, and never while a debugger is
 *             attached
 *
 * Each says when it runs.  -H names the one that takes the exceptions: it
 * resumes the program after the faulting instruction (or lets
 * RaiseException return); the others pass them on.  The default is frame.
 * With -H none no handler takes them, and the filter, if it runs, ends
 * the process (EXCEPTION_EXECUTE_HANDLER), whose exit status is then the
 * exception code.
 *
 * First line: pid=N and, as 0x-hex, the three handlers, the x86
 * registration record (frame=) or the x64 function whose .pdata names the
 * frame handler (function=), the address of each faulting instruction,
 * and the code and arguments that raise uses.  After each exception, a
 * line says which handler took it; at the end, "handled vectored=N
 * frame=N filter=N untaken=N" counts them (untaken: the program went on
 * without any of its handlers, because a debugger took the exception).
 * With -w the program then waits inside the frame, for seh to find, until
 * it is killed; without, it exits 0.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAISE_CODE	0xe0db0001u	/* error severity, customer bit set */
#define WX86_BREAKPOINT	0x4000001fu	/* STATUS_WX86_BREAKPOINT */
static const ULONG_PTR raise_args[] = { 0x11, 0x22, 0x33 };

/* Symbols in the assembly below carry the C prefix: "_" on x86 only. */
#ifdef _WIN64
#define SYM(name)	#name
#else
#define SYM(name)	"_" #name
#endif
#define LABEL(name)	".globl " SYM(name) "\n" SYM(name) ":\n"
#define EXPORT(name)	".ascii \" -export:\\\"" #name "\\\"\"\n"

/*
 * The faulting instructions, one small function each, in bytes that mean
 * the same in 32-bit and 64-bit code.  KIND_at is the instruction that
 * faults; KIND_done the ret after it, where a handler resumes the program.
 */
__asm__(
	".text\n"
	LABEL(fault_av)
	LABEL(av_at)	"movl $1, 0x1234\n"	/* the first 64 KB are never mapped */
	LABEL(av_done)	"ret\n"
	LABEL(fault_div)
	"xorl %edx, %edx\n\tmovl $1, %eax\n\txorl %ecx, %ecx\n"
	LABEL(div_at)	"divl %ecx\n"
	LABEL(div_done)	"ret\n"
	LABEL(fault_int3)
	LABEL(int3_at)	"int3\n"
	LABEL(int3_done) "ret\n"
	LABEL(fault_ud)
	LABEL(ud_at)	"ud2\n"
	LABEL(ud_done)	"ret\n"
	".section .drectve\n"
	EXPORT(av_at) EXPORT(div_at) EXPORT(int3_at) EXPORT(ud_at)
	".text\n");

void fault_av(void), fault_div(void), fault_int3(void), fault_ud(void);
extern char av_at[], av_done[], div_at[], div_done[], int3_at[], int3_done[],
    ud_at[], ud_done[];

static void
do_raise(void)
{
	RaiseException(RAISE_CODE, 0, 3, raise_args);
}

static void
do_wx86(void)
{
	RaiseException(WX86_BREAKPOINT, 0, 0, NULL);
}

static const struct kind {
	const char *name;
	void (*raise)(void);
	const char *at, *done;	/* NULL for raise: it resumes where it is */
} kinds[] = {
	{ "av", fault_av, av_at, av_done },
	{ "div", fault_div, div_at, div_done },
	{ "int3", fault_int3, int3_at, int3_done },
	{ "ud", fault_ud, ud_at, ud_done },
	{ "raise", do_raise, NULL, NULL },
	{ "wx86", do_wx86, NULL, NULL },
};

enum who { NOBODY, VECTORED, FRAME, FILTER };
static const char *const who_name[] = {
	"none of the program's handlers", "the vectored handler",
	"the frame handler", "the unhandled-exception filter",
};

static enum who taker = FRAME;		/* -H */
static const struct kind *current;	/* the fault under way */
static volatile enum who took;		/* who took it */
static unsigned long handled[4];	/* per taker; [NOBODY]: untaken */

#ifdef _WIN64
#define IP(c)		((c)->Rip)
#else
#define IP(c)		((c)->Eip)
#endif

static const char *
code_name(DWORD code)
{
	switch (code) {
	case EXCEPTION_ACCESS_VIOLATION: return "EXCEPTION_ACCESS_VIOLATION";
	case EXCEPTION_INT_DIVIDE_BY_ZERO: return "EXCEPTION_INT_DIVIDE_BY_ZERO";
	case EXCEPTION_BREAKPOINT: return "EXCEPTION_BREAKPOINT";
	case EXCEPTION_ILLEGAL_INSTRUCTION: return "EXCEPTION_ILLEGAL_INSTRUCTION";
	case RAISE_CODE: return "the program's own exception";
	case WX86_BREAKPOINT: return "STATUS_WX86_BREAKPOINT";
	default: return "an exception";
	}
}

/*
 * What every handler does: say that it runs, with what it was given;
 * if it is the taker, move the saved IP past the faulting instruction
 * and count.  Returns TRUE when it took the exception.
 */
static BOOL
take(enum who me, const EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
	printf("%s: %s (0x%08lx) at 0x%llx, ip 0x%llx", who_name[me],
	    code_name(rec->ExceptionCode), rec->ExceptionCode,
	    (unsigned long long)(uintptr_t)rec->ExceptionAddress,
	    (unsigned long long)IP(ctx));
	if (me != taker || current == NULL) {
		printf(": passing it on\n");
		return FALSE;
	}
	if (current->done != NULL) {
		IP(ctx) = (uintptr_t)current->done;
		printf(": taking it, resuming at 0x%llx\n",
		    (unsigned long long)IP(ctx));
	} else
		printf(": taking it, RaiseException returns\n");
	took = me;
	return TRUE;
}

__declspec(dllexport) LONG CALLBACK
vectored_handler(EXCEPTION_POINTERS *ep)
{
	return take(VECTORED, ep->ExceptionRecord, ep->ContextRecord) ?
	    EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH;
}

/*
 * The frame handler: on x86 the system calls it through the record on
 * the fs:[0] chain, on x64 because in_frame()'s unwind information names
 * it.  It has the same four arguments on both.  On x86 it is called a
 * second time when an unwind passes its frame, with EXCEPTION_UNWINDING
 * set; x64 calls it only for exceptions, as it is registered with
 * @except alone.
 */
__declspec(dllexport) EXCEPTION_DISPOSITION NTAPI
frame_handler(EXCEPTION_RECORD *rec, void *frame, CONTEXT *ctx,
    void *dispatch __attribute__((unused)))
{
	if (rec->ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND)) {
		printf("%s: unwinding past frame 0x%llx\n", who_name[FRAME],
		    (unsigned long long)(uintptr_t)frame);
		return ExceptionContinueSearch;
	}
	return take(FRAME, rec, ctx) ? ExceptionContinueExecution :
	    ExceptionContinueSearch;
}

__declspec(dllexport) LONG WINAPI
unhandled_filter(EXCEPTION_POINTERS *ep)
{
	if (taker == NOBODY) {
		printf("%s: %s (0x%08lx): ending the process\n", who_name[FILTER],
		    code_name(ep->ExceptionRecord->ExceptionCode),
		    ep->ExceptionRecord->ExceptionCode);
		return EXCEPTION_EXECUTE_HANDLER;
	}
	return take(FILTER, ep->ExceptionRecord, ep->ContextRecord) ?
	    EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH;
}

static void
print_first_line(void *frame)
{
	printf("pid=%lu vectored=0x%llx handler=0x%llx filter=0x%llx %s=0x%llx "
	    "av=0x%llx div=0x%llx int3=0x%llx ud=0x%llx code=0x%08x "
	    "args=0x%lx,0x%lx,0x%lx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)vectored_handler,
	    (unsigned long long)(uintptr_t)frame_handler,
	    (unsigned long long)(uintptr_t)unhandled_filter,
	    sizeof(void *) == 8 ? "function" : "frame",
	    (unsigned long long)(uintptr_t)frame,
	    (unsigned long long)(uintptr_t)av_at,
	    (unsigned long long)(uintptr_t)div_at,
	    (unsigned long long)(uintptr_t)int3_at,
	    (unsigned long long)(uintptr_t)ud_at, RAISE_CODE,
	    (unsigned long)raise_args[0], (unsigned long)raise_args[1],
	    (unsigned long)raise_args[2]);
}

static void
raise_each(int n, char **names, unsigned long delay, const char *go)
{
	size_t i;
	int k;

	Sleep(delay);
	while (go != NULL && GetFileAttributesA(go) == INVALID_FILE_ATTRIBUTES)
		Sleep(50);
	for (k = 0; k < n; k++) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strcmp(names[k], kinds[i].name) == 0)
				break;
		current = &kinds[i];
		took = NOBODY;
		printf("%s: raising\n", current->name);
		current->raise();
		handled[took]++;
		printf("%s: back in the program, taken by %s\n", current->name,
		    who_name[took]);
		current = NULL;
	}
	printf("handled vectored=%lu frame=%lu filter=%lu untaken=%lu\n",
	    handled[VECTORED], handled[FRAME], handled[FILTER], handled[NOBODY]);
}

/*
 * Everything between the first line and the end runs inside this
 * function's frame, so that the frame handler covers it.
 */
__declspec(dllexport) __attribute__((noinline)) void
in_frame(int n, char **names, unsigned long delay, const char *go, int wait)
{
#ifdef _WIN64
	/*
	 * x64 has no chain to push onto: the handler is named in this
	 * function's unwind information, which the linker puts in .pdata.
	 */
	__asm__ volatile(".seh_handler " SYM(frame_handler) ", @except");
	print_first_line((void *)in_frame);
#else
	/* x86: push a registration record onto the chain the TEB starts. */
	volatile EXCEPTION_REGISTRATION_RECORD rec;

	rec.Next = (EXCEPTION_REGISTRATION_RECORD *)__readfsdword(0);
	rec.Handler = frame_handler;
	__writefsdword(0, (DWORD)(uintptr_t)&rec);
	print_first_line((void *)&rec);
#endif
	raise_each(n, names, delay, go);
	while (wait)
		Sleep(1000);
#ifndef _WIN64
	__writefsdword(0, (DWORD)(uintptr_t)rec.Next);	/* pop it */
#endif
}

static BOOL
known(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(name, kinds[i].name) == 0)
			return TRUE;
	return FALSE;
}

int
main(int argc, char *argv[])
{
	static const char *const takers[] = { "none", "vectored", "frame",
	    "filter" };
	unsigned long delay = 0;
	const char *go = NULL;
	int c, i, wait = 0;

	while ((c = getopt(argc, argv, "d:f:H:w")) != -1)
		switch (c) {
		case 'd': delay = strtoul(optarg, NULL, 0); break;
		case 'f': go = optarg; break;
		case 'H':
			for (i = 0; i < 4 && strcmp(optarg, takers[i]) != 0; i++)
				;
			if (i == 4)
				goto usage;
			taker = (enum who)i;
			break;
		case 'w': wait = 1; break;
		default:
			goto usage;
		}
	for (i = optind; i < argc; i++)
		if (!known(argv[i]))
			goto usage;

	setvbuf(stdout, NULL, _IONBF, 0);
	AddVectoredExceptionHandler(1, vectored_handler);
	SetUnhandledExceptionFilter(unhandled_filter);
	in_frame(argc - optind, argv + optind, delay, go, wait);
	return 0;
usage:
	fprintf(stderr, "usage: faults [-w] [-d ms] [-f file] "
	    "[-H vectored|frame|filter|none] "
	    "[av|div|int3|ud|raise|wx86 ...]\n");
	return 2;
}
