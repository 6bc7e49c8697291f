/* unwind.c: a stack walk, frame by frame: EBP chain and CFI on x86, .pdata on x64. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <dbghelp.h>

#include "cfi.h"
#include "err.h"
#include "mem.h"
#include "pdata.h"
#include "pe.h"
#include "teb.h"
#include "unwind.h"

/* What a walk has read of one module, on first need. */
struct unwind_module {
	int state;		/* 0 not read yet, 1 read, -1 unreadable */
	struct pe pe;
	BYTE *eh;		/* x86: its .eh_frame, or NULL */
	size_t neh;
	addr_t eh_va;		/* where .eh_frame is in the target */
};

/* The largest .eh_frame read (Wine's biggest DLLs have ~100 KB). */
#define MAX_EH_FRAME	(16u << 20)

/* The registers by UREG_* number, as the CPU tables name them. */
static const char *const names64[] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"
};
static const char *const names32[] = {
	"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"
};

void
unwind_begin(struct walk *w, HANDLE process, const struct cpu *cpu,
    struct modules *mods, HANDLE thread, const union context *c)
{
	const char *const *names = cpu->ptrsize == 8 ? names64 : names32;
	unsigned i, n = cpu->ptrsize == 8 ? 16 : 8;
	addr_t teb, base, limit, reserve;

	memset(w, 0, sizeof(*w));
	w->process = process;
	w->cpu = cpu;
	w->mods = mods;
	for (i = 0; i < n; i++)
		w->r[i] = reg_get(cpu_reg(cpu, names[i]), c);
	w->r[UREG_IP] = reg_get(cpu->ip, c);
	/* The stack's bounds, to tell a frame from garbage. */
	if (teb_find(process, cpu, thread, &teb) &&
	    teb_stack(process, cpu, teb, &base, &limit, &reserve) && base > limit) {
		w->stack_hi = base;
		w->stack_lo = reserve != 0 && reserve < limit ? reserve : limit;
	}
	w->f.ip = w->r[UREG_IP];
	w->f.sp = w->r[UREG_SP];
	w->f.how = "context";
}

void
unwind_end(struct walk *w)
{
	size_t i;

	if (w->um != NULL)
		for (i = 0; i < w->mods->n; i++)
			free(w->um[i].eh);
	free(w->um);
	w->um = NULL;
}

/*
 * An x86 image's .eh_frame.  Its name is too long for a section header,
 * which holds "/4" instead (an offset into a string table that is not
 * mapped), so it is known by what it holds: a data section that starts
 * with a CIE.
 */
static void
find_eh_frame(HANDLE process, struct unwind_module *u)
{
	const IMAGE_SECTION_HEADER *s;
	BYTE head[16];
	DWORD size;
	unsigned i;

	for (i = 0; i < u->pe.nsections; i++) {
		s = &u->pe.sec[i];
		size = pe_section_size(s);
		if ((s->Characteristics & (IMAGE_SCN_MEM_EXECUTE |
		    IMAGE_SCN_MEM_DISCARDABLE)) || size < sizeof(head) ||
		    size > MAX_EH_FRAME || (u->pe.name[i][0] != '/' &&
		    strncmp(u->pe.name[i], ".eh_fram", 8) != 0) ||
		    !mem_read(process, u->pe.base + s->VirtualAddress, head,
		    sizeof(head)) || !cfi_is_eh_frame(head, sizeof(head)))
			continue;
		if ((u->eh = malloc(size)) == NULL)
			return;
		if (!mem_read(process, u->pe.base + s->VirtualAddress, u->eh,
		    size)) {
			free(u->eh);
			u->eh = NULL;
			return;
		}
		u->neh = size;
		u->eh_va = u->pe.base + s->VirtualAddress;
		return;
	}
}

