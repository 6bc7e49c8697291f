/* flags.c: decode and encode EFLAGS, DR6 and DR7 bit by bit. */
#include <stdio.h>
#include <string.h>

#include "flags.h"

/* Append to buf, never past n bytes; returns the new length. */
static size_t
append(char *buf, size_t n, size_t len, const char *s)
{
	int w;

	if (len >= n)
		return len;
	w = snprintf(buf + len, n - len, "%s%s", len > 0 ? " " : "", s);
	return w < 0 ? len : len + (size_t)w;
}

char *
eflags_windbg(uint32_t efl, char *buf, size_t n)
{
	/* WinDbg's order and its two-letter words for set / clear. */
	static const struct { uint32_t bit; const char *set, *clear; } f[] = {
		{ EFLAGS_OF, "ov", "nv" },
		{ EFLAGS_DF, "dn", "up" },
		{ EFLAGS_IF, "ei", "di" },
		{ EFLAGS_SF, "ng", "pl" },
		{ EFLAGS_ZF, "zr", "nz" },
		{ EFLAGS_AF, "ac", "na" },
		{ EFLAGS_PF, "pe", "po" },
		{ EFLAGS_CF, "cy", "nc" },
	};
	char iopl[8];
	size_t i, len = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	snprintf(iopl, sizeof(iopl), "iopl=%u", EFLAGS_IOPL(efl));
	len = append(buf, n, len, iopl);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		len = append(buf, n, len, efl & f[i].bit ? f[i].set : f[i].clear);
	return buf;
}

char *
eflags_names(uint32_t efl, char *buf, size_t n)
{
	static const struct { uint32_t bit; const char *name; } f[] = {
		{ EFLAGS_CF, "CF" }, { EFLAGS_PF, "PF" }, { EFLAGS_AF, "AF" },
		{ EFLAGS_ZF, "ZF" }, { EFLAGS_SF, "SF" }, { EFLAGS_TF, "TF" },
		{ EFLAGS_IF, "IF" }, { EFLAGS_DF, "DF" }, { EFLAGS_OF, "OF" },
		{ EFLAGS_NT, "NT" }, { EFLAGS_RF, "RF" }, { EFLAGS_VM, "VM" },
		{ EFLAGS_AC, "AC" }, { EFLAGS_ID, "ID" },
	};
	size_t i, len = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (efl & f[i].bit)
			len = append(buf, n, len, f[i].name);
	if (len == 0)
		append(buf, n, len, "-");
	return buf;
}

unsigned
dr7_rw(uint32_t dr7, int slot)
{
	return (dr7 >> DR7_RW_SHIFT(slot)) & 3u;
}

unsigned
dr7_len(uint32_t dr7, int slot)
{
	static const unsigned bytes[4] = { 1, 2, 8, 4 };	/* by LEN */

	return bytes[(dr7 >> DR7_LEN_SHIFT(slot)) & 3u];
}

int
dr7_enabled(uint32_t dr7, int slot)
{
	return (dr7 & (DR7_L(slot) | DR7_G(slot))) != 0;
}

uint32_t
dr7_enable(uint32_t dr7, int slot, enum dr7_rw rw, unsigned len)
{
	uint32_t lenbits;

	switch (len) {
	case 1: lenbits = DR7_LEN_1; break;
	case 2: lenbits = DR7_LEN_2; break;
	case 4: lenbits = DR7_LEN_4; break;
	case 8: lenbits = DR7_LEN_8; break;
	default: return dr7;
	}
	dr7 = dr7_disable(dr7, slot);
	return dr7 | DR7_L(slot) | ((uint32_t)rw << DR7_RW_SHIFT(slot)) |
	    (lenbits << DR7_LEN_SHIFT(slot));
}

uint32_t
dr7_disable(uint32_t dr7, int slot)
{
	return dr7 & ~(DR7_L(slot) | DR7_G(slot) |
	    (3u << DR7_RW_SHIFT(slot)) | (3u << DR7_LEN_SHIFT(slot)));
}

const char *
dr7_rw_name(unsigned rw)
{
	static const char *names[4] = { "execute", "write", "io", "read/write" };

	return names[rw & 3u];
}

char *
dr7_slot_describe(uint32_t dr7, int slot, char *buf, size_t n)
{
	unsigned rw = dr7_rw(dr7, slot), len = dr7_len(dr7, slot);
	unsigned lenbits = (dr7 >> DR7_LEN_SHIFT(slot)) & 3u;

	snprintf(buf, n, "L%d=%u G%d=%u RW%d=%u%u (%s) LEN%d=%u%u (%u byte%s)",
	    slot, (dr7 & DR7_L(slot)) != 0, slot, (dr7 & DR7_G(slot)) != 0,
	    slot, rw >> 1, rw & 1u, dr7_rw_name(rw),
	    slot, lenbits >> 1, lenbits & 1u, len, len == 1 ? "" : "s");
	return buf;
}

char *
dr6_names(uint32_t dr6, char *buf, size_t n)
{
	static const struct { uint32_t bit; const char *name; } f[] = {
		{ DR6_B(0), "B0" }, { DR6_B(1), "B1" }, { DR6_B(2), "B2" },
		{ DR6_B(3), "B3" }, { DR6_BD, "BD" }, { DR6_BS, "BS" },
		{ DR6_BT, "BT" },
	};
	size_t i, len = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (dr6 & f[i].bit)
			len = append(buf, n, len, f[i].name);
	if (len == 0)
		append(buf, n, len, "-");
	return buf;
}

const char *
parse_hw_kind(const char *s, enum dr7_rw *rw, unsigned *len)
{
	const char *n;

	if (s[0] == 'e') {
		*rw = DR7_RW_EXECUTE;
		n = s + 1;
	} else if (s[0] == 'w') {
		*rw = DR7_RW_WRITE;
		n = s + 1;
	} else if (s[0] == 'r') {
		*rw = DR7_RW_READWRITE;	/* x86 has no read-only watch */
		n = s + (s[1] == 'w' ? 2 : 1);
	} else
		return "unknown kind (use e1, w1/w2/w4/w8 or rw1/rw2/rw4/rw8)";
	if (n[0] < '1' || n[0] > '8' || n[1] != '\0' ||
	    (n[0] != '1' && n[0] != '2' && n[0] != '4' && n[0] != '8'))
		return "the length must be 1, 2, 4 or 8";
	*len = (unsigned)(n[0] - '0');
	if (*rw == DR7_RW_EXECUTE && *len != 1)
		return "an execute breakpoint has length 1 (e1)";
	return NULL;
}
