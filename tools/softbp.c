/*
 * softbp: software breakpoints.
 *
 * Lesson 04.  Save one byte of code, write INT3 (0xCC) over it, and wait
 * for EXCEPTION_BREAKPOINT.  The CPU reports the trap after executing the
 * INT3, so the instruction pointer is one past the breakpoint: rewind it,
 * put the saved byte back, and (for a persistent breakpoint) single-step
 * that one instruction with the trap flag before writing 0xCC again.
 *
 * Lesson 14.  Or leave the INT3 where it is (-m emulate, -m displaced):
 * carry the instruction out in the debugger, or run a copy of it
 * elsewhere; common/stay.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "mem.h"
#include "stay.h"
#include "tool.h"

static const struct option longopts[] = {
	{ "once", no_argument, NULL, '1' },
	{ "count", required_argument, NULL, 'n' },
	{ "mode", required_argument, NULL, 'm' },
	{ "regs", no_argument, NULL, 'r' },
	{ "seconds", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: softbp [-1r] [-m mode] [-n hits] [-s seconds] pid|name location...\n"
	    "       softbp [-1r] [-m mode] [-n hits] [-s seconds] location... -- program [args]\n"
	    "  -1  one-shot: remove each breakpoint after its first hit\n"
	    "  -m  how a thread gets past a persistent breakpoint: emulate (the\n"
	    "      default) or displaced (the INT3 stays), hold (the byte goes\n"
	    "      out, the other threads held: lesson 04), reinsert (the byte goes\n"
	    "      out, the others run on)\n"
	    "  -r  print the registers at each hit\n"
	    "  -n  stop after this many hits      -s  stop after this many seconds\n"
	    "  location: 0x401530, module!export[+0x10], module!#ordinal, module+0x1530\n");
	exit(status);
}

static int show_regs;
static unsigned long passes[PASS_DISPLACED + 1];	/* hits, by the way past */

/*
 * Argument i of a call, read at the called function's first instruction.
 * x86 cdecl: all on the stack, above the return address at [esp].
 * x64: rcx, rdx, r8, r9, then the stack above 32 bytes of home space.
 */
static BOOL
call_arg(struct run *r, const union context *c, int i, uint64_t *v)
{
	static const char *x64regs[] = { "rcx", "rdx", "r8", "r9" };
	const struct cpu *cpu = r->s.cpu;
	addr_t sp = reg_get(cpu->sp, c);

	if (cpu->ptrsize == 8 && i < 4) {
		*v = reg_get(cpu_reg(cpu, x64regs[i]), c);
		return TRUE;
	}
	return mem_read_ptr(r->s.process, sp + cpu->ptrsize * (addr_t)(i + 1),
	    cpu->ptrsize, v);
}

/* Print a string from the target as a C literal: "going...%lu\n". */
static void
print_string(struct run *r, addr_t a)
{
	char buf[256], *p;

	if (!mem_read_string(r->s.process, a, 0, buf, sizeof(buf))) {
		printf("<unreadable 0x%llx>", (unsigned long long)a);
		return;
	}
	putchar('"');
	for (p = buf; *p; p++)
		if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else
			putchar(*p);
	putchar('"');
}

/*
 * At printf, show the call as the caller made it: the format string from
 * the first argument, then one argument per conversion (up to four).
 */
static void
print_printf_call(struct run *r, const union context *c)
{
	char fmt[256], *p;
	uint64_t v;
	int i = 1;

	if (!call_arg(r, c, 0, &v))
		return;
	printf("    printf(");
	print_string(r, v);
	if (mem_read_string(r->s.process, v, 0, fmt, sizeof(fmt)))
		for (p = fmt; (p = strchr(p, '%')) != NULL && i <= 4; p++) {
			if (*++p == '%')
				continue;
			p += strspn(p, "-+ #0123456789.lhjzt");
			if (!call_arg(r, c, i++, &v))
				break;
			if (*p == 's')
				printf(", "), print_string(r, v);
			else if (r->s.cpu->ptrsize == 4)
				printf(", %lu", (unsigned long)(uint32_t)v);
			else
				printf(", %llu", (unsigned long long)v);
		}
	printf(")    <- %s\n", r->s.cpu->ptrsize == 4 ?
	    "cdecl: arguments on the stack, from [esp+4]" :
	    "x64: arguments in rcx, rdx, r8, r9");
}

/*
 * Our INT3 fired: rewind, restore, report, and arrange to re-arm.  Another
 * thread may have executed the same INT3 just before the first hit took
 * the byte out; its event comes late, with the byte already restored and
 * the first thread stepping.  It is still our breakpoint and still a hit:
 * rewind it too, and let it step past with the first before the byte goes
 * back (or, held until then, it would meet the INT3 again: a hit counted
 * twice).
 */
