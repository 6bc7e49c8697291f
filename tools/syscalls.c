/*
 * syscalls: ntdll's Nt* and Zw* exports in a process, each with the system
 * call number its stub loads, read from the stub in the process's memory,
 * and the way the stub goes into the kernel.
 *
 * Lesson 13.  An Nt* function in ntdll does no work of its own: it loads
 * the number of a system service into eax and enters the kernel, with
 * syscall (x64), sysenter or int 2e (x86), or on WOW64 through a call
 * that leaves 32-bit code.  The number is the four bytes after the stub's
 * b8 opcode (mov eax, imm32).  follow() walks the stub as the CPU would,
 * through calls, jumps and the pointers they go through, until it meets
 * the instruction that enters the kernel or leaves ntdll.  The stubs
 * recognised, by that last instruction: syscall, sysenter, int 2e, a far
 * jmp (WOW64's switch to 64-bit code), and a call or jmp to an address
 * outside every module (Wine's own dispatcher).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "dis.h"
#include "err.h"
#include "mem.h"
#include "session.h"
#include "sym.h"

static const struct option longopts[] = {
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: syscalls [-v] pid | name [function ...]\n"
	    "       syscalls [-v] [function ...] -- program [args]\n"
	    "  -v  show each stub's path, instruction by instruction\n");
	exit(status);
}

/* Opcodes read straight from the stub's bytes. */
#define OP_MOV_EAX_IMM32	0xb8	/* b8 imm32: mov eax, imm32 */
#define OP_MOV_EDX_IMM32	0xba	/* ba imm32: mov edx, imm32 */
#define OP_TEST_RM8_IMM8	0xf6	/* f6 /0 ib: test r/m8, imm8 */
#define OP_JE_REL8		0x74
#define OP_JNE_REL8		0x75
#define PATH_MAX_STEPS		24	/* a stub is a handful of instructions */

/* One stub: what follow() found. */
struct stub {
	const char *name;
	addr_t at;
	int aliases;		/* other names at the same address (Zw*) */
	int is_stub;		/* it loads a number and enters the kernel */
	uint32_t number;
	char way[200];		/* how it goes in, or why it is not a stub */
};

struct ntdll {
	HANDLE process;
	struct modules *mods;
	const struct module *mod;
	struct dis *dis;
	unsigned ptrsize;
};

static uint32_t
le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Where an indirect call or jump goes: through a register the stub set
 * with an immediate (mov edx, imm32 ... call edx), or through a pointer in
 * memory at an address known here (call [edx], call [0x7ffe1000], jmp
 * [rip+x]).  FALSE when it cannot be known without running it.
 */
static BOOL
indirect_target(const struct ntdll *n, const struct insn *in, addr_t edx,
    addr_t *dest)
{
	const struct memop *m = &in->mem[0];
	const char *op = strchr(in->text, ' ');
	addr_t ea;

	if (op != NULL && strcmp(op + 1, "edx") == 0 && edx != 0) {
		*dest = edx;
		return TRUE;
	}
	if (in->nmem != 1 || m->segment || m->index[0] != '\0')
		return FALSE;
	if (m->base[0] == '\0' || strcmp(m->base, "rip") == 0)
		ea = (addr_t)m->disp + (m->base[0] ? in->addr + in->len : 0);
	else if (strcmp(m->base, "edx") == 0 && edx != 0)
		ea = edx + (addr_t)m->disp;
	else
		return FALSE;
	return mem_read_ptr(n->process, ea, n->ptrsize, dest);
}

/*
 * The taken side of "test byte ptr [ADDRESS], IMM; jne/je": the byte is
 * read from the target, as the CPU would read it.  Windows 10's x64 stubs
 * test SharedUserData's SystemCall flag this way to choose between
 * syscall and int 2e.  -1 when the branch cannot be decided.
 */
static int
branch_taken(const struct ntdll *n, const struct insn *test,
    const struct insn *jcc, char *note, size_t len)
{
	unsigned char byte;
	addr_t ea;
	int set;

	if (test->bytes[0] != OP_TEST_RM8_IMM8 || (test->bytes[1] & 0x38) != 0 ||
	    test->nmem != 1 || test->mem[0].base[0] != '\0' ||
	    test->mem[0].index[0] != '\0' || test->mem[0].segment ||
	    (jcc->bytes[0] != OP_JNE_REL8 && jcc->bytes[0] != OP_JE_REL8))
		return -1;
	ea = (addr_t)test->mem[0].disp;
	if (!mem_read(n->process, ea, &byte, 1))
		return -1;
	set = (byte & test->bytes[test->len - 1]) != 0;
	snprintf(note, len, "the byte at 0x%llx is 0x%02x: %s",
	    (unsigned long long)ea, byte, set == (jcc->bytes[0] == OP_JNE_REL8) ?
	    "taken" : "not taken");
	return set == (jcc->bytes[0] == OP_JNE_REL8);
}

