/* pdata.h: x64 unwind data: .pdata's function table and the UNWIND_INFO in .xdata. */
#ifndef DBGKIT_PDATA_H
#define DBGKIT_PDATA_H

#include <windows.h>
#include <stdint.h>

#include "pe.h"
#include "unwind.h"

/*
 * Every x64 function that touches the stack (a "frame function") has a
 * RUNTIME_FUNCTION in the image's exception directory, .pdata: three
 * RVAs, where it begins, where it ends, and where its UNWIND_INFO is
 * (usually in .xdata).  The table is sorted by BeginAddress.  A function
 * with no entry is a leaf: it neither moves RSP nor saves a register, so
 * its return address is at [rsp].
 *   Source: Microsoft docs, "x64 exception handling" (the RUNTIME_FUNCTION
 *   and UNWIND_INFO structures, the unwind codes).
 */

/* UNWIND_INFO.Flags */
#ifndef UNW_FLAG_EHANDLER
#define UNW_FLAG_EHANDLER	0x1	/* a handler for exceptions */
#define UNW_FLAG_UHANDLER	0x2	/* a handler for unwinding */
#define UNW_FLAG_CHAININFO	0x4	/* continues another entry's codes */
#endif

/* UNWIND_CODE.UnwindOp: what one prolog instruction did. */
enum unwind_op {
	UWOP_PUSH_NONVOL = 0,	/* push reg: RSP -= 8 */
	UWOP_ALLOC_LARGE = 1,	/* sub rsp, n: n in the next 1 or 2 slots */
	UWOP_ALLOC_SMALL = 2,	/* sub rsp, 8 * (info + 1) */
	UWOP_SET_FPREG = 3,	/* lea fp, [rsp + 16 * FrameOffset] */
	UWOP_SAVE_NONVOL = 4,	/* mov [rsp + 8 * next slot], reg */
	UWOP_SAVE_NONVOL_FAR = 5, /* mov [rsp + next 2 slots], reg */
	UWOP_EPILOG = 6,	/* version 2: where an epilog is; no effect */
	UWOP_SPARE = 7,
	UWOP_SAVE_XMM128 = 8,	/* movaps [rsp + 16 * next slot], xmm */
	UWOP_SAVE_XMM128_FAR = 9, /* movaps [rsp + next 2 slots], xmm */
	UWOP_PUSH_MACHFRAME = 10 /* the CPU pushed an interrupt frame */
};

/* One UNWIND_INFO, decoded. */
struct unwind_info {
	BYTE version;		/* 1, or 2 with UWOP_EPILOG codes */
	BYTE flags;		/* UNW_FLAG_* */
	BYTE prolog;		/* SizeOfProlog: bytes of prolog code */
	BYTE ncodes;		/* CountOfCodes: 16-bit slots in code[] */
	BYTE frame_reg;		/* FrameRegister (UREG_*), 0 if none */
	BYTE frame_offset;	/* FrameOffset, in units of 16 bytes */
	uint16_t code[256];	/* the slots, last prolog instruction first */
	DWORD handler;		/* E/UHANDLER: the handler's RVA */
	DWORD handler_data;	/* ... and the RVA of its own data */
	IMAGE_RUNTIME_FUNCTION_ENTRY chain; /* CHAININFO: the entry continued */
};

/* One slot of code[]: offset in the prolog, operation, operation info. */
#define UWC_OFFSET(slot)	((slot) & 0xff)
#define UWC_OP(slot)		(((slot) >> 8) & 0x0f)
#define UWC_INFO(slot)		((slot) >> 12)

/*
 * What the unwind data says about the function around one address: the
 * lookup RtlLookupFunctionEntry does, plus the handler its UNWIND_INFO
 * names (what an exception dispatcher calls in that frame).
 */
struct pdata_entry {
	IMAGE_RUNTIME_FUNCTION_ENTRY rf;  /* the entry that covers it */
	IMAGE_RUNTIME_FUNCTION_ENTRY primary; /* rf, or the entry its chain
					    of CHAININFO entries ends at:
					    the function's own start */
	BYTE flags;		/* the primary UNWIND_INFO's UNW_FLAG_E/UHANDLER */
	DWORD handler;		/* RVA of its exception handler, 0 if none */
	DWORD handler_data;	/* RVA of the handler's data (for a C
				   __except, a scope table), 0 if none */
};

/*
 * Find the RUNTIME_FUNCTION of the image pe (read with pe_read) that
 * covers address a, by a binary search of its .pdata in the target's
 * memory, and the handler its UNWIND_INFO names: an UNWIND_INFO with
 * UNW_FLAG_CHAININFO has none of its own, so the chain is followed to
 * the primary entry, whose flags and handler are reported.  Returns 1
 * with *e filled, 0 if no entry covers a (a leaf function, or an image
 * without .pdata, such as any 32-bit one), -1 if the table or an
 * UNWIND_INFO cannot be read (last error set).  Prints nothing.
 */
int pdata_lookup(HANDLE process, const struct pe *pe, addr_t a,
    struct pdata_entry *e);

/*
 * Read and decode the UNWIND_INFO at rva in the image pe.  FALSE (last
 * error set) if it cannot be read or has a version other than 1 or 2.
 */
BOOL pdata_read_info(HANDLE process, const struct pe *pe, DWORD rva,
    struct unwind_info *ui);

/*
 * One step of an x64 virtual unwind, as RtlVirtualUnwind does it: r holds
 * the registers of a frame whose IP lies in the image pe; on return it
 * holds its caller's (IP, RSP and every nonvolatile register the unwind
 * data says was saved).  *how becomes "pdata" (the unwind codes undid
 * the prolog), "epilog" (the IP was in an epilog, which was played
 * forward) or "leaf" (no RUNTIME_FUNCTION: the return address is at
 * [rsp]).  FALSE (last error set) if memory the step needs cannot be
 * read: the stack at *fault, or (*fault 0) the unwind data.
 */
BOOL pdata_unwind(HANDLE process, const struct pe *pe, uint64_t r[UREG_COUNT],
    const char **how, addr_t *fault);

#endif