/* The unwind data of module m, read on first use; NULL if unreadable. */
static struct unwind_module *
module_data(struct walk *w, const struct module *m)
{
	struct unwind_module *u;

	if (w->um == NULL && (w->um = calloc(w->mods->n + 1,
	    sizeof(*w->um))) == NULL)
		return NULL;
	u = &w->um[m - w->mods->v];
	if (u->state == 0) {
		u->state = -1;
		if (pe_read(w->process, m->base, &u->pe)) {
			u->state = 1;
			if (!u->pe.pe64)
				find_eh_frame(w->process, u);
		}
	}
	return u->state > 0 ? u : NULL;
}

/* End the walk, broken or not, saying why. */
static BOOL __attribute__((format(printf, 3, 4)))
stop(struct walk *w, int broken, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	w->over = 1;
	w->broken = broken;
	return FALSE;
}

/* Is a inside the thread's stack (or is the stack unknown)? */
static BOOL
in_stack(const struct walk *w, addr_t a)
{
	return w->stack_hi == 0 || (a >= w->stack_lo && a < w->stack_hi);
}

/* A 32-bit value of the target's stack. */
static BOOL
read32(struct walk *w, addr_t a, uint64_t *v)
{
	uint32_t x;

	if (!mem_read(w->process, a, &x, 4))
		return FALSE;
	*v = x;
	return TRUE;
}

/*
 * The EBP chain.  A function with a frame pointer starts with
 *	push ebp		; the caller's EBP, saved
 *	mov ebp, esp		; EBP now points at it
 * so in its body [ebp] is the caller's EBP, [ebp+4] the return address,
 * and the caller's ESP after the return is ebp+8.
 */
static BOOL
ebp_step(struct walk *w, const char **how)
{
	uint64_t ebp = w->r[UREG_BP], saved, ret;

	if (ebp < w->r[UREG_SP] || !in_stack(w, ebp) || (ebp & 3) != 0)
		return stop(w, 1, "EBP is 0x%llx, not a frame on the stack "
		    "above ESP 0x%llx: no frame pointer to follow",
		    (unsigned long long)ebp, (unsigned long long)w->r[UREG_SP]);
	if (!read32(w, ebp, &saved) || !read32(w, ebp + 4, &ret))
		return stop(w, 1, "cannot read the frame at EBP 0x%llx",
		    (unsigned long long)ebp);
	w->r[UREG_IP] = ret;
	w->r[UREG_SP] = ebp + 8;
	w->r[UREG_BP] = saved;
	*how = "ebp";
	return TRUE;
}

/* Is the CFI row the one of a body with a frame pointer: CFA = ebp+8? */
static BOOL
ebp_frame(const struct cfi_row *row)
{
	return row->cfa_expr == NULL && row->cfa_reg == UREG_BP &&
	    row->cfa_off == 8 &&
	    row->reg[UREG_BP].rule == CFI_OFFSET && row->reg[UREG_BP].off == -8 &&
	    row->reg[UREG_IP].rule == CFI_OFFSET && row->reg[UREG_IP].off == -4;
}

/*
 * A CFI step: the CFA is a register plus an offset; the caller's ESP is
 * the CFA, and each saved register is read where its rule says.
 */