/*
 * Walk the stub at st->at as the CPU would, printing each instruction
 * when verbose, until it enters the kernel (syscall, sysenter, int) or
 * leaves ntdll for good.  The system call number is what its first or
 * second instruction loads into eax; a function that loads none there,
 * or returns, is not a stub.
 */
static void
follow(const struct ntdll *n, struct stub *st, int verbose)
{
	struct insn in, prev = { 0 };
	addr_t a = st->at, edx = 0, dest;
	char note[160], name[160];
	int step, taken;

	st->is_stub = 0;
	for (step = 0; step < PATH_MAX_STEPS; step++, prev = in) {
		note[0] = '\0';
		if (!dis_at(n->dis, n->process, a, &in)) {
			snprintf(st->way, sizeof(st->way), "no instruction at 0x%llx",
			    (unsigned long long)a);
			return;
		}
		if (step < 2 && !st->is_stub && in.len == 5 &&
		    in.bytes[0] == OP_MOV_EAX_IMM32) {
			st->number = le32(in.bytes + 1);
			st->is_stub = 1;
			snprintf(note, sizeof(note), "the system call number");
		} else if (in.len == 5 && in.bytes[0] == OP_MOV_EDX_IMM32)
			edx = le32(in.bytes + 1);
		if (verbose && !(in.flags & (INSN_CALL | INSN_JUMP)))
			printf("    0x%llx  %-36s %s\n", (unsigned long long)a,
			    in.text, note);
		if (!st->is_stub && step >= 1) {
			snprintf(st->way, sizeof(st->way), "not a system call stub: "
			    "no mov eax, imm32 at its start");
			return;
		}
		if (in.flags & INSN_INT) {
			snprintf(st->way, sizeof(st->way), "%s", in.text);
			return;
		}
		if (in.flags & INSN_RET) {
			snprintf(st->way, sizeof(st->way), "not a system call stub: "
			    "returns (%s) without entering the kernel", in.text);
			st->is_stub = 0;
			return;
		}
		if (!(in.flags & (INSN_CALL | INSN_JUMP))) {
			a += in.len;
			continue;
		}
		/* A call or jump: where does it go? */
		taken = 1;
		if (in.target != 0 && (in.bytes[0] == OP_JNE_REL8 ||
		    in.bytes[0] == OP_JE_REL8))
			taken = branch_taken(n, &prev, &in, note, sizeof(note));
		if (taken < 0) {
			snprintf(st->way, sizeof(st->way), "%s (a branch that "
			    "cannot be decided here)", in.text);
			return;
		}
		if (!taken)
			dest = a + in.len;
		else if (in.target != 0)
			dest = in.target;
		else if (!indirect_target(n, &in, edx, &dest)) {
			snprintf(st->way, sizeof(st->way), "%s", in.text);
			if (verbose)
				printf("    0x%llx  %-36s to an address not known "
				    "until it runs\n", (unsigned long long)a, in.text);
			return;
		}
		if (verbose) {
			if (note[0] == '\0')
				snprintf(note, sizeof(note), "to %s", sym_format(n->mods,
				    dest, name, sizeof(name)));
			printf("    0x%llx  %-36s %s\n", (unsigned long long)a,
			    in.text, note);
		}
		if (module_at(n->mods, dest) == NULL) {
			snprintf(st->way, sizeof(st->way), "%s to 0x%llx, outside "
			    "every module", in.text, (unsigned long long)dest);
			return;
		}
		a = dest;
	}
	snprintf(st->way, sizeof(st->way), "no way into the kernel within %d "
	    "instructions", PATH_MAX_STEPS);
	st->is_stub = 0;
}

/* The exports to look at: every Nt* and Zw*, or the names given. */
struct wanted {
	struct stub *v;
	size_t n, cap;
	char **names;		/* NULL: every Nt* and Zw* */
	int nnames;
};

static BOOL
collect(const char *name, addr_t a, void *arg)
{
	struct wanted *w = arg;
	struct stub *nv;
	int i;

	if (w->names == NULL && strncmp(name, "Nt", 2) != 0 &&
	    strncmp(name, "Zw", 2) != 0)
		return TRUE;
	for (i = 0; i < w->nnames && strcmp(name, w->names[i]) != 0; i++)
		;
	if (w->names != NULL && i == w->nnames)
		return TRUE;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 512;
		if ((nv = realloc(w->v, w->cap * sizeof(*nv))) == NULL)
			errx(EXIT_RUNTIME, "out of memory");
		w->v = nv;
	}
	w->v[w->n++] = (struct stub){ .name = name, .at = a };
	return TRUE;
}

static int
by_address(const void *x, const void *y)
{
	const struct stub *a = x, *b = y;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return strcmp(a->name, b->name);	/* "Nt" before "Zw" */
}

