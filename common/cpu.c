/* cpu.c: register tables built from FIELD_OFFSET, and context access. */
#include <stddef.h>
#include <string.h>

#include "cpu.h"

/*
 * The 32-bit table.  A 32-bit tool's CONTEXT and a 64-bit tool's
 * WOW64_CONTEXT have the same layout, so one table serves both.
 */
#ifdef _WIN64
typedef WOW64_CONTEXT CONTEXT32;
#define FLAGS32(g)	(WOW64_CONTEXT_i386 | \
	((g) & REG_GENERAL ? WOW64_CONTEXT_CONTROL | WOW64_CONTEXT_INTEGER : 0) | \
	((g) & REG_CONTROL ? WOW64_CONTEXT_CONTROL : 0) | \
	((g) & REG_SEGMENT ? WOW64_CONTEXT_SEGMENTS : 0) | \
	((g) & REG_DEBUG ? WOW64_CONTEXT_DEBUG_REGISTERS : 0))
#else
typedef CONTEXT CONTEXT32;
#define FLAGS32(g)	(CONTEXT_i386 | \
	((g) & REG_GENERAL ? CONTEXT_CONTROL | CONTEXT_INTEGER : 0) | \
	((g) & REG_CONTROL ? CONTEXT_CONTROL : 0) | \
	((g) & REG_SEGMENT ? CONTEXT_SEGMENTS : 0) | \
	((g) & REG_DEBUG ? CONTEXT_DEBUG_REGISTERS : 0))
#endif

#define R32(name, field, width, group, line) \
	{ name, offsetof(CONTEXT32, field), width, group, line }

static const struct reg regs_x86[] = {
	R32("eax", Eax, 4, REG_GENERAL, 0),
	R32("ebx", Ebx, 4, REG_GENERAL, 0),
	R32("ecx", Ecx, 4, REG_GENERAL, 0),
	R32("edx", Edx, 4, REG_GENERAL, 0),
	R32("esi", Esi, 4, REG_GENERAL, 0),
	R32("edi", Edi, 4, REG_GENERAL, 0),
	R32("eip", Eip, 4, REG_GENERAL, 1),
	R32("esp", Esp, 4, REG_GENERAL, 1),
	R32("ebp", Ebp, 4, REG_GENERAL, 1),
	R32("efl", EFlags, 4, REG_GENERAL, 1),
	R32("cs", SegCs, 2, REG_SEGMENT, 2),
	R32("ss", SegSs, 2, REG_SEGMENT, 2),
	R32("ds", SegDs, 2, REG_SEGMENT, 2),
	R32("es", SegEs, 2, REG_SEGMENT, 2),
	R32("fs", SegFs, 2, REG_SEGMENT, 2),
	R32("gs", SegGs, 2, REG_SEGMENT, 2),
	R32("dr0", Dr0, 4, REG_DEBUG, 3),
	R32("dr1", Dr1, 4, REG_DEBUG, 3),
	R32("dr2", Dr2, 4, REG_DEBUG, 3),
	R32("dr3", Dr3, 4, REG_DEBUG, 3),
	R32("dr6", Dr6, 4, REG_DEBUG, 4),
	R32("dr7", Dr7, 4, REG_DEBUG, 4),
};

#define NREGS(t)	(sizeof(t) / sizeof((t)[0]))
#define REG(t, i)	(&(t)[i])

static BOOL
get32(HANDLE thread, union context *c, unsigned groups)
{
	CONTEXT32 *ctx = (CONTEXT32 *)c;

	memset(c, 0, sizeof(*c));
	ctx->ContextFlags = FLAGS32(groups);
#ifdef _WIN64
	return Wow64GetThreadContext(thread, ctx);
#else
	return GetThreadContext(thread, ctx);
#endif
}

static BOOL
set32(HANDLE thread, union context *c, unsigned groups)
{
	CONTEXT32 *ctx = (CONTEXT32 *)c;

	ctx->ContextFlags = FLAGS32(groups);
#ifdef _WIN64
	return Wow64SetThreadContext(thread, ctx);
#else
	return SetThreadContext(thread, ctx);
#endif
}

const struct cpu cpu_x86 = {
#ifdef _WIN64
	.name = "x86 (WOW64)",
#else
	.name = "x86",
#endif
	.ptrsize = 4,
	.regs = regs_x86, .nregs = NREGS(regs_x86),
	.ip = REG(regs_x86, 6), .sp = REG(regs_x86, 7), .flags = REG(regs_x86, 9),
	.dr = { REG(regs_x86, 16), REG(regs_x86, 17), REG(regs_x86, 18),
	    REG(regs_x86, 19) },
	.dr6 = REG(regs_x86, 20), .dr7 = REG(regs_x86, 21),
#ifdef _WIN64
	.watch_max = 8,		/* WOW64: compatibility mode, in IA-32e mode */
#else
	.watch_max = 4,
#endif
	.get = get32, .set = set32,
};

#ifdef _WIN64
#define R64(name, field, width, group, line) \
	{ name, offsetof(CONTEXT, field), width, group, line }