static BOOL
cfi_step(struct walk *w, const struct cfi_row *row, const char **how)
{
	uint64_t t[UREG_COUNT], cfa, a;
	const char *why;
	int i;

	if (row->cfa_expr == NULL)
		cfa = (uint32_t)(w->r[row->cfa_reg] + row->cfa_off);
	else if (!cfi_eval(w->process, row->cfa_expr, row->cfa_len, w->r, 0, 0,
	    &cfa, &why))
		return stop(w, 1, "the CFA: %s", why);
	memcpy(t, w->r, sizeof(t));
	for (i = 0; i < UREG_COUNT; i++) {
		switch (row->reg[i].rule) {
		case CFI_SAME:
			if (i == UREG_IP)
				return stop(w, 1, "the CFI gives no return address");
			continue;
		case CFI_UNDEFINED:
			if (i == UREG_IP)
				return stop(w, 0, "the CFI says this is the "
				    "outermost frame");
			t[i] = 0;
			continue;
		case CFI_REGISTER:
			if (row->reg[i].reg < 0)
				return stop(w, 1, "the CFI keeps a register in "
				    "one not followed");
			t[i] = w->r[row->reg[i].reg];
			continue;
		case CFI_OFFSET:
		case CFI_VAL_OFFSET:
			a = (uint32_t)(cfa + row->reg[i].off);
			break;
		case CFI_EXPRESSION:
		case CFI_VAL_EXPRESSION:	/* the CFA is pushed first */
			if (!cfi_eval(w->process, row->reg[i].expr,
			    row->reg[i].len, w->r, 1, cfa, &a, &why))
				return stop(w, 1, "the saved %s: %s", i == UREG_IP ?
				    "eip" : names32[i], why);
			break;
		}
		if (row->reg[i].rule == CFI_VAL_OFFSET ||
		    row->reg[i].rule == CFI_VAL_EXPRESSION)
			t[i] = a;
		else if (!read32(w, a, &t[i]))
			return stop(w, 1, "cannot read the saved %s at 0x%llx",
			    i == UREG_IP ? "eip" : names32[i],
			    (unsigned long long)a);
	}
	if (row->reg[UREG_SP].rule == CFI_SAME)
		t[UREG_SP] = cfa;	/* the CFA is the caller's ESP */
	memcpy(w->r, t, sizeof(t));
	*how = "cfi";
	return TRUE;
}

/*
 * At a ret instruction the return address is at [esp], whatever the
 * function did before: the CPU is about to take it from there.
 */
static int
ret_step(struct walk *w, const char **how)
{
	BYTE code[3];
	uint64_t ret;

	if (!mem_read(w->process, w->r[UREG_IP], code, sizeof(code)) ||
	    (code[0] != 0xc3 && code[0] != 0xc2))
		return 0;
	if (!read32(w, w->r[UREG_SP], &ret))
		return 0;
	w->r[UREG_IP] = ret;
	w->r[UREG_SP] += 4 + (code[0] == 0xc2 ? (code[1] | code[2] << 8) : 0);
	*how = "ret";
	return 1;
}

/*
 * x86: the EBP chain where the function has a frame pointer, CFI where
 * it has none, and the module's CFI to tell which is which; without CFI,
 * a ret at the IP, or else the EBP chain on trust.
 */
static BOOL
step_x86(struct walk *w, const struct module *m, const char **how)
{
	struct unwind_module *u;
	struct cfi_row row;
	const char *why;
	/* A return address may follow a call that ends its function. */
	addr_t look = w->f.n == 0 ? w->r[UREG_IP] : w->r[UREG_IP] - 1;
	int k = 0;

	if (m != NULL && (u = module_data(w, m)) != NULL && u->eh != NULL) {
		k = cfi_find(u->eh, u->neh, u->eh_va, look, &row, &why);
		if (k < 0)
			return stop(w, 1, "the CFI of %s: %s", m->name, why);
	}
	if (k > 0)
		return ebp_frame(&row) ? ebp_step(w, how) : cfi_step(w, &row, how);
	if (ret_step(w, how))
		return TRUE;
	return ebp_step(w, how);
}

/* x64: the unwind codes of the function's RUNTIME_FUNCTION. */
static BOOL
step_x64(struct walk *w, const struct module *m, const char **how)
{
	struct unwind_module *u;
	uint64_t t[UREG_COUNT];
	addr_t fault;
	char buf[128];

	if (m == NULL)
		return stop(w, 1, "0x%llx is in no module: no unwind data says "
		    "where its caller is", (unsigned long long)w->r[UREG_IP]);
	if ((u = module_data(w, m)) == NULL)
		return stop(w, 1, "cannot read the headers of %s", m->name);
	memcpy(t, w->r, sizeof(t));
	if (!pdata_unwind(w->process, &u->pe, t, how, &fault)) {
		strwinerror(GetLastError(), buf, sizeof(buf));
		if (fault != 0)
			return stop(w, 1, "the unwind codes of %s lead to 0x%llx, "
			    "which cannot be read (%s)", m->name,
			    (unsigned long long)fault, buf);
		return stop(w, 1, "the unwind data of %s: %s", m->name, buf);
	}
	memcpy(w->r, t, sizeof(t));
	return TRUE;
}

