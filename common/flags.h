/* flags.h: the bits of EFLAGS, DR6 and DR7, by name; portable C. */
#ifndef DBGKIT_FLAGS_H
#define DBGKIT_FLAGS_H

#include <stddef.h>
#include <stdint.h>

/* EFLAGS (RFLAGS: the upper half is reserved). */
#define EFLAGS_CF	0x00000001u	/* carry */
#define EFLAGS_PF	0x00000004u	/* parity */
#define EFLAGS_AF	0x00000010u	/* auxiliary carry */
#define EFLAGS_ZF	0x00000040u	/* zero */
#define EFLAGS_SF	0x00000080u	/* sign */
#define EFLAGS_TF	0x00000100u	/* trap: single-step after each instruction */
#define EFLAGS_IF	0x00000200u	/* interrupts enabled */
#define EFLAGS_DF	0x00000400u	/* direction: string ops go down */
#define EFLAGS_OF	0x00000800u	/* overflow */
#define EFLAGS_IOPL(f)	(((f) >> 12) & 3u)
#define EFLAGS_NT	0x00004000u	/* nested task */
#define EFLAGS_RF	0x00010000u	/* resume: skip one instruction breakpoint */
#define EFLAGS_VM	0x00020000u	/* virtual-8086 mode */
#define EFLAGS_AC	0x00040000u	/* alignment check */
#define EFLAGS_ID	0x00200000u	/* CPUID available */

#define TRAP_FLAG	EFLAGS_TF
#define RESUME_FLAG	EFLAGS_RF

/*
 * Write WinDbg's summary of the arithmetic and control flags, such as
 * "iopl=0 nv up ei pl zr na pe nc", into buf (n bytes).  Returns buf.
 */
char *eflags_windbg(uint32_t efl, char *buf, size_t n);

/*
 * Write the name of every set flag, lowest bit first, such as
 * "PF ZF IF", into buf (n bytes); "-" when none is set.  Returns buf.
 */
char *eflags_names(uint32_t efl, char *buf, size_t n);

/*
 * DR7 controls the four hardware breakpoint slots, DR0..DR3.
 * For slot i: L (bit 2i) and G (bit 2i+1) enable it; RW (2 bits at 16+4i)
 * says what fires it; LEN (2 bits at 18+4i) its length.
 */
#define DR_SLOTS	4
#define DR7_L(i)	(1u << ((i) * 2))
#define DR7_G(i)	(1u << ((i) * 2 + 1))
#define DR7_LE		(1u << 8)
#define DR7_GE		(1u << 9)
#define DR7_GD		(1u << 13)	/* general detect: trap on DRx access */
#define DR7_RW_SHIFT(i)	(16 + (i) * 4)
#define DR7_LEN_SHIFT(i) (18 + (i) * 4)

enum dr7_rw {			/* the RW field */
	DR7_RW_EXECUTE = 0,	/* instruction fetch; LEN must be 1 byte */
	DR7_RW_WRITE = 1,	/* data writes */
	DR7_RW_IO = 2,		/* I/O ports (CR4.DE); not usable from user mode */
	DR7_RW_READWRITE = 3	/* data reads or writes, not fetches */
};

/* The LEN field: 00 = 1 byte, 01 = 2, 11 = 4, 10 = 8 (64-bit mode only). */
#define DR7_LEN_1	0u
#define DR7_LEN_2	1u
#define DR7_LEN_8	2u
#define DR7_LEN_4	3u

/* DR6 says what fired: B0..B3 a slot, BD a DRx access, BS a single-step. */
#define DR6_B(i)	(1u << (i))
#define DR6_BD		(1u << 13)
#define DR6_BS		(1u << 14)
#define DR6_BT		(1u << 15)

/* The RW field of slot i, an enum dr7_rw. */
unsigned dr7_rw(uint32_t dr7, int slot);

/* The length in bytes (1, 2, 4 or 8) that slot i's LEN field encodes. */
unsigned dr7_len(uint32_t dr7, int slot);

/* True when slot i is enabled, locally or globally. */
int dr7_enabled(uint32_t dr7, int slot);

/*
 * DR7 with slot i enabled (L bit) for rw and len bytes, its other slots
 * unchanged.  len must be 1, 2, 4 or 8; returns dr7 unchanged otherwise.
 */
uint32_t dr7_enable(uint32_t dr7, int slot, enum dr7_rw rw, unsigned len);

/* DR7 with slot i's L, G, RW and LEN bits cleared. */
uint32_t dr7_disable(uint32_t dr7, int slot);

/* A word for an RW value: "execute", "write", "io", "read/write". */
const char *dr7_rw_name(unsigned rw);

/*
 * Describe slot i of DR7 field by field, such as
 * "L0=1 G0=0 RW0=01 (write) LEN0=11 (4 bytes)", into buf.  Returns buf.
 */
char *dr7_slot_describe(uint32_t dr7, int slot, char *buf, size_t n);

/*
 * Parse a hardware breakpoint KIND in WinDbg's spelling: "e1" (execute),
 * "w1" "w2" "w4" "w8" (write), "rw1".."rw8" or "r1".."r8" (read or
 * write).  Stores the RW value and the length.  Returns NULL, or a reason:
 * an unknown kind, a length other than 1, 2, 4, 8, or an execute
 * breakpoint longer than 1.
 */
const char *parse_hw_kind(const char *s, enum dr7_rw *rw, unsigned *len);

/* Name the set DR6 bits, such as "B1 BS", into buf; "-" if none. */
char *dr6_names(uint32_t dr6, char *buf, size_t n);

#endif