/* WinDbg's layout: three to a line, rip with rsp and rbp. */
static const struct reg regs_x64[] = {
	R64("rax", Rax, 8, REG_GENERAL, 0),
	R64("rbx", Rbx, 8, REG_GENERAL, 0),
	R64("rcx", Rcx, 8, REG_GENERAL, 0),
	R64("rdx", Rdx, 8, REG_GENERAL, 1),
	R64("rsi", Rsi, 8, REG_GENERAL, 1),
	R64("rdi", Rdi, 8, REG_GENERAL, 1),
	R64("rip", Rip, 8, REG_GENERAL, 2),
	R64("rsp", Rsp, 8, REG_GENERAL, 2),
	R64("rbp", Rbp, 8, REG_GENERAL, 2),
	R64("r8", R8, 8, REG_GENERAL, 3),
	R64("r9", R9, 8, REG_GENERAL, 3),
	R64("r10", R10, 8, REG_GENERAL, 3),
	R64("r11", R11, 8, REG_GENERAL, 4),
	R64("r12", R12, 8, REG_GENERAL, 4),
	R64("r13", R13, 8, REG_GENERAL, 4),
	R64("r14", R14, 8, REG_GENERAL, 5),
	R64("r15", R15, 8, REG_GENERAL, 5),
	R64("efl", EFlags, 4, REG_GENERAL, 5),
	R64("cs", SegCs, 2, REG_SEGMENT, 6),
	R64("ss", SegSs, 2, REG_SEGMENT, 6),
	R64("ds", SegDs, 2, REG_SEGMENT, 6),
	R64("es", SegEs, 2, REG_SEGMENT, 6),
	R64("fs", SegFs, 2, REG_SEGMENT, 6),
	R64("gs", SegGs, 2, REG_SEGMENT, 6),
	R64("dr0", Dr0, 8, REG_DEBUG, 7),
	R64("dr1", Dr1, 8, REG_DEBUG, 7),
	R64("dr2", Dr2, 8, REG_DEBUG, 7),
	R64("dr3", Dr3, 8, REG_DEBUG, 7),
	R64("dr6", Dr6, 8, REG_DEBUG, 8),
	R64("dr7", Dr7, 8, REG_DEBUG, 8),
};

#define FLAGS64(g)	(CONTEXT_AMD64 | \
	((g) & REG_GENERAL ? CONTEXT_CONTROL | CONTEXT_INTEGER : 0) | \
	((g) & REG_CONTROL ? CONTEXT_CONTROL : 0) | \
	((g) & REG_SEGMENT ? CONTEXT_SEGMENTS : 0) | \
	((g) & REG_DEBUG ? CONTEXT_DEBUG_REGISTERS : 0))

static BOOL
get64(HANDLE thread, union context *c, unsigned groups)
{
	memset(c, 0, sizeof(*c));
	c->native.ContextFlags = FLAGS64(groups);
	return GetThreadContext(thread, &c->native);
}

static BOOL
set64(HANDLE thread, union context *c, unsigned groups)
{
	c->native.ContextFlags = FLAGS64(groups);
	return SetThreadContext(thread, &c->native);
}

const struct cpu cpu_x64 = {
	.name = "x64",
	.ptrsize = 8,
	.regs = regs_x64, .nregs = NREGS(regs_x64),
	.ip = REG(regs_x64, 6), .sp = REG(regs_x64, 7), .flags = REG(regs_x64, 17),
	.dr = { REG(regs_x64, 24), REG(regs_x64, 25), REG(regs_x64, 26),
	    REG(regs_x64, 27) },
	.dr6 = REG(regs_x64, 28), .dr7 = REG(regs_x64, 29),
	.watch_max = 8,
	.get = get64, .set = set64,
};
#endif

const struct cpu *
cpu_of_process(HANDLE process)
{
	BOOL wow64;

	if (!IsWow64Process(process, &wow64))
		return NULL;
#ifdef _WIN64
	return wow64 ? &cpu_x86 : &cpu_x64;
#else
	{
		BOOL self;

		/*
		 * A 32-bit tool on 64-bit Windows runs under WOW64 itself;
		 * a target that does not is 64-bit, out of its reach.
		 */
		if (IsWow64Process(GetCurrentProcess(), &self) && self && !wow64) {
			SetLastError(ERROR_NOT_SUPPORTED);
			return NULL;
		}
		return &cpu_x86;
	}
#endif
}

const struct cpu *
cpu_of_ptrsize(unsigned ptrsize)
{
	if (ptrsize == 4)
		return &cpu_x86;
#ifdef _WIN64
	if (ptrsize == 8)
		return &cpu_x64;
#endif
	return NULL;
}

const struct reg *
cpu_reg(const struct cpu *cpu, const char *name)
{
	size_t i;

	for (i = 0; i < cpu->nregs; i++)
		if (_stricmp(cpu->regs[i].name, name) == 0)
			return &cpu->regs[i];
	return NULL;
}

uint64_t
reg_get(const struct reg *r, const union context *c)
{
	uint64_t v = 0;

	memcpy(&v, (const char *)c + r->offset, r->width);	/* little-endian */
	return v;
}

void
reg_set(const struct reg *r, union context *c, uint64_t v)
{
	memcpy((char *)c + r->offset, &v, r->width);
}

void
cpu_print(FILE *fp, const struct cpu *cpu, const union context *c,
    unsigned groups)
{
	const struct reg *r;
	size_t i, namew = 0;
	int line = -1;

	/* Pad names to the longest printed one, as WinDbg does (" r8="). */
	for (i = 0; i < cpu->nregs; i++)
		if ((cpu->regs[i].group & groups) &&
		    strlen(cpu->regs[i].name) > namew)
			namew = strlen(cpu->regs[i].name);
	for (i = 0; i < cpu->nregs; i++) {
		r = &cpu->regs[i];
		if (!(r->group & groups))
			continue;
		if (line != -1)
			fputc(r->line == line ? ' ' : '\n', fp);
		line = r->line;
		fprintf(fp, "%*s=%0*llx", (int)namew, r->name, r->width * 2,
		    (unsigned long long)reg_get(r, c));
	}
	if (line != -1)
		fputc('\n', fp);
}

void
print_addr(FILE *fp, const struct cpu *cpu, addr_t a)
{
	fprintf(fp, "%0*llx", (int)cpu->ptrsize * 2, (unsigned long long)a);
}