/* Stubs by number, then the rest by name. */
static int
by_number(const void *x, const void *y)
{
	const struct stub *a = x, *b = y;

	if (a->is_stub != b->is_stub)
		return b->is_stub - a->is_stub;
	if (a->is_stub && a->number != b->number)
		return a->number < b->number ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* One Nt and one Zw name at each address: keep the first, count the rest. */
static void
merge_aliases(struct wanted *w)
{
	size_t i, k = 0;

	qsort(w->v, w->n, sizeof(*w->v), by_address);
	for (i = 0; i < w->n; i++) {
		if (k > 0 && w->v[k - 1].at == w->v[i].at)
			w->v[k - 1].aliases++;
		else
			w->v[k++] = w->v[i];
	}
	w->n = k;
}

/* The stubs of one ntdll of the process, in a table. */
static BOOL
print_ntdll(struct ntdll *n, char **names, int nnames, int verbose)
{
	struct wanted w = { .names = nnames > 0 ? names : NULL,
	    .nnames = nnames };
	size_t i, nstubs = 0, aliases = 0;

	if (!sym_each_export(n->mods, n->mod, collect, &w))
		errx(EXIT_RUNTIME, "out of memory reading %s's exports",
		    n->mod->name);
	if (nnames == 0)
		merge_aliases(&w);
	for (i = 0; i < w.n; i++) {
		if (verbose)
			printf("%s:\n", w.v[i].name);
		follow(n, &w.v[i], verbose);
	}
	qsort(w.v, w.n, sizeof(*w.v), by_number);
	printf("%-7s %-*s %-34s %s\n", "number", (int)n->ptrsize * 2 + 2,
	    "address", "name", "how it enters the kernel");
	for (i = 0; i < w.n; i++) {
		if (w.v[i].is_stub)
			printf("0x%04lx  ", (unsigned long)w.v[i].number);
		else
			printf("%-7s ", "-");
		printf("0x%0*llx %-34s %s\n", (int)n->ptrsize * 2,
		    (unsigned long long)w.v[i].at, w.v[i].name, w.v[i].way);
		nstubs += w.v[i].is_stub;
		aliases += w.v[i].aliases;
	}
	if (nnames == 0)
		printf("%u system call stubs, %u other function%s; %u more "
		    "names (Zw*) for the same code\n", (unsigned)nstubs,
		    (unsigned)(w.n - nstubs), w.n - nstubs == 1 ? "" : "s",
		    (unsigned)aliases);
	free(w.v);
	return TRUE;
}

/* Every name given must be an export of the ntdll, before anything is printed. */
static BOOL
check_names(struct modules *mods, const struct module *mod, char **names,
    int nnames)
{
	struct wanted w = { .names = names, .nnames = nnames };
	int i;
	size_t k;

	if (!sym_each_export(mods, mod, collect, &w))
		errx(EXIT_RUNTIME, "out of memory reading %s's exports",
		    mod->name);
	for (i = 0; i < nnames; i++) {
		for (k = 0; k < w.n && strcmp(w.v[k].name, names[i]) != 0; k++)
			;
		if (k == w.n) {
			warnx("%s: %s exports no %s", names[i], mod->name, names[i]);
			free(w.v);
			return FALSE;
		}
	}
	free(w.v);
	return TRUE;
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	struct session s;
	struct modules mods;
	struct ntdll n;
	size_t i, found = 0;
	char **cmd;
	int ch, ok = 1, verbose = 0;

	setprogname(argv[0]);
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:hvV", longopts, NULL)) != -1)
		switch (ch) {
		case 'v':
			verbose = 1;
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

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!session_open(&s, &spec))
		return EXIT_RUNTIME;
	if (!session_wait_start(&s, 10000) || !modules_load(s.process, &mods)) {
		session_detach(&s);
		return EXIT_RUNTIME;
	}
	/* A WOW64 process on Windows has two: a 32-bit and a 64-bit ntdll. */
	for (i = 0; i < mods.n && ok; i++) {
		if (_stricmp(mods.v[i].name, "ntdll.dll") != 0)
			continue;
		n = (struct ntdll){ s.process, &mods, &mods.v[i], NULL,
		    module_ptrsize(s.process, &mods.v[i]) };
		if (found++ == 0 && argc > 0 &&
		    !check_names(&mods, n.mod, argv, argc)) {
			ok = 0;
			break;
		}
		if (cpu_of_ptrsize(n.ptrsize) == NULL ||
		    (n.dis = dis_open(cpu_of_ptrsize(n.ptrsize), 0)) == NULL) {
			printf("%s at 0x%llx: %u-bit code, which this build "
			    "cannot decode\n", n.mod->path,
			    (unsigned long long)n.mod->base, n.ptrsize * 8);
			continue;
		}
		printf("pid %lu: %s; %s at 0x%llx, %u-bit\n", s.pid, s.cpu->name,
		    n.mod->path, (unsigned long long)n.mod->base, n.ptrsize * 8);
		ok = print_ntdll(&n, argv, argc, verbose);
		dis_close(n.dis);
	}
	if (found == 0) {
		warnx("pid %lu has no ntdll.dll loaded", s.pid);
		ok = 0;
	}
	modules_free(&mods);
	if (!session_detach(&s))
		ok = 0;
	return ok ? 0 : EXIT_RUNTIME;
}
