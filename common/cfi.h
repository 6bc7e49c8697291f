/* cfi.h: DWARF call frame information, as mingw's i386 gcc leaves it in .eh_frame. */
#ifndef DBGKIT_CFI_H
#define DBGKIT_CFI_H

#include <windows.h>
#include <stddef.h>
#include <stdint.h>

#include "unwind.h"

/*
 * A 32-bit Windows program has no .pdata: Windows finds x86 frames by the
 * EBP chain, or by FPO records in the PDB.  gcc adds what Linux programs
 * carry instead, DWARF call frame information (CFI) in a section called
 * .eh_frame: for every function a Frame Description Entry (FDE) whose
 * instructions say, address by address, where the Canonical Frame
 * Address is (the stack pointer before the call: "esp + 16", "ebp + 8")
 * and where each saved register lies relative to it ("eip at CFA-4",
 * "ebx at CFA-8").  Common instructions sit in a Common Information
 * Entry (CIE) that FDEs point to.
 *   Source: the DWARF 4 standard, section 6.4 (Call Frame Information);
 *   the Linux Standard Base, "Exception Frames" (.eh_frame's encoding).
 */

/* How a register of the caller is recovered. */
enum cfi_rule {
	CFI_SAME,		/* not changed: the same as in this frame */
	CFI_UNDEFINED,		/* lost: the caller's value is unknown */
	CFI_OFFSET,		/* saved at CFA + off */
	CFI_VAL_OFFSET,		/* it is CFA + off itself */
	CFI_REGISTER,		/* kept in another register, reg */
	CFI_EXPRESSION,		/* saved at the address expr computes */
	CFI_VAL_EXPRESSION	/* it is what expr computes */
};

/* One row of the CFI table: the rules in force at one address. */
struct cfi_row {
	int cfa_reg;		/* the CFA is register cfa_reg (UREG_*) ... */
	int32_t cfa_off;	/* ... plus cfa_off, */
	const BYTE *cfa_expr;	/* or what this DWARF expression computes */
	size_t cfa_len;
	struct {
		enum cfi_rule rule;
		int32_t off;
		int reg;
		const BYTE *expr;	/* CFI_(VAL_)EXPRESSION: in the section */
		size_t len;
	} reg[UREG_COUNT];	/* UREG_IP's is the return address's */
	addr_t fde_begin, fde_end; /* the function the FDE describes */
};

/*
 * Find, in an i386 .eh_frame whose n bytes are eh (read from the target,
 * where the section starts at address va), the FDE that covers ip, and
 * run its CIE's and its own instructions up to ip into *row.  Returns 1
 * with *row filled, 0 if no FDE covers ip, -1 if the data is malformed
 * or uses what this reader does not handle (then *why says what).
 */
int cfi_find(const BYTE *eh, size_t n, addr_t va, addr_t ip,
    struct cfi_row *row, const char **why);

/*
 * Evaluate the DWARF expression of n bytes at op (the small stack
 * machine CFI uses for what an offset cannot say, such as the CFA of a
 * function that realigned its stack), with registers r and the target's
 * memory, i386 style: addresses and values of 32 bits.  push is pushed
 * first if has_push.  TRUE with the result in *out; FALSE with *why
 * set for an operation not handled or memory that cannot be read.
 */
BOOL cfi_eval(HANDLE process, const BYTE *op, size_t n,
    const uint64_t r[UREG_COUNT], int has_push, uint64_t push, uint64_t *out,
    const char **why);

/*
 * True if these n bytes start with a CIE (a record of CIE id 0 and
 * version 1 or 3): what an .eh_frame section starts with.
 */
BOOL cfi_is_eh_frame(const BYTE *eh, size_t n);

#endif
