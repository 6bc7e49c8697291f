/* cpu.h: one description per CPU view (x86, x64, WOW64) of a thread's registers. */
#ifndef DBGKIT_CPU_H
#define DBGKIT_CPU_H

#include <windows.h>
#include <stdint.h>
#include <stdio.h>

/* An address in the target; 64 bits wide whatever the target's bitness. */
typedef uint64_t addr_t;

/*
 * Register groups, for choosing what to read, write or print.  Each maps
 * to ContextFlags bits: REG_GENERAL to CONTEXT_CONTROL | CONTEXT_INTEGER,
 * REG_CONTROL to CONTEXT_CONTROL alone, REG_SEGMENT to CONTEXT_SEGMENTS,
 * REG_DEBUG to CONTEXT_DEBUG_REGISTERS.  Ask only for what you need, and
 * write back only what you mean to change: setting the trap flag takes
 * REG_CONTROL (IP, SP, flags), and a context written with REG_DEBUG too
 * would put back debug registers as they were when it was read.
 */
#define REG_GENERAL	0x1	/* integer registers, IP, SP, flags */
#define REG_SEGMENT	0x2	/* cs ss ds es fs gs */
#define REG_DEBUG	0x4	/* dr0-dr3, dr6, dr7 */
#define REG_CONTROL	0x8	/* IP, SP, flags (and ebp on x86) only */
#define REG_ALL		(REG_GENERAL | REG_SEGMENT | REG_DEBUG)

/* One register: where it lives in the CPU's CONTEXT, and how wide it is. */
struct reg {
	const char *name;	/* lower case, as WinDbg prints it */
	unsigned short offset;	/* FIELD_OFFSET in the CONTEXT structure */
	unsigned char width;	/* bytes: 2, 4 or 8 */
	unsigned char group;	/* REG_GENERAL, REG_SEGMENT or REG_DEBUG */
	unsigned char line;	/* the printed line it belongs to */
};

/*
 * Room for any thread context this tool can read: the native CONTEXT, and
 * in a 64-bit tool the 32-bit WOW64_CONTEXT of a WOW64 thread.  A 64-bit
 * CONTEXT must be 16-byte aligned.
 */
union context {
	CONTEXT native;
#ifdef _WIN64
	WOW64_CONTEXT wow64;
#endif
} __attribute__((aligned(16)));

struct cpu {
	const char *name;		/* "x86", "x64" or "x86 (WOW64)" */
	unsigned ptrsize;		/* 4 or 8 */
	const struct reg *regs;		/* the table: printing and diffs walk it */
	size_t nregs;
	const struct reg *ip, *sp, *flags, *dr[4], *dr6, *dr7;
	/*
	 * The longest data watch DR7 gives this view, in bytes.  LEN 10
	 * (8 bytes) is defined where the CPU runs in IA-32e mode,
	 * compatibility mode included (Intel SDM vol. 3B, 17.2.4-17.2.6):
	 * wherever a 64-bit tool runs, so for its WOW64 view too.  A 32-bit
	 * tool may run on 32-bit Windows, in legacy protected mode: 4.
	 */
	unsigned watch_max;
	/*
	 * Read or write the register groups (REG_*) of a stopped thread.
	 * get clears *c first; set writes only the groups named.
	 */
	BOOL (*get)(HANDLE thread, union context *c, unsigned groups);
	BOOL (*set)(HANDLE thread, union context *c, unsigned groups);
};

/*
 * cpu_x86 describes a 32-bit thread; in a 64-bit tool it is the WOW64 view
 * (Wow64GetThreadContext).  cpu_x64 exists in 64-bit tools only.
 */
extern const struct cpu cpu_x86;
#ifdef _WIN64
extern const struct cpu cpu_x64;
#endif

/*
 * The CPU view for a process: x86 for a 32-bit process, x64 for a 64-bit
 * one.  Returns NULL, with ERROR_NOT_SUPPORTED set, when a 32-bit tool is
 * given a 64-bit process, and NULL if IsWow64Process fails.
 */
const struct cpu *cpu_of_process(HANDLE process);

/*
 * The CPU view for code of the given pointer size: cpu_x86 for 4, cpu_x64
 * for 8.  NULL for 8 in a 32-bit tool, which has no cpu_x64.
 */
const struct cpu *cpu_of_ptrsize(unsigned ptrsize);

/* The register called name (case-insensitive), or NULL. */
const struct reg *cpu_reg(const struct cpu *cpu, const char *name);

/* A register's value in c, zero-extended. */
uint64_t reg_get(const struct reg *r, const union context *c);

/* Store v (truncated to the register's width) into c. */
void reg_set(const struct reg *r, union context *c, uint64_t v);

/*
 * Print the registers of the given groups, WinDbg style: one line per
 * table line, "eax=a1a1a1a1 ebx=...", widths padded to the register.
 */
void cpu_print(FILE *fp, const struct cpu *cpu, const union context *c,
    unsigned groups);

/* Print an address at the target's pointer width: "0040153a", "00007ff6...". */
void print_addr(FILE *fp, const struct cpu *cpu, addr_t a);

#endif
