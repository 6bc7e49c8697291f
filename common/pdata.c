/* pdata.c: x64 functions found in .pdata, their UNWIND_INFO, and one virtual unwind. */
#include <string.h>

#include "mem.h"
#include "pdata.h"

/*
 * The entry of .pdata (the exception directory) that covers rva, into
 * *rf: a binary search, reading one 12-byte entry per probe.  1 found,
 * 0 none, -1 unreadable.
 */
static int
find_entry(HANDLE process, const struct pe *pe, DWORD rva,
    IMAGE_RUNTIME_FUNCTION_ENTRY *rf)
{
	DWORD dir, size, lo = 0, hi, mid;

	if (!pe->pe64 || !pe_dir(pe, IMAGE_DIRECTORY_ENTRY_EXCEPTION, &dir, &size))
		return 0;
	hi = size / sizeof(*rf);
	while (lo < hi) {		/* only entries [lo, hi) can cover rva */
		mid = lo + (hi - lo) / 2;
		if (!mem_read(process, pe->base + dir + mid * sizeof(*rf), rf,
		    sizeof(*rf)))
			return -1;
		if (rva < rf->BeginAddress)
			hi = mid;
		else if (rva >= rf->EndAddress)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

BOOL
pdata_read_info(HANDLE process, const struct pe *pe, DWORD rva,
    struct unwind_info *ui)
{
	addr_t at = pe->base + rva, tail;
	BYTE head[4];

	memset(ui, 0, sizeof(*ui));
	if (!mem_read(process, at, head, sizeof(head)))
		return FALSE;
	ui->version = head[0] & 0x7;		/* Version:3, Flags:5 */
	ui->flags = head[0] >> 3;
	ui->prolog = head[1];			/* SizeOfProlog */
	ui->ncodes = head[2];			/* CountOfCodes */
	ui->frame_reg = head[3] & 0xf;		/* FrameRegister:4 */
	ui->frame_offset = head[3] >> 4;	/* FrameOffset:4 */
	if (ui->version != 1 && ui->version != 2) {
		SetLastError(ERROR_BAD_FORMAT);
		return FALSE;
	}
	if (ui->ncodes > 0 && !mem_read(process, at + 4, ui->code,
	    ui->ncodes * sizeof(ui->code[0])))
		return FALSE;
	/* After the codes, padded to an even count: a chained entry, or a handler. */
	tail = at + 4 + ((ui->ncodes + 1u) & ~1u) * sizeof(ui->code[0]);
	if (ui->flags & UNW_FLAG_CHAININFO)
		return mem_read(process, tail, &ui->chain, sizeof(ui->chain));
	if (ui->flags & (UNW_FLAG_EHANDLER | UNW_FLAG_UHANDLER)) {
		if (!mem_read(process, tail, &ui->handler, sizeof(ui->handler)))
			return FALSE;
		ui->handler_data = (DWORD)(tail + 4 - pe->base);
	}
	return TRUE;
}

int
pdata_lookup(HANDLE process, const struct pe *pe, addr_t a,
    struct pdata_entry *e)
{
	struct unwind_info ui;
	int found, links;

	memset(e, 0, sizeof(*e));
	if (a < pe->base || a - pe->base >= pe->image_size)
		return 0;
	if ((found = find_entry(process, pe, (DWORD)(a - pe->base), &e->rf)) <= 0)
		return found;
	/*
	 * A function split in parts (cold code moved away, say) has an entry
	 * per part; all but the first say UNW_FLAG_CHAININFO and name the
	 * entry they continue.  The handler is the first part's.
	 */
	e->primary = e->rf;
	for (links = 0;; links++) {
		if (!pdata_read_info(process, pe, e->primary.UnwindData, &ui))
			return -1;
		if (!(ui.flags & UNW_FLAG_CHAININFO))
			break;
		if (links == 32) {		/* a loop, not a chain */
			SetLastError(ERROR_BAD_FORMAT);
			return -1;
		}
		e->primary = ui.chain;
	}
	e->flags = ui.flags & (UNW_FLAG_EHANDLER | UNW_FLAG_UHANDLER);
	e->handler = ui.handler;
	e->handler_data = ui.handler_data;
	return 1;
}

/* How many 16-bit slots the unwind code in slot takes. */
static unsigned
slots(uint16_t slot)
{
	switch (UWC_OP(slot)) {
	case UWOP_ALLOC_LARGE:
		return UWC_INFO(slot) == 0 ? 2 : 3;
	case UWOP_SAVE_NONVOL:
	case UWOP_SAVE_XMM128:
	case UWOP_EPILOG:
		return 2;
	case UWOP_SAVE_NONVOL_FAR:
	case UWOP_SAVE_XMM128_FAR:
		return 3;
	default:
		return 1;
	}
}

/* Read 8 bytes at a into *v, or note a in *fault. */
static BOOL
read64(HANDLE process, addr_t a, uint64_t *v, addr_t *fault)
{
	if (mem_read(process, a, v, 8))
		return TRUE;
	*fault = a;
	return FALSE;
}

/* Pop a 64-bit value off the stack of r into *v. */
static BOOL
pop(HANDLE process, uint64_t r[UREG_COUNT], uint64_t *v, addr_t *fault)
{
	if (!read64(process, r[UREG_SP], v, fault))
		return FALSE;
	r[UREG_SP] += 8;
	return TRUE;
}

/*
 * An epilog has a fixed shape on x64, so that an unwinder can tell it
 * from the body: "add rsp, n" or "lea rsp, [fp + n]" (or neither), then
 * "pop reg" for each saved register, then "ret".  If the code at the IP
 * has that shape, the prolog's work is being undone already and the
 * unwind codes no longer describe the frame: play the rest of the epilog
 * forward instead, on a copy of the registers.  1 if it was one (r now
 * holds the caller's registers), 0 if not, -1 if unreadable.
 */
static int
epilog(HANDLE process, const struct pe *pe, DWORD end, uint64_t r[UREG_COUNT],
    addr_t *fault)
{
	uint64_t t[UREG_COUNT];
	BYTE code[32], rex;
	DWORD rva = (DWORD)(r[UREG_IP] - pe->base);
	size_t n = end - rva < sizeof(code) ? end - rva : sizeof(code), i = 0;
	int32_t d;

	if (!mem_read(process, r[UREG_IP], code, n)) {
		*fault = r[UREG_IP];
		return -1;
	}
	memcpy(t, r, sizeof(t));
	if (n >= 4 && code[0] == 0x48 && code[1] == 0x83 && code[2] == 0xc4) {
		t[UREG_SP] += (int8_t)code[3];			/* add rsp, imm8 */
		i = 4;
	} else if (n >= 7 && code[0] == 0x48 && code[1] == 0x81 &&
	    code[2] == 0xc4) {
		memcpy(&d, code + 3, 4);			/* add rsp, imm32 */
		t[UREG_SP] += d;
		i = 7;
	} else if (n >= 4 && (code[0] & 0xfe) == 0x48 && code[1] == 0x8d &&
	    (code[2] & 0x38) == 0x20 && (code[2] & 7) != 4 &&
	    (code[2] >> 6 == 1 || (code[2] >> 6 == 2 && n >= 7))) {
		/* lea rsp, [reg + disp8/disp32]: ModRM reg field 4 is rsp */
		if (code[2] >> 6 == 1) {
			d = (int8_t)code[3];
			i = 4;
		} else {
			memcpy(&d, code + 3, 4);
			i = 7;
		}
		t[UREG_SP] = t[(code[2] & 7) | (code[0] & 1) << 3] + d;
	}
	for (;;) {
		rex = 0;
		if (i < n && (code[i] & 0xf0) == 0x40)		/* REX.B: r8-r15 */
			rex = code[i++];
		if (i >= n)
			return 0;
		if (code[i] >= 0x58 && code[i] <= 0x5f) {	/* pop reg */
			if (!pop(process, t, &t[(code[i] - 0x58) | (rex & 1) << 3],
			    fault))
				return -1;
			i++;
			continue;
		}
		if (rex != 0)
			return 0;
		if (code[i] == 0xc3 || code[i] == 0xc2 ||	/* ret, ret n */
		    (code[i] == 0xf3 && i + 1 < n && code[i + 1] == 0xc3)) {
			if (!pop(process, t, &t[UREG_IP], fault))
				return -1;
			if (code[i] == 0xc2 && i + 2 < n)
				t[UREG_SP] += (uint16_t)(code[i + 1] | code[i + 2] << 8);
			memcpy(r, t, sizeof(t));
			return 1;
		}
		return 0;
	}
}

/* Has the prolog set the frame register by prolog offset off? */
static BOOL
frame_set(const struct unwind_info *ui, unsigned off)
{
	unsigned i;

	for (i = 0; i < ui->ncodes; i += slots(ui->code[i]))
		if (UWC_OP(ui->code[i]) == UWOP_SET_FPREG)
			return UWC_OFFSET(ui->code[i]) <= off;
	return FALSE;
}

/*
 * Undo what the prolog did, reading its unwind codes in their order
 * (the last prolog instruction first) and skipping those at offsets the
 * IP has not reached (off; ~0 once past the prolog).  *machframe is set
 * if the frame was an interrupt's, whose IP and RSP are then restored.
 */
static BOOL
undo_prolog(HANDLE process, const struct unwind_info *ui, unsigned off,
    uint64_t r[UREG_COUNT], int *machframe, addr_t *fault)
{
	uint64_t frame = r[UREG_SP], v;
	unsigned i;
	uint16_t c;

	/*
	 * SAVE_NONVOL offsets count from the frame: RSP after the prolog, or,
	 * in a function with a frame register, that register less 16 times
	 * FrameOffset (RSP when the frame register was set).
	 */
	if (ui->frame_reg != 0 && frame_set(ui, off))
		frame = r[ui->frame_reg] - 16u * ui->frame_offset;
	for (i = 0; i < ui->ncodes; i += slots(c)) {
		c = ui->code[i];
		if (UWC_OFFSET(c) > off)
			continue;		/* the IP is still before it */
		switch (UWC_OP(c)) {
		case UWOP_PUSH_NONVOL:
			if (!pop(process, r, &r[UWC_INFO(c)], fault))
				return FALSE;
			break;
		case UWOP_ALLOC_LARGE:
			if (i + slots(c) > ui->ncodes)
				goto bad;
			r[UREG_SP] += UWC_INFO(c) == 0 ? ui->code[i + 1] * 8u :
			    ui->code[i + 1] | (uint32_t)ui->code[i + 2] << 16;
			break;
		case UWOP_ALLOC_SMALL:
			r[UREG_SP] += 8u * (UWC_INFO(c) + 1);
			break;
		case UWOP_SET_FPREG:
			r[UREG_SP] = frame;
			break;
		case UWOP_SAVE_NONVOL:
		case UWOP_SAVE_NONVOL_FAR:
			if (i + slots(c) > ui->ncodes)
				goto bad;
			v = UWC_OP(c) == UWOP_SAVE_NONVOL ? ui->code[i + 1] * 8u :
			    ui->code[i + 1] | (uint32_t)ui->code[i + 2] << 16;
			if (!read64(process, frame + v, &r[UWC_INFO(c)], fault))
				return FALSE;
			break;
		case UWOP_SAVE_XMM128:		/* xmm registers: not followed */
		case UWOP_SAVE_XMM128_FAR:
		case UWOP_EPILOG:
			break;
		case UWOP_PUSH_MACHFRAME:	/* [rsp]: (error code,) RIP, CS, EFLAGS, RSP */
			if (UWC_INFO(c) != 0)
				r[UREG_SP] += 8;
			if (!read64(process, r[UREG_SP], &r[UREG_IP], fault) ||
			    !read64(process, r[UREG_SP] + 24, &r[UREG_SP], fault))
				return FALSE;
			*machframe = 1;
			break;
		default:
			goto bad;
		}
	}
	return TRUE;
bad:
	SetLastError(ERROR_BAD_FORMAT);
	return FALSE;
}

BOOL
pdata_unwind(HANDLE process, const struct pe *pe, uint64_t r[UREG_COUNT],
    const char **how, addr_t *fault)
{
	IMAGE_RUNTIME_FUNCTION_ENTRY rf;
	struct unwind_info ui;
	DWORD rva = (DWORD)(r[UREG_IP] - pe->base);
	unsigned off, links;
	int machframe = 0, k;

	*fault = 0;
	switch (find_entry(process, pe, rva, &rf)) {
	case -1:
		return FALSE;
	case 0:
		/* A leaf: RSP is where the call left it. */
		*how = "leaf";
		return pop(process, r, &r[UREG_IP], fault);
	}
	if (!pdata_read_info(process, pe, rf.UnwindData, &ui))
		return FALSE;
	off = rva - rf.BeginAddress < ui.prolog ? rva - rf.BeginAddress : ~0u;
	if (off == ~0u) {
		if ((k = epilog(process, pe, rf.EndAddress, r, fault)) != 0) {
			*how = "epilog";
			return k > 0;
		}
	}
	/*
	 * Undo this entry's prolog, then that of each entry it continues:
	 * their prologs ran in full before the IP got here.
	 */
	for (links = 0;; links++) {
		if (!undo_prolog(process, &ui, off, r, &machframe, fault))
			return FALSE;
		if (!(ui.flags & UNW_FLAG_CHAININFO))
			break;
		if (links == 32) {		/* a loop, not a chain */
			SetLastError(ERROR_BAD_FORMAT);
			return FALSE;
		}
		if (!pdata_read_info(process, pe, ui.chain.UnwindData, &ui))
			return FALSE;
		off = ~0u;
	}
	*how = "pdata";
	/* Now RSP points at the return address (an interrupt frame gave IP). */
	return machframe || pop(process, r, &r[UREG_IP], fault);
}