BOOL
unwind_next(struct walk *w)
{
	const struct module *m;
	MEMORY_BASIC_INFORMATION mbi;
	uint64_t sp = w->r[UREG_SP];
	const char *how = NULL;

	if (w->over)
		return FALSE;
	m = module_at(w->mods, w->r[UREG_IP]);
	if (!(w->cpu->ptrsize == 8 ? step_x64(w, m, &how) : step_x86(w, m, &how)))
		return FALSE;
	/* The caller's frame must be a real one, further up the stack. */
	if (w->r[UREG_IP] == 0)
		return stop(w, 0, "the return address is 0: the outermost frame");
	if (w->r[UREG_SP] <= sp)
		return stop(w, 1, "the %s rule gives a stack pointer 0x%llx, not "
		    "above 0x%llx", how, (unsigned long long)w->r[UREG_SP],
		    (unsigned long long)sp);
	if (!in_stack(w, w->r[UREG_SP]))
		return stop(w, 1, "the %s rule gives a stack pointer 0x%llx, "
		    "outside the stack 0x%llx-0x%llx", how,
		    (unsigned long long)w->r[UREG_SP],
		    (unsigned long long)w->stack_lo,
		    (unsigned long long)w->stack_hi);
	if (module_at(w->mods, w->r[UREG_IP]) == NULL &&
	    (VirtualQueryEx(w->process, (LPCVOID)(uintptr_t)w->r[UREG_IP], &mbi,
	    sizeof(mbi)) == 0 || mbi.State != MEM_COMMIT ||
	    !(mbi.Protect & PAGE_EXECUTABLE)))
		return stop(w, 1, "the %s rule gives a return address 0x%llx, "
		    "which is not code", how, (unsigned long long)w->r[UREG_IP]);
	w->f.n++;
	w->f.ip = w->r[UREG_IP];
	w->f.sp = w->r[UREG_SP];
	w->f.how = how;
	return TRUE;
}

int
unwind_dbghelp(HANDLE process, HANDLE thread, const struct cpu *cpu,
    const union context *c, struct frame *out, int max)
{
	STACKFRAME64 sf;
	union context copy = *c;
	DWORD machine = cpu->ptrsize == 8 ? IMAGE_FILE_MACHINE_AMD64 :
	    IMAGE_FILE_MACHINE_I386;
	int n = 0;

	SymSetOptions(SymGetOptions() | SYMOPT_DEFERRED_LOADS);
	if (!SymInitialize(process, NULL, TRUE)) {
		warn("SymInitialize(pid %lu)", GetProcessId(process));
		return -1;
	}
	memset(&sf, 0, sizeof(sf));
	sf.AddrPC.Offset = reg_get(cpu->ip, c);
	sf.AddrStack.Offset = reg_get(cpu->sp, c);
	sf.AddrFrame.Offset = reg_get(cpu_reg(cpu, cpu->ptrsize == 8 ? "rbp" :
	    "ebp"), c);
	sf.AddrPC.Mode = sf.AddrStack.Mode = sf.AddrFrame.Mode = AddrModeFlat;
	/*
	 * The context is changed as it goes: a copy, in the CPU's own layout.
	 * StackWalk64 may not stop by itself where it loses the chain: the
	 * walk is cut where its stack pointer stops rising.
	 */
	while (n < max && StackWalk64(machine, process, thread, &sf, &copy, NULL,
	    SymFunctionTableAccess64, SymGetModuleBase64, NULL) &&
	    sf.AddrPC.Offset != 0 && (n == 0 || sf.AddrStack.Offset >
	    out[n - 1].sp)) {
		out[n].n = n;
		out[n].ip = sf.AddrPC.Offset;
		out[n].sp = sf.AddrStack.Offset;
		out[n].how = "dbghelp";
		n++;
	}
	SymCleanup(process);
	return n;
}
