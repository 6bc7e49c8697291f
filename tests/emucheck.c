/*
 * emucheck: each emulated instruction against the CPU, for tests/emulate.t.
 *
 *   emucheck location... -- program [args]
 *   emucheck location... pid|name
 *
 * An INT3 on each location.  At each hit the instruction there is first
 * emulated (common/emu.c) on a copy of the thread's registers and on the
 * target's stack; the stack is then put back as it was, and the CPU runs
 * the same instruction from the same state, single-stepped.  Same
 * thread, same moment: nothing else can differ.  Both results must
 * agree: every general register, the IP, the flags (TF and RF aside,
 * which belong to the step itself) and the stack bytes around SP.  One
 * line per hit, "LOCATION  INSTRUCTION  same" or what differs, then
 * "N hits: N same, N differ, N not emulated".  Exit 0 when every hit
 * was the same, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "emu.h"
#include "err.h"
#include "mem.h"
#include "out.h"
#include "tool.h"

#define BELOW	64	/* stack bytes compared below SP, */
#define ABOVE	64	/* and from SP up */
#define WINDOW	(BELOW + ABOVE)

/* One hit whose instruction has been emulated, waiting for the CPU's step. */
static struct {
	DWORD tid;		/* 0: none */
	const char *name;
	struct insn in;
	int emulated;
	const char *why;
	union context emu;
	addr_t lo;		/* the stack window compared */
	unsigned char mem[WINDOW];
} hit;

static unsigned long nsame, ndiffer, nnot;

/* Emulate the instruction at the hit, then undo what it wrote. */
static BOOL
emulate(struct run *r, struct softbp *bp, const char *name)
{
	HANDLE p = r->s.process;
	const struct cpu *cpu = r->s.cpu;
	unsigned char before[WINDOW];
	struct emu_write w;
	DWORD tid = r->s.ev.dwThreadId;
	union context c;

	if (!soft_hit(&r->bp, bp, tid, &c))
		return FALSE;
	hit.tid = tid;
	hit.name = name;
	hit.lo = reg_get(cpu->sp, &c) - BELOW;
	if (!dis_at(r->dis, p, bp->addr, &hit.in) ||
	    !mem_read(p, hit.lo, before, WINDOW)) {
		warnx("%s: cannot read the instruction or the stack", name);
		return FALSE;
	}
	hit.emu = c;
	hit.emulated = emu_run(cpu, p, &hit.in, &hit.emu, &w, &hit.why);
	if (hit.emulated && (!mem_read(p, hit.lo, hit.mem, WINDOW) ||
	    !mem_write(p, hit.lo, before, WINDOW))) {
		warn("%s: the stack after emulating", name);
		return FALSE;
	}
	/* The CPU's turn: one step from the same state. */
	return step_begin(&r->bp, tid);
}

/* The CPU has run it: compare, and say how it went. */
static void
compare(struct run *r)
{
	const struct cpu *cpu = r->s.cpu;
	const struct reg *reg;
	struct thread *t = session_thread(&r->s, hit.tid);
	unsigned char mem[WINDOW];
	uint64_t e, v, ignore;
	union context c;
	size_t i;
	int differ = 0;

	printf("%s  %s  ", hit.name, hit.in.text);
	if (!hit.emulated) {
		printf("cannot emulate: %s\n", hit.why);
		nnot++;
		return;
	}
	if (t == NULL || !cpu->get(t->handle, &c, REG_GENERAL) ||
	    !mem_read(r->s.process, hit.lo, mem, WINDOW))
		errx(EXIT_RUNTIME, "%s: cannot read the thread after its step",
		    hit.name);
	for (i = 0; i < cpu->nregs; i++) {
		reg = &cpu->regs[i];
		if (reg->group != REG_GENERAL)
			continue;
		ignore = reg == cpu->flags ? TRAP_FLAG | RESUME_FLAG : 0;
		e = reg_get(reg, &hit.emu) & ~ignore;
		v = reg_get(reg, &c) & ~ignore;
		if (e != v)
			printf("%s%s: emulated %llx, cpu %llx", differ++ ? "; " :
			    "DIFFERS ", reg->name, (unsigned long long)e,
			    (unsigned long long)v);
	}
	for (i = 0; i < WINDOW; i++)
		if (hit.mem[i] != mem[i]) {
			printf("%sstack at sp%+d: emulated %02x, cpu %02x",
			    differ++ ? "; " : "DIFFERS ", (int)i - BELOW,
			    hit.mem[i], mem[i]);
			break;
		}
	printf("%s\n", differ ? "" : "same");
	if (differ)
		ndiffer++;
	else
		nsame++;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct run r = { .ms = INFINITE };
	const EXCEPTION_RECORD *er;
	struct softbp *bp;
	addr_t *a;
	char **cmd;
	DWORD status;
	BOOL ok = TRUE;
	int i, k;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	argc--;
	argv++;
	take_target(cmd, &argc, &argv, &spec);
	if (argc < 1)
		errx(EXIT_USAGE, "usage: emucheck location... -- program [args]");
	if ((a = calloc((size_t)argc, sizeof(*a))) == NULL)
		errx(EXIT_RUNTIME, "out of memory");
	if (!run_start(&r, &spec, 0))
		return EXIT_RUNTIME;
	for (i = 0; i < argc && ok; i++)
		ok = sym_resolve(&r.mods, argv[i], &a[i]) &&
		    soft_insert(&r.bp, a[i], 0, argv[i]) != NULL;
	if (ok && !session_continue(&r.s, DBG_CONTINUE))
		ok = FALSE;
	while (ok && run_next(&r) > 0) {
		status = session_default_status(&r.s);
		er = session_exception(&r.s);
		if (er != NULL && is_breakpoint_code(er->ExceptionCode) &&
		    (bp = soft_at(&r.bp, (addr_t)(uintptr_t)er->ExceptionAddress))) {
			for (i = 0; a[i] != bp->addr; i++)
				;
			r.hits++;
			ok = emulate(&r, bp, argv[i]);
			status = DBG_CONTINUE;
		} else if (er != NULL && is_single_step_code(er->ExceptionCode) &&
		    (k = step_end(&r.bp, r.s.ev.dwThreadId, &status)) != 0) {
			ok = k > 0;
			if (r.s.ev.dwThreadId == hit.tid)
				compare(&r);
		}
		if (r.s.exited)
			break;
		if (!session_continue(&r.s, status))
			ok = FALSE;
	}
	printf("%lu hits: %lu same, %lu differ, %lu not emulated\n", r.hits,
	    nsame, ndiffer, nnot);
	free(a);
	return run_finish(&r, ok) || ndiffer || nnot ? EXIT_RUNTIME : 0;
}