static BOOL
on_hit(struct run *r, struct softbp *bp)
{
	static int said_in_place;	/* a fallback is said once */
	DWORD tid = r->s.ev.dwThreadId;
	unsigned char code[16];
	char where[160], who[48];
	const char *name;
	int late = !bp->inserted;
	struct insn in;
	union context c;
	char why[200];
	int how, first;

	/* The registers, with the IP pointed back at the INT3. */
	if (!soft_context(&r->bp, bp, tid, &c))
		return FALSE;
	r->hits++;
	bp->hits++;
	printf("hit %lu  %s  %s", r->hits, thread_label(&r->s, tid, who,
	    sizeof(who)), sym_format(&r->mods, bp->addr, where, sizeof(where)));
	if (bp_read(&r->bp, bp->addr, code, sizeof(code)) &&
	    dis_decode(r->dis, code, sizeof(code), bp->addr, &in))
		printf("  %s", in.text);
	if (late)
		printf("  (hit just before the byte went out)");
	putchar('\n');
	name = sym_export_at(&r->mods, bp->addr);
	if (name != NULL && strcmp(name, "printf") == 0)
		print_printf_call(r, &c);
	if (show_regs)
		cpu_print(stdout, r->s.cpu, &c, REG_GENERAL);
	/*
	 * Persistent, or late: past this one instruction, the way -m says
	 * (the classic way: the byte out, one step with TF, 0xCC back in).
	 * Otherwise the IP goes back and the byte out for good.
	 */
	if (late || (!bp->oneshot && (r->maxhits == 0 || r->hits < r->maxhits))) {
		first = bp->how == 0;
		how = stay_pass(&r->bp, r->dis, bp, tid, &c);
		passes[how]++;
		if (first && how != 0 && r->bp.mode != PASS_HOLD &&
		    r->bp.mode != PASS_REINSERT)
			printf("breakpoint at 0x%llx, %s: %s\n", (unsigned long long)
			    bp->addr, bp->insn.text, stay_describe(bp, why,
			    sizeof(why)));
		if (how != 0 && how != bp->how && !said_in_place) {
			said_in_place = 1;
			printf("hit %lu: stepped in place, the byte out: tid %lu "
			    "traps itself (TF, or a debug register of its own), "
			    "and only the real instruction gives it its trap\n",
			    r->hits, tid);
		}
		return how != 0;
	}
	return soft_hit(&r->bp, bp, tid, &c);
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct run r = { .ms = INFINITE };
	const EXCEPTION_RECORD *er;
	struct softbp *bp;
	char **cmd, where[160];
	int ch, i, oneshot = 0, mode = PASS_EMULATE;
	BOOL ok = TRUE;
	DWORD status;
	addr_t *a;
	int k;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:1hm:n:rs:V", longopts, NULL)) != -1)
		switch (ch) {
		case '1':
			oneshot = 1;
			break;
		case 'm':
			if ((mode = pass_mode(optarg)) == 0)
				errx(EXIT_USAGE, "-m: \"%s\" is not a mode; use hold, "
				    "reinsert, emulate or displaced", optarg);
			break;
		case 'n':
		case 's':
			run_option(&r, ch, optarg);
			break;
		case 'r':
			show_regs = 1;
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
	if (argc < 1)
		errx(EXIT_USAGE, "missing location (see softbp -h)");

	if ((a = calloc((size_t)argc, sizeof(*a))) == NULL)
		errx(EXIT_RUNTIME, "out of memory");
	if (!run_start(&r, &spec, 0))
		return EXIT_RUNTIME;
	r.bp.mode = mode;
	/* Resolve every location before writing any byte. */
	for (i = 0; i < argc && ok; i++)
		ok = sym_resolve(&r.mods, argv[i], &a[i]);
	for (i = 0; i < argc && ok; i++) {
		if ((bp = soft_insert(&r.bp, a[i], oneshot, argv[i])) == NULL) {
			ok = FALSE;
			break;
		}
		printf("breakpoint %d at %s (0x%llx): saved byte %02x, wrote cc\n",
		    i + 1, sym_format(&r.mods, a[i], where, sizeof(where)),
		    (unsigned long long)a[i], bp->saved);
	}
	free(a);
	if (ok && !session_continue(&r.s, DBG_CONTINUE))
		ok = FALSE;

	while (ok && run_next(&r) > 0) {
		status = session_default_status(&r.s);
		er = session_exception(&r.s);
		if (er != NULL && is_breakpoint_code(er->ExceptionCode) &&
		    (bp = soft_at(&r.bp, (addr_t)(uintptr_t)er->ExceptionAddress))) {
			ok = on_hit(&r, bp);
			status = DBG_CONTINUE;
		} else if (er != NULL && is_single_step_code(er->ExceptionCode) &&
		    (k = step_end(&r.bp, r.s.ev.dwThreadId, &status)) != 0) {
			ok = k > 0;	/* stepped past it; 0xCC is back */
		} else if (er != NULL && is_breakpoint_code(er->ExceptionCode)) {
			/* The target's own, or (on Windows) the WOW64 loader's. */
			printf("tid %lu: a breakpoint at %s that is not ours; "
			    "%s\n", r.s.ev.dwThreadId,
			    sym_format(&r.mods, (addr_t)(uintptr_t)
			    er->ExceptionAddress, where, sizeof(where)),
			    session_own_exception(&r.s) ? "the WOW64 loader's "
			    "initial breakpoint, continued" : "passed to the target");
		}
		if (r.s.exited)
			break;
		if (!session_continue(&r.s, status))
			ok = FALSE;
	}
	if (r.bp.mode == PASS_EMULATE || r.bp.mode == PASS_DISPLACED)
		printf("past the breakpoints: %lu emulated, %lu displaced, %lu "
		    "with the byte out (the other threads held %lu times)\n",
		    passes[PASS_EMULATE], passes[PASS_DISPLACED],
		    passes[PASS_HOLD] + passes[PASS_REINSERT], r.bp.holds);
	return run_finish(&r, ok);
}
